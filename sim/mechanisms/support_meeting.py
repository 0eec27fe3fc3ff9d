"""支援会議 (社会福祉法 106条の6): sharing information without consent, under confidentiality."""

from __future__ import annotations

from sim.domain import Domain, ServiceStatus, domain_mask
from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.mechanisms.consent import Consent
from sim.params import Param, stage_array
from sim.vocabulary import Term

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
    title_en = "Support meeting (支援会議)"
    switch_ja = (
        "関係機関が本人の同意なしに情報を共有できる会議。"
        "滞納などの行政情報から、まだ相談に来ない世帯に気づけます。支援を断った世帯も見守り続けます。"
    )
    switch_en = (
        "Agencies share information without the household's consent; "
        "arrears in taxes, rent or utilities reveal households that have not come forward, and households that refused are kept in view."
    )
    slide_group = "services"
    in_workshop = True
    seed_ja = "支援会議（106条）：本人の同意が得られていない潜在的な課題を抱えるケース←守秘義務（1-4）"
    CHANNEL = Term(
        "administrative",
        "行政情報（滞納など）",
        "administrative data (arrears)",
        en_phrase="arrears shared at the 支援会議",
    )
    ROLES = (Role("support_meeting", "支援会議", "support meeting"),)
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
            "Staff hours a week the municipality's meeting takes (members' time, preparation and records); a town "
            "that is part of a municipality books its share.",
            "Assumption: a monthly two-hour meeting of about eight members, plus preparation.",
            low=0.0,
            high=1000.0,
        ),
    }

    def setup(self) -> None:
        self.arrears = stage_array(self.p.arrears_signal)

    def step_detect(self, week: int) -> None:
        """The administrative channel: arrears of households not in contact with services."""
        run = self.run
        reachable = run.cases.reachable_idx
        idx = reachable[(run.hh.domains[reachable] & ARREARS_DOMAINS) > 0]
        self.propose(idx[self.draw(week, idx, 1) < self.arrears[run.hh.stage[idx]]])

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        run.accounts.book_hours("support_meeting", self.p.hours_per_meeting * run.municipal_share)
        watched = run.cases.in_status(ServiceStatus.REFUSED)
        run.mechanism(Consent).build_trust(watched, self.p.trust_per_week)
        # Asked again at the desk that accepted them, before the consent mechanism runs this week.
        run.cases.ask_again(watched[hh.service_until[watched] <= week], week)
