"""他機関からのつなぎ: a service already in the home notices a new problem."""

from __future__ import annotations

from sim.domain import Channel
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array


class AgencyReferral(Mechanism):
    """Households using care, disability or child services (a member with care need,
    disability or a young child) are referred with weekly probability ``by_stage[stage]``."""

    name = "agency_referral"
    phase = "detect"
    title_ja = "他機関からのつなぎ"
    PARAMS = {
        "weekly_probability": Param(
            {"latent": 0.005, "manifest": 0.02, "complex": 0.03},
            "Weekly probability that a service in contact refers the household, by stage.",
            "Assumption: ケアマネジャー, 保育士 and 乳幼児健診 see the household "
            "monthly or more, but refer only what is plainly outside their remit.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.by_stage = stage_array(self.p.weekly_probability)

    def step(self, week: int) -> None:
        m = self.model
        idx = m.reachable_idx[m.town.service_contact[m.reachable_idx]]
        m.propose_detection(idx[self.draw(week, idx) < self.by_stage[m.hh.stage[idx]]], Channel.AGENCY)
