"""受け手を担い手に: some households the services helped become volunteers who reach out to others."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.params import Param


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

    def start(self) -> None:
        # Peer supporters of today's town (from the warm-up) reach out from the first week.
        if self.enabled:
            m = self.model
            m.peer_contacts = m.per_run(np.flatnonzero(m.hh.peer)) * self.p.contacts_per_week

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        closed = m.closed_under_support()
        closed = closed[~hh.peer[closed]]
        hh.peer[closed[self.draw(week, closed) < self.p.become_probability]] = True
        m.peer_contacts = m.per_run(np.flatnonzero(hh.peer)) * self.p.contacts_per_week
