"""民生委員の訪問: each commissioner visits a few households of the district a week."""

from __future__ import annotations

import numpy as np

from sim.domain import HouseholdType
from sim.engine.accounts import Role
from sim.engine.capacity import share_by_priority, sums_by_part
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array
from sim.vocabulary import Term


class CommissionerVisits(Mechanism):
    """Visits are shared out by priority within each district; a vacant district gets none.

    A household's priority is 1, plus ``elderly_priority`` for elderly-alone households and
    ``noticed_priority`` when a neighbour has voiced a worry. A visit to a household with
    a problem detects it with probability ``detect_on_visit[stage]``. Visits a week per
    commissioner come from the town profile (``minsei.visits_per_week``).
    """

    name = "commissioner_visits"
    phase = "detect"
    title_ja = "民生委員の訪問"
    title_en = "民生委員 visits"
    switch_ja = (
        "民生委員が担当地区の世帯を訪ね、気になる世帯を優先して見守ります。訪問で課題に気づくことがあります。"
        "欠員の地区には訪問がありません。オフにすると、訪問がなくなります。"
    )
    switch_en = (
        "民生委員 visit households of their district, those neighbours worry about first, and may notice a problem. "
        "Vacant districts get no visits. Off: no visits."
    )
    slide_group = "noticing"
    in_workshop = True
    seed_ja = "民生委員・保護司等の地域の関係者との連携による地域生活課題の早期把握（社会福祉法106条の3）"
    CHANNEL = Term("commissioner", "民生委員", "民生委員 visits", en_phrase="the 民生委員's visit")
    ROLES = (Role("minsei_iin", "民生委員", "民生委員 (volunteers)", volunteer=True),)
    COLUMNS = (Column("commissioner_visits", "Visits 民生委員 made this week (expected number).", "total"),)
    PARAMS = {
        "elderly_priority": Param(
            3.0,
            "Extra visit priority of elderly-alone households.",
            "Assumption: 高齢者の見守り is most of a commissioner's visiting "
            "(全民児連 活動記録: 高齢者に関すること ≈ 半数以上).",
            low=0.0,
            high=100.0,
        ),
        "noticed_priority": Param(
            5.0,
            "Extra visit priority of households neighbours worry about.",
            "Assumption: commissioners act on 住民からの情報.",
            low=0.0,
            high=100.0,
        ),
        "member_relative": Param(
            1.0,
            "Visit priority of 自治会 members relative to non-members (who are harder to know).",
            "Assumption: equal by default.",
            low=0.0,
            high=10.0,
        ),
        "hours_per_visit": Param(
            1.0,
            "Volunteer hours a visit takes, travel included.",
            "Assumption: a short 見守り visit; 全民児連 counts ≈150 visits and ≈130 activity days a year.",
            low=0.0,
            high=24.0,
        ),
        "detect_on_visit": Param(
            {"latent": 0.3, "manifest": 0.6, "complex": 0.8},
            "Probability that a visit uncovers the problem, by stage.",
            "Assumption.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.detect = stage_array(self.p.detect_on_visit)
        town, p = self.run.town, self.p
        self.member_factor = np.where(town.member, p.member_relative, 1.0)
        self.base_weight = (1.0 + p.elderly_priority * (town.htype == HouseholdType.ELDERLY_ALONE)) * self.member_factor
        # The highest visit priority in each run (a batch has several).
        self.max_weight = np.array(
            [
                self.base_weight[part].max(initial=0.0) + p.noticed_priority * self.member_factor[part].max(initial=0.0)
                for part in self.run.worlds.hh_parts
            ]
        )
        self.base_totals = np.bincount(town.district, weights=self.base_weight, minlength=len(town.district_vacant))
        self.visits_made = np.zeros(len(town.district_vacant))  # expected visits made since the start, per district

    def capacity(self) -> np.ndarray:
        """Visits a week in each district (0 where the post is vacant)."""
        town = self.run.town
        return np.where(town.district_vacant, 0.0, town.profile["minsei"]["visits_per_week"])

    def weights(self, idx: np.ndarray) -> np.ndarray:
        """Visit priority of households ``idx``."""
        noticed = self.run.hh.noticed[idx]
        return self.base_weight[idx] + self.p.noticed_priority * noticed * self.member_factor[idx]

    def priority_totals(self) -> np.ndarray:
        """Each district's summed visit priority this week."""
        run, town = self.run, self.run.town
        o = run.cases.open_idx
        noticed = o[run.hh.noticed[o]]  # only households with a problem are noticed
        return self.base_totals + np.bincount(
            town.district[noticed],
            minlength=len(town.district_vacant),
            weights=self.p.noticed_priority * self.member_factor[noticed],
        )

    def visit_probability(self, idx: np.ndarray, totals: np.ndarray | None = None) -> np.ndarray:
        """Each of households ``idx``'s chance of a visit this week: its share of its district's visits."""
        totals = self.priority_totals() if totals is None else totals
        district = self.run.town.district[idx]
        return share_by_priority(self.capacity()[district], self.weights(idx), totals[district])

    def _expected_visits(self, totals: np.ndarray) -> np.ndarray:
        """Expected visits made in each district this week.

        Equal to the capacity unless some household's visit probability is capped at 1
        (tiny districts or huge capacity); only then is the sum taken household by household.
        """
        w, capacity = self.run.worlds, self.capacity()
        visits = np.where(totals > 0, capacity, 0.0)
        share = np.divide(capacity, totals, out=np.zeros(len(capacity)), where=totals > 0)
        capped = np.maximum.reduceat(share, w.district_start[:-1]) * self.max_weight >= 1.0
        for k in np.flatnonzero(capped):  # runs where some household's visit probability reaches 1
            households, districts = w.hh_parts[k], w.district_parts[k]
            district = self.run.town.district[households]
            prob = self.visit_probability(np.arange(households.start, households.stop), totals)
            visits[districts] = np.bincount(district - districts.start, weights=prob, minlength=len(visits[districts]))
        return visits

    def step(self, week: int) -> None:
        run = self.run
        totals = self.priority_totals()
        visits = self._expected_visits(totals)
        self.visits_made += visits
        run.accounts.book_hours("minsei_iin", sums_by_part(visits, run.worlds.district_parts) * self.p.hours_per_visit)
        # Only households with an undiscovered problem can be detected: draw visits for them alone.
        idx = run.cases.reachable_idx
        u_visit, u_detect = self.draws(week, idx, (0, 1))
        visited = u_visit < self.visit_probability(idx, totals)
        found = visited & (u_detect < self.detect[run.hh.stage[idx]])
        self.propose(idx[found])

    def totals(self) -> dict[str, np.ndarray]:
        return {"commissioner_visits": sums_by_part(self.visits_made, self.run.worlds.district_parts)}
