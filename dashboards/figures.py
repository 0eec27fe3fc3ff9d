"""The dashboard's figures: bands over time, difference bars, detection channels, load, household types.

Plain functions of a comparison (no Solara). Every function that shows text takes ``lang``; the
words are in :mod:`dashboards.i18n`, labels and colours in :mod:`sim.vocabulary`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.i18n import channel_label, metric_label, stage_label, tr, type_label
from dashboards.tables import SHARE_METRICS
from sim.domain import CHANNEL_KEYS, PROBLEM_STAGE_KEYS, TYPE_KEYS
from sim.figures import comparison, iceberg
from sim.intervals import band
from sim.runner import RunResult
from sim.vocabulary import scenario_colour

DETECTED_CHANNELS = CHANNEL_KEYS[1:]


# ---------------------------------------------------------------- bands over time


def weekly_bands(results: Sequence[RunResult], column: str | Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """Per scenario, per week: the mean of ``column`` over replications and its 95% interval.

    Args:
        results: Runs.
        column: A weekly column name, or a function of the weekly table giving a series.

    Returns:
        Long table: scenario, week, mean, low, high.
    """
    rows = []
    for s in dict.fromkeys(r.scenario for r in results):
        series = [
            (r.weekly[column] if isinstance(column, str) else column(r.weekly)).to_numpy(dtype=float)
            for r in results
            if r.scenario == s
        ]
        length = min(len(x) for x in series)
        mean, low, high = band(np.stack([x[:length] for x in series]), axis=0)
        low = np.maximum(low, 0.0)  # every weekly series is a count of households or hours
        weeks = next(r.weekly["week"].to_numpy()[:length] for r in results if r.scenario == s)
        rows.append(pd.DataFrame({"scenario": s, "week": weeks, "mean": mean, "low": low, "high": high}))
    return pd.concat(rows, ignore_index=True)


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _add_interval_bars(fig: go.Figure, values, low, high, labels: list[str], name: str, colour: str) -> None:
    """Horizontal bars at ``values`` with error bars reaching ``low`` and ``high`` (no bar where missing)."""
    fig.add_bar(
        x=values,
        y=labels,
        orientation="h",
        name=name,
        marker_color=colour,
        error_x={
            "type": "data",
            "symmetric": False,
            "array": np.nan_to_num(np.subtract(high, values)),
            "arrayminus": np.nan_to_num(np.subtract(values, low)),
        },
    )


def _add_band(fig, bands: pd.DataFrame, name: str, colour: str, dash: str = "solid", row=None, col=None, legend=True):
    """A mean line with a shaded 95% band."""
    kw = {"row": row, "col": col} if row else {}
    x = bands["week"].to_numpy()
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([bands["high"].to_numpy(), bands["low"].to_numpy()[::-1]]),
            fill="toself",
            fillcolor=_rgba(colour, 0.18),
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=name,
        ),
        **kw,
    )
    fig.add_trace(
        go.Scatter(
            x=x, y=bands["mean"], name=name, line={"color": colour, "dash": dash}, legendgroup=name, showlegend=legend
        ),
        **kw,
    )


def _layout(fig: go.Figure, title: str, lang: str, y_title: str | None = None) -> go.Figure:
    fig.update_layout(
        title=title,
        template="plotly_white",
        font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"},
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
    )
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


# ---------------------------------------------------------------- figures


def stage_mix_figure(results: Sequence[RunResult], titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Households at each problem stage over time (true), one panel per stage, one band per scenario."""
    stages = list(PROBLEM_STAGE_KEYS)
    fig = make_subplots(
        rows=len(stages), cols=1, shared_xaxes=True, subplot_titles=[stage_label(i, lang) for i in (1, 2, 3)]
    )
    for i, s in enumerate(dict.fromkeys(r.scenario for r in results)):
        runs = [r for r in results if r.scenario == s]
        for j, stage in enumerate(stages, start=1):
            _add_band(
                fig,
                weekly_bands(runs, f"true_{stage}"),
                titles.get(s, s),
                scenario_colour(i),
                row=j,
                col=1,
                legend=j == 1,
            )
    fig.update_xaxes(title_text=tr("week", lang), row=len(stages), col=1)
    fig.update_yaxes(title_text=tr("households", lang))
    fig.update_layout(height=720)
    return _layout(fig, tr("stage_mix_title", lang), lang)


