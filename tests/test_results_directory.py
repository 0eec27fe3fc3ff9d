"""An experiment's results directory: nothing of the user's is touched, nothing half-written is taken for done.

Issue 11 (red team): ``--fresh`` wiped a data folder's own Parquet files; a kill during the final
gather left a 4-byte table or a truncated CSV beside a manifest claiming success, which ``report``
then read; a bad ``--out`` was found only after the whole run; two experiments into one directory
both computed everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from tests.conftest import write_town

ROOT = Path(__file__).resolve().parents[1]


def write_experiment(tmp_path: Path, town: Path, replications: int = 2, years: float = 0.5, name: str = "exp") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[experiment]\ntitle = "test"\ntown = "{town.name}"\nscenarios = ["baseline", "stronger_jichikai"]\n'
        f"years = {years}\nwarmup_years = 0.5\nreplications = {replications}\nseed = 11\n",
        encoding="utf-8",
    )
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def finished(tmp_path):
    """A finished results directory of a small experiment (and the experiment file)."""
    town = write_town(tmp_path, households=300)
    path = write_experiment(tmp_path, town)
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out)]) == 0
    return path, out


# ------------------------------------------------------------------ --fresh and foreign directories


def test_fresh_in_a_data_folder_deletes_none_of_the_users_files(tmp_path, capsys):
    town = write_town(tmp_path, households=300)
    path = write_experiment(tmp_path, town)
    data = tmp_path / "data"
    (data / "parts").mkdir(parents=True)
    pd.DataFrame({"x": [1, 2]}).to_parquet(data / "survey.parquet")
    (data / "parts" / "drawing.txt").write_text("mine", encoding="utf-8")
    before = _tree(data)
    assert main(["experiment", str(path), "--out", str(data), "--fresh"]) == 2
    assert _tree(data) == before
    err = capsys.readouterr().err
    assert "--out" in err and "not an experiment's results" in err and "Traceback" not in err


def test_an_experiment_refuses_a_directory_of_other_files_even_without_fresh(tmp_path, capsys):
    town = write_town(tmp_path, households=300)
    path = write_experiment(tmp_path, town)
    data = tmp_path / "data"
    data.mkdir()
    (data / "runs.csv").write_text("the user's own table\n", encoding="utf-8")
    before = _tree(data)
    assert main(["experiment", str(path), "--out", str(data)]) == 2
    assert _tree(data) == before
    assert "runs.csv" in capsys.readouterr().err


def test_fresh_clears_only_the_files_the_project_wrote(finished, capsys):
    path, out = finished
    (out / "notes.txt").write_text("the user's notes", encoding="utf-8")
    (out / "parts" / "runs" / "README").write_text("kept", encoding="utf-8")
    assert main(["experiment", str(path), "--out", str(out), "--fresh"]) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's notes"
    assert (out / "parts" / "runs" / "README").read_text(encoding="utf-8") == "kept"
    assert len(pd.read_parquet(out / "runs.parquet")) == 4


# ------------------------------------------------------------------ the final gather


def test_the_manifest_says_finished_only_with_every_table_in_place(finished):
    _, out = finished
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["finished"]
    for name, rows in manifest["table_rows"].items():
        assert len(pd.read_parquet(out / f"{name}.parquet")) == rows, name
    assert manifest["table_rows"]["runs"] == manifest["runs_total"] == 4
    assert not [p for p in out.rglob("*.tmp")]


def test_a_gather_killed_half_way_is_not_taken_for_finished_and_a_rerun_repairs_it(finished, capsys):
    """What a kill during the gather left in the red team's trials: a manifest claiming the runs, a 4-byte
    weekly table and a truncated runs.csv."""
    path, out = finished
    good = {name: pd.read_parquet(out / f"{name}.parquet") for name in ("runs", "weekly")}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (out / "weekly.parquet").write_bytes(b"PAR1")
    csv = (out / "runs.csv").read_text(encoding="utf-8")
    (out / "runs.csv").write_text(csv[: len(csv) // 2], encoding="utf-8")
    (out / "runs.parquet").unlink()
    manifest.update(finished=None)  # a directory killed during its gather is not finished
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()

    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not finished" in err and "community-sim experiment" in err and "Traceback" not in err
    assert not (out / "report.html").exists()

    assert main(["experiment", str(path), "--out", str(out)]) == 0  # resumed: nothing to run, gathered again
    for name, table in good.items():
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / f"{name}.parquet").drop(columns="seconds", errors="ignore"),
            table.drop(columns="seconds", errors="ignore"),
        )
    assert len(pd.read_csv(out / "runs.csv")) == 4
    assert main(["report", str(out)]) == 0


def test_report_refuses_a_table_that_disagrees_with_the_manifest(finished, capsys):
    _, out = finished
    (out / "weekly.parquet").write_bytes(b"PAR1")
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "weekly.parquet" in err and "Traceback" not in err
    runs = pd.read_parquet(out / "runs.parquet")
    runs.iloc[:3].to_parquet(out / "runs.parquet")  # 3 of 4 rows: loads, but is not what was run
    (out / "weekly.parquet").unlink()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "runs.parquet" in err and "3 rows" in err


def test_report_on_a_corrupt_manifest_exits_2_with_a_message(finished, capsys):
    _, out = finished
    (out / "manifest.json").write_text('{"experiment": "exp", "scen', encoding="utf-8")
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "Traceback" not in err


def test_a_zero_length_or_corrupt_part_is_run_again_on_resume(finished, capsys):
    path, out = finished
    good = pd.read_parquet(out / "runs.parquet").drop(columns="seconds")
    (out / "parts" / "runs" / "task-000000.parquet").write_bytes(b"")
    (out / "parts" / "weekly" / "task-000001.parquet").write_bytes(b"PAR1garbagePAR1")
    assert main(["experiment", str(path), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tasks_run_this_time"] == 2
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet").drop(columns="seconds"), good)


def test_a_stray_file_among_the_parts_is_no_traceback(finished):
    path, out = finished
    (out / "parts" / "runs" / "task-abc.parquet").write_text("not ours", encoding="utf-8")
    assert main(["experiment", str(path), "--out", str(out)]) == 0


# ------------------------------------------------------------------ unusable --out, found before running


@pytest.mark.parametrize("command", ["run", "compare"])
def test_an_unusable_out_is_refused_before_anything_runs(tmp_path, command, monkeypatch, capsys):
    import sim.runner

    def must_not_run(*args, **kwargs):
        raise AssertionError("the simulation ran before --out was checked")

    monkeypatch.setattr(sim.runner, "run_once", must_not_run)  # the command imports it when it runs
    monkeypatch.setattr(sim.runner, "run_many", must_not_run)
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    args = ["baseline"] if command == "run" else ["baseline", "stronger_jichikai"]
    for out in (afile, afile / "under"):
        assert main([command, *args, "--years", "1", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "--out" in err and str(out) in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_out_is_refused_before_anything_runs(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["run", "baseline", "--years", "1", "--out", str(locked / "o")]) == 2
        assert "--out" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_report_to_an_unusable_file_is_refused(finished, capsys):
    _, out = finished
    assert main(["report", str(out), "--out", str(out)]) == 2  # a directory
    assert "--out" in capsys.readouterr().err


# ------------------------------------------------------------------ the scheduler


def test_a_malformed_scheduler_address_exits_2_before_anything_is_written(tmp_path):
    town = write_town(tmp_path, households=300)
    path = write_experiment(tmp_path, town)
    result = cli("experiment", str(path), "--scheduler", "foo bar", "--out", "o", cwd=tmp_path)
    assert result.returncode == 2 and "--scheduler" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_writes_no_manifest(tmp_path):
    town = write_town(tmp_path, households=300)
    path = write_experiment(tmp_path, town)
    result = cli("experiment", str(path), "--scheduler", "tcp://127.0.0.1:9", "--out", "o", cwd=tmp_path)
    assert result.returncode == 2 and "--scheduler" in result.stderr
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ one process at a time


@pytest.mark.slow
def test_a_second_experiment_into_a_busy_directory_says_who_holds_it(tmp_path):
    town = write_town(tmp_path, households=1500)
    path = write_experiment(tmp_path, town, replications=12, years=4)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "experiment", str(path), "--out", str(out)]
    first = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "manifest.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert first.poll() is None, "the first experiment finished before the second started"
        assert second.returncode == 2 and "Traceback" not in second.stderr
        assert f"process {first.pid}" in second.stderr and "--out" in second.stderr
    finally:
        first.kill()
        first.wait()
