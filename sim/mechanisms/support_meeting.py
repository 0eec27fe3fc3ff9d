"""支援会議 (社会福祉法 106条の6): sharing information without consent, under confidentiality."""

from __future__ import annotations

from sim.domain import Channel, Domain, ServiceStatus, domain_mask
from sim.mechanisms.base import Mechanism
from sim.params import Param, stage_array
from sim.state import NOT_YET

ARREARS_DOMAINS = domain_mask(Domain.POVERTY, Domain.DEBT, Domain.HOUSING)


class SupportMeeting(Mechanism):
    """Services keep watching households that refused, and pool administrative signals.

    * A household that refused support (REFUSED) is on the meeting's watch list: each week the
      members' coordinated contact raises its trust by ``trust_per_week``, and when its
      cooling-off ends it is asked again directly (back to WAITING at its desk) instead of
      dropping out of sight.
    * Arrears of tax, rent or utilities noticed by 国保課, 住宅課 and the like are shared: a
      household not in contact whose problem includes poverty, debt or housing is detected
      through the ``administrative`` channel with weekly probability ``arrears_signal[stage]``.
    """

    name = "support_meeting"
    phase = "service"
    extra_phases = ("detect",)
    off_in_baseline = True
    title_ja = "支援会議"
    PARAMS = {
        "trust_per_week": Param(
            0.02,
            "Weekly trust gained by a watched household through the members' coordinated contact.",
            "Assumption: slow; a year of watching builds about as much trust as six direct asks.",
            low=0.0,
            high=1.0,
        ),
        "arrears_signal": Param(
            {"latent": 0.005, "manifest": 0.02, "complex": 0.04},
            "Weekly probability that a poverty, debt or housing problem shows up as arrears shared at the meeting.",
            "Assumption: arrears follow the problem with a delay of months (国保料・家賃の滞納督促, slide 1-2).",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "hours_per_meeting": Param(
            8.0,
            "Staff hours a week the meeting takes (members' time, preparation and records).",
            "Assumption: a monthly two-hour meeting of about eight members, plus preparation.",
            low=0.0,
            high=1000.0,
        ),
    }

    def setup(self) -> None:
        self.arrears = stage_array(self.p.arrears_signal)

    def step_detect(self, week: int) -> None:
        """The administrative channel: arrears of households not in contact with services."""
        m = self.model
        idx = m.reachable_idx[(m.hh.domains[m.reachable_idx] & ARREARS_DOMAINS) > 0]
        m.propose_detection(idx[self.draw(week, idx, 1) < self.arrears[m.hh.stage[idx]]], Channel.ADMINISTRATIVE)

    def step(self, week: int) -> None:
        m, hh = self.model, self.model.hh
        m.book_hours("support_meeting", self.p.hours_per_meeting)
        o = m.open_idx
        watched = o[hh.service[o] == ServiceStatus.REFUSED]
        m.build_trust(watched, self.p.trust_per_week)
        # Asked again at the desk that accepted them, before the consent mechanism runs this week.
        due = watched[hh.service_until[watched] <= week]
        hh.service[due] = ServiceStatus.WAITING
        hh.waiting_since[due] = week
        hh.consented[due] = False
        cases = hh.case[due]
        m.cases.set("intake_week", cases[m.cases.support_start_week[cases] == NOT_YET], week)
