"""Metrics that do not reward neglect: switching a community function off never looks like an improvement.

20 replications on common random numbers (neighbourhood, 10 years): for every headline metric, the
95% interval of the paired difference from baseline must not lie wholly on the better side.
"""

from __future__ import annotations

import pytest

from sim.compare import BETTER, HEADLINE_METRICS, compare_table
from sim.config import load_town, scenario_from_dict
from sim.runner import run_many

META = {"title_ja": "テスト", "title_en": "Test", "description_ja": "テスト用", "description_en": "For tests"}
WITHOUT = {
    "no_mutual_aid": {"mutual_aid": {"enabled": False}},
    "no_watching": {"watching": {"enabled": False}},
}


@pytest.fixture(scope="module")
def comparison():
    scenarios = [scenario_from_dict({"scenario": META}, "baseline", "test")]
    scenarios += [scenario_from_dict({"scenario": META, "mechanisms": m}, name, "test") for name, m in WITHOUT.items()]
    runs = run_many(scenarios, load_town("neighbourhood"), years=10, replications=20, seed=11, progress=False)
    table = compare_table(runs, [s.name for s in scenarios])
    return table[table["household_type"] == "all"].set_index(["scenario", "metric"])


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(WITHOUT))
def test_removing_a_community_function_improves_no_headline_metric(comparison, scenario):
    for metric in HEADLINE_METRICS:
        row = comparison.loc[(scenario, metric)]
        better = BETTER[metric]
        clearly_better = row["diff_ci_low"] > 0 if better > 0 else row["diff_ci_high"] < 0
        assert not clearly_better, (
            f"{scenario} improves {metric}: {row['diff']:+.4f} [{row['diff_ci_low']:+.4f}, {row['diff_ci_high']:+.4f}]"
        )


@pytest.mark.slow
def test_removing_mutual_aid_leaves_fewer_cases_resolved_in_the_community_and_fewer_caught_early(comparison):
    assert comparison.loc[("no_mutual_aid", "community_resolved_share"), "diff_ci_high"] < 0
    assert comparison.loc[("no_mutual_aid", "early_detection_rate"), "diff_ci_high"] < 0


@pytest.mark.slow
def test_removing_watching_leaves_more_households_with_complex_problems(comparison):
    assert comparison.loc[("no_watching", "complex_share"), "diff_ci_low"] > 0
    assert comparison.loc[("no_watching", "complex_household_weeks_per_1000"), "diff_ci_low"] > 0
