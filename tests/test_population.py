"""People from the census: a default town lands on 国勢調査 2020, households hold together, types are derived."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_town, town_from_dict
from sim.domain import FAMILY_TYPE_KEYS, TYPE_KEYS, Condition, FamilyType, HouseholdType, Role
from sim.params import ConfigError
from sim.population import NATIONAL_CHECKS, census_figures
from sim.town import build_town, stack_towns

LARGE = 60_000  # households per default town
SEEDS = (1, 2, 3)


def _profile(name: str = "neighbourhood", households: int | None = None, **sections) -> dict:
    profile = load_town(name).profile
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in profile.items()}
    if households is not None:
        raw["town"] = {**raw["town"], "households": households}
    for section, values in sections.items():
        raw[section] = {**raw[section], **values}
    return town_from_dict(raw, "test").profile


@pytest.fixture(scope="module")
def national():
    """Three default towns (a profile without census overrides) of 60,000 households, stacked."""
    profile = _profile(households=LARGE)
    return stack_towns([build_town(profile, seed) for seed in SEEDS])


@pytest.mark.parametrize("check", NATIONAL_CHECKS, ids=lambda c: c.key)
def test_the_national_default_town_lands_on_the_census(national, check):
    got = census_figures(national)[check.key]
    assert abs(got - check.target) <= check.tolerance, (
        f"{check.what}: {got:.4f}, census {check.target} ± {check.tolerance} ({check.source})"
    )


def test_each_seed_on_its_own_lands_on_the_household_figures():
    for seed in SEEDS:
        figures = census_figures(build_town(_profile(households=LARGE), seed))
        for key in ("one_person", "elderly_alone", "couple_only"):  # drawn to the household
            check = next(c for c in NATIONAL_CHECKS if c.key == key)
            assert abs(figures[key] - check.target) <= check.tolerance


def _members(town, h: int) -> np.ndarray:
    return np.flatnonzero(town.res_household == h)


def test_households_hold_together(national):
    """Spouses of similar age, parents at least 16 years older than their children, 三世代 of three generations."""
    age, role, home = national.res_age, national.res_role, national.res_household
    n = national.n_households
    oldest_child = np.full(n, -1)
    np.maximum.at(oldest_child, home[role == Role.CHILD], age[role == Role.CHILD])
    youngest_adult = np.full(n, 999)
    np.minimum.at(youngest_adult, home[role == Role.ADULT], age[role == Role.ADULT])
    oldest_adult = np.full(n, -1)
    np.maximum.at(oldest_adult, home[role == Role.ADULT], age[role == Role.ADULT])
    youngest_elder = np.full(n, 999)
    np.minimum.at(youngest_elder, home[role == Role.ELDER], age[role == Role.ELDER])
    ft = national.family_type
    parents = np.isin(ft, [FamilyType.COUPLE_WITH_CHILDREN, FamilyType.SINGLE_PARENT, FamilyType.THREE_GENERATION])
    assert np.all(oldest_child[parents] >= 0)  # every such household has a child
    assert np.all(youngest_adult[parents] - oldest_child[parents] >= 16)
    has_elder = youngest_elder < 999
    assert np.all(youngest_elder[has_elder] - oldest_adult[has_elder] >= 16)
    couples = ft == FamilyType.COUPLE
    assert np.all(oldest_adult[couples] - youngest_adult[couples] <= 20)
    size = np.bincount(home, minlength=n)
    three = ft == FamilyType.THREE_GENERATION
    assert np.all(has_elder[three]) and size[three].min() >= 3 and size[three].max() <= 9
    assert 4.0 <= size[three].mean() <= 5.2
    assert np.all(size[ft == FamilyType.SINGLE] == 1) and age[size[home] == 1].min() >= 18
    lone = ft == FamilyType.SINGLE_PARENT
    assert np.all(np.bincount(home[role == Role.ADULT], minlength=n)[lone] == 1)


def test_most_lone_parents_live_with_adult_children_the_7040_8050_population(national):
    n = national.n_households
    minor = np.zeros(n, dtype=bool)
    minor[national.res_household[national.res_age < 18]] = True
    lone = national.family_type == FamilyType.SINGLE_PARENT
    couples = national.family_type == FamilyType.COUPLE_WITH_CHILDREN
    assert minor[lone].mean() < 0.3  # 母子・父子世帯 ≈72万 of ≈500万 ひとり親と子供
    assert 0.3 < (~minor[couples]).mean() < 0.6  # many 夫婦と子供 have only adult children at home
    middle_aged_child = (national.res_role == Role.CHILD) & (national.res_age >= 40) & (national.res_age <= 64)
    assert 0.05 < middle_aged_child.sum() / ((national.res_age >= 40) & (national.res_age <= 64)).sum() < 0.2


def test_withdrawn_residents_mostly_live_with_their_parents(national):
    withdrawn = (national.res_conditions & (1 << Condition.WITHDRAWAL)) > 0
    for (low, high), share in (((15, 39), 0.8), ((40, 64), 0.5)):  # withdrawn_with_parents_*
        group = withdrawn & (national.res_age >= low) & (national.res_age <= high)
        assert abs((national.res_role[group] == Role.CHILD).mean() - share) < 0.05
    assert np.array_equal(
        national.withdrawn, np.bincount(national.res_household[withdrawn], minlength=len(national.htype)) > 0
    )


def test_household_types_follow_from_composition_and_conditions(national):
    age, role, cond, home = national.res_age, national.res_role, national.res_conditions, national.res_household
    withdrawn, disabled, care = (
        (cond & (1 << c)) > 0 for c in (Condition.WITHDRAWAL, Condition.DISABILITY, Condition.CARE_NEED)
    )
    for h in np.flatnonzero(national.htype == HouseholdType.H8050)[:300]:
        m = _members(national, h)
        parent_70 = (age[m] >= 70) & (role[m] != Role.CHILD)
        child = withdrawn[m] & (age[m] >= 40) & (age[m] <= 64) & (role[m] != Role.ELDER)
        assert parent_70.any() and child.any() and not national.hoarding[h]
    for h in np.flatnonzero(national.htype == HouseholdType.DOUBLE_CARE)[:300]:
        m = _members(national, h)
        assert (age[m] < 13).any() and (((age[m] >= 65) & care[m]).any() or national.cares_for_parent_elsewhere[h])
    for h in np.flatnonzero(national.htype == HouseholdType.DISABLED_CHILD_REFUSING):
        m = _members(national, h)
        assert ((age[m] < 18) & disabled[m]).any() and national.refuses_support[h]
    assert np.all(national.hoarding == (national.htype == HouseholdType.HOARDING_ISOLATED))
    alone = (np.bincount(home, minlength=len(national.htype)) == 1) & (national.htype == HouseholdType.ELDERLY_ALONE)
    assert np.all(age[np.isin(home, np.flatnonzero(alone))] >= 65)
    assert np.all(national.family_type[national.htype == HouseholdType.ELDERLY_ALONE] == FamilyType.SINGLE)


def test_hoarding_outranks_living_alone():
    profile = _profile(households=20_000, household_conditions={"hoarding_rate": 0.05})
    town = build_town(profile, 4)
    single_65 = (np.bincount(town.res_household, minlength=town.n_households) == 1) & np.isin(
        np.arange(town.n_households), town.res_household[town.res_age >= 65]
    )
    assert (town.hoarding & single_65).any()
    assert np.all(town.htype[town.hoarding & single_65] == HouseholdType.HOARDING_ISOLATED)


def test_okinawa_city_has_okinawa_prefecture_census_figures():
    figures = census_figures(build_town(load_town("city").profile, 1))
    for key, target, tolerance in (
        ("share_65_plus", 0.226, 0.01),  # 沖縄県 2020
        ("share_0_14", 0.166, 0.01),
        ("one_person", 0.374, 0.005),
        ("elderly_alone", 0.112, 0.005),
    ):
        assert abs(figures[key] - target) <= tolerance, (key, figures[key])


def test_a_town_built_from_counts_matches_their_shares():
    counts = {
        "unit": "count",
        "age": {"0-14": 16_000, "15-64": 52_000, "65+": 32_000},
        "family_types": {
            "single": 12_000,
            "couple": 9_000,
            "couple_with_children": 11_000,
            "single_parent": 4_000,
            "three_generation": 3_000,
            "other": 1_000,
        },
        "elderly_alone": 5_000,
    }
    town = build_town(_profile(households=20_000, census=counts), 2)
    figures = census_figures(town)
    assert figures["share_65_plus"] == pytest.approx(0.32, abs=0.01)
    assert figures["share_0_14"] == pytest.approx(0.16, abs=0.01)
    assert figures["one_person"] == pytest.approx(0.3, abs=0.001)
    assert figures["elderly_alone"] == pytest.approx(0.125, abs=0.001)
    shares = np.bincount(town.family_type, minlength=len(FAMILY_TYPE_KEYS)) / town.n_households
    assert shares[FamilyType.THREE_GENERATION] == pytest.approx(0.075, abs=0.001)


# An older municipality than the default, as a planner copies it from e-Stat (5-year bands with
# e-Stat's labels, family types, 65+ living alone; illustrative counts, not a real municipality's):
# 41% aged 65+, 9% aged 0–14, more 三世代 and fewer one-person households than the nation.
OLDER_TOWN_AGES = {
    "0～4歳": 753, "5～9歳": 850, "10～14歳": 894, "15～19歳": 1135, "20～24歳": 959, "25～29歳": 975,
    "30～34歳": 1049, "35～39歳": 1479, "40～44歳": 1675, "45～49歳": 1953, "50～54歳": 1727, "55～59歳": 1571,
    "60～64歳": 1474, "65～69歳": 2631, "70～74歳": 2933, "75～79歳": 2257, "80～84歳": 1726, "85歳以上": 1959,
}  # fmt: skip
OLDER_TOWN_FAMILIES = {
    "single": 3900,
    "couple": 2900,
    "couple_with_children": 2300,
    "single_parent": 1100,
    "three_generation": 1250,
    "other": 550,
}


def test_a_town_file_of_another_municipality_is_built_to_its_e_stat_counts(tmp_path):
    import tomli_w

    from tests.conftest import write_town

    census = {"unit": "count", "age": OLDER_TOWN_AGES, "family_types": OLDER_TOWN_FAMILIES, "elderly_alone": 1900}
    path = write_town(tmp_path, households=12_000, extra=tomli_w.dumps({"census": census}))
    town = build_town(load_town(path).profile, 3)
    people = sum(OLDER_TOWN_AGES.values())
    figures = census_figures(town)
    assert figures["share_65_plus"] == pytest.approx(11_506 / people, abs=0.01)
    assert figures["share_0_14"] == pytest.approx(2_497 / people, abs=0.01)
    assert figures["one_person"] == pytest.approx(3_900 / 12_000, abs=0.001)
    assert figures["elderly_alone"] == pytest.approx(1_900 / 12_000, abs=0.001)
    assert figures["couple_only"] == pytest.approx(2_900 / 12_000, abs=0.001)
    shares = np.bincount(town.family_type, minlength=len(FAMILY_TYPE_KEYS)) / town.n_households
    assert shares[FamilyType.THREE_GENERATION] == pytest.approx(1_250 / 12_000, abs=0.001)
    national = census_figures(build_town(_profile(households=12_000), 3))
    assert figures["share_65_plus"] > national["share_65_plus"] + 0.1  # not the default town


def test_five_year_and_broad_bands_of_the_same_census_give_the_same_broad_shares():
    broad = {"age": {"0-14": 11.9, "15-64": 59.5, "65+": 28.6}}
    figures = census_figures(build_town(_profile(households=30_000, census=broad), 5))
    assert figures["share_65_plus"] == pytest.approx(0.286, abs=0.01)
    assert figures["share_0_14"] == pytest.approx(0.119, abs=0.01)


def test_who_lives_in_the_town_does_not_depend_on_the_association_or_the_conditions():
    base = build_town(_profile(households=5_000), 7)
    other = build_town(_profile(households=5_000, jichikai={"membership_rate": 0.3}), 7)
    assert np.array_equal(base.res_age, other.res_age) and np.array_equal(base.htype, other.htype)
    assert np.array_equal(base.res_conditions, other.res_conditions)
    assert not np.array_equal(base.member, other.member)
    refusing = build_town(_profile(households=5_000, household_conditions={"refusing_parent_rate": 0.9}), 7)
    assert np.array_equal(base.res_age, refusing.res_age) and np.array_equal(base.family_type, refusing.family_type)
    assert np.array_equal(base.res_conditions, refusing.res_conditions)
    assert refusing.refuses_support.sum() > base.refuses_support.sum()


# ------------------------------------------------------------------ validation


def _error(**census) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _profile(census=census)
    return info.value


@pytest.mark.parametrize(
    ("census", "key", "message"),
    [
        ({"age": {"0-14": 11.9, "15-64": 50.0, "65+": 28.6}}, "census.age", "sum to 90.5%"),
        ({"age": {"0-14": 11.9, "15-60": 59.5, "65+": 28.6}}, "census.age.15-60", "no such age band"),
        ({"age": {"0-14": 11.9, "20-64": 59.5, "65+": 28.6}}, "census.age", "ages 15-19 are in no band"),
        ({"age": {"0-14": 11.9, "15-64": 59.5, "65-74": 28.6}}, "census.age", "oldest band must be open"),
        ({"age": {"0-14": -1.0, "15-64": 72.4, "65+": 28.6}}, "census.age.0-14", "out of range"),
        ({"family_types": {"single": 38.0}}, "census.family_types", "missing couple"),
        ({"elderly_alone": 45.0}, "census.elderly_alone", "more than the single-person households"),
        ({"unit": "persons"}, "census.unit", "'percent', 'count'"),
    ],
)
def test_bad_census_figures_name_the_key_and_what_is_allowed(census, key, message):
    e = _error(**census)
    assert e.key == key and message in str(e) and "allowed" in str(e)


def test_counts_need_every_census_table_as_counts(tmp_path):
    from tests.conftest import write_town

    with pytest.raises(ConfigError) as info:
        load_town(write_town(tmp_path, extra='[census]\nunit = "count"\nelderly_alone = 6860\n'))
    assert info.value.key == "census.age" and 'with unit = "count"' in str(info.value)


def test_counts_must_be_whole_numbers():
    family = {
        "single": 10,
        "couple": 5,
        "couple_with_children": 5,
        "single_parent": 2,
        "three_generation": 1,
        "other": 1,
    }
    e = _error(unit="count", age={"0-14": 10.5, "15-64": 60, "65+": 30}, family_types=family, elderly_alone=3)
    assert e.key == "census.age.0-14" and "whole number" in str(e)


def test_e_stat_band_labels_are_accepted():
    labels = {"0～14歳": 11.9, "15～64歳": 59.5, "65歳以上": 28.6}
    assert list(_profile(census={"age": labels})["census"]["age"]) == ["0-14", "15-64", "65+"]


def test_an_age_structure_no_town_of_these_households_can_have_is_rejected():
    e = _error(
        age={"0-14": 45.0, "15-64": 10.0, "65+": 45.0},
        family_types={
            "single": 80.0,
            "couple": 10.0,
            "couple_with_children": 5.0,
            "single_parent": 2.0,
            "three_generation": 1.0,
            "other": 2.0,
        },
        elderly_alone=40.0,
    )
    assert e.key == "census.age" and "closest town" in str(e)


def test_at_least_asks_only_for_types_a_condition_makes():
    with pytest.raises(ConfigError) as info:
        _profile(household_types={"at_least": {**{k: 0 for k in TYPE_KEYS}, "elderly_alone": 3}})
    assert info.value.key == "household_types.at_least.elderly_alone" and "cannot be planted" in str(info.value)


def test_an_earlier_town_file_loads_when_its_old_shares_are_the_old_defaults(tmp_path):
    from tests.conftest import write_town

    old = (
        '[household_types.shares]\nordinary = 0.8628\n"8050" = 0.008\ndouble_care = 0.005\nelderly_alone = 0.121\n'
        "disabled_child_refusing = 0.002\nhoarding_isolated = 0.0012\n\n[ordinary_households]\nsingle_adult = 0.26\n"
        "couple = 0.17\ncouple_with_children = 0.29\nsingle_parent = 0.10\nelderly_couple = 0.13\n"
        "three_generation = 0.05\n\n[residents]\nwithdrawal_rate_15_64 = 0.03\n"
    )
    town = load_town(write_town(tmp_path, extra=old))
    assert town.profile["census"]["age"]["85+"] == 4.87 and "shares" not in town.profile["household_types"]
    assert town.profile["residents"]["withdrawal_rate_40_64"] == 0.03  # the old one rate, for both age groups


def test_an_earlier_town_file_with_its_own_shares_is_told_what_to_write(tmp_path):
    from tests.conftest import write_town

    old = (
        '[household_types.shares]\nordinary = 0.8\n"8050" = 0.008\ndouble_care = 0.005\nelderly_alone = 0.1838\n'
        "disabled_child_refusing = 0.002\nhoarding_isolated = 0.0012\n"
    )
    with pytest.raises(ConfigError) as info:
        load_town(write_town(tmp_path, extra=old))
    e = info.value
    assert e.key == "household_types.shares" and "census.elderly_alone" in str(e) and "18.4%" in str(e)
    assert "guide-ja.md" in str(e)


def test_type_households_counts_the_types_of_the_town_a_run_builds():
    from sim.town import type_households

    profile = load_town("neighbourhood").profile
    counts = type_households(profile, 11)
    town = build_town(profile, 11)
    assert counts == {k: int((town.htype == t).sum()) for t, k in enumerate(TYPE_KEYS)}
    assert sum(counts.values()) == profile["town"]["households"]
