"""町の様子 (the town itself): every household as a dot, week by week, and one household's story.

:func:`TownView` is a Solara component for a tab of the planner's dashboard. It records one run
in a background task (:mod:`dashboards.town_recording`), then draws the town
(:mod:`dashboards.town_figures`, on the layout of :mod:`sim.layout`): households as dots
grouped into their 自治会 area (a tile) and, inside it, their 民生委員 district (a band; pink
where the district has no commissioner), coloured by the stage of their problem; a ring
instead of a dot marks a problem the municipality does not know about (the hidden part).
Venues (通いの場, 居場所) sit on top of their area. The planner plays or steps through the
weeks and clicks a household to read its timeline (:mod:`dashboards.town_tables`, from
:func:`sim.replay.household_timeline`, which re-runs the same seed with the story reader).

This module holds only the components and their state; the layers below it are plain
functions tested without a browser. Import it as ``from dashboards.town_view import TownView``.
"""

from __future__ import annotations

import threading
import time
from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import solara
import solara.lab
from plotly.graph_objs._figurewidget import FigureWidget

from dashboards.town_figures import (
    HOUSEHOLD_TRACE,
    PLOT_WIDTH_PX,
    clicked_household,
    household_path_figure,
    recording_layout,
    town_figure,
    week_colours,
    week_fill,
)
from dashboards.town_recording import cached_record, input_problem, run_key, throttled_progress
from dashboards.town_tables import (
    facts_html,
    household_facts,
    split_timeline,
    stage_table,
    table_html,
    text,
    timeline_html,
)
from sim.config import Scenario, TownProfile
from sim.replay import Cancelled, Recording, household_timeline, weeks_of

PLAY_INTERVAL_S = 0.5  # seconds between weeks while playing
DRAW_TIMEOUT_S = 10.0  # longest wait for the browser to draw a week before playing on
SPEEDS = (1, 4, 13)  # weeks per tick while playing: a week, a month, a quarter


# ---------------------------------------------------------------- components


class FrameClock:
    """Whether the browser has drawn the last week sent to it, so that playing never outruns the page.

    Plotly's widget acknowledges every change it has drawn (its trace deltas carry the edit's id).
    """

    def __init__(self) -> None:
        self.sent = 0
        self.drawn = 0
        self._changed = threading.Condition()

    def reset(self) -> None:
        """A new figure widget: its edit ids start again."""
        with self._changed:
            self.sent = self.drawn = 0
            self._changed.notify_all()

    def sent_edit(self, edit_id: int) -> None:
        """The figure sent change ``edit_id`` to the browser."""
        with self._changed:
            self.sent = edit_id

    def drawn_edit(self, edit_id: int) -> None:
        """The browser drew change ``edit_id``."""
        with self._changed:
            self.drawn = max(self.drawn, edit_id)
            self._changed.notify_all()

    def wait_drawn(self, timeout: float) -> bool:
        """Wait until the browser has drawn what was sent (at once when no browser ever answered)."""
        with self._changed:
            if self.drawn == 0:
                return True
            return self._changed.wait_for(lambda: self.drawn >= self.sent, timeout)


