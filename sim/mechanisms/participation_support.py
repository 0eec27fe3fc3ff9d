"""参加支援: supported households are linked to a venue, or to a work trial with aftercare."""

from __future__ import annotations

import numpy as np

from sim.domain import Domain, ServiceStatus
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.town import VENUE_IBASHO


class ParticipationSupport(Mechanism):
    """Each week a supported household not yet linked is linked with ``link_probability``.

    It goes to a 居場所 with a free place (its own 自治会 area first, else any; a share of
    places, ``venues.ibasho_places_for_referrals``, is kept for such links), gaining the
    venue's tie and its staff's eye; if none has room and its problem includes employment, to
    a work trial with aftercare instead. A linked household keeps its place after the case
    closes, and its extra relapse risk is × (1 − ``relapse_reduction``). Venue capacity comes
    from the town profile (``venues.capacity``).
    """

    name = "participation_support"
    phase = "service"
    off_in_baseline = True
    title_ja = "参加支援"
    PARAMS = {
        "link_probability": Param(
            0.05,
            "Weekly probability that the services link a supported household to a venue or work trial.",
            "Assumption: within about five months of support starting.",
            low=0.0,
            high=1.0,
        ),
        "relapse_reduction": Param(
            0.5,
            "Share of the extra relapse risk that taking part removes.",
            "Assumption: a place to belong halves recurrence (slide 1-3: 体験とアフターケア).",
            low=0.0,
            high=1.0,
        ),
        "hours_per_link": Param(
            6.0,
            "Staff hours to arrange one link (visits, accompanying the first times, aftercare).",
            "Assumption.",
            low=0.0,
            high=1000.0,
        ),
    }

    def setup(self) -> None:
        town = self.model.town
        self.ibasho = np.flatnonzero(town.venue_kind == VENUE_IBASHO)
        self.ibasho_run = self.model.worlds.venue[self.ibasho]  # a household links within its own run
        self.residents_in = np.bincount(town.res_venue[town.res_venue >= 0], minlength=len(town.venue_kind))

    def free_places(self) -> np.ndarray:
        """Free places at each 居場所 (residents taking part and linked households count)."""
        hh, town = self.model.hh, self.model.town
        linked = hh.linked_venue[hh.linked_venue >= 0]
        load = self.residents_in + np.bincount(linked, minlength=len(town.venue_kind))
        return np.maximum(0, town.profile["venues"]["capacity"] - load[self.ibasho])

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        o = m.open_idx
        candidates = o[(hh.service[o] == ServiceStatus.SUPPORTED) & (hh.linked_venue[o] < 0) & ~hh.work_trial[o]]
        idx = candidates[self.draw(week, candidates) < self.p.link_probability]
        if len(idx) == 0:
            return
        free = self.free_places()
        venues, trials = [], []
        runs = m.worlds.hh[idx]
        for i, run in zip(idx, runs, strict=True):  # this week's links only: a handful
            area = m.town.area[i]
            open_here = (free > 0) & (self.ibasho_run == run)
            same_area = open_here & (m.town.venue_area[self.ibasho] == area)
            pick = np.flatnonzero(same_area if same_area.any() else open_here)
            if len(pick):
                free[pick[0]] -= 1
                venues.append((i, self.ibasho[pick[0]]))
            elif hh.domains[i] >> Domain.EMPLOYMENT & 1:
                trials.append(i)
        if venues:
            who, where = map(np.array, zip(*venues, strict=True))
            m.link_to_venue(who, where)
        hh.work_trial[np.array(trials, dtype=np.int64)] = True
        linked = np.concatenate([np.array([i for i, _ in venues], dtype=np.int64), np.array(trials, dtype=np.int64)])
        m.count("participation_links", linked)
        linking = m.per_run(idx) > 0  # runs with households to link this week
        m.book_hours("participation_support", m.per_run(linked) * self.p.hours_per_link, linking)
