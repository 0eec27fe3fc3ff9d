"""家族からの相談: a family member consults for someone else — the 8050 entry is an old parent at 地域包括."""

from __future__ import annotations

import numpy as np

from sim.domain import Domain
from sim.mechanisms.base import Mechanism
from sim.mechanisms.desk_intake import DeskIntake
from sim.params import CALIBRATED, Param, stage_array, type_array
from sim.vocabulary import Term


class FamilyConsultation(Mechanism):
    """A family member consults a desk about someone else in the household.

    A household of two or more with a problem not yet known to services consults with weekly
    probability ``weekly[stage] × relative[type]``. When a member is 65 or older, the family goes
    to the desk that older people know — the one that covers care (地域包括支援センター) —
    whatever the problem is: an 80-year-old parent asking about a withdrawn son of 50 (8050)
    arrives at a desk for older people's care. Otherwise the referral is routed as usual.
    """

    name = "family_consultation"
    phase = "detect"
    title_ja = "家族からの相談"
    title_en = "Family members consulting"
    switch_ja = (
        "家族が、本人に代わって相談窓口に相談します。高齢の親は、ひきこもる子のことも地域包括支援センターに相談します（8050）。"
        "オフにすると、家族からの相談がなくなります（研究用）。"
    )
    switch_en = (
        "A family member consults a desk on someone else's behalf; an old parent asks 地域包括 about a withdrawn "
        "child (8050). Off: no family consultations (for research)."
    )
    slide_group = "services"
    CHANNEL = Term("family", "家族", "family members", en_phrase="a family member's call")
    PARAMS = {
        "weekly": Param(
            {"latent": 0.0106, "manifest": 0.008, "complex": 0.012},
            "Weekly probability that a family member consults about the household's problem, by stage.",
            f"latent: {CALIBRATED}; was 0.002. It is now above the unfitted manifest rate: withdrawal, "
            "whose family share it was fitted to, stays latent. "
            "Manifest, complex: assumption: 生活困窮者自立支援制度 支援状況調査 counts consultations from 家族・知人 "
            "as a route of its own.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "relative": Param(
            {
                "ordinary": 0.5,
                "8050": 1.0,
                "double_care": 0.8,
                "elderly_alone": 0.0,
                "disabled_child_refusing": 0.3,
                "hoarding_isolated": 0.1,
            },
            "Relative chance of a family consultation, by household type (those living alone have no family "
            "in the household).",
            "Assumption: parents of withdrawn adults consult most (KHJ 家族会; 内閣府 2022: 40–64 相談先 family-led).",
            kind="by_type",
            low=0.0,
            high=10.0,
        ),
    }

    def setup(self) -> None:
        town = self.run.town
        self.weekly = stage_array(self.p.weekly)
        self.by_type = type_array(self.p.relative)
        members = np.bincount(town.res_household, minlength=town.n_households)
        older = np.zeros(town.n_households, dtype=bool)
        older[town.res_household[town.res_age >= 65]] = True
        self.families = members >= 2
        self.older_member = older

    def step(self, week: int) -> None:
        run = self.run
        idx = run.cases.reachable_idx
        idx = idx[self.families[idx]]
        p = self.weekly.take(run.hh.stage[idx]) * self.by_type.take(run.town.htype[idx])
        p = p * run.mechanism(DeskIntake).referral_multiplier(idx)  # sooner to a desk that turns nobody away
        found = idx[self.draw(week, idx) < p]
        self.propose(found, entry_domain=np.where(self.older_member[found], Domain.CARE, -1))
