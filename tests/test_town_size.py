"""Effects that do not depend on town size (issue 13 §4): a district is part of a municipality."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario, load_town
from sim.model import CommunityModel
from sim.runner import run_many

# The bundled service scenarios (参加支援 included: add_participation_venues switches it on).
SERVICE_SCENARIOS = (
    "one_stop_desk",
    "outreach_team",
    "support_meeting",
    "multi_agency_team",
    "housing_support",
    "peer_supporters",
    "council_functioning",
    "add_participation_venues",
    "jusoteki_full",
)


def _staff_per_100k(model: CommunityModel) -> dict[str, float]:
    staff, people = model.state.staff, float(model.state.people[0])
    kinds = np.array([d["kind"] for d in model.town.desks])[staff.desk]
    return {k: float(staff.fte[kinds == k].sum()) / people * 100_000 for k in sorted(set(kinds))}


def test_a_district_has_its_share_of_the_municipalitys_staff_and_coordinators():
    district = CommunityModel("multi_agency_team", "neighbourhood", seed=1, warmup_weeks=0)
    city = CommunityModel("multi_agency_team", "city", seed=1, warmup_weeks=0)
    # Desk staff per head (常勤換算) within 10% of the city's, for every desk kind (before: up to 3.5×).
    d, c = _staff_per_100k(district), _staff_per_100k(city)
    for kind in c:
        assert d[kind] == pytest.approx(c[kind], rel=0.1), kind
    # Coordinators per head within 10% (before: 10×); team places are whole teams, so within a factor of 2.
    team = [m.mechanism("multi_agency_team") for m in (district, city)]
    per_head = [t.coordinators[0] / float(m.state.people[0]) for t, m in zip(team, (district, city), strict=True)]
    assert per_head[0] == pytest.approx(per_head[1], rel=0.1)
    assert team[0].coordinators[0] < 1  # a share of a coordinator, not a whole one
    assert team[0].places[0] / float(district.state.people[0]) < 2 * team[1].places[0] / float(city.state.people[0])


@pytest.mark.slow
def test_each_service_has_an_effect_of_the_same_order_in_a_district_and_a_city():
    """Relative effect on complex household-weeks and the change in early detection, 3 replications of 5 years.

    Tolerance: where either town's relative effect exceeds 4%, both have the same sign and are within a factor
    of 3 of each other; smaller effects differ by less than 4 percentage points. Early detection: the changes
    differ by less than 2 points or a third of the larger one.
    """
    scenarios = [load_scenario(name) for name in ("baseline", *SERVICE_SCENARIOS)]
    effects = {}
    for town in ("neighbourhood", "city"):
        runs = run_many(scenarios, load_town(town), 5.0, 3, 13, jobs=1, progress=False)
        complex_weeks, early = {}, {}
        for r in runs:
            s = r.summary[r.summary["household_type"] == "all"].set_index("metric")["value"]
            complex_weeks.setdefault(r.scenario, []).append(s["complex_household_weeks_per_1000"])
            early.setdefault(r.scenario, []).append(s["early_detection_rate"])
        base_cw, base_edr = sum(complex_weeks["baseline"]), np.mean(early["baseline"])
        effects[town] = {
            name: (sum(complex_weeks[name]) / base_cw - 1.0, np.mean(early[name]) - base_edr)
            for name in SERVICE_SCENARIOS
        }
    for name in SERVICE_SCENARIOS:
        (rel_d, edr_d), (rel_c, edr_c) = effects["neighbourhood"][name], effects["city"][name]
        if max(abs(rel_d), abs(rel_c)) > 0.04:
            assert rel_d * rel_c > 0 and 1 / 3 <= rel_d / rel_c <= 3, (name, rel_d, rel_c)
        else:
            assert abs(rel_d - rel_c) < 0.04, (name, rel_d, rel_c)
        assert abs(edr_d - edr_c) < max(0.02, max(abs(edr_d), abs(edr_c)) / 3), (name, edr_d, edr_c)


@pytest.mark.slow
def test_peer_supporters_do_less_than_an_outreach_team():
    """Few, supervised peers who mostly accompany and connect find fewer strangers than a funded outreach team."""
    scenarios = [load_scenario(name) for name in ("baseline", "peer_supporters", "outreach_team")]
    runs = run_many(scenarios, load_town("neighbourhood"), 10.0, 5, 21, jobs=1, progress=False)
    edr: dict[str, list[float]] = {}
    for r in runs:
        s = r.summary[r.summary["household_type"] == "all"].set_index("metric")["value"]
        edr.setdefault(r.scenario, []).append(s["early_detection_rate"])
    gain_peers = np.mean(edr["peer_supporters"]) - np.mean(edr["baseline"])
    gain_outreach = np.mean(edr["outreach_team"]) - np.mean(edr["baseline"])
    assert gain_outreach > 0.02 and gain_peers < gain_outreach / 4
