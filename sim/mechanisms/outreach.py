"""アウトリーチ: staff go out to households that do not come to desks."""

from __future__ import annotations

import numpy as np

from sim.domain import Channel, Condition, HouseholdType, ServiceStatus
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array

HARD_TO_REACH = (HouseholdType.H8050, HouseholdType.DISABLED_CHILD_REFUSING, HouseholdType.HOARDING_ISOLATED)


class Outreach(Mechanism):
    """Outreach contacts a week = hours / hours_per_contact (+ peer supporters' contacts), shared
    town-wide by priority.

    Priority: ``noticed_priority`` if a neighbour worries about the household, plus
    ``hard_to_reach_priority`` for withdrawn members and the seed's hard-to-reach types
    (8050, refusing parent, hoarding), and ``refused_priority`` for households that refused
    support (a contact raises their trust as consent's ``trust_per_contact``). Others are not
    sought out. A contact detects a problem with probability ``detect_on_contact[stage]``.
    """

    name = "outreach"
    phase = "detect"
    title_ja = "アウトリーチ"
    PARAMS = {
        "hours_per_week_per_10k_households": Param(
            0.0,
            "Outreach staff hours a week per 10,000 households (40 = one full-time worker).",
            "Baseline 0: outreach is not a funded task before 重層的支援体制整備事業 (アウトリーチ等を通じた継続的支援事業).",
            low=0.0,
            high=10_000.0,
        ),
        "hours_per_contact": Param(
            3.0,
            "Staff hours per household contact, travel included.",
            "Assumption: a home visit with preparation and records.",
            low=0.1,
            high=100.0,
        ),
        "noticed_priority": Param(
            5.0, "Priority of households neighbours worry about.", "Assumption.", low=0.0, high=100.0
        ),
        "hard_to_reach_priority": Param(
            2.0, "Priority of withdrawn, refusing and hoarding households.", "Assumption.", low=0.0, high=100.0
        ),
        "refused_priority": Param(
            3.0,
            "Priority of households that refused support: outreach keeps calling and builds trust.",
            "Assumption: アウトリーチ等を通じた継続的支援事業 targets those who decline (slide 1-1).",
            low=0.0,
            high=100.0,
        ),
        "detect_on_contact": Param(
            {"latent": 0.4, "manifest": 0.7, "complex": 0.8},
            "Probability that a contact uncovers and engages the problem, by stage.",
            "Assumption.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        m = self.model
        self.detect = stage_array(self.p.detect_on_contact)
        town = m.town
        withdrawn = np.zeros(m.n_households, dtype=bool)
        withdrawn[town.res_household[(town.res_conditions & (1 << Condition.WITHDRAWAL)) > 0]] = True
        self.hard_to_reach = withdrawn | np.isin(town.htype, HARD_TO_REACH)
        households = np.diff(m.worlds.hh_start)  # each run's households (a batch has several)
        self.contacts_per_week = (
            self.p.hours_per_week_per_10k_households * households / 10_000 / self.p.hours_per_contact
        )

    def step(self, week: int) -> None:
        m, p, hh, w = self.model, self.p, self.model.hh, self.model.worlds
        contacts = self.contacts_per_week + m.peer_contacts  # per run
        if not (contacts > 0).any():
            return
        # Outreach seeks out flagged households not in contact with services, problem or not, and
        # keeps calling on households that refused support.
        out_of_contact = hh.service == ServiceStatus.UNKNOWN
        refused = hh.service == ServiceStatus.REFUSED
        weight = (p.noticed_priority * hh.noticed + p.hard_to_reach_priority * self.hard_to_reach) * out_of_contact
        weight += p.refused_priority * refused
        total = np.array([weight[part].sum() for part in w.hh_parts])
        active = (contacts > 0) & (total > 0)  # a run with no contacts or nobody to seek does nothing this week
        if not active.any():
            return
        run = w.hh
        with np.errstate(divide="ignore", invalid="ignore"):  # inactive runs' shares are not used
            contact_prob = np.minimum(1.0, contacts[run] * weight / total[run])
            # Contacts made, shared between staff and peer supporters.
            expected = np.array([contact_prob[part].sum() for part in w.hh_parts])
            m.book_hours("outreach_worker", expected * self.contacts_per_week / contacts * p.hours_per_contact, active)
            peer_hours = m.mechanism("peer_supporters").p.hours_per_contact
            peers = active & (m.peer_contacts != 0)
            m.book_hours("peer_supporter", expected * m.peer_contacts / contacts * peer_hours, peers)
        called_on = np.flatnonzero(refused & active[run])
        called_on = called_on[self.draw(week, called_on, 2) < contact_prob[called_on]]
        m.build_trust(called_on, m.mechanism("consent").p.trust_per_contact)
        idx = m.reachable_idx[active[run[m.reachable_idx]]]
        u_contact, u_detect = self.draws(week, idx, (0, 1))
        found = (u_contact < contact_prob[idx]) & (u_detect < self.detect[hh.stage[idx]])
        m.propose_detection(idx[found], Channel.OUTREACH)
