"""Onset: a household with no problem (NONE) develops a LATENT life problem."""

from __future__ import annotations

import numpy as np

from sim.domain import TYPE_KEYS, Stage
from sim.mechanisms.base import Mechanism
from sim.params import CALIBRATED, Param, domain_array, type_array, weekly_from_annual

DOMAIN_WEIGHTS_SOURCE = (
    "Assumption, following the seed's descriptions of each type (slides 1-1, 1-2, "
    "最終とりまとめ) and the domains 自立相談支援 records most often (生活困窮: 経済, 就労, 住まい, 債務)."
)

DEFAULT_DOMAIN_WEIGHTS = {
    "ordinary": {
        "poverty": 3,
        "employment": 2,
        "health": 3,
        "debt": 1,
        "child_rearing": 1,
        "care": 1,
        "housing": 1,
        "withdrawal": 1,
        "disability": 1,
    },
    "8050": {"care": 4, "withdrawal": 4, "poverty": 2, "health": 1, "housing": 1},
    "double_care": {"care": 4, "child_rearing": 4, "employment": 1, "poverty": 1, "health": 1},
    "elderly_alone": {"care": 4, "health": 4, "poverty": 1, "hoarding": 1, "housing": 1},
    "disabled_child_refusing": {"disability": 6, "child_rearing": 3, "poverty": 1, "health": 1},
    "hoarding_isolated": {"hoarding": 6, "health": 2, "disability": 1, "poverty": 1, "housing": 1, "debt": 1},
}


def _weights_param(type_key: str) -> Param:
    return Param(
        DEFAULT_DOMAIN_WEIGHTS[type_key],
        f"Relative weights of problem domains for '{type_key}' households: the first domain at onset "
        "and each domain added by progression are drawn with these weights.",
        DOMAIN_WEIGHTS_SOURCE,
        kind="by_domain",
        low=0.0,
        high=1000.0,
    )


class Onset(Mechanism):
    """NONE → LATENT with weekly probability ``weekly(annual_probability[type]) × onset multiplier``.

    The onset multiplier comes from earlier mechanisms this week (e.g. watching). The new
    case's first (presenting) domain is drawn from the type's domain weights.
    """

    name = "onset"
    phase = "state"
    title_ja = "課題の発生"
    title_en = "New problems"
    switch_ja = (
        "困りごとのなかった世帯に、新たな困りごとが生じます（研究用の設定）。オフにすると、新しい課題は生じません。"
    )
    switch_en = "Households without a problem develop one (a research setting). Off: no new problems."
    slide_group = "structure"
    PARAMS = {
        "annual_probability": Param(
            {
                "ordinary": 0.0188,
                "8050": 0.25,
                "double_care": 0.20,
                "elderly_alone": 0.08,
                "disabled_child_refusing": 0.15,
                "hoarding_isolated": 0.30,
            },
            "Annual probability that a household with no problem develops one, by type.",
            f"ordinary: {CALIBRATED}; was 0.03. Other types: assumption, anchored on: new 生活困窮 consultations ≈ 24 per "
            "10万 people a month (FY2022) ≈ 0.6% "
            "of households a year come forward, a visible fraction of those with problems; the seed's types "
            "carry standing burdens and are taken as 5–10× more likely.",
            kind="by_type",
            low=0.0,
            high=1.0,
        ),
        **{f"domain_weights_{k}": _weights_param(k) for k in TYPE_KEYS},
    }

    def setup(self) -> None:
        self.weekly = weekly_from_annual(type_array(self.p.annual_probability))
        self.domain_weights = np.stack([domain_array(getattr(self.p, f"domain_weights_{k}")) for k in TYPE_KEYS])
        self.hazard = self.weekly[self.run.town.htype]  # each household's, before this week's multiplier

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        u = self.stream.uniform_town(week, len(run.all_households))  # draw(week, all_households), a little faster
        # Few draws fall under the hazard: test the stage of those only, not of the whole town.
        hit = np.flatnonzero(u < self.hazard * hh.onset_mult)
        idx = hit[(hh.stage[hit] == int(Stage.NONE)) & ~hh.changed[hit]]
        if len(idx) == 0:
            return
        run.cases.open(idx, week, draw_domains(self.domain_weights[run.town.htype[idx]], 0, self.draw(week, idx, 1)))


_DOMAIN_BITS = 1 << np.arange(16)


def draw_domains(weights: np.ndarray, held: np.ndarray | int, u: np.ndarray) -> np.ndarray:
    """Draw one new domain per row from ``weights`` excluding the ``held`` bitmask; -1 if none left."""
    bits = _DOMAIN_BITS[: weights.shape[1]]
    free = weights * ((np.asarray(held)[..., None] & bits) == 0)
    cum = np.cumsum(free, axis=1)
    total = cum[:, -1] if len(cum) else np.zeros(0)
    pick = (cum < (u * total)[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(pick, weights.shape[1] - 1), -1)
