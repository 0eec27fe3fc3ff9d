"""ひきこもり: a withdrawn member is a standing household problem, found and supported like any other."""

from __future__ import annotations

import numba
import numpy as np

from sim.domain import Condition, Domain, HouseholdType, ServiceStatus, Stage
from sim.engine.members import update_members
from sim.mechanisms.base import Mechanism
from sim.params import Param, weekly_from_mean_weeks
from sim.state import State

WITHDRAWAL_BIT = np.uint16(1 << Domain.WITHDRAWAL)


class Withdrawal(Mechanism):
    """A household with a withdrawn member (ひきこもり) holds a problem with the withdrawal domain,
    at least LATENT, for as long as the withdrawal lasts.

    The withdrawal ends with weekly probability ``1 / mean_weeks``, times ``support_multiplier``
    while a professional supports the household and ``participation_multiplier`` while 参加支援
    links it to a 居場所 or a work trial. New withdrawals start among households with a member
    aged 15–64 and no problem: each week as many, on average, as would end among the town's
    withdrawn households without support, so that without services the withdrawn count holds
    where the town began and support lowers it. While the withdrawal lasts, the case cannot close: when its other problems resolve it
    eases back to LATENT (the case book's standing domains); when the withdrawal ends and nothing
    else is left, the case closes.

    The warm-up settles cases around the town as it is today; it does not change who lives there.
    So the withdrawn adult child of an 8050 household (the type is defined by that child) stays
    withdrawn through the warm-up, and starts elsewhere replace only the other withdrawals that end
    then; from week 1 every withdrawal ends at the same rate and starts replace them all.
    """

    name = "withdrawal"
    phase = "state"
    title_ja = "ひきこもり"
    title_en = "Withdrawal (ひきこもり)"
    switch_ja = (
        "家族の誰かがひきこもっている世帯は、それ自体が世帯の課題（少なくとも潜在的）です。"
        "長く続き、支援や居場所につながると終わりやすくなります。オフにすると、ひきこもりを世帯の課題として扱いません（研究用）。"
    )
    switch_en = (
        "A household with a withdrawn member holds a problem (at least latent); it lasts years and ends sooner "
        "with support or a place to go. Off: withdrawal is not a household problem (for research)."
    )
    slide_group = "structure"
    STATES = (State("withdrawn", np.bool_, False, "A member is withdrawn (ひきこもり)."),)
    PARAMS = {
        "mean_weeks": Param(
            520.0,
            "Mean duration of a withdrawal, in weeks, without support.",
            "KHJ 全国ひきこもり家族会連合会 survey: mean duration 10.8 years among members' families; "
            "内閣府 こども・若者の意識と生活に関する調査 2022: more than half of withdrawn people aged 40–64 for "
            "5 years or more. Assumption: 10 years.",
            low=1.0,
            high=100_000.0,
        ),
        "support_multiplier": Param(
            2.0,
            "How much faster a withdrawal ends while a professional supports the household.",
            "Assumption: ひきこもり地域支援センター follow-ups report gradual change over years, not months.",
            low=1.0,
            high=100.0,
        ),
        "participation_multiplier": Param(
            2.0,
            "How much faster a withdrawal ends while 参加支援 links the household to a 居場所 or a work trial.",
            "Assumption: a place to go is the step out most programmes aim at (厚労省 ひきこもり支援ハンドブック 2025).",
            low=1.0,
            high=100.0,
        ),
    }

    def setup(self) -> None:
        run, town = self.run, self.run.town
        has_member = np.zeros(town.n_households, dtype=bool)
        withdrawn = (town.res_conditions & (1 << Condition.WITHDRAWAL)) > 0
        has_member[town.res_household[withdrawn]] = True
        self.initial = has_member
        age = town.res_age
        self.eligible = np.zeros(town.n_households, dtype=bool)
        self.eligible[town.res_household[(age >= 15) & (age <= 64)]] = True
        self.end_weekly = float(weekly_from_mean_weeks(np.array([self.p.mean_weeks]))[0])
        self.defining = has_member & (town.htype == HouseholdType.H8050)  # kept through the warm-up
        # New withdrawals each week: as many as would end among the town's withdrawn without support
        # (in the warm-up, among those other than the 8050 households'), so that without services the
        # withdrawn count stays where the town began, and support or 参加支援 lower it.
        run_of = run.worlds.hh
        self.starts_weekly = self.end_weekly * np.bincount(run_of, weights=self.initial, minlength=run.n_runs)
        self.starts_weekly_warm = self.end_weekly * np.bincount(
            run_of, weights=self.initial & ~self.defining, minlength=run.n_runs
        )
        run.hh.withdrawn[:] = self.initial  # the town's withdrawn members (a warm-up's state replaces it)
        self.members = np.zeros(0, dtype=np.int64)  # the withdrawn households, from start()

    def withdrawn_now(self) -> np.ndarray:
        """Which households have a withdrawn member this week (switched off: the town's, as drawn)."""
        return self.run.hh.withdrawn if self.enabled else self.initial

    def start(self) -> None:
        hh = self.run.hh
        if not self.enabled:
            hh.withdrawn.fill(False)
            hh.standing_domains &= ~WITHDRAWAL_BIT
            return
        hh.standing_domains[hh.withdrawn] |= WITHDRAWAL_BIT
        # The withdrawn households, kept up to date as they start and end (only this mechanism
        # changes hh.withdrawn once the run has started): no scan of the town each week.
        self.members = np.flatnonzero(hh.withdrawn)

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        self._end(week)
        can_start = self.eligible & ~hh.withdrawn
        can_start &= hh.stage == int(Stage.NONE)  # a plain int: numpy compares int8 without converting the town
        can_start &= ~hh.changed
        idx = np.flatnonzero(can_start)
        expected = self.starts_weekly_warm if week <= 0 else self.starts_weekly  # weeks ≤ 0: the warm-up
        # Each run's expected starts, spread over who can start there.
        starts = _spread_starts(idx, self.draw(week, idx, 1), run.worlds.hh, expected)
        hh.withdrawn[starts] = True
        self.members = update_members(self.members, starts, np.ones(len(starts), dtype=np.bool_))
        hh.standing_domains[starts] |= WITHDRAWAL_BIT  # the others already hold it (start, _end)
        self._hold(week)

    def _end(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        idx = self.members[~self.defining[self.members]] if week <= 0 else self.members
        ends = _ends(
            idx, self.draw(week, idx), hh.service, hh.linked_venue, hh.work_trial,
            self.end_weekly, self.p.support_multiplier, self.p.participation_multiplier,
        )  # fmt: skip
        if len(ends) == 0:
            return
        hh.withdrawn[ends] = False
        self.members = update_members(self.members, ends, np.zeros(len(ends), dtype=np.bool_))
        hh.standing_domains[ends] &= ~WITHDRAWAL_BIT
        open_ = ends[hh.case[ends] >= 0]
        rest = hh.domains[open_] & ~WITHDRAWAL_BIT
        done = open_[rest == 0]
        supported = hh.service[done] == ServiceStatus.SUPPORTED
        run.cases.resolve(done[supported], week, "support")
        run.cases.resolve(done[~supported], week, "natural")
        kept = open_[rest != 0]
        hh.domains[kept] = rest[rest != 0]
        run.cases.set("domains", hh.case[kept], hh.domains[kept])

    def _hold(self, week: int) -> None:
        """Every withdrawn household holds the withdrawal domain in an open case."""
        run, hh = self.run, self.run.hh
        withdrawn = self.members
        without_case = withdrawn[hh.case[withdrawn] < 0]
        if len(without_case):
            run.cases.open(without_case, week, np.full(len(without_case), Domain.WITHDRAWAL))
        missing = withdrawn[(hh.case[withdrawn] >= 0) & ((hh.domains[withdrawn] & WITHDRAWAL_BIT) == 0)]
        if len(missing):
            run.cases.add_domains(missing, WITHDRAWAL_BIT)


@numba.njit(cache=True)
def _spread_starts(idx: np.ndarray, u: np.ndarray, run_of: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The households of ``idx`` whose draw ``u`` falls below their run's rate: its ``expected``
    starts over its candidates among ``idx`` (at most 1)."""
    candidates = np.zeros(expected.shape[0], dtype=np.int64)
    for i in idx:
        candidates[run_of[i]] += 1
    rate = np.empty(expected.shape[0])
    for r in range(expected.shape[0]):
        rate[r] = min(1.0, expected[r] / max(candidates[r], 1))
    out = np.empty(idx.shape[0], dtype=idx.dtype)
    k = 0
    for j in range(idx.shape[0]):
        if u[j] < rate[run_of[idx[j]]]:
            out[k] = idx[j]
            k += 1
    return out[:k]


@numba.njit(cache=True)
def _ends(
    idx: np.ndarray,
    u: np.ndarray,
    service: np.ndarray,
    linked_venue: np.ndarray,
    work_trial: np.ndarray,
    end_weekly: float,
    support_multiplier: float,
    participation_multiplier: float,
) -> np.ndarray:
    """The withdrawn households of ``idx`` whose draw ``u`` falls below their chance of ending it: the
    weekly rate, raised under support (SUPPORTED) and by 参加支援 (a venue or a work trial)."""
    out = np.empty(idx.shape[0], dtype=idx.dtype)
    k = 0
    for j in range(idx.shape[0]):
        i = idx[j]
        factor = 1.0
        if service[i] == ServiceStatus.SUPPORTED:
            factor *= support_multiplier
        if linked_venue[i] >= 0 or work_trial[i]:
            factor *= participation_multiplier
        if u[j] < min(1.0, end_weekly * factor):
            out[k] = i
            k += 1
    return out[:k]
