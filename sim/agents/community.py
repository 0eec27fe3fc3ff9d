"""The community's actors: 自治会, 民生委員, venues and NPOs (few; plain attributes or small arrays)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import CommunityModel

VENUE_KINDS = ("kayoi", "ibasho")
VENUE_KINDS_JA = ("通いの場・サロン", "居場所")


class NeighbourhoodAssociation(mesa.Agent):
    """自治会 of one area: membership and activity."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, area: int) -> None:
        super().__init__(model)
        self.area = area

    @property
    def households(self) -> np.ndarray:
        return np.flatnonzero(self.model.town.area == self.area)

    @property
    def membership_rate(self) -> float:
        return float(self.model.town.member[self.households].mean())

    @property
    def activity(self) -> float:
        return float(self.model.town.area_activity[self.area])

    @activity.setter
    def activity(self, value: float) -> None:
        self.model.town.area_activity[self.area] = value
        self.model.town.changed()


class WelfareCommissioner(mesa.Agent):
    """民生委員・児童委員 of one district; a vacant post makes no visits."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, district: int) -> None:
        super().__init__(model)
        self.district = district

    @property
    def vacant(self) -> bool:
        return bool(self.model.town.district_vacant[self.district])

    @property
    def visits_per_week(self) -> float:
        return 0.0 if self.vacant else float(self.model.town.profile["minsei"]["visits_per_week"])

    @property
    def visits_made(self) -> float:
        """Expected visits made since the start of the run (visits are allocated by probability)."""
        return float(self.model.commissioner_visits[self.district])

    @property
    def households(self) -> np.ndarray:
        return np.flatnonzero(self.model.town.district == self.district)


class Venue(mesa.Agent):
    """A サロン・通いの場 (older people) or 居場所 (参加支援, all ages)."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def kind(self) -> str:
        return VENUE_KINDS[self.model.town.venue_kind[self.index]]

    @property
    def area(self) -> int:
        return int(self.model.town.venue_area[self.index])

    @property
    def capacity(self) -> int:
        return int(self.model.town.profile["venues"]["capacity"])

    @property
    def participants(self) -> int:
        """Residents taking part plus households that 参加支援 linked here."""
        town = self.model.town
        return int(
            np.count_nonzero(town.res_venue == self.index) + np.count_nonzero(self.model.hh.linked_venue == self.index)
        )

    @property
    def operator(self) -> int:
        """NPO index running the venue, or -1 for 社協 or the municipality."""
        return int(self.model.town.venue_operator[self.index])


class NPO(mesa.Agent):
    """A welfare NPO with a focus; some run 居場所."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int, focus: str) -> None:
        super().__init__(model)
        self.index = index
        self.focus = focus

    @property
    def venues(self) -> list[int]:
        return [int(v) for v in np.flatnonzero(self.model.town.venue_operator == self.index)]
