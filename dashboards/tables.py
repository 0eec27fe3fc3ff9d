"""The dashboard's tables: the headline metrics, a metric by household type, the council's resources,
and the clear differences in words.

Every function that shows text takes ``lang`` (``"ja"`` or ``"en"``); the words are in
:mod:`dashboards.i18n`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboards.i18n import EFFECT_SENTENCES, metric_help, metric_label, pick, tr, type_label
from sim.compare import HEADLINE_METRICS
from sim.domain import TYPE_KEYS
from sim.intervals import paired_difference
from sim.model import WEEKS_PER_YEAR
from sim.runner import RunResult

SHARE_METRICS = frozenset(
    {
        "early_detection_rate",
        "unreached_share",
        "complex_share",
        "open_problem_share",
        "resolution_rate",
        "gave_up_share",
    }
)
TYPE_METRICS = (*HEADLINE_METRICS, "mean_weeks_waiting")
# Which way is better: +1 when more is better, -1 when less is.
METRIC_BETTER: dict[str, int] = {
    "early_detection_rate": 1,
    "median_weeks_to_detection": -1,
    "unreached_share": -1,
    "complex_share": -1,
    "complex_household_weeks_per_1000": -1,
    "open_problem_share": -1,
    "gave_up_share": -1,
    "mean_weeks_waiting": -1,
}


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
# Units of a difference spelled out (for axis titles and CSV headers).
DIFF_UNITS: dict[str, tuple[str, str]] = {
    **{m: ("%ポイント", "percentage points") for m in SHARE_METRICS},
    "median_weeks_to_detection": ("週", "weeks"),
    "mean_weeks_waiting": ("週", "weeks"),
    "complex_household_weeks_per_1000": ("1,000世帯あたり世帯・週", "household-weeks per 1,000 households"),
}


def metric_format(metric: str) -> MetricFormat:
    """How ``metric`` is shown (two decimals and no unit when it has no format of its own)."""
    return METRIC_FORMATS.get(metric, MetricFormat(1.0, 2, ("", ""), ("", "")))


def verdict(metric: str, low: float, high: float) -> str:
    """``better``, ``worse`` or ``unclear``: a difference's 95% interval against zero, in the metric's good direction."""
    if math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return "unclear"
    up = low > 0
    return "better" if up == (METRIC_BETTER.get(metric, 1) > 0) else "worse"


def _number(value: float, fmt: MetricFormat, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{value * fmt.scale:{sign},.{fmt.decimals}f}"


def format_interval(metric: str, value: float, low: float, high: float, diff: bool = False, lang: str = "ja") -> str:
    """A value with its 95% interval in the metric's units, e.g. ``26.6% [20.1, 33.0]``."""
    value_text, interval = format_parts(metric, value, low, high, diff, lang)
    return f"{value_text} {interval}" if interval else value_text


def format_parts(
    metric: str, value: float, low: float, high: float, diff: bool = False, lang: str = "ja"
) -> tuple[str, str]:
    """:func:`format_interval` in two parts: the value with its unit, and ``[low, high]`` ("" without interval)."""
    fmt = metric_format(metric)
    if value is None or math.isnan(value):
        return "—", ""
    unit = (fmt.diff_unit if diff else fmt.unit)[1 if lang == "en" else 0]
    low, high = _bounded(metric, low, high, diff)
    text = _number(value, fmt, signed=diff) + unit
    if math.isnan(low) or math.isnan(high):
        return text, ""
    return text, f"[{_number(low, fmt, signed=diff)}, {_number(high, fmt, signed=diff)}]"


def _bounded(metric: str, low: float, high: float, diff: bool) -> tuple[float, float]:
    """Interval bounds within what the metric can be: a share stays in [0, 1] (a difference of shares
    in [-1, 1]); every other metric shown is a count or a duration, never below zero."""
    if metric in SHARE_METRICS:
        floor = -1.0 if diff else 0.0
        return max(low, floor), min(high, 1.0)
    return (low, high) if diff else (max(low, 0.0), high)


