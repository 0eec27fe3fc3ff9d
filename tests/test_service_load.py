"""Caseloads, the waiting list and staff hours."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms.caseloads import Caseloads
from sim.model import CommunityModel
from tests.conftest import run_model, write_scenario, write_town

WEEKS = 260
TIGHT = 10  # cases per professional: desks fill up (the census town has more older, care-needing households)


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    """The neighbourhood with a sixth of each role's caseload limit (from the warm-up on): desks fill up."""
    tmp = tmp_path_factory.mktemp("tight")
    scenario = write_scenario(tmp, "[mechanisms.caseloads]\nscale = 0.15", name="tight")
    return CommunityModel(scenario, "neighbourhood", seed=3, start_from=scenario).run(WEEKS)


@pytest.fixture(scope="module")
def unlimited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unlimited")
    return run_model(
        write_scenario(tmp, "[mechanisms.caseloads]\nenabled = false", name="unlimited"),
        "neighbourhood",
        seed=3,
        weeks=WEEKS,
    )


def test_no_professional_holds_more_than_the_caseload_limit(tight):
    staff, limit = tight.state.staff, tight.mechanism(Caseloads).limit()
    assert (staff.caseload <= limit).all() and (staff.caseload == limit).any()  # the limit binds
    assert sum(p.caseload for p in tight.professionals) == int(np.count_nonzero(tight.hh.professional >= 0))


def test_caseload_limits_follow_each_roles_standard_and_each_professionals_share_of_full_time():
    model = CommunityModel("baseline", "city", seed=1, warmup_weeks=0)
    staff, desks = model.state.staff, model.town.desks
    limit = model.mechanism(Caseloads).limit()
    for d in {d["kind"]: d for d in desks}.values():
        mine = staff.desk == d["index"]
        assert (limit[mine] == np.maximum(1, np.round(d["caseload_limit"] * staff.fte[mine]))).all()
    by_role = {d["staff_role"]: d["caseload_limit"] for d in desks}
    assert by_role["soudan_shien_senmonin"] == 35 and by_role["jiritsu_soudan_shienin"] < by_role["houkatsu_staff"]


def test_waiting_lists_are_reported_where_they_form(tight):
    summary, kinds = tight.summary(), {d["kind"] for d in tight.town.desks}
    by_kind = {k: summary[f"mean_waiting_list_{k}"] for k in kinds}
    assert sum(by_kind.values()) == pytest.approx(summary["mean_waiting_list"])
    assert max(by_kind.values()) > 0 and min(by_kind.values()) < max(by_kind.values())


def test_over_capacity_households_wait_and_the_wait_is_reported(tight):
    weekly = tight.weekly()
    assert weekly["waiting_list"].iloc[1:].mean() > 0
    new = tight.ledger().query("~prevalent_at_start")
    waited = new["weeks_waiting"].dropna()
    assert len(waited) > 0 and waited.max() > 0
    summary = tight.summary()
    assert summary["mean_waiting_list"] > 0 and summary["mean_weeks_waiting"] > 0


def test_without_caseload_limits_nobody_waits(unlimited):
    assert unlimited.weekly()["waiting_list"].iloc[1:].sum() == 0  # week 0 is the warm-up's waiting list
    assert (unlimited.ledger().query("~prevalent_at_start")["weeks_waiting"].dropna() == 0).all()


def test_waiting_is_first_come_first_served_within_a_desk(tight):
    ledger = tight.ledger()
    started = ledger.dropna(subset=["intake_week", "support_start_week"])
    for _desk, block in started[started["intake_week"] >= 1].groupby("desk", observed=True):
        block = block.sort_values("intake_week")
        # A household accepted later never starts before one accepted earlier that is still open.
        assert (block["support_start_week"].cummax() - block["support_start_week"]).max() <= WEEKS


def test_tighter_caseloads_leave_more_cases_complex(tight, unlimited):
    assert tight.summary()["complex_household_weeks_per_1000"] > unlimited.summary()["complex_household_weeks_per_1000"]


def test_staff_hours_are_recorded_by_role(unlimited):
    hours = dict(unlimited.staff_hours)
    for role in ("houkatsu_staff", "jiritsu_soudan_shienin", "minsei_iin", "venue_volunteer"):
        assert hours[role] > 0
    assert "outreach_worker" not in hours  # no outreach team in baseline
    weekly = unlimited.weekly()
    summary = unlimited.summary()
    assert summary["paid_staff_hours"] == pytest.approx(weekly["paid_hours"].sum())
    assert summary["volunteer_hours"] == pytest.approx(weekly["volunteer_hours"].sum())
    assert summary["hours_per_early_detection"] > 0


def test_outreach_team_hours_count_as_paid_staff_time(tmp_path, unlimited):
    model = run_model("outreach_team", "neighbourhood", seed=3, weeks=WEEKS)
    assert model.staff_hours["outreach_worker"] > 0
    assert model.summary()["paid_staff_hours"] > unlimited.summary()["paid_staff_hours"] * 0.5


def test_a_vacant_town_needs_no_commissioner_hours(tmp_path):
    town = write_town(tmp_path, extra="[minsei]\nvacancy_rate = 1.0\n", name="nobody")
    model = run_model("baseline", town, seed=3, weeks=52)
    assert model.staff_hours["minsei_iin"] == 0
