"""Running an experiment's tasks: in this process, a local process pool, or a Dask cluster.

Whoever runs them, tasks are pure (sim.experiment.execute_task), so the results are identical.
The tasks of one parameter point go out in groups whose replications are stepped together
(:func:`group_tasks`, sim/batch.py); a group's results equal its tasks' results alone.
This process writes each task's output as soon as its group arrives — one Parquet part per
table per task, written to a temporary name and renamed, the ``runs`` part last — so a crash
loses at most the groups in flight, and a restart runs only the tasks whose parts are missing
or unreadable. At the end the parts are gathered into one Parquet file per table
(``pd.read_parquet(path)``), each written whole or not at all; the manifest says ``finished``
last, with every table's row count, so that a directory killed during the gather is never
taken for a finished one (``report`` checks, and running the experiment again repairs it).

The results directory is this project's: a directory holding anything else is refused, and
``--fresh`` removes only the files the project writes. One process at a time writes into it
(:mod:`sim.dirlock`).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch import batch_sizes
from sim.dirlock import LOCK_FILE, directory_lock
from sim.experiment import RUN_TABLES, Experiment, Task, TaskOutput, execute_tasks
from sim.params import ConfigError
from sim.places import check_output_dir
from sim.progress import WeekCounter, WeeksBar, WeekSlot
from sim.runner import PROGRESS_SECONDS, wait_until_started
from sim.workers import process_pool

PARTS = "parts"
MANIFEST = "manifest.json"
PART_TABLES = ("summaries", *RUN_TABLES)  # per-task parts besides "runs"
SMALL_TABLES = ("runs", "points", "comparison", "sensitivity")  # written as CSV too
REPORT_FILE = "report.html"
# Every file this project writes at the top of a results directory (--fresh removes these, nothing else).
OUR_FILES = (
    MANIFEST,
    REPORT_FILE,
    *(f"{n}.{ext}" for n in SMALL_TABLES for ext in ("csv", "parquet")),
    *(f"{n}.parquet" for n in PART_TABLES),
)
PART_NAME = re.compile(r"task-(\d{6,})\.parquet")
PART_TMP = re.compile(r"\.task-\d{6,}\.parquet\.tmp")
REPAIRS = 3  # gathers that may find a part gone bad (its task then runs again)
LIBRARIES = ("mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "dask", "distributed", "plotly", "networkx")


class CorruptPart(Exception):
    """A task's part is missing or cannot be read at the gather (a disk fault): the task runs again."""

    def __init__(self, task_id: int, path: Path, error: Exception) -> None:
        self.task_id, self.path = task_id, path
        super().__init__(f"{path}: {error}")


