"""The case book: the life of a case, from onset to closure, and its ledger.

Mechanisms ask the case book to open, advance, detect, accept, refuse, support and close
cases; it keeps the household arrays of a case (:data:`sim.state.CORE_STATES`), the ledger
(one row per case), the weekly flows of these steps, and the households that channels can
still find. A manual change (a workshop, a story) goes through the same steps.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.domain import ServiceStatus, Stage
from sim.engine.accounts import Accounts
from sim.engine.members import update_members
from sim.engine.staff import Staff
from sim.state import DESK_OUTCOME_KEYS, NOT_YET, RESOLVED_BY_KEYS, CaseTable, HouseholdState
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
        # Households whose case opened or closed since open_idx was made (it is updated from them),
        # or a rescan of the town when cases were set up wholesale.
        self._touched: list[np.ndarray] = []
        self._rescan = True
        self._proposals: list[tuple[np.ndarray, int, np.ndarray | None]] = []
        self._closed_supported: list[np.ndarray] = []
        self.history = ChannelHistory()

    # ------------------------------------------------------------------ the week
    def refresh(self) -> np.ndarray:
        """``open_idx`` (households with an open case, in order), brought up to date if cases opened
        or closed since it last was: from the households concerned, not a scan of the town."""
        if self._rescan:
            self.open_idx = (self.hh.case >= 0).nonzero()[0]
            self._rescan, self._touched = False, []
        elif self._touched:
            touched = np.unique(np.concatenate(self._touched)).astype(np.int64)
            self.open_idx = update_members(self.open_idx, touched, self.hh.case[touched] >= 0)
            self._touched = []
        return self.open_idx

    def start_week(self) -> None:
        """A new week: nothing has closed under support yet."""
        self._closed_supported = []
        self.refresh()

    def start_detection(self) -> None:
        """The detect phase begins: who can be found, and nobody proposed yet."""
        self.refresh()
        # compress: faster than a boolean index for a mask that is about half true.
        self.reachable_idx = self.open_idx.compress(self.hh.service[self.open_idx] == ServiceStatus.UNKNOWN)
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
        self._touched.append(idx)

    def open_prevalent(self, idx: np.ndarray, primary: np.ndarray, domains: np.ndarray, stage: np.ndarray) -> None:
        """Cases present at the start (no warm-up): flagged ``prevalent_at_start``."""
        ids = super().open(idx, self.town.htype[idx], NOT_YET, primary, domains, stage, prevalent=True)
        self.hh.stage[idx] = stage
        self.hh.domains[idx] = domains
        self.hh.case[idx] = ids
        self._rescan = True

    def carry_from(self, warm: CaseBook) -> None:
        """Open cases of a warm-up that ended at week 0 become this run's cases present at the start
        (with what each channel knew of them)."""
        open_ = np.flatnonzero(warm.hh.case >= 0)
        self.hh.case.fill(-1)
        old = warm.hh.case[open_]
        self.hh.case[open_] = new = self.carry_over(warm, old)
        self.history.carry(warm.history, old, new)
        self._rescan = True

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
        """Close the cases of households ``idx`` (each must have a problem); ``how``: a RESOLVED_BY_KEYS entry.

        A household with a standing condition (``standing_domains``, e.g. a withdrawn member) keeps
        a LATENT case holding those domains: what else it had is solved, the condition is not.
        """
        hh = self.hh
        if len(idx) == 0:
            return
        standing = hh.standing_domains[idx] != 0
        if standing.any():
            self.ease(idx[standing])
            idx = idx[~standing]
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
        self._touched.append(idx)

    def ease(self, idx: np.ndarray) -> None:
        """Households ``idx`` keep only their standing domains, at LATENT (their worst stage is kept)."""
        hh = self.hh
        hh.domains[idx] = hh.standing_domains[idx]
        hh.stage[idx] = Stage.LATENT
        hh.changed[idx] = True
        self.set("domains", hh.case[idx], hh.domains[idx])

    def add_domains(self, idx: np.ndarray, bits: np.ndarray | int | np.integer) -> None:
        """Households ``idx`` (with an open case) take on the domains ``bits`` without a change of stage."""
        hh = self.hh
        hh.domains[idx] |= np.asarray(bits).astype(np.uint16)
        self.set("domains", hh.case[idx], hh.domains[idx])

    def closed_under_support(self) -> np.ndarray:
        """Households whose case closed this week while a professional supported it."""
        return np.concatenate(self._closed_supported) if self._closed_supported else np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ detection
    def propose(self, idx: np.ndarray, channel: int, entry_domain: np.ndarray | None = None) -> None:
        """Channel ``channel`` found households ``idx`` (not in contact with services) this week: they
        will be referred (one channel is recorded as the first detection when several found one).

        ``entry_domain`` (one per household, -1 for none): the domain whose desk the referral goes to
        first, when the channel decides it (an old parent goes to the desk for older people's care).
        """
        self._proposals.append((idx, int(channel), entry_domain))

    def know(self, idx: np.ndarray, channel: int, week: int) -> None:
        """Channel ``channel`` knows of the open cases of households ``idx`` (e.g. a 民生委員 visiting a
        household already supported): recorded in the channel history, without a referral."""
        h = self.history
        h.reserve(len(idx))
        h.size = _know(
            idx, self.hh.case, self.hh.stage, self.cols["known_by"], np.uint32(1 << channel), channel, week,
            h.cols["case"], h.cols["channel"], h.cols["week"], h.cols["stage"], h.size,
        )  # fmt: skip

    def is_reachable(self, idx: np.ndarray) -> np.ndarray:
        """Whether households ``idx`` have a problem and no contact with services (channels can find them)."""
        return (self.hh.case[idx] >= 0) & (self.hh.service[idx] == ServiceStatus.UNKNOWN)

    def record_detections(self, week: int) -> None:
        """Pick one channel per household found this week, record first detections, refer them.

        Every channel that found a household this week joins the case's channel history, the
        chosen one or not.
        """
        proposals = [(i, c, e) for i, c, e in self._proposals if len(i)]
        if not proposals:
            return
        for idx, channel, _ in proposals:
            self.know(idx, channel, week)
        entry = [np.full(len(i), -1, dtype=np.int8) if e is None else e.astype(np.int8) for i, _, e in proposals]
        if len(proposals) == 1 and _strictly_increasing(proposals[0][0]):
            # One channel found each household once: it is the channel (the pick's draw is not needed).
            households = proposals[0][0]
            chosen = np.full(len(households), proposals[0][1], dtype=np.int8)
            chosen_entry = entry[0]
        else:
            idx = np.concatenate([i for i, _, _ in proposals])
            ch = np.repeat(np.array([c for _, c, _ in proposals], dtype=np.int8), [len(i) for i, _, _ in proposals])
            hint = np.concatenate(entry)
            order = np.lexsort((ch, idx))
            idx, ch, hint = idx[order], ch[order], hint[order]
            starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
            counts = np.empty_like(starts)  # each household's proposals (np.diff with append: slower)
            counts[:-1] = starts[1:] - starts[:-1]
            counts[-1] = len(idx) - starts[-1]
            households = idx[starts]
            u = self._detection_stream.uniform(week, households)
            pick = starts + (u * counts).astype(np.int64)
            chosen, chosen_entry = ch[pick], hint[pick]
        self.hh.entry_domain[households] = chosen_entry
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
        self.take_in(idx, desk, coverage, _statuses(len(idx), ServiceStatus.WAITING), None, week)

    def advise(self, idx: np.ndarray, desk: np.ndarray, coverage: np.ndarray, until: int, week: int) -> None:
        """Desks accepted households ``idx`` and gave information or advice only (情報提供・助言).

        No caseload place: the desk follows up until week ``until``, then the household is out of contact.
        """
        self.take_in(idx, desk, coverage, _statuses(len(idx), ServiceStatus.ADVISED), np.full(len(idx), until), week)

    def link_to_service(self, idx: np.ndarray, desk: np.ndarray, coverage: np.ndarray, until: int, week: int) -> None:
        """Desks accepted households ``idx`` and linked them to a service outside the desks (つなぎ).

        No caseload place at the desk; the service carries the household until week ``until``.
        """
        self.take_in(idx, desk, coverage, _statuses(len(idx), ServiceStatus.LINKED), np.full(len(idx), until), week)

    def take_in(
        self,
        idx: np.ndarray,
        desk: np.ndarray,
        coverage: np.ndarray,
        status: np.ndarray,
        until: np.ndarray | None,
        week: int,
    ) -> None:
        """Desks accepted households ``idx`` and triaged each (:meth:`accept`, :meth:`advise` and
        :meth:`link_to_service` in one pass, for a week's intake).

        ``status`` is each one's outcome: WAITING (a plan: it waits for a professional), ADVISED or
        LINKED (no caseload place; followed up until its week in ``until``).
        """
        hh = self.hh
        hh.service[idx] = status
        if until is not None:
            light = status != ServiceStatus.WAITING
            hh.service_until[idx[light]] = until[light]
        hh.waiting_since[idx] = week
        hh.desk[idx] = desk
        hh.coverage[idx] = coverage
        hh.referral_attempts[idx] = 0
        cases = hh.case[idx]
        # The acceptance that leads to support counts (an earlier one may have ended in a refusal).
        self.set("intake_week", cases[self.support_start_week[cases] == NOT_YET], week)
        self.set("desk", cases, desk)
        self.note_outcome(cases, _OUTCOME_OF_STATUS[status])
        self.accounts.count("intakes", idx)

    def note_outcome(self, cases: np.ndarray, outcome: int | np.ndarray) -> None:
        """The ledger keeps the most a desk did for each case (DESK_OUTCOME_KEYS order; one outcome or one per case)."""
        self.set("desk_outcome", cases, np.maximum(self.desk_outcome[cases], outcome))

    def refer_again(self, idx: np.ndarray) -> None:
        """Households ``idx``, already known, come back to the desks (routed again at next intake)."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.REFERRED
        hh.referral_attempts[idx] = 0
        self.accounts.count("referrals", idx)

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
        """Households in ``status`` (GAVE_UP, REFUSED, ADVISED or LINKED) whose time has ended can be found again."""
        cooling = self.in_status(status)
        self.hh.service[cooling[self.hh.service_until[cooling] <= week]] = ServiceStatus.UNKNOWN

    def start_support(self, idx: np.ndarray, professional: np.ndarray, week: int) -> None:
        """Professionals ``professional`` take on households ``idx``."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.SUPPORTED
        hh.professional[idx] = professional
        self.staff.take(professional)
        cases = hh.case[idx]
        self.set("support_start_week", cases[self.support_start_week[cases] == NOT_YET], week)
        self.accounts.count("support_starts", idx)

    def end_plan(self, idx: np.ndarray, until: int, week: int) -> None:
        """The desks end the plans of households ``idx`` (終結) with the problem still open.

        The professional's place is free; the desk follows the household up until week ``until``
        (ADVISED), then it is out of contact and can be found again.
        """
        hh = self.hh
        self.staff.release(hh.professional[idx])
        hh.professional[idx] = -1
        hh.service[idx] = ServiceStatus.ADVISED
        hh.service_until[idx] = until
        hh.waiting_since[idx] = week
        hh.consented[idx] = False

    def waiting(self) -> np.ndarray:
        """Households accepted by a desk and waiting for a professional."""
        return self.in_status(ServiceStatus.WAITING)

    def in_status(self, status: ServiceStatus) -> np.ndarray:
        """Households with an open case whose service status is ``status`` (in order)."""
        return _in_status(self.open_idx, self.hh.service, int(status))


class ChannelHistory:
    """Every channel that knew of a case, and the week and stage when it first did (one row each)."""

    FIELDS = (("case", np.int32), ("channel", np.int8), ("week", np.int32), ("stage", np.int8))

    def __init__(self) -> None:
        self.size = 0
        self.cols = {name: np.zeros(1024, dtype=dt) for name, dt in self.FIELDS}

    def add(self, cases: np.ndarray, channel: int, week: int, stage: np.ndarray) -> None:
        """Channel ``channel`` first knew of ``cases`` in ``week``, at ``stage``."""
        self.reserve(len(cases))
        end = self.size + len(cases)
        self.cols["case"][self.size : end] = cases
        self.cols["channel"][self.size : end] = channel
        self.cols["week"][self.size : end] = week
        self.cols["stage"][self.size : end] = stage
        self.size = end

    def reserve(self, k: int) -> None:
        """Make room for ``k`` more rows."""
        if self.size + k > len(self.cols["case"]):
            cap = max(self.size + k, 2 * len(self.cols["case"]))
            self.cols = {
                n: np.concatenate([c[: self.size], np.zeros(cap - self.size, c.dtype)]) for n, c in self.cols.items()
            }

    def rows(self) -> dict[str, np.ndarray]:
        """The history's columns (views)."""
        return {name: col[: self.size] for name, col in self.cols.items()}

    def carry(self, warm: ChannelHistory, old_cases: np.ndarray, new_cases: np.ndarray) -> None:
        """Start from the rows of a warm-up's cases ``old_cases``, renumbered to ``new_cases``."""
        rows = warm.rows()
        renumber = np.full(max(int(rows["case"].max(initial=-1)), int(old_cases.max(initial=-1))) + 1, -1)
        renumber[old_cases] = new_cases
        keep = np.flatnonzero(renumber[rows["case"]] >= 0)
        self.cols = {
            name: np.concatenate([rows[name][keep], np.zeros(1024, col.dtype)]) for name, col in self.cols.items()
        }
        self.cols["case"][: len(keep)] = renumber[rows["case"][keep]]
        self.size = len(keep)


# What the desk did for a case (DESK_OUTCOME_KEYS) by the status its triage gave the household.
_OUTCOME_OF_STATUS = np.zeros(len(ServiceStatus), dtype=np.int8)
_OUTCOME_OF_STATUS[ServiceStatus.WAITING] = DESK_OUTCOME_KEYS.index("plan")
_OUTCOME_OF_STATUS[ServiceStatus.ADVISED] = DESK_OUTCOME_KEYS.index("advice")
_OUTCOME_OF_STATUS[ServiceStatus.LINKED] = DESK_OUTCOME_KEYS.index("service")


@numba.njit(cache=True)
def _know(
    idx: np.ndarray,
    case: np.ndarray,
    stage: np.ndarray,
    known_by: np.ndarray,
    bit: np.uint32,
    channel: int,
    week: int,
    h_case: np.ndarray,
    h_channel: np.ndarray,
    h_week: np.ndarray,
    h_stage: np.ndarray,
    size: int,
) -> int:
    """:meth:`CaseBook.know` in one pass: the open cases of ``idx`` that the channel (``bit``) did not
    know yet join the channel history (rows from ``size``); returns the history's new size.

    Which are new is decided for all of ``idx`` before any is marked, as a vectorised test would.
    """
    first = np.zeros(idx.shape[0], dtype=np.bool_)
    for k in range(idx.shape[0]):
        c = case[idx[k]]
        first[k] = c >= 0 and (known_by[c] & bit) == 0
    for k in range(idx.shape[0]):
        if first[k]:
            c = case[idx[k]]
            known_by[c] |= bit
            h_case[size], h_channel[size], h_week[size], h_stage[size] = c, channel, week, stage[idx[k]]
            size += 1
    return size


@numba.njit(cache=True)
def _in_status(open_idx: np.ndarray, service: np.ndarray, status: int) -> np.ndarray:
    """``open_idx[service[open_idx] == status]`` in one pass."""
    out = np.empty(open_idx.shape[0], dtype=open_idx.dtype)
    k = 0
    for i in open_idx:
        if service[i] == status:
            out[k] = i
            k += 1
    return out[:k]


def _statuses(n: int, status: ServiceStatus) -> np.ndarray:
    return np.full(n, status, dtype=np.int8)


def _strictly_increasing(idx: np.ndarray) -> bool:
    return bool((idx[1:] > idx[:-1]).all())


# Flows the case book counts, in the order of the weekly table.
CASE_FLOWS = ("onsets", "progressions", "resolutions", "referrals", "intakes", "refusals", "support_starts")
