"""Services: consultation desks and the professionals who staff them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.domain import DOMAIN_KEYS

if TYPE_CHECKING:
    from sim.model import CommunityModel


class ConsultationDesk(mesa.Agent):
    """A 相談窓口: siloed (its own domains) unless 断らない相談支援 is switched on."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int, spec: dict) -> None:
        super().__init__(model)
        self.index = index
        self.kind: str = spec["kind"]
        self.name_ja: str = spec["name_ja"]

    @property
    def domains(self) -> list[str]:
        """Domains the desk accepts when siloed, including any a council resource added."""
        mask = int(self.model.mechanism("desk_intake").desk_masks[self.index])
        return [k for i, k in enumerate(DOMAIN_KEYS) if mask >> i & 1]

    @property
    def refuses_none(self) -> bool:
        return bool(self.model.mechanism("desk_intake").p.refuse_none)

    @property
    def referrals(self) -> int:
        """Referrals received since the start (each attempt counts)."""
        return int(self.model.desk_referrals[self.index])

    @property
    def staff(self) -> list[Professional]:
        return [p for p in self.model.professionals if p.desk == self.index]


class Professional(mesa.Agent):
    """A professional (相談支援専門員, 地域包括 staff, 保健師 …) with domains and a caseload."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int, desk: int, role: str) -> None:
        super().__init__(model)
        self.index = index
        self.desk = desk
        self.role = role

    @property
    def domains(self) -> list[str]:
        """The domains of the professional's desk."""
        return self.model.desks[self.desk].domains

    @property
    def caseload(self) -> int:
        return int(self.model.prof_caseload[self.index])
