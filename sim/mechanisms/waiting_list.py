"""待機リスト: households a desk accepted get a professional, longest-waiting first."""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus
from sim.mechanisms.base import Mechanism
from sim.mechanisms.caseloads import Caseloads
from sim.mechanisms.consent import Consent
from sim.mechanisms.triage import DeskTriage


class WaitingList(Mechanism):
    """Each week, last of all, waiting households meet the professionals of their desk.

    Households a desk triaged to a plan (and who consented, when consent is asked) are given a
    professional of their desk in order of waiting (longest first, then the household's
    number), the least-loaded professional first, while a professional holds fewer cases than
    the caseload limit (:class:`~sim.mechanisms.caseloads.Caseloads`; no limit when that
    mechanism is off). Those who find no place stay on the waiting list. This is how the
    services work whichever policy is on, so it has no switch.
    """

    name = "waiting_list"
    phase = "service"
    switchable = False
    title_ja = "待機リストから専門職へ"
    title_en = "From the waiting list to a professional"
    switch_ja = "窓口が受け付けた世帯に、空きのある専門職が担当につきます（常に働く仕組みで、オフにはできません）。"
    switch_en = (
        "Professionals with room take on households their desk accepted (always at work; it cannot be switched off)."
    )
    slide_group = "structure"
    PARAMS = {}

    def setup(self) -> None:
        town = self.run.town
        self.kinds = list(town.desk_of_kind_by_area)
        self._kind_of_desk = np.array([self.kinds.index(d["kind"]) for d in town.desks], dtype=np.int64)
        # Household-weeks on each desk kind's waiting list since the start, per run (rows: runs).
        self.weeks_waiting_by_kind = np.zeros((self.run.n_runs, len(self.kinds)), dtype=np.int64)

    def step(self, week: int) -> None:
        hh = self.run.hh
        waiting = self.run.cases.waiting()
        self._assign(waiting, week)
        # Still waiting once professionals took theirs on (only WAITING → SUPPORTED happened in between).
        self._count_by_kind(waiting[hh.service[waiting] == ServiceStatus.WAITING])

    def _count_by_kind(self, waiting: np.ndarray) -> None:
        """Where the waiting lists form: this week's ``waiting`` households by desk kind."""
        run, hh = self.run, self.run.hh
        n_kinds = len(self.kinds)
        key = run.worlds.hh[waiting] * n_kinds + self._kind_of_desk[hh.desk[waiting]]
        self.weeks_waiting_by_kind += np.bincount(key, minlength=run.n_runs * n_kinds).reshape(run.n_runs, n_kinds)

    def _assign(self, waiting: np.ndarray, week: int) -> None:
        """Professionals take on ``waiting`` households (those waiting for one), longest-waiting first."""
        run, hh = self.run, self.run.hh
        if len(waiting) == 0:
            return
        if run.mechanism(Consent).enabled:
            waiting = waiting[hh.consented[waiting]]
        limit = run.mechanism(Caseloads).limit()
        if limit is not None:  # skip desks whose professionals are all full
            waiting = waiting[run.staff.free_at_desk(limit)[hh.desk[waiting]] > 0]
        if len(waiting) == 0:
            return
        waiting = waiting[np.lexsort((waiting, hh.waiting_since[waiting], hh.desk[waiting]))]
        served, professionals = run.staff.assign(hh.desk[waiting], limit)
        run.cases.start_support(waiting[served], professionals, week)
        run.mechanism(DeskTriage).plans_start(waiting[served], week)
