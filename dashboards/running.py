"""Running a comparison for the dashboard: the request, its checks, the warm pool, and the outcome.

Plain functions only (no Solara), so tests call them without a browser. What the page shows of
an outcome is in :mod:`dashboards.tables`, :mod:`dashboards.figures` and :mod:`dashboards.export`.

Parameter uncertainty: when a parameter-sets file is available (:func:`parameters_file`: the file
``community-sim dashboard --parameters FILE`` names, else the calibration's accepted ensemble
shipped with the model), the planner may run the comparison over it; each replication then draws
one set, the same for every scenario (sim/parameter_sets.py).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd

from dashboards import pool as warm_pool
from dashboards.i18n import config_error_text, tr
from sim.compare import compare_table
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town
from sim.model import DEFAULT_WARMUP_WEEKS, WEEKS_PER_YEAR
from sim.parameter_sets import ParameterSets, load_parameter_sets, parameters_for
from sim.params import ConfigError
from sim.runner import RunResult, run_many
from sim.streams import replication_seeds
from sim.town import type_households

YEARS_RANGE = (1, 20)
REPLICATIONS_RANGE = (1, 20)
# Run in two processes when there is enough work to pay for starting them (a few seconds).
PARALLEL_MIN_RUNS = 12
WARMUP_YEARS = round(DEFAULT_WARMUP_WEEKS / WEEKS_PER_YEAR)  # every comparison starts from the same town of today
# Parameter sets the page offers: `community-sim dashboard --parameters FILE` sets this variable for the
# server; without it, the calibration's accepted ensemble bundled with the package (sim/parameters/).
PARAMETERS_ENV = "COMMUNITY_SIM_PARAMETERS"
SHIPPED_ENSEMBLE = Path(str(resources.files("sim") / "parameters" / "national_ensemble.toml"))


@dataclass(frozen=True)
class RunRequest:
    """What the planner asked for: one comparison of scenarios on one town.

    ``town`` and ``scenarios`` are bundled names, paths, or objects built on the page.
    """

    town: TownProfile | str
    scenarios: tuple[Scenario | str, ...]
    years: int
    replications: int
    seed: int
    parameters: str = ""  # a parameter-sets file to run over (its path); "": the model's defaults

    @property
    def runs(self) -> int:
        """Number of simulation runs (scenarios × replications)."""
        return len(self.scenarios) * self.replications

    @property
    def town_name(self) -> str:
        """The town's short name."""
        return self.town if isinstance(self.town, str) else self.town.name


