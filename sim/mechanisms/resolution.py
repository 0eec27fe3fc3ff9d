"""Natural resolution: problems that fade without anyone's help."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array, weekly_from_mean_weeks


class NaturalResolution(Mechanism):
    """Weekly resolution probability 1 / mean_weeks[stage]."""

    name = "resolution"
    phase = "state"
    title_ja = "自然な解決"
    title_en = "Problems resolving by themselves"
    switch_ja = "困りごとは、支援がなくても時間とともに解決することがあります（研究用の設定）。"
    switch_en = "Problems sometimes resolve with time, without any help (a research setting)."
    slide_group = "structure"
    PARAMS = {
        "mean_weeks": Param(
            {"latent": 52.0, "manifest": 156.0, "complex": 520.0},
            "Mean weeks until a problem resolves on its own, by stage.",
            "Assumption; long for complex cases: hikikomori at 40–64 lasts ≥ 5 years in over half of cases "
            "(内閣府 2019) and KHJ's mean is 10.8 years.",
            kind="by_stage",
            low=1.0,
            high=100_000.0,
        ),
    }

    def setup(self) -> None:
        self.weekly = weekly_from_mean_weeks(stage_array(self.p.mean_weeks, 0.0))
        self.weekly[0] = 0.0

    def step(self, week: int) -> None:
        hh, o = self.run.hh, self.run.cases.open_idx
        idx = o[(hh.stage[o] > 0) & ~hh.changed[o]]
        chance = self.weekly.take(hh.stage[idx])  # take: twice as fast as indexing the table with thousands of stages
        self.run.cases.resolve(idx[self.draw(week, idx) < chance], week, "natural")
