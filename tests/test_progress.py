"""Progress by weeks simulated (sim/progress.py): within batches, across worker processes, with a time left
that holds; and runs that report progress give the same results as runs that do not."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.config import load_scenario, load_town
from sim.progress import Estimate, WeekCounter, run_weeks
from sim.runner import run_batch, run_many

YEARS, WARMUP_WEEKS = 1, 26


@pytest.fixture(scope="module")
def inputs():
    return [load_scenario("baseline"), load_scenario("one_stop_desk")], load_town("neighbourhood")


def test_a_batch_reports_every_week_of_every_run_and_its_warm_up(inputs):
    (baseline, _), town = inputs
    reports: list[int] = []
    run_batch(baseline, town, [1, 2, 3], YEARS, [0, 1, 2], WARMUP_WEEKS, on_week=reports.append, count_warmup=True)
    assert reports[0] == 3 * WARMUP_WEEKS  # the warm-up, once the model is built
    assert reports[1:] == [3] * 52  # then three run-weeks a week, within the batch


def test_progress_moves_within_a_comparison_and_ends_at_its_total(inputs):
    scenarios, town = inputs
    seen: list[tuple[int, int]] = []
    runs_done: list[int] = []
    run_many(
        scenarios,
        town,
        YEARS,
        3,
        0,
        progress=False,
        warmup_weeks=WARMUP_WEEKS,
        on_run=lambda r: runs_done.append(len(seen)),
        on_progress=lambda done, total: seen.append((done, total)),
    )
    total = run_weeks(2, 3, 52, WARMUP_WEEKS)
    assert {t for _, t in seen} == {total}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == total
    # Before the first run finished, progress had moved week by week (a bar by runs sat at 0 until then).
    assert runs_done[0] >= 52


@pytest.mark.slow
def test_worker_processes_report_their_weeks_while_they_run_with_the_same_results(inputs):
    scenarios, town = inputs
    seen: list[int] = []
    in_workers = run_many(
        scenarios, town, 2, 4, 0, jobs=2, progress=False, warmup_weeks=52, on_progress=lambda d, t: seen.append(d)
    )
    alone = run_many(scenarios, town, 2, 4, 0, jobs=1, progress=False, warmup_weeks=52)
    total = run_weeks(2, 4, 104, 52)
    assert seen[-1] == total
    # Read from the workers while they ran, not only at the end (how many readings depends on the machine's load).
    assert {d for d in seen if 0 < d < total}
    for a, b in zip(in_workers, alone, strict=True):
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
        pd.testing.assert_frame_equal(a.summary, b.summary)


def test_runs_that_report_progress_have_the_same_results(inputs):
    (_, desk), town = inputs
    quiet = run_batch(desk, town, [4, 5], YEARS, [0, 1], WARMUP_WEEKS)
    counted = run_batch(desk, town, [4, 5], YEARS, [0, 1], WARMUP_WEEKS, on_week=lambda n: None, count_warmup=True)
    for a, b in zip(quiet, counted, strict=True):
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
        pd.testing.assert_frame_equal(a.ledger, b.ledger)


def test_a_counter_slot_survives_pickling_and_adds_up():
    import pickle

    with WeekCounter(3) as counter:
        slot = pickle.loads(pickle.dumps(counter.slot(1)))
        slot(5)
        slot(7)
        slot.close()
        assert list(counter.counts()) == [0, 12, 0]
        path = counter.path
    late = pickle.loads(pickle.dumps(slot))
    late(1)  # the caller removed the file: a late task goes on without reporting
    import os

    assert not os.path.exists(path)


def test_time_left_is_the_average_pace_since_the_start():
    estimate = Estimate(total=1000, started=0.0)
    assert estimate.seconds_left(now=5.0) is None  # nothing done yet: no estimate
    estimate.update(250)
    assert estimate.seconds_left(now=10.0) == pytest.approx(30.0)
    estimate.update(100)  # a retried task counting from 0 again does not move the bar back
    assert estimate.done == 250 and estimate.share == 0.25


def test_the_terminal_bar_tells_the_time_left_and_what_else_it_is_given():
    import io

    from sim.progress import WeeksBar

    bar = WeeksBar(1000, initial=100)
    bar.bar.fp = io.StringIO()  # as on a terminal, without one
    bar.to(100)
    assert "warming up" in bar.bar.postfix
    bar.simulating()
    bar.to(300)
    bar.note("runs 2/12, failed 0")
    assert "left" in bar.bar.postfix and bar.bar.postfix.endswith("runs 2/12, failed 0")
    bar.close()
