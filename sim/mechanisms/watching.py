"""声かけ・見守り・ふれあい: greetings and watching lower the onset of problems (slide 2-4, stage 0)."""

from __future__ import annotations

import numba
import numpy as np

from sim.mechanisms.base import Mechanism
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.params import Param


class Watching(Mechanism):
    """Onset hazard × (1 − effect × watch level).

    The watch level of a household is the larger of its neighbours' watch, ``member_weight ×
    member × 自治会 activity + (1 − member_weight) × min(1, ties / ties_for_full_watch)``, and
    ``list_level`` when it is on a 民生委員's 見守り list (isolated older people whom neighbours
    do not watch are watched there, while the 民生委員 works).
    """

    name = "watching"
    phase = "state"
    title_ja = "声かけ・見守り"
    title_en = "Greetings and watching"
    switch_ja = (
        "自治会の活動や近所づきあいを通じた声かけ・見守りで、困りごとが起きにくくなります。"
        "オフにすると、この予防がなくなります。"
    )
    switch_en = (
        "Greetings and watching by the 自治会 and neighbours make problems less likely to start. "
        "Off: no such prevention."
    )
    slide_group = "prevention"
    in_workshop = True
    seed_ja = "住民同士の声かけ、見守り、ふれあいが困りごとの発生をふせぐこともある（2-4 困りごとがない状態）"
    PARAMS = {
        "effect": Param(
            0.25,
            "Largest relative reduction of the onset hazard (fully watched household).",
            "JAGES cohort (Kanamori et al. 2014, PLoS ONE 9:e99638): taking part in community groups "
            "→ hazard ratio ≈ 0.7–0.8 for functional disability; used as an order of magnitude.",
            low=0.0,
            high=1.0,
        ),
        "member_weight": Param(
            0.5,
            "Weight of 自治会 membership × activity in the watch level (rest: neighbour ties).",
            "Assumption: membership and personal ties count equally.",
            low=0.0,
            high=1.0,
        ),
        "ties_for_full_watch": Param(
            3.0, "Neighbour ties at which personal watching is complete.", "Assumption.", low=0.1, high=50.0
        ),
        "list_level": Param(
            0.5,
            "Watch level of a household on a 民生委員's 見守り list (regular visits and 声かけ).",
            "Assumption: half of full watching; 見守り活動 by 民生委員 targets older people living alone "
            "(全民児連 活動記録).",
            low=0.0,
            high=1.0,
        ),
    }

    def neighbours_level(self) -> np.ndarray:
        """Each household's watch level from 自治会 membership and activity and its ties."""
        town, p = self.run.town, self.p
        from_assoc = town.member * town.area_activity[town.area]
        from_ties = np.minimum(1.0, town.ties / p.ties_for_full_watch)
        return p.member_weight * from_assoc + (1.0 - p.member_weight) * from_ties

    def _level_and_factor(self) -> np.ndarray:
        """The neighbours' watch level (row 0) and the onset factor it gives (row 1), one per household."""
        level = self.neighbours_level()
        return np.stack([level, 1.0 - self.p.effect * level])

    def step(self, week: int) -> None:
        level, factor = self.town_cached(self._level_and_factor)
        commissioner = self.run.mechanism(CommissionerVisits)
        mult = self.run.hh.onset_mult
        if not commissioner.enabled:
            mult *= factor
            return
        # Only households on a served list can be watched more than their neighbours watch them.
        _watch(mult, factor, level, self.run.hh.watched, commissioner.served(), self.p.effect, self.p.list_level)


@numba.njit(cache=True)
def _watch(
    mult: np.ndarray,
    factor: np.ndarray,
    level: np.ndarray,
    watched: np.ndarray,
    served: np.ndarray,
    effect: float,
    list_level: float,
) -> None:
    """Every household's onset multiplier times its neighbours' factor, or, on a served 見守り list,
    times ``1 − effect × max(level, list_level)`` (one pass over the town)."""
    for i in range(mult.shape[0]):
        if watched[i] and served[i]:
            mult[i] *= 1.0 - effect * max(level[i], list_level)
        else:
            mult[i] *= factor[i]
