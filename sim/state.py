"""Hot state: households' arrays and the case ledger, owned by one model."""

from __future__ import annotations

import numpy as np

NOT_YET = int(np.iinfo(np.int32).min)  # a week that has not happened (yet); weeks before the start are negative


class HouseholdState:
    """Per-household arrays for the current case and its service status.

    Attributes are numpy arrays of length ``n``; agents read and write through them.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.stage = np.zeros(n, dtype=np.int8)
        self.domains = np.zeros(n, dtype=np.uint16)
        self.case = np.full(n, -1, dtype=np.int32)
        self.noticed = np.zeros(n, dtype=bool)  # a neighbour finds them "a bit worrying"
        self.service = np.zeros(n, dtype=np.int8)  # ServiceStatus
        self.service_until = np.zeros(n, dtype=np.int32)  # end of a give-up cooling-off
        self.desk = np.full(n, -1, dtype=np.int32)
        self.professional = np.full(n, -1, dtype=np.int32)
        self.coverage = np.zeros(n, dtype=np.float32)  # share of the household's domains its support covers
        self.referral_attempts = np.zeros(n, dtype=np.int16)  # desk visits in the current referral
        self.waiting_since = np.zeros(n, dtype=np.int32)  # week a desk accepted the household
        self.consented = np.zeros(n, dtype=bool)  # agreed to support in the current case
        self.team = np.zeros(n, dtype=bool)  # a 多機関協働 team handles the case
        # After a case: when it closed, whether under support, and what follows (relapse, 伴走, 参加支援).
        self.resolved_week = np.full(n, NOT_YET, dtype=np.int32)
        self.resolved_supported = np.zeros(n, dtype=bool)
        self.accompanied_until = np.full(n, NOT_YET, dtype=np.int32)
        self.linked_venue = np.full(n, -1, dtype=np.int32)  # 参加支援: venue the services linked the household to
        self.work_trial = np.zeros(n, dtype=bool)  # 参加支援: a work trial with aftercare
        self.peer = np.zeros(n, dtype=bool)  # 受け手を担い手に: a former supported household now volunteering
        self.trust = np.zeros(n, dtype=np.float32)  # trust in services, built by contact (0–1), kept across cases
        # Per-week scratch, reset at the start of every tick.
        self.onset_mult = np.ones(n)
        self.progress_mult = np.ones(n)
        self.changed = np.zeros(n, dtype=bool)  # stage changed this week

    CARRIED = (
        "stage",
        "domains",
        "noticed",
        "service",
        "service_until",
        "desk",
        "professional",
        "coverage",
        "referral_attempts",
        "waiting_since",
        "consented",
        "team",
        "trust",
        "resolved_week",
        "resolved_supported",
        "accompanied_until",
        "linked_venue",
        "work_trial",
        "peer",
    )

    def copy_from(self, other: HouseholdState) -> None:
        """Take over ``other``'s state (a warm-up whose last week was week 0)."""
        for name in self.CARRIED:
            getattr(self, name)[:] = getattr(other, name)

    def start_week(self) -> None:
        """Reset the weekly scratch arrays."""
        self.onset_mult.fill(1.0)
        self.progress_mult.fill(1.0)
        self.changed.fill(False)


CASE_FIELDS: dict[str, tuple[type, int]] = {
    "household": (np.int32, -1),
    "household_type": (np.int8, 0),
    "onset_week": (np.int32, NOT_YET),
    "prevalent_at_start": (np.bool_, False),
    "primary_domain": (np.int8, -1),
    "first_detection_week": (np.int32, NOT_YET),
    "first_detection_stage": (np.int8, 0),
    "first_detection_channel": (np.int8, 0),
    "referrals": (np.int16, 0),
    "bounces": (np.int16, 0),
    "gave_up": (np.bool_, False),
    "refusals": (np.int16, 0),
    "intake_week": (np.int32, NOT_YET),
    "support_start_week": (np.int32, NOT_YET),
    "desk": (np.int32, -1),
    "worst_stage": (np.int8, 0),
    "resolution_week": (np.int32, NOT_YET),
    "resolved_by": (np.int8, 0),
    "domains": (np.uint16, 0),
}

RESOLVED_BY_KEYS = ("open", "natural", "mutual_aid", "support", "external")  # external: set by hand


class CaseTable:
    """The case ledger: one row per case, columns as growable numpy arrays."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._capacity = capacity
        self.cols = {name: np.full(capacity, fill, dtype=dt) for name, (dt, fill) in CASE_FIELDS.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.size]
        raise AttributeError(name)

    def open(
        self,
        households: np.ndarray,
        htype: np.ndarray,
        week: int,
        primary: np.ndarray,
        domains: np.ndarray,
        stage: np.ndarray,
        prevalent: bool = False,
    ) -> np.ndarray:
        """Open new cases; returns their ids."""
        k = len(households)
        self._grow(self.size + k)
        ids = np.arange(self.size, self.size + k, dtype=np.int32)
        c = self.cols
        c["household"][ids] = households
        c["household_type"][ids] = htype
        c["onset_week"][ids] = week
        c["prevalent_at_start"][ids] = prevalent
        c["primary_domain"][ids] = primary
        c["domains"][ids] = domains
        c["worst_stage"][ids] = stage
        self.size += k
        return ids

    def _grow(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        cap = max(needed, 2 * self._capacity)
        for name, (dt, fill) in CASE_FIELDS.items():
            new = np.full(cap, fill, dtype=dt)
            new[: self.size] = self.cols[name][: self.size]
            self.cols[name] = new
        self._capacity = cap

    def carry_over(self, other: CaseTable, ids: np.ndarray) -> np.ndarray:
        """Copy ``other``'s cases ``ids`` (from a warm-up ending at week 0) as cases present at the start."""
        k = len(ids)
        self._grow(self.size + k)
        new = np.arange(self.size, self.size + k, dtype=np.int32)
        for name in CASE_FIELDS:
            self.cols[name][new] = other.cols[name][ids]
        self.cols["prevalent_at_start"][new] = True
        self.size += k
        return new

    def set(self, name: str, ids: np.ndarray, values) -> None:
        """Write ``values`` into column ``name`` for case ``ids``."""
        self.cols[name][ids] = values
