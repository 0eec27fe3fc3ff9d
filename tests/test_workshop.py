"""Workshop mode: the town, the switches, the session, the stories and the handout (sim.workshop)."""

from __future__ import annotations

import base64
import copy
import html
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.cli import build_parser
from sim.config import load_town, mechanism_params
from sim.domain import TYPE_KEYS
from sim.model import CommunityModel
from sim.params import ConfigError
from sim.workshop import handout
from sim.workshop.functions import ALL_OFF, ALL_ON, FUNCTION_BY_KEY, FUNCTIONS, STAGES, scenario_for
from sim.workshop.picture import draw, frame_of, picture_town
from sim.workshop.session import WorkshopSession
from sim.workshop.stories import (
    LESSON_KEYS,
    load_workshop_story,
    story_from_dict,
    workshop_story_names,
)

STORIES = ("hoarding_cats", "refusing_parent", "household_8050")


# ------------------------------------------------------------------ the town
def test_workshop_town_is_small_enough_to_draw_and_has_every_actor():
    model = CommunityModel("baseline", "workshop", seed=1, warmup_weeks=0)
    town = model.town
    assert 50 <= model.n_households <= 100
    assert len(town.district_vacant) == 1 and not town.district_vacant.any()  # one 民生委員, in post
    assert 1 <= len(np.unique(town.area)) <= 2  # one or two 自治会
    assert (town.venue_kind == 0).sum() >= 1 and (town.venue_kind == 1).sum() >= 1  # a サロン and a 居場所
    assert len(town.npo_focus) >= 1
    assert len(town.desks) == len(load_town("workshop").profile["desks"])  # every desk reachable, one each
    assert all(d["staff"] >= 1 for d in town.desks)
    for case in ("8050", "disabled_child_refusing", "hoarding_isolated"):  # every story has a household
        assert (town.htype == TYPE_KEYS.index(case)).any()


def test_every_seed_of_the_workshop_town_holds_each_storys_household():
    from sim.town import build_town

    profile = load_town("workshop").profile
    wanted = {k: int(v) for k, v in profile["household_types"]["at_least"].items() if v}
    assert set(wanted) >= {"8050", "disabled_child_refusing", "hoarding_isolated"}  # the three stories' cases
    for seed in range(40):  # a trainer may type any seed
        counts = np.bincount(build_town(profile, seed).htype, minlength=len(TYPE_KEYS))
        assert all(counts[TYPE_KEYS.index(k)] >= n for k, n in wanted.items()), seed


def test_workshop_town_validates_like_the_others(tmp_path):
    raw = tomllib.loads(Path(load_town("workshop").file).read_text(encoding="utf-8"))
    raw["town"]["households"] = 20
    bad = tmp_path / "tiny.toml"
    import tomli_w

    bad.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"town.households.*from 50"):
        load_town(bad)


# ------------------------------------------------------------------ switches
def _changed_mechanisms(switches):
    base = mechanism_params(scenario_for(ALL_ON))
    other = mechanism_params(scenario_for(switches))
    return {name for name in base if base[name] != other[name]}


@pytest.mark.parametrize("key", [f.key for f in FUNCTIONS])
def test_each_switch_changes_only_its_own_mechanism(key):
    assert _changed_mechanisms({key: False}) == {key}


def test_the_watching_switch_turns_off_watching_only_not_the_commissioners():
    assert _changed_mechanisms({"watching": False}) == {"watching"}
    assert "commissioner_visits" in FUNCTION_BY_KEY  # the 民生委員 are a switch of their own


def test_the_switches_are_made_from_the_mechanisms_declarations_grouped_by_slide_2_4():
    from sim.mechanisms import MECHANISMS

    assert [f.key for f in FUNCTIONS] == [f.key for f in sorted(FUNCTIONS, key=lambda f: STAGES.index(f.stage))]
    assert {f.key for f in FUNCTIONS} == {m.name for m in MECHANISMS if m.in_workshop}
    assert FUNCTION_BY_KEY["desk_intake"].label_ja == "断らない相談支援"
    assert FUNCTION_BY_KEY["watching"].stage == "none" and FUNCTION_BY_KEY["outreach"].stage == "service"