class ResultStore:
    """An experiment's output directory: parts written as tasks finish, then gathered tables."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir)
        self.parts = self.root / PARTS

    def part_path(self, name: str, task_id: int) -> Path:
        """Where task ``task_id``'s part of table ``name`` is written."""
        return self.parts / name / f"task-{task_id:06d}.parquet"

    def part_files(self, name: str) -> dict[int, Path]:
        """The parts of table ``name`` by task (only files named as this project names them)."""
        folder = self.parts / name
        if not folder.is_dir():
            return {}
        found = (PART_NAME.fullmatch(p.name) for p in folder.iterdir())
        return {int(m.group(1)): folder / m.group(0) for m in found if m}

    def done_tasks(self, per_task: int | None = None, tables: Iterable[str] = ()) -> set[int]:
        """Tasks whose parts are complete: the ``runs`` part (written last) and each part of ``tables``.

        A part is checked by reading its Parquet footer (and the ``runs`` part for ``per_task``
        rows, one per scenario): a task with a zero-length or corrupt part is pending again, and
        its parts are removed so that it runs afresh.
        """
        others = [self.part_files(name) for name in tables]
        done = set()
        for task_id, path in self.part_files("runs").items():
            rows = _parquet_rows(path)
            complete = rows is not None and (per_task is None or rows == per_task)
            complete = complete and all(task_id in f and _parquet_rows(f[task_id]) is not None for f in others)
            if complete:
                done.add(task_id)
            else:
                self.discard_task(task_id)
        return done

    def discard_task(self, task_id: int) -> None:
        """Remove a task's parts (the ``runs`` part first, so that the task no longer counts as done)."""
        for name in ("runs", *PART_TABLES):
            self.part_path(name, task_id).unlink(missing_ok=True)

    def write(self, output: TaskOutput) -> None:
        """Write a task's parts, its ``runs`` part last (a task is done once that exists)."""
        for name, table in output.tables.items():
            self._write_part(name, output.task_id, table)
        self._write_part("runs", output.task_id, output.runs)

    def _write_part(self, name: str, task_id: int, table: pd.DataFrame) -> None:
        (self.parts / name).mkdir(parents=True, exist_ok=True)
        write_atomically(table, self.part_path(name, task_id), "parquet", sync=False)

    def gather(
        self, tables: Iterable[str], tasks: Iterable[int] | None = None, required: Iterable[str] = ()
    ) -> dict[str, pd.DataFrame]:
        """Read the parts of ``tables`` of ``tasks`` (default: every complete task) into one table each.

        Raises:
            CorruptPart: a part cannot be read, or a part of a ``required`` table is missing (its
                task is to run again).
        """
        done = sorted(self.done_tasks() if tasks is None else tasks)
        required = set(required)
        out = {}
        for name in tables:
            frames = []
            for task_id in done:
                path = self.part_path(name, task_id)
                if not path.exists():
                    if name in required:
                        raise CorruptPart(task_id, path, FileNotFoundError("missing"))
                    continue
                try:
                    frames.append(pd.read_parquet(path))
                except (OSError, ValueError, pa.ArrowException) as e:
                    raise CorruptPart(task_id, path, e) from None
            frames = [f for f in frames if len(f.columns)]
            out[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return out

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when there is none.

        Raises:
            ConfigError: the file cannot be read, or is not a manifest this project wrote.
        """
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ConfigError(
                str(path),
                "",
                f"cannot be read ({type(e).__name__}: {e}); allowed: the manifest.json that `community-sim "
                "experiment` writes (run the experiment again with a new --out directory)",
            ) from None
        if not isinstance(manifest, dict) or not {"fingerprint", "experiment_file", "scenarios"} <= set(manifest):
            raise ConfigError(
                str(path), "", "is not the manifest of `community-sim experiment`; allowed: an experiment's results"
            )
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest whole (temporary name, then renamed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomically(json.dumps(manifest, ensure_ascii=False, indent=2), self.root / MANIFEST, "text")

    def check_directory(self, fresh: bool = False) -> dict[str, Any] | None:
        """Check, writing nothing, that the directory can take this experiment's results; returns its manifest.

        The directory must be usable (:func:`sim.places.check_output_dir`) and be new, empty, or a
        results directory of this project: any other directory is refused, ``--fresh`` or not.
        """
        check_output_dir(self.root)
        manifest = self.read_manifest()
        if manifest is None and self.root.is_dir():
            foreign = sorted(p.name for p in self.root.iterdir() if p.name != LOCK_FILE)
            if foreign:
                shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
                raise ConfigError(
                    str(self.root),
                    "--out",
                    f"holds files that are not an experiment's results ({shown}) and no {MANIFEST}"
                    + (" (--fresh clears only a results directory)" if fresh else "")
                    + "; allowed: a new or empty directory, or a results directory of `community-sim experiment`",
                )
        return manifest

    def clear(self) -> None:
        """Remove what this project wrote here (parts, gathered tables, report, manifest), and nothing else."""
        for name in ("runs", *PART_TABLES):
            folder = self.parts / name
            if folder.is_dir():
                for p in folder.iterdir():
                    if PART_NAME.fullmatch(p.name) or PART_TMP.fullmatch(p.name):
                        p.unlink()
                _remove_if_empty(folder)
        _remove_if_empty(self.parts)
        for name in OUR_FILES:
            (self.root / name).unlink(missing_ok=True)
            (self.root / f".{name}.tmp").unlink(missing_ok=True)


def write_atomically(data: pd.DataFrame | str, path: Path, kind: str, sync: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all: to a temporary name beside it, then renamed.

    Args:
        data: A table, or text.
        path: The file.
        kind: "parquet", "csv" or "text".
        sync: Flush the file to disk before the rename (the gathered tables and the manifest).
    """
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8")
    elif kind == "parquet":
        data.to_parquet(tmp, index=False)
    else:
        data.to_csv(tmp, index=False)
    if sync:
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
    os.replace(tmp, path)


def _parquet_rows(path: Path) -> int | None:
    """The rows of a Parquet file, or None when it is empty or corrupt."""
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError, pa.ArrowException):
        return None


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # missing, or holds something this project did not write: it stays
        folder.rmdir()


def run_tasks(
    experiment: Experiment,
    out_dir: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    fresh: bool = False,
) -> dict[str, Any]:
    """Run every task of ``experiment`` that ``out_dir`` does not hold yet; returns the (unfinished) manifest.

    :func:`write_results` then gathers the tables and marks the manifest finished.
    """
    store = ResultStore(out_dir)
    store.check_directory(fresh)
    with connect(workers, scheduler) as execute, directory_lock(store.root):
        manifest = _start_manifest(experiment, store, workers, scheduler, fresh)
        _run_pending(experiment, store, execute, manifest, progress)
        return manifest


