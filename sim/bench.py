"""Benchmark: the ``city`` profile for 10 years, weekly, in one process.

Prints build time, run time, household-weeks per second and peak memory (max RSS).
Run it as ``make bench`` (a fresh process, so the peak memory is this run's own).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from sim.model import WEEKS_PER_YEAR, CommunityModel


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--town", default="city")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    model = CommunityModel(args.scenario, args.town, seed=args.seed)
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


if __name__ == "__main__":
    sys.exit(main())
