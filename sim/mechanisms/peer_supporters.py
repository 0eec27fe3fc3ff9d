"""受け手を担い手に: some households the services helped become volunteers who reach out to others."""

from __future__ import annotations

import numpy as np

from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import State


class PeerSupporters(Mechanism):
    """A household whose case closed under support becomes a peer supporter with ``become_probability``.

    Each peer supporter adds ``contacts_per_week`` outreach contacts (volunteer hours,
    role ``peer_supporter``), used by the outreach mechanism with its priorities, so peers
    add capacity even where no outreach staff are funded.
    """

    name = "peer_supporters"
    phase = "service"
    off_in_baseline = True
    title_ja = "受け手を担い手に（ピアサポート）"
    title_en = "Peer supporters (受け手を担い手に)"
    switch_ja = "支援を受けて立ち直った人が、今度は支え手として孤立した世帯を訪ねます。"
    switch_en = "People who were helped become supporters and visit isolated households."
    slide_group = "services"
    STATES = (State("peer", np.bool_, False, "A former supported household now volunteering as a peer supporter."),)
    ROLES = (Role("peer_supporter", "ピアサポーター", "peer supporters", volunteer=True),)
    PARAMS = {
        "become_probability": Param(
            0.1,
            "Probability that a household whose case closed under support becomes a peer supporter.",
            "Assumption: one in ten (slide 1-3: 受け手を担い手にする).",
            low=0.0,
            high=1.0,
        ),
        "contacts_per_week": Param(
            0.5,
            "Outreach contacts a peer supporter makes each week.",
            "Assumption: a visit every fortnight.",
            low=0.0,
            high=20.0,
        ),
        "hours_per_contact": Param(2.0, "Volunteer hours per contact.", "Assumption.", low=0.0, high=24.0),
    }

    def setup(self) -> None:
        self.contacts = np.zeros(self.run.n_runs)  # outreach contacts a week the peers offer, per run

    def start(self) -> None:
        # Peer supporters of today's town (from the warm-up) reach out from the first week.
        if self.enabled:
            self.contacts = self.run.accounts.per_run(np.flatnonzero(self.run.hh.peer)) * self.p.contacts_per_week

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        closed = run.cases.closed_under_support()
        closed = closed[~hh.peer[closed]]
        hh.peer[closed[self.draw(week, closed) < self.p.become_probability]] = True
        self.contacts = run.accounts.per_run(np.flatnonzero(hh.peer)) * self.p.contacts_per_week
