"""「あの人ちょっと気になる」: a neighbour notices that something is wrong (slide 2-4, stage 1)."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array


class NeighbourNoticing(Mechanism):
    """Each neighbour tie notices a problem with weekly probability ``per_tie[stage]``.

    A household is noticed with probability ``1 − (1 − per_tie[stage])^ties``. Noticing alone
    does not tell any service: it marks the household as worrying, which lets neighbours help
    (mutual aid), pass the word on (information relay) and guides commissioners and outreach.
    """

    name = "neighbour_noticing"
    phase = "detect"
    title_ja = "近隣住民の気づき"
    PARAMS = {
        "per_tie": Param(
            {"latent": 0.01, "manifest": 0.03, "complex": 0.05},
            "Weekly probability that one neighbour tie notices the problem, by stage.",
            "Assumption: a latent problem is seldom visible from next door; a manifest one (missed rubbish "
            "days, unpaid bills, noise) is noticed within months.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.per_tie = stage_array(self.p.per_tie)

    def start(self) -> None:
        # Worries noticed during the warm-up belong to this mechanism: switched off, nobody has noticed.
        if not self.enabled:
            self.model.hh.noticed.fill(False)

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        idx = m.open_idx[~hh.noticed[m.open_idx]]
        p = 1.0 - (1.0 - self.per_tie[hh.stage[idx]]) ** m.town.ties[idx]
        new = idx[self.draw(week, idx) < p]
        hh.noticed[new] = True
        m.count("noticed", new)
