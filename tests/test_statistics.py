"""The named statistics (sim/statistics.py): each computes what its definition says, from a run's
own tables, and a researcher gets the same number from the experiment's Parquet files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.execute import run_experiment
from sim.experiment import Experiment, experiment_size
from sim.model import CommunityModel
from sim.runner import prepare
from sim.statistics import STATISTICS, RunTables, StatisticUnavailable, check_filters, compute, statistics_markdown
from tests.conftest import write_town

ROOT = Path(__file__).resolve().parents[1]


def _facts(weeks: int = 52, residents: int = 100_000, filled: int = 10) -> pd.DataFrame:
    facts = {"households": 40_000, "residents": residents, "weeks": weeks, "commissioner_posts": 12}
    facts["commissioner_posts_filled"] = filled
    return pd.DataFrame({"fact": list(facts), "value": [float(v) for v in facts.values()]})


def _ledger(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "household": np.arange(n),
        "household_type": ["ordinary"] * n,
        "primary_domain": ["care"] * n,
        "onset_week": [1] * n,
        "resolution_week": [pd.NA] * n,
        "first_detection_week": [pd.NA] * n,
        "first_detection_channel": [None] * n,
        "intake_week": [pd.NA] * n,
        "desk": [None] * n,
        "desk_outcome": [None] * n,
        "known_by": [""] * n,
    }
    base.update(columns)
    frame = pd.DataFrame(base)
    for col in ("onset_week", "resolution_week", "first_detection_week", "intake_week"):
        frame[col] = frame[col].astype("Int32")
    return frame


def test_resident_share_counts_the_age_band_and_a_condition_within_it():
    people = pd.DataFrame(
        {
            "household": [0, 0, 1, 2, 3],
            "household_type": ["ordinary"] * 5,
            "family_type": ["single"] * 5,
            "age": [70, 20, 30, 80, 25],
            "withdrawal": [False, True, False, False, False],
        }
    )
    tables = RunTables({"population": people})
    assert compute("resident_share", tables, {"age_band": [65, 120]}) == pytest.approx(2 / 5)
    # Withdrawal among the 15–39: one of three.
    assert compute("resident_share", tables, {"age_band": [15, 39], "condition": "withdrawal"}) == pytest.approx(1 / 3)


def test_desk_consultations_count_intakes_within_the_run_per_100k_per_month():
    ledger = _ledger(
        intake_week=[0, 1, 10, 52, 53, 20], desk=["konkyu", "konkyu", "konkyu", "konkyu", "konkyu", "houkatsu"]
    )
    tables = RunTables({"ledgers": ledger, "facts": _facts(weeks=52, residents=100_000)})
    # Weeks 1–52 hold three konkyu intakes (week 0 is the warm-up's, week 53 after the run) in 12 months.
    value = compute("desk_consultations_per_100k_per_month", tables, {"desk": ["konkyu"]})
    assert value == pytest.approx(3 / 12)


def test_first_found_share_is_among_cases_first_found_during_the_run():
    ledger = _ledger(
        first_detection_week=[5, 6, 7, -3, pd.NA],
        first_detection_channel=["commissioner", "self", "self", "commissioner", None],
    )
    tables = RunTables({"ledgers": ledger, "facts": _facts()})
    assert compute("first_found_share", tables, {"channels": ["commissioner"]}) == pytest.approx(1 / 3)


def test_first_found_share_among_some_channels_has_only_those_in_its_denominator():
    ledger = _ledger(
        first_detection_week=[5, 6, 7, 8],
        first_detection_channel=["family", "self", "commissioner", "neighbour"],
    )
    tables = RunTables({"ledgers": ledger, "facts": _facts()})
    among = {"channels": ["family"], "among": ["self", "family"]}
    assert compute("first_found_share", tables, among) == pytest.approx(1 / 2)
    assert compute("first_found_share", tables, {"channels": ["family"]}) == pytest.approx(1 / 4)


def test_condition_known_share_with_a_domain_counts_only_cases_presenting_with_it():
    people = pd.DataFrame({"household": [0, 1], "age": [30, 40], "withdrawal": [True, True]})
    ledger = _ledger(household=[0, 1], known_by=["commissioner", "commissioner"], primary_domain=["care", "withdrawal"])
    tables = RunTables({"population": people, "ledgers": ledger, "facts": _facts()})
    filters = {"condition": "withdrawal", "channels": ["commissioner"]}
    assert compute("condition_known_share", tables, filters) == 1.0
    assert compute("condition_known_share", tables, {**filters, "domain": ["withdrawal"]}) == 0.5


def test_desk_outcome_share_reads_the_triage_outcome_of_intakes_at_the_desk_kind():
    ledger = _ledger(
        intake_week=[3, 4, 5, 6, 7],
        desk=["konkyu", "konkyu", "konkyu", "konkyu", "houkatsu"],
        desk_outcome=["plan", "advice", "advice", "service", "plan"],
    )
    tables = RunTables({"ledgers": ledger, "facts": _facts()})
    assert compute("desk_outcome_share", tables, {"desk": ["konkyu"], "outcome": ["plan"]}) == pytest.approx(1 / 4)


def test_known_by_both_share_is_among_cases_known_by_either_set():
    ledger = _ledger(known_by=["self;commissioner", "self", "commissioner", "", "neighbour"])
    tables = RunTables({"ledgers": ledger, "facts": _facts()})
    value = compute("known_by_both_share", tables, {"channels_a": ["self"], "channels_b": ["commissioner"]})
    assert value == pytest.approx(1 / 3)


def test_condition_known_share_asks_which_holders_households_any_channel_knew():
    people = pd.DataFrame({"household": [0, 1, 2, 3], "age": [20, 30, 50, 25], "withdrawal": [True, True, True, False]})
    ledger = _ledger(household=[0, 2, 3], known_by=["self", "neighbour", "self"])
    tables = RunTables({"population": people, "ledgers": ledger, "facts": _facts()})
    # Holders aged 15–39 live in households 0 and 1; only household 0's case was known.
    assert compute("condition_known_share", tables, {"condition": "withdrawal", "age_band": [15, 39]}) == 0.5
    ever_consulted = compute("condition_known_share", tables, {"condition": "withdrawal", "channels": ["self"]})
    assert ever_consulted == pytest.approx(1 / 3)


def test_years_without_a_new_team_count_whole_years_only():
    weekly = pd.DataFrame({"week": np.arange(0, 131), "teams_formed": 0})
    weekly.loc[weekly["week"] == 60, "teams_formed"] = 1  # year 2 has a team; year 1 none; weeks 105–130 ignored
    assert compute("years_without_new_team", RunTables({"weekly": weekly}), {}) == 0.5


def test_a_statistic_names_the_table_it_lacks():
    with pytest.raises(StatisticUnavailable, match="'channels'"):
        compute("channel_finds_per_100k_per_year", RunTables({"facts": _facts()}), {"channels": ["self"]})


def test_filters_are_checked_against_the_vocabulary():
    assert check_filters("first_found_share", {"channels": "self"}) == {"channels": ["self"]}
    assert "unknown 'police'" in check_filters("first_found_share", {"channels": ["police"]})
    assert "needs the filter 'channels'" in check_filters("first_found_share", {})
    assert "unknown filter 'colour'" in check_filters("mean_household_size", {"colour": "red"})
    assert "allowed: [low, high]" in check_filters("resident_share", {"age_band": [40, 20]})
    assert "unknown statistic" in check_filters("happiness", {})


def test_every_statistic_runs_on_a_real_run():
    model = CommunityModel("baseline", "neighbourhood", seed=3, warmup_weeks=52).run(104)
    tables = RunTables.of_view(model.results(0))
    needs = {
        "resident_share": {"age_band": [65, 120]},
        "first_found_share": {"channels": ["self"]},
        "known_by_share": {"channels": ["commissioner"]},
        "known_by_both_share": {"channels_a": ["self"], "channels_b": ["commissioner"]},
        "channel_finds_per_100k_per_year": {"channels": ["neighbour"]},
        "desk_outcome_share": {"outcome": ["plan"]},
        "condition_known_share": {"condition": "withdrawal"},
        "headline": {"metric": "early_detection_rate"},
    }
    for name in STATISTICS:
        value = compute(name, tables, needs.get(name, {}))
        assert math.isfinite(value), name


def test_a_researcher_recomputes_each_statistic_from_the_parquet_files(tmp_path: Path):
    """Statistics from an experiment's Parquet tables equal those from the runs' own views."""
    (scenario,), town = prepare(["baseline"], write_town(tmp_path, households=600))
    settings = {"title": "t", "description": "", "town": town.name, "years": 1.0, "warmup_years": 1.0}
    settings |= {"replications": 2, "seed": 9, "workers": 1, "batch": 25}
    tables = ("weekly", "ledgers", "channels", "population", "facts")
    experiment = Experiment("stats", "stats.toml", "", settings, [scenario], town, tables)
    experiment.size = experiment_size(settings, 1, town, tables, None)
    run_experiment(experiment, tmp_path / "out")
    from_files = {name: pd.read_parquet(tmp_path / "out" / f"{name}.parquet") for name in (*tables, "summaries")}
    per_replication = RunTables.of_replications(from_files)
    assert sorted(per_replication) == [0, 1]
    model = CommunityModel(scenario, town, seed=experiment.seeds[1], warmup_weeks=52, start_from=scenario).run(52)
    direct = RunTables.of_view(model.results(0))
    for name, filters in (
        ("resident_share", {"age_band": [0, 14]}),
        ("household_share", {"member_age_band": [65, 120]}),
        ("cases_found_per_100k_per_year", {}),
        ("first_found_share", {"channels": ["self", "family"]}),
        ("known_by_share", {"channels": ["commissioner"]}),
        ("channel_finds_per_100k_per_year", {"channels": ["neighbour"]}),
        ("desk_outcome_share", {"outcome": ["advice"]}),
        ("commissioner_consultations_per_post_per_year", {}),
        ("headline", {"metric": "complex_share"}),
    ):
        assert compute(name, per_replication[1], filters) == pytest.approx(compute(name, direct, filters)), name


def test_docs_list_every_statistic():
    assert statistics_markdown() in (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
