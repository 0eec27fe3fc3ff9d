"""The community's actors: 自治会, 民生委員, venues and NPOs (few; views on small arrays)."""

from __future__ import annotations

import numpy as np

from sim.agents.base import ArrayView

VENUE_KINDS = ("kayoi", "ibasho")
VENUE_KINDS_JA = ("通いの場・サロン", "居場所")


class NeighbourhoodAssociation(ArrayView):
    """自治会 of one area (``index``: the area): membership and activity."""

    @property
    def area(self) -> int:
        return self.index

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


class WelfareCommissioner(ArrayView):
    """民生委員・児童委員 of one district (``index``: the district); a vacant post makes no visits."""

    @property
    def district(self) -> int:
        return self.index

    @property
    def vacant(self) -> bool:
        return bool(self.model.town.district_vacant[self.district])

    @property
    def visits_per_week(self) -> float:
        return 0.0 if self.vacant else float(self.model.town.profile["minsei"]["visits_per_week"])

    @property
    def visits_made(self) -> float:
        """Expected visits made since the start of the run (visits are allocated by probability)."""
        from sim.mechanisms.commissioner_visits import CommissionerVisits

        return float(self.model.mechanism(CommissionerVisits).visits_made[self.district])

    @property
    def households(self) -> np.ndarray:
        return np.flatnonzero(self.model.town.district == self.district)


class Venue(ArrayView):
    """A サロン・通いの場 (older people) or 居場所 (参加支援, all ages)."""

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


class NPO(ArrayView):
    """A welfare NPO with a focus; some run 居場所."""

    @property
    def focus(self) -> str:
        return self.model.town.npo_focus[self.index]

    @property
    def venues(self) -> list[int]:
        return [int(v) for v in np.flatnonzero(self.model.town.venue_operator == self.index)]
