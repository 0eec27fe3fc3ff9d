"""The compiled (numba) kernels give exactly what the numpy rules they replace give.

Each kernel fuses a few whole-array steps into one pass for speed; these tests state the rule
in plain numpy (or Python integers) and check the kernel against it on random inputs, bit for
bit. The golden baseline (tests/test_golden.py) checks the same end to end.
"""

from __future__ import annotations

import numpy as np

from sim.engine.accounts import _book, _count_by_run, _desk_hours, _hour_totals
from sim.engine.capacity import share_by_priority
from sim.engine.casebook import _in_status, _know
from sim.engine.collector import _tally
from sim.engine.members import update_members
from sim.mechanisms.commissioner_visits import _visit_chance
from sim.mechanisms.consent import _fade
from sim.mechanisms.onset import draw_domains
from sim.mechanisms.outreach import _sought
from sim.mechanisms.professional_support import _helped
from sim.mechanisms.watching import _watch
from sim.mechanisms.withdrawal import Withdrawal, _ends, _spread_starts
from sim.model import CommunityModel
from sim.state import NOT_YET
from sim.streams import _GOLDEN, HouseholdStream, _mix_scalar, _stream_key, _week_draw_mix

RNG = np.random.default_rng(20261129)
MASK64 = (1 << 64) - 1


def _splitmix_uniform(seed: int, name: str, week: int, household: int, draw: int) -> float:
    """The documented draw, in Python integers: mix(i × golden + mix(key + mix(w × 256 + d + 1)))."""
    base = _mix_scalar(_stream_key(seed, name) + int(_week_draw_mix(week, draw)))
    x = _mix_scalar((household * int(_GOLDEN) + base) & MASK64)
    return (x >> 11) * (1.0 / (1 << 53))


def test_compiled_draws_follow_the_splitmix_definition():
    stream = HouseholdStream(7, "mechanism.onset")
    idx = np.array([0, 1, 17, 2999, 58_999, 3])
    for week, draw in ((-519, 0), (0, 3), (520, 1)):
        expected = [_splitmix_uniform(7, "mechanism.onset", week, int(i), draw) for i in idx]
        assert stream.uniform(week, idx, draw).tolist() == expected


def test_a_batch_draws_each_household_as_its_own_run_sorted_or_not():
    n_runs, size = 5, 400
    worlds, local = np.repeat(np.arange(n_runs), size), np.tile(np.arange(size), n_runs)
    batch = HouseholdStream(list(range(10, 10 + n_runs)), "x", worlds, local)
    alone = [HouseholdStream(10 + r, "x") for r in range(n_runs)]
    idx = np.sort(RNG.choice(n_runs * size, 700, replace=False))
    for households in (idx, RNG.permutation(idx)):
        got = batch.uniform(9, households, 2)
        expected = [alone[worlds[i]].uniform(9, local[i : i + 1], 2)[0] for i in households]
        assert got.tolist() == expected


def test_visit_chance_is_the_share_by_priority_of_list_or_rounds():
    n, districts = 2000, 7
    watched, noticed = RNG.random(n) < 0.3, RNG.random(n) < 0.2
    district, round_weight = RNG.integers(0, districts, n), np.where(RNG.random(n) < 0.5, 1.5, 1.0)
    to_list, to_rounds = RNG.random(districts) * 5, RNG.random(districts) * 5
    list_total, round_total = RNG.random(districts) * 40, RNG.random(districts) * 400
    list_total[2] = round_total[3] = 0.0  # a district without weight gives nobody anything
    idx = np.sort(RNG.choice(n, 900, replace=False))
    capacity = np.where(watched[idx], to_list[district[idx]], to_rounds[district[idx]])
    total = np.where(watched[idx], list_total[district[idx]], round_total[district[idx]])
    weight = np.where(watched[idx], np.where(noticed[idx], 2.5, 1.0), round_weight[idx])
    got = _visit_chance(idx, watched, noticed, district, round_weight, 2.5, to_list, list_total, to_rounds, round_total)
    assert np.array_equal(got, share_by_priority(capacity, weight, total))