def headline_table(
    table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja", household_type: str = "all"
) -> pd.DataFrame:
    """The headline metrics per scenario, in long form: mean [95% CI] and difference from the reference [95% CI].

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


# ---------------------------------------------------------------- pivots: scenarios as columns


@dataclass(frozen=True)
class PivotCell:
    """One cell: the reference's mean, or a scenario's difference from it, with its 95% interval.

    ``verdict`` is ``reference``, ``better``, ``worse`` or ``unclear``; ``level`` is the scenario's
    own mean under a difference; ``interval`` is empty where there is none to show.
    """

    value: str
    interval: str
    level: str
    verdict: str


@dataclass(frozen=True)
class Pivot:
    """A table with a row per metric (or household type) and a column per scenario, reference first."""

    corner: str
    columns: list[str]
    rows: list[tuple[str, str, list[PivotCell]]]  # label, plain-language help, cells
    notes: list[str]


def _pivot_cells(rows: pd.DataFrame, metric: str, scenarios: list[str], lang: str) -> list[PivotCell]:
    """The cells of one metric's row, from its comparison rows (one per scenario)."""
    by_scenario = rows.set_index("scenario")
    cells = []
    for i, s in enumerate(scenarios):
        if s not in by_scenario.index:
            cells.append(PivotCell("—", "", "", "unclear"))
            continue
        r = by_scenario.loc[s]
        value, interval = format_parts(metric, r["mean"], r.ci_low, r.ci_high, lang=lang)
        no_interval = tr("no_interval", lang) if not math.isnan(r["mean"]) else ""
        if i == 0:
            cells.append(PivotCell(value, interval or no_interval, "", "reference"))
            continue
        diff, diff_interval = format_parts(metric, r["diff"], r.diff_ci_low, r.diff_ci_high, diff=True, lang=lang)
        cells.append(
            PivotCell(
                diff,
                diff_interval or no_interval,
                tr("pivot_level", lang, value=value) if value != "—" else "",
                verdict(metric, r.diff_ci_low, r.diff_ci_high),
            )
        )
    return cells


def headline_pivot(table: pd.DataFrame, titles: Mapping[str, str] | None = None, lang: str = "ja") -> Pivot:
    """The headline metrics for the whole town: a row per metric, a column per scenario (reference first)."""
    titles = titles or {}
    scenarios = list(dict.fromkeys(table.scenario))
    town = table[table.household_type == "all"]
    rows = [
        (metric_label(m, lang), metric_help(m, lang), _pivot_cells(town[town.metric == m], m, scenarios, lang))
        for m in HEADLINE_METRICS
    ]
    return Pivot(tr("pivot_metric", lang), _column_titles(scenarios, titles, lang), rows, [])


def type_pivot(
    table: pd.DataFrame,
    metric: str,
    titles: Mapping[str, str] | None = None,
    lang: str = "ja",
    type_households: Mapping[str, float] | None = None,
) -> Pivot:
    """One metric by household type: a row per type, a column per scenario; a note for each type
    whose households are too few for a 95% interval.

    Args:
        table: A comparison table (first scenario = reference).
        metric: The metric.
        titles: Scenario name → title.
        lang: Language.
        type_households: Household type → households of that type in the town (for the row labels and notes).
    """
    titles, type_households = titles or {}, type_households or {}
    scenarios = list(dict.fromkeys(table.scenario))
    rows, notes = [], []
    for htype in TYPE_KEYS:
        block = table[(table.household_type == htype) & (table.metric == metric)]
        households = type_households.get(htype)
        label = type_label(htype, lang)
        shown = tr("type_row", lang, type=label, households=round(households)) if households is not None else label
        rows.append((shown, "", _pivot_cells(block, metric, scenarios, lang)))
        runs = int(block["replications"].min()) if len(block) else 0
        if runs < 2:
            notes.append(tr("type_note", lang, type=label, households=round(households or 0), n=runs))
    return Pivot(tr("pivot_type", lang), _column_titles(scenarios, titles, lang), rows, notes)


def _column_titles(scenarios: list[str], titles: Mapping[str, str], lang: str) -> list[str]:
    return [
        tr("pivot_reference", lang, title=titles.get(s, s)) if i == 0 else titles.get(s, s)
        for i, s in enumerate(scenarios)
    ]


