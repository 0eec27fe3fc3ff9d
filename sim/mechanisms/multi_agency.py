"""多機関協働: teams across agencies for complex cases, made possible by coordinators."""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus, Stage
from sim.engine.accounts import Role
from sim.engine.capacity import first_places
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import State


class MultiAgencyTeam(Mechanism):
    """相談支援包括化推進員 (coordinators) form teams around supported COMPLEX cases.

    Team places = max(1, round(coordinators_per_100k_people × residents / 100,000)) ×
    ``teams_per_coordinator``. Each week, supported COMPLEX cases without a team get one, those
    supported longest first, while places are free; a team stays until the case closes. A
    teamed case escapes the single-agency penalty of professional support and its coverage
    becomes 1 (the team spans every domain). Coordinators book ``hours_per_team_week``.
    """

    name = "multi_agency_team"
    phase = "service"
    off_in_baseline = True
    title_ja = "多機関協働"
    title_en = "Multi-agency teams (多機関協働)"
    switch_ja = "相談支援包括化推進員が複数の機関のチームをつくり、複雑な事例を一緒に支えます。"
    switch_en = "Coordinators convene teams of several agencies for complex cases."
    slide_group = "services"
    in_workshop = True
    seed_ja = "関係機関が協働して、チームとして課題に対応するための体制づくり（多機関協働の中核の機能、厚生労働省資料2023；2-3）"
    STATES = (State("team", np.bool_, False, "A 多機関協働 team handles the case.", per_case=True),)
    ROLES = (Role("coordinator", "相談支援包括化推進員", "coordinators"),)
    PARAMS = {
        "coordinators_per_100k_people": Param(
            1.5,
            "相談支援包括化推進員 per 100,000 residents (at least one in a town).",
            "1–3 per municipality in the FY2016 model project (S2); ≈2 for a city of 140,000.",
            low=0.0,
            high=1000.0,
        ),
        "teams_per_coordinator": Param(
            15,
            "Complex cases a coordinator can convene a team for at once.",
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
    }

    def setup(self) -> None:
        people = np.diff(self.run.worlds.res_start).tolist()  # each run's residents (a batch has several)
        coordinators = [max(1, round(self.p.coordinators_per_100k_people * n / 100_000)) for n in people]
        self.places = np.array(coordinators) * self.p.teams_per_coordinator

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        supported = o[hh.service[o] == ServiceStatus.SUPPORTED]
        teamed = supported[hh.team[supported]]
        waiting = supported[~hh.team[supported] & (hh.stage[supported] == Stage.COMPLEX)]
        free = np.maximum(0, self.places - run.accounts.per_run(teamed))
        if len(waiting) and np.any(free):
            since = run.cases.support_start_week[hh.case[waiting]]
            queue = waiting[np.lexsort((waiting, since))]
            chosen = queue[first_places(run.worlds.hh[queue], free)]  # each run's own places
            hh.team[chosen] = True
            hh.coverage[chosen] = 1.0
        run.accounts.book_hours(
            "coordinator", run.accounts.per_run(supported[hh.team[supported]]) * self.p.hours_per_team_week
        )
