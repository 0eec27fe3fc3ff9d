"""kill -9 at random moments of an experiment's final gather (issue 11).

The red team killed ``community-sim experiment`` while it gathered the parts into the final
tables: 3 of 3 tries left a 4-byte ``weekly.parquet`` and 2 of 2 a truncated ``runs.csv`` beside
a manifest claiming 20 finished runs, which ``report`` read. Here every trial kills the gather at
a random moment; the directory must then be either complete and correct (the manifest finished,
every table whole and equal to an uninterrupted run's) or visibly unfinished, refused by
``report`` with a message, and repaired by running the experiment again.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import write_town

TRIALS = 10
TABLES = ("runs", "summaries", "weekly", "ledgers", "council", "points", "comparison", "sensitivity")
GATHERED = [f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")]  # what the gather writes


def _experiment(tmp_path: Path) -> Path:
    town = write_town(tmp_path, households=400)
    path = tmp_path / "exp.toml"
    path.write_text(
        f'[experiment]\ntitle = "gather"\ntown = "{town.name}"\nscenarios = ["baseline", "stronger_jichikai"]\n'
        "years = 2\nwarmup_years = 0.5\nreplications = 10\nseed = 5\n"
        '[sweep]\nmethod = "grid"\n[sweep.parameters]\n"mechanisms.watching.enabled" = [true, false]\n',
        encoding="utf-8",
    )
    return path


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet").drop(columns="seconds", errors="ignore") for name in TABLES}


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd)


def _start_gather(path: Path, out: Path) -> tuple[subprocess.Popen, float]:
    """Start the experiment on a directory whose tasks are all done; returns it and when its gather began."""
    starts = len(_manifest(out)["starts"])
    cmd = [sys.executable, "-m", "sim.cli", "experiment", str(path), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(_manifest(out)["starts"]) > starts:  # written just before the (empty) run and the gather
                return proc, time.monotonic()
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    raise AssertionError("the experiment never started its gather")


@pytest.mark.slow
def test_a_kill_at_any_moment_of_the_gather_leaves_a_complete_directory_or_one_that_resume_repairs(tmp_path):
    path = _experiment(tmp_path)
    reference = tmp_path / "reference"
    done = _cli("experiment", str(path), "--out", str(reference), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = _tables(reference)

    # How long a gather takes here: from the manifest's new start to the manifest saying finished.
    timing = tmp_path / "timing"
    shutil.copytree(reference, timing)
    proc, began = _start_gather(path, timing)
    while not _manifest(timing)["finished"] and proc.poll() is None:
        time.sleep(0.005)
    gather_seconds = time.monotonic() - began
    assert proc.wait(timeout=300) == 0

    rng = random.Random(20260611)
    outcomes = {"complete": 0, "repaired": 0}
    for trial in range(TRIALS):
        out = tmp_path / f"trial-{trial}"
        shutil.copytree(reference, out)
        if trial % 2:  # as after a kill that came right after the last task: no gathered table yet
            for name in GATHERED:
                (out / name).unlink(missing_ok=True)
            manifest = _manifest(out) | {"finished": None, "table_rows": None}
            (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        proc, began = _start_gather(path, out)
        time.sleep(max(0.0, began + rng.uniform(0.0, gather_seconds * 1.2) - time.monotonic()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

        if _manifest(out)["finished"]:
            _same(_tables(out), expected)  # complete and correct
            assert _manifest(out)["table_rows"]["runs"] == len(expected["runs"]) == 40
            outcomes["complete"] += 1
        else:
            report = _cli("report", str(out), cwd=tmp_path)
            assert report.returncode == 2 and "Traceback" not in report.stderr, report.stderr
            assert "not finished" in report.stderr and not (out / "report.html").exists()
            resumed = _cli("experiment", str(path), "--out", str(out), cwd=tmp_path)
            assert resumed.returncode == 0, resumed.stderr
            _same(_tables(out), expected)
            assert _manifest(out)["finished"] and _manifest(out)["tasks_run_this_time"] == 0
            outcomes["repaired"] += 1
        assert not list(out.glob(".*.tmp")) or not _manifest(out)["finished"]
        report = _cli("report", str(out), cwd=tmp_path)
        assert report.returncode == 0, report.stderr
    assert outcomes["repaired"] >= 2, f"the kills all came too late to test a repair: {outcomes}"
