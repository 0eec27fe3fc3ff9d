"""Analysis of an experiment's results: scenario comparisons and global sensitivity (SALib).

Both read the tidy tables an experiment writes, so they can be re-run on a results directory
without running anything again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.compare import HEADLINE_METRICS, compare_summaries


def comparison(summaries: pd.DataFrame, scenarios: list[str], points: int) -> pd.DataFrame:
    """Scenario comparison at each point of the design, paired by replication.

    With more than one point, rows with ``point`` = "all" also compare the scenarios over the whole
    design, pairing runs by (point, replication).
    """
    if summaries.empty:
        return pd.DataFrame()
    ok = summaries[summaries["scenario"].isin(scenarios)]
    frames = []
    for point, block in ok.groupby("point", sort=True):
        frames.append(compare_summaries(block, scenarios).assign(point=str(point)))
    if points > 1:
        frames.append(compare_summaries(ok, scenarios, unit=("point", "replication")).assign(point="all"))
    out = pd.concat(frames, ignore_index=True)
    return out[["point", *[c for c in out.columns if c != "point"]]]


def sensitivity(
    runs: pd.DataFrame,
    points: pd.DataFrame,
    sweep: dict[str, Any] | None,
    metrics: tuple[str, ...] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (μ*, σ) indices of each metric to each swept parameter, per scenario.

    Each point's output is the mean over its replications (the design's runs share seeds, so
    the noise is common to all points). A metric with a missing value at some point (a failed run,
    or no case to measure) gets no indices: SALib needs every point of the design.
    Returns a long table: scenario, metric, parameter, method, index, value.
    """
    if sweep is None or sweep["method"] not in ("sobol", "morris") or runs.empty:
        return pd.DataFrame(columns=["scenario", "metric", "parameter", "method", "index", "value"])
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    names = list(sweep["parameters"])
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[sweep["parameters"][n]["low"], sweep["parameters"][n]["high"]] for n in names],
    }
    x = points.sort_values("point")[names].to_numpy(dtype=float)
    ok = runs[runs["status"] == "ok"]
    rows = []
    for scenario, block in ok.groupby("scenario", sort=False):
        means = block.groupby("point")[[m for m in metrics if m in block.columns]].mean()
        means = means.reindex(points["point"].sort_values())
        for metric in means.columns:
            y = means[metric].to_numpy(dtype=float)
            if np.isnan(y).any() or np.ptp(y) == 0:
                continue
            if sweep["method"] == "sobol":
                result = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=0)
                indices = ("S1", "S1_conf", "ST", "ST_conf")
            else:
                result = morris_analyze.analyze(problem, x, y, num_levels=sweep["levels"], seed=0)
                indices = ("mu", "mu_star", "sigma", "mu_star_conf")
            for i, name in enumerate(names):
                for index in indices:
                    rows.append(
                        {
                            "scenario": scenario,
                            "metric": metric,
                            "parameter": name,
                            "method": sweep["method"],
                            "index": index,
                            "value": float(np.asarray(result[index])[i]),
                        }
                    )
    return pd.DataFrame(rows, columns=["scenario", "metric", "parameter", "method", "index", "value"])