def test_without_places_the_town_has_no_salon_or_ibasho():
    assert scenario_for({"venue_staff": False}).town == {
        "venues": {"kayoi_per_10k_65plus": 0.0, "ibasho_per_10k_people": 0.0}
    }
    model = CommunityModel(scenario_for({"venue_staff": False}), "workshop", seed=1, warmup_weeks=0)
    assert len(model.town.venue_kind) == 0


def test_every_function_on_turns_the_services_on_and_off_turns_them_off():
    on = {
        m.name: m.enabled for m in CommunityModel(scenario_for(ALL_ON), "workshop", seed=1, warmup_weeks=0).mechanisms
    }
    off = {
        m.name: m.enabled for m in CommunityModel(scenario_for(ALL_OFF), "workshop", seed=1, warmup_weeks=0).mechanisms
    }
    for name in ("support_meeting", "multi_agency_team", "participation_support", "accompaniment", "watching"):
        assert on[name] and not off[name]
    assert mechanism_params(scenario_for(ALL_ON))["desk_intake"]["refuse_none"] is True


def test_every_function_cites_the_seed():
    for f in FUNCTIONS:
        assert re.search(r"\d-\d|厚生労働省|\d+条", f.seed_text), f.key  # a slide, or the law the seed quotes


def test_an_unknown_switch_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown function; allowed: watching"):
        scenario_for({"hoarding": False})


def test_scenario_titles_name_what_is_missing():
    assert scenario_for(ALL_ON).title_ja == "すべての機能あり"
    assert (
        scenario_for({"venue_staff": False, "outreach": False}).title_ja
        == "なし：参加の場（サロン・居場所）・アウトリーチ"
    )


# ------------------------------------------------------------------ the session
def test_side_by_side_panels_start_from_the_same_households():
    session = WorkshopSession(seed=2)
    session.set_switch("neighbour_noticing", False)
    session.set_compare(True)
    ref, main = session.panels
    assert np.array_equal(ref.model.town.htype, main.model.town.htype)
    assert np.array_equal(ref.frames[0].stage, main.frames[0].stage)  # week 0: the same town today


def test_a_switch_replays_the_same_town_as_if_it_had_been_off_from_the_start():
    toggled = WorkshopSession(seed=2)
    toggled.step(15)
    toggled.set_switch("information_relay", False)
    fresh = WorkshopSession(seed=2)
    fresh.set_switch("information_relay", False)
    fresh.step(15)
    assert toggled.week == fresh.week == 15
    assert np.array_equal(toggled.main.model.hh.stage, fresh.main.model.hh.stage)
    assert np.array_equal(toggled.main.model.hh.service, fresh.main.model.hh.service)
    assert "住民からの情報提供：なし" in toggled.log[-1].text


def test_without_every_function_the_same_town_diverges():
    session = WorkshopSession(seed=2)
    session.set_switches(ALL_OFF)
    session.set_compare(True)
    session.step(104)
    ref, main = session.panels
    assert not np.array_equal(ref.model.hh.stage, main.model.hh.stage)


def test_the_room_is_told_which_houses_diverged():
    session = WorkshopSession(seed=2)
    session.set_switches(ALL_OFF)
    assert session.divergence_text() == ""  # nothing to compare with
    session.set_compare(True)
    assert session.divergence_text() == "二つの町で、どの家も同じ段階です。"
    session.step(104)
    who = session.diverged()
    assert len(who) > 0
    assert session.divergence_text().startswith(f"左右の町で段階が違う家：{len(who)}軒（{who[0] + 1}・")


def test_the_caption_tells_the_current_week():
    session = WorkshopSession(seed=2)
    session.step(2)
    assert session.caption(session.main).startswith("第2週：")
    session.lang = "en"
    assert session.caption(session.main).startswith("Week 2: ")


