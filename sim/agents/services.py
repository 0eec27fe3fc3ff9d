"""Services: consultation desks and the professionals who staff them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.base import ArrayView
from sim.domain import DOMAIN_KEYS

if TYPE_CHECKING:
    from sim.mechanisms.desk_intake import DeskIntake


class ConsultationDesk(ArrayView):
    """A 相談窓口: siloed (its own domains) unless 断らない相談支援 is switched on."""

    @property
    def _intake(self) -> DeskIntake:
        from sim.mechanisms.desk_intake import DeskIntake

        return self.model.mechanism(DeskIntake)

    @property
    def kind(self) -> str:
        return str(self.model.town.desks[self.index]["kind"])

    @property
    def name_ja(self) -> str:
        return str(self.model.town.desks[self.index]["name_ja"])

    @property
    def domains(self) -> list[str]:
        """Domains the desk accepts when siloed, including any a council resource added."""
        mask = int(self._intake.desk_masks[self.index])
        return [k for i, k in enumerate(DOMAIN_KEYS) if mask >> i & 1]

    @property
    def refuses_none(self) -> bool:
        return bool(self._intake.p.refuse_none)

    @property
    def referrals(self) -> int:
        """Referrals received since the start (each attempt counts)."""
        return int(self._intake.referrals[self.index])

    @property
    def staff(self) -> list[Professional]:
        return [p for p in self.views.professionals if p.desk == self.index]


class Professional(ArrayView):
    """A professional (相談支援専門員, 地域包括 staff, 保健師 …) with domains and a caseload."""

    @property
    def desk(self) -> int:
        return int(self.model.state.staff.desk[self.index])

    @property
    def role(self) -> str:
        return str(self.model.town.desks[self.desk]["staff_role"])

    @property
    def domains(self) -> list[str]:
        """The domains of the professional's desk."""
        return self.views.desk(self.desk).domains

    @property
    def caseload(self) -> int:
        return int(self.model.state.staff.caseload[self.index])
