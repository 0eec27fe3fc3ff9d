"""Accounts: what a run counts, per run (a single run is a batch of one).

* this week's **flows** (onsets, referrals, detections by channel, …), reset after each week's row;
* **hours** worked by role since the start, paid and volunteer;
* household-weeks spent in COMPLEX, by household type.

Hours keep, for each run, the order in which roles first worked: sums over roles are taken in
that order, so a run's totals are the same floats whether it runs alone or in a batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class Role:
    """Someone whose hours are booked: a paid role or volunteers."""

    key: str
    ja: str
    en: str
    volunteer: bool = False


class Accounts:
    """Per-run flows, hours and complex household-weeks.

    Args:
        run_of_household: Each household's run.
        run_of_desk: Each desk's run.
        desk_roles: The staff role of each desk.
        roles: Every role that may book hours (desk roles may be among them or not).
        flows: Names of the weekly flows.
        n_types: Number of household types.
        n_domains: Number of problem domains.
    """

    def __init__(
        self,
        run_of_household: np.ndarray,
        run_of_desk: np.ndarray,
        desk_roles: list[str],
        roles: tuple[Role, ...],
        flows: tuple[str, ...],
        n_types: int,
        n_domains: int,
    ) -> None:
        self.n_runs = int(run_of_household.max(initial=0)) + 1
        self.run_of_household = run_of_household
        self.run_of_desk = run_of_desk
        declared = {r.key: r for r in roles}
        for key in desk_roles:
            declared.setdefault(key, Role(key, key, key))
        self.roles: tuple[Role, ...] = tuple(declared.values())
        self._role = {r.key: i for i, r in enumerate(self.roles)}
        self.volunteer = np.array([r.volunteer for r in self.roles], dtype=bool)
        self.desk_role = np.array([self._role[k] for k in desk_roles], dtype=np.int64)
        self.flow_names = flows
        self._flow = {name: i for i, name in enumerate(flows)}
        self.flows = np.zeros((self.n_runs, len(flows)), dtype=np.int64)
        self.hours = np.zeros((self.n_runs, len(self.roles)))
        self._worked = np.zeros((self.n_runs, len(self.roles)), dtype=bool)
        self._every_run = np.ones(self.n_runs, dtype=bool)
        # Each run's roles in the order they first worked (-1 past the run's last).
        self._order = np.full((self.n_runs, len(self.roles)), -1, dtype=np.int64)
        self.complex_weeks = np.zeros((self.n_runs, n_types), dtype=np.int64)
        self.n_domains = n_domains
        # Unmet needs by run and domain since the 自立支援協議会 last reviewed them (制度の狭間, long waits).
        self.unmet = np.zeros((self.n_runs, n_domains))

    # ------------------------------------------------------------------ flows
    def flow(self, name: str) -> int:
        """The column of flow ``name`` in :attr:`flows`."""
        return self._flow[name]

    def count(self, name: str, idx: np.ndarray) -> None:
        """Add households ``idx`` to this week's flow ``name``, each in its own run."""
        n = len(idx)
        if n == 0:
            return
        if self.n_runs == 1:  # a single run: no split by run needed (called thousands of times)
            self.flows[0, self._flow[name]] += n
        else:
            _count_by_run(self.flows, self._flow[name], self.run_of_household, idx)

    def add_flow(self, name: str, per_run: np.ndarray) -> None:
        """Add counts already split by run to this week's flow ``name``."""
        self.flows[:, self._flow[name]] += per_run

    def per_run(self, idx: np.ndarray) -> np.ndarray:
        """How many of households ``idx`` each run holds."""
        return np.bincount(self.run_of_household[idx], minlength=self.n_runs)

    def record_unmet(self, domains: np.ndarray, households: np.ndarray) -> None:
        """Desks report ``households`` with a need they could not meet (制度の狭間, a full desk), by domain."""
        if len(households):
            self.unmet += self.by_run_and_domain(domains, households)

    def by_run_and_domain(self, domains: np.ndarray, households: np.ndarray) -> np.ndarray:
        """How many of ``households`` each run holds, by their domain in ``domains``."""
        key = self.run_of_household[households] * self.n_domains + domains
        return np.bincount(key, minlength=self.n_runs * self.n_domains).reshape(self.n_runs, self.n_domains)

    def end_week(self) -> None:
        """Start counting next week's flows (changes made by hand between steps count there)."""
        self.flows.fill(0)

    # ------------------------------------------------------------------ hours
    def role(self, key: str) -> int:
        """The index of role ``key`` (an undeclared role is an error in the mechanism that books it)."""
        if key not in self._role:
            raise KeyError(f"role {key!r} is not declared by any mechanism or desk ({', '.join(self._role)})")
        return self._role[key]

    def book_hours(self, role: str, hours: float | np.ndarray, runs: np.ndarray | None = None) -> None:
        """Add ``hours`` to ``role``: one figure for every run, or one per run.

        ``runs`` (a mask of runs) limits the booking to those runs: a run whose mechanism did
        nothing this week books nothing, as it would alone.
        """
        r = self.role(role)
        per_run = np.asarray(hours, dtype=np.float64)
        if per_run.ndim == 0:
            per_run = np.full(self.n_runs, per_run)
        worked = self._every_run if runs is None else np.asarray(runs, dtype=bool)
        if _book(self.hours, self._worked, r, per_run, worked):
            self._mark_worked(worked, r)

    def add_desk_hours(self, desk: np.ndarray, hours: np.ndarray | float) -> None:
        """Staff hours worked for households at ``desk`` (one entry per household), by each desk's role."""
        if len(desk) == 0:
            return
        weights = np.asarray(hours, dtype=np.float64)
        if weights.ndim == 0:
            weights = np.full(len(desk), weights)
        by_run = _desk_hours(desk, weights, self.run_of_desk, self.desk_role, self.hours)
        first = (by_run != 0) & ~self._worked
        if first.any():
            for run, r in zip(*np.nonzero(first), strict=True):  # row by row: each run's roles in order
                self._first_worked(int(run), int(r))
            self._worked |= first

    def _mark_worked(self, runs: np.ndarray, r: int) -> None:
        for run in np.flatnonzero(runs & ~self._worked[:, r]):
            self._first_worked(int(run), r)
        self._worked[runs, r] = True

    def _first_worked(self, run: int, r: int) -> None:
        order = self._order[run]
        order[np.count_nonzero(order >= 0)] = r

    def hours_by_role(self, run: int = 0) -> Counter[str]:
        """Hours of each role that worked in run ``run``, in the order roles first worked."""
        order = self._order[run]
        return Counter({self.roles[r].key: float(self.hours[run, r]) for r in order[order >= 0]})

    def hour_totals(self) -> np.ndarray:
        """Every run's (all, volunteer, paid) hours so far, one row per run; paid is all minus volunteer.

        Each run's roles are summed in the order they first worked, as the run alone sums them.
        """
        return _hour_totals(self.hours, self._order, self.volunteer)


