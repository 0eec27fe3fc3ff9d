"""Household: the unit that carries a life problem; a view on the model's arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.base import ArrayView
from sim.domain import DOMAIN_KEYS, FAMILY_TYPE_KEYS, TYPE_KEYS, FamilyType, HouseholdType, ServiceStatus, Stage

if TYPE_CHECKING:
    from sim.agents.resident import Resident


class Household(ArrayView):
    """A household. Every attribute reads (and ``stage`` writes) the model's arrays at ``index``."""

    @property
    def household_type(self) -> HouseholdType:
        return HouseholdType(int(self.model.town.htype[self.index]))

    @property
    def type_key(self) -> str:
        return TYPE_KEYS[self.household_type]

    @property
    def family_type(self) -> FamilyType:
        """The census family type (単独, 夫婦のみ, 夫婦と子供, ひとり親と子供, 三世代, その他)."""
        return FamilyType(int(self.model.town.family_type[self.index]))

    @property
    def family_type_key(self) -> str:
        return FAMILY_TYPE_KEYS[self.family_type]

    @property
    def hoarding(self) -> bool:
        """Whether the household has the hoarding condition (ごみ屋敷)."""
        return bool(self.model.town.hoarding[self.index])

    @property
    def withdrawn(self) -> bool:
        """Whether a member is in withdrawal (ひきこもり)."""
        return bool(self.model.town.withdrawn[self.index])

    @property
    def refuses_support(self) -> bool:
        """Whether a parent refuses support for their disabled child."""
        return bool(self.model.town.refuses_support[self.index])

    @property
    def stage(self) -> Stage:
        return Stage(int(self.model.hh.stage[self.index]))

    @stage.setter
    def stage(self, value: Stage) -> None:
        """Set the stage by hand; the model opens, advances or closes the case in the ledger."""
        self.model.set_stage(self.index, value)

    @property
    def domains(self) -> list[str]:
        mask = int(self.model.hh.domains[self.index])
        return [k for i, k in enumerate(DOMAIN_KEYS) if mask >> i & 1]

    @property
    def service(self) -> ServiceStatus:
        return ServiceStatus(int(self.model.hh.service[self.index]))

    @property
    def noticed(self) -> bool:
        return bool(self.model.hh.noticed[self.index])

    @property
    def member(self) -> bool:
        """Whether the household belongs to its 自治会."""
        return bool(self.model.town.member[self.index])

    @property
    def ties(self) -> float:
        """Neighbour ties, including the acquaintance made at a venue (not in ``neighbours``)."""
        return float(self.model.town.ties[self.index])

    @property
    def neighbours(self) -> list[Household]:
        town = self.model.town
        lo, hi = town.tie_ptr[self.index], town.tie_ptr[self.index + 1]
        return [self.views.household(int(j)) for j in town.tie_nbr[lo:hi]]

    @property
    def area(self) -> int:
        return int(self.model.town.area[self.index])

    @property
    def district(self) -> int:
        return int(self.model.town.district[self.index])

    @property
    def members(self) -> list[Resident]:
        return [self.views.resident(int(i)) for i in self.model.residents_of(self.index)]

    @property
    def case_id(self) -> int:
        """Ledger id of the open case, or -1."""
        return int(self.model.hh.case[self.index])
