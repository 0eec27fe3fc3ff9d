"""Experiment files (TOML): scenarios × parameter points × replications, reproducible from the file.

    [experiment]
    title = "Community functions against baseline"
    town = "neighbourhood"          # bundled name, or a path relative to this file
    scenarios = ["baseline", "stronger_jichikai"]   # the first is the reference
    years = 10
    replications = 20
    seed = 2026
    tables = ["weekly", "ledgers", "council"]       # per-run tables to keep (also "channels", "population",
                                                    # "facts"; runs and summaries always)
    parameters = "national_ensemble"  # optional: parameter sets, a bundled name or a file relative to this one

    [sweep]                         # optional: see sim/sweep.py
    method = "morris"
    ...

Every run is a (scenario, point, replication). Replication ``r`` has the same seed at every
point and in every scenario (common random numbers), so differences between scenarios and
between points are not luck. One *task* is one (point, replication): its scenarios share one
warm-up, and it is the unit sent to a worker and written to disk.

With ``parameters`` (a calibration's best fit or accepted ensemble, sim/parameter_sets.py; or a
file that the scenarios name), replication ``r`` runs every scenario, at every point, with the set
its seed draws: the runs table's ``parameter_set`` column says which. A path may not be both swept
and in the parameters file.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.config import Scenario, TownProfile, effective_profile, locate, locate_parameters
from sim.model import DEFAULT_WARMUP_WEEKS, WEEKS_PER_YEAR
from sim.parameter_sets import ParameterSets, apply_set, parameters_for
from sim.params import ConfigError, Param, validate_block
from sim.progress import run_weeks
from sim.runner import RunResult, prepare, run_batch
from sim.sizing import CONFIRM_BYTES, CONFIRM_HOUSEHOLD_YEARS, CONFIRM_RUNS, ExperimentSize
from sim.streams import replication_seeds
from sim.sweep import Sweep, apply_point, design_points, design_size, largest_value, load_sweep
from sim.tomlfile import parse_toml, read_text

# Per-run tables an experiment may keep: "population" (one row per resident) and "facts" (the town's
# size, weeks, 民生委員 posts, desks) are what the named statistics of sim/statistics.py also read.
RUN_TABLES = ("weekly", "ledgers", "council", "channels", "population", "facts")
DEFAULT_RUN_TABLES = RUN_TABLES[:3]  # the channel history only on request: a row per case and channel

EXPERIMENT_PARAMS: dict[str, Param] = {
    "title": Param("experiment", "What the experiment asks.", "Set by the file.", kind="text"),
    "description": Param("", "Longer description.", "Set by the file.", kind="text"),
    "town": Param(
        "neighbourhood", "Town: a bundled name or a path relative to the file.", "Set by the file.", kind="text"
    ),
    "years": Param(10.0, "Years simulated after the warm-up.", "Set by the file.", low=0.02, high=200.0),
    "warmup_years": Param(
        DEFAULT_WARMUP_WEEKS / 52,
        "Years of warm-up under the reference scenario.",
        "Model structure.",
        low=0.0,
        high=100.0,
    ),
    "replications": Param(10, "Replications (seeds) per scenario.", "Set by the file.", kind="int", low=1, high=10_000),
    "seed": Param(
        0, "Seed from which every replication's seed derives.", "Set by the file.", kind="int", low=0, high=2**63 - 1
    ),
    "workers": Param(
        1, "Worker processes (results do not depend on it).", "Set by the file.", kind="int", low=1, high=256
    ),
    "batch": Param(
        25,
        "Most replications of a point stepped together as one batch (sim/batch.py; results do not depend "
        "on it; 1 runs them one by one).",
        "Set by the file.",
        kind="int",
        low=1,
        high=1000,
    ),
}


@dataclass
class Experiment:
    """A validated experiment file with its scenarios, town and design loaded."""

    name: str
    file: str
    text: str  # the file as written, for the manifest
    settings: dict[str, Any]
    scenarios: list[Scenario]
    town: TownProfile
    tables: tuple[str, ...] = DEFAULT_RUN_TABLES
    sweep: Sweep | None = None
    points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"point": [0]}))
    size: ExperimentSize | None = None
    # Each point's scenarios and town, once checked (sweeps only; see _check_every_point).
    point_inputs: list[tuple[list[Scenario], TownProfile]] | None = field(default=None, repr=False)
    parameters: ParameterSets | None = None  # the parameter sets replications draw from, if any
    # Each (point index, parameter set drawn)'s scenarios and town, once checked (see _check_every_set).
    set_inputs: dict[tuple[int, int], tuple[list[Scenario], TownProfile]] = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> list[str]:
        """Scenario names in file order; the first is the reference."""
        return [s.name for s in self.scenarios]

    @property
    def seeds(self) -> list[int]:
        """The seed of each replication."""
        return replication_seeds(self.settings["seed"], self.settings["replications"])

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.settings["replications"] * len(self.scenarios)

    def fingerprint(self) -> str:
        """A hash of everything that decides the results: the file and the loaded inputs."""
        parts = [self.text, repr(self.scenarios), repr(self.town.profile), repr(self.points.to_dict("list"))]
        if self.parameters is not None:  # its text: a changed file changes the results
            parts.append(self.parameters.sha256)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @property
    def parameter_sets(self) -> list[int | None]:
        """The parameter set of each replication (None without parameter sets)."""
        if self.parameters is None:
            return [None] * len(self.seeds)
        return list(self.parameters.indices_for(self.seeds))

    def tasks(self) -> list[Task]:
        """Every (point, replication), numbered point-major."""
        s = self.settings
        seeds, sets = self.seeds, self.parameter_sets
        names = [c for c in self.points.columns if c != "point"]
        out: list[Task] = []
        for k, row in enumerate(self.points.itertuples(index=False)):
            values = dict(zip(names, row[1:], strict=True))
            if self.point_inputs is not None:
                scenarios, town = self.point_inputs[k]
            else:
                scenarios, town = apply_point(self.scenarios, self.town, values)
            for r, (seed, parameter_set) in enumerate(zip(seeds, sets, strict=True)):
                at = scenarios, town
                if self.parameters is not None and parameter_set is not None:
                    if (k, parameter_set) not in self.set_inputs:
                        self.set_inputs[k, parameter_set] = apply_set(scenarios, town, self.parameters, parameter_set)
                    at = self.set_inputs[k, parameter_set]
                out.append(
                    Task(
                        task_id=len(out),
                        point=int(row.point),
                        values=values,
                        replication=r,
                        seed=seed,
                        scenarios=at[0],
                        town=at[1],
                        years=s["years"],
                        warmup_weeks=round(s["warmup_years"] * 52),
                        tables=self.tables,
                        parameter_set=parameter_set,
                    )
                )
        return out


@dataclass
class Task:
    """One (point, replication): every scenario on one seed, sharing one warm-up."""

    task_id: int
    point: int
    values: dict[str, Any]
    replication: int
    seed: int
    scenarios: list[Scenario]
    town: TownProfile
    years: float
    warmup_weeks: int
    tables: tuple[str, ...]
    parameter_set: int | None = None  # the parameter set its scenarios run with (already applied to them)

    @property
    def run_weeks(self) -> int:
        """Its share of an experiment's progress: its warm-up's weeks and every scenario's (sim/progress.py)."""
        return run_weeks(len(self.scenarios), 1, round(self.years * WEEKS_PER_YEAR), self.warmup_weeks)


