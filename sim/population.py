"""Who lives in the town: households by 国勢調査 family type, their members' ages and conditions.

The town is built to match the census figures a planner reads from e-Stat (population by age
band, households by family type, 65+ living alone) in three steps:

1. **A pool of candidate households** (:func:`household_pool`), a few thousand per census
   category, each drawn from rules that keep a household consistent: spouses of similar age,
   each child born to a mother aged 18–45 (so a parent is at least 18 years older), older
   parents with their adult children at home (the 7040/8050 population), 三世代 of three
   generations. The pool is a fixed look-up table (it depends on no run's seed).
2. **Weights that match the census** (:func:`fit_census`): iterative proportional updating
   (IPU; Ye et al. 2009) gives each candidate a weight so that the weighted pool has the
   census's share of households in each category *and* its share of people in each age band.
   The fit is cached per set of census figures.
3. **A town of N households** (:func:`draw_households`): each category gets its share of the
   N households (largest remainders) and draws them from its candidates in proportion to the
   weights, with the run's own stream.

Conditions follow (:func:`draw_conditions`, :func:`draw_household_conditions`) and the model's
six household types are *derived* from composition and conditions (:func:`derive_types`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.domain import FAMILY_TYPE_KEYS, TYPE_KEYS, Condition, FamilyType, HouseholdType, Role
from sim.params import parse_age_band
from sim.streams import make_stream

# ---------------------------------------------------------------------------------------
# Census categories: the family types, with 単独 split at 65 (65+ living alone is a census figure).

CATEGORIES = (
    "single_under_65",
    "single_65_plus",
    "couple",
    "couple_with_children",
    "single_parent",
    "three_generation",
    "other",
)
CATEGORY_FAMILY = np.array(
    [
        FamilyType.SINGLE,
        FamilyType.SINGLE,
        FamilyType.COUPLE,
        FamilyType.COUPLE_WITH_CHILDREN,
        FamilyType.SINGLE_PARENT,
        FamilyType.THREE_GENERATION,
        FamilyType.OTHER,
    ],
    dtype=np.int8,
)
POOL_PER_CATEGORY = 4000
POOL_SEED = 2020  # the pool is part of the model's structure, the same in every run
OLDEST_AGE = 104
FIT_TOLERANCE = 0.01  # a census whose age shares the pool misses by more (1 point) is rejected
IPU_ITERATIONS = 100

# Prior weights of the reference person's age, by 5-year band from the given first age (Assumption;
# the fit then reweights every candidate to the census's age bands). They set which households the
# people of an age band live in when the census figures alone do not say.
SINGLE_UNDER_65_AGES = (15, (0.25, 1.6, 1.7, 1.3, 1.1, 1.0, 1.05, 1.0, 0.95, 1.0))
SINGLE_65_PLUS_AGES = (65, (1.0, 1.2, 1.15, 1.1, 0.85, 0.4, 0.12, 0.02))
COUPLE_AGES = (20, (0.1, 0.5, 0.6, 0.5, 0.45, 0.45, 0.5, 0.6, 0.8, 1.0, 1.2, 1.25, 1.1, 0.8, 0.45, 0.15, 0.04))
MOTHER_AGES = (20, (0.05, 0.3, 0.7, 1.0, 1.15, 1.25, 1.1, 0.9, 0.7, 0.6, 0.5, 0.3, 0.15, 0.05))
LONE_PARENT_AGES = (20, (0.01, 0.04, 0.1, 0.18, 0.3, 0.5, 0.7, 0.85, 0.9, 1.0, 1.1, 1.0, 0.85, 0.55, 0.2, 0.05))
MIDDLE_GENERATION_AGES = (20, (0.05, 0.4, 0.8, 1.0, 1.0, 0.9, 0.8, 0.7, 0.55, 0.4, 0.2))
# Children at home (1, 2, 3, 4, …) for a parent under 50 and from 50 (older parents' children have left).
CHILDREN_COUPLE = ((0.3, 0.54, 0.14, 0.02), (0.6, 0.32, 0.07, 0.01))
CHILDREN_LONE_PARENT = ((0.6, 0.32, 0.08), (0.8, 0.17, 0.03))
CHILDREN_THREE_GENERATION = ((0.55, 0.35, 0.09, 0.01), (0.65, 0.28, 0.06, 0.01))
MOTHER_AGE_AT_BIRTH = (30.0, 4.5, 18, 45)  # mean, sd, youngest, oldest (人口動態統計: first birth ≈ 30.7)
SPOUSE_GAP = (2.0, 3.0, -6, 12)  # husband older by N(2, 3) years, clipped (人口動態統計: 夫妻の年齢差 ≈ 1.7)
# その他の世帯: 夫婦と親, 夫婦と両親, 夫婦・子供と他の親族, 兄弟姉妹, 非親族を含む世帯 (Assumption).
OTHER_KINDS = (0.35, 0.10, 0.10, 0.30, 0.15)


@dataclass(frozen=True)
class Pool:
    """Candidate households: ``category`` per candidate, members in CSR form (``ptr`` into ``age``, ``role``)."""

    category: np.ndarray
    ptr: np.ndarray
    age: np.ndarray
    role: np.ndarray

    @property
    def size(self) -> np.ndarray:
        return np.diff(self.ptr)


def _ages(rng: np.random.Generator, n: int, prior: tuple[int, tuple[float, ...]]) -> np.ndarray:
    first, weights = prior
    w = np.asarray(weights) / np.sum(weights)
    band = rng.choice(len(w), size=n, p=w)
    return np.minimum(first + 5 * band + rng.integers(0, 5, n), OLDEST_AGE)


def _spouse(rng: np.random.Generator, age: np.ndarray, older: bool = True) -> np.ndarray:
    """The spouse's age: the husband's from the wife's (``older``), or the wife's from the husband's."""
    mean, sd, low, high = SPOUSE_GAP
    gap = np.clip(np.round(rng.normal(mean, sd, len(age))), low, high).astype(np.int64)
    return np.clip(age + gap if older else age - gap, 18, OLDEST_AGE)