@numba.njit(cache=True)
def _book(table: np.ndarray, worked: np.ndarray, r: int, hours: np.ndarray, runs: np.ndarray) -> bool:
    """Add ``hours`` (one per run) to role ``r`` of the runs in ``runs``; whether one of them had
    not worked in that role before."""
    first = False
    for run in range(table.shape[0]):
        if runs[run]:
            table[run, r] += hours[run]
            first |= not worked[run, r]
    return first


@numba.njit(cache=True)
def _desk_hours(
    desk: np.ndarray, hours: np.ndarray, run_of_desk: np.ndarray, desk_role: np.ndarray, table: np.ndarray
) -> np.ndarray:
    """Each household's ``hours`` summed by its desk's run and role (in household order, as a
    weighted bincount sums), then added to ``table``; returns the sums."""
    by_run = np.zeros(table.shape)
    for i in range(desk.shape[0]):
        by_run[run_of_desk[desk[i]], desk_role[desk[i]]] += hours[i]
    for run in range(table.shape[0]):
        for r in range(table.shape[1]):
            table[run, r] += by_run[run, r]  # adding 0.0 leaves hours as they were (they are never -0.0)
    return by_run


@numba.njit(cache=True)
def _count_by_run(flows: np.ndarray, column: int, run_of_household: np.ndarray, idx: np.ndarray) -> None:
    """Add each of households ``idx`` to column ``column`` of its own run's row of ``flows``."""
    for i in idx:
        flows[run_of_household[i], column] += 1


@numba.njit(cache=True)
def _hour_totals(hours: np.ndarray, order: np.ndarray, volunteer: np.ndarray) -> np.ndarray:
    out = np.zeros((hours.shape[0], 3))
    for run in range(hours.shape[0]):
        everyone = volunteers = 0.0
        for k in range(order.shape[1]):
            r = order[run, k]
            if r < 0:
                break
            everyone += hours[run, r]
            if volunteer[r]:
                volunteers += hours[run, r]
        out[run, 0], out[run, 1], out[run, 2] = everyone, volunteers, everyone - volunteers
    return out
