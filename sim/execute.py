"""Running an experiment's tasks: in this process, a local process pool, or a Dask cluster.

Whoever runs them, tasks are pure (sim.experiment.execute_task), so the results are identical.
The tasks of one parameter point go out in groups whose replications are stepped together
(:func:`group_tasks`, sim/batch.py); a group's results equal its tasks' results alone.
This process writes each task's output as soon as its group arrives — one Parquet part per
table per task, written to a temporary name and renamed, the ``runs`` part last — so a crash
loses at most the groups in flight, and a restart runs only the tasks whose ``runs`` part is missing.
At the end the parts are gathered into one Parquet file per table (``pd.read_parquet(path)``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch import batch_sizes
from sim.experiment import Experiment, Task, TaskOutput, execute_tasks
from sim.params import ConfigError
from sim.progress import WeekCounter, WeeksBar, WeekSlot
from sim.runner import PROGRESS_SECONDS, wait_until_started

PARTS = "parts"
MANIFEST = "manifest.json"
LIBRARIES = ("mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "dask", "distributed", "plotly", "networkx")


class ResultStore:
    """An experiment's output directory: parts written as tasks finish, then gathered tables."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir)
        self.parts = self.root / PARTS

    def done_tasks(self) -> set[int]:
        """Tasks whose ``runs`` part exists (it is written last, so the task is complete)."""
        runs = self.parts / "runs"
        return {int(p.stem.split("-")[1]) for p in runs.glob("task-*.parquet")} if runs.is_dir() else set()

    def write(self, output: TaskOutput) -> None:
        for name, table in output.tables.items():
            self._write_part(name, output.task_id, table)
        self._write_part("runs", output.task_id, output.runs)

    def _write_part(self, name: str, task_id: int, table: pd.DataFrame) -> None:
        folder = self.parts / name
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"task-{task_id:06d}.parquet"
        tmp = folder / f".task-{task_id:06d}.parquet.tmp"
        table.to_parquet(tmp, index=False)
        os.replace(tmp, final)  # atomic: a part is either whole or absent

    def gather(self, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
        """Read every complete task's parts of ``tables`` into one table each (in task order)."""
        done = sorted(self.done_tasks())
        out = {}
        for name in tables:
            frames = [pd.read_parquet(p) for t in done if (p := self.parts / name / f"task-{t:06d}.parquet").exists()]
            frames = [f for f in frames if len(f.columns)]
            out[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return out

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.root / MANIFEST)


def run_tasks(
    experiment: Experiment,
    out_dir: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
) -> dict[str, Any]:
    """Run every task of ``experiment`` that ``out_dir`` does not hold yet; returns the manifest."""
    store = ResultStore(out_dir)
    manifest = _start_manifest(experiment, store, workers, scheduler, fresh)
    tasks = experiment.tasks()
    done = store.done_tasks()
    pending = [t for t in tasks if t.task_id not in done]
    per_task = len(experiment.scenarios)
    failed = _failed_so_far(store)
    runs_done = len(done) * per_task
    # Progress in run-weeks (sim/progress.py): it moves within batches, and its time left holds.
    bar = WeeksBar(
        sum(t.run_weeks for t in tasks), sum(t.run_weeks for t in tasks if t.task_id in done), enabled=progress
    )
    bar.note(f"runs {runs_done}/{len(tasks) * per_task}, failed {failed}")
    groups = group_tasks(pending, workers, experiment.settings["batch"])
    for outputs in _executor(workers, scheduler)(groups, _GroupProgress(groups, bar.advance, bar.simulating)):
        for output in outputs:
            store.write(output)
            failed += output.failed
            runs_done += per_task
        bar.note(f"runs {runs_done}/{len(tasks) * per_task}, failed {failed}")
    bar.close()
    manifest.update(
        finished=_now(),
        runs_total=len(tasks) * per_task,
        runs_failed=failed,
        tasks_run_this_time=len(pending),
    )
    store.write_manifest(manifest)
    return manifest


def group_tasks(tasks: list[Task], workers: int = 1, largest: int | None = None) -> list[list[Task]]:
    """The tasks in groups that are stepped together (one parameter point each; see sim/batch.py)."""
    by_point: dict[int, list[Task]] = {}
    for task in tasks:
        by_point.setdefault(task.point, []).append(task)
    groups = []
    for same_point in by_point.values():
        households = same_point[0].town.profile["town"]["households"]
        start = 0
        for size in batch_sizes(len(same_point), households, workers, largest):
            groups.append(same_point[start : start + size])
            start += size
    return groups


class _GroupProgress:
    """Run-weeks reported per group of tasks, each capped at the group's own weeks, passed on as increments.

    A group that is retried task by task after a failure, or that arrives without reports (from a
    cluster), still adds exactly its own weeks in all.
    """

    def __init__(
        self, groups: list[list[Task]], advance: Callable[[int], object], simulating: Callable[[], None] = lambda: None
    ) -> None:
        self.expected = [sum(t.run_weeks for t in g) for g in groups]
        self.reported = [0] * len(groups)
        self.advance = advance
        self.simulating = simulating  # called when workers are ready and the simulation begins

    def report(self, group: int, done: int) -> None:
        """Group ``group`` has simulated ``done`` run-weeks so far."""
        done = min(int(done), self.expected[group])
        if done > self.reported[group]:
            self.advance(done - self.reported[group])
            self.reported[group] = done

    def counter(self, group: int) -> Callable[[int], None]:
        """An ``on_week`` callback adding to group ``group`` (for groups run in this process)."""
        return lambda n: self.report(group, self.reported[group] + n)

    def finish(self, group: int) -> None:
        """The group is done: all its weeks count."""
        self.report(group, self.expected[group])


Executor = Callable[[list[list[Task]], _GroupProgress], Iterator[list[TaskOutput]]]


def _executor(workers: int, scheduler: str | None) -> Executor:
    if scheduler:
        return lambda groups, progress: _on_dask(groups, scheduler, progress)
    if workers > 1:
        return lambda groups, progress: _in_pool(groups, workers, progress)
    return _in_process


def _in_process(groups: list[list[Task]], progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    for i, group in enumerate(groups):
        outputs = execute_tasks(group, on_week=progress.counter(i))
        progress.finish(i)
        yield outputs


def _in_pool(groups: list[list[Task]], workers: int, progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    # "spawn": workers start clean (no forked threads). The counter outlives the pool (it is closed last).
    context = multiprocessing.get_context("spawn")
    with WeekCounter(len(groups)) as counter, ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        wait_until_started(pool, min(workers, len(groups)))
        progress.simulating()
        futures = {pool.submit(_execute_counted, g, counter.slot(i)): i for i, g in enumerate(groups)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
            for i, weeks in enumerate(counter.counts()):
                progress.report(i, weeks)
            for future in done:
                progress.finish(futures[future])
                yield future.result()


def _execute_counted(tasks: list[Task], slot: WeekSlot) -> list[TaskOutput]:
    """:func:`sim.experiment.execute_tasks` in a worker process, counting its weeks in ``slot``."""
    try:
        return execute_tasks(tasks, on_week=slot)
    finally:
        slot.close()


def _on_dask(groups: list[list[Task]], scheduler: str, progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    """Send the tasks to an existing Dask cluster; its workers need this package installed."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="10s")
    except OSError as e:
        raise ConfigError("command line", "--scheduler", f"cannot reach {scheduler}: {e}") from None
    try:
        futures = client.map(execute_tasks, groups, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in dask_completed(futures):
            progress.finish(index[future.key])  # a cluster's workers report only when a group is done
            yield future.result()
            future.release()
    finally:
        client.close()


def _failed_so_far(store: ResultStore) -> int:
    runs = store.gather(["runs"])["runs"]
    return int((runs["status"] != "ok").sum()) if len(runs) else 0


def _start_manifest(
    experiment: Experiment, store: ResultStore, workers: int, scheduler: str | None, fresh: bool
) -> dict[str, Any]:
    """The manifest of this experiment; refuses a directory holding another experiment's results."""
    old = store.read_manifest()
    fingerprint = experiment.fingerprint()
    if old is not None and not fresh and old.get("fingerprint") != fingerprint:
        raise ConfigError(
            str(store.root),
            "--out",
            f"holds results of another experiment ({old.get('experiment_file')}) or of a changed file; "
            "allowed: the same experiment, a new --out directory, or --fresh to start over",
        )
    commit = _git_commit()
    if old is not None and not fresh and old.get("git_commit") != commit:
        raise ConfigError(
            str(store.root),
            "--out",
            f"holds results made by code at commit {old.get('git_commit')}, and this is {commit}; results of two "
            "versions must not be mixed; allowed: a new --out directory, or --fresh to start over",
        )
    if fresh and store.root.exists():
        _clear(store)
    starts = (old or {}).get("starts", []) if not fresh else []
    manifest = {
        "experiment": experiment.name,
        "experiment_file": experiment.file,
        "experiment_text": experiment.text,
        "fingerprint": fingerprint,
        "title": experiment.settings["title"],
        "description": experiment.settings["description"],
        "settings": experiment.settings,
        "scenarios": experiment.labels,
        "town": experiment.town.name,
        "sweep": _sweep_description(experiment),
        "points": len(experiment.points),
        "replication_seeds": experiment.seeds,
        "tables": ["runs", "summaries", *experiment.tables],
        "package_version": _version("community-sim"),
        "git_commit": commit,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "executor": f"dask {scheduler}"
        if scheduler
        else (f"process pool of {workers}" if workers > 1 else "in-process"),
        "started": (old or {}).get("started", _now()) if not fresh else _now(),
        "starts": [*starts, _now()],
        "finished": None,
    }
    store.write_manifest(manifest)
    return manifest


def _clear(store: ResultStore) -> None:
    if store.parts.exists():
        shutil.rmtree(store.parts)
    for p in store.root.glob("*.parquet"):
        p.unlink()


def _sweep_description(experiment: Experiment) -> dict[str, Any] | None:
    sweep = experiment.sweep
    if sweep is None:
        return None
    return {
        "method": sweep.method,
        "samples": sweep.samples,
        "levels": sweep.levels,
        "parameters": {
            p.path: ({"values": list(p.values)} if sweep.method == "grid" else {"low": p.low, "high": p.high})
            for p in sweep.parameters
        },
    }


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The commit of the code that ran (with "-dirty" if it had uncommitted changes), if known."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_experiment(
    experiment: Experiment,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
) -> dict[str, pd.DataFrame]:
    """Run (or finish) an experiment and write its tables; returns them by name.

    Without ``out_dir`` the results go to a temporary directory that is removed afterwards.
    """
    if out_dir is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="community-sim-") as tmp:
            return run_experiment(experiment, tmp, workers, scheduler, progress, fresh)
    run_tasks(experiment, out_dir, workers or experiment.settings["workers"], scheduler, progress, fresh)
    return write_results(experiment, out_dir)


def write_results(experiment: Experiment, out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Gather the parts into one table each, analyse them, and write everything as Parquet
    (and the small tables also as CSV)."""
    from sim.analysis import comparison, sensitivity
    from sim.outputs import write_tables

    store = ResultStore(out_dir)
    tables = store.gather(["runs", "summaries", *experiment.tables])
    tables["points"] = experiment.points
    tables["comparison"] = comparison(tables["summaries"], experiment.labels, len(experiment.points))
    tables["sensitivity"] = sensitivity(tables["runs"], experiment.points, _sweep_description(experiment))
    small = ("runs", "points", "comparison", "sensitivity")
    write_tables({k: tables[k] for k in small}, store.root)
    for name in ("summaries", *experiment.tables):
        tables[name].to_parquet(store.root / f"{name}.parquet", index=False)
    return tables
