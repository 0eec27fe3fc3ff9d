"""The dashboard's tables: the headline metrics, a metric by household type, the council's resources,
and the clear differences in words.

Every function that shows text takes ``lang`` (``"ja"`` or ``"en"``); the words are in
:mod:`dashboards.i18n`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboards.i18n import metric_label, tr, type_label
from sim.compare import HEADLINE_METRICS
from sim.domain import TYPE_KEYS
from sim.runner import RunResult

SHARE_METRICS = frozenset(
    {"early_detection_rate", "unreached_share", "complex_share", "resolution_rate", "gave_up_share"}
)
TYPE_METRICS = (*HEADLINE_METRICS, "mean_weeks_waiting")


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


def by_type_table(
    table: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None, lang: str = "ja"
) -> pd.DataFrame:
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
        said = tr("findings_sep", lang).join(clear) if clear else tr("findings_none", lang)
        out.append(tr("findings_line", lang, title=titles.get(s, s), said=said))
    return out


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


def council_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's council log with scenario and replication columns."""
    frames = [r.tagged("council") for r in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def weekly_records(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every run's weekly table with scenario and replication columns."""
    return pd.concat([r.tagged("weekly") for r in results], ignore_index=True)
