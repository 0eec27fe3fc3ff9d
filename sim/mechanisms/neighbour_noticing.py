"""「あの人ちょっと気になる」: a neighbour notices that something is wrong (slide 2-4, stage 1)."""

from __future__ import annotations

import numpy as np

from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import CALIBRATED, Param, domain_array, most_by_mask, stage_array
from sim.state import State


class NeighbourNoticing(Mechanism):
    """Each neighbour tie notices a problem with weekly probability ``per_tie[stage] × seen``.

    ``seen`` is how much of the household's problem a close tie can see: the largest of
    ``tie_sees[domain]`` over its domains (care needs and rubbish are plain to a friend next door;
    debt and a withdrawn son are often hidden even from them). A household is noticed with
    probability ``1 − (1 − per_tie[stage] × seen)^ties``; a household without ties is never
    noticed this way (neighbours without a tie can still complain about what everyone sees:
    :mod:`sim.mechanisms.complaints`). Noticing alone
    does not tell any service: it marks the household as worrying, which lets neighbours help
    (mutual aid), pass the word on (information relay) and guides commissioners and outreach.
    """

    name = "neighbour_noticing"
    phase = "detect"
    title_ja = "近隣住民の気づき"
    title_en = "Neighbours noticing"
    switch_ja = (
        "近所の人が「あの人ちょっと気になる」と気づきます。"
        "気づきは助け合いや情報提供、民生委員の訪問につながります。オフにすると、誰も気づきません。"
    )
    switch_en = (
        "Neighbours notice that someone seems a bit worrying; "
        "that leads to mutual aid, word passed on and 民生委員 visits. Off: nobody notices."
    )
    slide_group = "noticing"
    in_workshop = True
    seed_ja = (
        "「あの人ちょっと気になる」というレベルで、地域の誰かが気付く可能性がある（2-4 潜在的な生活課題がある状態）"
    )
    STATES = (State("noticed", np.bool_, False, "A neighbour finds the household a bit worrying.", per_case=True),)
    COLUMNS = (Column("noticed", "Households a neighbour began to worry about this week."),)
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
        "tie_sees": Param(
            {
                "care": 1.0,
                "disability": 0.8,
                "withdrawal": 0.544,
                "poverty": 0.4,
                "housing": 0.6,
                "employment": 0.5,
                "child_rearing": 0.8,
                "health": 0.8,
                "hoarding": 1.0,
                "debt": 0.2,
            },
            "How much of a problem in each domain a neighbour with a close tie can see (0–1).",
            f"withdrawal: {CALIBRATED}; was 0.3. Others: assumption, after slide 1-2 (what neighbours see of a hoarding "
            "household) and 内閣府 ひきこもり surveys; debt is the least visible.",
            kind="by_domain",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.per_tie = stage_array(self.p.per_tie)
        self.seen = most_by_mask(domain_array(self.p.tie_sees))

    def start(self) -> None:
        # Worries noticed during the warm-up belong to this mechanism: switched off, nobody has noticed.
        if not self.enabled:
            self.run.hh.noticed.fill(False)

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        idx = o[~hh.noticed[o] & (run.town.ties[o] > 0)]  # without a tie the chance is exactly 0: no draw needed
        p = 1.0 - (1.0 - self.per_tie.take(hh.stage[idx]) * self.seen.take(hh.domains[idx])) ** run.town.ties[idx]
        new = idx[self.draw(week, idx) < p]
        hh.noticed[new] = True
        run.accounts.count("noticed", new)
