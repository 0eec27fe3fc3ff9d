"""Relapse: a household whose problem has just closed is more likely to develop a new one."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.params import Param


class Relapse(Mechanism):
    """For ``window_weeks`` after a case closes, the onset hazard × (1 + (multiplier − 1) × r).

    r = 1, lowered by 伴走支援 while the household is accompanied (× (1 − accompaniment
    ``relapse_reduction``)) and by 参加支援 while it is linked to a venue or a work trial
    (× (1 − participation_support ``relapse_reduction``)).
    """

    name = "relapse"
    phase = "state"
    title_ja = "再発"
    PARAMS = {
        "multiplier": Param(
            3.0,
            "Onset hazard of a household in the year after its case closed, relative to others of its type.",
            "Assumption: problems recur in the same households (生活困窮 再相談, ひきこもりの再燃); threefold.",
            low=1.0,
            high=100.0,
        ),
        "window_weeks": Param(
            52,
            "Weeks after a case closes during which the raised hazard applies.",
            "Assumption: a year, the relapse window used in the summary (RELAPSE_WEEKS).",
            kind="int",
            low=0,
            high=10_000,
        ),
    }

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        recent = np.flatnonzero(hh.resolved_week >= week - self.p.window_weeks)
        if len(recent) == 0:
            return
        risk = np.ones(len(recent))
        accompanied = hh.accompanied_until[recent] >= week
        risk[accompanied] *= 1.0 - m.mechanism("accompaniment").p.relapse_reduction
        linked = (hh.linked_venue[recent] >= 0) | hh.work_trial[recent]
        risk[linked] *= 1.0 - m.mechanism("participation_support").p.relapse_reduction
        hh.onset_mult[recent] *= 1.0 + (self.p.multiplier - 1.0) * risk
