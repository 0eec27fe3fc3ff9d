"""多機関協働 teams and the 重層的支援会議 for complex cases."""

from __future__ import annotations

import numpy as np
import pytest

from sim.domain import ServiceStatus, Stage
from tests.conftest import run_model, write_scenario

WEEKS = 520


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ma")
    teams_only = write_scenario(tmp, "[mechanisms.multi_agency_team]\nenabled = true", name="teams_only")
    meeting_only = write_scenario(tmp, "[mechanisms.jusoteki_meeting]\nenabled = true", name="meeting_only")
    return {
        name: run_model(s, "neighbourhood", seed=8, weeks=WEEKS)
        for name, s in (("baseline", "baseline"), ("teams", teams_only), ("meeting", meeting_only))
    }


def test_teams_go_only_to_supported_complex_cases_within_coordinator_capacity(runs):
    model = runs["teams"]
    hh = model.hh
    teamed = np.flatnonzero(hh.team)
    assert 0 < len(teamed) <= model.mechanism("multi_agency_team").places
    assert (hh.service[teamed] == ServiceStatus.SUPPORTED).all()
    assert (hh.coverage[teamed] == 1.0).all()
    assert model.staff_hours["coordinator"] > 0
    assert not runs["baseline"].hh.team.any()


def test_teams_cut_the_time_households_spend_in_complex(runs):
    assert (
        runs["teams"].summary()["complex_household_weeks_per_1000"]
        < runs["baseline"].summary()["complex_household_weeks_per_1000"]
    )


def test_meeting_plans_cover_consented_complex_cases(runs):
    model = runs["meeting"]
    hh = model.hh
    planned = (hh.service == ServiceStatus.SUPPORTED) & (hh.stage == Stage.COMPLEX) & hh.consented
    # The waiting list runs after the meeting: a household given a professional this week is planned next week.
    ledger = model.ledger().set_index("case_id")
    started = ledger.reindex(hh.case[planned])["support_start_week"].to_numpy(dtype=float)
    planned[np.flatnonzero(planned)[started == model.week]] = False
    assert planned.any()
    assert (hh.coverage[planned] >= model.mechanism("jusoteki_meeting").p.plan_coverage).all()
    assert model.staff_hours["jusoteki_meeting"] > 0
    assert "jusoteki_meeting" not in runs["baseline"].staff_hours


def test_single_agency_penalty_is_what_teams_remove(tmp_path):
    no_penalty = write_scenario(
        tmp_path, "[mechanisms.professional_support]\ncomplex_single_agency_effect = 1.0", name="no_penalty"
    )
    with_penalty = run_model("baseline", "neighbourhood", seed=8, weeks=260)
    without = run_model(no_penalty, "neighbourhood", seed=8, weeks=260)
    assert (
        without.summary()["complex_household_weeks_per_1000"]
        < with_penalty.summary()["complex_household_weeks_per_1000"]
    )
