"""ちょっとした困りごとなら住民同士で解決: neighbours solve small problems (slide 2-4, stage 1)."""

from __future__ import annotations

from sim.domain import Stage
from sim.mechanisms.base import Mechanism
from sim.params import Param


class MutualAid(Mechanism):
    """A LATENT problem a neighbour has noticed resolves with a weekly probability."""

    name = "mutual_aid"
    phase = "state"
    title_ja = "住民同士の助け合い"
    title_en = "Neighbours helping each other"
    switch_ja = (
        "近所の人が気づいた小さな困りごとを、住民同士で解決することがあります。"
        "オフにすると、住民同士の解決がなくなります。"
    )
    switch_en = "Small problems a neighbour has noticed are sometimes solved between neighbours. Off: no such help."
    slide_group = "noticing"
    in_workshop = True
    seed_ja = "ちょっとした困りごとなら、住民同士で解決してしまうこともある（2-4 潜在的な生活課題がある状態）"
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
        hh, o = self.run.hh, self.run.cases.open_idx
        idx = o[hh.noticed[o] & (hh.stage[o] == Stage.LATENT) & ~hh.changed[o]]
        self.run.cases.resolve(idx[self.draw(week, idx) < self.p.weekly_probability], week, "mutual_aid")
