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
    "open_problem_share",
    "gave_up_share",
)
# Which way is better for each headline metric (+1: higher is better).
BETTER: dict[str, int] = {
    "early_detection_rate": 1,
    "median_weeks_to_detection": -1,
    "unreached_share": -1,
    "complex_share": -1,
    "complex_household_weeks_per_1000": -1,
    "open_problem_share": -1,
    "gave_up_share": -1,
}


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
    # Every (household_type, metric) has a row for every unit: one block of rows per pair, as (pairs, units, scenarios).
    groups = wide.index.droplevel(list(unit)).unique()
    values = wide.to_numpy(dtype=float).reshape(len(groups), -1, len(scenarios))
    mean, lo, hi, n = _intervals(values)
    diff, dlo, dhi, _ = _intervals(values - values[:, :, :1])
    out = pd.DataFrame(
        {
            "scenario": np.tile(scenarios, len(groups)),
            "household_type": np.repeat(groups.get_level_values(0), len(scenarios)),
            "metric": np.repeat(groups.get_level_values(1), len(scenarios)),
            "mean": mean.ravel(),
            "ci_low": lo.ravel(),
            "ci_high": hi.ravel(),
            "diff": diff.ravel(),
            "diff_ci_low": dlo.ravel(),
            "diff_ci_high": dhi.ravel(),
            "replications": n.ravel(),
        }
    )
    order = {s: i for i, s in enumerate(scenarios)}
    return out.sort_values(
        ["household_type", "metric", "scenario"],
        key=lambda c: c.map(order) if c.name == "scenario" else c,
        kind="stable",
    ).reset_index(drop=True)


def _intervals(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Means and 95% t-intervals along axis 1 of ``values`` (blocks × runs × scenarios), and the counts.

    NaNs are left out; a mean of one value has no interval, and of none is NaN.
    """
    n = np.count_nonzero(~np.isnan(values), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=1) / n
        sd = np.sqrt(np.nansum((values - mean[:, None, :]) ** 2, axis=1) / (n - 1))
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half, n


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
