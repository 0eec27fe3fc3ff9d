"""場の機能: staff and regulars at サロン・通いの場・居場所 notice participants' problems."""

from __future__ import annotations

import numpy as np

from sim.domain import Channel
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array


class VenueStaff(Mechanism):
    """A participating household attends with ``venues.attendance_per_week`` (profile) and is
    noticed with probability ``notice_on_attendance[stage]``."""

    name = "venue_staff"
    phase = "detect"
    title_ja = "居場所・通いの場での気づき"
    PARAMS = {
        "volunteer_hours_per_venue_week": Param(
            3.0,
            "Volunteer hours that running one venue takes each week.",
            "Assumption: a 2-hour サロン with preparation; 通いの場 are mostly run by residents (厚労省 FY2022 調査).",
            low=0.0,
            high=168.0,
        ),
        "notice_on_attendance": Param(
            {"latent": 0.05, "manifest": 0.15, "complex": 0.2},
            "Probability that staff notice and connect a problem at one attendance.",
            "Assumption: 緩やかな見守り at venues (厚労省 2023, slide 包括的な支援体制).",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        venues = np.diff(self.model.worlds.venue_start)  # each run's venues (a batch has several)
        self.venue_hours = self.p.volunteer_hours_per_venue_week * venues
        self.notice = stage_array(self.p.notice_on_attendance)

    def step(self, week: int) -> None:
        m = self.model
        m.book_hours("venue_volunteer", self.venue_hours)
        idx = m.reachable_idx[m.town.hh_venue[m.reachable_idx] >= 0]
        u_attend, u_notice = self.draws(week, idx, (0, 1))
        attends = u_attend < m.town.profile["venues"]["attendance_per_week"]
        noticed = u_notice < self.notice[m.hh.stage[idx]]
        m.propose_detection(idx[attends & noticed], Channel.VENUE)