def test_watching_multiplies_the_list_by_its_level_and_others_by_their_factor():
    n = 3000
    mult, factor, level = RNG.random(n) + 0.5, 1.0 - 0.3 * RNG.random(n), RNG.random(n)
    watched, served = RNG.random(n) < 0.2, RNG.random(n) < 0.9
    listed = np.flatnonzero(watched & served)
    expected = mult * factor
    expected[listed] = mult[listed] * (1.0 - 0.4 * np.maximum(level[listed], 0.6))
    _watch(mult, factor, level, watched, served, 0.4, 0.6)
    assert np.array_equal(mult, expected)


def test_trust_fades_only_out_of_contact():
    trust = np.where(RNG.random(1000) < 0.3, RNG.random(1000), 0.0).astype(np.float32)
    service = RNG.integers(0, 8, 1000).astype(np.int8)
    expected = trust.copy()
    holding = np.flatnonzero(expected != 0)
    expected[holding[service[holding] == 0]] *= np.float32(0.997)
    _fade(trust, service, np.float32(0.997))
    assert np.array_equal(trust, expected)


def test_weekly_tally_counts_open_cases_by_run_stage_status_and_type():
    n, n_runs = 5000, 4
    run_of = np.repeat(np.arange(n_runs), n // n_runs)
    open_ = np.sort(RNG.choice(n, 1500, replace=False))
    stage = RNG.integers(0, 4, n).astype(np.int8)
    case = np.full(n, -1, dtype=np.int32)
    case[open_] = np.arange(len(open_))
    first = np.where(RNG.random(len(open_)) < 0.5, 3, NOT_YET).astype(np.int32)
    service, htype = RNG.integers(0, 8, n).astype(np.int8), RNG.integers(0, 6, n).astype(np.int8)
    stages, known, statuses, complex_ = _tally(open_, run_of, stage, case, first, service, htype, n_runs, 8, 6)
    r = run_of[open_]
    assert np.array_equal(stages.ravel(), np.bincount(r * 4 + stage[open_], minlength=n_runs * 4))
    found = first[case[open_]] != NOT_YET
    assert np.array_equal(known.ravel(), np.bincount((r * 4 + stage[open_])[found], minlength=n_runs * 4))
    assert np.array_equal(statuses.ravel(), np.bincount(r * 8 + service[open_], minlength=n_runs * 8))
    cx = open_[stage[open_] == 3]
    assert np.array_equal(complex_.ravel(), np.bincount(run_of[cx] * 6 + htype[cx], minlength=n_runs * 6))


def test_hour_totals_add_each_runs_roles_in_the_order_they_first_worked():
    hours = RNG.random((3, 5)) * 1e3
    order = np.array([[4, 0, 2, -1, -1], [1, 2, 3, 4, 0], [-1, -1, -1, -1, -1]])
    volunteer = np.array([False, True, False, True, False])
    got = _hour_totals(hours, order, volunteer)
    for run in range(3):
        everyone = volunteers = 0.0
        for r in order[run][order[run] >= 0]:
            everyone += hours[run, r]
            volunteers += hours[run, r] if volunteer[r] else 0.0
        assert got[run].tolist() == [everyone, volunteers, everyone - volunteers]


def test_flows_are_counted_in_each_households_run():
    run_of = RNG.integers(0, 6, 400)
    idx = RNG.choice(400, 150)
    flows = np.zeros((6, 3), dtype=np.int64)
    _count_by_run(flows, 1, run_of, idx)
    assert np.array_equal(flows[:, 1], np.bincount(run_of[idx], minlength=6))
    assert not flows[:, [0, 2]].any()


def test_in_status_keeps_the_open_households_of_one_status_in_order():
    service = RNG.integers(0, 8, 1000).astype(np.int8)
    open_idx = np.sort(RNG.choice(1000, 300, replace=False))
    assert np.array_equal(_in_status(open_idx, service, 4), open_idx[service[open_idx] == 4])


def test_a_channel_knows_a_case_once_and_decides_who_is_new_before_marking():
    case = np.array([0, 1, -1, 2, 3], dtype=np.int32)
    stage = np.array([1, 2, 0, 3, 1], dtype=np.int8)
    known_by = np.array([0, 0b100, 0, 0], dtype=np.uint32)  # case 1 already known to channel 2
    h = [np.zeros(10, np.int32), np.zeros(10, np.int8), np.zeros(10, np.int32), np.zeros(10, np.int8)]
    idx = np.array([1, 0, 2, 3, 0])  # household 0 twice; household 2 has no case
    size = _know(idx, case, stage, known_by, np.uint32(0b100), 2, 7, *h, 0)
    assert size == 3  # household 0 twice (both new when tested together), household 3 once
    assert h[0][:3].tolist() == [0, 2, 0] and h[3][:3].tolist() == [1, 3, 1]
    assert set(h[1][:3].tolist()) == {2} and set(h[2][:3].tolist()) == {7}
    assert known_by.tolist() == [0b100, 0b100, 0b100, 0]


def test_withdrawal_starts_spread_each_runs_expected_number_over_its_candidates():
    run_of = np.repeat(np.arange(3), 500)
    idx = np.sort(RNG.choice(1500, 900, replace=False))
    u, expected = RNG.random(900), np.array([12.5, 0.0, 4000.0])  # the last run's rate is capped at 1
    candidates = np.bincount(run_of[idx], minlength=3)
    rate = np.minimum(1.0, expected / np.maximum(candidates, 1))[run_of[idx]]
    assert np.array_equal(_spread_starts(idx, u, run_of, expected), idx[u < rate])


def test_withdrawal_ends_faster_under_support_and_participation():
    n = 2000
    service, linked_venue = RNG.integers(0, 8, n).astype(np.int8), RNG.integers(-1, 3, n).astype(np.int32)
    work_trial = RNG.random(n) < 0.1
    idx = np.sort(RNG.choice(n, 700, replace=False))
    u = RNG.random(700)
    factor = np.ones(700)
    factor[service[idx] == 2] *= 3.0
    factor[(linked_venue[idx] >= 0) | work_trial[idx]] *= 2.5
    expected = idx[u < np.minimum(1.0, 0.2 * factor)]
    assert np.array_equal(_ends(idx, u, service, linked_venue, work_trial, 0.2, 3.0, 2.5), expected)


def test_booked_hours_go_to_the_runs_named_and_report_a_first_booking():
    table, worked = RNG.random((4, 3)), np.array([[True] * 3, [True] * 3, [False] * 3, [True] * 3])
    hours, runs = RNG.random(4) * 10, np.array([True, False, True, True])
    expected = table.copy()
    expected[runs, 1] += hours[runs]
    assert _book(table, worked, 1, hours, runs)  # run 2 had not worked in role 1
    assert np.array_equal(table, expected)
    assert not _book(table, worked, 1, hours, np.array([True, True, False, False]))


def test_desk_hours_sum_as_a_weighted_bincount_by_run_and_role():
    run_of_desk, desk_role = np.array([0, 0, 1, 1, 2]), np.array([0, 2, 0, 1, 2])
    desk, hours = RNG.integers(0, 5, 300), RNG.random(300) * 3
    table = RNG.random((3, 3))
    expected_sums = np.bincount(run_of_desk[desk] * 3 + desk_role[desk], weights=hours, minlength=9).reshape(3, 3)
    expected = table + expected_sums
    assert np.array_equal(_desk_hours(desk, hours, run_of_desk, desk_role, table), expected_sums)
    assert np.array_equal(table, expected)


def _draw_domains_rule(weights: np.ndarray, held: np.ndarray | int, u: np.ndarray) -> np.ndarray:
    free = weights * ((np.asarray(held)[..., None] & (1 << np.arange(weights.shape[1]))) == 0)
    cum = np.cumsum(free, axis=1)
    total = cum[:, -1]
    pick = (cum < (u * total)[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(pick, weights.shape[1] - 1), -1)


def test_a_new_domain_is_drawn_by_cumulative_free_weight():
    n, d = 3000, 9
    weights = RNG.random((n, d)) * (RNG.random((n, d)) < 0.8)
    held = RNG.integers(0, 1 << d, n).astype(np.uint16)
    held[:50] = (1 << d) - 1  # every domain held: none left (-1)
    u = RNG.random(n)
    u[50:60] = 0.0
    assert np.array_equal(draw_domains(weights, held, u), _draw_domains_rule(weights, held, u))
    assert np.array_equal(draw_domains(weights, 0, u), _draw_domains_rule(weights, 0, u))


def test_town_below_is_the_town_whose_draws_fall_under_rate_times_multiplier():
    worlds, local = np.repeat(np.arange(4), 700), np.tile(np.arange(700), 4)
    for stream in (HouseholdStream(3, "mechanism.onset"), HouseholdStream([3, 4, 5, 6], "x", worlds, local)):
        rate, mult = RNG.random(2800) * 0.3, RNG.random(2800) + 0.5
        expected = np.flatnonzero(stream.uniform_town(11, 2800, 2) < rate * mult)
        assert np.array_equal(stream.town_below(11, 2, rate, mult), expected)


def test_open_and_withdrawn_households_kept_up_to_date_equal_a_scan_of_the_town_every_week():
    model = CommunityModel("stronger_jichikai", "workshop", seed=[3, 4], warmup_weeks=52)
    for week in range(60):
        model.step()
        if week == 30:  # changes by hand between steps are kept up to date too
            model.set_stage(5, 3)
            model.set_stage(int(model.cases.open_idx[0]), 0)
        assert np.array_equal(model.cases.refresh(), np.flatnonzero(model.hh.case >= 0))
        assert np.array_equal(model.mechanism(Withdrawal).members, np.flatnonzero(model.hh.withdrawn))


def test_updating_open_cases_merges_the_touched_households_by_their_case():
    case = np.full(50, -1, dtype=np.int32)
    case[[1, 4, 9, 20, 33, 49]] = 1
    open_idx = np.array([1, 4, 7, 9, 30])  # 7 and 30 closed since; 20, 33 and 49 opened
    touched = np.array([0, 7, 20, 30, 33, 49])
    assert update_members(open_idx, touched, case[touched] >= 0).tolist() == [1, 4, 9, 20, 33, 49]


def test_outreach_seeks_the_out_of_contact_noticed_or_hard_to_reach_and_the_refusing():
    n = 4000
    service = RNG.integers(0, 8, n).astype(np.int8)
    noticed, hard_type, withdrawn = RNG.random(n) < 0.1, RNG.random(n) < 0.2, RNG.random(n) < 0.05
    expected = ((service == 0) & (noticed | hard_type | withdrawn)) | (service == 5)
    assert np.array_equal(_sought(service, noticed, hard_type, withdrawn), expected)


def test_professional_support_helps_by_status_strength_and_coverage():
    n = 3000
    service, stage = RNG.integers(0, 8, n).astype(np.int8), RNG.integers(0, 4, n).astype(np.int8)
    team, coverage = RNG.random(n) < 0.3, RNG.random(n).astype(np.float32)
    by_status = np.zeros(8)
    by_status[[2, 6, 7]] = [1.0, 0.3, 0.5]
    o = np.sort(RNG.choice(n, 1200, replace=False))
    strength = by_status.take(service[o])
    idx, strength = o.compress(strength > 0), strength.compress(strength > 0)
    alone = (stage[idx] == 3) & ~team[idx]
    effect = coverage[idx] * np.where(alone, 0.6, 1.0) * strength
    got = _helped(o, service, by_status, stage, team, coverage, 0.6)
    assert all(np.array_equal(a, b) for a, b in zip(got, (idx, strength, effect), strict=True))
