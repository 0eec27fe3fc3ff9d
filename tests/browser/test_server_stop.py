"""`kill` of `community-sim dashboard` with a planner's page open stops the server and its warm worker pool
and frees the port within a few seconds (sim/serve.py; the pool starts when a page opens)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import ARTIFACTS, free_port
from tests.test_serve import alive, descendants, kill_all, stop_and_check, wait_until, wait_until_serving


def _pool_workers(pid: int) -> list[int]:
    """The processes below ``pid`` that multiprocessing spawned (the pool's workers)."""
    workers = []
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn" in command and b"spawn_main" in command:
            workers.append(child)
    return workers


def test_sigterm_with_a_page_open_stops_server_and_pool_and_frees_the_port(page_factory):
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    command = [str(Path(sys.executable).with_name("community-sim")), "dashboard", "--port", str(port)]
    with open(ARTIFACTS / f"server-stop-{port}.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(url, process)
            page = page_factory()
            page.goto(url)
            page.get_by_role("button", name="実行").wait_for()
            # dashboards/pool.py submits one task when a page opens: a spawn pool then starts one worker.
            assert wait_until(lambda: _pool_workers(process.pid), 60), "the page started no pool"
            workers = _pool_workers(process.pid)
            page.close()  # as a planner's tab would stay open: closing it does not stop anything
            stopped = stop_and_check(process, port, signal.SIGTERM)
            assert set(workers) <= set(stopped) and not any(alive(w) for w in workers)
        finally:
            kill_all([process.pid, *descendants(process.pid)])
