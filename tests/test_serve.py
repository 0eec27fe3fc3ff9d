"""Stopping the page servers: a stopped ``community-sim dashboard`` or ``workshop`` leaves no process
behind and frees its port (sim/serve.py). These tests read /proc and send POSIX signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.serve import STOP_GRACE_SECONDS

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")

STOPPED_WITHIN_SECONDS = STOP_GRACE_SECONDS + 2.0  # "within a few seconds"


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, their children, …)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def port_is_free(port: int) -> bool:
    """Nobody listens on ``port`` and a new server can bind it (as uvicorn does, with SO_REUSEADDR)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"nothing served on {url} within {seconds:.0f} s")


def stop_and_check(process: subprocess.Popen, port: int | None, signum: int = signal.SIGTERM) -> list[int]:
    """Send ``signum`` to the command; assert that it, everything it started and its port are gone in time.

    Whatever is left is killed afterwards, so that a failure leaves no server behind.
    """
    below = descendants(process.pid)
    assert below, "the command started no server"
    try:
        _stop_in_time(process, port, signum, below)
    finally:
        kill_all([process.pid, *below])
    return below


def kill_all(pids: list[int]) -> None:
    """SIGKILL those of ``pids`` still alive (a failed test leaves no server behind)."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def _stop_in_time(process: subprocess.Popen, port: int | None, signum: int, below: list[int]) -> None:
    started = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=STOPPED_WITHIN_SECONDS + 5)
    assert wait_until(lambda: not any(alive(p) for p in below), STOPPED_WITHIN_SECONDS - (time.monotonic() - started))
    if port is not None:
        assert wait_until(lambda: port_is_free(port), 1.0)
    assert time.monotonic() - started < STOPPED_WITHIN_SECONDS
    assert process.returncode == 0  # a stop that was asked for is not an error


# A server that starts a worker of its own and does not stop when asked (a run still in its pool).
STUBBORN_SERVER = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(worker.pid, flush=True)
time.sleep(600)
"""

SUPERVISE = """
import sys
from sim.serve import run_until_stopped
sys.exit(run_until_stopped([sys.executable, "-c", sys.argv[1]]))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_ends_a_server_that_ignores_it_and_its_workers(signum):
    process = subprocess.Popen([sys.executable, "-c", SUPERVISE, STUBBORN_SERVER], stdout=subprocess.PIPE, text=True)
    worker = int(process.stdout.readline())
    assert alive(worker)
    below = stop_and_check(process, port=None, signum=signum)
    assert worker in below
    process.stdout.close()


def test_a_server_that_ends_by_itself_gives_its_exit_status():
    from sim.serve import run_until_stopped

    assert run_until_stopped([sys.executable, "-c", "import sys; sys.exit(3)"]) == 3
    assert run_until_stopped([sys.executable, "-c", "pass"]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("page", ["dashboard", "workshop"])
def test_sigterm_stops_the_page_server_and_frees_its_port(page, tmp_path):
    port = free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - open while the server runs
    command = [str(Path(sys.executable).with_name("community-sim")), page, "--port", str(port)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        stop_and_check(process, port)
    finally:
        kill_all([process.pid, *descendants(process.pid)])
        log.close()
