"""Support by professionals: slows progression and raises resolution."""

from __future__ import annotations

import numpy as np

from sim.domain import Domain, ServiceStatus, Stage
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array, weekly_from_mean_weeks
from sim.state import RESOLVED_BY_KEYS


class ProfessionalSupport(Mechanism):
    """For supported households, scaled by how much of the household the support reaches.

    Effectiveness e = coverage, times ``complex_single_agency_effect`` for a COMPLEX case that
    one agency handles alone (no 多機関協働 team). Progression hazard × (1 − effect × e);
    weekly resolution probability e / mean_weeks_to_resolution[stage].
    """

    name = "professional_support"
    phase = "state"
    title_ja = "専門職による支援"
    PARAMS = {
        "progression_effect": Param(
            0.5, "Relative reduction of the progression hazard under full support.", "Assumption.", low=0.0, high=1.0
        ),
        "hours_per_week": Param(
            {"latent": 0.5, "manifest": 1.0, "complex": 2.0},
            "Professional hours a supported household takes each week, by stage.",
            "Assumption: a contact every week or two, more and longer for complex cases (ケース会議, 同行支援).",
            kind="by_stage",
            low=0.0,
            high=168.0,
        ),
        "complex_single_agency_effect": Param(
            0.5,
            "Effectiveness of single-agency support for a COMPLEX case, relative to a multi-agency team.",
            "Assumption: the seed's team approach (slides 2-3, 3-7: 多職種・複数専門機関によるチームアプローチ); "
            "one agency alone addresses about half of what a team does for intertwined problems.",
            low=0.0,
            high=1.0,
        ),
        "mean_weeks_to_resolution": Param(
            {"latent": 12.0, "manifest": 39.0, "complex": 104.0},
            "Mean weeks from the start of full support to resolution, by stage.",
            "Assumption; 自立相談支援 plans are reviewed every 3–6 months and most close within a year "
            "(厚労省 生活困窮者自立支援制度 支援状況調査); complex cases take about two years.",
            kind="by_stage",
            low=1.0,
            high=10_000.0,
        ),
    }

    def setup(self) -> None:
        self.hours = stage_array(self.p.hours_per_week)
        self.resolve_weekly = weekly_from_mean_weeks(stage_array(self.p.mean_weeks_to_resolution, 0.0))
        self.resolve_weekly[0] = 0.0

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        idx = m.open_idx[hh.service[m.open_idx] == ServiceStatus.SUPPORTED]
        stage = hh.stage[idx]
        alone = (stage == Stage.COMPLEX) & ~hh.team[idx]
        effect = hh.coverage[idx] * np.where(alone, self.p.complex_single_agency_effect, 1.0)
        housing = (hh.domains[idx] >> Domain.HOUSING) & 1 > 0
        effect[housing] *= m.mechanism("housing_support").housing_penalty()
        m.add_hours(hh.desk[idx], self.hours[stage])
        hh.progress_mult[idx] *= 1.0 - self.p.progression_effect * effect
        p = self.resolve_weekly[stage] * effect
        m.resolve(idx[~hh.changed[idx] & (self.draw(week, idx) < p)], week, RESOLVED_BY_KEYS.index("support"))