def _father(rng: np.random.Generator, mother: np.ndarray, child_of: np.ndarray, child_age: np.ndarray) -> np.ndarray:
    """The husband of each mother, at least 18 years older than her oldest child."""
    oldest = np.zeros(len(mother), dtype=np.int64)
    np.maximum.at(oldest, child_of, child_age)
    return np.minimum(np.maximum(_spouse(rng, mother), oldest + 18), OLDEST_AGE)


def _birth_age(rng: np.random.Generator, n: int, mean: float | None = None) -> np.ndarray:
    m, sd, low, high = MOTHER_AGE_AT_BIRTH
    return np.clip(np.round(rng.normal(m if mean is None else mean, sd, n)), low, high).astype(np.int64)


def _children(rng, parent_age: np.ndarray, counts: tuple[tuple[float, ...], tuple[float, ...]]):
    """Children at home of parents aged ``parent_age``: ``(parent index, child age)`` per child.

    The first child is born at a mother's age at birth (18–45, never older than the parent), the next
    ones 1–5 years apart; a child who would be born after 45 is not drawn.
    """
    young, old = (np.asarray(c) / np.sum(c) for c in counts)
    n = len(parent_age)
    k = np.where(parent_age < 50, rng.choice(len(young), n, p=young), rng.choice(len(old), n, p=old)) + 1
    first = np.minimum(_birth_age(rng, n), parent_age)
    parent = np.repeat(np.arange(n), k)
    start = np.cumsum(k) - k
    rank = np.arange(len(parent)) - np.repeat(start, k)
    gaps = np.where(rank == 0, 0, 1 + rng.poisson(1.6, len(parent)))
    cumulative = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[start] - gaps[start], k)
    at_birth = first[parent] + cumulative
    age = parent_age[parent] - at_birth
    keep = (at_birth <= MOTHER_AGE_AT_BIRTH[3]) & (age >= 0)
    return parent[keep], age[keep]


