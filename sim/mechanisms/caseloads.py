"""Caseloads: professionals can hold only so many plans; over capacity, households wait."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.params import Param


class Caseloads(Mechanism):
    """A constraint on the model's weekly assignment of households triaged to a plan.

    Each professional holds at most ``round(caseload_limit × fte × scale)`` plans (at least
    one): ``caseload_limit`` is the desk kind's limit for a full-time professional (town
    profile, by role), ``fte`` the professional's share of full time (常勤換算) and ``scale``
    this mechanism's multiplier. Each week, after the desks, households waiting for a plan are
    assigned in order of waiting (longest first) to the least-loaded professionals of their
    desk, within these limits. Light-touch contacts (情報提供・助言, つなぎ to a service) take
    no place. Switched off, capacity is unlimited and nobody waits. The mechanism has no weekly
    action of its own: the assignment asks it for the limits (:meth:`limit`).
    """

    name = "caseloads"
    passive = True  # the model's assignment applies limit()
    phase = "service"
    title_ja = "担当ケース数の上限と待機"
    title_en = "Caseload limits and waiting"
    switch_ja = (
        "専門職1人が持てる支援プランの数には職種ごとに上限があり、超えた世帯は待機リストで待ちます。"
        "情報提供やサービスへのつなぎだけの相談は枠を使いません。"
        "オフにすると上限がなくなり、誰も待ちません（研究用）。"
    )
    switch_en = (
        "A professional holds a limited number of support plans, by role; households beyond it wait on a list. "
        "Advice and links to a service take no place. Off: no limit and nobody waits (for research)."
    )
    slide_group = "services"
    PARAMS = {
        "scale": Param(
            1.0,
            "Multiplier on every desk kind's caseload limit (the town profile's caseload_limit, by role).",
            "Model structure: 1 keeps each role's published standard (docs/parameters.md, [[desks]] caseload_limit); "
            "sensitivity analyses vary it.",
            low=0.05,
            high=20.0,
        ),
    }

    def limit(self) -> np.ndarray | None:
        """Plans each professional can hold, or None when the mechanism is off (unlimited)."""
        return self.run.staff.places(self.p.scale) if self.enabled else None

    def step(self, week: int) -> None:
        """Nothing to do each week: the waiting list applies :meth:`limit`."""
