"""多機関協働: the 事務局 takes referrals, the 重層的支援会議 accepts cases, and coordinators convene teams."""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus, Stage
from sim.engine.accounts import Role
from sim.engine.capacity import first_places
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.mechanisms.consent import Consent
from sim.params import Param
from sim.state import NOT_YET, State


class MultiAgencyTeam(Mechanism):
    """Teams form through a referral and an acceptance, within the coordinators' places.

    * **Referral.** A desk refers a household it holds (waiting for or under a plan) whose
      problem is COMPLEX with weekly ``referral_probability``; a desk that meets a problem no
      desk kind covers (制度の狭間, slide 1-2) refers the household to the 事務局 at intake
      (:meth:`refer`). Each referral books ``hours_per_referral`` of coordinator time.
    * **Acceptance.** Every ``meeting_interval_weeks`` the 重層的支援会議 takes up the referred
      households (consent needed while consent is asked): it accepts each with
      ``acceptance_probability``, 狭間 referrals first, then the earliest, while team places are free; an
      accepted case gets a team, one declined may be referred again ``re_referral_weeks`` after
      the decision, and one for which no place was free waits for the next meeting.
    * **Places.** The municipality has max(1, ``coordinators_per_100k_people`` × its residents /
      100,000) 相談支援包括化推進員 (常勤換算); the town has its share by population, and
      max(1, round(its coordinators × ``teams_per_coordinator``)) team places.

    A teamed case escapes the single-agency penalty of professional support and its coverage
    becomes 1 (the team spans every domain, informal partners included); a team stays until the
    case closes and books ``hours_per_team_week`` of coordinator time.
    """

    name = "multi_agency_team"
    phase = "service"
    off_in_baseline = True
    title_ja = "多機関協働"
    title_en = "Multi-agency teams (多機関協働)"
    switch_ja = (
        "重層の事務局が窓口からの相談（制度の狭間の世帯を含む）を受け、重層的支援会議で引き受けた複雑な事例を、"
        "相談支援包括化推進員が複数の機関のチームで支えます。"
    )
    switch_en = (
        "The 重層 secretariat takes referrals from desks (households in the gaps between systems included); cases the "
        "重層的支援会議 accepts get a team of several agencies convened by coordinators."
    )
    slide_group = "services"
    in_workshop = True
    seed_ja = "関係機関が協働して、チームとして課題に対応するための体制づくり（多機関協働の中核の機能、厚生労働省資料2023；2-3）"
    STATES = (
        State("team", np.bool_, False, "A 多機関協働 team handles the case.", per_case=True),
        State(
            "team_referred",
            np.int32,
            NOT_YET,
            "Week a desk referred the case to the 重層 事務局 (NOT_YET: not referred).",
            per_case=True,
        ),
        State(
            "team_gap",
            np.bool_,
            False,
            "The desk referred the case to the 事務局 because no desk covers one of its problems (制度の狭間).",
            per_case=True,
        ),
        State(
            "team_decided",
            np.int32,
            NOT_YET,
            "Week the 重層的支援会議 decided on the referral (NOT_YET: pending).",
            per_case=True,
        ),
    )
    COLUMNS = (
        Column("team_referrals", "Households desks referred to the 重層 事務局 this week."),
        Column("teams_formed", "多機関協働 teams the 重層的支援会議 formed this week."),
    )
    ROLES = (Role("coordinator", "相談支援包括化推進員", "coordinators"),)
    PARAMS = {
        "coordinators_per_100k_people": Param(
            1.5,
            "相談支援包括化推進員 per 100,000 residents of the municipality (at least one per municipality); a "
            "town that is part of a municipality has its share.",
            "1–3 per municipality in the FY2016 model project (S2); ≈2 for a city of 140,000.",
            low=0.0,
            high=1000.0,
        ),
        "teams_per_coordinator": Param(
            15,
            "Complex cases a full-time coordinator can convene a team for at once.",
            "Assumption: a monthly case conference for each of about fifteen households.",
            kind="int",
            low=1,
            high=1000,
        ),
        "hours_per_team_week": Param(
            1.5,
            "Coordinator hours a team takes each week (conferences, liaison, records).",
            "Assumption.",
            low=0.0,
            high=168.0,
        ),
        "referral_probability": Param(
            0.03,
            "Weekly probability that a desk refers a complex case it holds to the 重層 事務局.",
            "Assumption: desks refer about a third of their complex cases within a year; in FY2023 about one in five "
            "implementing municipalities reported no 多機関協働 case at all (財政制度等審議会 2024-11-13 資料).",
            low=0.0,
            high=1.0,
        ),
        "acceptance_probability": Param(
            0.6,
            "Probability that the 重層的支援会議 accepts a referred case as a 多機関協働 case.",
            "Assumption: the meeting takes on cases that need several agencies and sends the rest back to the desk "
            "(重層的支援体制整備事業実施要綱: 多機関協働事業).",
            low=0.0,
            high=1.0,
        ),
        "meeting_interval_weeks": Param(
            4,
            "Weeks between meetings of the 重層的支援会議 that decide on referrals.",
            "Assumption: monthly.",
            kind="int",
            low=1,
            high=52,
        ),
        "re_referral_weeks": Param(
            26,
            "Weeks after a declined referral before the desk may refer the case again.",
            "Assumption: half a year.",
            kind="int",
            low=0,
            high=10_000,
        ),
        "hours_per_referral": Param(
            3.0,
            "Coordinator hours the 事務局 spends on a referral (assessment, preparing the meeting).",
            "Assumption.",
            low=0.0,
            high=100.0,
        ),
    }

    def setup(self) -> None:
        run = self.run
        municipal = np.maximum(1.0, self.p.coordinators_per_100k_people * run.municipality_people() / 100_000)
        self.coordinators = municipal * run.municipal_share  # the town's share, 常勤換算
        self.places = np.maximum(1, np.round(self.coordinators * self.p.teams_per_coordinator)).astype(np.int64)

    def refer(self, idx: np.ndarray, week: int, gap: bool = False) -> None:
        """Desks refer households ``idx`` to the 事務局 (those already on its list stay where they are).

        ``gap``: the referral is for a problem no desk covers (制度の狭間); the meeting takes these first.
        """
        hh = self.run.hh
        idx = idx[(hh.team_referred[idx] == NOT_YET) & ~hh.team[idx]]
        if len(idx) == 0:
            return
        hh.team_referred[idx] = week
        hh.team_decided[idx] = NOT_YET
        hh.team_gap[idx] = gap
        cases = self.run.cases
        first = hh.case[idx]
        first = first[cases.team_referral_week[first] == NOT_YET]
        cases.set("team_referral_week", first, week)
        self.run.accounts.count("team_referrals", idx)
        self.run.accounts.book_hours(
            "coordinator",
            self.run.accounts.per_run(idx) * self.p.hours_per_referral,
            self.run.accounts.per_run(idx) > 0,
        )

    def step(self, week: int) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        o = run.cases.open_idx
        held = o[(hh.service[o] == ServiceStatus.SUPPORTED) | (hh.service[o] == ServiceStatus.WAITING)]
        # Desks refer complex cases they hold (again, half a year after a refusal by the meeting).
        may = ~hh.team[held] & (hh.stage[held] == Stage.COMPLEX)
        may &= (hh.team_referred[held] == NOT_YET) | (
            (hh.team_decided[held] != NOT_YET) & (hh.team_decided[held] <= week - p.re_referral_weeks)
        )
        candidates = held[may]
        self.refer(candidates[self.draw(week, candidates) < p.referral_probability], week)
        if week % p.meeting_interval_weeks == 0:
            self._meet(held, week)
        teamed = held[hh.team[held]]
        run.accounts.book_hours("coordinator", run.accounts.per_run(teamed) * p.hours_per_team_week)

    def _meet(self, held: np.ndarray, week: int) -> None:
        """The 重層的支援会議 decides on the pending referrals."""
        run, hh = self.run, self.run.hh
        pending = held[(hh.team_referred[held] != NOT_YET) & (hh.team_decided[held] == NOT_YET) & ~hh.team[held]]
        if run.mechanism(Consent).enabled:
            pending = pending[hh.consented[pending]]  # the 重層的支援会議 works with consent (slide 1-4)
        if len(pending) == 0:
            return
        accepted = self.draw(week, pending, 1) < self.p.acceptance_probability
        declined = pending[~accepted]
        hh.team_decided[declined] = week
        queue = pending[accepted]
        queue = queue[np.lexsort((queue, hh.team_referred[queue], ~hh.team_gap[queue]))]  # 狭間 first
        teamed = held[hh.team[held]]
        free = np.maximum(0, self.places - run.accounts.per_run(teamed))
        chosen = queue[first_places(run.worlds.hh[queue], free)]  # each run's own places; the rest wait
        hh.team[chosen] = True
        hh.team_decided[chosen] = week
        hh.coverage[chosen] = 1.0
        run.cases.set("team_week", hh.case[chosen], week)
        run.accounts.count("teams_formed", chosen)
