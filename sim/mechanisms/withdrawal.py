"""ひきこもり: a withdrawn member is a standing household problem, found and supported like any other."""

from __future__ import annotations

import numpy as np

from sim.domain import Condition, Domain, HouseholdType, ServiceStatus, Stage
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

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        self._end(week)
        can_start = self.eligible & ~hh.withdrawn
        can_start &= hh.stage == int(Stage.NONE)  # a plain int: numpy compares int8 without converting the town
        can_start &= ~hh.changed
        idx = np.flatnonzero(can_start)
        expected = self.starts_weekly_warm if week <= 0 else self.starts_weekly  # weeks ≤ 0: the warm-up
        if run.n_runs == 1:
            rate: np.ndarray | float = min(1.0, expected[0] / max(len(idx), 1))
        else:
            run_of = run.worlds.hh[idx]
            candidates = np.bincount(run_of, minlength=run.n_runs)
            rate = np.minimum(1.0, expected / np.maximum(candidates, 1))[run_of]  # spread over who can start
        starts = idx[self.draw(week, idx, 1) < rate]
        hh.withdrawn[starts] = True
        hh.standing_domains[starts] |= WITHDRAWAL_BIT  # the others already hold it (start, _end)
        self._hold(week)

    def _end(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        idx = np.flatnonzero(hh.withdrawn & ~self.defining) if week <= 0 else np.flatnonzero(hh.withdrawn)
        factor = np.ones(len(idx))
        factor[hh.service[idx] == ServiceStatus.SUPPORTED] *= self.p.support_multiplier
        linked = (hh.linked_venue[idx] >= 0) | hh.work_trial[idx]
        factor[linked] *= self.p.participation_multiplier
        ends = idx[self.draw(week, idx) < np.minimum(1.0, self.end_weekly * factor)]
        if len(ends) == 0:
            return
        hh.withdrawn[ends] = False
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
        withdrawn = np.flatnonzero(hh.withdrawn)
        without_case = withdrawn[hh.case[withdrawn] < 0]
        if len(without_case):
            run.cases.open(without_case, week, np.full(len(without_case), Domain.WITHDRAWAL))
        missing = withdrawn[(hh.case[withdrawn] >= 0) & ((hh.domains[withdrawn] & WITHDRAWAL_BIT) == 0)]
        if len(missing):
            run.cases.add_domains(missing, WITHDRAWAL_BIT)
