"""How big an experiment is, estimated from its file before anything is generated or run.

A sweep's design can be enormous (a grid of eight parameters with ten values each is 10^8
points), and an experiment's gathered tables live in memory at the end. The size is worked out
arithmetically first, so that an experiment that cannot fit is refused, one that is large
asks for ``--yes``, and neither allocates anything or validates a single point beforehand.

The bytes per row come from measured tables (a 3,000-household town over ten years: a weekly
row about 340 bytes in memory, a ledger row about 215 bytes, about 0.42 cases per household
per ten years plus those open at the start, a summary about 20 kB per run; a population row about
112 bytes, 2.2 residents per household).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

WEEKLY_ROW_BYTES = 360
LEDGER_ROW_BYTES = 230
CASES_PER_HOUSEHOLD_YEAR = 0.05
CASES_OPEN_PER_HOUSEHOLD = 0.1
SUMMARY_BYTES_PER_RUN = 22_000
POPULATION_ROW_BYTES = 115
RESIDENTS_PER_HOUSEHOLD = 2.2
RUN_ROW_BYTES = 1_500
POINT_BYTES = 25_000  # one point's validated town and scenarios, kept for its tasks
TASK_BYTES = 2_000

# Above any of these an experiment runs only with --yes.
CONFIRM_RUNS = 10_000
CONFIRM_HOUSEHOLD_YEARS = 200_000_000  # about an hour of one core's simulation
CONFIRM_BYTES = 4 * 1024**3
# Beyond these it cannot run here at all.
MAX_POINTS = 2_000_000
MEMORY_SHARE = 0.8  # of the machine's memory, for the gathered tables (built twice while concatenated)


@dataclass(frozen=True)
class ExperimentSize:
    """An experiment's size: its runs, the simulated household-years and the memory its tables need."""

    points: int
    replications: int
    scenarios: int
    years: float
    households: int
    tables: tuple[str, ...]

    @property
    def tasks(self) -> int:
        """(point, replication) pairs: the units sent to workers."""
        return self.points * self.replications

    @property
    def runs(self) -> int:
        """Runs: points × replications × scenarios."""
        return self.tasks * self.scenarios

    @property
    def household_years(self) -> float:
        """Households × years simulated over every run (the work, warm-ups aside)."""
        return self.runs * self.households * self.years

    @property
    def table_bytes(self) -> int:
        """Estimated memory of the gathered tables."""
        weeks = round(self.years * 52) + 1
        per_run = RUN_ROW_BYTES + SUMMARY_BYTES_PER_RUN
        if "weekly" in self.tables:
            per_run += weeks * WEEKLY_ROW_BYTES
        if "ledgers" in self.tables:
            cases = self.households * (CASES_OPEN_PER_HOUSEHOLD + CASES_PER_HOUSEHOLD_YEAR * self.years)
            per_run += int(cases * LEDGER_ROW_BYTES)
        if "population" in self.tables:
            per_run += int(self.households * RESIDENTS_PER_HOUSEHOLD * POPULATION_ROW_BYTES)
        return int(self.runs * per_run)

    @property
    def memory_bytes(self) -> int:
        """Estimated peak memory: the tables twice (while concatenated), the points and the tasks."""
        return 2 * self.table_bytes + self.points * POINT_BYTES + self.tasks * TASK_BYTES

    def needs_confirmation(self) -> bool:
        """Whether the experiment is large enough to ask for ``--yes`` first."""
        return (
            self.runs > CONFIRM_RUNS
            or self.household_years > CONFIRM_HOUSEHOLD_YEARS
            or self.table_bytes > CONFIRM_BYTES
        )

    def cannot_fit(self, memory: int | None = None) -> str | None:
        """Why the experiment cannot run on this machine, or None."""
        memory = machine_memory() if memory is None else memory
        if self.points > MAX_POINTS:
            return f"{self.points:,} points is more than {MAX_POINTS:,}"
        if memory and self.memory_bytes > MEMORY_SHARE * memory:
            return f"it needs about {_bytes(self.memory_bytes)} of memory and this machine has {_bytes(memory)}"
        return None

    def describe(self) -> str:
        """One line: runs, how they are made up, the simulated years and the tables' memory."""
        return (
            f"{self.runs:,} runs ({_count(self.points, 'point')} × {_count(self.replications, 'replication')} × "
            f"{_count(self.scenarios, 'scenario')}) of {self.years:g} years on {self.households:,} households "
            f"({self.household_years:,.0f} household-years), about {_bytes(self.table_bytes)} of tables"
        )


def machine_memory() -> int | None:
    """Physical memory in bytes, if the system says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _bytes(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError
