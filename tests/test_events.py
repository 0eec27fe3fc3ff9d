"""Events read off the state arrays (sim.events) and their narration."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.domain import DOMAIN_KEYS, Stage
from sim.events import (
    TOWN,
    TOWN_EVENTS,
    Event,
    Events,
    Naming,
    caption,
    extract,
    narrate,
    routine_sentence,
    sentence,
    snapshot,
)
from sim.mechanisms import CHANNEL_KEYS
from sim.model import CommunityModel
from sim.state import RESOLVED_BY_KEYS


def _model(mechanisms: dict | None = None, warmup_weeks: int = 0, seed: int = 3) -> CommunityModel:
    raw = {
        "scenario": {"title_ja": "試験", "title_en": "test", "description_ja": "試験", "description_en": "test"},
        "mechanisms": mechanisms or {},
    }
    return CommunityModel(scenario_from_dict(raw, "t", "test"), "workshop", seed=seed, warmup_weeks=warmup_weeks)


def _run(model: CommunityModel, weeks: int) -> list[Events]:
    prev, out = snapshot(model), []
    for _ in range(weeks):
        model.step()
        now = snapshot(model)
        out.append(extract(model, prev, now))
        prev = now
    return out


@pytest.fixture(scope="module")
def busy_run():
    """Two years of the workshop town with every service on, and its events (80 households: few onsets a year)."""
    mechanisms = {
        name: {"enabled": True}
        for name in (
            "support_meeting",
            "multi_agency_team",
            "jusoteki_meeting",
            "participation_support",
            "accompaniment",
        )
    }
    # Seed 4: a year with several new problems in the 80 households (on a quiet seed nothing is found).
    model = _model({**mechanisms, "outreach": {"hours_per_week_per_10k_households": 400.0}}, warmup_weeks=260, seed=4)
    return model, _run(model, 52)


def test_a_case_opened_by_hand_is_an_onset_then_worse_then_resolved():
    model = _model()
    household = int(np.flatnonzero(model.hh.stage == Stage.NONE)[0])
    before = snapshot(model)
    model.set_stage(household, Stage.LATENT)
    onset = extract(model, before, after := snapshot(model))
    assert household in onset.of(Event.ONSET)
    assert onset.domains[(onset.kind == Event.ONSET) & (onset.household == household)][0] == model.hh.domains[household]
    model.set_stage(household, Stage.COMPLEX)
    worse = extract(model, after, after2 := snapshot(model))
    assert list(worse.of(Event.WORSE)) == [household]
    assert worse.detail[worse.kind == Event.WORSE][0] == Stage.COMPLEX
    model.set_stage(household, Stage.NONE)
    closed = extract(model, after2, snapshot(model))
    assert list(closed.of(Event.RESOLVED)) == [household]
    assert RESOLVED_BY_KEYS[closed.detail[closed.kind == Event.RESOLVED][0]] == "external"


def test_a_plan_agreed_without_a_new_team_or_service_is_told_as_a_plan():
    model = _model(warmup_weeks=52)
    household = int(np.flatnonzero(model.hh.case >= 0)[0])
    before = snapshot(model)
    after = snapshot(model)
    after.arrays["coverage"][household] += 0.5  # as the 重層的支援会議 does for a planned case
    assert list(extract(model, before, after, depicted=False).of(Event.PLAN)) == [household]
    after.arrays["team"][household] = True  # a team formed in the same week is told instead
    events = extract(model, before, after, depicted=False)
    assert list(events.of(Event.TEAM)) == [household] and not len(events.of(Event.PLAN))


def test_events_agree_with_the_models_own_weekly_counts(busy_run):
    model, weeks = busy_run
    weekly = model.weekly().iloc[1:].reset_index(drop=True)
    found = weekly[[c for c in weekly if c.startswith("detected_")]].sum(axis=1)
    for w, events in enumerate(weeks):
        counts = events.counts()
        assert counts["onset"] == weekly.onsets[w]
        assert counts["found"] == found[w]
        assert counts["resolved"] == weekly.resolutions[w]
        assert counts["noticed"] <= weekly.noticed[w]  # a household noticed and resolved in one week is not told


def test_every_kind_of_service_event_occurs_in_two_busy_years(busy_run):
    _, weeks = busy_run
    total = {k: sum(e.counts()[k] for e in weeks) for k in weeks[0].counts()}
    for kind in ("onset", "noticed", "visit", "salon", "found", "supported", "team", "team_meets", "resolved"):
        assert total[kind] > 0, kind


def test_households_found_by_the_commissioner_are_among_those_visited(busy_run):
    _, weeks = busy_run
    for events in weeks:
        found = events.household[(events.kind == Event.FOUND) & (events.detail == CHANNEL_KEYS.index("commissioner"))]
        assert set(found) <= set(events.of(Event.VISIT))


def test_visits_number_about_the_commissioners_weekly_capacity(busy_run):
    model, weeks = busy_run
    per_week = np.mean([len(e.of(Event.VISIT)) for e in weeks])
    assert per_week == pytest.approx(model.profile["minsei"]["visits_per_week"], rel=0.35)


def test_no_visits_are_drawn_when_commissioner_visits_are_off():
    weeks = _run(_model({"commissioner_visits": {"enabled": False}}), 12)
    assert sum(len(e.of(Event.VISIT)) for e in weeks) == 0


def test_a_town_without_venues_shows_nobody_going_to_a_salon():
    raw = {
        "scenario": {"title_ja": "場なし", "title_en": "no venues", "description_ja": "x", "description_en": "x"},
        "town": {"venues": {"kayoi_per_10k_65plus": 0.0, "ibasho_per_10k_people": 0.0}},
    }
    model = CommunityModel(scenario_from_dict(raw, "t", "test"), "workshop", seed=3, warmup_weeks=0)
    assert sum(len(e.of(Event.SALON)) for e in _run(model, 12)) == 0


def test_depicted_contacts_do_not_change_the_run():
    quiet = _model()
    quiet.run(20)
    watched = _model()
    _run(watched, 20)
    assert np.array_equal(quiet.hh.stage, watched.hh.stage)
    assert np.array_equal(quiet.hh.service, watched.hh.service)


# ------------------------------------------------------------------ narration
@pytest.fixture(scope="module")
def naming():
    return Naming.of(_model())


@pytest.mark.parametrize("kind", [k for k in Event if k not in TOWN_EVENTS])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_event_has_a_sentence_naming_the_house(kind, lang, naming):
    text = sentence(kind, 6, 1, naming, lang)
    assert ("7番の家" if lang == "ja" else "house 7") in text.lower()
    assert text.endswith("。" if lang == "ja" else ".")


@pytest.mark.parametrize("kind", list(TOWN_EVENTS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_councils_events_name_the_domain_and_no_house(kind, lang, naming):
    text = sentence(kind, TOWN, DOMAIN_KEYS.index("housing"), naming, lang)
    assert ("住まい" if lang == "ja" else "housing") in text and "番の家" not in text and "house " not in text
    assert text.endswith("。" if lang == "ja" else ".")


def test_a_timeline_says_this_household_and_tells_domains_and_the_stage_found_at(naming):
    timeline = naming.for_timeline()
    care_and_poverty = 1 << DOMAIN_KEYS.index("care") | 1 << DOMAIN_KEYS.index("poverty")
    assert sentence(Event.ONSET, 4, 0, timeline, domains=care_and_poverty) == (
        "この世帯に、新しい困りごとが生まれた（介護・生活困窮）。"
    )
    found = sentence(Event.FOUND, 4, CHANNEL_KEYS.index("outreach"), timeline, "en", stage=Stage.LATENT)
    assert found == "This household was put in touch with help through outreach (while latent)."
    assert sentence(Event.WORSE, 4, Stage.COMPLEX, naming, domains=1 << DOMAIN_KEYS.index("housing")).endswith(
        "の困りごとが深まった（複雑化・複合化、住まいが加わった）。"
    )


def test_english_sentences_start_with_a_capital(naming):
    assert sentence(Event.ACCEPTED, 0, 0, naming, "en")[0].isupper()
    assert sentence(Event.TEAM, 0, 0, naming, "en").startswith("A multi-agency team")


def test_found_names_the_channel_in_plain_japanese(naming):
    assert "民生委員をきっかけに" in sentence(Event.FOUND, 0, CHANNEL_KEYS.index("commissioner"), naming)
    assert "近隣住民をきっかけに" in sentence(Event.FOUND, 0, CHANNEL_KEYS.index("neighbour"), naming)
    # The 民生委員 finds households on visits and in consultations, so English names the person, not the visit.
    assert "through the 民生委員." in sentence(Event.FOUND, 0, CHANNEL_KEYS.index("commissioner"), naming, "en")


def test_resolution_says_who_solved_it(naming):
    aid = sentence(Event.RESOLVED, 2, RESOLVED_BY_KEYS.index("mutual_aid"), naming)
    assert aid == "3番の家（" + aid.split("（")[1].split("）")[0] + "）の困りごとが近所同士の助け合いで解決した。"
    assert "専門職の支援で" in sentence(Event.RESOLVED, 2, RESOLVED_BY_KEYS.index("support"), naming)


def test_desk_events_name_the_desk(naming):
    assert sentence(Event.ACCEPTED, 0, 0, naming).startswith(naming.desk_ja[0] + "が")


def test_the_household_type_is_told_in_japanese(naming):
    i = int(np.flatnonzero(naming.household_type == 1)[0])  # an 8050 household
    assert f"{i + 1}番の家（8050世帯）" in sentence(Event.NOTICED, i, 0, naming)


def test_routine_visits_are_one_sentence_with_the_house_numbers():
    assert routine_sentence(Event.VISIT, np.array([0, 4, 9])) == "民生委員が3軒を訪ねた（1・5・10番の家）。"
    assert routine_sentence(Event.VISIT, np.array([0]), "en") == "The 民生委員 called at 1 house (1)."
    long = routine_sentence(Event.SALON, np.arange(9))
    assert long.startswith("9世帯の人が") and "…番の家" in long


def test_narration_tells_notable_events_first_and_routine_ones_aggregated(naming):
    events = Events(
        5,
        np.array([Event.NOTICED, Event.VISIT, Event.VISIT, Event.SUPPORTED], dtype=np.int8),
        np.array([3, 3, 8, 3], dtype=np.int32),
        np.array([0, 0, 0, 1], dtype=np.int32),
    )
    lines = narrate(events, naming)
    assert lines[0].startswith("近所の人が4番の家")
    assert lines[1].startswith(naming.desk_ja[1] + "の専門職が4番の家")
    assert lines[2] == "民生委員が2軒を訪ねた（4・9番の家）。"
    assert narrate(events, naming, routine=False) == lines[:2]


def test_a_quiet_week_is_said_to_be_quiet(naming):
    assert caption(Events(3), naming) == "第3週：静かな一週間だった。"
    assert caption(Events(3), naming, "en") == "Week 3: A quiet week."


def test_a_long_caption_is_cut_with_a_count_of_the_rest(naming):
    n = 12
    events = Events(
        1, np.full(n, Event.ONSET, dtype=np.int8), np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    )
    text = caption(events, naming, limit=8)
    assert text.startswith("第1週：1番の家") and text.endswith("ほか4件の出来事。")


def test_a_households_events_can_be_picked_out():
    events = Events(
        2,
        np.array([Event.ONSET, Event.NOTICED], dtype=np.int8),
        np.array([1, 2], dtype=np.int32),
        np.zeros(2, np.int32),
    )
    assert list(events.for_household(2).kind) == [Event.NOTICED]
    assert events.is_key_moment() is False


def test_a_caption_leaves_out_the_details_a_timeline_tells(naming):
    events = Events(
        9,
        np.array([Event.ONSET, Event.FOUND, Event.ACCOMPANIED], dtype=np.int8),
        np.array([2, 2, 2], dtype=np.int32),
        np.array([0, CHANNEL_KEYS.index("outreach"), 52], dtype=np.int32),
        np.array([1 << DOMAIN_KEYS.index("care"), 0, 0], dtype=np.int32),
        np.array([1, 1, 0], dtype=np.int8),
    )
    caption_lines = narrate(events, naming)
    timeline_lines = narrate(events, naming.for_timeline())
    assert "介護" not in caption_lines[0] and "把握した段階" not in caption_lines[1] and "52週" not in caption_lines[2]
    assert timeline_lines == [
        "この世帯に、新しい困りごとが生まれた（介護）。",
        "この世帯の困りごとが、アウトリーチをきっかけに相談につながった（把握した段階：潜在的）。",
        "この世帯の課題は落ち着いたが、伴走支援はこれからも続く（あと52週）。",
    ]
