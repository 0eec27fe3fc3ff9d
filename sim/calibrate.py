"""``community-sim calibrate FILE``: fit uncertain parameters to published figures.

A calibration file is a targets file (sim/targets.py) with a ``[calibration]`` section:

    [calibration]
    trials = 120                 # Optuna (TPE) evaluations for the best fit
    population = 80              # ABC-SMC: accepted parameter sets per generation
    generations = 4              # ABC-SMC generations after the first (the prior's)
    replications = 4             # replications per evaluation (the same seeds for every evaluation)
    years = 3                    # years after the warm-up in each evaluation
    towns = ["neighbourhood"]    # towns evaluated (default: the targets' town)
    seed = 2026

    [calibration.parameters]     # paths as in sweeps (mechanism parameters only), with a prior
    "mechanisms.self_referral.weekly_probability.manifest" = [0.005, 0.05]          # uniform
    "mechanisms.neighbour_noticing.weekly_probability" = { low = 0.001, high = 0.05, prior = "log-uniform" }

Every evaluation runs the file's scenario with one parameter set on the same seeds (common
random numbers: the distance between two sets is not luck) and computes the targets'
statistics on each replication. Its distance is the root of the weighted mean of squared
scaled deviations: a target's model mean minus its value, in units of its tolerance on that
side, so that 1 means "at the edge of the tolerance" whatever the unit.

Two methods, one after the other:

1. **Best fit**: Optuna's TPE sampler (as Starsim and Covasim), asked for ``BATCH`` sets at a time
   and told their distances in order, so the sequence of sets does not depend on who evaluates them.
2. **Ensemble**: ABC-SMC (Toni et al. 2009; Beaumont et al. 2009): a population of sets drawn from
   the prior, then generations that perturb accepted sets with a Gaussian kernel (twice the
   population's weighted covariance) and accept those within a tolerance that shrinks to the
   median distance of the previous generation; weights correct for the proposal. Candidates are
   proposed in rounds of fixed size from the calibration's seed, so the population, too, does not
   depend on the executor. (pyabc's samplers accept whichever candidates finish first, so their
   results depend on timing; this one's do not.)

Evaluations run in this process, a local pool or a Dask cluster. Each is written to the results
directory as it arrives; killed and started again, the calibration replays the same sequence
and evaluates only what is missing. The outputs are ``best.toml`` and ``ensemble.toml``
(parameter-sets files: ``--parameters`` on run and compare, ``parameters`` in experiment and
scenario files), ``evaluations.csv``/``.parquet``, ``manifest.json`` and ``report.html``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.config import Scenario, TownProfile
from sim.parameter_sets import _mechanism_param, with_parameter_set, write_parameter_sets
from sim.params import ConfigError, Param, validate, validate_block
from sim.streams import make_stream, replication_seeds
from sim.targets import Target, TargetsFile, load_targets

BATCH = 8  # sets asked of Optuna at a time: fixed, so the sequence does not depend on the workers
PRIORS = ("uniform", "log-uniform")
CALIBRATION_PARAMS: dict[str, Param] = {
    "trials": Param(
        96, "Optuna (TPE) evaluations for the best fit.", "Set by the file.", kind="int", low=0, high=100_000
    ),
    "population": Param(
        60, "ABC-SMC: accepted sets per generation.", "Set by the file.", kind="int", low=0, high=10_000
    ),
    "generations": Param(3, "ABC-SMC generations after the prior's.", "Set by the file.", kind="int", low=0, high=50),
    "rounds": Param(
        2,
        "ABC-SMC: most rounds of `population` candidates per generation (the tolerance loosens if too few pass).",
        "Set by the file.",
        kind="int",
        low=1,
        high=100,
    ),
    "replications": Param(4, "Replications per evaluation.", "Set by the file.", kind="int", low=1, high=1000),
    "years": Param(3.0, "Years after the warm-up in each evaluation.", "Set by the file.", low=1 / 52, high=100.0),
    "seed": Param(2026, "Seed of the calibration.", "Set by the file.", kind="int", low=0, high=2**32 - 1),
    "workers": Param(
        1, "Worker processes (results do not depend on it).", "Set by the file.", kind="int", low=1, high=256
    ),
}


@dataclass(frozen=True)
class FittedParameter:
    """A parameter to fit: its path, its declaration and prior."""

    path: str
    param: Param
    low: float
    high: float
    prior: str

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """[0, 1] → values on the prior's scale (log for log-uniform)."""
        if self.prior == "log-uniform":
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


