"""Running scenarios: one run, or scenarios × replications on common random numbers.

Replication ``r`` of every scenario uses the same seed, so each scenario meets the same
households with the same luck; a difference between scenarios is the policy's effect.
Runs can go in this process or a process pool, with identical results.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town
from sim.metrics import summary_table
from sim.model import DEFAULT_WARMUP_WEEKS, WEEKS_PER_YEAR, CommunityModel
from sim.streams import replication_seeds


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
    ledger = model.ledger()
    return RunResult(
        model.policy.name,
        model.town_spec.name,
        seed,
        replication,
        model.weekly(),
        ledger,
        summary_table(ledger, model),
        model.council_log(),
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
    replications in instead of ``jobs`` new processes; it is left open, and results are the same.
    """
    seeds = replication_seeds(seed, replications)
    tasks = [(scenarios, town, seeds[r], years, r, warmup_weeks) for r in range(replications)]
    bar = tqdm(total=len(tasks) * len(scenarios), desc="runs", unit="run", disable=not progress, leave=False)
    results: list[RunResult] = []

    def done(runs: list[RunResult]) -> None:
        results.extend(runs)
        bar.update(len(runs))
        for run in runs:
            if on_run is not None:
                on_run(run)

    if pool is not None:
        for runs in pool.map(_run_replication, tasks):
            done(runs)
    elif jobs <= 1:
        for task in tasks:
            for scenario in scenarios:
                done(_run_replication(([scenario], *task[1:]), reference=scenarios[0]))
    else:
        # "spawn": workers start clean (no forked threads); results do not depend on the pool.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for runs in pool.map(_run_replication, tasks):
                done(runs)
    bar.close()
    return results


def _run_replication(task: tuple, reference: Scenario | None = None) -> list[RunResult]:
    """All scenarios of one replication (one warm-up, shared through the model's cache)."""
    scenarios, town, seed, years, replication, warmup_weeks = task
    start_from = reference or scenarios[0]
    return [
        run_once(s, town, seed, years, replication, warmup_weeks, start_from=start_from, agent_views=False)
        for s in scenarios
    ]
