"""Running scenarios: one run, or scenarios × replications on common random numbers.

Replication ``r`` of every scenario uses the same seed, so each scenario meets the same
households with the same luck; a difference between scenarios is the policy's effect.
Runs can go in this process or a process pool, with identical results.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.batch import batch_sizes
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town
from sim.engine.views import RunView
from sim.model import DEFAULT_WARMUP_WEEKS, WEEKS_PER_YEAR, CommunityModel
from sim.streams import replication_seeds
from sim.workers import process_pool


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

    def tagged(self, name: str) -> pd.DataFrame:
        """Table ``name`` with scenario, replication and seed columns in front."""
        df = getattr(self, name).copy()
        for i, (col, value) in enumerate(
            (("scenario", self.scenario), ("replication", self.replication), ("seed", self.seed))
        ):
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
) -> RunResult:
    """Build a model, run it for ``years`` and collect its tables (``agent_views``: see CommunityModel)."""
    model = CommunityModel(
        scenario, town, seed=seed, warmup_weeks=warmup_weeks, start_from=start_from, agent_views=agent_views
    )
    for _ in tqdm(range(round(years * WEEKS_PER_YEAR)), desc="weeks", unit="wk", disable=not progress, leave=False):
        model.step()
    return result_of(model.results(), replication)


def run_batch(
    scenario: Scenario | str | Path,
    town: TownProfile | str | Path,
    seeds: list[int],
    years: float,
    replications: list[int],
    warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
    start_from: Scenario | str | Path = "baseline",
) -> list[RunResult]:
    """One scenario on several seeds, stepped together (see :mod:`sim.batch`): the same results as
    :func:`run_once` on each seed, in less time. ``replications`` numbers the runs."""
    model = CommunityModel(
        scenario, town, seed=list(seeds), warmup_weeks=warmup_weeks, start_from=start_from, agent_views=False
    )
    model.run(round(years * WEEKS_PER_YEAR))
    return [result_of(model.results(k), r) for k, r in enumerate(replications)]


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
    )


def prepare(scenarios: list[str | Path], town: str | Path) -> tuple[list[Scenario], TownProfile]:
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
) -> list[RunResult]:
    """Every scenario × every replication; replication r uses the same seed in every scenario.

    Every scenario starts from the state the first (reference) scenario reaches after the
    warm-up: "today's town", the same for all. ``on_run`` is called in this process with each
    run as it finishes (for progress bars); the returned list is in (replication, scenario) order.
    ``pool``: an open executor (e.g. a process pool kept warm by the dashboard) to run the
    replications in instead of ``jobs`` new processes (``jobs`` then says how many workers it
    has, so that each gets an equal share); it is left open, and results are the same.
    """
    names = [s.name for s in scenarios]
    seeds = replication_seeds(seed, replications)
    # Replications go in blocks stepped together (sim.batch); each block is one worker's task.
    tasks, first = [], 0
    households = (town if isinstance(town, TownProfile) else load_town(town)).profile["town"]["households"]
    for size in batch_sizes(replications, households, jobs):
        reps = list(range(first, first + size))
        tasks.append((scenarios, town, [seeds[r] for r in reps], years, reps, warmup_weeks))
        first += size
    bar = tqdm(total=replications * len(scenarios), desc="runs", unit="run", disable=not progress, leave=False)
    results: list[RunResult] = []

    def done(runs: list[RunResult]) -> None:
        results.extend(runs)
        bar.update(len(runs))
        for run in runs:
            if on_run is not None:
                on_run(run)

    if pool is not None:
        for runs in pool.map(_run_block, tasks):
            done(runs)
    elif jobs <= 1:
        for task in tasks:
            for scenario in scenarios:
                done(_run_block(([scenario], *task[1:]), reference=scenarios[0]))
    else:
        # "spawn" workers start clean and leave if this process is killed; results do not depend on the pool.
        with process_pool(jobs) as pool:
            for runs in pool.map(_run_block, tasks):
                done(runs)
    bar.close()
    return sorted(results, key=lambda run: (run.replication, names.index(run.scenario)))


def _run_block(task: tuple, reference: Scenario | None = None) -> list[RunResult]:
    """All scenarios of a block of replications (one batched warm-up, shared through the model's cache)."""
    scenarios, town, seeds, years, replications, warmup_weeks = task
    start_from = reference or scenarios[0]
    return [run for s in scenarios for run in run_batch(s, town, seeds, years, replications, warmup_weeks, start_from)]
