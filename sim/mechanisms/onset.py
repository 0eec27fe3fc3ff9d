"""Onset: a household with no problem (NONE) develops a LATENT life problem."""

from __future__ import annotations

import numba
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
        # Few draws fall under the hazard: test the stage of those only, not of the whole town.
        hit = self.stream.town_below(week, 0, self.hazard, hh.onset_mult)
        idx = hit[(hh.stage[hit] == int(Stage.NONE)) & ~hh.changed[hit]]
        if len(idx) == 0:
            return
        run.cases.open(idx, week, draw_domains(self.domain_weights[run.town.htype[idx]], 0, self.draw(week, idx, 1)))


def draw_domains(weights: np.ndarray, held: np.ndarray | int, u: np.ndarray) -> np.ndarray:
    """Draw one new domain per row from ``weights`` excluding the ``held`` bitmask; -1 if none left.

    Row ``i`` takes the first domain whose cumulative free weight is not below ``u[i]`` × the
    row's free total (the count of those below it, at most the last domain).
    """
    held_each = np.asarray(held, dtype=np.int64)
    if held_each.ndim == 0:  # the same mask for every row (np.full: faster than broadcast_to here)
        held_each = np.full(len(u), held_each)
    return _draw_domains(np.ascontiguousarray(weights, dtype=np.float64), held_each, u)


@numba.njit(cache=True)
def _draw_domains(weights: np.ndarray, held: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = np.empty(weights.shape[0], dtype=np.int64)
    n_domains = weights.shape[1]
    for i in range(weights.shape[0]):
        total = 0.0  # the running sum, as a cumulative sum adds (0 + w₀ = w₀)
        for d in range(n_domains):
            if (held[i] >> d) & 1 == 0:
                total += weights[i, d]
        if not total > 0:
            out[i] = -1
            continue
        threshold, cum, pick = u[i] * total, 0.0, 0
        for d in range(n_domains):
            if (held[i] >> d) & 1 == 0:
                cum += weights[i, d]
            pick += cum < threshold
        out[i] = min(pick, n_domains - 1)
    return out
