"""Caseloads: professionals can hold only so many cases; over capacity, accepted households wait."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.params import Param


class Caseloads(Mechanism):
    """A constraint on the model's weekly assignment of accepted households to professionals.

    Each week, after the desks, households accepted and waiting are assigned in order of
    waiting (longest first) to the least-loaded professionals of their desk, while a
    professional holds fewer than ``capacity_per_professional`` cases. Switched off,
    capacity is unlimited and nobody waits. The mechanism has no weekly action of its own:
    the assignment asks it for the limit (:meth:`limit`).
    """

    name = "caseloads"
    passive = True  # the model's assignment applies limit()
    phase = "service"
    title_ja = "担当ケース数の上限と待機"
    title_en = "Caseload limits and waiting"
    switch_ja = (
        "専門職1人が持てる担当ケース数に上限があり、超えた世帯は待機リストで待ちます。"
        "オフにすると上限がなくなり、誰も待ちません（研究用）。"
    )
    switch_en = (
        "A professional holds a limited number of cases; households beyond it wait on a list. "
        "Off: no limit and nobody waits (for research)."
    )
    slide_group = "services"
    PARAMS = {
        "capacity_per_professional": Param(
            35,
            "Cases a professional can hold at once.",
            "相談支援専門員の標準担当件数 35件/月 (障害福祉サービス等報酬改定 2018, 計画相談支援); used for every "
            "desk's staff as an order of magnitude (Assumption for the other roles).",
            kind="int",
            low=1,
            high=10_000,
        ),
    }

    def limit(self) -> int | None:
        """Cases per professional, or None when the mechanism is off (unlimited)."""
        return self.p.capacity_per_professional if self.enabled else None

    def step(self, week: int) -> None:
        """Nothing to do each week: the waiting list applies :meth:`limit`."""
