"""つながり続ける: staying connected slows deterioration (slide 2-4, stage 2)."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.params import Param


class Connection(Mechanism):
    """Progression hazard × (1 − effect × min(1, ties / ties_for_full_effect))."""

    name = "connection"
    phase = "state"
    title_ja = "つながり続けることで深刻化を防ぐ"
    title_en = "Staying connected"
    switch_ja = (
        "近所とのつながりが続いている世帯は、困りごとが深刻になりにくくなります。"
        "オフにすると、つながりによる歯止めがなくなります。"
    )
    switch_en = (
        "Households that stay connected to neighbours see their problems deepen more slowly. "
        "Off: ties no longer slow it."
    )
    slide_group = "connecting"
    in_workshop = True
    seed_ja = "つながり続けることで、状態の深刻化を防ぐ可能性がある（2-4 生活課題が顕在化した状態）"
    PARAMS = {
        "effect": Param(
            0.3,
            "Largest relative reduction of the progression hazard for a well-connected household.",
            "Assumption; social isolation raises the risk of deterioration (Holt-Lunstad 2010: "
            "weak social relationships ≈ 1.5× mortality), so strong ties are taken to cut it by ≈ 1/3.",
            low=0.0,
            high=1.0,
        ),
        "ties_for_full_effect": Param(
            3.0, "Neighbour ties at which the effect is complete.", "Assumption.", low=0.1, high=50.0
        ),
    }

    def factor(self) -> np.ndarray:
        """Each household's progression multiplier from its ties."""
        return 1.0 - self.p.effect * np.minimum(1.0, self.run.town.ties / self.p.ties_for_full_effect)

    def step(self, week: int) -> None:
        self.run.hh.progress_mult *= self.town_cached(self.factor)
