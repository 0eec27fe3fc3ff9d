"""One warm process pool per dashboard server, so that a comparison does not wait for workers to start.

Starting two "spawn" workers and importing the model in each costs a few seconds of every run. The
dashboard instead starts the pool in the background when a page first opens (while the planner fills
in the form), keeps it for every later run, replaces it if a worker dies, and shuts it down when the
server exits. Results do not depend on the pool (see :func:`sim.runner.run_many`).
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

WORKERS = 2
MODEL_MODULES = ("sim.model", "sim.runner", "sim.compare")
ORPHAN_CHECK_SECONDS = 1.0

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_atexit_registered = False


def _start_worker(server: int) -> None:
    """Worker initializer: import the model once, when the worker starts, not in the first run."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    threading.Thread(target=_exit_when_orphaned, args=(server,), name="orphan-watch", daemon=True).start()


def _exit_when_orphaned(server: int) -> None:
    """Leave when the server process is gone: a server that is killed runs no atexit, and its idle
    workers would otherwise wait for work forever."""
    while os.getppid() == server:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def worker_pid() -> int:
    """The process id of the worker that runs this (for checks that the pool is reused)."""
    return os.getpid()


def get_pool() -> ProcessPoolExecutor:
    """The server's pool, started (with its workers importing the model) if there is none yet."""
    global _pool, _atexit_registered
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
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


def run_in_pool[T](work: Callable[[ProcessPoolExecutor], T]) -> T:
    """``work(pool)`` on the warm pool; if the pool turns out broken, once more on a fresh one.

    A worker can die (killed, out of memory) between runs or during one; the pool is then unusable
    and raises BrokenProcessPool. ``work`` must be safe to repeat from the start.
    """
    pool = get_pool()
    try:
        return work(pool)
    except BrokenProcessPool:
        discard(pool)
    return work(get_pool())
