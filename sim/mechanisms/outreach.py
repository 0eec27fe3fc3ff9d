"""アウトリーチ: staff go out to households that do not come to desks."""

from __future__ import annotations

import numba
import numpy as np

from sim.domain import HouseholdType, ServiceStatus
from sim.engine.accounts import Role
from sim.engine.capacity import share_by_priority
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.mechanisms.consent import Consent
from sim.mechanisms.peer_supporters import PeerSupporters
from sim.mechanisms.withdrawal import Withdrawal
from sim.params import Param, stage_array
from sim.vocabulary import Term

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
    title_en = "Outreach"
    switch_ja = "窓口に来ない世帯を専任の職員が訪ねます。時間を0にすると、アウトリーチはありません。"
    switch_en = "Dedicated staff visit households that do not come to desks. With 0 hours there is no outreach."
    slide_group = "services"
    in_workshop = True
    seed_ja = "アウトリーチ（1-1 重層的な体制が機能すると；1-4 重層的支援体制整備事業を進めるにあたって）"
    workshop_lever = ("hours_per_week_per_10k_households", 80.0, 0.0)
    CHANNEL = Term("outreach", "アウトリーチ", "outreach")
    ROLES = (Role("outreach_worker", "アウトリーチ担当", "outreach workers"),)
    COLUMNS = (Column("outreach_hours", "Outreach staff hours this week.", "total"),)
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
        run = self.run
        self.detect = stage_array(self.p.detect_on_contact)
        town = run.town
        self.hard_to_reach_type = np.isin(town.htype, HARD_TO_REACH)
        households = np.diff(run.worlds.hh_start)  # each run's households (a batch has several)
        self.contacts_per_week = (
            self.p.hours_per_week_per_10k_households * households / 10_000 / self.p.hours_per_contact
        )

    def step(self, week: int) -> None:
        run, p, hh, w = self.run, self.p, self.run.hh, self.run.worlds
        peers = run.mechanism(PeerSupporters)
        contacts = self.contacts_per_week + peers.contacts  # per run
        if not (contacts > 0).any():
            return
        # Outreach seeks out flagged households not in contact with services, problem or not, and
        # keeps calling on households that refused support.
        withdrawn = run.mechanism(Withdrawal).withdrawn_now()  # withdrawn this week
        sought = _sought(hh.service, hh.noticed, self.hard_to_reach_type, withdrawn)
        who = np.flatnonzero(sought)  # the households with a weight: a small part of the town
        out_of_contact = hh.service[who] == ServiceStatus.UNKNOWN
        refused = hh.service[who] == ServiceStatus.REFUSED
        hard_to_reach = self.hard_to_reach_type[who] | withdrawn[who]
        weight = (
            p.noticed_priority * hh.noticed[who] + p.hard_to_reach_priority * hard_to_reach
        ) * out_of_contact + p.refused_priority * refused
        runs = w.hh[who]
        total = np.bincount(runs, weights=weight, minlength=run.n_runs)
        active = (contacts > 0) & (total > 0)  # a run with no contacts or nobody to seek does nothing this week
        if not active.any():
            return
        chance = share_by_priority(contacts[runs], weight, total[runs])  # of each of `who`, in order
        # Contacts made, shared between staff and peer supporters (inactive runs book nothing).
        expected = np.bincount(runs, weights=chance, minlength=run.n_runs)
        with np.errstate(divide="ignore", invalid="ignore"):
            staff_hours = expected * self.contacts_per_week / contacts * p.hours_per_contact
            peer_hours = expected * peers.contacts / contacts * peers.p.hours_per_contact
        run.accounts.book_hours("outreach_worker", staff_hours, active & (self.contacts_per_week != 0))
        run.accounts.book_hours("peer_supporter", peer_hours, active & (peers.contacts != 0))
        consent = run.mechanism(Consent)
        calls = refused & active[runs]
        called_on = who[calls]
        called_on = called_on[self.draw(week, called_on, 2) < chance[calls]]
        consent.build_trust(called_on, consent.p.trust_per_contact)
        # Only the sought can be contacted: draw for the reachable among them (a household's draws
        # do not depend on who else draws, so the others would never have been found anyway).
        reachable = run.cases.reachable_idx
        idx = reachable[sought[reachable] & active[w.hh[reachable]]]
        prob = chance[np.searchsorted(who, idx)]  # idx is a sorted subset of who
        u_contact, u_detect = self.draws(week, idx, (0, 1))
        found = (u_contact < prob) & (u_detect < self.detect[hh.stage[idx]])
        self.propose(idx[found])

    def totals(self) -> dict[str, np.ndarray]:
        a = self.run.accounts
        return {"outreach_hours": a.hours[:, a.role("outreach_worker")].copy()}


@numba.njit(cache=True)
def _sought(
    service: np.ndarray, noticed: np.ndarray, hard_to_reach_type: np.ndarray, withdrawn: np.ndarray
) -> np.ndarray:
    """Whether outreach seeks each household out: out of contact with services (UNKNOWN) and
    noticed or hard to reach (its type, or a withdrawn member), or refusing support (REFUSED)."""
    sought = np.empty(service.shape[0], dtype=np.bool_)
    for i in range(service.shape[0]):  # & and | rather than and/or: no branches, so the loop vectorises
        out_of_contact, refused = service[i] == ServiceStatus.UNKNOWN, service[i] == ServiceStatus.REFUSED
        sought[i] = (out_of_contact & (noticed[i] | hard_to_reach_type[i] | withdrawn[i])) | refused
    return sought