def household_pool(per_category: int = POOL_PER_CATEGORY, seed: int = POOL_SEED) -> Pool:
    """The candidate households, ``per_category`` of each census category (a fixed table)."""
    rng = make_stream(seed, "census.pool")
    n = per_category
    idx = np.arange(n)
    parts: list[tuple[int, np.ndarray, np.ndarray, int]] = []  # (category, candidate, age, role)

    def add(cat: int, who: np.ndarray, age: np.ndarray, role: Role) -> None:
        parts.append((cat, who, np.minimum(age, OLDEST_AGE), int(role)))

    alone = _ages(rng, n, SINGLE_UNDER_65_AGES)
    add(0, idx, np.where(alone < 18, 18 + rng.integers(0, 2, n), alone), Role.ADULT)  # nobody under 18 alone
    add(1, idx, _ages(rng, n, SINGLE_65_PLUS_AGES), Role.ADULT)
    older = _ages(rng, n, COUPLE_AGES)
    add(2, idx, older, Role.ADULT)
    add(2, idx, _spouse(rng, older, older=False), Role.ADULT)

    mother = _ages(rng, n, MOTHER_AGES)
    who, age = _children(rng, mother, CHILDREN_COUPLE)
    add(3, idx, mother, Role.ADULT)
    add(3, idx, _father(rng, mother, who, age), Role.ADULT)
    add(3, who, age, Role.CHILD)

    parent = _ages(rng, n, LONE_PARENT_AGES)
    add(4, idx, parent, Role.ADULT)
    who, age = _children(rng, parent, CHILDREN_LONE_PARENT)
    add(4, who, age, Role.CHILD)

    middle = _ages(rng, n, MIDDLE_GENERATION_AGES)
    spouse = rng.random(n) < 0.8  # Assumption: one in five 三世代 has a lone parent in the middle
    who, age = _children(rng, middle, CHILDREN_THREE_GENERATION)
    husband = _father(rng, middle, who, age)
    add(5, idx, middle, Role.ADULT)
    add(5, idx[spouse], husband[spouse], Role.ADULT)
    add(5, who, age, Role.CHILD)
    parents_age = np.where(spouse, np.maximum(middle, husband), middle)
    grandparent = np.minimum(parents_age + _birth_age(rng, n, 28.0), OLDEST_AGE)
    both = rng.random(n) < 0.35  # Assumption: both grandparents in about a third
    add(5, idx, grandparent, Role.ELDER)
    add(5, idx[both], np.maximum(_spouse(rng, grandparent, older=False), parents_age + 18)[both], Role.ELDER)

    _other(rng, n, add)

    cat = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
    cand = np.concatenate([p[1] for p in parts]) + cat * n
    age = np.concatenate([p[2] for p in parts])
    role = np.concatenate([np.full(len(p[1]), p[3]) for p in parts])
    order = np.lexsort((-age, role, cand))  # by candidate; within one: adults, children, elders
    counts = np.bincount(cand, minlength=len(CATEGORIES) * n)
    ptr = np.concatenate(([0], np.cumsum(counts)))
    return Pool(
        np.repeat(np.arange(len(CATEGORIES), dtype=np.int8), n),
        ptr.astype(np.int64),
        age[order].astype(np.int16),
        role[order].astype(np.int8),
    )


def _other(rng: np.random.Generator, n: int, add) -> None:
    """その他の世帯: couples with one or both of their parents, couples with children and a relative,
    siblings, and people not related (Assumption: shares ``OTHER_KINDS``)."""
    cat = 6
    idx = np.arange(n)
    kind = rng.choice(len(OTHER_KINDS), n, p=np.asarray(OTHER_KINDS) / sum(OTHER_KINDS))
    couple = _ages(rng, n, (45, (1, 1, 1, 1, 1, 0.8)))
    partner = _spouse(rng, couple)
    parent = np.maximum(couple, partner) + _birth_age(rng, n, 28.0)  # a parent of the couple's generation
    mother = _ages(rng, n, (25, (0.3, 0.8, 1, 1, 0.8, 0.5)))
    sibling = _ages(rng, n, (20, (0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 0.9, 1, 1, 1, 1, 0.9, 0.7, 0.4)))
    lodger = _ages(rng, n, (20, (1, 1.2, 1, 0.6)))
    with_parents = kind <= 1
    first = np.select([with_parents, kind == 2, kind == 3], [couple, mother, sibling], lodger)
    families = idx[kind == 2]
    who, age = _children(rng, mother[families], ((0.5, 0.4, 0.1), (0.5, 0.4, 0.1)))
    father = np.zeros(n, dtype=np.int64)
    father[families] = _father(rng, mother[families], who, age)
    add(cat, idx, first, Role.ADULT)
    second = np.select(
        [with_parents, kind == 2, kind == 3],
        [partner, father, sibling + rng.integers(-6, 7, n)],
        lodger + rng.integers(-5, 6, n),
    )
    add(cat, idx, np.clip(second, 18, OLDEST_AGE), Role.ADULT)
    third = (kind == 2) | ((kind == 3) & (rng.random(n) < 0.2))
    relative = np.where(kind == 2, mother + rng.integers(-8, 9, n), sibling + rng.integers(-6, 7, n))
    add(cat, idx[third], np.clip(relative, 18, OLDEST_AGE)[third], Role.ADULT)
    add(cat, idx[with_parents], parent[with_parents], Role.ELDER)
    both = kind == 1
    other_parent = np.maximum(parent + rng.integers(-3, 6, n), np.maximum(couple, partner) + 18)
    add(cat, idx[both], np.minimum(other_parent, OLDEST_AGE)[both], Role.ELDER)
    add(cat, families[who], age, Role.CHILD)