@dataclass
class TaskOutput:
    """What a worker sends back: one row per run, and the per-run tables of the task."""

    task_id: int
    runs: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    @property
    def failed(self) -> int:
        return int((self.runs["status"] != "ok").sum())


def load_experiment(path: str | Path, confirmed: bool = True, progress: bool = False) -> Experiment:
    """Load and validate an experiment file and everything it names, before anything runs.

    Args:
        path: The experiment file.
        confirmed: Whether a large experiment may run (the command line's ``--yes``); without it a
            large one is refused with its size (see :mod:`sim.sizing`). One that cannot fit in
            this machine's memory is refused either way, before its design is generated.
        progress: Show a progress bar on stderr while every point of a sweep is checked.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise ConfigError(file, "", "no such file")
    text = read_text(path)
    raw = parse_toml(text, file)
    for key in raw:
        if key not in ("experiment", "sweep"):
            raise ConfigError(file, key, "unknown section; allowed: experiment, sweep")
    if not isinstance(raw.get("experiment"), dict):
        raise ConfigError(file, "experiment", "missing [experiment] table")
    table = dict(raw["experiment"])
    scenarios = table.pop("scenarios", None)
    if not isinstance(scenarios, list) or not scenarios or not all(isinstance(s, str) for s in scenarios):
        raise ConfigError(file, "experiment.scenarios", "allowed: a non-empty list of scenario names or paths")
    if len(set(scenarios)) != len(scenarios):
        raise ConfigError(file, "experiment.scenarios", "a scenario is listed twice; allowed: distinct scenarios")
    tables = _tables(table.pop("tables", list(DEFAULT_RUN_TABLES)), file)
    parameters_file = _parameters_file(table.pop("parameters", None), path)
    settings = validate_block(EXPERIMENT_PARAMS, table, file, "experiment")
    for i, name in enumerate(scenarios):
        locate(_relative(name, path), "scenarios", file, f"experiment.scenarios[{i}]")
    locate(_relative(settings["town"], path), "towns", file, "experiment.town")
    loaded, town = prepare([_relative(s, path) for s in scenarios], _relative(settings["town"], path))
    if len({s.name for s in loaded}) != len(loaded):
        raise ConfigError(file, "experiment.scenarios", "two scenarios share a file name; allowed: distinct names")
    sweep = load_sweep(raw["sweep"], file) if "sweep" in raw else None
    parameters = parameters_for(loaded, parameters_file, (file, "experiment.parameters"))
    _check_not_swept(sweep, parameters, file)
    size = experiment_size(settings, len(loaded), town, tables, sweep)
    _check_size(size, file, confirmed)
    points = design_points(sweep, settings["seed"])
    experiment = Experiment(path.stem, file, text, settings, loaded, town, tables, sweep, points, size)
    experiment.parameters = parameters
    _check_every_point(experiment, progress)
    _check_every_set(experiment)
    return experiment


def _parameters_file(value: Any, experiment_file: Path) -> Path | None:
    """The parameter-sets file ``[experiment] parameters`` names, relative to the experiment file."""
    if value is None:
        return None
    return locate_parameters(value, experiment_file.parent, str(experiment_file), "experiment.parameters")


def _check_not_swept(sweep: Sweep | None, parameters: ParameterSets | None, file: str) -> None:
    """A parameter is either swept or taken from the parameter sets: with both, which wins would be a guess."""
    if sweep is None or parameters is None:
        return
    for p in sweep.parameters:
        if p.path in parameters.paths:
            raise ConfigError(
                file,
                f"sweep.parameters.{p.path}",
                f"also set by the parameter sets of {parameters.file}; allowed: a parameter swept or taken from "
                "the parameter sets, not both (remove it from the sweep, or sweep without the parameters file)",
            )


def experiment_size(
    settings: dict[str, Any], scenarios: int, town: TownProfile, tables: tuple[str, ...], sweep: Sweep | None
) -> ExperimentSize:
    """The experiment's size from its settings and design, before any point is generated."""
    households = largest_value(sweep, "town.town.households", town.profile["town"]["households"])
    return ExperimentSize(
        design_size(sweep), settings["replications"], scenarios, settings["years"], int(households), tables
    )


