"""Policy scenarios against baseline over 20 replications on the neighbourhood profile (slow)."""

from __future__ import annotations

import pytest

from sim.compare import compare_table
from sim.runner import prepare, run_many

REPLICATIONS = 20
SCENARIOS = ["baseline", "stronger_jichikai", "add_participation_venues", "one_stop_desk"]


@pytest.fixture(scope="module")
def comparison():
    scenarios, town = prepare(SCENARIOS, "neighbourhood")
    results = run_many(scenarios, town, years=10, replications=REPLICATIONS, seed=2026, jobs=2, progress=False)
    table = compare_table(results, SCENARIOS)
    return table[table.household_type == "all"].set_index(["scenario", "metric"])


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
