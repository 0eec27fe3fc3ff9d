"""本人・家族からの相談: a household comes forward by itself."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.mechanisms.desk_intake import DeskIntake
from sim.params import CALIBRATED, Param, stage_array, type_array
from sim.vocabulary import Term


class SelfReferral(Mechanism):
    """Weekly probability ``by_stage[stage] × relative[type]`` for households not in contact."""

    name = "self_referral"
    phase = "detect"
    title_ja = "本人・家族からの相談"
    title_en = "Households asking for help"
    switch_ja = (
        "本人や家族が自分から相談窓口に相談します。オフにすると、自分から相談に来る世帯がいなくなります（研究用）。"
    )
    switch_en = (
        "Households or their families come to a desk themselves. Off: nobody comes forward on their own (for research)."
    )
    slide_group = "services"
    CHANNEL = Term("self", "本人", "the household itself", en_phrase="the household itself")
    PARAMS = {
        "weekly_probability": Param(
            {"latent": 0.00118, "manifest": 0.01, "complex": 0.015},
            "Weekly probability of coming forward, by stage.",
            f"latent: {CALIBRATED}; was 0.002. Manifest, complex: assumption, anchored on 生活困窮 new "
            "consultations ≈ 24 per 10万 people a month (FY2022): people rarely come forward before a problem is "
            "visible (本人に困り感がない, slide 1-2).",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "relative": Param(
            {
                "ordinary": 1.0,
                "8050": 0.3,
                "double_care": 0.8,
                "elderly_alone": 0.6,
                "disabled_child_refusing": 0.1,
                "hoarding_isolated": 0.1,
            },
            "Propensity to come forward relative to ordinary households.",
            "Assumption: withdrawn, refusing and hoarding households rarely ask for help (slides 1-1, 1-2).",
            kind="by_type",
            low=0.0,
            high=10.0,
        ),
    }

    def setup(self) -> None:
        self.by_stage = stage_array(self.p.weekly_probability)
        self.by_type = type_array(self.p.relative)

    def step(self, week: int) -> None:
        run = self.run
        idx = run.cases.reachable_idx
        p = self.by_stage[run.hh.stage[idx]] * self.by_type[run.town.htype[idx]]
        p = p * run.mechanism(DeskIntake).referral_multiplier(idx)  # sooner to a desk that turns nobody away
        self.propose(idx[self.draw(week, idx) < p])
