"""他機関からのつなぎ: a service already in the home notices a new problem."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.mechanisms.desk_intake import DeskIntake
from sim.params import Param, stage_array
from sim.vocabulary import Term


class AgencyReferral(Mechanism):
    """Households using care, disability or child services (a member with care need,
    disability or a young child) are referred with weekly probability ``by_stage[stage]``."""

    name = "agency_referral"
    phase = "detect"
    title_ja = "他機関からのつなぎ"
    title_en = "Referrals from other agencies"
    switch_ja = (
        "介護・障害・子育てのサービスを使っている世帯の変化に、担当の機関が気づいて相談窓口につなぎます。"
        "オフにすると、このつなぎがなくなります。"
    )
    switch_en = (
        "Agencies already serving a household (care, disability, child services) notice changes and refer it. "
        "Off: no such referrals."
    )
    slide_group = "services"
    CHANNEL = Term("agency", "他機関", "other agencies", en_phrase="another agency")
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
        run = self.run
        idx = run.cases.reachable_idx[run.town.service_contact[run.cases.reachable_idx]]
        p = self.by_stage[run.hh.stage[idx]] * run.mechanism(DeskIntake).referral_multiplier(idx)
        self.propose(idx[self.draw(week, idx) < p])