def test_the_picture_draws_every_house_coloured_by_stage():
    session = WorkshopSession(seed=2)
    session.step()
    fig = draw(session.main.frames[-1], session.main.picture, "ja", title="x")
    houses = next(t for t in fig.data if t.name == "houses")
    assert len(houses.x) == session.main.model.n_households
    assert len(set(houses.marker.color)) >= 2  # some households have a problem
    residents = next(t for t in fig.data if t.name == "residents")
    assert len(residents.x) == session.main.model.town.n_residents
    assert fig.layout.title.text.startswith("第1週")


def test_a_frame_keeps_its_week_when_the_model_moves_on():
    model = CommunityModel("baseline", "workshop", seed=2, warmup_weeks=0)
    from sim.events import Events

    frame = frame_of(model, Events(0), "t")
    stage = frame.stage.copy()
    model.run(30)
    assert np.array_equal(frame.stage, stage)
    assert picture_town(model).n_households == model.n_households


# ------------------------------------------------------------------ stories
@pytest.mark.parametrize("name", STORIES)
def test_each_seed_case_is_a_story_in_the_four_lessons_of_the_matome_slide(name):
    story = load_workshop_story(name)
    assert [c.lesson for c in story.chapters] == list(LESSON_KEYS)
    assert all(c.notes_ja and c.questions_ja and c.look_ja for c in story.chapters)
    assert "まとめ" in story.slides


def test_the_bundled_stories_are_the_three_seed_cases():
    assert sorted(workshop_story_names()) == sorted(STORIES)


def _raw(name="hoarding_cats"):
    return tomllib.loads(Path(load_workshop_story(name).file).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (lambda r: r["chapters"].reverse(), "chapters[0].lesson", "allowed: 'face_the_person'"),
        (lambda r: r["story"]["without"].insert(0, "karaoke"), "story.without[0]", "allowed: watching"),
        (lambda r: r["chapters"][1].update(until_week=5), "chapters[1].until_week", "allowed: 14 to 520"),
        (lambda r: r["chapters"][0].update(slides=["9-9"]), "chapters[0].slides", "allowed: 最終とりまとめ"),
        (lambda r: r["chapters"][0].pop("notes_ja"), "chapters[0].notes_ja", "missing"),
        (lambda r: r["chapters"][0].update(questions_ja=[]), "chapters[0].questions_ja", "1 to 5"),
        (lambda r: r["story"].update(case="cats"), "story.case", "is not a story"),
        (lambda r: r["chapters"].pop(), "chapters", "exactly 4"),
        (lambda r: r["story"].update(colour="red"), "story.colour", "unknown key"),
    ],
)
def test_a_bad_story_file_names_the_key_and_what_is_allowed(edit, key, message):
    raw = copy.deepcopy(_raw())
    edit(raw)
    with pytest.raises(ConfigError) as err:
        story_from_dict(raw, "bad", "bad.toml")
    assert err.value.key == key
    assert message in str(err.value) and "bad.toml" in str(err.value)


@pytest.mark.parametrize("name", STORIES)
def test_a_story_runs_chapter_by_chapter_to_its_end(name):
    session = WorkshopSession()
    session.start_story(name)
    story = session.story
    assert session.compare and len(session.panels) == 2
    assert all(not session.switches[k] for k in story.without)
    chapters = []
    while (chapter := session.next_chapter()) is not None:
        chapters.append(chapter.lesson)
        assert session.week == chapter.until_week
    assert chapters == list(LESSON_KEYS)
    assert session.story_finished and session.week == story.weeks
    followed = session.main.followed
    assert followed >= 0 and session.reference.followed == followed
    assert sum(e.text.startswith("第") and "章：" in e.text for e in session.log) == 4
    assert any(str(followed + 1) + "番の家" in e.text for e in session.log)  # the story's household is told


def test_play_pauses_at_the_end_of_each_chapter():
    session = WorkshopSession()
    session.start_story("refusing_parent")
    first = session.story.chapters[0].until_week
    weeks = 0
    while session.play_week():
        weeks += 1
    assert session.week == first and session.chapter == 0
    assert session.play_week() is True and session.chapter == 1  # play goes on into the next chapter


# ------------------------------------------------------------------ handout
def _story_session():
    session = WorkshopSession()
    session.start_story("hoarding_cats")
    session.next_chapter()
    session.next_chapter()
    return session


