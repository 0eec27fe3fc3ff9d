"""Support by professionals: slows progression and raises resolution."""

from __future__ import annotations

import numba
import numpy as np

from sim.domain import Domain, ServiceStatus, Stage
from sim.mechanisms.base import Mechanism
from sim.mechanisms.desk_intake import DeskIntake
from sim.mechanisms.housing_support import HousingSupport
from sim.mechanisms.triage import DeskTriage
from sim.params import Param, stage_array, weekly_from_mean_weeks


class ProfessionalSupport(Mechanism):
    """For supported households, scaled by how much of the household the support reaches.

    Effectiveness e = coverage, times ``complex_single_agency_effect`` for a COMPLEX case that
    one agency handles alone (no 多機関協働 team). Progression hazard × (1 − effect × e);
    weekly resolution probability e / mean_weeks_to_resolution[stage]. A household a desk
    advised or linked to a service (no professional) gets the same with e × the triage's
    ``advice_effect`` or ``service_effect``, and books no weekly professional hours. A planned
    household also books the desk's coordination hours for each domain it linked (つなぎ).
    """

    name = "professional_support"
    phase = "state"
    title_ja = "専門職による支援"
    title_en = "Support by professionals"
    switch_ja = (
        "支援している専門職が、課題の深刻化をおさえ、解決に導きます。"
        "オフにすると、支援しても状態が変わりません（研究用）。"
    )
    switch_en = (
        "Professionals slow the deepening of the problems they support and resolve them. "
        "Off: support changes nothing (for research)."
    )
    slide_group = "services"
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

    def start(self) -> None:
        # Strength of support by service status: a plan 1; advice and a linked service lighter; others none.
        triage = self.run.mechanism(DeskTriage)
        self.by_status = np.zeros(len(ServiceStatus))
        self.by_status[ServiceStatus.SUPPORTED] = 1.0
        self.by_status[ServiceStatus.ADVISED] = triage.p.advice_effect if triage.enabled else 0.0
        self.by_status[ServiceStatus.LINKED] = triage.p.service_effect if triage.enabled else 0.0
        self.coordination = self.run.mechanism(DeskIntake).p.coordination_hours_per_link_week

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        # Advice or a service a desk linked the household to: no professional, a lighter touch.
        idx, strength, effect = _helped(
            run.cases.open_idx, hh.service, self.by_status, hh.stage, hh.team, hh.coverage,
            self.p.complex_single_agency_effect,
        )  # fmt: skip
        stage = hh.stage[idx]
        housing = (hh.domains[idx] >> Domain.HOUSING) & 1 > 0
        if housing.any():
            effect[housing] *= run.mechanism(HousingSupport).housing_penalty(run.worlds.hh[idx[housing]])
        # A professional's hours for a plan, and the desk's coordination of the domains it linked (つなぎ).
        planned = strength == 1.0
        plan_idx = idx.compress(planned)
        hours = self.hours.take(stage.compress(planned)) + np.bitwise_count(hh.links[plan_idx]) * self.coordination
        run.accounts.add_desk_hours(hh.desk[plan_idx], hours)
        hh.progress_mult[idx] *= 1.0 - self.p.progression_effect * effect
        p = self.resolve_weekly.take(stage) * effect  # take: twice as fast as a fancy index into a small table
        run.cases.resolve(idx[~hh.changed[idx] & (self.draw(week, idx) < p)], week, "support")


@numba.njit(cache=True)
def _helped(
    open_idx: np.ndarray,
    service: np.ndarray,
    by_status: np.ndarray,
    stage: np.ndarray,
    team: np.ndarray,
    coverage: np.ndarray,
    complex_single_agency_effect: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The open households the services help (a strength by their status above 0), their strength,
    and the effect before housing: coverage × (the single-agency factor for a complex case without
    a team, else 1) × strength."""
    idx = np.empty(open_idx.shape[0], dtype=np.int64)
    strength = np.empty(open_idx.shape[0])
    effect = np.empty(open_idx.shape[0])
    k = 0
    for i in open_idx:
        s = by_status[service[i]]
        if s > 0:
            alone = stage[i] == Stage.COMPLEX and not team[i]
            idx[k], strength[k] = i, s
            effect[k] = np.float64(coverage[i]) * (complex_single_agency_effect if alone else 1.0) * s
            k += 1
    return idx[:k], strength[:k], effect[:k]
