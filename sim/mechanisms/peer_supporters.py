"""受け手を担い手に: a few people the services helped are trained as peer supporters who accompany and connect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.domain import ServiceStatus
from sim.engine.accounts import Role
from sim.engine.capacity import first_places, share_by_priority
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import NOT_YET, State

NONE, TRAINING, ACTIVE, FORMER = 0, 1, 2, 3  # peer_status


class PeerSupporters(Mechanism):
    """Few, trained, supervised peer supporters who mostly accompany and connect.

    * **Recruitment.** A household whose case closed under support is invited with
      ``become_probability``, while the town has fewer than ``max_per_100k_people`` (its share)
      in training or active. Training takes ``training_weeks`` and ``training_hours`` of paid
      staff time (role ``peer_coordinator``).
    * **Active peers** are supervised (``supervision_hours_per_week``, paid) and give
      ``hours_per_week`` of volunteer time (role ``peer_supporter``); each leaves with weekly
      probability 1 / ``mean_active_weeks`` and does not come back.
    * **Accompanying.** Each active peer accompanies up to ``households_per_peer`` households
      whose case closed under support, for ``accompany_weeks`` each: their extra relapse risk is
      × (1 − ``relapse_reduction``), and they count as accompanied by a resident in 伴走支援.
    * **Connecting.** Each active peer makes ``connect_per_week`` contacts with households that
      gave up at a desk or refused support: trust grows as by consent's ``trust_per_contact``, and a
      household that gave up comes back to a desk with the peer with ``reconnect_probability``.
    * **Screening strangers** is a small part of the work: ``screening_contacts_per_week`` per
      active peer join the outreach mechanism's contacts (with outreach's priorities), as
      volunteer hours of ``hours_per_contact``.

    A 自立支援協議会 that opens a ピアサポート resource (slide 3-1) starts the same project in its own
    run even when the switch is off.
    """

    name = "peer_supporters"
    phase = "service"
    off_in_baseline = True
    title_ja = "受け手を担い手に（ピアサポート）"
    title_en = "Peer supporters (受け手を担い手に)"
    switch_ja = (
        "支援を受けて立ち直った人の一部が研修を受けてピアサポーターになり、職員の支えのもとで、"
        "支援を終えた人に寄り添い、相談をあきらめた人や断った人を窓口につなぎ直します。"
    )
    switch_en = (
        "A few people who were helped are trained as peer supporters; supervised by staff, they accompany people "
        "after support and reconnect those who gave up or refused."
    )
    slide_group = "services"
    STATES = (
        State("peer_status", np.int8, NONE, "Peer supporter: 0 none, 1 in training, 2 active, 3 former."),
        State("peer_since", np.int32, NOT_YET, "Week the household's peer supporter started training."),
        State("peer_accompanied_until", np.int32, NOT_YET, "Last week a peer supporter accompanies the household."),
    )
    ROLES = (
        Role("peer_supporter", "ピアサポーター", "peer supporters", volunteer=True),
        Role("peer_coordinator", "ピアサポート担当職員", "peer-support staff"),
    )
    PARAMS = {
        "become_probability": Param(
            0.05,
            "Probability that a household whose case closed under support is invited and trains as a peer supporter "
            "(while there is room).",
            "Assumption: few are asked and willing (slide 1-3: 受け手を担い手にする).",
            low=0.0,
            high=1.0,
        ),
        "max_per_100k_people": Param(
            20.0,
            "Peer supporters in training or active a municipality can train and supervise, per 100,000 residents.",
            "Assumption: peer support projects train cohorts of about ten to twenty (障害者ピアサポート研修 基礎・専門, "
            "地域生活支援事業 2020; ピアサポート体制加算 2021 requires trained, supervised peers).",
            low=0.0,
            high=10_000.0,
        ),
        "training_weeks": Param(
            13, "Weeks of training before a peer supporter is active.", "Assumption.", kind="int", low=0, high=520
        ),
        "training_hours": Param(
            30.0,
            "Paid staff hours to train one peer supporter (sessions, preparation).",
            "Assumption: a basic and a specialised course of about two days each (障害者ピアサポート研修).",
            low=0.0,
            high=1000.0,
        ),
        "supervision_hours_per_week": Param(
            0.5,
            "Paid staff hours a week to supervise one active peer supporter.",
            "Assumption: a monthly supervision session and ad hoc support.",
            low=0.0,
            high=40.0,
        ),
        "mean_active_weeks": Param(
            104.0,
            "Mean weeks a peer supporter stays active (weekly attrition 1 / this).",
            "Assumption: volunteers' own lives and health intervene; about two years.",
            low=1.0,
            high=10_000.0,
        ),
        "hours_per_week": Param(
            3.0,
            "Volunteer hours an active peer supporter gives a week (accompanying and connecting).",
            "Assumption.",
            low=0.0,
            high=40.0,
        ),
        "households_per_peer": Param(
            2,
            "Households an active peer supporter accompanies at once.",
            "Assumption.",
            kind="int",
            low=0,
            high=100,
        ),
        "accompany_weeks": Param(
            26,
            "Weeks a peer supporter accompanies a household.",
            "Assumption: half a year.",
            kind="int",
            low=0,
            high=520,
        ),
        "relapse_reduction": Param(
            0.3,
            "Share of the extra relapse risk that a peer supporter's company removes.",
            "Assumption: somewhat less than professional 伴走支援.",
            low=0.0,
            high=1.0,
        ),
        "connect_per_week": Param(
            0.5,
            "Contacts an active peer supporter makes a week with households that gave up or refused support.",
            "Assumption: a visit every fortnight.",
            low=0.0,
            high=20.0,
        ),
        "reconnect_probability": Param(
            0.3,
            "Probability that a household that gave up comes back to a desk when a peer supporter calls.",
            "Assumption: peers reach those who distrust services (ひきこもりピアサポート, 当事者活動).",
            low=0.0,
            high=1.0,
        ),
        "screening_contacts_per_week": Param(
            0.1,
            "Contacts an active peer supporter makes a week with households nobody knows yet (through outreach).",
            "Assumption: screening strangers is a small part of peer work.",
            low=0.0,
            high=20.0,
        ),
        "hours_per_contact": Param(2.0, "Volunteer hours per screening contact.", "Assumption.", low=0.0, high=24.0),
    }

    def setup(self) -> None:
        run = self.run
        self.active_runs = np.full(run.n_runs, self.enabled, dtype=bool)  # runs where a peer project exists
        self.cap = np.floor(self.p.max_per_100k_people * run.people / 100_000 + 0.5).astype(np.int64)
        self.contacts = np.zeros(run.n_runs)  # screening contacts a week the peers offer outreach, per run

    def open_in_run(self, run: int) -> None:
        """A council's ピアサポート resource: a peer project in run ``run`` from now on."""
        self.active_runs[run] = True

    def acts_weekly(self) -> bool:
        """A council can open a project mid-run: then the project acts from the next week."""
        return bool(self.active_runs.any())

    def weekly_actions(self) -> dict[str, Callable[[int], None]]:
        """The project runs wherever it exists: switched on, or opened by a council in some run."""
        return {self.phase: self.step} if self.active_runs.any() else {}

    def start(self) -> None:
        # Peer supporters of today's town (from the warm-up) work from the first week where a project exists.
        self._count_contacts()

    def _count_contacts(self, members: np.ndarray | None = None) -> None:
        """Screening contacts the active peers offer outreach (``members``: households that were ever peers)."""
        status = self.run.hh.peer_status
        members = np.flatnonzero(status != NONE) if members is None else members
        active = self.run.accounts.per_run(members[status[members] == ACTIVE])
        self.contacts = active * self.p.screening_contacts_per_week * self.active_runs

    def step(self, week: int) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        # Peers past and present are a few households: one scan of the town, then work on those.
        members = np.flatnonzero(hh.peer_status != NONE)
        member_in_project = self.active_runs[run.worlds.hh[members]]
        # Attrition, then those who finished training become active.
        peers = members[(hh.peer_status[members] == ACTIVE) & member_in_project]
        leaves = peers[self.draw(week, peers, 1) < 1.0 / p.mean_active_weeks]
        hh.peer_status[leaves] = FORMER
        status = hh.peer_status[members]
        trained = members[
            (status == TRAINING) & (hh.peer_since[members] <= week - p.training_weeks) & member_in_project
        ]
        hh.peer_status[trained] = ACTIVE
        closed = run.cases.closed_under_support()
        closed = closed[self.active_runs[run.worlds.hh[closed]]]
        self._recruit(closed, week, members)
        active = members[(hh.peer_status[members] == ACTIVE) & member_in_project]
        n_active = run.accounts.per_run(active)
        self._accompany(closed, n_active, week)
        self._connect(n_active, week)
        working = self.active_runs & (n_active > 0)
        run.accounts.book_hours("peer_supporter", n_active * p.hours_per_week, working)
        run.accounts.book_hours("peer_coordinator", n_active * p.supervision_hours_per_week, working)
        self._count_contacts(members)

    def _recruit(self, closed: np.ndarray, week: int, members: np.ndarray) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        invited = closed[(hh.peer_status[closed] == NONE) & (self.draw(week, closed) < p.become_probability)]
        if len(invited) == 0:
            return
        status = hh.peer_status[members]
        peers = members[(status == TRAINING) | (status == ACTIVE)]
        room = np.maximum(0, self.cap - run.accounts.per_run(peers))
        joining = invited[first_places(run.worlds.hh[invited], room)]
        hh.peer_status[joining] = TRAINING
        hh.peer_since[joining] = week
        trainees = run.accounts.per_run(joining)
        run.accounts.book_hours("peer_coordinator", trainees * p.training_hours, trainees > 0)

    def _accompany(self, closed: np.ndarray, n_active: np.ndarray, week: int) -> None:
        """Peers take on households whose case has just closed under support, while they have room."""
        run, hh, p = self.run, self.run.hh, self.p
        if len(closed) == 0:
            return
        busy = run.accounts.per_run(np.flatnonzero(hh.peer_accompanied_until >= week))
        room = np.maximum(0, n_active * p.households_per_peer - busy)
        taken = closed[first_places(run.worlds.hh[closed], room)]
        hh.peer_accompanied_until[taken] = week + p.accompany_weeks

    def _connect(self, n_active: np.ndarray, week: int) -> None:
        """Peers call on households that gave up or refused; some who gave up come back to a desk."""
        from sim.mechanisms.consent import Consent

        run, hh, p = self.run, self.run.hh, self.p
        o = run.cases.open_idx
        away = o[(hh.service[o] == ServiceStatus.GAVE_UP) | (hh.service[o] == ServiceStatus.REFUSED)]
        contacts = n_active * p.connect_per_week
        if len(away) == 0 or not contacts.any():
            return
        weight = np.ones(len(away))
        runs = run.worlds.hh[away]
        total = np.bincount(runs, minlength=run.n_runs).astype(np.float64)
        called = away[self.draw(week, away, 2) < share_by_priority(contacts[runs], weight, total[runs])]
        consent = run.mechanism(Consent)
        consent.build_trust(called, consent.p.trust_per_contact)
        gave_up = called[hh.service[called] == ServiceStatus.GAVE_UP]
        run.cases.refer_again(gave_up[self.draw(week, gave_up, 3) < p.reconnect_probability])

    def relapse_factor(self, idx: np.ndarray, week: int) -> np.ndarray:
        """Factor on the extra relapse risk of households ``idx`` (peer company lowers it)."""
        accompanied = self.run.hh.peer_accompanied_until[idx] >= week
        return np.where(accompanied, 1.0 - self.p.relapse_reduction, 1.0)

    def inherit(self, warm: Any) -> None:
        """Where the warm-up's peer project existed because its council opened one, the council replays it."""
