"""Running a comparison and presenting it: tables, figures, exports and a one-page council summary.

Plain functions only (no Solara), so tests call them without a browser. Every function that
shows text takes ``lang`` (``"ja"`` or ``"en"``).
"""

from __future__ import annotations

import base64
import html
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from dashboards import pool as warm_pool
from dashboards.i18n import channel_label, metric_label, stage_label, tr, type_label
from sim.compare import HEADLINE_METRICS, compare_table
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town
from sim.domain import PROBLEM_STAGE_KEYS, TYPE_KEYS
from sim.figures import comparison, iceberg
from sim.mechanisms import CHANNEL_KEYS
from sim.params import ConfigError
from sim.runner import RunResult, run_many
from sim.safe_text import plotly_text
from sim.vocabulary import scenario_colour

YEARS_RANGE = (1, 20)
REPLICATIONS_RANGE = (1, 20)
SHARE_METRICS = frozenset(
    {"early_detection_rate", "unreached_share", "complex_share", "resolution_rate", "gave_up_share"}
)
TYPE_METRICS = (*HEADLINE_METRICS, "mean_weeks_waiting")
DETECTED_CHANNELS = CHANNEL_KEYS[1:]
# Run in two processes when there is enough work to pay for starting them (a few seconds).
PARALLEL_MIN_RUNS = 12


@dataclass(frozen=True)
class MetricFormat:
    """How a metric is shown: values times ``scale``, ``decimals`` digits, and units."""

    scale: float
    decimals: int
    unit: tuple[str, str]
    diff_unit: tuple[str, str]


METRIC_FORMATS: dict[str, MetricFormat] = {
    **{m: MetricFormat(100.0, 1, ("%", "%"), ("ポイント", " pts")) for m in SHARE_METRICS},
    "median_weeks_to_detection": MetricFormat(1.0, 1, ("週", " wk"), ("週", " wk")),
    "mean_weeks_waiting": MetricFormat(1.0, 1, ("週", " wk"), ("週", " wk")),
    "complex_household_weeks_per_1000": MetricFormat(1.0, 0, ("", ""), ("", "")),
}


@dataclass(frozen=True)
class RunRequest:
    """What the planner asked for: one comparison of scenarios on one town.

    ``town`` and ``scenarios`` are bundled names, paths, or objects built on the page.
    """

    town: TownProfile | str
    scenarios: tuple[Scenario | str, ...]
    years: int
    replications: int
    seed: int

    @property
    def runs(self) -> int:
        """Number of simulation runs (scenarios × replications)."""
        return len(self.scenarios) * self.replications

    @property
    def town_name(self) -> str:
        """The town's short name."""
        return self.town if isinstance(self.town, str) else self.town.name