@dataclass
class Calibration:
    """A validated calibration file."""

    targets: TargetsFile
    settings: dict[str, Any]
    parameters: list[FittedParameter]
    towns: list[TownProfile]

    @property
    def name(self) -> str:
        return self.targets.name

    @property
    def seeds(self) -> list[int]:
        return replication_seeds(self.settings["seed"], self.settings["replications"])

    def fingerprint(self) -> str:
        """A hash of the file, the inputs it loads and the model's code: stored evaluations are reused only
        under all three."""
        from sim.engine.disk_cache import code_fingerprint

        parts = [self.targets.text, repr(self.targets.scenario), *(repr(t.profile) for t in self.towns)]
        parts.append(code_fingerprint())
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load_calibration(path: str | Path) -> Calibration:
    """Load and validate a calibration file (a targets file with ``[calibration]``)."""
    from sim.config import load_town, locate
    from sim.experiment import _relative

    targets = load_targets(path, sections=("calibration",))
    file = targets.file
    raw = targets.raw.get("calibration")
    if not isinstance(raw, dict):
        raise ConfigError(file, "calibration", "missing [calibration] table (a targets file without it: `validate`)")
    table = dict(raw)
    given = table.pop("parameters", None)
    towns = table.pop("towns", [targets.settings["town"]])
    settings = validate_block(CALIBRATION_PARAMS, table, file, "calibration")
    if not isinstance(given, dict) or not given:
        raise ConfigError(file, "calibration.parameters", "allowed: a table of one or more 'PATH = [low, high]'")
    parameters = [_fitted(p, spec, file) for p, spec in given.items()]
    if not isinstance(towns, list) or not towns or not all(isinstance(t, str) for t in towns):
        raise ConfigError(file, "calibration.towns", "allowed: a non-empty list of bundled town names or paths")
    profiles = []
    for i, name in enumerate(towns):
        locate(_relative(name, Path(file)), "towns", file, f"calibration.towns[{i}]")
        profiles.append(load_town(_relative(name, Path(file))))
    if settings["trials"] == 0 and settings["population"] == 0:
        raise ConfigError(file, "calibration", "nothing to do; allowed: trials > 0 or population > 0")
    return Calibration(targets, settings, parameters, profiles)


def _fitted(path: str, spec: Any, file: str) -> FittedParameter:
    key = f"calibration.parameters.{path}"
    param = _mechanism_param(path, file, key)
    if param.kind not in ("float", "int"):
        raise ConfigError(file, key, f"a {param.kind} parameter cannot be fitted; allowed: numeric parameters")
    prior = "uniform"
    if isinstance(spec, dict):
        unknown = set(spec) - {"low", "high", "prior"}
        if unknown:
            raise ConfigError(file, f"{key}.{sorted(unknown)[0]}", "unknown key; allowed: low, high, prior")
        prior = spec.get("prior", "uniform")
        if prior not in PRIORS:
            raise ConfigError(file, f"{key}.prior", f"got {prior!r}; allowed: " + ", ".join(PRIORS))
        spec = [spec.get("low"), spec.get("high")]
    if not isinstance(spec, list) or len(spec) != 2 or not all(_is_number(v) for v in spec):
        raise ConfigError(file, key, f"got {spec!r}; allowed: [low, high] or {{ low = L, high = H, prior = P }}")
    low, high = float(spec[0]), float(spec[1])
    for v in (low, high):
        validate(param, v, file, key)
    if not low < high or (prior == "log-uniform" and low <= 0):
        raise ConfigError(file, key, f"got [{low}, {high}]; allowed: low < high (and low > 0 for a log-uniform prior)")
    return FittedParameter(path, param, low, high, prior)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


# ------------------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class Job:
    """One evaluation: a parameter set on every town, the same seeds each time."""

    key: str  # "optuna.17", "abc.2.143": where it stands in the calibration's sequence
    values: tuple[float, ...]
    paths: tuple[str, ...]
    scenario: Scenario
    towns: tuple[TownProfile, ...]
    seeds: tuple[int, ...]
    years: float
    warmup_weeks: int
    statistics: tuple[tuple[str, dict[str, Any]], ...]