@solara.component
def TownFigure(
    figure: go.Figure,
    recording: Recording,
    week: int,
    selected: int | None,
    on_household: Any = None,
    clock: FrameClock | None = None,
) -> solara.Element:
    """The town figure: set once per recording, then only recoloured when the week changes.

    Like ``solara.FigurePlotly`` (same widget, same click event), but a new week sends only the
    households' fill and ring colours (binary int8 arrays) instead of the whole figure.
    """

    def on_points(data: dict[str, Any] | None) -> None:
        if data and data.get("event_type") == "plotly_click" and on_household is not None:
            household = clicked_household(data, recording.n_households)
            if household is not None:
                on_household(household)

    def on_drawn(deltas: dict[str, Any] | None) -> None:
        if deltas and clock is not None:
            clock.drawn_edit(int(deltas.get("trace_edit_id", 0)))

    element = FigureWidget.element(on__js2py_pointsCallback=on_points, on__js2py_traceDeltas=on_drawn)

    def set_figure() -> None:
        widget: FigureWidget = solara.get_widget(element)
        if clock is not None:
            clock.reset()
        widget.layout = figure.layout
        length = len(widget.data)
        widget.add_traces(figure.data)
        widget.data = list(widget.data)[length:]

    def set_week() -> None:
        widget: FigureWidget = solara.get_widget(element)
        if not widget.data:
            return
        with widget.batch_update():
            households = widget.data[HOUSEHOLD_TRACE]
            households.marker.color = week_fill(recording, week)
            households.marker.line.color = week_colours(recording, week)
        if clock is not None:
            clock.sent_edit(widget._last_trace_edit_id)

    def set_selected() -> None:
        widget: FigureWidget = solara.get_widget(element)
        traces = [t for t in widget.data if t.name == "selected"]
        xs = [] if selected is None else [float(figure.data[HOUSEHOLD_TRACE].x[selected])]
        ys = [] if selected is None else [float(figure.data[HOUSEHOLD_TRACE].y[selected])]
        if traces:
            traces[0].x, traces[0].y = xs, ys
        else:
            widget.add_scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="selected",
                marker={"symbol": "circle-open", "size": 18, "color": "#000000", "line": {"width": 3}},
                hoverinfo="skip",
                showlegend=False,
            )

    solara.use_effect(set_figure, [figure])
    solara.use_effect(set_week, [figure, week])
    solara.use_effect(set_selected, [figure, selected])
    return element


@solara.component
def TownView(town: TownProfile, scenario: Scenario, seed: int, years: float, lang: str = "ja") -> None:
    """町の様子: the town's households week by week, and one household's timeline.

    Args:
        town: A validated town profile.
        scenario: A validated scenario.
        seed: The run's seed (the same seed gives the same run).
        years: Years to simulate.
        lang: ``"ja"`` (default) or ``"en"``.
    """
    tx = text(lang)
    weeks = weeks_of(years)
    key = run_key(town, scenario, seed, weeks)
    progress = solara.use_reactive(0.0)
    week = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    selected = solara.use_reactive(None)
    clock = solara.use_memo(FrameClock, [])
    problem = solara.use_memo(lambda: input_problem(town, scenario), [key])

    def reset() -> None:
        week.set(0)
        playing.set(False)
        selected.set(None)

    solara.use_effect(reset, [key])

    def do_record() -> Recording | None:
        if problem is not None:
            return None
        on_week = throttled_progress(progress)

        try:
            return cached_record(key, scenario, town, seed, weeks, on_week, stop=lambda: not recorder.is_current())
        except Cancelled:
            return None

    recorder = solara.lab.use_task(do_record, dependencies=[key, problem], raise_error=False)
    recording: Recording | None = recorder.value if recorder.finished else None

    with solara.Column(style={"gap": "8px"}):
        solara.HTML(tag="p", unsafe_innerHTML=escape(tx["intro"]))
        if problem is not None:
            solara.Error(tx["error"] + problem)
            return
        if recorder.error:
            solara.Error(tx["error"] + str(recorder.exception))
            return
        if recording is None:
            solara.Text(tx["recording"].format(weeks=weeks))
            solara.ProgressLinear(progress.value if progress.value > 0 else True)
            return
        _Player(recording, week, playing, speed, clock, lang)
        # The picture has a fixed width (dots sized for it); the side panel takes the rest, or wraps below.
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start", "gap": "12px"}):
            with solara.Column(style={"flex": f"0 0 {PLOT_WIDTH_PX:.0f}px", "max-width": "100%", "overflow-x": "auto"}):
                _TownPicture(recording, week.value, selected, clock, lang)
            with solara.Column(style={"flex": "1 1 280px", "min-width": "280px"}):
                _StageCounts(recording, week.value, lang)
                _HouseholdPanel(recording, week.value, selected.value, lang)
        solara.Text(tx["timing"].format(seconds=recording.seconds), style={"color": "#78909c", "font-size": "12px"})