def _run_pending(
    experiment: Experiment, store: ResultStore, execute: Executor, manifest: dict[str, Any], progress: bool
) -> None:
    """Run the tasks whose parts are missing or unreadable, writing each task's parts as it finishes."""
    tasks = experiment.tasks()
    per_task = len(experiment.scenarios)
    done = store.done_tasks(per_task, experiment.tables) & {t.task_id for t in tasks}
    pending = [t for t in tasks if t.task_id not in done]
    failed = _failed_so_far(store, done)
    runs_done = len(done) * per_task
    # Progress in run-weeks (sim/progress.py): it moves within batches, and its time left holds.
    bar = WeeksBar(
        sum(t.run_weeks for t in tasks), sum(t.run_weeks for t in tasks if t.task_id in done), enabled=progress
    )
    bar.note(f"runs {runs_done}/{len(tasks) * per_task}, failed {failed}")
    groups = group_tasks(pending, manifest["workers"], experiment.settings["batch"])
    for outputs in execute(groups, _GroupProgress(groups, bar.advance, bar.simulating)):
        for output in outputs:
            store.write(output)
            failed += output.failed
            runs_done += per_task
        bar.note(f"runs {runs_done}/{len(tasks) * per_task}, failed {failed}")
    bar.close()
    manifest["tasks_run_this_time"] += len(pending)
    store.write_manifest(manifest)


def group_tasks(tasks: list[Task], workers: int = 1, largest: int | None = None) -> list[list[Task]]:
    """The tasks in groups that are stepped together (see sim/batch.py): each group holds one parameter
    point and one parameter set, since a batch steps runs of the same settings."""
    by_point: dict[tuple[int, int | None], list[Task]] = {}
    for task in tasks:
        by_point.setdefault((task.point, task.parameter_set), []).append(task)
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


