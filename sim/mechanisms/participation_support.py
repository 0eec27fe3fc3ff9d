"""参加支援: supported households are linked to a venue, or to a work trial with aftercare."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.domain import Domain, ServiceStatus
from sim.engine.accounts import Role
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import State
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
    title_en = "Participation support (参加支援)"
    switch_ja = "支援している世帯を居場所や就労体験につなぎます。社会とのつながりが再発を防ぎます。"
    switch_en = "Links supported households to venues and work trials; belonging somewhere prevents relapse."
    slide_group = "accompanying"
    in_workshop = True
    seed_ja = "社会とのつながりや参加を支援する機能（②参加支援：市町村における包括的な支援体制の整備、厚生労働省資料）"
    STATES = (
        State("linked_venue", np.int32, -1, "参加支援: the 居場所 services linked the household to, or -1."),
        State("work_trial", np.bool_, False, "参加支援: a work trial with aftercare."),
    )
    COLUMNS = (Column("participation_links", "Households 参加支援 linked to a venue or a work trial this week."),)
    ROLES = (Role("participation_support", "参加支援", "participation support"),)
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
        run, town = self.run, self.run.town
        self.ibasho = np.flatnonzero(town.venue_kind == VENUE_IBASHO)
        self.ibasho_run = run.worlds.venue[self.ibasho]  # a household links within its own run
        self.residents_in = np.bincount(town.res_venue[town.res_venue >= 0], minlength=len(town.venue_kind))

    def inherit(self, warm: Any) -> None:
        """Links carried from the warm-up point to each run's own venues (one the town lacks lapses)."""
        w, old = self.run.worlds, warm.run.worlds
        linked = self.run.hh.linked_venue
        has = np.flatnonzero(linked >= 0)
        run = w.hh[has]
        local = linked[has] - old.venue_start[run]
        inside = local < np.diff(w.venue_start)[run]
        linked[has] = np.where(inside, w.venue_start[run] + local, len(self.run.town.venue_kind))

    def start(self) -> None:
        # Households linked during the warm-up take part in their venues today, whether or not 参加支援 goes on.
        town, linked = self.run.town, self.run.hh.linked_venue
        valid = (linked >= 0) & (linked < len(town.venue_kind))
        valid[valid] &= town.venue_kind[linked[valid]] == VENUE_IBASHO
        linked[(linked >= 0) & ~valid] = -1
        self._join(np.flatnonzero(linked >= 0))

    def link(self, idx: np.ndarray, venue: np.ndarray) -> None:
        """Households ``idx`` take part in ``venue`` and gain the venue's ties."""
        self.run.hh.linked_venue[idx] = venue
        self._join(idx)

    def _join(self, idx: np.ndarray) -> None:
        town = self.run.town
        idx = idx[town.hh_venue[idx] < 0]  # a household already taking part gains no new tie
        if len(idx) == 0:
            return
        town.hh_venue[idx] = self.run.hh.linked_venue[idx]
        town.ties[idx] += np.float32(self.run.profile["venues"]["ties_from_participation"])
        town.changed()

    def free_places(self) -> np.ndarray:
        """Free places at each 居場所 (residents taking part and linked households count)."""
        hh, town = self.run.hh, self.run.town
        linked = hh.linked_venue[hh.linked_venue >= 0]
        load = self.residents_in + np.bincount(linked, minlength=len(town.venue_kind))
        return np.maximum(0, town.profile["venues"]["capacity"] - load[self.ibasho])

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        candidates = o[(hh.service[o] == ServiceStatus.SUPPORTED) & (hh.linked_venue[o] < 0) & ~hh.work_trial[o]]
        idx = candidates[self.draw(week, candidates) < self.p.link_probability]
        if len(idx) == 0:
            return
        free = self.free_places()
        venues, trials = [], []
        runs = run.worlds.hh[idx]
        for i, r in zip(idx, runs, strict=True):  # this week's links only: a handful
            area = run.town.area[i]
            open_here = (free > 0) & (self.ibasho_run == r)
            same_area = open_here & (run.town.venue_area[self.ibasho] == area)
            pick = np.flatnonzero(same_area if same_area.any() else open_here)
            if len(pick):
                free[pick[0]] -= 1
                venues.append((i, self.ibasho[pick[0]]))
            elif hh.domains[i] >> Domain.EMPLOYMENT & 1:
                trials.append(i)
        if venues:
            who, where = map(np.array, zip(*venues, strict=True))
            self.link(who, where)
        hh.work_trial[np.array(trials, dtype=np.int64)] = True
        linked = np.concatenate([np.array([i for i, _ in venues], dtype=np.int64), np.array(trials, dtype=np.int64)])
        run.accounts.count("participation_links", linked)
        linking = run.accounts.per_run(idx) > 0  # runs with households to link this week
        run.accounts.book_hours("participation_support", run.accounts.per_run(linked) * self.p.hours_per_link, linking)