@dataclass(eq=False)
class Outcome:
    """The result of a request: the comparison table and runs, or the message of a bad input."""

    request: RunRequest
    table: pd.DataFrame | None = None
    results: list[RunResult] = field(default_factory=list)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    town_title: str = ""
    seconds: float = 0.0
    error: str | None = None
    households: int = 0
    type_households: dict[str, float] = field(default_factory=dict)  # household type → households in the town
    finished: str = ""  # when it was run (ISO date and time, local)
    version: str = ""  # the model's version
    parameters: dict[str, Any] = field(default_factory=dict)  # the parameter sets' record; {}: defaults

    def title(self, scenario: str, lang: str) -> str:
        """A scenario's title in ``lang``."""
        pair = self.titles.get(scenario)
        return (pair[1] if lang == "en" else pair[0]) if pair else scenario

    def title_map(self, lang: str) -> dict[str, str]:
        """Scenario name → title in ``lang``, in comparison order."""
        return {s: self.title(s, lang) for s in self.scenario_names}

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in comparison order (reference first)."""
        return list(dict.fromkeys(self.table.scenario)) if self.table is not None else []


def parameters_file() -> Path | None:
    """The parameter-sets file the page offers: ``$COMMUNITY_SIM_PARAMETERS``, else the shipped ensemble."""
    given = os.environ.get(PARAMETERS_ENV, "").strip()
    if given:
        return Path(given)
    return SHIPPED_ENSEMBLE if SHIPPED_ENSEMBLE.is_file() else None


_LOADED: dict[tuple[str, float], ParameterSets] = {}


def available_parameters() -> tuple[ParameterSets | None, ConfigError | None]:
    """The parameter sets the page offers (loaded once per version of the file), or the problem with them."""
    path = parameters_file()
    if path is None:
        return None, None
    try:
        key = (str(path), path.stat().st_mtime)
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_parameter_sets(path)
        return _LOADED[key], None
    except OSError:
        return None, ConfigError(str(path), "", "no such file")
    except ConfigError as e:
        return None, e


def input_problems(years: int | None, replications: int | None, seed: int | None, lang: str = "ja") -> list[str]:
    """Problems with the numeric inputs, as messages (empty when all is well)."""
    problems = []
    if years is None or not YEARS_RANGE[0] <= years <= YEARS_RANGE[1]:
        problems.append(tr("years_problem", lang, low=YEARS_RANGE[0], high=YEARS_RANGE[1]))
    if replications is None or not REPLICATIONS_RANGE[0] <= replications <= REPLICATIONS_RANGE[1]:
        problems.append(tr("replications_problem", lang, low=REPLICATIONS_RANGE[0], high=REPLICATIONS_RANGE[1]))
    if seed is None or seed < 0:
        problems.append(tr("seed_problem", lang))
    return problems


def resolve(town: TownProfile | str, scenarios: Sequence[Scenario | str]) -> tuple[TownProfile, list[Scenario]]:
    """Load what is given by name and check every scenario against the town before any run.

    Raises:
        ConfigError: An input is invalid, two scenarios share a name, or a scenario does not fit the town.
    """
    town_spec = load_town(town) if isinstance(town, str) else town
    loaded = [load_scenario(s) if isinstance(s, str) else s for s in scenarios]
    seen: set[str] = set()
    for s in loaded:
        if s.name in seen:
            raise ConfigError(s.file, "", f"two scenarios are named {s.name!r}; allowed: distinct names")
        seen.add(s.name)
        effective_profile(s, town_spec)
    return town_spec, loaded


def worker_count(runs: int) -> int:
    """Processes for ``runs`` runs: two when there are enough runs and cores, else one."""
    return 2 if runs >= PARALLEL_MIN_RUNS and (os.cpu_count() or 1) >= 2 else 1


def run_comparison(
    town: TownProfile | str,
    scenarios: Sequence[Scenario | str],
    years: int,
    replications: int,
    seed: int,
    on_run: Callable[[RunResult], None] | None = None,
    jobs: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: threading.Event | None = None,
    parameters: ParameterSets | None = None,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run every scenario × replication on common random numbers and compare with the first scenario.

    Args:
        town: Town profile, bundled name or path.
        scenarios: Scenarios (objects, names or paths); the first is the reference.
        years: Years to simulate.
        replications: Replications per scenario.
        seed: Seed from which the replications' seeds derive.
        on_run: Called with each run as it finishes.
        jobs: Worker processes (default: :func:`worker_count`); more than one runs in the server's
            warm pool (:mod:`dashboards.pool`), started once and kept between runs.
        on_progress: Called with (run-weeks simulated, run-weeks in all) as the runs go, within
            batches too (:mod:`sim.progress`); after a retry on a fresh pool it counts from 0 again.
        cancelled: Set when the page that asked has closed: the run stops (RunCancelled).
        parameters: Parameter sets to run over: replication r runs every scenario with the set its
            seed draws (each run's ``parameter_set``); None: the model's defaults.

    Returns:
        The comparison table of :func:`sim.compare.compare_table` and every run's result.

    Raises:
        ConfigError: An input is invalid.
        ValueError: ``years``, ``replications`` or ``seed`` is out of range.
    """
    problems = input_problems(years, replications, seed)
    if problems:
        raise ValueError(" ".join(problems))
    town_spec, loaded = resolve(town, scenarios)
    jobs = worker_count(len(loaded) * replications) if jobs is None else jobs
    on_run = _unless_cancelled(on_run, cancelled)
    if jobs <= 1:
        results = run_many(
            loaded,
            town_spec,
            years,
            replications,
            seed,
            progress=False,
            on_run=on_run,
            on_progress=on_progress,
            parameters=parameters,
        )
    else:
        shown = 0  # runs already reported: a retry on a fresh pool starts again from the first run

        def work(pool) -> list[RunResult]:
            count = 0

            def report(run: RunResult) -> None:
                nonlocal count, shown
                count += 1
                if count > shown:
                    shown = count
                    if on_run is not None:
                        on_run(run)

            return run_many(
                loaded,
                town_spec,
                years,
                replications,
                seed,
                jobs=jobs,
                progress=False,
                on_run=report,
                pool=pool,
                on_progress=on_progress,
                parameters=parameters,
            )

        results = warm_pool.run_in_pool(work, cancelled)
    return compare_table(results, [s.name for s in loaded]), results


def _unless_cancelled(
    on_run: Callable[[RunResult], None] | None, cancelled: threading.Event | None
) -> Callable[[RunResult], None] | None:
    """``on_run``, which first stops the run (RunCancelled) once ``cancelled`` is set."""
    if cancelled is None:
        return on_run

    def report(run: RunResult) -> None:
        if cancelled.is_set():
            raise warm_pool.RunCancelled()
        if on_run is not None:
            on_run(run)

    return report


def compute_outcome(
    request: RunRequest,
    lang: str = "ja",
    on_run: Callable[[RunResult], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: threading.Event | None = None,
) -> Outcome:
    """Run a request for the page; a bad input becomes a message instead of an exception.

    ``cancelled``: set when the page closes; the run then stops and the outcome says so.
    """
    start = time.perf_counter()
    try:
        town_spec, loaded = resolve(request.town, request.scenarios)
        sets = parameters_for(loaded, request.parameters or None, ("dashboard", "parameters"))
        table, results = run_comparison(
            town_spec,
            loaded,
            request.years,
            request.replications,
            request.seed,
            on_run=on_run,
            on_progress=on_progress,
            cancelled=cancelled,
            parameters=sets,
        )
    except ConfigError as e:
        return Outcome(request, error=tr("input_problem", lang, detail=config_error_text(e, lang)))
    except warm_pool.RunCancelled:
        return Outcome(request, error=tr("run_cancelled", lang), seconds=time.perf_counter() - start)
    titles = {s.name: (s.title_ja, s.title_en) for s in loaded}
    town_title = town_spec.profile["town"].get("name_ja") or town_spec.name
    households = int(town_spec.profile["town"]["households"])
    # Households of each type in the town of the first replication (the types are drawn, not given).
    first_seed = replication_seeds(request.seed, 1)[0]
    by_type = type_households(effective_profile(loaded[0], town_spec), first_seed)
    return Outcome(
        request,
        table,
        results,
        titles,
        town_title,
        time.perf_counter() - start,
        households=households,
        type_households={k: float(v) for k, v in by_type.items()},
        finished=datetime.now().isoformat(timespec="minutes"),
        version=model_version(),
        parameters={} if sets is None else sets.record(),
    )


def model_version() -> str:
    """The installed community-sim's version ("" when it is not installed)."""
    try:
        return metadata.version("community-sim")
    except metadata.PackageNotFoundError:
        return ""