@dataclass(eq=False)
class Outcome:
    """The result of a request: the comparison table and runs, or the message of a bad input."""

    request: RunRequest
    table: pd.DataFrame | None = None
    results: list[RunResult] = field(default_factory=list)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    town_title: str = ""
    seconds: float = 0.0
    error: str | None = None

    def title(self, scenario: str, lang: str) -> str:
        """A scenario's title in ``lang``."""
        pair = self.titles.get(scenario)
        return (pair[1] if lang == "en" else pair[0]) if pair else scenario

    def title_map(self, lang: str) -> dict[str, str]:
        """Scenario name → title in ``lang``, in comparison order."""
        return {s: self.title(s, lang) for s in self.scenario_names}

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in comparison order (reference first)."""
        return list(dict.fromkeys(self.table.scenario)) if self.table is not None else []


# ---------------------------------------------------------------- running


def input_problems(years: int | None, replications: int | None, seed: int | None, lang: str = "ja") -> list[str]:
    """Problems with the numeric inputs, as messages (empty when all is well)."""
    problems = []
    if years is None or not YEARS_RANGE[0] <= years <= YEARS_RANGE[1]:
        problems.append(tr("years_problem", lang, low=YEARS_RANGE[0], high=YEARS_RANGE[1]))
    if replications is None or not REPLICATIONS_RANGE[0] <= replications <= REPLICATIONS_RANGE[1]:
        problems.append(tr("replications_problem", lang, low=REPLICATIONS_RANGE[0], high=REPLICATIONS_RANGE[1]))
    if seed is None or seed < 0:
        problems.append(tr("seed_problem", lang))
    return problems


def resolve(town: TownProfile | str, scenarios: Sequence[Scenario | str]) -> tuple[TownProfile, list[Scenario]]:
    """Load what is given by name and check every scenario against the town before any run.

    Raises:
        ConfigError: An input is invalid, two scenarios share a name, or a scenario does not fit the town.
    """
    town_spec = load_town(town) if isinstance(town, str) else town
    loaded = [load_scenario(s) if isinstance(s, str) else s for s in scenarios]
    seen: set[str] = set()
    for s in loaded:
        if s.name in seen:
            raise ConfigError(s.file, "", f"two scenarios are named {s.name!r}; allowed: distinct names")
        seen.add(s.name)
        effective_profile(s, town_spec)
    return town_spec, loaded


def worker_count(runs: int) -> int:
    """Processes for ``runs`` runs: two when there are enough runs and cores, else one."""
    return 2 if runs >= PARALLEL_MIN_RUNS and (os.cpu_count() or 1) >= 2 else 1


def run_comparison(
    town: TownProfile | str,
    scenarios: Sequence[Scenario | str],
    years: int,
    replications: int,
    seed: int,
    on_run: Callable[[RunResult], None] | None = None,
    jobs: int | None = None,
    cancelled: threading.Event | None = None,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run every scenario × replication on common random numbers and compare with the first scenario.

    Args:
        town: Town profile, bundled name or path.
        scenarios: Scenarios (objects, names or paths); the first is the reference.
        years: Years to simulate.
        replications: Replications per scenario.
        seed: Seed from which the replications' seeds derive.
        on_run: Called with each run as it finishes (for the progress bar).
        jobs: Worker processes (default: :func:`worker_count`); more than one runs in the server's
            warm pool (:mod:`dashboards.pool`), started once and kept between runs.
        cancelled: Set when the page that asked has closed: the run stops (RunCancelled).

    Returns:
        The comparison table of :func:`sim.compare.compare_table` and every run's result.

    Raises:
        ConfigError: An input is invalid.
        ValueError: ``years``, ``replications`` or ``seed`` is out of range.
    """
    problems = input_problems(years, replications, seed)
    if problems:
        raise ValueError(" ".join(problems))
    town_spec, loaded = resolve(town, scenarios)
    jobs = worker_count(len(loaded) * replications) if jobs is None else jobs
    on_run = _unless_cancelled(on_run, cancelled)
    if jobs <= 1:
        results = run_many(loaded, town_spec, years, replications, seed, progress=False, on_run=on_run)
    else:
        shown = 0  # runs already reported: a retry on a fresh pool starts again from the first run

        def work(pool) -> list[RunResult]:
            count = 0

            def report(run: RunResult) -> None:
                nonlocal count, shown
                count += 1
                if count > shown:
                    shown = count
                    if on_run is not None:
                        on_run(run)

            return run_many(
                loaded, town_spec, years, replications, seed, jobs=jobs, progress=False, on_run=report, pool=pool
            )

        results = warm_pool.run_in_pool(work, cancelled)
    return compare_table(results, [s.name for s in loaded]), results


def _unless_cancelled(
    on_run: Callable[[RunResult], None] | None, cancelled: threading.Event | None
) -> Callable[[RunResult], None] | None:
    """``on_run``, which first stops the run (RunCancelled) once ``cancelled`` is set."""
    if cancelled is None:
        return on_run

    def report(run: RunResult) -> None:
        if cancelled.is_set():
            raise warm_pool.RunCancelled()
        if on_run is not None:
            on_run(run)

    return report


def compute_outcome(
    request: RunRequest,
    lang: str = "ja",
    on_run: Callable[[RunResult], None] | None = None,
    cancelled: threading.Event | None = None,
) -> Outcome:
    """Run a request for the page; a bad input becomes a message instead of an exception.

    ``cancelled``: set when the page closes; the run then stops and the outcome says so.
    """
    import time

    start = time.perf_counter()
    try:
        town_spec, loaded = resolve(request.town, request.scenarios)
        table, results = run_comparison(
            town_spec, loaded, request.years, request.replications, request.seed, on_run=on_run, cancelled=cancelled
        )
    except ConfigError as e:
        return Outcome(request, error=tr("input_problem", lang, detail=str(e)))
    except warm_pool.RunCancelled:
        return Outcome(request, error=tr("run_cancelled", lang), seconds=time.perf_counter() - start)
    titles = {s.name: (s.title_ja, s.title_en) for s in loaded}
    town_title = town_spec.profile["town"].get("name_ja") or town_spec.name
    return Outcome(request, table, results, titles, town_title, time.perf_counter() - start)


