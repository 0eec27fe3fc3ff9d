"""The dashboard's figures: bands over time, difference bars, detection channels, load, household types.

Plain functions of a comparison (no Solara). Every function that shows text takes ``lang``; the
words are in :mod:`dashboards.i18n`, labels and colours in :mod:`sim.vocabulary`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.i18n import channel_label, metric_label, pick, stage_label, tr, type_label
from dashboards.tables import DIFF_UNITS, _bounded, format_interval, metric_format
from sim.domain import PROBLEM_STAGE_KEYS, TYPE_KEYS
from sim.figures import iceberg
from sim.intervals import band
from sim.mechanisms import CHANNEL_KEYS
from sim.model import WEEKS_PER_YEAR
from sim.runner import RunResult
from sim.vocabulary import scenario_colour

DETECTED_CHANNELS = CHANNEL_KEYS[1:]
# Room for the legend below a figure: about this many pixels a character, rows this wide and this tall.
LEGEND_PX_PER_CHAR, LEGEND_WIDTH_PX, LEGEND_ROW_PX = 14, 900, 24

# plotly.js's own words (the toolbar's tooltips, hints) in Japanese, registered as the locale "ja".
PLOTLY_JA_LOCALE = {
    "moduleType": "locale",
    "name": "ja",
    "dictionary": {
        "Autoscale": "全体を表示",
        "Box Select": "四角で範囲を選ぶ",
        "Compare data on hover": "マウスを重ねた位置の値を並べて表示",
        "Double-click on legend to isolate one trace": "凡例をダブルクリックすると、その系列だけを表示します",
        "Double-click to zoom back out": "ダブルクリックで元の大きさに戻します",
        "Download plot": "図をダウンロード",
        "Download plot as a PNG": "図をPNGでダウンロード",
        "Download plot as a png": "図をPNGでダウンロード",
        "Download plot as JSON": "図をJSONでダウンロード",
        "Lasso Select": "投げ縄で範囲を選ぶ",
        "Pan": "図を動かす",
        "Produced with Plotly.js": "Plotly.js で作成",
        "Reset": "元に戻す",
        "Reset axes": "軸を元に戻す",
        "Reset view": "表示を元に戻す",
        "Reset views": "表示を元に戻す",
        "Show closest data on hover": "マウスに一番近い値を表示",
        "Toggle Spike Lines": "補助線の表示を切り替え",
        "Toggle show closest data on hover": "近い値の表示を切り替え",
        "Zoom": "拡大する範囲を選ぶ",
        "Zoom in": "拡大",
        "Zoom out": "縮小",
    },
    "format": {
        "days": ["日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"],
        "shortDays": ["日", "月", "火", "水", "木", "金", "土"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y/%m/%d",
    },
}


def plotly_config(lang: str = "ja") -> dict:
    """The toolbar of every figure: in the page's language, without plotly's logo link and cloud button."""
    return {
        "locale": "en" if lang == "en" else "ja",
        "displaylogo": False,
        "showSendToCloud": False,
        "modeBarButtonsToRemove": ["sendDataToCloud", "select2d", "lasso2d"],
    }


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


def _add_interval_bars(
    fig: go.Figure, values, low, high, labels: list[str], name: str, colour: str, hover: list[str] | None = None
) -> None:
    """Horizontal bars at ``values`` with error bars reaching ``low`` and ``high`` (no bar where missing);
    ``hover`` is each bar's text when pointed at."""
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
        customdata=hover,
        hovertemplate="%{y}<br>%{customdata}<extra></extra>" if hover is not None else None,
    )