@solara.component
def _Player(
    recording: Recording,
    week: solara.Reactive,
    playing: solara.Reactive,
    speed: solara.Reactive,
    clock: FrameClock,
    lang: str,
):
    """Week slider, step buttons and play/pause; playing advances the week from a background thread,
    waiting for the browser to draw each week before the next (a city's 59,000 dots take a moment)."""
    tx = text(lang)
    last = recording.weeks

    def play_loop() -> None:
        if not playing.value:
            return
        while player.is_current():
            time.sleep(PLAY_INTERVAL_S)
            if not player.is_current():
                return
            nxt = min(last, week.value + speed.value)
            week.set(nxt)
            if nxt >= last:
                playing.set(False)
                return
            clock.wait_drawn(DRAW_TIMEOUT_S)

    player = solara.lab.use_task(play_loop, dependencies=[playing.value, id(recording)], raise_error=False)

    def toggle() -> None:
        if not playing.value and week.value >= last:
            week.set(0)
        playing.set(not playing.value)

    with solara.Row(style={"align-items": "center", "gap": "6px", "flex-wrap": "wrap"}):
        solara.Button(tx["start"], icon_name="mdi-skip-previous", on_click=lambda: week.set(0), outlined=True)
        solara.Button(
            tx["back"], icon_name="mdi-step-backward", on_click=lambda: week.set(max(0, week.value - 1)), outlined=True
        )
        solara.Button(
            tx["pause"] if playing.value else tx["play"],
            icon_name="mdi-pause" if playing.value else "mdi-play",
            on_click=toggle,
            color="primary",
        )
        solara.Button(
            tx["forward"],
            icon_name="mdi-step-forward",
            on_click=lambda: week.set(min(last, week.value + 1)),
            outlined=True,
        )
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS))
        solara.Text(tx["speed"], style={"color": "#607d8b", "font-size": "12px"})
    solara.SliderInt(tx["week"], value=week, min=0, max=last)
    solara.Text(
        tx["week_of"].format(week=week.value, year=max(week.value - 1, 0) // 52 + 1, weeks=last),  # week 52 ends year 1
        style={"font-weight": "bold"},
    )


@solara.component
def _TownPicture(recording: Recording, week: int, selected: solara.Reactive, clock: FrameClock, lang: str):
    layout = solara.use_memo(lambda: recording_layout(recording), [id(recording)])
    figure = solara.use_memo(lambda: town_figure(recording, layout, 0, lang), [id(recording), lang])
    TownFigure(figure, recording, week, selected.value, on_household=selected.set, clock=clock)


@solara.component
def _StageCounts(recording: Recording, week: int, lang: str):
    tx = text(lang)
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(tx['counts_title'])}</b>")
    solara.HTML(tag="div", unsafe_innerHTML=table_html(stage_table(recording, week, lang)))


@solara.component
def _HouseholdPanel(recording: Recording, week: int, household: int | None, lang: str):
    tx = text(lang)
    progress = solara.use_reactive(0.0)
    cache: dict[int, pd.DataFrame] = solara.use_memo(dict, [id(recording), lang])  # households read before

    def read() -> pd.DataFrame | None:
        if household is None:
            return None
        if household in cache:
            return cache[household]
        on_week = throttled_progress(progress)

        try:
            timeline = household_timeline(
                recording, household, lang, on_week=on_week, stop=lambda: not reader.is_current()
            )
        except Cancelled:
            return None
        cache[household] = timeline
        return timeline

    reader = solara.lab.use_task(read, dependencies=[id(recording), household, lang], raise_error=False)
    if household is None:
        solara.Info(tx["pick"])
        return
    solara.HTML(tag="h3", unsafe_innerHTML=escape(tx["household"].format(h=household)))
    solara.HTML(tag="div", unsafe_innerHTML=facts_html(household_facts(recording, household, week, lang)))
    solara.FigurePlotly(household_path_figure(recording, household, week, lang))
    if reader.error:
        solara.Error(str(reader.exception))
    elif not reader.finished or reader.value is None:
        solara.Text(tx["reading"])
        solara.ProgressLinear(progress.value if progress.value > 0 else True)
    else:
        past, future = split_timeline(reader.value, week)
        solara.HTML(
            tag="div", unsafe_innerHTML=f"<b>{escape(tx['past'].format(week=week))}</b>" + timeline_html(past, lang)
        )
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(tx['future'])}</b>" + timeline_html(future, lang))