PIVOT_CSS = """
table.pivot { border-collapse: collapse; width: 100%; font-size: 0.85rem; line-height: 1.3; }
table.pivot th, table.pivot td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left;
  white-space: normal; overflow-wrap: anywhere; }
table.pivot thead th { background: #f1f3f4; font-weight: 600; }
table.pivot tbody th { background: #fafafa; font-weight: 500; min-width: 9em; }
table.pivot th[title] { text-decoration: underline dotted #888; cursor: help; }
table.pivot .value { font-weight: 600; white-space: nowrap; }
table.pivot .interval, table.pivot .level { font-size: 0.8em; color: #555; white-space: nowrap; }
table.pivot td.better { background: #e6f4ea; } table.pivot td.better .value { color: #1b5e20; }
table.pivot td.worse { background: #fce8e6; } table.pivot td.worse .value { color: #b71c1c; }
table.pivot td.reference { background: #f8f9fa; }
table.pivot .verdict { font-size: 0.75em; font-weight: 600; margin-left: 0.3em; }
p.pivot-legend { font-size: 0.8rem; color: #555; margin: 4px 0 8px; }
"""


def pivot_html(pivot: Pivot, lang: str = "ja", legend: bool = True) -> str:
    """The pivot as an HTML table (every text escaped: titles come from planners' files).

    Better and worse differences are coloured and also say so in words (for print in black and white).
    """
    e = html.escape
    head = "".join(f"<th scope='col'>{e(c)}</th>" for c in pivot.columns)
    body = []
    for label, help_text, cells in pivot.rows:
        title = f" title='{e(help_text, quote=True)}'" if help_text else ""
        tds = []
        for cell in cells:
            said = cell.verdict in ("better", "worse")
            mark = f"<span class='verdict'>{e(tr(cell.verdict, lang))}</span>" if said else ""
            parts = [f"<div class='value'>{e(cell.value)}{mark}</div>"]
            if cell.interval:
                parts.append(f"<div class='interval'>{e(cell.interval)}</div>")
            if cell.level:
                parts.append(f"<div class='level'>{e(cell.level)}</div>")
            tds.append(f"<td class='{cell.verdict}'>{''.join(parts)}</td>")
        body.append(f"<tr><th scope='row'{title}>{e(label)}</th>{''.join(tds)}</tr>")
    table = (
        f"<table class='pivot'><thead><tr><th scope='col'>{e(pivot.corner)}</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    notes = "".join(f"<p class='pivot-legend'>{e(n)}</p>" for n in pivot.notes)
    return table + (f"<p class='pivot-legend'>{e(tr('pivot_legend', lang))}</p>" if legend else "") + notes


def glossary_html(metrics: Sequence[str], lang: str = "ja") -> str:
    """The plain-language definitions of ``metrics`` as an HTML definition list."""
    e = html.escape
    items = "".join(f"<dt>{e(metric_label(m, lang))}</dt><dd>{e(metric_help(m, lang))}</dd>" for m in metrics)
    return f"<dl class='glossary'>{items}</dl><p class='pivot-legend'>{e(tr('glossary_note', lang))}</p>"


GLOSSARY_CSS = """
dl.glossary { margin: 4px 0; font-size: 0.85rem; line-height: 1.4; }
dl.glossary dt { font-weight: 600; margin-top: 6px; } dl.glossary dd { margin: 0 0 0 1em; color: #333; }
"""


# ---------------------------------------------------------------- the headline results in households


def run_counts(results: Sequence[RunResult], households: int) -> pd.DataFrame:
    """Each run's headline results as numbers of households of the town over the period.

    Rates become cases (× their base: the cases that needed more than time),
    shares of households become households of the town, household-weeks in the
    complex stage per 1,000 households become household-years of the whole town, and the median
    weeks to detection stays in weeks.

    Returns:
        Long table: scenario, replication, metric, value.
    """
    rows = []
    for run in results:
        town = run.summary[run.summary.household_type == "all"].set_index("metric")["value"]
        # Per-case rates count within their own base; shares of households count households of the town.
        counts = {
            "early_detection_rate": town.get("early_detection_rate", np.nan) * town.get("cases_beyond_time", np.nan),
            "unreached_share": town.get("unreached_share", np.nan) * households,
            "complex_share": town.get("complex_share", np.nan) * households,
            "open_problem_share": town.get("open_problem_share", np.nan) * households,
            "gave_up_share": town.get("gave_up_share", np.nan) * households,
            "complex_household_weeks_per_1000": town.get("complex_household_weeks_per_1000", np.nan)
            * households
            / 1000
            / WEEKS_PER_YEAR,
            "median_weeks_to_detection": town.get("median_weeks_to_detection", np.nan),
        }
        rows += [
            {"scenario": run.scenario, "replication": run.replication, "metric": m, "value": v}
            for m, v in counts.items()
        ]
    return pd.DataFrame(rows, columns=["scenario", "replication", "metric", "value"])


def household_findings(
    results: Sequence[RunResult],
    titles: Mapping[str, str] | None = None,
    households: int = 0,
    years: int = 10,
    lang: str = "ja",
    limit: int | None = None,
) -> list[str]:
    """The clear differences from the reference (95% interval excludes zero), in households of the town.

    ``limit`` caps the differences told per scenario (the rest are counted, for a page that must stay one page).

    Returns:
        One sentence per scenario but the reference, e.g. "…：10年間で、複雑化・複合化に至る世帯が約12世帯減る…".
    """
    titles = titles or {}
    counts = run_counts(results, households)
    scenarios = list(dict.fromkeys(r.scenario for r in results))
    out = []
    for s in scenarios[1:]:
        said = []
        for metric in HEADLINE_METRICS:
            wide = counts[counts.metric == metric].pivot(index="replication", columns="scenario", values="value")
            diff, low, high, _ = paired_difference(wide[s].to_numpy(), wide[scenarios[0]].to_numpy())
            if math.isnan(low) or low <= 0 <= high:
                continue
            said.append(_effect_sentence(metric, float(diff), float(low), float(high), lang))
        more = len(said) - limit if limit is not None and len(said) > limit else 0
        if more:
            said = [*said[:limit], tr("findings_more", lang, n=more)]
        text = (
            tr("findings_period", lang, years=years) + tr("findings_sep", lang).join(said)
            if said
            else tr("findings_none", lang)
        )
        out.append(tr("findings_line", lang, title=titles.get(s, s), said=text))
    return out


def _effect_sentence(metric: str, diff: float, low: float, high: float, lang: str) -> str:
    up = diff > 0
    words = ("longer", "shorter") if metric == "median_weeks_to_detection" else ("more", "fewer")
    change = tr(words[0] if up else words[1], lang)
    a, b = sorted((abs(low), abs(high)))
    return pick(EFFECT_SENTENCES[metric], lang).format(
        n=_about(abs(diff)), change=change, low=_about(a), high=_about(b)
    )


def _about(x: float) -> str:
    """A number of households or weeks as a person would say it: one decimal below 10, whole above."""
    return f"{x:.1f}" if round(x, 1) < 10 else f"{x:,.0f}"


def council_table(
    results: Sequence[RunResult], titles: Mapping[str, str] | None = None, lang: str = "ja"
) -> pd.DataFrame:
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
        fields = tr("list_sep", lang).join(tr("counted", lang, what=k, count=v) for k, v in counts.items())
        rows.append(
            {
                columns[0]: titles.get(s, s),
                columns[1]: round(len(log) / max(len(runs), 1), 2),
                columns[2]: fields or "—",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def table_html(frame: pd.DataFrame) -> str:
    """A small table as HTML that wraps its text (no index column; every text escaped)."""
    e = html.escape
    head = "".join(f"<th scope='col'>{e(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(_cell(v))}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    return f"<table class='pivot plain'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def council_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's council log with scenario and replication columns."""
    frames = [r.tagged("council") for r in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def weekly_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's weekly table with scenario and replication columns."""
    return pd.concat([r.tagged("weekly") for r in results], ignore_index=True)
