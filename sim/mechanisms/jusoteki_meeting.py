"""重層的支援会議: with consent, agencies plan complex cases together."""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus, Stage
from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.mechanisms.consent import Consent
from sim.params import Param


class JusotekiMeeting(Mechanism):
    """Consented, supported COMPLEX cases get a plan across agencies at the meeting.

    A planned case's coverage rises to at least ``plan_coverage``: the plan links every domain
    to an agency even where the accepting desk is siloed. The meeting books
    ``hours_per_case_week`` of staff time for each planned case.
    """

    name = "jusoteki_meeting"
    phase = "service"
    off_in_baseline = True
    title_ja = "重層的支援会議"
    title_en = "重層的支援会議 (cross-agency planning)"
    switch_ja = (
        "複雑化・複合化した世帯について、分野をまたいだ支援プランを立てます。"
        "一つの窓口では届かない課題にも支援が届きます。"
    )
    switch_en = (
        "Plans support across fields for complex households, so that problems one desk cannot reach are covered too."
    )
    slide_group = "services"
    in_workshop = True
    seed_ja = "重層的支援会議：本人の同意を得たケース（1-4）"
    ROLES = (Role("jusoteki_meeting", "重層的支援会議", "重層的支援会議"),)
    PARAMS = {
        "plan_coverage": Param(
            0.9,
            "Share of a complex household's domains that a cross-agency plan reaches.",
            "Assumption: a 支援プラン shared by the agencies covers nearly every domain (社会福祉法 106条の6, "
            "重層的支援体制整備事業実施要綱).",
            low=0.0,
            high=1.0,
        ),
        "hours_per_case_week": Param(
            0.5,
            "Staff hours a planned case takes each week across the agencies (meetings, plan reviews).",
            "Assumption: a monthly review of about two hours.",
            low=0.0,
            high=168.0,
        ),
    }

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        consented = hh.consented[o] | (not run.mechanism(Consent).enabled)  # without asking, consent is assumed
        planned = o[(hh.service[o] == ServiceStatus.SUPPORTED) & (hh.stage[o] == Stage.COMPLEX) & consented]
        hh.coverage[planned] = np.maximum(hh.coverage[planned], self.p.plan_coverage)
        run.accounts.book_hours("jusoteki_meeting", run.accounts.per_run(planned) * self.p.hours_per_case_week)