@contextmanager
def connect(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """What runs the groups: this process, a local process pool, or a Dask cluster.

    A cluster is connected here, before anything is written, so that a bad or unreachable
    scheduler leaves the results directory untouched.
    """
    if scheduler:
        client = _dask_client(scheduler)
        try:
            yield lambda groups, progress: _on_dask(groups, client, progress)
        finally:
            client.close()
    elif workers > 1:
        yield lambda groups, progress: _in_pool(groups, workers, progress)
    else:
        yield _in_process


def _in_process(groups: list[list[Task]], progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    for i, group in enumerate(groups):
        outputs = execute_tasks(group, on_week=progress.counter(i))
        progress.finish(i)
        yield outputs


def _in_pool(groups: list[list[Task]], workers: int, progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    # "spawn" workers start clean (no forked threads) and leave when this process dies (sim/workers.py).
    # The counter outlives the pool (it is closed last).
    with WeekCounter(len(groups)) as counter, process_pool(workers) as pool:
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


SCHEDULER_ADDRESS = re.compile(
    r"((tcp|tls|ucx|ws|wss)://)?([A-Za-z0-9][A-Za-z0-9.\-_]*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?|inproc://[\w.\-/]+"
)


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address such as ``tcp://host:8786``, checked before anything runs.

    Raises:
        ConfigError: naming ``--scheduler`` when the text cannot be an address.
    """
    if not SCHEDULER_ADDRESS.fullmatch(address):
        raise ConfigError(
            "command line",
            "--scheduler",
            f"got {address!r}; allowed: a Dask scheduler address such as tcp://127.0.0.1:8786 or "
            "tls://scheduler.example.org:8786",
        )
    return address


def _dask_client(scheduler: str):
    """A client of an existing Dask cluster; its workers need this package installed."""
    check_scheduler_address(scheduler)
    from distributed import Client

    try:
        return Client(scheduler, timeout="10s")
    except (OSError, ValueError, TypeError) as e:  # unreachable, refused, or an address distributed rejects
        hint = (
            "; a tls:// scheduler needs this machine's certificate (docs/experiments.md, A Dask cluster)"
            if scheduler.startswith("tls://")
            else ""
        )
        raise ConfigError("command line", "--scheduler", f"cannot reach {scheduler}: {e}{hint}") from None


def _on_dask(groups: list[list[Task]], client, progress: _GroupProgress) -> Iterator[list[TaskOutput]]:
    """Send the groups to the cluster and yield their outputs as they finish."""
    from distributed import as_completed as dask_completed

    futures = client.map(execute_tasks, groups, pure=False)
    index = {future.key: i for i, future in enumerate(futures)}
    for future in dask_completed(futures):
        progress.finish(index[future.key])  # a cluster's workers report only when a group is done
        yield future.result()
        future.release()


def _failed_so_far(store: ResultStore, done: set[int]) -> int:
    try:
        runs = store.gather(["runs"], done)["runs"]
    except CorruptPart:
        return 0  # the gather meets it again and has its task run afresh
    return int((runs["status"] != "ok").sum()) if len(runs) else 0


def _start_manifest(
    experiment: Experiment, store: ResultStore, workers: int, scheduler: str | None, fresh: bool
) -> dict[str, Any]:
    """The manifest of this experiment, written unfinished; refuses another experiment's results.

    Called with the directory's lock held; ``--fresh`` clears only what this project wrote.
    """
    old = store.check_directory(fresh)
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
    if fresh:
        store.clear()
    kept = old if old is not None and not fresh else {}
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
        "parameters": None if experiment.parameters is None else experiment.parameters.record(),
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
        "workers": workers,
        "started": kept.get("started", _now()),
        "starts": [*kept.get("starts", []), _now()],
        "tasks_run_this_time": 0,
        "runs_total": experiment.n_runs,
        "finished": None,  # set last, once every gathered table is written (_finish)
        "table_rows": None,
    }
    store.write_manifest(manifest)
    return manifest


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
    The directory is locked meanwhile: a second process is refused, and told who holds it.
    """
    if out_dir is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="community-sim-") as tmp:
            return run_experiment(experiment, tmp, workers, scheduler, progress, fresh)
    workers = workers or experiment.settings["workers"]
    store = ResultStore(out_dir)
    store.check_directory(fresh)
    with connect(workers, scheduler) as execute, directory_lock(store.root):
        manifest = _start_manifest(experiment, store, workers, scheduler, fresh)
        for _ in range(REPAIRS):
            _run_pending(experiment, store, execute, manifest, progress)
            try:
                return _finish(experiment, store, manifest)
            except CorruptPart as e:  # a part went bad on disk since it was written: its task runs again
                store.discard_task(e.task_id)
    raise ConfigError(str(store.root), "--out", "parts keep turning unreadable; allowed: a directory on a sound disk")


def write_results(experiment: Experiment, out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Gather the parts into one table each, analyse them, write everything and mark the manifest finished.

    Raises:
        CorruptPart: a part is missing or unreadable (run the experiment again to repair it).
    """
    store = ResultStore(out_dir)
    with directory_lock(store.root):
        manifest = store.read_manifest()
        if manifest is None:
            raise ConfigError(str(store.root), "--out", f"no {MANIFEST}: run the experiment first")
        return _finish(experiment, store, manifest)


def _finish(experiment: Experiment, store: ResultStore, manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Gather, analyse and write the tables (each whole or not at all), then mark the manifest finished.

    Raises:
        CorruptPart: a part is missing or unreadable; its task must run again.
    """
    from sim.analysis import comparison, sensitivity

    tasks = range(len(experiment.points) * experiment.settings["replications"])
    tables = store.gather(["runs", "summaries", *experiment.tables], tasks, required=("runs", *experiment.tables))
    per_task = tables["runs"].groupby("task").size() if len(tables["runs"]) else pd.Series(dtype=int)
    short = [t for t in tasks if per_task.get(t, 0) != len(experiment.scenarios)]
    if short:  # a part went bad since its task ran
        raise CorruptPart(short[0], store.part_path("runs", short[0]), ValueError("not one row per scenario"))
    tables["points"] = experiment.points
    tables["comparison"] = comparison(tables["summaries"], experiment.labels, len(experiment.points))
    tables["sensitivity"] = sensitivity(tables["runs"], experiment.points, _sweep_description(experiment))
    if manifest.get("finished"):  # gathered again (a resumed, finished directory): unfinished until rewritten
        manifest.update(finished=None, table_rows=None)
        store.write_manifest(manifest)
    for name in SMALL_TABLES:
        write_atomically(tables[name], store.root / f"{name}.csv", "csv")
        write_atomically(tables[name], store.root / f"{name}.parquet", "parquet")
    for name in ("summaries", *experiment.tables):
        write_atomically(tables[name], store.root / f"{name}.parquet", "parquet")
    runs = tables["runs"]
    manifest.update(
        runs_total=experiment.n_runs,
        runs_failed=int((runs["status"] != "ok").sum()) if len(runs) else 0,
        table_rows={name: len(tables[name]) for name in (*SMALL_TABLES, "summaries", *experiment.tables)},
        finished=_now(),
    )
    store.write_manifest(manifest)  # last: the directory is now complete
    return tables
