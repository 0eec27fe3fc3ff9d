"""ちょっとした困りごとなら住民同士で解決: neighbours solve small problems (slide 2-4, stage 1)."""

from __future__ import annotations

from sim.domain import Stage
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import RESOLVED_BY_KEYS


class MutualAid(Mechanism):
    """A LATENT problem a neighbour has noticed resolves with a weekly probability."""

    name = "mutual_aid"
    phase = "state"
    title_ja = "住民同士の助け合い"
    PARAMS = {
        "weekly_probability": Param(
            0.03,
            "Weekly probability that neighbours solve a noticed LATENT problem.",
            "Assumption: about half of noticed small problems are solved within half a year (1 − 0.97^26 ≈ 0.55).",
            low=0.0,
            high=1.0,
        ),
    }

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        o = m.open_idx
        idx = o[hh.noticed[o] & (hh.stage[o] == Stage.LATENT) & ~hh.changed[o]]
        m.resolve(idx[self.draw(week, idx) < self.p.weekly_probability], week, RESOLVED_BY_KEYS.index("mutual_aid"))