def _problem_total(prefix: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda w: sum(w[f"{prefix}_{stage}"] for stage in PROBLEM_STAGE_KEYS)


def known_vs_true_figure(results: Sequence[RunResult], titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Households with a problem: true (dashed) and known to the municipality (solid), per scenario."""
    fig = go.Figure()
    for i, s in enumerate(dict.fromkeys(r.scenario for r in results)):
        runs = [r for r in results if r.scenario == s]
        title = titles.get(s, s)
        colour = scenario_colour(i)
        _add_band(fig, weekly_bands(runs, _problem_total("true")), f"{title}（{tr('true', lang)}）", colour, "dash")
        _add_band(fig, weekly_bands(runs, _problem_total("known")), f"{title}（{tr('known', lang)}）", colour)
    fig.update_xaxes(title_text=tr("week", lang))
    return _layout(fig, tr("known_vs_true_title", lang), lang, tr("households", lang))


def difference_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Each scenario's difference from the reference in ``metric``, with its 95% interval."""
    fig = comparison(table, metric, lang)
    names = [str(n) for n in fig.data[0].y] if fig.data and fig.data[0].y is not None else []
    fig.update_traces(y=[titles.get(n, n) for n in names], marker_color=scenario_colour(0))
    reference = titles.get(names[0], names[0]) if names else ""
    share = metric in SHARE_METRICS
    _layout(fig, tr("diff_title", lang, metric=metric_label(metric, lang), reference=reference), lang)
    fig.update_layout(showlegend=False, yaxis={"autorange": "reversed"})
    fig.update_xaxes(title_text=tr("diff_axis_share" if share else "diff_axis", lang))
    if share:
        fig.update_xaxes(tickformat="+.1%")
    return fig


def channels_figure(table: pd.DataFrame, titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Share of detected cases found through each channel, per scenario (95% intervals)."""
    town = table[table.household_type == "all"]
    fig = go.Figure()
    labels = [channel_label(c, lang) for c in DETECTED_CHANNELS]
    for i, s in enumerate(dict.fromkeys(town.scenario)):
        rows = town[town.scenario == s].set_index("metric")
        keys = [f"channel_share_{c}" for c in DETECTED_CHANNELS]
        mean = [rows["mean"].get(k, np.nan) for k in keys]
        low = np.clip([rows["ci_low"].get(k, np.nan) for k in keys], 0.0, 1.0)  # shares stay within 0–100%
        high = np.clip([rows["ci_high"].get(k, np.nan) for k in keys], 0.0, 1.0)
        _add_interval_bars(fig, mean, low, high, labels, titles.get(s, s), scenario_colour(i))
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"})
    fig.update_xaxes(tickformat=".0%", title_text=tr("share", lang))
    return _layout(fig, tr("channels_title", lang), lang)


def load_figure(results: Sequence[RunResult], titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Waiting list, professional hours and volunteer hours a week over time, per scenario.

    Hours start at week 1: the weekly hours are differences of running totals, so week 0 has none.
    """
    panels = (("waiting_list", "waiting_title"), ("paid_hours", "staff_title"), ("volunteer_hours", "volunteer_title"))
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, subplot_titles=[tr(t, lang) for _, t in panels])
    for i, s in enumerate(dict.fromkeys(r.scenario for r in results)):
        runs = [r for r in results if r.scenario == s]
        for j, (column, _) in enumerate(panels, start=1):
            bands = weekly_bands(runs, column)
            if column != "waiting_list":
                bands = bands[bands.week >= 1]
            _add_band(fig, bands, titles.get(s, s), scenario_colour(i), row=j, col=1, legend=j == 1)
    fig.update_xaxes(title_text=tr("week", lang), row=3, col=1)
    fig.update_yaxes(title_text=tr("households", lang), row=1, col=1)
    fig.update_yaxes(title_text=tr("hours", lang), row=2, col=1)
    fig.update_yaxes(title_text=tr("hours", lang), row=3, col=1)
    fig.update_layout(height=720)
    return _layout(fig, tr("sec_load", lang), lang)


def by_type_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Difference from the reference in ``metric`` for each household type (95% intervals)."""
    reference = table.scenario.iloc[0]
    fig = go.Figure()
    labels = [type_label(t, lang) for t in TYPE_KEYS]
    for i, s in enumerate(dict.fromkeys(table.scenario)):
        if s == reference:
            continue
        rows = table[(table.scenario == s) & (table.metric == metric)].set_index("household_type")
        diff = [rows["diff"].get(t, np.nan) for t in TYPE_KEYS]
        low = [rows["diff_ci_low"].get(t, np.nan) for t in TYPE_KEYS]
        high = [rows["diff_ci_high"].get(t, np.nan) for t in TYPE_KEYS]
        _add_interval_bars(fig, diff, low, high, labels, titles.get(s, s), scenario_colour(i))
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed", "type": "category"})
    share = metric in SHARE_METRICS
    fig.update_xaxes(title_text=tr("diff_axis_share" if share else "diff_axis", lang))
    if share:
        fig.update_xaxes(tickformat="+.1%")
    return _layout(fig, tr("types_title", lang, metric=metric_label(metric, lang)), lang)


def first_replication_weekly(results: Sequence[RunResult], scenario: str) -> pd.DataFrame:
    """The weekly table of replication 0 of ``scenario`` (KeyError when there is none)."""
    for r in results:
        if r.scenario == scenario and r.replication == 0:
            return r.weekly
    raise KeyError(scenario)


def iceberg_figure(results: Sequence[RunResult], scenario: str, titles: Mapping[str, str], lang: str = "ja"):
    """:func:`sim.figures.iceberg` of replication 1 of ``scenario``, its title naming the scenario."""
    fig = iceberg(first_replication_weekly(results, scenario), lang)
    fig.update_layout(
        title=f"{fig.layout.title.text}{tr('iceberg_suffix', lang, title=titles.get(scenario, scenario))}"
    )
    return _layout(fig, fig.layout.title.text, lang)
