"""One warm process pool per dashboard server, so that a comparison does not wait for workers to start.

Starting two "spawn" workers and importing the model in each costs a few seconds of every run. The
dashboard instead starts the pool in the background when a page first opens (while the planner fills
in the form), keeps it for every later run, replaces it if a worker dies, and shuts it down when the
server exits. Results do not depend on the pool (see :func:`sim.runner.run_many`).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from sim.workers import PARENT_CHECK_SECONDS, process_pool, terminate_workers

WORKERS = 2
ORPHAN_CHECK_SECONDS = PARENT_CHECK_SECONDS  # how often an idle worker checks that the server is alive
MODEL_MODULES = ("sim.model", "sim.runner", "sim.compare")
CANCEL_CHECK_SECONDS = 0.5

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_atexit_registered = False


def worker_pid() -> int:
    """The process id of the worker that runs this (for checks that the pool is reused)."""
    return os.getpid()


def get_pool() -> ProcessPoolExecutor:
    """The server's pool, started (with its workers importing the model) if there is none yet."""
    global _pool, _atexit_registered
    with _lock:
        if _pool is None:
            # Each worker imports the model when it starts, and leaves if the server is killed (sim/workers.py).
            _pool = process_pool(WORKERS, MODEL_MODULES)
            # A spawn pool starts all its workers at the first submission; each imports the model.
            _pool.submit(worker_pid)
            if not _atexit_registered:
                atexit.register(shutdown)
                _atexit_registered = True
        return _pool


def warm_up_in_background() -> None:
    """Start the pool without waiting for it (called when a page opens; one core: runs stay in-process)."""
    if (os.cpu_count() or 1) < 2:
        return
    threading.Thread(target=get_pool, name="warm-pool", daemon=True).start()


def discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool (the next :func:`get_pool` starts a new one) and release its resources."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the pool's workers (at server exit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


class RunCancelled(Exception):
    """The page that asked for a run has closed: the run stops."""


def run_in_pool[T](work: Callable[[ProcessPoolExecutor], T], cancelled: threading.Event | None = None) -> T:
    """``work(pool)`` on the warm pool; if the pool turns out broken, once more on a fresh one.

    A worker can die (killed, out of memory) between runs or during one; the pool is then unusable
    and raises BrokenProcessPool. ``work`` must be safe to repeat from the start.

    ``cancelled``: set when the page that asked has closed. If no other page is using the pool,
    its workers are stopped at once (the next run gets a fresh pool); otherwise the work stops at
    its next finished block. Either way :class:`RunCancelled` is raised.
    """
    for attempt in range(2):
        pool = get_pool()
        with _in_use(pool, cancelled):
            try:
                return work(pool)
            except BrokenProcessPool:
                discard(pool)
                if cancelled is not None and cancelled.is_set():
                    raise RunCancelled() from None
                if attempt:
                    raise
    raise AssertionError("unreachable")


_users = 0  # runs now using the pool


@contextmanager
def _in_use(pool: ProcessPoolExecutor, cancelled: threading.Event | None) -> Iterator[None]:
    """Count this run as a user of ``pool``, and stop the pool's workers if it is cancelled while alone."""
    global _users
    with _lock:
        _users += 1
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if cancelled.wait(CANCEL_CHECK_SECONDS) and not finished.is_set():
                with _lock:
                    alone = _users == 1 and _pool is pool
                if alone:
                    terminate_workers(pool)  # the run's work raises BrokenProcessPool
                return

    if cancelled is not None:
        threading.Thread(target=watch, name="cancel-watch", daemon=True).start()
    try:
        yield
    finally:
        finished.set()
        with _lock:
            _users -= 1
