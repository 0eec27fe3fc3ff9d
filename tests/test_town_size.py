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
def test_each_service_has_an_effect_of_the_same_size_in_a_district_and_a_city():
    """Relative effect on complex household-weeks, and the change in early detection, over 5 years.

    Common random numbers (replication r has one seed in every scenario). The district has 20
    replications; the city 3, as each city run has about 20 times the households (so as much
    data as 60 district runs). Tolerance: the relative effects differ by less than 2 percentage
    points or a third of the larger one (before: multi_agency_team −19 to −27% in the district,
    −7 to −10% in the city); the changes in early detection by less than 1 point or a third of
    the larger one.
    """
    scenarios = [load_scenario(name) for name in ("baseline", *SERVICE_SCENARIOS)]
    effects = {}
    for town, replications in (("neighbourhood", 20), ("city", 3)):
        runs = run_many(scenarios, load_town(town), 5.0, replications, 13, progress=False)
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
        assert abs(rel_d - rel_c) < max(0.02, max(abs(rel_d), abs(rel_c)) / 3), (name, rel_d, rel_c)
        assert abs(edr_d - edr_c) < max(0.01, max(abs(edr_d), abs(edr_c)) / 3), (name, edr_d, edr_c)
