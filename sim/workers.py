"""Worker processes that leave when the process that started them is gone.

A process killed with SIGKILL runs no cleanup, and the workers of its process pool would wait
for work forever (reparented to PID 1, about 200 MB each, with multiprocessing's resource
tracker kept alive by them). Every pool of the project (``experiment --workers``,
``compare --workers``, the dashboard's warm pool) starts its workers with
:func:`leave_with_parent`: a thread in each worker that exits the worker as soon as its parent
process is no longer its parent. The resource tracker then sees its last user gone and exits too.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_SECONDS = 1.0


def leave_with_parent(parent: int, modules: tuple[str, ...] = ()) -> None:
    """Worker initializer: import ``modules`` once, and exit when process ``parent`` is gone."""
    for module in modules:
        importlib.import_module(module)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), name="leave-with-parent", daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    """Exit this process once ``parent`` is no longer its parent (it died and we were reparented)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def process_pool(workers: int, modules: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` "spawn" processes (clean: no forked threads) that leave with this process.

    Args:
        workers: Number of worker processes.
        modules: Modules each worker imports when it starts (not in its first task).
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=leave_with_parent,
        initargs=(os.getpid(), modules),
    )


def terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (their tasks are lost; the pool is then broken).

    Python 3.14 has ``ProcessPoolExecutor.terminate_workers``; until then the pool's processes
    are reached through its ``_processes`` table.
    """
    stop = getattr(pool, "terminate_workers", None)
    if stop is not None:
        stop()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
