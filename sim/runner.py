"""Running scenarios: one run, or scenarios × replications on common random numbers.

Replication ``r`` of every scenario uses the same seed, so each scenario meets the same
households with the same luck; a difference between scenarios is the policy's effect.
Runs can go in this process or a process pool, with identical results.

Over parameter sets (sim/parameter_sets.py), replication ``r`` also runs every scenario with the
same set, the one its seed draws, so differences stay paired and intervals hold the parameters'
uncertainty too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.batch import batch_sizes
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town
from sim.engine.views import RunView
from sim.model import DEFAULT_WARMUP_WEEKS, WEEKS_PER_YEAR, CommunityModel
from sim.parameter_sets import ParameterSets, apply_set
from sim.progress import WeekCounter, WeeksBar, WeekSlot, run_weeks
from sim.streams import replication_seeds
from sim.workers import process_pool

# How often the caller looks at the weeks that worker processes have simulated.
PROGRESS_SECONDS = 0.25


@dataclass
class RunResult:
    """The tidy outputs of one run."""

    scenario: str
    town: str
    seed: int
    replication: int
    weekly: pd.DataFrame
    ledger: pd.DataFrame
    summary: pd.DataFrame  # long: household_type, metric, value
    council: pd.DataFrame  # what the 自立支援協議会 created
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)  # every channel that knew of each case, and when
    population: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per resident (sim.outputs)
    facts: pd.DataFrame = field(default_factory=pd.DataFrame)  # the town's size, weeks, 民生委員 posts, desks
    parameter_set: int | None = None  # the parameter set it ran with (sim/parameter_sets.py); None: defaults

    def tagged(self, name: str) -> pd.DataFrame:
        """Table ``name`` with scenario, replication and seed columns in front (and ``parameter_set``
        after them when the run had one)."""
        df = getattr(self, name).copy()
        front = [("scenario", self.scenario), ("replication", self.replication), ("seed", self.seed)]
        if self.parameter_set is not None:
            front.append(("parameter_set", self.parameter_set))
        for i, (col, value) in enumerate(front):
            df.insert(i, col, value)
        return df


def run_once(
    scenario: Scenario | str | Path,
    town: TownProfile | str | Path,
    seed: int,
    years: float,
    replication: int = 0,
    warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
    start_from: Scenario | str | Path = "baseline",
    progress: bool = False,
    agent_views: bool = True,
    on_week: Callable[[int], None] | None = None,
    count_warmup: bool = False,
) -> RunResult:
    """Build a model, run it for ``years`` and collect its tables (``agent_views``: see CommunityModel).

    ``on_week(n)`` is told of the run-weeks done: ``n = 1`` after every week, and, with
    ``count_warmup``, the warm-up's weeks once the model is built (see :mod:`sim.progress`).
    """
    model = CommunityModel(
        scenario, town, seed=seed, warmup_weeks=warmup_weeks, start_from=start_from, agent_views=agent_views
    )
    _step(model, round(years * WEEKS_PER_YEAR), 1, warmup_weeks if count_warmup else 0, on_week, progress)
    return result_of(model.results(), replication)


def run_batch(
    scenario: Scenario | str | Path,
    town: TownProfile | str | Path,
    seeds: list[int],
    years: float,
    replications: list[int],
    warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
    start_from: Scenario | str | Path = "baseline",
    on_week: Callable[[int], None] | None = None,
    count_warmup: bool = False,
) -> list[RunResult]:
    """One scenario on several seeds, stepped together (see :mod:`sim.batch`): the same results as
    :func:`run_once` on each seed, in less time. ``replications`` numbers the runs.

    ``on_week(n)`` is told of the run-weeks done within the batch: ``n = len(seeds)`` after every
    week, and, with ``count_warmup``, the warm-up's weeks of every seed once the model is built.
    """
    model = CommunityModel(
        scenario, town, seed=list(seeds), warmup_weeks=warmup_weeks, start_from=start_from, agent_views=False
    )
    _step(model, round(years * WEEKS_PER_YEAR), len(seeds), warmup_weeks if count_warmup else 0, on_week)
    return [result_of(model.results(k), r) for k, r in enumerate(replications)]


def _step(
    model: CommunityModel,
    weeks: int,
    runs: int,
    warmup_weeks: int,
    on_week: Callable[[int], None] | None,
    progress: bool = False,
) -> None:
    """Step ``model`` ``weeks`` weeks, telling ``on_week`` the run-weeks done (the warm-up's first)."""
    if on_week is not None and warmup_weeks:
        on_week(warmup_weeks * runs)
    for _ in tqdm(range(weeks), desc="weeks", unit="wk", disable=not progress, leave=False):
        model.step()
        if on_week is not None:
            on_week(runs)


def result_of(run: RunView, replication: int) -> RunResult:
    """The tables of one finished run (alone or one of a batch)."""
    ledger = run.ledger()
    return RunResult(
        run.policy.name,
        run.town_spec.name,
        run.seed,
        replication,
        run.weekly(),
        ledger,
        run.summary_table(ledger),
        run.council_log(),
        run.channel_history(),
        run.population(),
        run.facts(),
    )


def prepare(scenarios: Sequence[str | Path], town: str | Path) -> tuple[list[Scenario], TownProfile]:
    """Load and validate every input file, and every scenario against the town, before any run."""
    town_spec = load_town(town)
    loaded = [load_scenario(s) for s in scenarios]
    for s in loaded:
        effective_profile(s, town_spec)
    return loaded, town_spec


def run_many(
    scenarios: list[Scenario],
    town: TownProfile,
    years: float,
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = True,
    warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
    on_run: Callable[[RunResult], None] | None = None,
    pool: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    parameters: ParameterSets | None = None,
) -> list[RunResult]:
    """Every scenario × every replication; replication r uses the same seed in every scenario.

    Every scenario starts from the state the first (reference) scenario reaches after the
    warm-up: "today's town", the same for all. ``on_run`` is called in this process with each
    run as it finishes; ``on_progress(done, total)`` with the run-weeks simulated so far (warm-ups
    included, batches and worker processes too; see :mod:`sim.progress`), every week in this
    process or every quarter second from workers. ``progress`` shows a bar of the same on
    stderr. The returned list is in (replication, scenario) order.
    ``pool``: an open executor (e.g. a process pool kept warm by the dashboard) to run the
    replications in instead of ``jobs`` new processes (``jobs`` then says how many workers it
    has, so that each gets an equal share); it is left open, and results are the same.
    ``parameters``: parameter sets (sim/parameter_sets.py); replication r runs every scenario with
    set ``parameters.index_for(seed_r)`` (the caller resolves a file the scenarios name:
    :func:`sim.parameter_sets.parameters_for`). Each run's ``parameter_set`` records it.
    """
    names = [s.name for s in scenarios]
    seeds = replication_seeds(seed, replications)
    # Replications go in blocks stepped together (sim.batch); each block is one worker's task, and
    # holds replications of one parameter set only.
    town_spec = town if isinstance(town, TownProfile) else load_town(town)
    households = town_spec.profile["town"]["households"]
    by_set = _replications_by_set(seeds, parameters)
    tasks = []
    for k, same_set in by_set.items():
        at = (scenarios, town) if k is None or parameters is None else apply_set(scenarios, town_spec, parameters, k)
        first = 0
        for size in batch_sizes(len(same_set), households, jobs):
            reps = same_set[first : first + size]
            tasks.append((*at, [seeds[r] for r in reps], years, reps, warmup_weeks))
            first += size
    set_of = {r: k for k, reps in by_set.items() for r in reps}
    total = run_weeks(len(scenarios), replications, round(years * WEEKS_PER_YEAR), warmup_weeks)
    bar = WeeksBar(total, enabled=progress)
    results: list[RunResult] = []
    weeks_done = 0

    def simulated(done: int) -> None:
        nonlocal weeks_done
        if done > weeks_done:
            bar.to(done)
            weeks_done = done
            if on_progress is not None:
                on_progress(done, total)

    def finished(runs: list[RunResult]) -> None:
        results.extend(runs)
        for run in runs:
            run.parameter_set = set_of[run.replication]
            if on_run is not None:
                on_run(run)

    if pool is not None:
        _run_in_workers(pool, tasks, finished, simulated, bar.simulating)
    elif jobs <= 1:
        for task in tasks:
            block_scenarios = task[0]  # with the block's parameter set, if any
            for scenario in block_scenarios:
                finished(
                    _run_block(
                        ([scenario], *task[1:]),
                        reference=block_scenarios[0],
                        on_week=lambda n: simulated(weeks_done + n),
                    )
                )
    else:
        # "spawn" workers start clean (no forked threads) and leave if this process is killed (sim/workers.py).
        with process_pool(jobs) as own:
            _run_in_workers(own, tasks, finished, simulated, bar.simulating, jobs)
    bar.close()
    return sorted(results, key=lambda run: (run.replication, names.index(run.scenario)))


def _replications_by_set(seeds: list[int], parameters: ParameterSets | None) -> dict[int | None, list[int]]:
    """The replications of each parameter set, in order of first use (all under None without sets)."""
    if parameters is None:
        return {None: list(range(len(seeds)))}
    by_set: dict[int | None, list[int]] = {}
    for r, k in enumerate(parameters.indices_for(seeds)):
        by_set.setdefault(k, []).append(r)
    return by_set


def _run_in_workers(
    pool: Executor,
    tasks: list[tuple],
    finished: Callable[[list[RunResult]], None],
    simulated: Callable[[int], None],
    ready: Callable[[], None],
    start: int = 0,
) -> None:
    """Run the blocks in ``pool``; while they run, read the weeks they have simulated.

    A new pool first starts ``start`` workers and waits for them (each imports the model), so
    that ``ready`` marks when simulating begins and the time left is not thrown by start-up.
    """
    wait_until_started(pool, start)
    ready()
    with WeekCounter(len(tasks)) as counter:
        pending: set[Future] = {pool.submit(_run_counted_block, task, counter.slot(i)) for i, task in enumerate(tasks)}
        try:
            while pending:
                done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
                simulated(int(counter.counts().sum()))
                for future in done:
                    finished(future.result())
        finally:
            for future in pending:  # after a failure: nothing more to start
                future.cancel()


def wait_until_started(pool: Executor, workers: int) -> None:
    """Start ``workers`` workers of ``pool`` (a spawn pool starts them on demand) and wait until each has the model."""
    for future in [pool.submit(_started) for _ in range(workers)]:
        future.result()


def _started() -> bool:
    """In a worker: the model is imported (this module imports it), so the worker can simulate."""
    return True


def _run_counted_block(task: tuple, slot: WeekSlot) -> list[RunResult]:
    """:func:`_run_block` in a worker process, counting its weeks in ``slot``."""
    try:
        return _run_block(task, on_week=slot)
    finally:
        slot.close()


def _run_block(
    task: tuple, reference: Scenario | None = None, on_week: Callable[[int], None] | None = None
) -> list[RunResult]:
    """All scenarios of a block of replications (one batched warm-up, shared through the model's cache).

    The reference's run builds the warm-up, so it counts the warm-up's weeks for ``on_week``.
    """
    scenarios, town, seeds, years, replications, warmup_weeks = task
    start_from = reference or scenarios[0]
    return [
        run
        for s in scenarios
        for run in run_batch(
            s, town, seeds, years, replications, warmup_weeks, start_from, on_week=on_week, count_warmup=s is start_from
        )
    ]
