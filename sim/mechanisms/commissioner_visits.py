"""民生委員の訪問: each commissioner visits a few households of the district a week."""

from __future__ import annotations

import numpy as np

from sim.domain import Channel, HouseholdType
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array


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
        town, p = self.model.town, self.p
        self.member_factor = np.where(town.member, p.member_relative, 1.0)
        self.base_weight = (1.0 + p.elderly_priority * (town.htype == HouseholdType.ELDERLY_ALONE)) * self.member_factor
        # The highest visit priority in each run (a batch has several).
        self.max_weight = np.array(
            [
                self.base_weight[part].max(initial=0.0) + p.noticed_priority * self.member_factor[part].max(initial=0.0)
                for part in self.model.worlds.hh_parts
            ]
        )
        self.base_totals = np.bincount(town.district, weights=self.base_weight, minlength=len(town.district_vacant))

    def capacity(self) -> np.ndarray:
        """Visits a week in each district (0 where the post is vacant)."""
        town = self.model.town
        return np.where(town.district_vacant, 0.0, town.profile["minsei"]["visits_per_week"])

    def weights(self, idx: np.ndarray) -> np.ndarray:
        """Visit priority of households ``idx``."""
        noticed = self.model.hh.noticed[idx]
        return self.base_weight[idx] + self.p.noticed_priority * noticed * self.member_factor[idx]

    def _expected_visits(self, share: np.ndarray, capacity: np.ndarray, totals: np.ndarray) -> np.ndarray:
        """Expected visits made in each district this week.

        Equal to the capacity unless some household's visit probability is capped at 1
        (tiny districts or huge capacity); only then is the sum taken household by household.
        """
        w = self.model.worlds
        if w.n == 1:
            if share.max(initial=0.0) * self.max_weight[0] < 1.0:
                return np.where(totals > 0, capacity, 0.0)
            return self._visits_by_household(share, slice(0, len(self.model.town.htype)), 0, len(capacity))
        visits = np.where(totals > 0, capacity, 0.0)
        capped = np.maximum.reduceat(share, w.district_start[:-1]) * self.max_weight >= 1.0
        for k in np.flatnonzero(capped):  # runs where some household's visit probability reaches 1
            households, districts = w.hh_parts[k], w.district_parts[k]
            n = districts.stop - districts.start
            visits[districts] = self._visits_by_household(share, households, districts.start, n)
        return visits

    def _visits_by_household(self, share: np.ndarray, households: slice, first: int, n: int) -> np.ndarray:
        """Expected visits in districts ``first`` … ``first + n - 1``, summed over ``households``."""
        district = self.model.town.district[households]
        prob = np.minimum(1.0, share[district] * self.weights(np.arange(households.start, households.stop)))
        return np.bincount(district - first, weights=prob, minlength=n)

    def step(self, week: int) -> None:
        m, town = self.model, self.model.town
        capacity = self.capacity()
        noticed = m.open_idx[m.hh.noticed[m.open_idx]]  # only households with a problem are noticed
        totals = self.base_totals + np.bincount(
            town.district[noticed],
            minlength=len(capacity),
            weights=self.p.noticed_priority * self.member_factor[noticed],
        )
        share = np.divide(capacity, totals, out=np.zeros(len(capacity)), where=totals > 0)
        visits = self._expected_visits(share, capacity, totals)
        m.commissioner_visits += visits
        if m.n_worlds == 1:
            m.book_hours("minsei_iin", float(visits.sum()) * self.p.hours_per_visit)
        else:
            made = np.array([float(visits[part].sum()) for part in m.worlds.district_parts])
            m.book_hours("minsei_iin", made * self.p.hours_per_visit)
        # Only households with an undiscovered problem can be detected: draw visits for them alone.
        idx = m.reachable_idx
        u_visit, u_detect = self.draws(week, idx, (0, 1))
        visited = u_visit < np.minimum(1.0, share[town.district[idx]] * self.weights(idx))
        found = visited & (u_detect < self.detect[m.hh.stage[idx]])
        m.propose_detection(idx[found], Channel.COMMISSIONER)
