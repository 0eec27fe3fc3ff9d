"""Consent (支援拒否): refusal by type, a respected cooling-off, and trust built by contact."""

from __future__ import annotations

import numpy as np
import pytest

from sim.domain import ServiceStatus, Stage
from sim.model import CommunityModel
from tests.conftest import run_model, write_scenario, write_town

WEEKS = 520


@pytest.fixture(scope="module")
def consent_run():
    return run_model("baseline", "neighbourhood", seed=5, weeks=WEEKS)


def _refusal_share(model, household_type):
    table = model.results().summary_table()
    row = table[(table.household_type == household_type) & (table.metric == "refusal_share")]
    return float(row["value"].iloc[0])


def test_refusing_parents_refuse_far_more_than_ordinary_households(tmp_path):
    # At national rates a neighbourhood has ≈6 such households and a handful of cases in ten years: plant 40.
    town = write_town(tmp_path, 3000, "[household_types]\nat_least = { disabled_child_refusing = 40 }\n")
    model = run_model("baseline", town, seed=5, weeks=WEEKS)
    assert _refusal_share(model, "disabled_child_refusing") > 2 * _refusal_share(model, "ordinary")


def test_switched_off_nobody_refuses(tmp_path):
    model = run_model(write_scenario(tmp_path, "[mechanisms.consent]\nenabled = false"), "neighbourhood", 5, WEEKS)
    assert model.weekly()["refusals"].sum() == 0
    assert model.ledger().query("~prevalent_at_start")["refusals"].sum() == 0


def test_a_refusing_household_is_not_referred_again_during_the_cooling_off(consent_run):
    ledger = consent_run.ledger()
    refused = ledger[(ledger["refusals"] > 0) & (ledger["first_detection_week"] >= 1)]
    assert len(refused) > 0
    weekly = consent_run.weekly()
    assert weekly["refused_away"].iloc[1:].max() > 0


def test_trust_from_earlier_contact_raises_consent(small_town, tmp_path):
    """The same households asked at trust 0 and at trust 1: with full trust everyone consents."""
    never = write_scenario(tmp_path, "[mechanisms.consent]\ntrust_per_contact = 0.0", name="never")
    model = CommunityModel(never, small_town, seed=2, warmup_weeks=0)
    idx = np.flatnonzero(model.town.htype == 4)[:5]  # disabled child with a refusing parent
    for trust, expect_all in ((0.0, False), (1.0, True)):
        model.hh.trust[idx] = trust
        for i in idx:
            model.set_stage(int(i), Stage.LATENT)
        model.cases.refresh()
        model.cases.accept(idx, np.zeros(len(idx), dtype=np.int64), np.ones(len(idx)), week=1)
        model.mechanism("consent").step(1)
        agreed = model.hh.consented[idx]
        assert agreed.all() if expect_all else not agreed.all()
        for i in idx:
            model.set_stage(int(i), Stage.NONE)


def test_asking_builds_trust(consent_run):
    asked = consent_run.ledger()["refusals"] > 0
    households = consent_run.ledger().loc[asked, "household"].to_numpy()
    assert (consent_run.hh.trust[households] > 0).all()


def test_only_consenting_households_get_a_professional(consent_run):
    hh = consent_run.hh
    supported = hh.service == ServiceStatus.SUPPORTED
    assert hh.consented[supported].all()


def test_switching_consent_off_lets_refusals_from_the_warm_up_lapse(tmp_path):
    off = write_scenario(tmp_path, "[mechanisms.consent]\nenabled = false", name="off")
    model = CommunityModel(off, "neighbourhood", seed=5)
    warm = CommunityModel("baseline", "neighbourhood", seed=5)
    assert (warm.hh.service == ServiceStatus.REFUSED).any()
    assert not (model.hh.service == ServiceStatus.REFUSED).any()