@functools.lru_cache(maxsize=2)
def _pool() -> Pool:
    return household_pool()


# ---------------------------------------------------------------------------------------
# Fitting the pool to the census


@dataclass(frozen=True)
class CensusTargets:
    """Census figures as shares: households by category, people by age band (``(low, high)``, high ``None`` = open)."""

    households: tuple[float, ...]  # by CATEGORIES
    bands: tuple[tuple[int, int | None], ...]
    people: tuple[float, ...]  # by band


def census_targets(census: dict[str, Any]) -> CensusTargets:
    """The shares a validated ``[census]`` table asks for."""
    family = census["family_types"]
    total = sum(family.values())
    alone = census["elderly_alone"] / total
    shares = [family["single"] / total - alone, alone, *(family[k] / total for k in FAMILY_TYPE_KEYS[1:])]
    bands = [parse_age_band(label) for label in census["age"]]
    people = np.array(list(census["age"].values()), dtype=np.float64)
    return CensusTargets(
        tuple(float(s) for s in shares),
        tuple(b for b in bands if b is not None),
        tuple(float(p) for p in people / people.sum()),
    )


@dataclass(frozen=True)
class CensusFit:
    """Candidate weights matching the census (within each category they sum to its household share)."""

    targets: CensusTargets
    weights: np.ndarray
    people: np.ndarray  # achieved share of people in each band
    mean_size: float
    by_age: np.ndarray  # share of people of each single year of age (0 … OLDEST_AGE)

    def share_aged(self, low: int, high: int | None = None) -> float:
        """Share of the town's people aged ``low`` to ``high`` (``None``: and older)."""
        return float(self.by_age[low : None if high is None else high + 1].sum())

    @property
    def worst_band(self) -> tuple[int, float, float]:
        """``(band index, asked share, achieved share)`` of the band the fit misses most."""
        miss = np.abs(self.people - np.asarray(self.targets.people))
        i = int(np.argmax(miss))
        return i, self.targets.people[i], float(self.people[i])

    @property
    def ok(self) -> bool:
        return self.worst_band_miss <= FIT_TOLERANCE

    @property
    def worst_band_miss(self) -> float:
        _, asked, got = self.worst_band
        return abs(asked - got)


def _band_of(age: np.ndarray, bands: tuple[tuple[int, int | None], ...]) -> np.ndarray:
    starts = np.array([low for low, _ in bands])
    return np.searchsorted(starts, age, side="right") - 1


@functools.lru_cache(maxsize=32)
def fit_census(targets: CensusTargets) -> CensusFit:
    """Weights of the pool's candidates that match ``targets`` (iterative proportional updating).

    Alternates two steps until the age shares stop moving: scale each category's weights to its
    household share; for each age band, scale the weights of the candidates with members in it so
    that the band holds its share of all people.
    """
    pool = _pool()
    n_bands = len(targets.bands)
    cand = np.repeat(np.arange(len(pool.category)), pool.size)
    flat = np.bincount(cand * n_bands + _band_of(pool.age, targets.bands), minlength=len(pool.category) * n_bands)
    counts = flat.reshape(-1, n_bands).astype(np.float64)
    size = pool.size.astype(np.float64)
    asked_hh = np.asarray(targets.households)
    asked = np.asarray(targets.people)
    in_band = [np.flatnonzero(counts[:, b]) for b in range(n_bands)]
    of_band = [counts[rows, b] for b, rows in enumerate(in_band)]
    by_cat = [np.flatnonzero(pool.category == k) for k in range(len(CATEGORIES))]
    w = np.ones(len(size))
    for _ in range(IPU_ITERATIONS):
        _scale_categories(w, by_cat, asked_hh)
        people = w @ size
        before = (w @ counts) / people
        for b in range(n_bands):
            rows = in_band[b]
            here = w[rows] @ of_band[b]
            if here <= 0:
                continue
            factor = asked[b] * people / here
            people += (factor - 1.0) * (w[rows] @ size[rows])
            w[rows] *= factor
        if np.max(np.abs(before - asked)) < 1e-5:
            break
    _scale_categories(w, by_cat, asked_hh)
    people = w @ counts
    by_age = np.bincount(pool.age, weights=w[cand], minlength=OLDEST_AGE + 1)
    return CensusFit(targets, w, people / people.sum(), float(people.sum()), by_age / by_age.sum())


