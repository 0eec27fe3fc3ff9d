"""The dashboard's warm worker pool: started once, reused by every comparison, replaced when broken,
and never a reason for a result to differ from a run in one process."""

from __future__ import annotations

import ast
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import sim.runner
from dashboards import pool as warm_pool
from dashboards import running

SCENARIOS = ("baseline", "one_stop_desk")
ARGS = ("neighbourhood", SCENARIOS, 1, 2, 0)  # one year, two replications


@pytest.fixture
def fresh_pool():
    """No pool before the test, and none left running after it."""
    warm_pool.shutdown()
    yield
    warm_pool.shutdown()


def _pool_pids() -> set[int]:
    """The worker processes this process has running."""
    return {p.pid for p in multiprocessing.active_children()}


def _forbid_new_pools(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a comparison started a pool of its own")

    monkeypatch.setattr(sim.runner, "process_pool", refuse)


def _same_results(a: tuple[pd.DataFrame, list], b: tuple[pd.DataFrame, list]) -> None:
    pd.testing.assert_frame_equal(a[0], b[0])
    assert [(r.scenario, r.replication, r.seed) for r in a[1]] == [(r.scenario, r.replication, r.seed) for r in b[1]]
    for x, y in zip(a[1], b[1], strict=True):
        for table in ("weekly", "ledger", "summary", "council"):
            pd.testing.assert_frame_equal(getattr(x, table), getattr(y, table))


@pytest.mark.slow
def test_two_comparisons_reuse_the_same_warm_workers_with_results_equal_to_one_process(fresh_pool, monkeypatch):
    warm_pool.warm_up_in_background()
    pool = warm_pool.get_pool()
    assert warm_pool.get_pool() is pool
    in_one_process = running.run_comparison(*ARGS, jobs=1)
    _forbid_new_pools(monkeypatch)
    first = running.run_comparison(*ARGS, jobs=2)
    pids = _pool_pids()
    assert len(pids) == warm_pool.WORKERS
    second = running.run_comparison(*ARGS, jobs=2)
    assert _pool_pids() == pids
    assert warm_pool.get_pool() is pool
    assert {pool.submit(warm_pool.worker_pid).result() for _ in range(4)} <= pids  # the work ran in them
    _same_results(first, in_one_process)
    _same_results(second, in_one_process)
    warm_pool.shutdown()  # as at server exit
    assert not _pool_pids()


@pytest.mark.slow
def test_a_broken_pool_is_replaced_and_the_run_still_counts_each_run_once(fresh_pool):
    pool = warm_pool.get_pool()
    pool.submit(warm_pool.worker_pid).result()
    old = _pool_pids()
    os.kill(next(iter(old)), signal.SIGKILL)  # a worker dies while the dashboard is idle
    deadline = time.monotonic() + 10
    while len(_pool_pids() & old) == len(old) and time.monotonic() < deadline:
        time.sleep(0.05)
    seen: list[str] = []
    table, results = running.run_comparison(*ARGS, jobs=2, on_run=lambda r: seen.append(r.scenario))
    assert warm_pool.get_pool() is not pool
    assert not _pool_pids() & old
    assert len(seen) == len(results) == len(SCENARIOS) * 2
    _same_results((table, results), running.run_comparison(*ARGS, jobs=1))


def test_a_pool_that_breaks_during_a_comparison_is_replaced_and_the_comparison_rerun(fresh_pool, monkeypatch):
    monkeypatch.setattr(warm_pool, "process_pool", lambda workers, modules=(): ThreadPoolExecutor(workers))
    calls: list[int] = []

    def work(pool):
        calls.append(id(pool))
        if len(calls) == 1:
            raise warm_pool.BrokenProcessPool("a worker died")
        return "done"

    first = warm_pool.get_pool()
    assert warm_pool.run_in_pool(work) == "done"
    assert calls[0] == id(first) and calls[1] != id(first)
    assert warm_pool.get_pool() is not first


@pytest.mark.slow
def test_a_closed_pages_pooled_run_stops_the_workers_when_no_other_page_uses_them(fresh_pool):
    pool = warm_pool.get_pool()
    pool.submit(warm_pool.worker_pid).result()
    workers = _pool_pids()
    cancelled = threading.Event()
    threading.Timer(1.0, cancelled.set).start()  # the page closes a second into its run
    started = time.monotonic()
    with pytest.raises(warm_pool.RunCancelled):
        warm_pool.run_in_pool(lambda p: p.submit(time.sleep, 120).result(), cancelled)
    assert time.monotonic() - started < 15, "the run computed on after its page closed"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)
    assert warm_pool.get_pool() is not pool  # the next page's run gets a fresh pool
    assert warm_pool.get_pool().submit(warm_pool.worker_pid).result()


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


SERVER_KILLED = """
import os, signal
from dashboards import pool
p = pool.get_pool()
print(sorted({p.submit(pool.worker_pid).result() for _ in range(8)}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # killed: no atexit, no shutdown
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_of_a_killed_server_exit_on_their_own():
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_KILLED], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    pids = ast.literal_eval(server.stdout.readline().strip())  # the workers keep the pipe open: one line
    server.wait(timeout=60)
    server.stdout.close()
    assert pids
    deadline = time.monotonic() + 10 * warm_pool.ORPHAN_CHECK_SECONDS
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)
