"""Benchmarks.

``make bench``: the ``city`` profile for 10 years, weekly, in one process. Prints build time,
run time, household-weeks per second and peak memory (max RSS; a fresh process, so its own).

Both first make sure the town's *pilot mix* is at hand (sim/engine/warmup.py): a long pilot run
computed once per town profile, scenario and version of the code, then kept in the disk cache
(sim/engine/disk_cache.py). Its time is printed on its own line, as "computed" the first time on a
machine and "read from the disk cache" after; build and run times exclude it.

``make bench-experiment``: an experiment of 1,000 neighbourhood runs of 10 years
(experiments/benchmark_1000_runs.toml) with 2 workers. Prints the wall time, runs per second,
the mean time inside a run, and the overhead per run (everything else: the pool, moving
results, writing parts, gathering and analysing the tables).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from sim.config import Scenario, TownProfile, load_scenario, load_town
from sim.engine import disk_cache
from sim.engine.warmup import pilot_mix, pilot_on_disk
from sim.model import WEEKS_PER_YEAR, CommunityModel


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--town", default="city")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--experiment", help="time this experiment file instead (results in a temporary directory)")
    parser.add_argument("--workers", type=int, default=2, help="workers for --experiment (default 2)")
    args = parser.parse_args(argv)
    if args.experiment:
        return bench_experiment(args.experiment, args.workers)

    scenario, town = load_scenario(args.scenario), load_town(args.town)
    print(time_pilot(scenario, town))
    t0 = time.perf_counter()
    model = CommunityModel(scenario, town, seed=args.seed)
    t1 = time.perf_counter()
    weeks = round(args.years * WEEKS_PER_YEAR)
    model.run(weeks)
    t2 = time.perf_counter()
    summary = model.summary()
    t3 = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    hh_weeks = model.n_households * weeks
    print(
        f"town {args.town}: {model.n_households:,} households, {model.town.n_residents:,} residents, "
        f"{len(model.agents):,} Mesa agents"
    )
    print(f"build   {t1 - t0:6.2f} s")
    print(f"run     {t2 - t1:6.2f} s  ({weeks} weeks)")
    print(f"summary {t3 - t2:6.2f} s  ({int(summary['cases']):,} counted cases)")
    print(f"total   {t3 - t0:6.2f} s")
    print(f"household-weeks/s (run)   {hh_weeks / (t2 - t1):,.0f}")
    print(f"household-weeks/s (total) {hh_weeks / (t3 - t0):,.0f}")
    print(f"peak memory {peak_mib:,.0f} MiB")
    return 0


def time_pilot(scenario: Scenario, town: TownProfile) -> str:
    """Make sure the pilot mix of ``town`` under ``scenario`` is on disk; say how long that took."""
    cached = pilot_on_disk(scenario, town)
    t0 = time.perf_counter()
    pilot_mix(scenario, town)
    if cached:
        how = "read from the disk cache"
    elif disk_cache.cache_dir() is None:
        how = "computed: the disk cache is off (COMMUNITY_SIM_CACHE_DIR=off)"
    else:
        how = f"computed: first use with this code; kept in {disk_cache.cache_dir()}"
    return f"pilot   {time.perf_counter() - t0:6.2f} s  ({how})"


def bench_experiment(file: str, workers: int) -> int:
    """Run an experiment file from scratch and print its throughput and per-run overhead."""
    import tempfile

    from sim.execute import run_tasks, write_results
    from sim.experiment import load_experiment

    experiment = load_experiment(file)
    print(time_pilot(experiment.scenarios[0], experiment.town))
    with tempfile.TemporaryDirectory(prefix="community-sim-bench-") as out:
        t0 = time.perf_counter()
        run_tasks(experiment, out, workers=workers, progress=sys.stderr.isatty(), fresh=True)
        t1 = time.perf_counter()
        tables = write_results(experiment, out)
        wall = time.perf_counter() - t0
    runs = tables["runs"]
    n = len(runs)
    inside = float(runs["seconds"].sum())  # includes each replication's warm-up, run by its first scenario
    overhead = (wall * workers - inside) / n
    weeks = round(experiment.settings["years"] * WEEKS_PER_YEAR)
    hh_weeks = n * experiment.town.profile["town"]["households"] * weeks
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"experiment {experiment.name}: {n:,} runs ({int((runs['status'] != 'ok').sum())} failed), {workers} workers")
    print(f"wall            {wall:8.1f} s   ({n / wall:.1f} runs/s)")
    print(f"  running       {t1 - t0:8.1f} s   (the workers, and this process writing each group's parts)")
    print(f"  results       {wall - (t1 - t0):8.1f} s   (gathering the parts, comparing, writing the tables)")
    print(f"inside runs     {inside / n:8.3f} s per run (incl. its share of the warm-ups)")
    print(f"overhead        {overhead:8.3f} s per run ({overhead / (wall * workers / n):.1%} of a worker's time)")
    print(f"household-weeks/s (wall) {hh_weeks / wall:,.0f}")
    print(f"peak memory: main {peak_self:,.0f} MiB, largest worker {peak_child:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
