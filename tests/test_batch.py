"""Batches: several seeds of one scenario stepped together give each seed's run exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.batch import MAX_BATCH_RUNS, batch_sizes
from sim.config import bundled_names
from sim.model import CommunityModel
from sim.runner import run_batch, run_many, run_once
from sim.streams import HouseholdStream, replication_seeds
from sim.town import Worlds, build_town, stack_towns

SEEDS = [3, 11, 5]


def _tables(run) -> dict[str, pd.DataFrame]:
    ledger = run.ledger()
    return {
        "weekly": run.weekly(),
        "ledger": ledger,
        "summary": run.summary_table(ledger),
        "council": run.council_log(),
        "hours": pd.DataFrame(list(run.staff_hours.items()), columns=["role", "hours"]),
    }


def assert_batch_equals_runs_alone(scenario: str, weeks: int = 104, warmup: int = 52, **kwargs) -> None:
    batch = CommunityModel(scenario, "neighbourhood", SEEDS, warmup_weeks=warmup, agent_views=False, **kwargs)
    batch.run(weeks)
    for k, seed in enumerate(SEEDS):
        alone = CommunityModel(scenario, "neighbourhood", seed, warmup_weeks=warmup, agent_views=False, **kwargs)
        alone.run(weeks)
        expected, got = _tables(alone.results()), _tables(batch.results(k))
        for name in expected:
            assert_frame_equal(got[name], expected[name], check_exact=True, obj=f"{scenario} seed {seed} {name}")


@pytest.mark.parametrize("scenario", ["baseline", "jusoteki_full", "council_functioning"])
def test_each_run_of_a_batch_equals_its_run_alone(scenario):
    assert_batch_equals_runs_alone(scenario)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", bundled_names("scenarios"))
def test_every_bundled_scenario_batches_exactly(scenario):
    assert_batch_equals_runs_alone(scenario, weeks=156)


def test_council_resources_from_a_long_warm_up_carry_into_each_run_of_a_batch():
    # Ten years of warm-up: councils in different runs open resources (and hire staff) in different weeks.
    batch = CommunityModel("council_functioning", "neighbourhood", SEEDS, start_from="council_functioning")
    logs = [batch.council_log(k) for k in range(len(SEEDS))]
    opened = [tuple(log.loc[log["opened"], "opens_week"]) for log in logs]
    assert any(opened) and len(set(opened)) > 1, "the test needs runs whose councils differ"
    assert_batch_equals_runs_alone("council_functioning", weeks=52, warmup=520, start_from="council_functioning")


def test_venue_links_from_the_warm_up_follow_each_run_into_a_town_with_other_venues():
    # 参加支援 links households to venues during a jusoteki_full warm-up; the run's towns have more venues.
    assert_batch_equals_runs_alone("add_participation_venues", weeks=52, warmup=260, start_from="jusoteki_full")


def test_run_batch_returns_what_run_once_returns_on_each_seed():
    results = run_batch("one_stop_desk", "neighbourhood", SEEDS, 0.5, [7, 8, 9], warmup_weeks=26)
    for result, seed, replication in zip(results, SEEDS, [7, 8, 9], strict=True):
        alone = run_once("one_stop_desk", "neighbourhood", seed, 0.5, replication, 26, agent_views=False)
        assert (result.seed, result.replication, result.scenario) == (seed, replication, "one_stop_desk")
        for name in ("weekly", "ledger", "summary", "council"):
            assert_frame_equal(getattr(result, name), getattr(alone, name), check_exact=True)


def test_run_many_gives_the_same_runs_in_blocks_and_one_by_one():
    scenarios = ["baseline", "stronger_jichikai"]
    from sim.runner import prepare

    loaded, town = prepare(scenarios, "neighbourhood")
    runs = run_many(loaded, town, 0.5, 4, 9, jobs=1, progress=False, warmup_weeks=26)
    seeds = replication_seeds(9, 4)
    assert [(r.replication, r.scenario) for r in runs] == [(r, s) for r in range(4) for s in scenarios]
    for run in runs:
        alone = run_once(run.scenario, town, seeds[run.replication], 0.5, run.replication, 26, start_from=loaded[0])
        assert_frame_equal(run.summary, alone.summary, check_exact=True)


def test_stacked_towns_share_no_tie_venue_or_desk():
    towns = [build_town(CommunityModel("baseline", "workshop", s, warmup_weeks=0).profile, s) for s in (1, 2)]
    stacked, worlds = stack_towns(towns), Worlds.of(towns)
    tie_src = np.repeat(np.arange(stacked.n_households), np.diff(stacked.tie_ptr))
    assert (worlds.hh[tie_src] == worlds.hh[stacked.tie_nbr]).all()
    part = stacked.hh_venue >= 0
    assert (worlds.venue[stacked.hh_venue[part]] == worlds.hh[part]).all()
    assert [d["world"] for d in stacked.desks] == [0] * len(towns[0].desks) + [1] * len(towns[1].desks)
    for kind, desks in stacked.desk_of_kind_by_area.items():
        n_areas = len(towns[0].area_activity)
        assert (worlds.desk[desks[:n_areas]] == 0).all() and (worlds.desk[desks[n_areas:]] == 1).all(), kind


def test_a_batched_stream_draws_what_each_seed_draws_alone():
    towns = [build_town(CommunityModel("baseline", "workshop", s, warmup_weeks=0).profile, s) for s in (4, 9)]
    worlds = Worlds.of(towns)
    batched = HouseholdStream([4, 9], "mechanism.onset", worlds.hh, worlds.local)
    idx = np.arange(worlds.hh_start[-1])[::3]
    got = batched.uniform(12, idx, 1)
    for k, seed in enumerate((4, 9)):
        mine = worlds.hh[idx] == k
        expected = HouseholdStream(seed, "mechanism.onset").uniform(12, worlds.local[idx[mine]], 1)
        np.testing.assert_array_equal(got[mine], expected)


def test_batch_sizes_fill_the_workers_evenly_within_the_limits():
    assert batch_sizes(100, 3000, workers=2) == [50, 50]
    assert batch_sizes(200, 3000, workers=2) == [50, 50, 50, 50]
    assert batch_sizes(20, 3000, workers=2) == [10, 10]
    assert batch_sizes(7, 3000, workers=4) == [2, 2, 2, 1]
    assert batch_sizes(3, 59_000, workers=1) == [2, 1]  # two cities fit the household limit
    assert batch_sizes(3, 100_000, workers=1) == [1, 1, 1]  # a town this large is large enough alone
    assert batch_sizes(40, 3000, workers=1, largest=1) == [1] * 40
    assert max(batch_sizes(1000, 10, workers=1)) <= MAX_BATCH_RUNS
    assert batch_sizes(0, 3000) == []


def test_agent_views_of_one_run_of_a_batch_read_that_run_as_alone():
    batch = CommunityModel("baseline", "workshop", [1, 2], warmup_weeks=52).run(20)
    alone = CommunityModel("baseline", "workshop", 2, warmup_weeks=52).run(20)
    assert len(batch.agents) == 0  # a batch makes its agents on demand
    views = batch.agent_views_of(1)
    assert [h.stage for h in views.households] == [h.stage for h in alone.households]
    assert [len(h.members) for h in views.households] == [len(h.members) for h in alone.households]
    assert [d.referrals for d in views.desks] == [d.referrals for d in alone.desks]
    assert [p.caseload for p in views.professionals] == [p.caseload for p in alone.professionals]
    assert len(batch.agents) == len(alone.agents)


def test_households_on_the_participation_list_at_the_end_of_the_warm_up_are_on_it_at_the_start():
    # The list names cases by id and a run numbers the cases it carries over afresh: the list must follow.
    from sim.engine.warmup import warm_town

    model = CommunityModel("jusoteki_full", "neighbourhood", 5, warmup_weeks=260, start_from="jusoteki_full")
    warm = warm_town(model.policy, model.town_spec, [5], 260)
    listed = (warm.hh.participation_case >= 0) & (warm.hh.participation_case == warm.hh.case)
    assert listed.sum() > 10, "the test needs households on the list"
    now = (model.hh.participation_case >= 0) & (model.hh.participation_case == model.hh.case)
    assert np.array_equal(now, listed)
