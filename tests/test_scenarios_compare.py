"""Policy scenarios against a reference over 20 replications on the neighbourhood profile (slow).

The experiments are files, so anyone can rerun them:
``community-sim experiment experiments/community_functions.toml`` and
``community-sim experiment experiments/jusoteki_vs_siloed.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.execute import run_experiment
from sim.experiment import load_experiment

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def _town_wide_comparison(file: str):
    experiment = load_experiment(EXPERIMENTS / file)
    assert experiment.settings["replications"] == 20 and experiment.town.name == "neighbourhood"
    table = run_experiment(experiment)["comparison"]
    return table[table.household_type == "all"].set_index(["scenario", "metric"])


@pytest.fixture(scope="module")
def comparison():
    return _town_wide_comparison("community_functions.toml")


def _diff(table, scenario, metric):
    row = table.loc[(scenario, metric)]
    return row["diff"], row["diff_ci_low"], row["diff_ci_high"]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["stronger_jichikai", "add_participation_venues"])
def test_community_scenarios_raise_early_detection_rate(comparison, scenario):
    diff, low, high = _diff(comparison, scenario, "early_detection_rate")
    assert diff > 0 and low > 0, f"{scenario}: diff {diff:+.4f} [{low:+.4f}, {high:+.4f}]"


@pytest.mark.slow
def test_one_stop_desk_lowers_share_giving_up_after_a_bounce(comparison):
    diff, low, high = _diff(comparison, "one_stop_desk", "gave_up_share")
    assert diff < 0 and high < 0, f"diff {diff:+.4f} [{low:+.4f}, {high:+.4f}]"
    assert comparison.loc[("one_stop_desk", "gave_up_share"), "mean"] == 0.0
    assert comparison.loc[("baseline", "gave_up_share"), "mean"] > 0.0


@pytest.fixture(scope="module")
def jusoteki_comparison():
    return _town_wide_comparison("jusoteki_vs_siloed.toml")


@pytest.mark.slow
def test_jusoteki_full_finds_cases_earlier_than_siloed(jusoteki_comparison):
    diff, low, high = _diff(jusoteki_comparison, "jusoteki_full", "early_detection_rate")
    assert diff > 0 and low > 0, f"diff {diff:+.4f} [{low:+.4f}, {high:+.4f}]"


@pytest.mark.slow
def test_jusoteki_full_lets_fewer_cases_become_complex_than_siloed(jusoteki_comparison):
    diff, low, high = _diff(jusoteki_comparison, "jusoteki_full", "complex_share")
    assert diff < 0 and high < 0, f"diff {diff:+.4f} [{low:+.4f}, {high:+.4f}]"


def test_comparison_gives_each_pair_its_t_interval_and_paired_difference_with_missing_runs():
    import numpy as np
    import pandas as pd
    from scipy import stats

    from sim.compare import compare_summaries

    rng = np.random.default_rng(5)
    rows = []
    for metric in ("early_detection_rate", "cases"):
        for replication in range(6):
            for scenario in ("baseline", "policy"):
                value = np.nan if (metric, replication, scenario) == ("cases", 2, "policy") else rng.normal()
                rows.append(
                    {
                        "household_type": "all",
                        "metric": metric,
                        "replication": replication,
                        "scenario": scenario,
                        "value": value,
                    }
                )
    table = pd.DataFrame(rows)
    out = compare_summaries(table, ["baseline", "policy"]).set_index(["metric", "scenario"])
    for metric in ("early_detection_rate", "cases"):
        wide = table[table.metric == metric].pivot(index="replication", columns="scenario", values="value")
        diff = (wide["policy"] - wide["baseline"]).dropna().to_numpy()
        policy = wide["policy"].dropna().to_numpy()
        for name, values in (("mean", policy), ("diff", diff)):
            half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
            row = out.loc[(metric, "policy")]
            low = "ci_low" if name == "mean" else "diff_ci_low"
            assert row[name] == pytest.approx(values.mean(), abs=1e-12)
            assert row[low] == pytest.approx(values.mean() - half, abs=1e-12)
        assert out.loc[(metric, "policy"), "replications"] == len(policy)
        assert out.loc[(metric, "baseline"), "diff"] == 0.0


def test_means_and_differences_are_over_the_same_runs_so_they_agree():
    """A run without a value in one scenario (no case of a type) is left out of every scenario's mean."""
    import numpy as np
    import pandas as pd

    from sim.compare import compare_summaries

    values = {  # replication → (reference, policy); the reference has no value in replication 1
        0: (0.30, 0.28),
        1: (np.nan, 0.90),
        2: (0.40, 0.37),
        3: (0.35, 0.30),
    }
    rows = [
        {"household_type": "hoarding_isolated", "metric": "complex_share", "replication": r, "scenario": s, "value": v}
        for r, pair in values.items()
        for s, v in zip(("baseline", "policy"), pair, strict=True)
    ]
    out = compare_summaries(pd.DataFrame(rows), ["baseline", "policy"]).set_index("scenario")
    assert out.loc["policy", "mean"] - out.loc["baseline", "mean"] == pytest.approx(out.loc["policy", "diff"])
    assert out.loc["policy", "mean"] == pytest.approx((0.28 + 0.37 + 0.30) / 3)
    assert list(out["replications"]) == [3, 3]
