"""The run state: what a mechanism may read and change, and nothing of the model's other jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from sim.domain import DOMAIN_KEYS, TYPE_KEYS
from sim.engine.accounts import Accounts, Role
from sim.engine.casebook import CASE_FLOWS, CaseBook
from sim.engine.collector import Column, weekly_columns
from sim.engine.staff import Staff
from sim.state import CORE_STATES, HouseholdState
from sim.streams import HouseholdStream
from sim.town import Town, Worlds

if TYPE_CHECKING:
    from sim.mechanisms.base import Mechanism

M = TypeVar("M", bound="Mechanism")


class RunState:
    """The arrays and books of one run (or of every run of a batch), shared by the mechanisms.

    Attributes:
        town: The town (households' types, areas, ties, venues, desks, …).
        worlds: Where each run's households, districts, venues and desks sit (one run: a batch of one).
        hh: The households' arrays.
        cases: The case book: the ledger and the steps of a case.
        accounts: This week's flows, hours by role and complex household-weeks, per run.
        staff: Professionals, their desks and caseloads.
        seeds: Each run's seed.
    """

    def __init__(
        self,
        town: Town,
        worlds: Worlds,
        hh: HouseholdState,
        cases: CaseBook,
        accounts: Accounts,
        staff: Staff,
        seeds: list[int],
    ) -> None:
        self.town, self.worlds, self.hh, self.cases = town, worlds, hh, cases
        self.accounts, self.staff, self.seeds = accounts, staff, seeds
        self.all_households = np.arange(town.n_households)
        self._mechanisms: dict[type, Mechanism] = {}
        self.on_new_staff: Callable[[range], None] | None = None  # agent views of new professionals

    @classmethod
    def assemble(
        cls,
        town: Town,
        worlds: Worlds,
        seeds: list[int],
        mechanisms: tuple[type[Mechanism], ...],
        channels: tuple[str, ...],
        roles: tuple[Role, ...],
    ) -> tuple[RunState, tuple[Column, ...]]:
        """The run state of ``town`` with the arrays, flows and roles the ``mechanisms`` declare,
        and the weekly table's columns."""
        hh = HouseholdState(town.n_households, CORE_STATES + tuple(s for m in mechanisms for s in m.STATES))
        columns, flows = weekly_columns(mechanisms, CASE_FLOWS, channels)
        desk_roles = [d["staff_role"] for d in town.desks]
        accounts = Accounts(worlds.hh, worlds.desk, desk_roles, roles, flows, len(TYPE_KEYS), len(DOMAIN_KEYS))
        staff = Staff(town.desks)
        detection = HouseholdStream(seeds, "detection", worlds.hh, worlds.local)
        cases = CaseBook(town, hh, accounts, staff, channels, detection)
        return cls(town, worlds, hh, cases, accounts, staff, seeds), columns

    @property
    def profile(self) -> dict[str, Any]:
        """The effective town profile (the scenario's changes applied)."""
        return self.town.profile

    @property
    def n_runs(self) -> int:
        return self.worlds.n

    def stream(self, name: str) -> HouseholdStream:
        """The counter-based random stream ``name`` of each run."""
        return HouseholdStream(self.seeds, name, self.worlds.hh, self.worlds.local)

    def add_mechanisms(self, mechanisms: Iterable[Mechanism]) -> None:
        """Make ``mechanisms`` findable by their class."""
        self._mechanisms |= {type(m): m for m in mechanisms}

    def mechanism(self, cls: type[M]) -> M:
        """The run's mechanism of class ``cls``."""
        found = self._mechanisms[cls]
        assert isinstance(found, cls)
        return found

    def add_staff(self, kind: str, per_desk: int, run: int) -> None:
        """New professionals join every desk of ``kind`` in run ``run`` (a resource a council created)."""
        desks = [d["index"] for d in self.town.desks if d["kind"] == kind and d.get("world", 0) == run]
        new = np.repeat(np.array(desks, dtype=np.int64), per_desk)
        if len(new) == 0:
            return
        added = self.staff.add(new)
        if self.on_new_staff is not None:
            self.on_new_staff(added)
