"""Comparing scenarios: means with 95% intervals, and paired differences from the first scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.runner import RunResult

HEADLINE_METRICS = (
    "early_detection_rate",
    "median_weeks_to_detection",
    "unreached_share",
    "complex_share",
    "complex_household_weeks_per_1000",
    "resolution_rate",
    "gave_up_share",
)


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of ``values`` (NaNs dropped; no interval from fewer than 2 values)."""
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return mean, mean - half, mean + half


def summaries(results: list[RunResult]) -> pd.DataFrame:
    """All runs' summary tables in one long table."""
    return pd.concat([r.tagged("summary") for r in results], ignore_index=True)


def compare_table(results: list[RunResult], scenarios: list[str]) -> pd.DataFrame:
    """One row per (scenario, household_type, metric): mean and 95% CI, and the paired difference
    from the first scenario (same seeds, so the difference is taken replication by replication)."""
    return compare_summaries(summaries(results), scenarios)


def compare_summaries(
    table: pd.DataFrame, scenarios: list[str], unit: tuple[str, ...] = ("replication",)
) -> pd.DataFrame:
    """:func:`compare_table` on a long summaries table; ``unit`` names the columns that pair runs
    (runs with equal ``unit`` values met the same luck: same seed, same parameter point)."""
    wide = table.pivot_table(
        index=["household_type", "metric", *unit], columns="scenario", values="value", dropna=False
    ).reindex(columns=scenarios)
    base = scenarios[0]
    rows = []
    for (htype, metric), block in wide.groupby(level=["household_type", "metric"], sort=False):
        for s in scenarios:
            mean, lo, hi = _interval(block[s].to_numpy(dtype=float))
            diff, dlo, dhi = _interval((block[s] - block[base]).to_numpy(dtype=float))
            rows.append(
                {
                    "scenario": s,
                    "household_type": htype,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "diff": diff,
                    "diff_ci_low": dlo,
                    "diff_ci_high": dhi,
                    "replications": int(block[s].notna().sum()),
                }
            )
    out = pd.DataFrame(rows)
    order = {s: i for i, s in enumerate(scenarios)}
    return out.sort_values(
        ["household_type", "metric", "scenario"],
        key=lambda c: c.map(order) if c.name == "scenario" else c,
        kind="stable",
    ).reset_index(drop=True)


def format_comparison(table: pd.DataFrame, metrics: tuple[str, ...] = HEADLINE_METRICS) -> str:
    """A plain-text table of the town-wide headline metrics."""
    lines = []
    town = table[table.household_type == "all"]
    width = max(len(s) for s in town.scenario)
    for metric in metrics:
        block = town[town.metric == metric]
        lines.append(metric)
        for row in block.itertuples():
            diff = (
                ""
                if row.scenario == block.scenario.iloc[0]
                else (f"   diff {row.diff:+10.4f} [{row.diff_ci_low:+.4f}, {row.diff_ci_high:+.4f}]")
            )
            lines.append(f"  {row.scenario:<{width}}  {row.mean:10.4f} [{row.ci_low:.4f}, {row.ci_high:.4f}]{diff}")
    return "\n".join(lines)
