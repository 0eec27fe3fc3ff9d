"""Resident: a person with an age and conditions; a view on the model's arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.base import ArrayView
from sim.domain import CONDITION_KEYS, ROLE_KEYS

if TYPE_CHECKING:
    from sim.agents.household import Household


class Resident(ArrayView):
    """A resident of a household (age, ひきこもり, disability, care need, young child)."""

    @property
    def age(self) -> int:
        return int(self.model.town.res_age[self.index])

    @property
    def role(self) -> str:
        """The resident's generation: ``adult`` (the householder's), ``child`` or ``elder`` (their parent)."""
        return ROLE_KEYS[int(self.model.town.res_role[self.index])]

    @property
    def conditions(self) -> list[str]:
        bits = int(self.model.town.res_conditions[self.index])
        return [k for i, k in enumerate(CONDITION_KEYS) if bits >> i & 1]

    def has(self, condition: str) -> bool:
        """Whether the resident has ``condition`` (one of ``CONDITION_KEYS``)."""
        return condition in self.conditions

    @property
    def household(self) -> Household:
        return self.views.household(int(self.model.town.res_household[self.index]))

    @property
    def venue(self) -> int:
        """Venue the resident takes part in, or -1."""
        return int(self.model.town.res_venue[self.index])
