"""The town view (町の様子: dashboards/town_view.py and its layers) and run recordings (sim/replay.py), without a browser."""

from __future__ import annotations

import itertools
import threading
import time

import ipyvuetify as v
import numpy as np
import plotly.graph_objects as go
import pytest
import solara
from plotly.colors import find_intermediate_color, hex_to_rgb

from dashboards import town_figures as figures
from dashboards import town_recording as runs
from dashboards import town_tables as tables
from dashboards import town_view as tv
from sim.config import load_scenario, load_town, scenario_from_dict
from sim.domain import DOMAIN_KEYS, TYPE_KEYS, Stage
from sim.layout import layout_town
from sim.model import CommunityModel
from sim.replay import Recording, household_timeline, known_to_municipality, record, weeks_of
from sim.story import Story, follow_household, load_story, run_story
from sim.town import build_town
from sim.vocabulary import labels

WEEKS = 8
STAGE_LABELS_JA = labels("stage")


@pytest.fixture(scope="module")
def neighbourhood():
    return load_town("neighbourhood")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def recording(neighbourhood, baseline) -> Recording:
    return record(baseline, neighbourhood, seed=0, weeks=104)


# ---------------------------------------------------------------- layout (sim/layout.py: tests/test_layout.py)


def test_venues_are_drawn_by_kind_with_who_runs_them_and_who_takes_part(recording):
    town = recording.town
    layout = layout_town(town.area, town.district, town.venue_area)
    fig = figures.town_figure(recording, layout)
    kayoi = next(t for t in fig.data if t.name == "通いの場・サロン")
    ibasho = next(t for t in fig.data if t.name == "居場所")
    assert len(kayoi.x) == int((town.venue_kind == 0).sum()) > 0
    assert len(ibasho.x) == int((town.venue_kind == 1).sum()) > 0
    lines = tables.venue_descriptions(town)
    people = sum(int(line.rsplit("参加 ", 1)[1].removesuffix("人")) for line in lines)
    assert people == int((town.res_venue >= 0).sum())
    assert all(f"自治会{a + 1}" in line for a, line in zip(town.venue_area, lines, strict=True))


# ---------------------------------------------------------------- colours


def _colour_of(value: float, scale: list, cmin: float, cmax: float) -> str:
    """The colour a Plotly colourscale gives ``value`` (stepped scales: no interpolation needed)."""
    t = (value - cmin) / (cmax - cmin)
    for (lo, c_lo), (hi, c_hi) in itertools.pairwise(scale):
        if lo <= t <= hi:
            return c_lo if c_lo == c_hi else find_intermediate_color(hex_to_rgb(c_lo), hex_to_rgb(c_hi), 0.5)
    raise AssertionError(f"{value} outside the colourscale")


def _tiny_recording(stage: np.ndarray, known: np.ndarray, neighbourhood, baseline) -> Recording:
    town = build_town(neighbourhood.profile, 0)
    n = stage.shape[1]
    town.area, town.district = town.area[:n], town.district[:n]
    town.venue_area = np.zeros_like(town.venue_area)  # every venue in the one area left
    return Recording(baseline, neighbourhood, 0, town, stage.astype(np.int8), known)


def test_dots_take_the_colour_of_their_stage_and_hidden_problems_are_white_rings(neighbourhood, baseline):
    stage = np.array([[0, 1, 2, 3, 1, 2, 3, 0]])
    known = np.array([[False, True, True, True, False, False, False, False]])
    rec = _tiny_recording(stage, known, neighbourhood, baseline)
    fill, ring = figures.week_fill(rec, 0), figures.week_colours(rec, 0)
    assert list(ring) == [0, 1, 2, 3, 1, 2, 3, 0]
    assert list(fill) == [0, 1, 2, 3, figures.HIDDEN, figures.HIDDEN, figures.HIDDEN, 0]
    fig = figures.town_figure(rec, layout_town(rec.town.area, rec.town.district, rec.town.venue_area), 0)
    marker = fig.data[figures.HOUSEHOLD_TRACE].marker
    fills = [_colour_of(f, marker.colorscale, marker.cmin, marker.cmax) for f in fill]
    rings = [_colour_of(r, marker.line.colorscale, marker.line.cmin, marker.line.cmax) for r in ring]
    colours = [c.lower() for c in figures.STAGE_COLOURS_ALL]
    assert [c.lower() for c in rings] == [colours[s] for s in stage[0]]
    assert [c.lower() for c in fills[:4]] == colours
    assert {c.lower() for c in fills[4:7]} == {figures.HIDDEN_FILL}
    # The legend names the four stages in Japanese.
    assert [t.name for t in fig.data if t.name in STAGE_LABELS_JA] == list(STAGE_LABELS_JA)


