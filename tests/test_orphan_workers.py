"""Worker processes leave when the command that started them is killed (issue 11).

Before, ``kill -9`` of ``community-sim experiment --workers N`` or ``compare --workers N`` left
the N workers and multiprocessing's resource tracker running (reparented to PID 1, about 200 MB
each) until someone found them. They now leave as the dashboard's warm pool's workers do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_town

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc"),
]


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_and_watch_children(cmd: list[str], cwd: Path, workers: int) -> set[int]:
    """Start ``cmd``, wait for its worker processes, kill it with SIGKILL; returns its children still alive 15 s later."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        children: set[int] = set()
        while len(children) < workers + 1 and time.monotonic() < deadline and proc.poll() is None:
            children = _children(proc.pid)  # the workers and the resource tracker
            time.sleep(0.2)
        assert len(children) >= workers + 1, f"the command never started {workers} workers: {children}"
        time.sleep(2)  # the workers are busy with a run
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {p for p in children if _alive(p)}
    for p in left:  # leave nothing behind for the next test, whatever happened
        os.kill(p, signal.SIGKILL)
    return left


def test_experiment_workers_and_resource_tracker_leave_when_it_is_killed(tmp_path):
    town = write_town(tmp_path, households=3000)
    path = tmp_path / "exp.toml"
    path.write_text(
        f'[experiment]\ntitle = "t"\ntown = "{town.name}"\nscenarios = ["baseline", "stronger_jichikai"]\n'
        "years = 20\nwarmup_years = 1\nreplications = 8\nbatch = 1\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "sim.cli", "experiment", str(path), "--workers", "2", "--out", "o"]
    assert _kill_and_watch_children(cmd, tmp_path, 2) == set()


def test_compare_workers_and_resource_tracker_leave_when_it_is_killed(tmp_path):
    cmd = [sys.executable, "-m", "sim.cli", "compare", "baseline", "stronger_jichikai", "--years", "20"]
    cmd += ["--replications", "8", "--workers", "2"]
    assert _kill_and_watch_children(cmd, tmp_path, 2) == set()
