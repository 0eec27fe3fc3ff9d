"""One 95% interval rule (sim/intervals.py), checked against scipy, and used alike by the CLI's
comparison, the HTML report and the dashboard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.intervals import band, mean_interval, paired_difference, series_band


def _scipy_interval(values: np.ndarray) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    return values.mean(), low, high


def test_mean_interval_is_scipys_t_interval_leaving_out_missing_values():
    rng = np.random.default_rng(1)
    values = rng.normal(3.0, 2.0, size=(7, 5))
    values[2, 1] = values[5, 1] = values[0, 4] = np.nan
    mean, low, high, n = mean_interval(values, axis=0)
    for j in range(values.shape[1]):
        expected = _scipy_interval(values[:, j])
        assert (mean[j], low[j], high[j]) == pytest.approx(expected, rel=1e-12)
    assert list(n) == [7, 5, 7, 7, 6]


def test_one_value_has_no_interval_and_none_has_no_mean():
    mean, low, high, n = mean_interval(np.array([[4.0, np.nan], [np.nan, np.nan]]), axis=0)
    assert mean[0] == 4.0 and np.isnan(low[0]) and np.isnan(high[0]) and n[0] == 1
    assert np.isnan(mean[1]) and n[1] == 0


def test_paired_difference_is_the_t_interval_of_run_by_run_differences():
    rng = np.random.default_rng(2)
    reference = rng.normal(10.0, 3.0, size=8)
    policy = reference + rng.normal(-1.0, 0.5, size=8)  # common random numbers: the runs move together
    diff, low, high, n = paired_difference(policy, reference)
    assert (diff, low, high) == pytest.approx(_scipy_interval(policy - reference), rel=1e-12)
    assert n == 8
    # paired, the interval is much narrower than the difference of two unpaired means would have
    unpaired = mean_interval(policy)
    assert high - low < (unpaired.high - unpaired.low) / 2


def test_a_band_over_one_replication_has_no_width():
    values = np.array([[1.0, 2.0, 3.0]])
    mean, low, high = band(values, axis=0)
    assert list(mean) == list(low) == list(high) == [1.0, 2.0, 3.0]


def test_series_band_averages_each_week_over_replications():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"week": np.tile(np.arange(4), 3), "replication": np.repeat(np.arange(3), 4), "x": rng.normal(size=12)}
    )
    out = series_band(frame, "x")
    assert list(out["week"]) == [0, 1, 2, 3]
    for week in range(4):
        expected = _scipy_interval(frame.loc[frame.week == week, "x"].to_numpy())
        row = out.iloc[week]
        assert (row["mean"], row["low"], row["high"]) == pytest.approx(expected, rel=1e-12)


def test_cli_report_and_dashboard_give_the_same_interval_for_the_same_runs():
    """The three places that show intervals go through sim.intervals, so they agree on the same numbers."""
    from dashboards.figures import weekly_bands
    from sim.compare import compare_summaries
    from sim.report import time_series
    from sim.runner import RunResult

    rng = np.random.default_rng(4)
    weeks = np.arange(3)
    runs, rows = [], []
    for r in range(4):
        series = rng.integers(10, 50, size=3).astype(float)
        weekly = pd.DataFrame({"week": weeks, "true_complex": series})
        for c in ("true_latent", "true_manifest", "known_latent", "known_manifest", "known_complex", "waiting_list"):
            weekly[c] = 1.0
        runs.append(RunResult("baseline", "t", r, r, weekly, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
        rows.append(
            {"household_type": "all", "metric": "m", "replication": r, "scenario": "baseline", "value": series[2]}
        )
    cli = compare_summaries(pd.DataFrame(rows), ["baseline"]).iloc[0]
    dashboard = weekly_bands(runs, "true_complex").iloc[2]
    weekly = pd.concat([run.tagged("weekly") for run in runs]).assign(point=0)
    report = time_series(weekly, ["baseline"])
    line = next(t for t in report.data if t.name == "baseline")  # first panel: true_complex
    fill = report.data[0]
    assert dashboard["mean"] == pytest.approx(cli["mean"]) == pytest.approx(line.y[2])
    assert dashboard["low"] == pytest.approx(cli["ci_low"]) == pytest.approx(fill.y[-3])
    assert dashboard["high"] == pytest.approx(cli["ci_high"]) == pytest.approx(fill.y[2])