def evaluate(job: Job) -> np.ndarray:
    """The targets' statistics of a job: an array (towns, targets, replications); NaN where not computable."""
    from sim.model import WEEKS_PER_YEAR, CommunityModel
    from sim.statistics import RunTables, StatisticUnavailable, compute

    out = np.full((len(job.towns), len(job.statistics), len(job.seeds)), np.nan)
    for i, town in enumerate(job.towns):
        (scenario,), town_at = with_parameter_set([job.scenario], town, dict(zip(job.paths, job.values, strict=True)))
        model = CommunityModel(
            scenario,
            town_at,
            seed=list(job.seeds),
            warmup_weeks=job.warmup_weeks,
            start_from=scenario,
            agent_views=False,
        )
        model.run(round(job.years * WEEKS_PER_YEAR))
        for k in range(len(job.seeds)):
            tables = RunTables.of_view(model.results(k))
            for j, (statistic, filters) in enumerate(job.statistics):
                with suppress(StatisticUnavailable):
                    out[i, j, k] = compute(statistic, tables, filters)
    return out


def distance(targets: list[Target], values: np.ndarray) -> float:
    """Root weighted mean square of the scaled deviations of the model's means (over towns and
    replications); a target the model cannot compute counts as 10 tolerances away."""
    means = np.nanmean(values, axis=2) if values.size else values  # (towns, targets)
    weights = np.array([t.weight for t in targets])
    z = np.stack([targets[j].scaled_deviation(means[:, j]) for j in range(len(targets))], axis=1)
    z = np.where(np.isnan(z), 10.0, z)
    return float(np.sqrt((weights * (z**2)).sum(axis=1).mean() / weights.sum()))


# ------------------------------------------------------------------------------------------ executors


@contextmanager
def evaluator(workers: int, scheduler: str | None) -> Iterator[Callable[[list[Job]], Iterator[tuple[int, np.ndarray]]]]:
    """A function that evaluates jobs and yields ``(index, result)`` as they finish: in this process,
    a local pool or a Dask cluster (results are the same)."""
    if scheduler:
        from sim.execute import _dask_client

        client = _dask_client(scheduler)
        try:

            def on_dask(jobs: list[Job]) -> Iterator[tuple[int, np.ndarray]]:
                from distributed import as_completed as dask_completed

                futures = client.map(evaluate, jobs, pure=False)
                index = {f.key: i for i, f in enumerate(futures)}
                for future in dask_completed(futures):
                    yield index[future.key], future.result()
                    future.release()

            yield on_dask
        finally:
            client.close()
    elif workers > 1:
        from sim.workers import process_pool

        with process_pool(workers, ("sim.model", "sim.statistics")) as pool:

            def in_pool(jobs: list[Job]) -> Iterator[tuple[int, np.ndarray]]:
                futures = {pool.submit(evaluate, job): i for i, job in enumerate(jobs)}
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield futures[future], future.result()

            yield in_pool
    else:
        yield lambda jobs: ((i, evaluate(job)) for i, job in enumerate(jobs))


# ------------------------------------------------------------------------------------------ the store


class EvaluationStore:
    """Evaluations written as they arrive (one line of JSON each, appended and flushed), read back on
    a restart. A line cut short by a kill is ignored and evaluated again."""

    FILE = "evaluations.jsonl"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / self.FILE
        self.known: dict[str, dict[str, Any]] = {}
        if not self.path.is_file():
            return
        text = self.path.read_text(encoding="utf-8")
        kept = []
        for line in text.splitlines():
            try:
                row = json.loads(line)
                self.known[row["key"]] = row
                kept.append(line)
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
        if len(kept) != text.count("\n") or (not text.endswith("\n") and text):
            # A line cut short: keep the whole ones, so that new lines start on a line of their own.
            from sim.execute import write_atomically

            write_atomically("".join(f"{line}\n" for line in kept), self.path, "text")

    def add(self, job: Job, values: np.ndarray, dist: float) -> None:
        row = {"key": job.key, "values": list(job.values), "statistics": _json_array(values), "distance": dist}
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()
        self.known[job.key] = row

    def get(self, job: Job) -> tuple[np.ndarray, float] | None:
        row = self.known.get(job.key)
        if row is None or not np.allclose(row["values"], job.values, rtol=0, atol=0):
            return None
        return np.array(row["statistics"], dtype=float), float(row["distance"])


def _json_array(a: np.ndarray) -> list:
    return [[[None if math.isnan(v) else v for v in row] for row in town] for town in a.tolist()]


# ------------------------------------------------------------------------------------------ the run