def _add_band(fig, bands: pd.DataFrame, name: str, colour: str, dash: str = "solid", row=None, col=None, legend=True):
    """A mean line with a shaded 95% band, against years."""
    kw = {"row": row, "col": col} if row else {}
    x = bands["week"].to_numpy() / WEEKS_PER_YEAR
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
    # The legend sits at the very bottom, below the x axis's title, with room kept for its rows.
    names = [t.name for t in fig.data if t.name and t.showlegend is not False]
    rows = math.ceil(sum(LEGEND_PX_PER_CHAR * len(n) + 40 for n in names) / LEGEND_WIDTH_PX) if names else 0
    fig.update_layout(
        template="plotly_white",
        font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"},
        title={"text": title, "x": 0.01, "xanchor": "left"},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xanchor": "left", "x": 0},
        margin={"l": 60, "r": 20, "t": 60, "b": 70 + LEGEND_ROW_PX * rows},
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
    fig.update_xaxes(title_text=tr("years_axis", lang), row=len(stages), col=1)
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
    fig.update_xaxes(title_text=tr("years_axis", lang))
    return _layout(fig, tr("known_vs_true_title", lang), lang, tr("households", lang))


def difference_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Each scenario's difference from the reference in ``metric``, with its 95% interval, in the metric's units."""
    rows = table[(table.household_type == "all") & (table.metric == metric)]
    names = list(rows.scenario)
    reference = titles.get(names[0], names[0]) if names else ""
    x, low, high = _diff_in_units(metric, rows["diff"], rows.diff_ci_low, rows.diff_ci_high)
    hover = [
        format_interval(metric, d, lo, hi, diff=True, lang=lang)
        for d, lo, hi in zip(rows["diff"], rows.diff_ci_low, rows.diff_ci_high, strict=True)
    ]
    fig = go.Figure()
    _add_interval_bars(fig, x, low, high, [titles.get(n, n) for n in names], "", scenario_colour(0), hover)
    _layout(fig, tr("diff_title", lang, metric=metric_label(metric, lang), reference=reference), lang)
    fig.update_layout(showlegend=False, yaxis={"autorange": "reversed"})
    _difference_axis(fig, metric, low, high, lang)
    return fig


def _diff_in_units(metric: str, diff, low, high) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Differences and their interval bounds in the units shown (percentage points for shares),
    bounds kept within what a difference of the metric can be."""
    scale = metric_format(metric).scale
    bounded = [_bounded(metric, lo, hi, diff=True) for lo, hi in zip(low, high, strict=True)]
    lows = np.array([b[0] for b in bounded], dtype=float)
    highs = np.array([b[1] for b in bounded], dtype=float)
    return np.asarray(diff, dtype=float) * scale, lows * scale, highs * scale


def _difference_axis(fig: go.Figure, metric: str, low, high, lang: str) -> None:
    """An x axis for differences: its unit in the title and ticks that fit the range (no label twice)."""
    values, labels = nice_ticks(float(np.nanmin(low, initial=0.0)), float(np.nanmax(high, initial=0.0)))
    unit = DIFF_UNITS.get(metric)
    title = tr("diff_axis_unit", lang, unit=pick(unit, lang)) if unit else tr("diff_axis", lang)
    fig.update_xaxes(
        title_text=title,
        tickvals=values,
        ticktext=labels,
        range=[values[0], values[-1]],
        zeroline=True,
        zerolinecolor="#555",
        zerolinewidth=1.5,
    )


def nice_ticks(low: float, high: float, count: int = 6) -> tuple[list[float], list[str]]:
    """Ticks for an axis of differences from ``low`` to ``high`` (zero always among them).

    Steps are 1, 2, 2.5 or 5 × 10^k; labels have as many decimals as the step needs and a sign,
    so that no two labels read the same, whatever the range.

    Returns:
        Tick values and their labels ("0", "+0.5", "−1.0", …).
    """
    low, high = min(low, 0.0), max(high, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)) or high - low < 1e-6:  # no difference to show
        low, high = -1.0, 1.0
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    decimals = next((d for d in range(12) if abs(round(step, d) - step) < step * 1e-6), 6)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    values = [round(k * step, decimals + 2) for k in range(first, last + 1)]
    labels = [
        "0" if k == 0 else f"{v:+.{decimals}f}".replace("-", "−")
        for k, v in zip(range(first, last + 1), values, strict=True)
    ]
    return values, labels


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
    fig.update_xaxes(title_text=tr("years_axis", lang), row=3, col=1)
    fig.update_yaxes(title_text=tr("households", lang), row=1, col=1)
    fig.update_yaxes(title_text=tr("hours", lang), row=2, col=1)
    fig.update_yaxes(title_text=tr("hours", lang), row=3, col=1)
    fig.update_layout(height=720)
    return _layout(fig, tr("sec_load", lang), lang)


def by_type_figure(table: pd.DataFrame, metric: str, titles: Mapping[str, str], lang: str = "ja") -> go.Figure:
    """Difference from the reference in ``metric`` for each household type (95% intervals), in the metric's units."""
    reference = table.scenario.iloc[0]
    fig = go.Figure()
    labels = [type_label(t, lang) for t in TYPE_KEYS]
    lows, highs = [], []
    for i, s in enumerate(dict.fromkeys(table.scenario)):
        if s == reference:
            continue
        rows = table[(table.scenario == s) & (table.metric == metric)].set_index("household_type")
        rows = rows.reindex(list(TYPE_KEYS))
        x, low, high = _diff_in_units(metric, rows["diff"], rows.diff_ci_low, rows.diff_ci_high)
        hover = [
            format_interval(metric, d, lo, hi, diff=True, lang=lang)
            for d, lo, hi in zip(rows["diff"], rows.diff_ci_low, rows.diff_ci_high, strict=True)
        ]
        _add_interval_bars(fig, x, low, high, labels, titles.get(s, s), scenario_colour(i), hover)
        lows.append(low)
        highs.append(high)
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed", "type": "category"})
    _difference_axis(fig, metric, np.concatenate(lows or [[0.0]]), np.concatenate(highs or [[0.0]]), lang)
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
    for trace in fig.data:
        trace.x = np.asarray(trace.x, dtype=float) / WEEKS_PER_YEAR
    fig.update_xaxes(title_text=tr("years_axis", lang))
    fig.update_layout(
        title=f"{fig.layout.title.text}{tr('iceberg_suffix', lang, title=titles.get(scenario, scenario))}"
    )
    return _layout(fig, fig.layout.title.text, lang)