def test_handout_holds_the_timeline_chapters_switches_and_one_picture_per_panel_and_moment(monkeypatch):
    session = _story_session()
    fake_png = b"\x89PNG\r\n\x1a\nfake"
    monkeypatch.setattr(
        handout, "render_pngs", lambda s, moments: [[fake_png] * len(m.frames) for m in moments]
    )  # the real renderer is tested below (slow)
    text = handout.handout_html(session)
    moments = handout.key_moments(session)
    assert len(moments) > 1 and sum(len(m.frames) for m in moments) <= handout.MAX_PICTURES
    assert text.count("data:image/png;base64,") == sum(len(m.frames) for m in moments)
    assert base64.b64encode(fake_png).decode() in text
    decisive = [e for e in session.log if e.key and e.panel]
    assert decisive
    for entry in decisive:  # every decisive event is in the timeline, with the town it happened in
        assert f"［{entry.panel}］{html.escape(entry.text)}" in text
    for chapter in session.story.chapters:
        assert html.escape(chapter.text("title", "ja")) in text
    assert "協議の場へ" in text and "（未実施）" in text  # chapters 3 and 4 not reached yet
    missing = [f.label_ja for f in FUNCTIONS if f.key in session.story.without]
    assert "欠けている機能：" + "、".join(missing) in text  # the town without them says so


def test_a_storys_key_moments_are_the_ends_of_the_chapters_run():
    session = _story_session()  # two chapters run
    moments = handout.key_moments(session)
    assert [m.week for m in moments] == [c.until_week for c in session.story.chapters[:2]]
    assert len(handout.key_moments(session, limit=2)) == 1  # two panels a moment


def test_key_moments_outside_a_story_keep_the_first_and_the_last():
    session = WorkshopSession(seed=2)
    for key in ("neighbour_noticing", "venue_staff", "outreach", "watching"):
        session.step(3)
        session.set_switch(key, False)
    moments = handout.key_moments(session, limit=3)
    assert len(session.key_frames) > 3 and len(moments) == 3
    assert moments[0] is session.key_frames[0] and moments[-1] is session.key_frames[-1]


@pytest.mark.slow
def test_handout_embeds_real_png_pictures_rendered_by_kaleido(tmp_path):
    session = _story_session()
    path = handout.write_handout(session, tmp_path / "handout.html", max_pictures=4)
    text = path.read_text(encoding="utf-8")
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)


@pytest.mark.slow
def test_handout_prints_to_pdf_with_chromium(tmp_path, monkeypatch):
    session = _story_session()
    monkeypatch.setattr(handout, "render_pngs", lambda s, moments: [[b"\x89PNG"] * len(m.frames) for m in moments])
    pdf = handout.handout_pdf(handout.handout_html(session), tmp_path / "handout.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ command line
def test_workshop_subcommand_takes_a_port():
    args = build_parser().parse_args(["workshop", "--port", "9000"])
    assert args.command == "workshop" and args.port == 9000
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["workshop", "--port", "0"])
    assert exit_.value.code == 2


def test_workshop_command_serves_the_workshop_page_on_loopback_offline(monkeypatch, capsys):
    from sim import cli

    calls = []
    monkeypatch.setattr("sim.serve.run_until_stopped", lambda cmd, cwd, env: calls.append((cmd, env)) or 0)
    assert cli.main(["workshop", "--port", "8802"]) == 0
    assert "http://127.0.0.1:8802" in capsys.readouterr().out
    cmd, env = calls[0]
    assert cmd[cmd.index("run") + 1].endswith("dashboards/workshop.py")
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8802"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