class Runner:
    """Evaluates a calibration's sets in batches, reusing stored evaluations, with a progress bar."""

    def __init__(self, cal: Calibration, store: EvaluationStore, evaluate_jobs, total: int, progress: bool) -> None:
        self.cal, self.store, self.evaluate_jobs = cal, store, evaluate_jobs
        self.rows: list[dict[str, Any]] = []
        self.statistics: dict[str, np.ndarray] = {}
        self.bar = tqdm(total=total, desc="evaluations", unit="set", disable=not progress, dynamic_ncols=True)
        self.best = math.inf

    def run(self, phase: str, keys: list[str], sets: np.ndarray) -> np.ndarray:
        """Distances of ``sets`` (rows: parameter values), evaluated or read back from the store."""
        cal = self.cal
        targets = cal.targets.targets
        jobs = [
            Job(
                key,
                tuple(float(v) for v in row),
                tuple(p.path for p in cal.parameters),
                cal.targets.scenario,
                tuple(cal.towns),
                tuple(cal.seeds),
                cal.settings["years"],
                round(cal.targets.settings["warmup_years"] * 52),
                tuple((t.statistic, t.filters) for t in targets),
            )
            for key, row in zip(keys, sets, strict=True)
        ]
        results: dict[int, tuple[np.ndarray, float]] = {}
        for i, job in enumerate(jobs):
            stored = self.store.get(job)
            if stored is not None:
                results[i] = stored
        todo = [i for i in range(len(jobs)) if i not in results]
        for k, values in self.evaluate_jobs([jobs[i] for i in todo]):
            i = todo[k]
            results[i] = values, distance(targets, values)
            self.store.add(jobs[i], *results[i])
            self._advance(phase, results[i][1])
        self.bar.update(len(jobs) - len(todo))
        for i, job in enumerate(jobs):  # recorded in the sequence's order, whatever order they finished in
            self._record(phase, job, *results[i])
        return np.array([results[i][1] for i in range(len(jobs))])

    def _record(self, phase: str, job: Job, values: np.ndarray, dist: float) -> None:
        self.statistics[job.key] = values
        self.rows.append(
            {"key": job.key, "phase": phase, **dict(zip(job.paths, job.values, strict=True)), "distance": dist}
        )
        self.best = min(self.best, dist)

    def _advance(self, phase: str, dist: float) -> None:
        self.best = min(self.best, dist)
        self.bar.update(1)
        self.bar.set_postfix_str(f"{phase}, best distance {self.best:.3g}")


