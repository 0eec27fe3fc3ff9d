"""What follows support: relapse, 伴走支援, 参加支援, 居住支援 and peer supporters."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms.participation_support import ParticipationSupport
from sim.model import CommunityModel
from tests.conftest import run_model, write_scenario

WEEKS = 520


def _closed_under_support(model) -> set[int]:
    """Households with a case that closed while a professional supported it."""
    ledger = model.ledger()
    closed = ledger["support_start_week"].notna() & ledger["resolution_week"].notna()
    return set(ledger.loc[closed, "household"].tolist())


def _scenario(tmp, body, name):
    return write_scenario(tmp, body, name=name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("after")
    on = {
        "accompaniment": "[mechanisms.accompaniment]\nenabled = true",
        "participation": "[mechanisms.participation_support]\nenabled = true\nlink_probability = 0.2",
        "peers": "[mechanisms.peer_supporters]\nenabled = true\nbecome_probability = 0.5\nmax_per_100k_people = 200.0",
        "housing": "[mechanisms.housing_support]\nenabled = true",
        "no_relapse": "[mechanisms.relapse]\nenabled = false",
    }
    out = {"baseline": run_model("baseline", "neighbourhood", seed=9, weeks=WEEKS)}
    for name, body in on.items():
        out[name] = run_model(_scenario(tmp, body, name), "neighbourhood", seed=9, weeks=WEEKS)
    return out


def test_relapse_raises_new_cases_in_recently_helped_households(runs):
    assert runs["baseline"].summary()["relapse_share"] > runs["no_relapse"].summary()["relapse_share"]


def test_accompaniment_follows_supported_closures_and_lowers_relapse(runs):
    model = runs["accompaniment"]
    followed = np.flatnonzero(model.hh.accompanied_until >= model.week)
    assert len(followed) > 0 and set(followed) <= _closed_under_support(model)
    assert model.staff_hours["accompaniment"] > 0
    assert model.summary()["relapse_share"] < runs["baseline"].summary()["relapse_share"]
    assert not (runs["baseline"].hh.accompanied_until >= 0).any()


def test_participation_support_fills_venues_only_up_to_capacity(runs):
    model = runs["participation"]
    linked = model.hh.linked_venue >= 0
    assert linked.any() and model.weekly()["participation_links"].sum() > 0
    assert not (runs["baseline"].hh.linked_venue >= 0).any() and not runs["baseline"].hh.work_trial.any()
    town = model.town
    load = np.bincount(town.res_venue[town.res_venue >= 0], minlength=len(town.venue_kind))
    load += np.bincount(model.hh.linked_venue[linked], minlength=len(town.venue_kind))
    ibasho = town.venue_kind == 1
    linked_to = np.bincount(model.hh.linked_venue[linked], minlength=len(town.venue_kind))
    assert (linked_to[~ibasho] == 0).all()  # links go to 居場所 only
    assert (load[ibasho] <= town.profile["venues"]["capacity"]).all()
    assert (town.hh_venue[linked] >= 0).all()  # linked households are at a venue, where staff can notice them


def test_linked_households_gain_ties(small_town, tmp_path):
    scenario = _scenario(tmp_path, "[mechanisms.participation_support]\nenabled = true", "p")
    model = CommunityModel(scenario, small_town, seed=1, warmup_weeks=0)
    idx = np.flatnonzero(model.town.hh_venue < 0)[:3]
    venue = np.zeros(3, dtype=np.int64)  # the town's first venue
    before = model.town.ties[idx].copy()
    model.mechanism(ParticipationSupport).link(idx, venue)
    assert np.all(model.town.ties[idx] == before + 1.0)


def test_work_trials_only_for_employment_problems(runs):
    model = runs["participation"]
    trials = np.flatnonzero(model.hh.work_trial)
    ledger = model.ledger()
    # Every household on a work trial has had a case with an employment problem.
    employment_households = set(ledger.loc[ledger["n_domains"] > 0, "household"])
    assert set(trials) <= employment_households


def test_housing_support_lifts_the_landlord_penalty(tmp_path):
    # From the stationary start: no council of a warm-up has opened a 居住支援 resource yet.
    housing = _scenario(tmp_path, "[mechanisms.housing_support]\nenabled = true", "housing")
    run = np.array([0])
    without = CommunityModel("baseline", "neighbourhood", seed=9, warmup_weeks=0).mechanism("housing_support")
    with_support = CommunityModel(housing, "neighbourhood", seed=9, warmup_weeks=0).mechanism("housing_support")
    assert without.housing_penalty(run) < with_support.housing_penalty(run) <= 1.0


def test_peer_supporters_are_few_trained_supervised_and_leave(runs):
    model = runs["peers"]
    peers = model.mechanism("peer_supporters")
    status = model.hh.peer_status
    # Peers who joined in this run (weeks from 0; a warm-up's peers came from the warm-up's cases).
    joined = np.flatnonzero((status > 0) & (model.hh.peer_since >= 0))
    assert len(joined) > 0 and set(joined) <= _closed_under_support(model)
    assert np.count_nonzero((status == 1) | (status == 2)) <= peers.cap[0]  # never more than the project can train
    assert (status == 3).any()  # some have left over ten years
    assert model.staff_hours["peer_supporter"] > 0  # their volunteer time
    assert model.staff_hours["peer_coordinator"] > 0  # and the paid time that trains and supervises them
    # Without the switch, peers exist only where the 自立支援協議会 opened a ピアサポート project.
    base = runs["baseline"]
    assert base.mechanism("peer_supporters").active_runs.any() or not (base.hh.peer_status > 0).any()


def test_peer_supporters_accompany_households_after_support_and_reconnect_those_who_gave_up(runs):
    model, base = runs["peers"], runs["baseline"]
    # Accompaniment that began in this run (it lasts accompany_weeks from the week it began).
    begun = model.hh.peer_accompanied_until >= model.mechanism("peer_supporters").p.accompany_weeks
    accompanied = np.flatnonzero(begun)
    assert len(accompanied) > 0 and set(accompanied) <= _closed_under_support(model)
    assert model.hh.trust.sum() > base.hh.trust.sum()  # calls on households that gave up or refused
    assert model.weekly()["referrals"].sum() > base.weekly()["referrals"].sum()


def test_outreach_builds_trust_with_refusing_households(tmp_path):
    model = run_model("outreach_team", "neighbourhood", seed=9, weeks=WEEKS)
    base = run_model("baseline", "neighbourhood", seed=9, weeks=WEEKS)
    assert model.hh.trust.sum() > base.hh.trust.sum()


def test_links_to_venues_the_run_town_lacks_lapse():
    """A run on the baseline town starting from jusoteki_full's town, which has three times the 居場所."""
    model = CommunityModel("baseline", "neighbourhood", seed=2, start_from="jusoteki_full")
    linked = model.hh.linked_venue[model.hh.linked_venue >= 0]
    assert (linked < len(model.town.venue_kind)).all()
    assert (model.town.venue_kind[linked] == 1).all()
