"""Hot state: households' arrays and the case ledger, owned by one model.

Every household array is declared once, as a :class:`State`: the case book declares the arrays
of a case (:data:`CORE_STATES`), and each mechanism declares the arrays it owns
(``Mechanism.STATES``). :class:`HouseholdState` is built from the declarations, so a mechanism
that adds an array adds it next to its own code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

NOT_YET = int(np.iinfo(np.int32).min)  # a week that has not happened (yet); weeks before the start are negative


@dataclass(frozen=True)
class State:
    """A per-household array.

    Attributes:
        name: The array's name (``model.hh.<name>``).
        dtype: Its numpy dtype.
        default: Its value before anything happens.
        doc: What it holds.
        per_case: Reset to ``default`` when the household's case closes (it belongs to the case).
        scratch: Reset to ``default`` at the start of every week, and not carried from the warm-up.
    """

    name: str
    dtype: Any
    default: Any
    doc: str
    per_case: bool = False
    scratch: bool = False


CORE_STATES: tuple[State, ...] = (
    State("stage", np.int8, 0, "Stage of the household's problem (Stage).", per_case=True),
    State("domains", np.uint16, 0, "Bitmask of the problem's domains.", per_case=True),
    State("case", np.int32, -1, "Ledger id of the open case, or -1.", per_case=True),
    State("service", np.int8, 0, "Where the case stands with the services (ServiceStatus).", per_case=True),
    State("service_until", np.int32, 0, "End of a give-up or refusal cooling-off."),
    State("desk", np.int32, -1, "Desk that accepted the household.", per_case=True),
    State("professional", np.int32, -1, "Professional supporting the household.", per_case=True),
    State("coverage", np.float32, 0.0, "Share of the household's domains its support covers.", per_case=True),
    State("referral_attempts", np.int16, 0, "Desk visits in the current referral.", per_case=True),
    State("waiting_since", np.int32, 0, "Week a desk accepted the household."),
    State("consented", np.bool_, False, "Agreed to support in the current case.", per_case=True),
    State(
        "entry_domain",
        np.int8,
        -1,
        "The domain whose desk the referral goes to first, when the channel chose it (-1: routed as usual).",
        per_case=True,
    ),
    State("resolved_week", np.int32, NOT_YET, "Week the household's last case closed."),
    State("resolved_supported", np.bool_, False, "Whether that case closed while a professional supported it."),
    State(
        "standing_domains",
        np.uint16,
        0,
        "Domains a standing condition keeps open (ひきこもり): a case holding them eases to LATENT instead of closing.",
    ),
    State("onset_mult", np.float64, 1.0, "This week's multiplier of the onset hazard.", scratch=True),
    State("progress_mult", np.float64, 1.0, "This week's multiplier of the progression hazard.", scratch=True),
    State("changed", np.bool_, False, "Whether the stage changed this week.", scratch=True),
)


class HouseholdState:
    """Per-household arrays, one per declared :class:`State` (attributes of length ``n``).

    Agents and mechanisms read and write through them. The case book's arrays are typed here;
    the arrays a mechanism declares are reached the same way (``hh.noticed``).
    """

    stage: np.ndarray
    domains: np.ndarray
    case: np.ndarray
    service: np.ndarray
    service_until: np.ndarray
    desk: np.ndarray
    professional: np.ndarray
    coverage: np.ndarray
    referral_attempts: np.ndarray
    waiting_since: np.ndarray
    consented: np.ndarray
    entry_domain: np.ndarray
    resolved_week: np.ndarray
    resolved_supported: np.ndarray
    standing_domains: np.ndarray
    onset_mult: np.ndarray
    progress_mult: np.ndarray
    changed: np.ndarray

    def __init__(self, n: int, states: Iterable[State] = CORE_STATES) -> None:
        self.n = n
        self.states: dict[str, State] = {}
        for state in states:
            if state.name in self.states:
                raise ValueError(f"household array {state.name!r} is declared twice")
            self.states[state.name] = state
            setattr(self, state.name, np.full(n, state.default, dtype=state.dtype))
        self._per_case = [s for s in self.states.values() if s.per_case]
        self._scratch = [s for s in self.states.values() if s.scratch]
        # Carried from a warm-up: everything but the scratch arrays and the case id (the ledger renumbers cases).
        self.carried = tuple(s.name for s in self.states.values() if not s.scratch and s.name != "case")

    def __getattr__(self, name: str) -> np.ndarray:
        # Only reached for names that were not declared (declared arrays are instance attributes).
        raise AttributeError(f"no household array {name!r}; declared: {', '.join(self.__dict__.get('states', {}))}")

    def copy_from(self, other: HouseholdState) -> None:
        """Take over ``other``'s state (a warm-up whose last week was week 0)."""
        for name in self.carried:
            getattr(self, name)[:] = getattr(other, name)

    def start_week(self) -> None:
        """Reset the weekly scratch arrays."""
        for state in self._scratch:
            getattr(self, state.name).fill(state.default)

    def close_cases(self, idx: np.ndarray) -> None:
        """Reset the arrays that belong to a case, for households ``idx`` whose case closed."""
        for state in self._per_case:
            getattr(self, state.name)[idx] = state.default


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
    "desk_outcome": (np.int8, 0),
    "team_referral_week": (np.int32, NOT_YET),
    "team_week": (np.int32, NOT_YET),
    "known_by": (np.uint32, 0),  # bitmask of the channels that knew of the case (bit c: channel c)
}

RESOLVED_BY_KEYS = ("open", "natural", "mutual_aid", "support", "external")  # external: set by hand
# What desks did for a case, least to most (the ledger keeps the most): 情報提供・助言, つなぎ to a service, a plan.
DESK_OUTCOME_KEYS = ("none", "advice", "service", "plan")


class CaseTable:
    """The case ledger: one row per case, columns as growable numpy arrays."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._capacity = capacity
        self.cols: dict[str, np.ndarray] = {
            name: np.full(capacity, fill, dtype=dt) for name, (dt, fill) in CASE_FIELDS.items()
        }

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
        stage: np.ndarray | int,
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
            new: np.ndarray = np.full(cap, fill, dtype=dt)
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

    def set(self, name: str, ids: np.ndarray, values: Any) -> None:
        """Write ``values`` into column ``name`` for case ``ids``."""
        self.cols[name][ids] = values
