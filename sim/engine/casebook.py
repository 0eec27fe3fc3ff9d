"""The case book: the life of a case, from onset to closure, and its ledger.

Mechanisms ask the case book to open, advance, detect, accept, refuse, support and close
cases; it keeps the household arrays of a case (:data:`sim.state.CORE_STATES`), the ledger
(one row per case), the weekly flows of these steps, and the households that channels can
still find. A manual change (a workshop, a story) goes through the same steps.
"""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus, Stage
from sim.engine.accounts import Accounts
from sim.engine.staff import Staff
from sim.state import NOT_YET, RESOLVED_BY_KEYS, CaseTable, HouseholdState
from sim.streams import HouseholdStream
from sim.town import Town


class CaseBook(CaseTable):
    """The ledger (its columns: ``cases.first_detection_week`` …) and the steps of a case.

    Attributes:
        open_idx: Households with an open case, as of the last :meth:`refresh` (the start of
            the week, the start of the detect phase and the weekly row).
        reachable_idx: Households with a problem and no contact with services this week: what
            the detection channels can find.
    """

    def __init__(
        self,
        town: Town,
        hh: HouseholdState,
        accounts: Accounts,
        staff: Staff,
        channels: tuple[str, ...],
        detection_stream: HouseholdStream,
    ) -> None:
        super().__init__(capacity=max(1024, town.n_households // 4))
        self.town, self.hh, self.accounts, self.staff = town, hh, accounts, staff
        self.n_channels = len(channels)
        self._detection_stream = detection_stream
        self._detected_flows = [accounts.flow(f"detected_{c}") for c in channels[1:]]
        self.open_idx = np.zeros(0, dtype=np.int64)
        self.reachable_idx = np.zeros(0, dtype=np.int64)
        self._events = 0  # calls that opened or closed cases: open_idx is recomputed after one
        self._open_at = -1
        self._proposals: list[tuple[np.ndarray, int]] = []
        self._closed_supported: list[np.ndarray] = []

    # ------------------------------------------------------------------ the week
    def refresh(self) -> np.ndarray:
        """``open_idx``, recomputed only if cases opened or closed since it last was."""
        if self._open_at != self._events:
            self.open_idx = (self.hh.case >= 0).nonzero()[0]
            self._open_at = self._events
        return self.open_idx

    def start_week(self) -> None:
        """A new week: nothing has closed under support yet."""
        self._closed_supported = []
        self.refresh()

    def start_detection(self) -> None:
        """The detect phase begins: who can be found, and nobody proposed yet."""
        self.refresh()
        self.reachable_idx = self.open_idx[self.hh.service[self.open_idx] == ServiceStatus.UNKNOWN]
        self._proposals = []

    # ------------------------------------------------------------------ stages
    def open(self, idx: np.ndarray, week: int, primary: np.ndarray) -> None:  # type: ignore[override]
        """NONE → LATENT for households ``idx`` with presenting domain ``primary``."""
        bits = (1 << primary).astype(np.uint16)
        ids = super().open(idx, self.town.htype[idx], week, primary, bits, Stage.LATENT)
        self.hh.stage[idx] = Stage.LATENT
        self.hh.domains[idx] = bits
        self.hh.case[idx] = ids
        self.hh.changed[idx] = True
        self.accounts.count("onsets", idx)
        self._events += 1

    def open_prevalent(self, idx: np.ndarray, primary: np.ndarray, domains: np.ndarray, stage: np.ndarray) -> None:
        """Cases present at the start (no warm-up): flagged ``prevalent_at_start``."""
        ids = super().open(idx, self.town.htype[idx], NOT_YET, primary, domains, stage, prevalent=True)
        self.hh.stage[idx] = stage
        self.hh.domains[idx] = domains
        self.hh.case[idx] = ids

    def carry_from(self, warm: CaseBook) -> None:
        """Open cases of a warm-up that ended at week 0 become this run's cases present at the start."""
        open_ = np.flatnonzero(warm.hh.case >= 0)
        self.hh.case.fill(-1)
        self.hh.case[open_] = self.carry_over(warm, warm.hh.case[open_])

    def advance(self, idx: np.ndarray, new_domain: np.ndarray) -> None:
        """Move households ``idx`` one stage up, adding ``new_domain`` (-1: none left)."""
        hh = self.hh
        hh.stage[idx] += 1
        add = new_domain >= 0
        hh.domains[idx[add]] |= (1 << new_domain[add]).astype(np.uint16)
        hh.changed[idx] = True
        cases = hh.case[idx]
        self.set("worst_stage", cases, np.maximum(self.worst_stage[cases], hh.stage[idx]))
        self.set("domains", cases, hh.domains[idx])
        self.accounts.count("progressions", idx)

    def resolve(self, idx: np.ndarray, week: int, how: str) -> None:
        """Close the cases of households ``idx`` (each must have a problem); ``how``: a RESOLVED_BY_KEYS entry."""
        hh = self.hh
        if len(idx) == 0:
            return
        cases = hh.case[idx]
        self.set("resolution_week", cases, week)
        self.set("resolved_by", cases, RESOLVED_BY_KEYS.index(how))
        supported = hh.service[idx] == ServiceStatus.SUPPORTED
        if supported.any():
            self.staff.release(hh.professional[idx[supported]])
        hh.resolved_week[idx] = week
        hh.resolved_supported[idx] = supported
        self._closed_supported.append(idx[supported])
        hh.close_cases(idx)
        hh.changed[idx] = True
        self.accounts.count("resolutions", idx)
        self._events += 1

    def closed_under_support(self) -> np.ndarray:
        """Households whose case closed this week while a professional supported it."""
        return np.concatenate(self._closed_supported) if self._closed_supported else np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ detection
    def propose(self, idx: np.ndarray, channel: int) -> None:
        """Channel ``channel`` found households ``idx`` this week."""
        self._proposals.append((idx, int(channel)))

    def record_detections(self, week: int) -> None:
        """Pick one channel per household found this week, record first detections, refer them."""
        proposals = [(i, c) for i, c in self._proposals if len(i)]
        if not proposals:
            return
        if len(proposals) == 1 and _strictly_increasing(proposals[0][0]):
            # One channel found each household once: it is the channel (the pick's draw is not needed).
            households = proposals[0][0]
            chosen = np.full(len(households), proposals[0][1], dtype=np.int8)
        else:
            idx = np.concatenate([i for i, _ in proposals])
            ch = np.repeat(np.array([c for _, c in proposals], dtype=np.int8), [len(i) for i, _ in proposals])
            order = np.lexsort((ch, idx))
            idx, ch = idx[order], ch[order]
            starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
            counts = np.diff(starts, append=len(idx))
            households = idx[starts]
            u = self._detection_stream.uniform(week, households)
            chosen = ch[starts + (u * counts).astype(np.int64)]
        cases = self.hh.case[households]
        new = self.first_detection_week[cases] == NOT_YET
        new_cases = cases[new]
        self.set("first_detection_week", new_cases, week)
        self.set("first_detection_stage", new_cases, self.hh.stage[households[new]])
        self.set("first_detection_channel", new_cases, chosen[new])
        self.hh.service[households] = ServiceStatus.REFERRED
        self.hh.referral_attempts[households] = 0
        a = self.accounts
        key = a.run_of_household[households[new]] * self.n_channels + chosen[new]
        by_run = np.bincount(key, minlength=a.n_runs * self.n_channels).reshape(a.n_runs, self.n_channels)
        a.flows[:, self._detected_flows] += by_run[:, 1:]
        a.count("referrals", households)

    # ------------------------------------------------------------------ services
    def accept(self, idx: np.ndarray, desk: np.ndarray, coverage: np.ndarray, week: int) -> None:
        """Desks accepted households ``idx``: they wait for a professional of the desk."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.WAITING
        hh.desk[idx] = desk
        hh.coverage[idx] = coverage
        hh.referral_attempts[idx] = 0
        hh.waiting_since[idx] = week
        cases = hh.case[idx]
        # The acceptance that leads to support counts (an earlier one may have ended in a refusal).
        self.set("intake_week", cases[self.support_start_week[cases] == NOT_YET], week)
        self.set("desk", cases, desk)
        self.accounts.count("intakes", idx)

    def ask_again(self, idx: np.ndarray, week: int) -> None:
        """Households ``idx`` that refused are asked again at the desk that accepted them."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.WAITING
        hh.waiting_since[idx] = week
        hh.consented[idx] = False
        cases = hh.case[idx]
        self.set("intake_week", cases[self.support_start_week[cases] == NOT_YET], week)

    def refuse(self, idx: np.ndarray, until: int) -> None:
        """Households ``idx`` refused support: nobody refers them again before week ``until``."""
        hh = self.hh
        self.cols["refusals"][hh.case[idx]] += 1
        hh.service[idx] = ServiceStatus.REFUSED  # desk and coverage kept: a 支援会議 may ask again there
        hh.service_until[idx] = until
        self.accounts.count("refusals", idx)

    def end_cooling_off(self, status: ServiceStatus, week: int) -> None:
        """Households in ``status`` (GAVE_UP or REFUSED) whose cooling-off has ended can be found again."""
        o = self.open_idx
        back = o[(self.hh.service[o] == status) & (self.hh.service_until[o] <= week)]
        self.hh.service[back] = ServiceStatus.UNKNOWN

    def start_support(self, idx: np.ndarray, professional: np.ndarray, week: int) -> None:
        """Professionals ``professional`` take on households ``idx``."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.SUPPORTED
        hh.professional[idx] = professional
        self.staff.take(professional)
        cases = hh.case[idx]
        self.set("support_start_week", cases[self.support_start_week[cases] == NOT_YET], week)
        self.accounts.count("support_starts", idx)

    def waiting(self) -> np.ndarray:
        """Households accepted by a desk and waiting for a professional."""
        o = self.open_idx
        return o[self.hh.service[o] == ServiceStatus.WAITING]


def _strictly_increasing(idx: np.ndarray) -> bool:
    return bool((idx[1:] > idx[:-1]).all())


# Flows the case book counts, in the order of the weekly table.
CASE_FLOWS = ("onsets", "progressions", "resolutions", "referrals", "intakes", "refusals", "support_starts")
