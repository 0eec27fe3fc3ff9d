"""居住支援: housing support against landlords' refusal (貸し渋り)."""

from __future__ import annotations

from sim.mechanisms.base import Mechanism
from sim.params import Param


class HousingSupport(Mechanism):
    """A supported household with a housing problem often has to move, and landlords refuse.

    Its support effectiveness is × (1 − ``must_move_share`` × refusal), where refusal is
    ``landlord_refusal`` without housing support and ``landlord_refusal`` × (1 − ``effect``) with
    it. The market's refusal applies whether or not the mechanism is on; the switch says
    whether housing support (居住支援法人, 居住支援協議会) exists.
    """

    name = "housing_support"
    passive = True  # professional support applies housing_penalty()
    phase = "service"
    off_in_baseline = True
    title_ja = "居住支援"
    title_en = "Housing support (居住支援)"
    switch_ja = "保証や物件探し、見守り付き住宅で、大家さんに断られがちな世帯の住まい探しを助けます。"
    switch_en = "Guarantees, matching and supported housing help households that landlords tend to refuse."
    slide_group = "services"
    PARAMS = {
        "must_move_share": Param(
            0.5,
            "Share of households with a housing problem whose way out is a move.",
            "Assumption.",
            low=0.0,
            high=1.0,
        ),
        "landlord_refusal": Param(
            0.7,
            "Share of moves that landlords refuse (貸し渋り) without housing support.",
            "About 7 in 10 landlords are reluctant to let to older people (国土交通省 / 日本賃貸住宅管理協会 "
            "survey, 2021, S2).",
            low=0.0,
            high=1.0,
        ),
        "effect": Param(
            0.7,
            "Share of refusals that housing support overcomes (guarantees, matching, 見守り付き住宅).",
            "Assumption.",
            low=0.0,
            high=1.0,
        ),
    }

    def housing_penalty(self) -> float:
        """Factor on support effectiveness for a household with a housing problem."""
        refusal = self.p.landlord_refusal * (1.0 - self.p.effect if self.enabled else 1.0)
        return 1.0 - self.p.must_move_share * refusal

    def step(self, week: int) -> None:
        """Nothing each week: professional support applies :meth:`housing_penalty`."""