def _scale_categories(w: np.ndarray, by_cat: list[np.ndarray], asked: np.ndarray) -> None:
    for rows, share in zip(by_cat, asked, strict=True):
        total = w[rows].sum()
        w[rows] *= share / total if total > 0 else 0.0


# ---------------------------------------------------------------------------------------
# Drawing a town's households


@dataclass
class Households:
    """A town's households and residents (residents grouped by household, in household order)."""

    family_type: np.ndarray  # int8 FamilyType per household
    res_household: np.ndarray  # int32 per resident
    res_age: np.ndarray  # int16
    res_role: np.ndarray  # int8 Role


def allocate(shares: np.ndarray, n: int) -> np.ndarray:
    """Whole numbers summing to ``n`` in proportion to ``shares`` (largest remainders)."""
    exact = np.asarray(shares, dtype=np.float64) / np.sum(shares) * n
    counts = np.floor(exact).astype(np.int64)
    remainder = n - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return counts


def draw_candidates(fit: CensusFit, n: int, rng: np.random.Generator) -> np.ndarray:
    """Pool candidates for ``n`` households: each category's share, drawn in proportion to the weights."""
    pool = _pool()
    counts = allocate(np.asarray(fit.targets.households), n)
    chosen = []
    for k, count in enumerate(counts):
        rows = np.flatnonzero(pool.category == k)
        p = fit.weights[rows]
        if count:
            chosen.append(rows[rng.choice(len(rows), size=count, p=p / p.sum())])
    return rng.permutation(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def households_of(candidates: np.ndarray) -> Households:
    """The households (and their residents) of the pool's ``candidates``, in this order."""
    pool = _pool()
    start = pool.ptr[candidates]
    size = pool.ptr[candidates + 1] - start
    hh = np.repeat(np.arange(len(candidates), dtype=np.int32), size)
    member = np.repeat(start - np.cumsum(size) + size, size) + np.arange(int(size.sum()))
    return Households(
        CATEGORY_FAMILY[pool.category[candidates]],
        hh,
        pool.age[member],
        pool.role[member],
    )


def eligible_candidates(kind: str) -> np.ndarray:
    """Pool candidates whose members can make a household of a derived ``kind`` (for at-least planting)."""
    pool = _pool()
    hh = np.repeat(np.arange(len(pool.category)), pool.size)
    n = len(pool.category)

    def any_of(mask: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[hh[mask]] = True
        return out

    if kind == "8050":
        return any_of((pool.role == Role.ADULT) & (pool.age >= 70)) & any_of(
            (pool.role == Role.CHILD) & (pool.age >= 40) & (pool.age <= 64)
        )
    if kind == "minor":
        return any_of(pool.age < 18)
    if kind == "young_child":
        return any_of(pool.age < DOUBLE_CARE_CHILD_AGE)
    return np.ones(n, dtype=bool)


# ---------------------------------------------------------------------------------------
# Conditions

DOUBLE_CARE_CHILD_AGE = 13  # ダブルケア: a child under 13 (of primary-school age or younger)
AGE_8050_PARENT = 70
AGES_8050_CHILD = (40, 64)
WITHDRAWAL_AGES = ((15, 39), (40, 64))


def _any_member(n: int, res_household: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[res_household[mask]] = True
    return out


def withdrawal_probabilities(
    age: np.ndarray, role: np.ndarray, rates: tuple[float, float], with_parents: tuple[float, float]
) -> np.ndarray:
    """Each resident's probability of ひきこもり.

    In each age group the expected number withdrawn is ``rate`` × the group; a share ``with_parents``
    of them are residents living with their parents (Role.CHILD), the rest anyone else of the group.
    """
    p = np.zeros(len(age))
    for (low, high), rate, share in zip(WITHDRAWAL_AGES, rates, with_parents, strict=True):
        group = (age >= low) & (age <= high)
        child = group & (role == Role.CHILD)
        n, n_child = int(group.sum()), int(child.sum())
        if n == 0:
            continue
        expected = rate * n
        p_child = min(1.0, share * expected / n_child) if n_child else 0.0
        rest = n - n_child
        p_rest = min(1.0, max(0.0, expected - p_child * n_child) / rest) if rest else 0.0
        p[child] = p_child
        p[group & ~child] = p_rest
    return p


def draw_conditions(residents: dict[str, Any], hh: Households, rng: np.random.Generator) -> np.ndarray:
    """Resident conditions (a uint8 bitmask of Condition per resident)."""
    age, role = hh.res_age, hh.res_role
    m = len(age)
    u = rng.random((3, m))
    cond = np.zeros(m, dtype=np.uint8)
    p_withdrawn = withdrawal_probabilities(
        age,
        role,
        (residents["withdrawal_rate_15_39"], residents["withdrawal_rate_40_64"]),
        (residents["withdrawn_with_parents_15_39"], residents["withdrawn_with_parents_40_64"]),
    )
    cond |= ((u[0] < p_withdrawn) << Condition.WITHDRAWAL).astype(np.uint8)
    cond |= ((u[1] < disability_probabilities(residents, age)) << Condition.DISABILITY).astype(np.uint8)
    care = np.where(
        age >= 75, residents["care_need_rate_75plus"], np.where(age >= 65, residents["care_need_rate_65_74"], 0.0)
    )
    cond |= ((u[2] < care) << Condition.CARE_NEED).astype(np.uint8)
    cond |= ((age <= 5) << Condition.YOUNG_CHILD).astype(np.uint8)
    return cond


def disability_probabilities(residents: dict[str, Any], age: np.ndarray) -> np.ndarray:
    """``disability_rate_under_18`` for children; adults the rate that keeps the town at ``disability_rate``."""
    minor = age < 18
    m, kids = len(age), int(minor.sum())
    overall, young = residents["disability_rate"], residents["disability_rate_under_18"]
    adult = min(1.0, max(0.0, (overall * m - young * kids) / (m - kids))) if m > kids else 0.0
    return np.where(minor, young, adult)


@dataclass
class HouseholdConditions:
    """Conditions of a household as a whole."""

    hoarding: np.ndarray  # bool: ごみ屋敷 (hoarding)
    refuses_support: np.ndarray  # bool: the parent refuses support (drawn where a child under 18 has a disability)
    cares_for_parent_elsewhere: np.ndarray  # bool: raises a child under 13 and cares for a parent living elsewhere


def draw_household_conditions(
    p: dict[str, Any], hh: Households, res_cond: np.ndarray, rng: np.random.Generator
) -> HouseholdConditions:
    """Hoarding, a parent refusing support, and care for a parent elsewhere (stream town.household_conditions)."""
    n = len(hh.family_type)
    u = rng.random((3, n))
    single = hh.family_type == FamilyType.SINGLE
    relative = np.where(single, p["hoarding_relative_single"], 1.0)
    hoarding = u[0] < np.minimum(1.0, p["hoarding_rate"] * relative / max(relative.mean(), 1e-12))
    disabled_minor = _any_member(
        n, hh.res_household, (hh.res_age < 18) & ((res_cond & (1 << Condition.DISABILITY)) > 0)
    )
    refuses = disabled_minor & (u[1] < p["refusing_parent_rate"])
    young = _any_member(n, hh.res_household, hh.res_age < DOUBLE_CARE_CHILD_AGE)
    elsewhere = young & (u[2] < p["double_care_elsewhere_rate"])
    return HouseholdConditions(hoarding, refuses, elsewhere)


# ---------------------------------------------------------------------------------------
# The model's household types, derived


def derive_types(hh: Households, res_cond: np.ndarray, hc: HouseholdConditions) -> np.ndarray:
    """Each household's type (HouseholdType), by priority.

    1. hoarding_isolated: the household has the hoarding condition.
    2. disabled_child_refusing: a child under 18 with a disability, and the parent refuses support.
    3. 8050: a member aged 70+ lives with their child aged 40–64 in ひきこもり.
    4. double_care: a child under 13, and a member aged 65+ with a care need or a parent cared for elsewhere.
    5. elderly_alone: one person aged 65+.
    6. ordinary: the rest.
    """
    n = len(hh.family_type)
    age, role, home = hh.res_age, hh.res_role, hh.res_household

    def has(mask: np.ndarray) -> np.ndarray:
        return _any_member(n, home, mask)

    withdrawn = (res_cond & (1 << Condition.WITHDRAWAL)) > 0
    disabled = (res_cond & (1 << Condition.DISABILITY)) > 0
    care = (res_cond & (1 << Condition.CARE_NEED)) > 0
    low, high = AGES_8050_CHILD
    middle_aged_withdrawn = withdrawn & (age >= low) & (age <= high)
    old = age >= AGE_8050_PARENT
    h8050 = (has((role == Role.ADULT) & old) & has((role == Role.CHILD) & middle_aged_withdrawn)) | (
        has((role == Role.ELDER) & old) & has((role == Role.ADULT) & middle_aged_withdrawn)
    )
    young = has(age < DOUBLE_CARE_CHILD_AGE)
    double_care = young & (has((age >= 65) & care) | hc.cares_for_parent_elsewhere)
    sizes = np.bincount(home, minlength=n)
    alone_65 = (sizes == 1) & has(age >= 65)

    htype = np.full(n, HouseholdType.ORDINARY, dtype=np.int8)
    for mask, t in (
        (alone_65, HouseholdType.ELDERLY_ALONE),
        (double_care, HouseholdType.DOUBLE_CARE),
        (h8050, HouseholdType.H8050),
        (has((age < 18) & disabled) & hc.refuses_support, HouseholdType.DISABLED_CHILD_REFUSING),
        (hc.hoarding, HouseholdType.HOARDING_ISOLATED),
    ):  # lowest priority first, so that a higher one overwrites
        htype[mask] = t
    return htype


# ---------------------------------------------------------------------------------------
# Teaching towns: at least a few households of each of the seed's hard cases

# Derived type: (the composition it needs, census categories to take it from, in order of preference).
PLANTED = {
    "hoarding_isolated": ("any", ("single_65_plus", "single_under_65")),
    "disabled_child_refusing": ("minor", ("couple_with_children", "single_parent")),
    "8050": ("8050", ("single_parent", "couple_with_children")),
    "double_care": ("young_child", ("couple_with_children", "three_generation")),
}


def reserve_households(
    wanted: dict[str, int], candidates: np.ndarray, fit: CensusFit, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Households set aside to become ``wanted[type]`` households of each plantable type.

    Households of a fitting composition are taken first; when too few exist, households of the
    preferred category are redrawn among its candidates of that composition (so the family-type
    counts stay as drawn). Returns the (possibly changed) candidates and each type's households.
    """
    pool = _pool()
    candidates = candidates.copy()
    taken = np.zeros(len(candidates), dtype=bool)
    reserved: dict[str, np.ndarray] = {}
    for kind, (composition, categories) in PLANTED.items():
        need = wanted.get(kind, 0)
        if need <= 0:
            continue
        fits = eligible_candidates(composition)
        cats = [CATEGORIES.index(c) for c in categories]
        in_cats = np.isin(pool.category[candidates], cats) & ~taken
        picked = rng.permutation(np.flatnonzero(in_cats & fits[candidates]))[:need]
        short = need - len(picked)
        if short > 0:
            first = cats[0]
            spare = np.flatnonzero((pool.category[candidates] == first) & ~taken & ~fits[candidates])
            if len(spare) < short:  # the category is too small: take any household left
                spare = np.concatenate([spare, np.flatnonzero(~taken & (pool.category[candidates] != first))])
            redraw = rng.permutation(spare)[:short]
            rows = np.flatnonzero((pool.category == first) & fits)
            p = fit.weights[rows] + 1e-12
            candidates[redraw] = rows[rng.choice(len(rows), size=len(redraw), p=p / p.sum())]
            picked = np.concatenate([picked, redraw])
        taken[picked] = True
        reserved[kind] = np.sort(picked)
    return candidates, reserved


def plant(reserved: dict[str, np.ndarray], hh: Households, res_cond: np.ndarray, hc: HouseholdConditions) -> None:
    """Give each reserved household its type's defining condition (and none of a higher-priority type)."""
    withdrawal, disability = np.uint8(1 << Condition.WITHDRAWAL), np.uint8(1 << Condition.DISABILITY)
    starts = np.searchsorted(hh.res_household, np.arange(len(hh.family_type) + 1))
    low, high = AGES_8050_CHILD
    for kind, households in reserved.items():
        for h in households:
            members = np.arange(starts[h], starts[h + 1])
            age, role = hh.res_age[members], hh.res_role[members]
            hc.hoarding[h] = kind == "hoarding_isolated"
            if kind != "disabled_child_refusing":
                hc.refuses_support[h] = False
            if kind == "disabled_child_refusing":
                res_cond[members[np.argmin(age)]] |= disability  # the youngest child
                hc.refuses_support[h] = True
            elif kind == "8050":
                child = members[(role == Role.CHILD) & (age >= low) & (age <= high)]
                res_cond[child[0]] |= withdrawal
            elif kind == "double_care":
                hc.cares_for_parent_elsewhere[h] = True
                res_cond[members[(age >= low) & (age <= high)]] &= ~withdrawal  # not an 8050 household


# ---------------------------------------------------------------------------------------
# How close a town is to the census (tests/test_population.py checks these; docs/parameters.md lists them)


@dataclass(frozen=True)
class CensusCheck:
    """A published figure, the tolerance a large default town must meet, and its source."""

    key: str
    what: str
    target: float
    tolerance: float
    source: str


NATIONAL_CHECKS = (
    CensusCheck("share_65_plus", "residents aged 65+", 0.286, 0.01, "国勢調査 2020"),
    CensusCheck("share_0_14", "residents aged 0–14", 0.119, 0.01, "国勢調査 2020"),
    CensusCheck(
        "with_minor",
        "households with a member under 18",
        0.183,
        0.02,
        "国民生活基礎調査 2022 (児童のいる世帯 18.3%); with 1.66 children each, the census's age structure implies ≈19%",
    ),
    CensusCheck("one_person", "one-person households", 0.380, 0.005, "国勢調査 2020"),
    CensusCheck("elderly_alone", "65+ living alone (share of households)", 0.121, 0.005, "国勢調査 2020"),
    CensusCheck("couple_only", "couple-only households (夫婦のみ)", 0.201, 0.005, "国勢調査 2020"),
    CensusCheck("mean_size", "mean household size", 2.21, 0.05, "国勢調査 2020 (一般世帯の1世帯当たり人員 2.21)"),
    CensusCheck("five_plus", "households of 5+ people", 0.045, 0.01, "国勢調査 2020, ≈4–5% (S2/E)"),
    CensusCheck("withdrawn_15_39", "residents aged 15–39 in ひきこもり", 0.0205, 0.003, "内閣府 2022"),
    CensusCheck("withdrawn_40_64", "residents aged 40–64 in ひきこもり", 0.0202, 0.003, "内閣府 2022"),
    CensusCheck("type_8050", "8050 households", 0.0077, 0.0015, "35–50万 of 5,570万 households (E, KHJ/内閣府)"),
    CensusCheck("type_double_care", "ダブルケア households", 0.005, 0.002, "25.3万 persons (内閣府 2016) ≈0.5% (E)"),
    CensusCheck("type_elderly_alone", "elderly-alone households", 0.121, 0.006, "国勢調査 2020 (less hoarding ones)"),
    CensusCheck("type_hoarding_isolated", "hoarding households", 0.0012, 0.0006, "Assumption (hoarding_rate)"),
    CensusCheck(
        "type_disabled_child_refusing",
        "disabled child, refusing parent",
        0.002,
        0.001,
        "Assumption (≈1% × one in five)",
    ),
)


def census_figures(town: Any) -> dict[str, float]:
    """The figures of ``NATIONAL_CHECKS`` measured on a built town (or a stack of towns)."""
    n = len(town.htype)
    age, home = town.res_age, town.res_household
    size = np.bincount(home, minlength=n)
    withdrawn = (town.res_conditions & (1 << Condition.WITHDRAWAL)) > 0
    young, middle = ((age >= low) & (age <= high) for low, high in WITHDRAWAL_AGES)
    figures = {
        "share_65_plus": float((age >= 65).mean()),
        "share_0_14": float((age <= 14).mean()),
        "with_minor": float(_any_member(n, home, age < 18).mean()),
        "one_person": float((size == 1).mean()),
        "elderly_alone": float(((size == 1) & _any_member(n, home, age >= 65)).mean()),
        "couple_only": float((town.family_type == FamilyType.COUPLE).mean()),
        "mean_size": float(size.mean()),
        "five_plus": float((size >= 5).mean()),
        "withdrawn_15_39": float(withdrawn[young].mean()),
        "withdrawn_40_64": float(withdrawn[middle].mean()),
    }
    counts = np.bincount(town.htype, minlength=len(TYPE_KEYS)) / n
    figures |= {f"type_{k}": float(counts[t]) for t, k in enumerate(TYPE_KEYS)}
    return figures
