"""Each mechanism's switch has the effect it must have (same seed, so only the switch differs)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import CHANNEL_KEYS
from sim.model import CommunityModel
from tests.conftest import run_model, write_scenario, write_town

WEEKS = 520


def _scenario(tmp_path, body, name="s"):
    return write_scenario(tmp_path, body, name=name)


def _off(tmp_path, mechanism, *also):
    body = "\n".join(f"[mechanisms.{m}]\nenabled = false" for m in (mechanism, *also))
    return _scenario(tmp_path, body, name="no_" + "_".join((mechanism, *also)))


# Mechanisms that also do what a test switches off: complaints make neighbours notice a household
# (what anyone can see), a withdrawal starts and ends a problem of its own (ひきこもり).
ALSO_OFF = {
    "neighbour_noticing": ("complaints",),
    "onset": ("withdrawal",),
    "resolution": ("withdrawal",),
    "professional_support": ("withdrawal",),
}


@pytest.fixture(scope="module")
def baseline_run():
    return run_model("baseline", "neighbourhood", seed=3, weeks=WEEKS)


def _detections(model, channel: str) -> int:
    """First detections made during the run (not in the warm-up that made the starting town)."""
    ledger = model.ledger()
    return int(((ledger["first_detection_channel"] == channel) & (ledger["first_detection_week"] > 0)).sum())


def _new_cases(model):
    ledger = model.ledger()
    return ledger[~ledger["prevalent_at_start"]]


@pytest.mark.parametrize("channel", ["self", "neighbour", "commissioner", "venue", "agency"])
def test_baseline_finds_cases_through_each_community_channel(baseline_run, channel):
    assert _detections(baseline_run, channel) > 0


@pytest.mark.parametrize(
    ("mechanism", "channel"),
    [
        ("self_referral", "self"),
        ("neighbour_noticing", "neighbour"),
        ("information_relay", "neighbour"),
        ("commissioner_visits", "commissioner"),
        ("venue_staff", "venue"),
        ("agency_referral", "agency"),
    ],
)
def test_switching_a_channel_off_removes_its_detections(tmp_path, mechanism, channel):
    model = run_model(_off(tmp_path, mechanism, *ALSO_OFF.get(mechanism, ())), "neighbourhood", seed=3, weeks=WEEKS)
    assert _detections(model, channel) == 0


def test_without_noticing_or_complaints_no_household_is_noticed_and_no_neighbour_detects(tmp_path):
    model = run_model(_off(tmp_path, "neighbour_noticing", "complaints"), "neighbourhood", seed=3, weeks=WEEKS)
    assert model.weekly()["noticed"].sum() == 0 and _detections(model, "neighbour") == 0


def test_relay_off_keeps_noticing_but_nobody_reports(tmp_path):
    model = run_model(_off(tmp_path, "information_relay"), "neighbourhood", seed=3, weeks=WEEKS)
    assert model.weekly()["noticed"].sum() > 0 and _detections(model, "neighbour") == 0


def test_more_commissioner_visits_raise_the_commissioner_channel_share(tmp_path, baseline_run):
    busy_town = write_town(tmp_path, households=3000, extra="[minsei]\nvisits_per_week = 9.0\n", name="busy")
    busy = run_model("baseline", busy_town, seed=3, weeks=WEEKS)
    assert busy.summary()["channel_share_commissioner"] > baseline_run.summary()["channel_share_commissioner"] + 0.05


def test_vacant_district_gets_no_commissioner_visits_or_detections(tmp_path):
    town = write_town(tmp_path, households=3000, extra="[minsei]\nvacancy_rate = 0.5\n", name="vacant")
    model = run_model("baseline", town, seed=3, weeks=WEEKS)
    vacant = model.town.district_vacant
    assert vacant.any() and (~vacant).any()
    assert all(c.visits_made == 0 for c in model.commissioners if c.vacant)
    assert all(c.visits_made > 0 for c in model.commissioners if not c.vacant)
    ledger = model.ledger()
    found = ledger[ledger["first_detection_channel"] == "commissioner"]
    assert len(found) > 0
    assert not vacant[model.town.district[found["household"].to_numpy()]].any()


def test_outreach_detects_only_when_funded(tmp_path, baseline_run):
    # The baseline funds no outreach staff. The peer supporters of a project its 自立支援協議会 opens
    # (in the warm-up too) screen with outreach's contacts; without a council, nobody is found by outreach.
    assert "outreach_worker" not in baseline_run.staff_hours
    no_council = _off(tmp_path, "council")
    without_peers = CommunityModel(no_council, "neighbourhood", seed=3, start_from=no_council).run(WEEKS)
    assert _detections(without_peers, "outreach") == 0
    model = run_model("outreach_team", "neighbourhood", seed=3, weeks=WEEKS)
    assert _detections(model, "outreach") > 0
    assert model.weekly()["outreach_hours"].sum() > 0


def test_onset_off_means_no_new_cases(tmp_path):
    ledger = run_model(_off(tmp_path, "onset", "withdrawal"), "neighbourhood", seed=3, weeks=104).ledger()
    assert len(ledger) > 0 and ledger["prevalent_at_start"].all()


def test_progression_off_keeps_new_cases_latent(tmp_path):
    ledger = run_model(_off(tmp_path, "progression"), "neighbourhood", seed=3, weeks=WEEKS).ledger()
    new = ledger[~ledger["prevalent_at_start"]]
    assert len(new) > 0 and (new["worst_stage"] == "latent").all()


def test_progression_adds_a_domain_per_stage(baseline_run):
    ledger = baseline_run.ledger()
    new = ledger[~ledger["prevalent_at_start"]]
    assert (new["n_domains"] <= new["worst_stage"].cat.codes).all()
    # A withdrawn member's case can ease back to the withdrawal alone once its other problems are solved.
    grew = new[new["primary_domain"] != "withdrawal"]
    assert (grew.loc[grew["worst_stage"] == "complex", "n_domains"] >= 2).all()


@pytest.mark.parametrize(
    "mechanism,label", [("resolution", "natural"), ("mutual_aid", "mutual_aid"), ("professional_support", "support")]
)
def test_resolution_routes_disappear_when_switched_off(tmp_path, baseline_run, mechanism, label):
    assert (baseline_run.ledger()["resolved_by"] == label).sum() > 0
    model = run_model(_off(tmp_path, mechanism, *ALSO_OFF.get(mechanism, ())), "neighbourhood", seed=3, weeks=WEEKS)
    assert (model.ledger()["resolved_by"] == label).sum() == 0


def test_watching_lowers_onset(tmp_path, baseline_run):
    model = run_model(_off(tmp_path, "watching"), "neighbourhood", seed=3, weeks=WEEKS)
    assert model.weekly()["onsets"].sum() > baseline_run.weekly()["onsets"].sum() * 1.05


def test_connection_slows_deterioration(tmp_path, baseline_run):
    model = run_model(_off(tmp_path, "connection"), "neighbourhood", seed=3, weeks=WEEKS)
    assert model.summary()["complex_share"] > baseline_run.summary()["complex_share"]


def test_support_slows_progression_and_raises_resolution(tmp_path, baseline_run):
    model = run_model(_off(tmp_path, "professional_support"), "neighbourhood", seed=3, weeks=WEEKS)
    assert (
        model.summary()["complex_household_weeks_per_1000"] > baseline_run.summary()["complex_household_weeks_per_1000"]
    )


def test_siloed_desks_never_accept_a_problem_no_desk_covers(tmp_path):
    # Without a council, no desk ever takes up hoarding (制度の狭間); without 重層, no 事務局 takes it either.
    no_council = _off(tmp_path, "council")
    model = CommunityModel(no_council, "neighbourhood", seed=3, start_from=no_council).run(WEEKS)
    ledger = model.ledger()
    only_hoarding = (ledger["primary_domain"] == "hoarding") & (ledger["n_domains"] == 1)
    # Until the 自立支援協議会 opens a resource for hoarding at a desk (then that desk covers it).
    log = model.council_log()  # empty with the council off: no desk ever covers hoarding
    opened = log.loc[(log["domain"] == "hoarding") & log["opened"], "opens_week"]
    until = opened.min() if len(opened) else np.inf
    hoarding = ledger[only_hoarding & (ledger["first_detection_week"] < until)]
    assert len(hoarding) > 0
    assert hoarding["support_start_week"].isna().all() and (hoarding["bounces"] > 0).all()
    assert hoarding["desk_outcome"].isna().all()


def test_refuse_none_desk_never_bounces(tmp_path):
    model = run_model("one_stop_desk", "neighbourhood", seed=3, weeks=WEEKS)
    assert model.weekly()["bounces"].sum() == 0 and model.weekly()["gave_up"].sum() == 0
    ledger = _new_cases(model)
    assert ledger["bounces"].sum() == 0 and not ledger["gave_up"].any()
    assert (ledger.loc[ledger["first_detection_week"].notna(), "referrals"] >= 1).all()


def test_give_up_probability_zero_means_nobody_gives_up(tmp_path):
    table = ", ".join(
        f'"{k}" = 0.0'
        for k in ("ordinary", "8050", "double_care", "elderly_alone", "disabled_child_refusing", "hoarding_isolated")
    )
    model = run_model(
        _scenario(tmp_path, f"[mechanisms.desk_intake]\ngive_up_probability = {{ {table} }}"),
        "neighbourhood",
        seed=3,
        weeks=WEEKS,
    )
    ledger = _new_cases(model)
    assert ledger["bounces"].sum() > 0 and not ledger["gave_up"].any()


def test_channel_enum_matches_ledger_categories(baseline_run):
    cats = list(baseline_run.ledger()["first_detection_channel"].cat.categories)
    assert cats == list(CHANNEL_KEYS[1:])


def test_weekly_true_state_always_covers_every_household(baseline_run):
    weekly = baseline_run.weekly()
    total = weekly[["true_none", "true_latent", "true_manifest", "true_complex"]].sum(axis=1)
    assert (total == baseline_run.n_households).all()
    for stage in ("latent", "manifest", "complex"):
        assert (weekly[f"known_{stage}"] <= weekly[f"true_{stage}"]).all()
    assert np.all(np.diff(weekly["week"]) == 1)


def test_a_mechanism_keeps_each_town_cached_computation_apart_and_recomputes_after_a_town_change():
    model = CommunityModel("baseline", "workshop", seed=1, warmup_weeks=0)
    watching = model.mechanism("watching")
    level = watching.town_cached(watching.neighbours_level)
    ones = watching.town_cached(lambda: np.ones(3))
    assert level.shape == (model.n_households,) and np.array_equal(ones, np.ones(3))
    assert watching.town_cached(watching.neighbours_level) is level  # not the other computation's result
    for association in model.associations:
        association.activity = 1.0  # changes the town: the cached level is recomputed
    assert watching.town_cached(watching.neighbours_level) is not level
