"""Relapse: a household whose problem has just closed is more likely to develop a new one."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.accompaniment import Accompaniment
from sim.mechanisms.base import Mechanism
from sim.mechanisms.participation_support import ParticipationSupport
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
    title_en = "Relapse"
    switch_ja = (
        "課題が解決した世帯は、しばらくの間、新たな課題を抱えやすくなります（研究用の設定）。"
        "オフにすると、その上乗せがなくなります。"
    )
    switch_en = (
        "A household whose problem was resolved is more likely to have a new one for a while (a research setting). "
        "Off: no extra risk."
    )
    slide_group = "structure"
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
        hh = self.run.hh
        recent = np.flatnonzero(hh.resolved_week >= week - self.p.window_weeks)
        if len(recent) == 0:
            return
        risk = np.ones(len(recent))
        accompanied = hh.accompanied_until[recent] >= week
        risk[accompanied] *= 1.0 - self.run.mechanism(Accompaniment).p.relapse_reduction
        linked = (hh.linked_venue[recent] >= 0) | hh.work_trial[recent]
        risk[linked] *= 1.0 - self.run.mechanism(ParticipationSupport).p.relapse_reduction
        hh.onset_mult[recent] *= 1.0 + (self.p.multiplier - 1.0) * risk