# ---------------------------------------------------------------- tables


def _number(value: float, fmt: MetricFormat, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{value * fmt.scale:{sign},.{fmt.decimals}f}"


def format_interval(metric: str, value: float, low: float, high: float, diff: bool = False, lang: str = "ja") -> str:
    """A value with its 95% interval in the metric's units, e.g. ``26.6% [20.1, 33.0]``."""
    fmt = METRIC_FORMATS.get(metric, MetricFormat(1.0, 2, ("", ""), ("", "")))
    if value is None or math.isnan(value):
        return "—"
    unit = (fmt.diff_unit if diff else fmt.unit)[1 if lang == "en" else 0]
    if not diff:  # every metric shown is a count, share or duration: its mean cannot leave [0, 1] or [0, ∞)
        low, high = max(low, 0.0), (min(high, 1.0) if metric in SHARE_METRICS else high)
    text = _number(value, fmt, signed=diff) + unit
    if math.isnan(low) or math.isnan(high):
        return text
    return f"{text} [{_number(low, fmt, signed=diff)}, {_number(high, fmt, signed=diff)}]"


def headline_table(
    table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja", household_type: str = "all"
) -> pd.DataFrame:
    """The headline metrics per scenario: mean [95% CI] and difference from the reference [95% CI].

    Args:
        table: A comparison table (first scenario = reference).
        titles: Scenario name → title.
        lang: Language of labels.
        household_type: ``all`` for the whole town, or one household type.

    Returns:
        One row per (metric, scenario), columns as in ``tr("columns")``.
    """
    titles = titles or {}
    columns = tr("columns", lang).split("|")
    rows_of = table[table.household_type == household_type]
    reference = table.scenario.iloc[0] if len(table) else None
    rows = []
    for metric in HEADLINE_METRICS:
        for row in rows_of[rows_of.metric == metric].itertuples():
            rows.append(_interval_row(columns, metric_label(metric, lang), row, metric, reference, titles, lang))
    return pd.DataFrame(rows, columns=columns)


def by_type_table(table: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None, lang: str = "ja"):
    """One metric by household type and scenario: mean [95% CI] and difference from the reference."""
    titles = titles or {}
    columns = tr("type_columns", lang).split("|")
    reference = table.scenario.iloc[0] if len(table) else None
    rows = []
    for htype in TYPE_KEYS:
        block = table[(table.household_type == htype) & (table.metric == metric)]
        for row in block.itertuples():
            rows.append(_interval_row(columns, type_label(htype, lang), row, metric, reference, titles, lang))
    return pd.DataFrame(rows, columns=columns)


def _interval_row(
    columns: list[str], label: str, row: Any, metric: str, reference: str | None, titles: Mapping[str, str], lang: str
) -> dict[str, str]:
    """A table row: label, scenario, mean [95% CI], and the difference from the reference [95% CI]."""
    diff = (
        tr("reference_cell", lang)
        if row.scenario == reference
        else format_interval(metric, row.diff, row.diff_ci_low, row.diff_ci_high, diff=True, lang=lang)
    )
    return {
        columns[0]: label,
        columns[1]: titles.get(row.scenario, row.scenario),
        columns[2]: format_interval(metric, row.mean, row.ci_low, row.ci_high, lang=lang),
        columns[3]: diff,
    }


def findings(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> list[str]:
    """The headline differences from the reference whose 95% interval excludes zero, in words.

    Args:
        table: A comparison table (first scenario = reference).
        titles: Scenario name → title.
        lang: Language.

    Returns:
        One sentence per scenario: its clear differences, or that none were clear.
    """
    titles = titles or {}
    town = table[table.household_type == "all"]
    scenarios = list(dict.fromkeys(town.scenario))
    out = []
    for s in scenarios[1:]:
        clear = []
        for metric in HEADLINE_METRICS:
            row = town[(town.scenario == s) & (town.metric == metric)]
            if row.empty:
                continue
            r = row.iloc[0]
            if r.diff_ci_low > 0 or r.diff_ci_high < 0:
                value = format_interval(metric, r["diff"], r.diff_ci_low, r.diff_ci_high, diff=True, lang=lang)
                clear.append(f"{metric_label(metric, lang)} {value}")
        title = titles.get(s, s)
        if lang == "en":
            out.append(f"{title}: " + ("; ".join(clear) if clear else "no difference is clear at 95% with these runs."))
        else:
            out.append(
                f"{title}：" + ("、".join(clear) if clear else "この反復回数では、95%区間で明らかな差は見られません。")
            )
    return out


def council_table(results: Sequence[RunResult], titles: Mapping[str, str] | None = None, lang: str = "ja"):
    """What the 自立支援協議会 created in each scenario: resources per replication and their fields."""
    titles = titles or {}
    columns = tr("council_columns", lang).split("|")
    scenarios = list(dict.fromkeys(r.scenario for r in results))
    rows = []
    for s in scenarios:
        runs = [r for r in results if r.scenario == s]
        logs = [r.council for r in runs if len(r.council)]
        log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=["field_ja", "field"])
        label = "field" if lang == "en" else "field_ja"
        counts = log[label].value_counts() if len(log) else pd.Series(dtype=int)
        fields = (
            "、".join(f"{k}（{v}）" for k, v in counts.items())
            if lang == "ja"
            else ", ".join(f"{k} ({v})" for k, v in counts.items())
        )
        rows.append(
            {
                columns[0]: titles.get(s, s),
                columns[1]: round(len(log) / max(len(runs), 1), 2),
                columns[2]: fields or "—",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def council_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's council log with scenario and replication columns."""
    frames = [r.tagged("council") for r in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def weekly_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's weekly table with scenario and replication columns."""
    return pd.concat([r.tagged("weekly") for r in results], ignore_index=True)


def comparison_csv(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> bytes:
    """The comparison table as CSV with scenario titles and metric labels (UTF-8 with BOM for Excel)."""
    titles = titles or {}
    out = table.copy()
    out.insert(out.columns.get_loc("scenario") + 1, "scenario_title", out.scenario.map(lambda s: titles.get(s, s)))
    out.insert(out.columns.get_loc("metric") + 1, "metric_label", out.metric.map(lambda m: metric_label(m, lang)))
    return frame_csv(out)


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes, UTF-8 with a byte-order mark so that Excel shows Japanese text."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def csv_filename(request: RunRequest, what: str = "comparison") -> str:
    """A download name that records how the table was made, e.g. ``comparison_neighbourhood_10y_5r_seed0.csv``."""
    return f"{what}_{request.town_name}_{request.years}y_{request.replications}r_seed{request.seed}.csv"


# ---------------------------------------------------------------- bands over time


def _t_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t-interval over axis 0 (replications); no band from a single replication."""
    mean = values.mean(axis=0)
    n = values.shape[0]
    if n < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, n - 1) * values.std(axis=0, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def weekly_bands(results: Sequence[RunResult], column: str | Callable[[pd.DataFrame], pd.Series]):
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
        mean, low, high = _t_band(np.stack([x[:length] for x in series]))
        low = np.maximum(low, 0.0)  # every weekly series is a count of households or hours
        weeks = next(r.weekly["week"].to_numpy()[:length] for r in results if r.scenario == s)
        rows.append(pd.DataFrame({"scenario": s, "week": weeks, "mean": mean, "low": low, "high": high}))
    return pd.concat(rows, ignore_index=True)


def _colour(i: int) -> str:
    return scenario_colour(i)


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
                fig, weekly_bands(runs, f"true_{stage}"), titles.get(s, s), _colour(i), row=j, col=1, legend=j == 1
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
        _add_band(fig, weekly_bands(runs, _problem_total("true")), f"{title}（{tr('true', lang)}）", _colour(i), "dash")
        _add_band(fig, weekly_bands(runs, _problem_total("known")), f"{title}（{tr('known', lang)}）", _colour(i))
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
        _add_interval_bars(fig, mean, low, high, labels, titles.get(s, s), _colour(i))
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
            _add_band(fig, bands, titles.get(s, s), _colour(i), row=j, col=1, legend=j == 1)
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
        _add_interval_bars(fig, diff, low, high, labels, titles.get(s, s), _colour(i))
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


# ---------------------------------------------------------------- export


def ensure_browser_path() -> None:
    """Kaleido finds Chromium through BROWSER_PATH; point it at Debian's chromium unless set."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")


def figure_png(fig: go.Figure, width: int = 1100, height: int = 520) -> bytes:
    """The figure as a PNG (kaleido drives the local Chromium)."""
    ensure_browser_path()
    return fig.to_image(format="png", width=width, height=height, scale=2)


def figure_html(fig: go.Figure) -> bytes:
    """The figure as a self-contained interactive HTML file (plotly.js inlined, no CDN)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


SUMMARY_CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 10pt; color: #222; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 10pt 0 4pt; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; } th { background: #eee; }
img { width: 100%; } .note { font-size: 8pt; color: #444; } .meta { color: #444; }
"""


def summary_html(outcome: Outcome, lang: str = "ja", images: bool = True) -> bytes:
    """A one-page, printable summary of a comparison for a council paper (self-contained HTML).

    Args:
        outcome: A finished comparison.
        lang: Language.
        images: Embed the difference and iceberg figures as PNG (needs kaleido and Chromium).

    Returns:
        The HTML file's bytes (UTF-8), with no external resources.
    """
    request, table = outcome.request, outcome.table
    titles = outcome.title_map(lang)
    ja = lang != "en"
    head = headline_table(table, titles, lang)
    parts = [
        f"<h1>{html.escape(tr('heading', lang))}</h1>",
        "<p class='meta'>"
        + html.escape(
            f"町：{outcome.town_title}　期間：{request.years}年　反復：{request.replications}回　乱数シード：{request.seed}"
            if ja
            else f"Town: {outcome.town_title}. {request.years} years, {request.replications} replications, "
            f"seed {request.seed}."
        )
        + "</p>",
        "<h2>" + html.escape("比較したシナリオ" if ja else "Scenarios compared") + "</h2><ul>",
        *(
            f"<li>{html.escape(t)}{' ' + html.escape(tr('reference_cell', lang)) if i == 0 else ''}</li>"
            for i, t in enumerate(titles.values())
        ),
        "</ul>",
        "<h2>" + html.escape(tr("findings", lang)) + "</h2><ul>",
        *(f"<li>{html.escape(line)}</li>" for line in findings(table, titles, lang)),
        "</ul>",
        "<h2>" + html.escape(tr("sec_headline", lang)) + "</h2>",
        head.to_html(index=False, escape=True, border=0),
    ]
    if images:
        try:
            shown = {name: plotly_text(title) for name, title in titles.items()}  # titles come from files
            for fig in (
                difference_figure(table, "early_detection_rate", shown, lang),
                known_vs_true_figure(outcome.results, shown, lang),
            ):
                png = base64.b64encode(figure_png(fig, 1000, 380)).decode("ascii")
                parts.append(f"<img alt='' src='data:image/png;base64,{png}'>")
        except Exception as e:  # the summary is still useful without figures
            parts.append(
                f"<p class='note'>{html.escape(('図を作れませんでした：' if ja else 'Figures unavailable: ') + str(e))}</p>"
            )
    parts.append("<h2>" + html.escape("読み方と限界" if ja else "How to read this, and its limits") + "</h2>")
    parts.append("<p class='note'>" + html.escape(caveat_text(lang)) + "</p>")
    body = "\n".join(parts)
    page = (
        f"<!DOCTYPE html><html lang='{'ja' if ja else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(tr('page_title', lang))}</title><style>{SUMMARY_CSS}</style></head><body>{body}</body></html>"
    )
    return page.encode("utf-8")


def caveat_text(lang: str = "ja") -> str:
    """What the comparison can and cannot say, in plain words (for the summary and the page)."""
    if lang == "en":
        return (
            "These are results of a simulation of a synthetic town built from national statistics and the numbers "
            "entered, not forecasts for the real town. Compare scenarios with each other: the difference from the "
            "reference, with its 95% interval, is what the model can say. Where the interval crosses zero the model "
            "cannot tell the scenarios apart with this many replications. Many effect sizes are assumptions "
            "(docs/parameters.md lists each with its source); costs and staff recruitment are not modelled."
        )
    return (
        "これは全国統計と入力した数字から作った仮想の町でのシミュレーション結果で、実際の町の将来予測ではありません。"
        "シナリオどうしを比べて読んでください。モデルが言えるのは、基準との差とその95%区間です。区間が0をまたぐ場合、"
        "この反復回数ではシナリオの違いを見分けられません。効果の大きさの多くは仮定です（根拠は docs/parameters.md に一覧）。"
        "費用や職員の採用のしやすさはモデルに含まれていません。"
    )
