"""The Mesa agents of one run: views on its slice of the model's arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.agents.community import NPO, NeighbourhoodAssociation, Venue, WelfareCommissioner
from sim.agents.household import Household
from sim.agents.resident import Resident
from sim.agents.services import ConsultationDesk, Professional

if TYPE_CHECKING:
    from sim.model import CommunityModel


@dataclass
class AgentViews:
    """Run ``run``'s agents, each list in the order of the model's arrays (offsets: ``first``)."""

    KINDS: ClassVar[tuple[str, ...]] = (
        "households",
        "residents",
        "associations",
        "commissioners",
        "venues",
        "npos",
        "desks",
        "professionals",
    )
    run: int
    first: dict[str, int]
    households: list[Household] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    associations: list[NeighbourhoodAssociation] = field(default_factory=list)
    commissioners: list[WelfareCommissioner] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    npos: list[NPO] = field(default_factory=list)
    desks: list[ConsultationDesk] = field(default_factory=list)
    professionals: list[Professional] = field(default_factory=list)

    def household(self, index: int) -> Household:
        """The household at ``index`` of the model's arrays."""
        return self.households[index - self.first["hh"]]

    def resident(self, index: int) -> Resident:
        """The resident at ``index`` of the model's arrays."""
        return self.residents[index - self.first["res"]]

    def desk(self, index: int) -> ConsultationDesk:
        """The desk at ``index`` of the model's desks."""
        return self.desks[index - self.first["desk"]]


def create_views(model: CommunityModel, run: int) -> AgentViews:
    """Make (and register with Mesa) the agents of run ``run``."""
    w = model.worlds
    parts = {kind: w.part(kind, run) for kind in ("hh", "res", "area", "district", "venue", "npo", "desk")}
    views = AgentViews(run, {kind: part.start for kind, part in parts.items()})
    views.households = [Household(model, i, views) for i in range(parts["hh"].start, parts["hh"].stop)]
    views.residents = [Resident(model, i, views) for i in range(parts["res"].start, parts["res"].stop)]
    views.associations = [NeighbourhoodAssociation(model, a, views) for a in _range(parts["area"])]
    views.commissioners = [WelfareCommissioner(model, d, views) for d in _range(parts["district"])]
    views.venues = [Venue(model, v, views) for v in _range(parts["venue"])]
    views.npos = [NPO(model, i, views) for i in _range(parts["npo"])]
    views.desks = [ConsultationDesk(model, d, views) for d in _range(parts["desk"])]
    staff = model.state.staff
    mine = np.flatnonzero(w.desk[staff.desk] == run)
    views.professionals = [Professional(model, int(i), views) for i in mine]
    return views


def add_professionals(model: CommunityModel, views: dict[int, AgentViews], added: range) -> None:
    """Agents for professionals who joined during the run (a council's new resource), in their run's views."""
    staff, w = model.state.staff, model.worlds
    for i in added:
        run = int(w.desk[staff.desk[i]])
        if run in views:
            views[run].professionals.append(Professional(model, i, views[run]))


def _range(part: slice) -> range:
    return range(part.start, part.stop)