def _check_size(size: ExperimentSize, file: str, confirmed: bool) -> None:
    """Refuse what cannot fit; ask for --yes above the stated size (sim/sizing.py)."""
    smaller = (
        "fewer points (sweep.samples or the grid's values), replications, scenarios or years, or fewer tables "
        "(drop 'weekly' or 'ledgers' from experiment.tables)"
    )
    why = size.cannot_fit()
    if why:
        raise ConfigError(file, "experiment", f"too large to run here: {size.describe()}; {why}; allowed: {smaller}")
    if size.needs_confirmation() and not confirmed:
        raise ConfigError(
            file,
            "experiment",
            f"this is a large experiment: {size.describe()}; allowed: run it with --yes (more than "
            f"{CONFIRM_RUNS:,} runs, {CONFIRM_HOUSEHOLD_YEARS:,} household-years or "
            f"{CONFIRM_BYTES // 1024**3} GB of tables asks first), or {smaller}",
        )


def _tables(value: Any, file: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(v in RUN_TABLES for v in value):
        raise ConfigError(file, "experiment.tables", f"got {value!r}; allowed: a list of " + ", ".join(RUN_TABLES))
    return tuple(value)


def _check_every_point(experiment: Experiment, progress: bool = False) -> None:
    """Every scenario must be valid in the town of every point (e.g. "+0.15 membership" stays ≤ 1).

    The checked inputs of each point are kept for :meth:`Experiment.tasks`, which would otherwise
    build them again.
    """
    names = [c for c in experiment.points.columns if c != "point"]
    if not names:
        return
    inputs = []
    rows = experiment.points.itertuples(index=False)
    bar = tqdm(rows, total=len(experiment.points), desc="checking sweep points", unit="point", disable=not progress)
    for row in bar:
        values = dict(zip(names, row[1:], strict=True))
        scenarios, town = apply_point(experiment.scenarios, experiment.town, values)
        for s in scenarios:
            try:
                effective_profile(s, town)
            except ConfigError as e:
                bar.close()
                where = f"{e.key}: " if e.key else ""
                raise ConfigError(
                    experiment.file, "sweep.parameters", f"at point {values}, scenario {s.name!r}: {where}{e.problem}"
                ) from None
        inputs.append((scenarios, town))
    bar.close()
    experiment.point_inputs = inputs


def _check_every_set(experiment: Experiment) -> None:
    """Every scenario must run with each parameter set its replications draw, at every point (a set can,
    with a point, switch on the council in a town without its host desk); the checked inputs are kept."""
    if experiment.parameters is None:
        return
    drawn = sorted({k for k in experiment.parameter_sets if k is not None})
    names = [c for c in experiment.points.columns if c != "point"]
    for i, row in enumerate(experiment.points.itertuples(index=False)):
        scenarios, town = (
            experiment.point_inputs[i] if experiment.point_inputs else (experiment.scenarios, experiment.town)
        )
        for k in drawn:
            try:
                experiment.set_inputs[i, k] = apply_set(scenarios, town, experiment.parameters, k)
            except ConfigError as e:
                if not names:
                    raise
                values = dict(zip(names, row[1:], strict=True))
                raise ConfigError(e.file, e.key, f"at sweep point {values}: {e.problem}") from None


def _relative(name: str, experiment_file: Path) -> str:
    """A path-like name is taken relative to the experiment file; a bare name is a bundled one."""
    if name.endswith(".toml") or "/" in name:
        return str((experiment_file.parent / name).resolve())
    return name


def execute_task(task: Task) -> TaskOutput:
    """Run a task's scenarios; a run that raises is recorded with its error and the others go on.

    Pure: the output depends only on the task, whoever runs it (process, pool or cluster).
    """
    return execute_tasks([task])[0]


def execute_tasks(tasks: list[Task], on_week: Callable[[int], None] | None = None) -> list[TaskOutput]:
    """Run tasks of one point together: each scenario steps all their seeds as one batch (sim/batch.py).

    The outputs are exactly those of :func:`execute_task` on each task alone; a run's ``seconds``
    is its share of the batch's time. If a batch raises, its runs are run one by one, so that only
    the run that fails is recorded as failed and the others go on. ``on_week(n)`` is told of the
    run-weeks simulated as they go (see :func:`sim.runner.run_batch`).
    """
    if len({(t.point, t.parameter_set) for t in tasks}) > 1:
        raise ValueError("tasks stepped together must share their parameter point and parameter set")
    first = tasks[0]
    runs: list[list[dict[str, Any]]] = [[] for _ in tasks]
    parts: list[dict[str, list[pd.DataFrame]]] = [{name: [] for name in t.tables} for t in tasks]
    for index in range(len(first.scenarios)):
        for k, (result, seconds) in enumerate(_run_scenario(tasks, index, on_week)):
            task, row = tasks[k], _run_row(tasks[k], index)
            if isinstance(result, Exception):
                runs[k].append({**row, "status": "failed", "error": _describe(result), "seconds": seconds})
                continue
            town_wide = result.summary[result.summary.household_type == "all"]
            runs[k].append(
                {
                    **row,
                    "status": "ok",
                    "error": "",
                    "seconds": seconds,
                    **dict(zip(town_wide.metric, town_wide.value, strict=True)),
                }
            )
            parts[k].setdefault("summaries", []).append(_tag(result.summary, row))
            for name in task.tables:
                parts[k][name].append(_tag(_run_table(result, name), row))
    return [
        TaskOutput(t.task_id, pd.DataFrame(r), {name: _concat(frames) for name, frames in p.items()})
        for t, r, p in zip(tasks, runs, parts, strict=True)
    ]


def _run_scenario(
    tasks: list[Task], index: int, on_week: Callable[[int], None] | None = None
) -> list[tuple[RunResult | Exception, float]]:
    """Scenario ``index`` on every task's seed: as one batch, or one by one if the batch raises."""
    first = tasks[0]
    scenario, reference = first.scenarios[index], first.scenarios[0]

    def run(group: list[Task]) -> list[RunResult]:
        seeds, reps = [t.seed for t in group], [t.replication for t in group]
        return run_batch(
            scenario,
            first.town,
            seeds,
            first.years,
            reps,
            first.warmup_weeks,
            reference,
            on_week=on_week,
            count_warmup=index == 0,
        )

    started = time.perf_counter()
    try:
        results = run(tasks)
        seconds = (time.perf_counter() - started) / len(tasks)
        return [(result, seconds) for result in results]
    except Exception as e:
        if len(tasks) == 1:
            return [(e, time.perf_counter() - started)]
    return [_run_scenario([task], index, on_week)[0] for task in tasks]


def _run_row(task: Task, index: int) -> dict[str, Any]:
    return {
        "run_id": f"{task.task_id}.{index}",
        "task": task.task_id,
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        "scenario": task.scenarios[index].name,
        **({} if task.parameter_set is None else {"parameter_set": task.parameter_set}),
        **task.values,
    }


def _run_table(result: RunResult, name: str) -> pd.DataFrame:
    tables = {
        "weekly": result.weekly,
        "ledgers": result.ledger,
        "council": result.council,
        "channels": result.channels,
        "population": result.population,
        "facts": result.facts,
    }
    return tables[name]


def _tag(table: pd.DataFrame, row: dict[str, Any]) -> pd.DataFrame:
    """``table`` with the run's identifying columns in front; categories become plain strings so
    that tables from different runs concatenate and load back alike."""
    out = table.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("str")  # pandas' Arrow-backed strings; missing stays missing
    front = {
        k: row[k] for k in ("run_id", "task", "point", "replication", "seed", "scenario", "parameter_set") if k in row
    }
    for i, (col, value) in enumerate(front.items()):
        out.insert(i, col, value)
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _describe(error: Exception) -> str:
    return "".join(traceback.format_exception_only(error)).strip() + "\n" + traceback.format_exc(limit=-3)
