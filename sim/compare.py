"""Comparing scenarios: means with 95% intervals, and paired differences from the first scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import display
from sim.config import Scenario, TownProfile, effective_profile, mechanism_params
from sim.intervals import mean_interval, paired_difference
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
    (runs with equal ``unit`` values met the same luck: same seed, same parameter point).

    Each (household type, metric) is averaged over the runs in which every scenario has a value,
    so that each scenario's mean minus the reference's is its mean paired difference;
    ``replications`` counts those runs (fewer than two: no interval).
    """
    wide = table.pivot_table(
        index=["household_type", "metric", *unit], columns="scenario", values="value", dropna=False
    ).reindex(columns=scenarios)
    # Every (household_type, metric) has a row for every unit: one block of rows per pair, as (pairs, units, scenarios).
    groups = wide.index.droplevel(list(unit)).unique()
    values = wide.to_numpy(dtype=float).reshape(len(groups), -1, len(scenarios))
    # Means and differences over the same runs: a run where any scenario has no value (no case of a
    # household type, say) is left out of every scenario's mean, so that mean − reference mean = diff.
    values = np.where(np.isnan(values).any(axis=2, keepdims=True), np.nan, values)
    mean, lo, hi, n = mean_interval(values, axis=1)
    diff, dlo, dhi, _ = paired_difference(values, values[:, :, :1], axis=1)
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


def format_comparison(table: pd.DataFrame, metrics: tuple[str, ...] = HEADLINE_METRICS) -> str:
    """A plain-text table of the town-wide headline metrics, in their units (see :mod:`sim.display`)."""
    lines = []
    town = table[table.household_type == "all"]
    width = max(len(s) for s in town.scenario)
    for metric in metrics:
        block = town[town.metric == metric]
        lines.append(metric)
        rows = block.to_dict("records")
        means = [display.interval(metric, r["mean"], r["ci_low"], r["ci_high"]) for r in rows]
        column = max(map(len, means), default=0)
        for i, (row, mean) in enumerate(zip(rows, means, strict=True)):
            diff = display.interval(metric, row["diff"], row["diff_ci_low"], row["diff_ci_high"], diff=True)
            lines.append(f"  {row['scenario']:<{width}}  {mean:<{column}}" + (f"   diff {diff}" if i else ""))
    return "\n".join(lines)


_INTERVALS_PAIRED = (
    "95% CI: where the model's mean lies, with 95% confidence, given the replications run (t-interval); more\n"
    "replications narrow it. Differences are paired (replication r of every scenario uses the same seed), so a\n"
    "difference whose interval excludes 0 is a clear effect under the model's assumptions."
)
INTERVALS_EXPLAINED = (
    _INTERVALS_PAIRED + " The intervals cover\n"
    "the model's chance only, not the uncertainty of its assumed effect sizes (docs/parameters.md)."
)
INTERVALS_EXPLAINED_OVER_SETS = (
    "95% CI: where the model's mean lies, with 95% confidence, given the replications run (t-interval). Each\n"
    "replication drew one of the {n} accepted parameter sets and ran every scenario with it on the same seed, so\n"
    "differences stay paired and the intervals hold the uncertainty of the fitted parameters as well as chance;\n"
    "more replications narrow them (docs/calibration.md, Parameter uncertainty in comparisons)."
)
INTERVALS_EXPLAINED_BEST_FIT = (
    _INTERVALS_PAIRED + " Every run used the\n"
    "calibration's best fit: the intervals cover the model's chance only, not the uncertainty of the fit."
)


def intervals_explained(parameters=None) -> str:
    """What the printed intervals mean: chance only, or chance and the parameters' uncertainty
    (``parameters``: the :class:`~sim.parameter_sets.ParameterSets` the comparison ran over, if any)."""
    if parameters is None:
        return INTERVALS_EXPLAINED
    if parameters.kind == "ensemble" and parameters.n > 1:
        return INTERVALS_EXPLAINED_OVER_SETS.format(n=parameters.n)
    return INTERVALS_EXPLAINED_BEST_FIT


def same_settings_as_reference(scenarios: list[Scenario], town: TownProfile) -> list[str]:
    """The scenarios after the first whose town and mechanism settings equal the first's: with the same
    seeds their results equal the reference's run for run (e.g. ``siloed`` and ``baseline``, since the
    bundled baseline is already 縦割り)."""
    reference, *others = scenarios
    settings = (mechanism_params(reference), effective_profile(reference, town))
    return [s.name for s in others if (mechanism_params(s), effective_profile(s, town)) == settings]


def same_settings_note(names: list[str], reference: str) -> str:
    """The line that explains a scenario whose results are the reference's."""
    which = ", ".join(names)
    verb = "sets" if len(names) == 1 else "set"
    return (
        f"note: {which} {verb} nothing that {reference} does not already have (same town, same settings of every\n"
        f"mechanism), so with the same seeds the results are {reference}'s, run for run, and every difference is 0."
    )