def run_optuna(cal: Calibration, runner: Runner) -> None:
    """The best fit: TPE asked ``BATCH`` sets at a time, told in order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trials = cal.settings["trials"]
    if trials == 0:
        return
    sampler = optuna.samplers.TPESampler(seed=cal.settings["seed"], n_startup_trials=min(20, trials))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    space: dict[str, optuna.distributions.BaseDistribution] = {
        p.path: optuna.distributions.FloatDistribution(p.low, p.high, log=p.prior == "log-uniform")
        for p in cal.parameters
    }
    done = 0
    while done < trials:
        asked = [study.ask(space) for _ in range(min(BATCH, trials - done))]
        sets = np.array([[t.params[p.path] for p in cal.parameters] for t in asked])
        distances = runner.run("optuna", [f"optuna.{done + k}" for k in range(len(asked))], sets)
        for trial, d in zip(asked, distances, strict=True):
            study.tell(trial, float(d))
        done += len(asked)


@dataclass
class Population:
    """An ABC-SMC generation: accepted sets (unit scale), their weights, distances and tolerance, and
    the keys of the evaluations that accepted them."""

    unit: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    epsilon: float
    keys: list[str]


def run_abc(cal: Calibration, runner: Runner) -> list[Population]:
    """The ensemble: ABC-SMC on the unit cube of the priors (see the module's docstring)."""
    n = cal.settings["population"]
    if n == 0:
        return []
    rng = make_stream(cal.settings["seed"], "calibration.abc")
    d = len(cal.parameters)
    candidates = rng.random((2 * n, d))
    keys = [f"abc.0.{i}" for i in range(len(candidates))]
    dist = runner.run("abc.0", keys, _values(cal, candidates))
    keep = np.argsort(dist, kind="stable")[:n]
    kept = [keys[i] for i in keep]
    generations = [Population(candidates[keep], np.full(n, 1 / n), dist[keep], float(dist[keep].max()), kept)]
    for g in range(1, cal.settings["generations"] + 1):
        prev = generations[-1]
        epsilon = float(np.median(prev.distances))
        cov = 2 * np.atleast_2d(np.cov(prev.unit.T, aweights=prev.weights)) + 1e-9 * np.eye(d)
        chol = np.linalg.cholesky(cov)
        accepted: list[tuple[np.ndarray, float, str]] = []
        tried: list[tuple[np.ndarray, float, str]] = []
        for r in range(cal.settings["rounds"]):
            proposals = _perturbed(rng, prev, chol, n)
            keys = [f"abc.{g}.{r * n + i}" for i in range(n)]
            dist = runner.run(f"abc.{g}", keys, _values(cal, proposals))
            tried += list(zip(proposals, dist, keys, strict=True))
            accepted += [t for t in tried[-n:] if t[1] <= epsilon]
            if len(accepted) >= n:
                break
        if len(accepted) < n:  # too few within the tolerance: the n closest of this generation's candidates
            tried.sort(key=lambda t: t[1])
            accepted, epsilon = tried[:n], float(tried[n - 1][1]) if len(tried) >= n else float(tried[-1][1])
        accepted = sorted(accepted, key=lambda t: t[1])[:n]
        unit = np.array([x for x, _, _ in accepted])
        weights = _weights(unit, prev, cov)
        generations.append(
            Population(unit, weights, np.array([t[1] for t in accepted]), epsilon, [t[2] for t in accepted])
        )
    return generations


def _perturbed(rng: np.random.Generator, prev: Population, chol: np.ndarray, n: int) -> np.ndarray:
    """``n`` perturbed copies of sets drawn by weight, each inside the prior's support (redrawn until so)."""
    out = np.empty((n, prev.unit.shape[1]))
    for i in range(n):
        while True:
            x = prev.unit[rng.choice(len(prev.weights), p=prev.weights)] + chol @ rng.standard_normal(len(chol))
            if np.all((x >= 0) & (x <= 1)):
                out[i] = x
                break
    return out


def _weights(unit: np.ndarray, prev: Population, cov: np.ndarray) -> np.ndarray:
    """Importance weights: the (flat) prior over the mixture of kernels that proposed each set."""
    inv = np.linalg.inv(cov)
    diff = unit[:, None, :] - prev.unit[None, :, :]
    kernel = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    w = 1.0 / (kernel @ prev.weights)
    return w / w.sum()


def _values(cal: Calibration, unit: np.ndarray) -> np.ndarray:
    cols = [p.from_unit(unit[:, j]) for j, p in enumerate(cal.parameters)]
    for j, p in enumerate(cal.parameters):
        if p.param.kind == "int":
            cols[j] = np.round(cols[j])
    return np.stack(cols, axis=1)


# ------------------------------------------------------------------------------------------ the command


CAL_FILES = ("manifest.json", EvaluationStore.FILE, "best.toml", "ensemble.toml", "report.html")
CAL_TABLES = ("evaluations", "generations", "fit")


def check_calibration_dir(out: Path, cal: Calibration, fresh: bool) -> dict[str, Any] | None:
    """``out`` is new, empty, or this calibration's own results (else refused); returns its manifest."""
    from sim.places import check_output_dir

    check_output_dir(out)
    ours = {*CAL_FILES, *(f"{t}.{e}" for t in CAL_TABLES for e in ("csv", "parquet")), ".lock"}
    if not out.is_dir():
        return None
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours and not p.name.startswith(".best"))
    if foreign:
        raise ConfigError(
            str(out),
            "--out",
            f"holds files that are not a calibration's ({', '.join(foreign[:5])}); allowed: a new or empty "
            "directory, or the results directory of the same calibration",
        )
    manifest_path = out / "manifest.json"
    if fresh or not manifest_path.is_file():
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("fingerprint") != cal.fingerprint():
        raise ConfigError(
            str(out),
            "--out",
            "holds a calibration of another file, or of this one under other inputs or another version of the "
            "model's code; allowed: --fresh to start over, or another --out",
        )
    return manifest


