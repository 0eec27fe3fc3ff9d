"""Summary metrics follow their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.domain import STAGE_KEYS
from sim.mechanisms import CHANNEL_KEYS
from sim.metrics import case_metrics, eligible_cases, standardized
from sim.state import DESK_OUTCOME_KEYS, RESOLVED_BY_KEYS
from tests.conftest import run_model


def _ledger(rows):
    df = pd.DataFrame(
        rows,
        columns=[
            "onset_week",
            "first_detection_week",
            "first_detection_stage",
            "first_detection_channel",
            "worst_stage",
            "resolution_week",
            "bounces",
            "gave_up",
            "support_start_week",
        ],
    )
    df["prevalent_at_start"] = False
    df["household"] = np.arange(len(df))  # one case per household
    # Resolved with support when a professional took the case, else (if resolved) by itself.
    how = np.where(
        df["resolution_week"].isna(), "open", np.where(df["support_start_week"].notna(), "support", "natural")
    )
    df["resolved_by"] = pd.Categorical(how, categories=list(RESOLVED_BY_KEYS))
    for col in ("onset_week", "first_detection_week", "resolution_week", "support_start_week"):
        df[col] = pd.array(df[col], dtype="Int32")
    df["weeks_to_detection"] = df["first_detection_week"] - df["onset_week"]
    df["weeks_since_previous_case"] = pd.array([pd.NA] * len(df), dtype="Int32")
    df["weeks_waiting"] = pd.array([pd.NA] * len(df), dtype="Int32")
    df["intake_week"] = pd.array([pd.NA] * len(df), dtype="Int32")
    df["refusals"] = 0
    df["desk_outcome"] = pd.Categorical([None] * len(df), categories=list(DESK_OUTCOME_KEYS[1:]))
    df["first_detection_stage"] = pd.Categorical(df["first_detection_stage"], categories=list(STAGE_KEYS[1:]))
    df["first_detection_channel"] = pd.Categorical(df["first_detection_channel"], categories=list(CHANNEL_KEYS[1:]))
    df["worst_stage"] = pd.Categorical(df["worst_stage"], categories=list(STAGE_KEYS))
    return df


def test_early_detection_rate_counts_latent_detections_over_all_cases():
    ledger = _ledger(
        [
            (10, 12, "latent", "self", "latent", 30, 0, False, 12),
            (10, 40, "manifest", "neighbour", "complex", None, 1, True, None),
            (20, None, None, None, "manifest", None, 0, False, None),
            (30, 31, "latent", "venue", "latent", None, 0, False, 31),
        ]
    )
    m = case_metrics(ledger)
    assert m["early_detection_rate"] == pytest.approx(2 / 4)
    assert m["latent_share_of_detections"] == pytest.approx(2 / 3)
    assert m["unreached_share"] == pytest.approx(1 / 4)
    assert m["complex_share"] == pytest.approx(1 / 4)
    assert m["median_weeks_to_detection"] == pytest.approx(2.0)
    assert m["gave_up_share"] == pytest.approx(1 / 4)  # households that gave up ÷ households (one case each)
    assert m["resolution_rate"] == pytest.approx(1 / 4)
    assert m["channel_share_venue"] == pytest.approx(1 / 3)


def test_a_case_never_taken_off_the_list_counts_its_whole_wait():
    from sim.metrics import _weeks_on_the_list

    ledger = _ledger(
        [
            (10, 12, "latent", "self", "latent", 30, 0, False, 16),  # on the list 4 weeks, then supported
            (10, 12, "latent", "self", "manifest", 60, 0, False, None),  # never taken: closed in week 60
            (10, 12, "latent", "self", "manifest", None, 0, False, None),  # never taken, still waiting at 100
            (10, 12, "latent", "self", "latent", None, 0, False, None),  # advised only: not on any list
        ]
    )
    ledger["intake_week"] = pd.array([12, 12, 12, 12], dtype="Int32")
    ledger["desk_outcome"] = pd.Categorical(["plan", "plan", "plan", "advice"], categories=list(DESK_OUTCOME_KEYS[1:]))
    waited = _weeks_on_the_list(ledger, end_week=100)
    assert waited[:3].tolist() == [4.0, 48.0, 88.0] and np.isnan(waited[3])
    assert case_metrics(ledger)["mean_weeks_waiting"] == pytest.approx((4 + 48) / 2)  # no end given: open ones out


def test_relapse_counts_new_cases_within_a_year_of_the_previous_resolution():
    from sim.outputs import weeks_since_previous_case
    from sim.state import NOT_YET

    household = np.array([1, 2, 1, 1, 2])
    onset = np.array([5, 5, 40, 200, 300])
    resolution = np.array([20, 100, 60, NOT_YET, NOT_YET])
    gaps = weeks_since_previous_case(household, onset, resolution)
    assert gaps.tolist() == [NOT_YET, NOT_YET, 20, 140, 200]
    ledger = _ledger([(o, None, None, None, "latent", None, 0, False, None) for o in onset])
    ledger["weeks_since_previous_case"] = pd.array(np.where(gaps == NOT_YET, pd.NA, gaps), dtype="Int32")
    assert case_metrics(ledger)["relapse_share"] == pytest.approx(1 / 5)


def test_only_cases_with_26_weeks_of_follow_up_count():
    ledger = _ledger(
        [
            (100, None, None, None, "latent", None, 0, False, None),
            (75, None, None, None, "latent", None, 0, False, None),
        ]
    )
    assert len(eligible_cases(ledger, weeks=100)) == 0
    assert len(eligible_cases(ledger, weeks=101)) == 1


def test_summary_has_the_headline_metrics_by_type(small_town):
    model = run_model("baseline", small_town, seed=2, weeks=260)

    table = model.results().summary_table()
    assert set(table.household_type) == {
        "all",
        "ordinary",
        "8050",
        "double_care",
        "elderly_alone",
        "disabled_child_refusing",
        "hoarding_isolated",
    }
    for metric in (
        "early_detection_rate",
        "median_weeks_to_detection",
        "unreached_share",
        "complex_share",
        "complex_household_weeks_per_1000",
        "resolution_rate",
        "channel_share_commissioner",
    ):
        assert metric in set(table.metric)
    shares = [v for k, v in model.summary().items() if k.startswith("channel_share_")]
    assert sum(shares) == pytest.approx(1.0)
    assert 0 <= model.summary()["early_detection_rate"] <= 1
    assert not np.isnan(model.summary()["complex_household_weeks_per_1000"])


def test_standardized_rate_is_the_same_float_whatever_the_order_of_the_strata():
    """The golden baseline holds rates to the last bit on any machine: BLAS's np.dot sums in an
    order that depends on the CPU (it moved early_detection_rate by 1e-16 between two machines)."""
    rng = np.random.default_rng(7)
    n_strata, n_cases = 24, 5_000
    weights = rng.dirichlet(np.ones(n_strata))
    strata = rng.integers(0, n_strata, n_cases)
    flag, base = rng.random(n_cases) < 0.4, rng.random(n_cases) < 0.8
    reference = standardized(flag, base, strata, weights)
    for _ in range(20):
        relabel = rng.permutation(n_strata)  # stratum k becomes relabel[k]: the same rates, summed in another order
        moved = np.empty_like(weights)
        moved[relabel] = weights
        assert standardized(flag, base, relabel[strata], moved) == reference
