"""The synthetic town matches its profile."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import sim.town
from sim.config import effective_profile, load_scenario, load_town
from sim.domain import FAMILY_TYPE_KEYS, TYPE_KEYS, Condition
from sim.town import build_town, participation_probability, town_of


@pytest.fixture(scope="module")
def neighbourhood():
    return build_town(load_town("neighbourhood").profile, seed=11)


def test_family_types_follow_the_census_figures_to_the_household(neighbourhood):
    census = load_town("neighbourhood").profile["census"]
    counts = np.bincount(neighbourhood.family_type, minlength=len(FAMILY_TYPE_KEYS))
    total = sum(census["family_types"].values())
    for t, key in enumerate(FAMILY_TYPE_KEYS):  # largest remainders: within one household of the share
        assert abs(counts[t] - census["family_types"][key] / total * neighbourhood.n_households) <= 1.5


def test_every_household_type_is_derived_and_present_in_a_neighbourhood(neighbourhood):
    counts = np.bincount(neighbourhood.htype, minlength=len(TYPE_KEYS))
    assert np.all(counts[:4] > 0)  # ordinary, 8050, double care, elderly alone at national rates in 3,000 households
    assert counts[TYPE_KEYS.index("ordinary")] > 0.8 * neighbourhood.n_households


def test_commissioner_districts_hold_170_to_360_households():
    for name in ("neighbourhood", "city"):
        town = build_town(load_town(name).profile, seed=1)
        sizes = np.bincount(town.district)
        assert sizes.min() >= 170 and sizes.max() <= 360


def test_city_is_like_okinawa_city():
    town = build_town(load_town("city").profile, seed=1)
    assert town.n_households == 59_000
    assert 125_000 <= town.n_residents <= 150_000  # 沖縄市 ≈140,000; the family types are 沖縄県's (docs)
    assert 0.15 < town.district_vacant.mean() < 0.32  # 充足率 ≈ 77%


def test_neighbour_ties_are_sparse_and_symmetric(neighbourhood):
    ptr, nbr = neighbourhood.tie_ptr, neighbourhood.tie_nbr
    degree = np.diff(ptr)
    assert 1.0 < degree.mean() < 3.0
    assert 0.08 < (degree == 0).mean() < 0.35
    src = np.repeat(np.arange(len(degree)), degree)
    pairs = set(zip(src.tolist(), nbr.tolist(), strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    assert np.all(neighbourhood.area[src] == neighbourhood.area[nbr])  # ties stay within the 自治会 area


def test_membership_rate_is_close_to_the_profile(neighbourhood):
    assert abs(neighbourhood.member.mean() - 0.717) < 0.05


def test_venues_respect_capacity_and_participation_matches_the_reference(neighbourhood):
    counts = np.bincount(neighbourhood.res_venue[neighbourhood.res_venue >= 0])
    assert counts.max() <= 20
    older = neighbourhood.res_age >= 65
    share = (neighbourhood.res_venue[older] >= 0).mean()
    assert 0.03 < share < 0.10  # ≈ 6% of 65+ at the reference density


def test_participation_curve_passes_through_the_reference_point():
    assert participation_probability(40.0, 0.06, 0.2, 40.0) == pytest.approx(0.06)
    assert participation_probability(80.0, 0.06, 0.2, 40.0) > 0.06
    assert participation_probability(0.0, 0.06, 0.2, 40.0) == 0.0


def test_residents_conditions_are_plausible(neighbourhood):
    age, cond = neighbourhood.res_age, neighbourhood.res_conditions
    withdrawn = (cond & (1 << Condition.WITHDRAWAL)) > 0
    assert withdrawn[(age < 15) | (age > 64)].sum() == 0
    assert 0.01 < withdrawn[(age >= 15) & (age <= 64)].mean() < 0.05
    assert np.array_equal(
        neighbourhood.withdrawn, np.bincount(neighbourhood.res_household[withdrawn], minlength=3000) > 0
    )
    young = (cond & (1 << Condition.YOUNG_CHILD)) > 0
    assert np.all(age[young] <= 5)


def test_every_area_has_a_desk_of_every_kind(neighbourhood):
    n_areas = neighbourhood.area.max() + 1
    for kind, by_area in neighbourhood.desk_of_kind_by_area.items():
        assert len(by_area) == n_areas
        assert all(neighbourhood.desks[d]["kind"] == kind for d in by_area)


def test_a_rebuilt_town_is_an_equal_copy_that_a_run_changes_alone():
    profile = effective_profile(load_scenario("baseline"), load_town("workshop"))
    first, again, fresh = town_of(profile, 5), town_of(profile, 5), build_town(profile, 5)
    for name, value in vars(fresh).items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(getattr(first, name), value) and np.array_equal(getattr(again, name), value)
    first.area_activity[:] = 0.0  # a run changes its own town (a council's resources)
    assert np.array_equal(town_of(profile, 5).area_activity, fresh.area_activity)


def test_the_town_cache_keeps_the_most_recent_towns_within_its_household_budget(monkeypatch):
    profile = effective_profile(load_scenario("baseline"), load_town("workshop"))
    households = build_town(profile, 0).n_households
    monkeypatch.setattr(sim.town, "_BUILT", OrderedDict())
    monkeypatch.setattr(sim.town, "_BUILT_HOUSEHOLDS", 2 * households)
    for seed in range(5):
        town_of(profile, seed)
    assert [seed for _, seed in sim.town._BUILT] == [3, 4]
