"""Progression: LATENT → MANIFEST → COMPLEX, each step adding a problem domain."""

from __future__ import annotations

import numpy as np

from sim.domain import Stage
from sim.mechanisms.base import Mechanism
from sim.mechanisms.onset import Onset, draw_domains
from sim.params import Param, type_array, weekly_from_mean_weeks


class Progression(Mechanism):
    """Weekly hazard ``1 / mean_weeks[type] × progression multiplier`` for each step.

    The multiplier comes from earlier mechanisms this week (connection, support).
    """

    name = "progression"
    phase = "state"
    title_ja = "課題の深刻化・複合化"
    title_en = "Problems deepening"
    switch_ja = (
        "困りごとは時間とともに顕在化し、複雑化・複合化していきます（研究用の設定）。"
        "オフにすると、誰の状態も悪くなりません。"
    )
    switch_en = (
        "Problems become manifest and then complex over time (a research setting). Off: nobody's problem deepens."
    )
    slide_group = "structure"
    PARAMS = {
        "mean_weeks_latent_to_manifest": Param(
            {
                "ordinary": 52.0,
                "8050": 39.0,
                "double_care": 39.0,
                "elderly_alone": 52.0,
                "disabled_child_refusing": 39.0,
                "hoarding_isolated": 39.0,
            },
            "Mean weeks from LATENT to MANIFEST without any help, by type.",
            "Assumption: about a year; faster for the seed's burdened types.",
            kind="by_type",
            low=1.0,
            high=100_000.0,
        ),
        "mean_weeks_manifest_to_complex": Param(
            {
                "ordinary": 156.0,
                "8050": 78.0,
                "double_care": 104.0,
                "elderly_alone": 104.0,
                "disabled_child_refusing": 78.0,
                "hoarding_isolated": 78.0,
            },
            "Mean weeks from MANIFEST to COMPLEX without any help, by type.",
            "Assumption: 8050 and ごみ屋敷 cases compound quickly (最終とりまとめ: 複合的な課題).",
            kind="by_type",
            low=1.0,
            high=100_000.0,
        ),
    }

    def setup(self) -> None:
        self.weekly = np.stack(
            [
                np.zeros(6),
                weekly_from_mean_weeks(type_array(self.p.mean_weeks_latent_to_manifest)),
                weekly_from_mean_weeks(type_array(self.p.mean_weeks_manifest_to_complex)),
                np.zeros(6),
            ]
        )

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        stage = hh.stage[o]
        can_deepen = (stage >= Stage.LATENT) & (stage < Stage.COMPLEX) & ~hh.changed[o]
        # compress: faster than a boolean index for a mask that is neither sparse nor full (about 40% here).
        idx, stage = o.compress(can_deepen), stage.compress(can_deepen)
        htype = run.town.htype[idx]
        # The table's [stage, type], read flat: take is twice as fast as a 2-D fancy index.
        p = self.weekly.take(stage.astype(np.intp) * self.weekly.shape[1] + htype) * hh.progress_mult[idx]
        up = self.draw(week, idx) < p
        idx, htype = idx[up], htype[up]
        if len(idx) == 0:  # four weeks in ten on a small town
            return
        weights = run.mechanism(Onset).domain_weights[htype]
        run.cases.advance(idx, draw_domains(weights, hh.domains[idx], self.draw(week, idx, 1)))
