"""場の機能: staff and regulars at サロン・通いの場・居場所 notice participants' problems."""

from __future__ import annotations

import numpy as np

from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array
from sim.vocabulary import Term


class VenueStaff(Mechanism):
    """A participating household attends with ``venues.attendance_per_week`` (profile) and is
    noticed with probability ``notice_on_attendance[stage]``."""

    name = "venue_staff"
    phase = "detect"
    title_ja = "居場所・通いの場での気づき"
    title_en = "Venue staff noticing"
    switch_ja = (
        "通いの場・サロン・居場所に来ている人の変化に、運営するスタッフやボランティアが気づいて相談につなぎます。"
        "オフにすると、場での気づきがなくなります。"
    )
    switch_en = (
        "Staff and volunteers of 通いの場, salons and 居場所 notice changes in the people who come and connect them to help. "
        "Off: no noticing at venues."
    )
    slide_group = "noticing"
    in_workshop = True
    lever_title_ja = "参加の場（サロン・居場所）"
    lever_title_en = "Places to take part (salons, 居場所)"
    # Off in the workshop: no サロン or 居場所 at all, so nobody meets, is noticed or is linked there.
    workshop_off_town = {"venues": {"kayoi_per_10k_65plus": 0.0, "ibasho_per_10k_people": 0.0}}
    seed_ja = "多様なつながりの場が形成されることで、参加支援につながる（2-4 複雑化・複合化）"
    CHANNEL = Term("venue", "居場所・通いの場", "venue staff", en_phrase="staff at the salon")
    ROLES = (Role("venue_volunteer", "場の運営ボランティア", "venue volunteers", volunteer=True),)
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
        venues = np.diff(self.run.worlds.venue_start)  # each run's venues (a batch has several)
        self.venue_hours = self.p.volunteer_hours_per_venue_week * venues
        self.notice = stage_array(self.p.notice_on_attendance)

    def attendance_probability(self) -> float:
        """A participant's chance of attending in a week (from the town profile)."""
        return float(self.run.profile["venues"]["attendance_per_week"])

    def step(self, week: int) -> None:
        run = self.run
        run.accounts.book_hours("venue_volunteer", self.venue_hours)
        idx = run.cases.reachable_idx[run.town.hh_venue[run.cases.reachable_idx] >= 0]
        u_attend, u_notice = self.draws(week, idx, (0, 1))
        attends = u_attend < run.profile["venues"]["attendance_per_week"]
        noticed = u_notice < self.notice[run.hh.stage[idx]]
        self.propose(idx[attends & noticed])
