"""One seed reproduces a run exactly; models never share state; scenarios share their luck."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import CommunityModel
from tests.conftest import run_model


def test_same_seed_gives_identical_outputs(small_town):
    a = run_model("baseline", small_town, seed=7, weeks=156)
    b = run_model("baseline", small_town, seed=7, weeks=156)
    pd.testing.assert_frame_equal(a.weekly(), b.weekly())
    pd.testing.assert_frame_equal(a.ledger(), b.ledger())
    assert a.summary() == b.summary() or all(
        (x == y) or (np.isnan(x) and np.isnan(y))
        for x, y in zip(a.summary().values(), b.summary().values(), strict=True)
    )


def test_different_seeds_give_different_runs(small_town):
    a = run_model("baseline", small_town, seed=1, weeks=104)
    b = run_model("baseline", small_town, seed=2, weeks=104)
    assert not a.weekly().equals(b.weekly())


def test_two_models_in_one_process_do_not_share_state(small_town):
    alone = run_model("baseline", small_town, seed=5, weeks=52)
    a = CommunityModel("baseline", small_town, seed=5)
    b = CommunityModel("one_stop_desk", small_town, seed=6)
    for _ in range(52):  # interleave the two models' weeks
        a.step()
        b.step()
    pd.testing.assert_frame_equal(a.weekly(), alone.weekly())
    assert a.households[0].model is a and b.households[0].model is b
    before = int(b.hh.stage[0])
    a.households[0].stage = 3 if before != 3 else 1
    assert int(b.hh.stage[0]) == before and int(b.households[0].stage) == before


def test_scenarios_on_one_seed_start_from_the_same_town(small_town):
    a = CommunityModel("baseline", small_town, seed=9)
    b = CommunityModel("stronger_jichikai", small_town, seed=9)
    assert np.array_equal(a.town.htype, b.town.htype)
    assert np.array_equal(a.town.res_age, b.town.res_age)
    assert np.array_equal(a.hh.stage, b.hh.stage)
    # Membership only grows: the same uniform per household is compared with a higher rate.
    assert np.all(b.town.member >= a.town.member) and b.town.member.sum() > a.town.member.sum()


def test_a_switch_does_not_change_other_mechanisms_draws(small_town, tmp_path):
    from tests.conftest import write_scenario

    no_venues = write_scenario(tmp_path, "[mechanisms.venue_staff]\nenabled = false")
    a = CommunityModel("baseline", small_town, seed=4)
    b = CommunityModel(no_venues, small_town, seed=4)
    a.step()
    b.step()
    # Week 1 onsets depend only on the onset stream, whatever else is switched off.
    assert a.weekly()["onsets"].iloc[1] == b.weekly()["onsets"].iloc[1]
    onset_a, onset_b = a.mechanism("onset"), b.mechanism("onset")
    idx = np.arange(a.n_households)
    assert np.array_equal(onset_a.draw(5, idx), onset_b.draw(5, idx))


def test_the_run_does_not_replay_the_warm_up(small_town):
    from sim.engine.warmup import warm_town

    model = CommunityModel("baseline", small_town, seed=3, warmup_weeks=104).run(104)
    warm = warm_town("baseline", model.town_spec, [3], 104)
    assert warm.week == 0 and (warm.ledger()["onset_week"].dropna() <= 0).all()  # warm-up weeks are -103 … 0
    new = model.ledger().query("~prevalent_at_start")
    warm_ledger = warm.ledger()
    assert len(new) > 20
    for shift in (0, 104):  # same household and onset, by week number or by position in the run
        replayed = new.merge(
            warm_ledger.assign(onset_week=warm_ledger["onset_week"] + shift), on=["household", "onset_week"]
        )
        assert len(replayed) <= 1


def test_on_run_reports_every_run_as_it_finishes(small_town):
    from sim.config import load_scenario
    from sim.runner import run_many

    scenarios = [load_scenario("baseline"), load_scenario("stronger_jichikai")]
    seen = []
    results = run_many(scenarios, small_town, 0.1, 2, seed=3, progress=False, warmup_weeks=0, on_run=seen.append)
    # Runs finish a block at a time (a scenario on a block of seeds): every one is reported once.
    assert sorted((r.replication, r.scenario) for r in seen) == [(r.replication, r.scenario) for r in results]
    assert [(r.replication, r.scenario) for r in results] == [
        (0, "baseline"),
        (0, "stronger_jichikai"),
        (1, "baseline"),
        (1, "stronger_jichikai"),
    ]


def test_runs_without_agent_views_give_the_same_tables(small_town):
    from sim.runner import run_once

    with_views = run_once("baseline", small_town, 4, 0.5, warmup_weeks=26)
    without = run_once("baseline", small_town, 4, 0.5, warmup_weeks=26, agent_views=False)
    for name in ("weekly", "ledger", "summary", "council"):
        pd.testing.assert_frame_equal(getattr(with_views, name), getattr(without, name), check_exact=True)