def test_stage_table_counts_households_and_known_cases_of_the_week(recording):
    table = tables.stage_table(recording, 10)
    assert table["世帯数"].sum() == recording.n_households
    assert table["世帯数"].tolist() == np.bincount(recording.stage[10], minlength=4).tolist()
    known = [int(((recording.stage[10] == s) & recording.known[10]).sum()) for s in (1, 2, 3)]
    assert table["うち行政が把握"].tolist()[1:] == known


# ---------------------------------------------------------------- recording


def test_stage_snapshot_at_week_w_equals_the_models_state_after_w_steps(neighbourhood, baseline):
    rec = record(baseline, neighbourhood, seed=3, weeks=WEEKS)
    model = CommunityModel(baseline, neighbourhood, 3)
    assert rec.stage.shape == (WEEKS + 1, model.n_households) and rec.stage.dtype == np.int8
    for w in range(WEEKS + 1):
        assert np.array_equal(rec.stage[w], model.hh.stage), f"week {w}"
        assert np.array_equal(rec.known[w], known_to_municipality(model)), f"week {w}"
        model.step()
    assert np.any(rec.stage[0] != rec.stage[-1])  # the run moved: the comparison was not of constant arrays


def test_recording_reports_progress_and_can_be_stopped(neighbourhood, baseline):
    seen: list[tuple[int, int]] = []
    record(baseline, neighbourhood, seed=0, weeks=3, on_week=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    from sim.replay import Cancelled

    with pytest.raises(Cancelled):
        record(baseline, neighbourhood, seed=0, weeks=50, stop=lambda: True)


def test_reopening_the_view_reuses_the_recording(neighbourhood, baseline, monkeypatch):
    calls = []
    monkeypatch.setattr(runs, "record", lambda *a, **k: calls.append(a) or object())
    monkeypatch.setattr(runs, "_RECORDINGS", runs.OrderedDict())
    keys = [runs.run_key(neighbourhood, baseline, seed, 4) for seed in range(runs.RECORDINGS_KEPT + 1)]
    first = runs.cached_record(keys[0], baseline, neighbourhood, 0, 4)
    assert runs.cached_record(keys[0], baseline, neighbourhood, 0, 4) is first and len(calls) == 1
    for seed, key in enumerate(keys[1:], start=1):
        runs.cached_record(key, baseline, neighbourhood, seed, 4)
    assert keys[0] not in runs._RECORDINGS and len(runs._RECORDINGS) == runs.RECORDINGS_KEPT  # the oldest is dropped
    assert runs.run_key(neighbourhood, baseline, 0, 4) != runs.run_key(neighbourhood, baseline, 0, 5)


def test_weeks_of_years():
    assert weeks_of(1) == 52 and weeks_of(10) == 520 and weeks_of(0.01) == 1


# ---------------------------------------------------------------- a household's timeline


def test_following_a_story_household_reads_as_run_story_does():
    """The hook the town view uses (follow_household) is the reader run_story uses."""
    story = load_story("household_8050")
    story = Story(story.name, story.file, {**story.settings, "weeks": 60})  # shorter, to keep the test fast
    _, expected = run_story(story, "baseline")
    s = story.settings
    model = CommunityModel("baseline", s["town"], seed=s["seed"])
    household = int(np.flatnonzero(model.town.htype == TYPE_KEYS.index(s["household_type"]))[0])
    model.start_case(household, Stage[s["stage"].upper()], [DOMAIN_KEYS.index(d) for d in s["domains"]])
    assert follow_household(model, household, s["weeks"]).equals(expected)


def _busiest_household(rec: Recording) -> int:
    return int(np.argmax((np.diff(rec.stage, axis=0) != 0).sum(axis=0)))


def test_a_clicked_households_timeline_tells_the_stage_changes_of_the_recording(recording):
    household = _busiest_household(recording)
    timeline = household_timeline(recording, household)
    path = recording.stage[:, household]
    changed_weeks = set((np.flatnonzero(np.diff(path)) + 1).tolist())
    assert len(changed_weeks) >= 3
    stage_events = timeline[timeline["event"].isin(["onset", "worse", "resolved"])]
    assert set(stage_events["week"]) == changed_weeks
    for w in changed_weeks:
        events = set(stage_events.loc[stage_events["week"] == w, "event"])
        if path[w] == Stage.NONE:
            assert "resolved" in events
        elif path[w - 1] == Stage.NONE or "resolved" in events:
            assert "onset" in events
        else:
            assert events == {"worse"}
    start = timeline.iloc[0]
    assert start["week"] == 0 and start["event"] == "start"
    assert (STAGE_LABELS_JA[path[0]] in start["text"]) if path[0] else start["text"] == "始まり：困りごとはない"


def test_a_clicked_household_is_found_from_the_plotly_click_event():
    click = {
        "event_type": "plotly_click",
        "points": {"trace_indexes": [0], "point_indexes": [17], "xs": [1], "ys": [2]},
    }
    assert figures.clicked_household(click, 3000) == 17
    venue = {"event_type": "plotly_click", "points": {"trace_indexes": [4], "point_indexes": [1], "xs": [1], "ys": [2]}}
    assert figures.clicked_household(venue, 3000) is None
    assert figures.clicked_household(None, 3000) is None
    assert figures.clicked_household({"points": {"trace_indexes": [0], "point_indexes": [3000]}}, 3000) is None


def test_household_facts_say_where_it_lives_and_where_it_stands(recording):
    household = _busiest_household(recording)
    facts = dict(tables.household_facts(recording, household, 50))
    assert facts["自治会"].startswith(str(int(recording.town.area[household]) + 1))
    assert facts["民生委員の地区"].startswith(str(int(recording.town.district[household]) + 1))
    assert facts["この週の段階"] == STAGE_LABELS_JA[recording.stage[50, household]]
    english = dict(tables.household_facts(recording, household, 50, "en"))
    assert english["Stage this week"] == labels("stage", "en")[recording.stage[50, household]]


def test_timeline_splits_at_the_current_week(recording):
    timeline = household_timeline(recording, _busiest_household(recording))
    middle = int(timeline["week"].iloc[len(timeline) // 2])
    past, future = tables.split_timeline(timeline, middle)
    assert len(past) + len(future) == len(timeline)
    assert past["week"].max() <= middle < (future["week"].min() if len(future) else middle + 1)
    assert f"<b>第{middle}週</b>" in tables.timeline_html(past)
    assert tables.timeline_html(past.iloc[:0]) == "<p>（なし）</p>"


# ---------------------------------------------------------------- bad inputs


def _bad_scenario():
    raw = {
        "scenario": {"title_ja": "誤り", "title_en": "bad", "description_ja": "誤り", "description_en": "bad"},
        "town": {"minsei": {"vacancy_rate": {"multiply": 20}}},
    }
    return scenario_from_dict(raw, "bad", "bad.toml")


def test_a_scenario_that_does_not_fit_the_town_is_a_message(neighbourhood):
    problem = runs.input_problem(neighbourhood, _bad_scenario())
    assert problem and "bad.toml" in problem and "minsei.vacancy_rate" in problem


# ---------------------------------------------------------------- the component, rendered in-process


def _texts(rc) -> str:
    """All text on the rendered page (plain widgets, alerts and HTML)."""
    parts = [str(w.children) for w in [*rc.find(v.Html).widgets, *rc.find(v.Alert).widgets]]
    parts += [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    return "\n".join(parts)


def _button(rc, label: str):
    buttons = [b for b in rc.find(v.Btn).widgets if label in b.children]
    assert len(buttons) == 1, label
    return buttons[0]


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_town_view_renders_steps_plays_and_reads_a_clicked_household(neighbourhood, baseline, recording):
    _, rc = solara.render(tv.TownView(neighbourhood, baseline, 0, 2.0), handle_error=False)
    rc.find(go.FigureWidget).wait_for(timeout=60)
    figure = rc.find(go.FigureWidget).widget
    households = figure.data[figures.HOUSEHOLD_TRACE]
    assert len(households.x) == recording.n_households
    assert np.array_equal(households.marker.line.color, recording.stage[0])
    assert "第0週（1年目）／全104週" in _texts(rc)

    _button(rc, "1週進む").click()
    _wait(lambda: "第1週（1年目）" in _texts(rc))
    assert np.array_equal(figure.data[figures.HOUSEHOLD_TRACE].marker.line.color, recording.stage[1])
    assert np.array_equal(figure.data[figures.HOUSEHOLD_TRACE].marker.color, figures.week_fill(recording, 1))
    _button(rc, "1週戻る").click()
    _wait(lambda: "第0週（1年目）" in _texts(rc))

    rc.find(v.Slider, label="週").widget.v_model = 60
    _wait(lambda: "第60週（2年目）" in _texts(rc))
    assert np.array_equal(figure.data[figures.HOUSEHOLD_TRACE].marker.line.color, recording.stage[60])

    _button(rc, "再生").click()
    _wait(lambda: "第61週" in _texts(rc), timeout=10)  # the week advances by itself
    _button(rc, "一時停止").click()
    stopped = rc.find(v.Slider, label="週").widget.v_model
    time.sleep(3 * tv.PLAY_INTERVAL_S)
    assert rc.find(v.Slider, label="週").widget.v_model == stopped

    household = _busiest_household(recording)
    figure._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {"trace_indexes": [0], "point_indexes": [household], "xs": [0.0], "ys": [0.0]},
        "device_state": {},
        "selector": None,
    }
    _wait(lambda: f"世帯 {household}" in _texts(rc) and "この先" in _texts(rc))
    expected = household_timeline(recording, household)
    page = _texts(rc)
    for text in expected["text"]:
        assert text in page
    selected = [t for t in figure.data if t.name == "selected"]
    assert list(selected[0].x) == [float(households.x[household])]


def test_a_new_week_sends_only_the_households_colours(neighbourhood, baseline, recording):
    """A city has 59,000 dots: a week must not resend their positions, only two int8 colour arrays."""
    _, rc = solara.render(tv.TownView(neighbourhood, baseline, 0, 2.0), handle_error=False)
    rc.find(go.FigureWidget).wait_for(timeout=60)
    figure = rc.find(go.FigureWidget).widget
    sent: list[dict] = []
    figure.observe(lambda change: sent.append(change["new"]) if change["new"] else None, "_py2js_restyle")
    figure.observe(lambda change: sent.append(change["new"]) if change["new"] else None, "_py2js_update")
    _button(rc, "1週進む").click()
    _wait(lambda: len(sent) > 0)
    assert len(sent) == 1  # one message (batch_update: Plotly.update), with no layout change
    style = sent[0]["style_data"]
    assert set(style) == {"marker.color", "marker.line.color"} and not sent[0].get("layout_data")
    assert sent[0]["style_traces"] == [figures.HOUSEHOLD_TRACE]
    for values in style.values():
        assert np.asarray(values[0]).dtype == np.int8 and len(values[0]) == recording.n_households


def test_frame_clock_waits_for_the_browser_only_once_it_has_answered():
    clock = tv.FrameClock()
    clock.sent_edit(3)
    assert clock.wait_drawn(timeout=0.01)  # no browser (in-process): never wait
    clock.drawn_edit(2)
    assert not clock.wait_drawn(timeout=0.01)  # the browser is behind
    threading.Timer(0.05, clock.drawn_edit, args=(3,)).start()
    assert clock.wait_drawn(timeout=5)
    clock.reset()
    clock.sent_edit(1)
    assert clock.wait_drawn(timeout=0.01)


def test_town_view_speaks_english(neighbourhood, baseline):
    _, rc = solara.render(tv.TownView(neighbourhood, baseline, 0, 0.1, lang="en"), handle_error=False)
    rc.find(go.FigureWidget).wait_for(timeout=60)
    page = _texts(rc)
    assert "Week 0 (year 1) of 5" in page and "Households this week" in page
    _button(rc, "Forward a week")
    names = [t.name for t in rc.find(go.FigureWidget).widget.data]
    assert "latent" in names and "居場所 (place to belong)" in names


def test_town_view_shows_a_bad_scenario_as_a_message_not_a_traceback(neighbourhood):
    _, rc = solara.render(tv.TownView(neighbourhood, _bad_scenario(), 0, 1.0), handle_error=False)
    page = _texts(rc)
    assert "この町とシナリオでは計算できません" in page and "minsei.vacancy_rate" in page
    assert not rc.find(go.FigureWidget).widgets


def test_a_run_that_fails_shows_its_message_instead_of_the_town(neighbourhood, baseline):
    _, rc = solara.render(tv.TownView(neighbourhood, baseline, -1, 0.1), handle_error=False)
    _wait(lambda: "seed must be a non-negative integer" in _texts(rc))
    assert not rc.find(go.FigureWidget).widgets
