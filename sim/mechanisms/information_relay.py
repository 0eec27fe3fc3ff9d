"""住民からの情報提供: residents' information connects a household to a desk (slide 2-4, stage 2)."""

from __future__ import annotations

from sim.domain import Channel
from sim.mechanisms.base import Mechanism
from sim.params import Param


class InformationRelay(Mechanism):
    """A noticed household is reported with weekly probability ``base + per_activity × 自治会 activity``.

    The 自治会 term applies to member households: an active association passes word on
    through its 役員 and 民生委員.
    """

    name = "information_relay"
    phase = "detect"
    title_ja = "住民からの情報提供"
    PARAMS = {
        "base": Param(
            0.01,
            "Weekly probability that a neighbour reports a noticed household.",
            "Assumption: most worries are never voiced to a service.",
            low=0.0,
            high=1.0,
        ),
        "per_activity": Param(
            0.04,
            "Extra weekly probability per unit of 自治会 activity (members only).",
            "Assumption: an active association doubles to quintuples reporting.",
            low=0.0,
            high=1.0,
        ),
    }

    def step(self, week: int) -> None:
        m, town = self.model, self.model.town
        idx = m.reachable_idx[m.hh.noticed[m.reachable_idx]]
        p = self.p.base + self.p.per_activity * town.area_activity[town.area[idx]] * town.member[idx]
        m.propose_detection(idx[self.draw(week, idx) < p], Channel.NEIGHBOUR)