def calibrate(
    cal: Calibration, out: Path, workers: int, scheduler: str | None, progress: bool, fresh: bool
) -> dict[str, Any]:
    """Run (or finish) a calibration and write its outputs; returns what the report shows."""
    from sim.execute import write_atomically

    check_calibration_dir(out, cal, fresh)
    out.mkdir(parents=True, exist_ok=True)
    if fresh:
        for name in CAL_FILES:
            (out / name).unlink(missing_ok=True)
    manifest: dict[str, Any] = {
        "calibration": cal.name,
        "file": cal.targets.file,
        "fingerprint": cal.fingerprint(),
        "settings": cal.settings,
        "towns": [t.name for t in cal.towns],
        "parameters": [p.path for p in cal.parameters],
        "targets": [t.name for t in cal.targets.targets],
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": None,
    }
    write_atomically(json.dumps(manifest, indent=2, ensure_ascii=False), out / "manifest.json", "text")
    store = EvaluationStore(out)
    s = cal.settings
    # At most: the trials, the prior's 2n, then up to `rounds` rounds of n per generation (the bar's end
    # moves in when a generation needs fewer).
    total = s["trials"] + 2 * s["population"] + s["generations"] * s["rounds"] * s["population"]
    with evaluator(workers, scheduler) as evaluate_jobs:
        runner = Runner(cal, store, evaluate_jobs, total, progress)
        run_optuna(cal, runner)
        generations = run_abc(cal, runner)
        runner.bar.total = runner.bar.n
        runner.bar.refresh()
        runner.bar.close()
    result = _outputs(cal, runner, generations, out)
    manifest.update(finished=datetime.now(UTC).isoformat(timespec="seconds"), evaluations=len(runner.rows))
    write_atomically(json.dumps(manifest, indent=2, ensure_ascii=False), out / "manifest.json", "text")
    return result


def _outputs(cal: Calibration, runner: Runner, generations: list[Population], out: Path) -> dict[str, Any]:
    from sim.execute import write_atomically

    paths = [p.path for p in cal.parameters]
    evaluations = pd.DataFrame(runner.rows)
    best_row = evaluations.loc[evaluations["distance"].idxmin()]
    today = datetime.now(UTC).date().isoformat()
    source = f"Calibrated: {cal.targets.file}, {today}"
    write_parameter_sets(
        out / "best.toml",
        f"{cal.targets.settings['title']}: best fit",
        "best",
        source,
        "optuna-tpe" if cal.settings["trials"] else "abc-smc",
        paths,
        best_row[paths].to_numpy(dtype=float)[None, :],
        distances=np.array([best_row["distance"]]),
    )
    gen_rows = []
    if generations:
        last = generations[-1]
        write_parameter_sets(
            out / "ensemble.toml",
            f"{cal.targets.settings['title']}: accepted ensemble",
            "ensemble",
            source,
            "abc-smc",
            paths,
            _values(cal, last.unit),
            last.weights,
            last.distances,
        )
        for g, pop in enumerate(generations):
            gen_rows.append({"generation": g, "epsilon": pop.epsilon, "accepted": len(pop.weights)})
    fit = _fit_table(cal, runner, str(best_row["key"]), generations)
    tables = {"evaluations": evaluations, "generations": pd.DataFrame(gen_rows), "fit": fit}
    for name, frame in tables.items():
        write_atomically(frame, out / f"{name}.csv", "csv")
        write_atomically(frame, out / f"{name}.parquet", "parquet")
    ensemble = _values(cal, generations[-1].unit) if generations else None
    weights = generations[-1].weights if generations else None
    from sim.calibration_report import render_calibration_report

    page = render_calibration_report(cal, evaluations, fit, tables["generations"], ensemble, weights, best_row)
    write_atomically(page, out / "report.html", "text")
    return {"best": best_row, "fit": fit, "evaluations": evaluations, "generations": tables["generations"]}


def _fit_table(cal: Calibration, runner: Runner, best_key: str, generations: list[Population]) -> pd.DataFrame:
    """Each target (and town): the published value and tolerance, the best fit's mean with its 95% interval,
    and the accepted ensemble's 5–95% range of means."""
    from sim.intervals import mean_interval

    best = runner.statistics[best_key]
    ensemble_keys = generations[-1].keys if generations else []
    rows = []
    for i, town in enumerate(cal.towns):
        for j, t in enumerate(cal.targets.targets):
            interval = mean_interval(best[i, j])
            means = np.array([np.nanmean(runner.statistics[k][i, j]) for k in ensemble_keys])
            rows.append(
                {
                    "town": town.name,
                    "target": t.name,
                    "published": t.value,
                    "tolerance_low": t.low,
                    "tolerance_high": t.high,
                    "best_mean": float(interval.mean),
                    "best_low": float(interval.low),
                    "best_high": float(interval.high),
                    "within": t.within(float(interval.mean)),
                    "ensemble_p05": float(np.nanpercentile(means, 5)) if len(means) else float("nan"),
                    "ensemble_p95": float(np.nanpercentile(means, 95)) if len(means) else float("nan"),
                    "source": t.source,
                }
            )
    return pd.DataFrame(rows)
