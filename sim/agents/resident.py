"""Resident: a person with an age and conditions; a view on the model's arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.domain import CONDITION_KEYS

if TYPE_CHECKING:
    from sim.agents.household import Household
    from sim.model import CommunityModel


class Resident(mesa.Agent):
    """A resident of a household (age, ひきこもり, disability, care need, young child)."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def age(self) -> int:
        return int(self.model.town.res_age[self.index])

    @property
    def conditions(self) -> list[str]:
        bits = int(self.model.town.res_conditions[self.index])
        return [k for i, k in enumerate(CONDITION_KEYS) if bits >> i & 1]

    def has(self, condition: str) -> bool:
        """Whether the resident has ``condition`` (one of ``CONDITION_KEYS``)."""
        return condition in self.conditions

    @property
    def household(self) -> Household:
        return self.model.households[int(self.model.town.res_household[self.index])]

    @property
    def venue(self) -> int:
        """Venue the resident takes part in, or -1."""
        return int(self.model.town.res_venue[self.index])
