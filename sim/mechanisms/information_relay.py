"""住民からの情報提供: residents' information connects a household to a desk (slide 2-4, stage 2)."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.mechanisms.desk_intake import DeskIntake
from sim.params import CALIBRATED, Param
from sim.vocabulary import Term


class InformationRelay(Mechanism):
    """A noticed household is reported with weekly probability ``base + per_activity × 自治会 activity``.

    A share ``to_commissioner`` of reports goes to the district's 民生委員, who puts the household on
    the 見守り list (and may find the problem on a visit); the rest reaches a desk directly.

    The 自治会 term applies to member households: an active association passes word on
    through its 役員 and 民生委員.
    """

    name = "information_relay"
    phase = "detect"
    title_ja = "住民からの情報提供"
    title_en = "Residents passing word on"
    switch_ja = (
        "気になる世帯のことを、住民が自治会役員や民生委員、相談窓口に伝えます。自治会が活発なほど伝わります。"
        "オフにすると、住民からの情報提供がなくなります。"
    )
    switch_en = (
        "Residents tell the 自治会, the 民生委員 or a desk about a household they worry about; "
        "an active 自治会 passes more on. Off: no such reports."
    )
    slide_group = "connecting"
    in_workshop = True
    seed_ja = (
        "住民からの情報提供で相談窓口につながることもある（2-4 顕在化）；"
        "地域からの情報でケースが発覚することもある（2-4 複雑化・複合化）"
    )
    CHANNEL = Term("neighbour", "近隣住民", "neighbours", en_phrase="a neighbour's word")
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
        "to_commissioner": Param(
            0.335,
            "Share of reports that go to the district's 民生委員 (who puts the household on the 見守り list) "
            "rather than straight to a desk, where the post is filled.",
            f"{CALIBRATED}; was 0.5, an assumption (residents tell the 民生委員 or a 自治会 役員 first; slide 2-4).",
            low=0.0,
            high=1.0,
        ),
    }

    def step(self, week: int) -> None:
        run, town = self.run, self.run.town
        idx = run.cases.reachable_idx[run.hh.noticed[run.cases.reachable_idx]]
        p = self.p.base + self.p.per_activity * town.area_activity[town.area[idx]] * town.member[idx]
        p = p * run.mechanism(DeskIntake).referral_multiplier(idx)  # sooner to a desk that turns nobody away
        reported = idx[self.draw(week, idx, 0) < p]
        commissioner = run.mechanism(CommissionerVisits)
        # Draw 1 (who hears) matters only for the reported households: drawn for them alone.
        to_commissioner = (self.draw(week, reported, 1) < self.p.to_commissioner) & commissioner.serving(reported)
        if commissioner.enabled:
            commissioner.add_to_list(reported[to_commissioner])
        else:
            to_commissioner[:] = False  # nobody to tell: the word goes to a desk
        self.propose(reported[~to_commissioner])
