"""The week's fast paths give exactly what the general rules they shortcut give."""

from __future__ import annotations

import numpy as np

from sim.domain import DOMAIN_KEYS, Stage
from sim.engine.staff import Staff
from sim.mechanisms.desk_intake import pick_domain
from sim.model import CommunityModel
from sim.streams import HouseholdStream


def test_several_draws_in_one_pass_equal_the_draws_one_by_one():
    stream = HouseholdStream(7, "mechanism.desk_intake")
    idx = np.array([0, 3, 17, 2999, 58999])
    for week in (-519, 0, 1, 520):
        both = stream.uniforms(week, idx, (3, 0, 1))
        for row, draw in enumerate((3, 0, 1)):
            assert np.array_equal(both[row], stream.uniform(week, idx, draw))


def _pick_by_cumulative_count(masks: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The rule pick_domain implements: the domain where the count of held domains passes u × held."""
    bits = ((masks[:, None].astype(np.int64) >> np.arange(len(DOMAIN_KEYS))) & 1).astype(bool)
    cum = np.cumsum(bits, axis=1)
    return (cum <= (u * cum[:, -1])[:, None]).sum(axis=1)


def test_presenting_domain_lookup_agrees_with_the_cumulative_rule_at_every_threshold():
    masks, us = [], []
    for mask in range(1, 1 << len(DOMAIN_KEYS)):
        held = bin(mask).count("1")
        for k in range(held):  # just below, at and just above each step of the rule
            for u in (np.nextafter(k / held, 0), k / held, np.nextafter(k / held, 1), (k + 0.5) / held):
                if 0 <= u < 1:
                    masks.append(mask)
                    us.append(u)
    masks, us = np.array(masks, dtype=np.uint16), np.array(us)
    assert np.array_equal(pick_domain(masks, us), _pick_by_cumulative_count(masks, us))


def _slots_rule(staff: np.ndarray, load: np.ndarray, n: int, limit: int | None) -> np.ndarray:
    """One slot per free place; the slot for a professional's k-th new case ranks load + k."""
    free = np.full(len(staff), n) if limit is None else np.clip(limit - load, 0, n)
    slot_staff = np.repeat(staff, free)
    slot_rank = np.repeat(load, free) + (np.arange(free.sum()) - np.repeat(np.cumsum(free) - free, free))
    return slot_staff[np.argsort(slot_rank, kind="stable")][:n]


def test_every_desk_queue_gets_its_professionals_by_the_slot_rule():
    rng = np.random.default_rng(0)
    for _ in range(1000):
        n_desks = int(rng.integers(1, 5))
        staff = Staff([{"staff": int(rng.integers(0, 5))} for _ in range(n_desks)])
        staff.caseload[:] = rng.integers(0, 6, len(staff))
        limit = [None, 1, 3, 5][int(rng.integers(4))]
        queue_desk = np.sort(rng.integers(0, n_desks, int(rng.integers(1, 9))))
        served, chosen = staff.assign(queue_desk, limit)
        expected_served, expected = [], []
        for d in range(n_desks):  # desk by desk, as the rule is stated
            n = int(np.count_nonzero(queue_desk == d))
            mine = np.flatnonzero(staff.desk == d)
            picked = _slots_rule(mine, staff.caseload[mine], n, limit) if n else mine[:0]
            expected_served += [True] * len(picked) + [False] * (n - len(picked))
            expected += picked.tolist()
        assert served.tolist() == expected_served
        assert chosen.tolist() == expected


def test_weekly_counts_follow_cases_opened_and_closed_by_hand_between_weeks(small_town):
    model = CommunityModel("baseline", small_town, seed=3, warmup_weeks=0)
    model.run(2)
    none = np.flatnonzero(model.hh.stage == Stage.NONE)[:3]
    with_problem = np.flatnonzero(model.hh.stage > Stage.NONE)[:3]
    for h in none:
        model.set_stage(int(h), Stage.COMPLEX)
    for h in with_problem:
        model.set_stage(int(h), Stage.NONE)
    model.step()
    last = model.weekly().iloc[-1]
    counts = np.bincount(model.hh.stage, minlength=4)
    assert [last["true_none"], last["true_latent"], last["true_manifest"], last["true_complex"]] == counts.tolist()