# ------------------------------------------------------------------ the story's household in the two towns
def _followed_paths(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The story household's stage every week of the story, in the town with every function and in the other."""
    session = WorkshopSession()
    session.start_story(name)
    household = session.main.followed
    assert session.reference.followed == household
    with_all, without = [], []
    for _ in range(session.story.weeks):
        session.step()
        with_all.append(int(session.reference.model.hh.stage[household]))
        without.append(int(session.main.model.hh.stage[household]))
    return np.array(with_all), np.array(without)


@pytest.mark.parametrize("name", STORIES)
def test_the_story_households_path_differs_between_the_two_towns(name):
    """The story is there to show what the functions make of her life: her own house must show it."""
    with_all, without = _followed_paths(name)
    assert np.any(with_all != without)
    assert with_all[-1] != without[-1]  # and the room sees it at the end of the story


# ------------------------------------------------------------------ the facilitator's notes
def _finished_story(name: str = "hoarding_cats") -> WorkshopSession:
    session = WorkshopSession()
    session.start_story(name)
    while session.next_chapter() is not None:
        pass
    return session


def _fake_pictures(monkeypatch) -> None:
    monkeypatch.setattr(handout, "render_pngs", lambda s, moments: [[b"\x89PNG"] * len(m.frames) for m in moments])


def test_the_participants_handout_leaves_the_facilitator_notes_out(monkeypatch):
    _fake_pictures(monkeypatch)
    session = _finished_story()
    participants = handout.handout_html(session)
    facilitator = handout.handout_html(session, facilitator=True)
    for chapter in session.story.chapters:
        first_line = html.escape(chapter.notes_ja.splitlines()[0])
        assert first_line not in participants and first_line in facilitator
        for question in chapter.questions_ja:
            assert html.escape(question) in participants and html.escape(question) in facilitator
    assert "進行役メモ" not in participants and "進行役メモ" in facilitator
    assert "（進行役用）" in facilitator


@pytest.mark.slow
@pytest.mark.parametrize("name", STORIES)
def test_a_whole_story_prints_on_three_a4_pages_and_four_with_the_notes(tmp_path, monkeypatch, name):
    """A participants' handout of a story run to its end, real pictures included (7 pages before)."""
    session = _finished_story(name)
    pictures = handout.render_pngs(session, handout.key_moments(session))  # once for both copies
    monkeypatch.setattr(handout, "render_pngs", lambda s, moments: pictures)
    for facilitator, most in ((False, 3), (True, 4)):
        pdf = handout.handout_pdf(handout.handout_html(session, facilitator=facilitator), tmp_path / "h.pdf")
        assert 1 <= pdf_pages(pdf.read_bytes()) <= most, (name, facilitator)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF printed by Chromium (its page objects are not compressed)."""
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    counts = [int(c) for c in re.findall(rb"/Count (\d+)", data)]
    assert counts and max(counts) == pages  # the page tree agrees with the page objects
    return pages


# ------------------------------------------------------------------ the page's plain functions
def test_a_page_address_names_the_room_and_the_view():
    from dashboards import workshop as page

    assert page.view_of("room=abc123&view=presenter") == ("abc123", "presenter")
    assert page.view_of("room=abc123") == ("abc123", "screen")
    assert page.view_of(None) == (None, "screen")
    assert page.view_of(page.address("xyz_12", "presenter").removeprefix("/?")) == ("xyz_12", "presenter")


def test_long_captions_get_a_smaller_font_to_stay_within_three_lines():
    from dashboards import workshop as page

    assert page.caption_font("第1週：静かな一週間だった。", 626) == page.CAPTION_FONTS_PX[0]
    long = "第13週：" + "民生委員が4軒を訪ねた（14・48・74・77番の家）。" * 4
    sizes = [page.caption_font(long, w) for w in (1260, 626, 497)]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0]
    assert page.panel_size((1260, 454), 2) == (626, 454)


def test_the_banner_tells_the_chapter_and_what_to_look_at():
    from dashboards import workshop as page

    session = WorkshopSession()
    assert page.chapter_line(session, "ja") == ("", False)
    session.start_story("hoarding_cats")
    assert "第1章" in page.chapter_line(session, "ja")[0] or "次の章へ" in page.chapter_line(session, "ja")[0]
    session.next_chapter()
    text, done = page.chapter_line(session, "ja")
    chapter = session.story.chapters[0]
    assert text.startswith("第1章") and chapter.look_ja in text and not done
    while session.next_chapter() is not None:
        pass
    assert page.chapter_line(session, "ja") == (page.t("story_end", "ja"), True)
    assert page.next_label(session, "ja") == "次の章へ"
