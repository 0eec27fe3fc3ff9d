"""相談の振り分け: a desk that accepts a household gives advice, links it to a service, or makes a plan."""

from __future__ import annotations

import numpy as np

from sim.domain import ServiceStatus
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import CALIBRATED, Param, domain_array, stage_array
from sim.state import NOT_YET, State


class DeskTriage(Mechanism):
    """Desks triage the households they accept, as real desks do, rather than queue them all.

    A household the desk accepted (:class:`~sim.mechanisms.desk_intake.DeskIntake`) gets a
    support plan with a professional of the desk with probability ``plan_probability[stage]``
    (always when the desk refers it to the 重層 事務局; never when its support would cover
    nothing): it waits for a caseload place and is asked for consent. Otherwise the desk links
    it to a service outside the desks (介護保険・障害福祉サービス, 生活保護, ハローワーク …) with
    probability ``service_link_probability[presenting domain]`` — it is LINKED for up to
    ``service_weeks`` — or gives information or advice only (情報提供・助言) and follows up for
    ``advice_weeks`` (ADVISED). Neither takes a caseload place; both act on the problem as
    support of strength ``service_effect`` or ``advice_effect`` × coverage
    (:class:`~sim.mechanisms.professional_support.ProfessionalSupport`) and book one-off desk
    hours. A desk whose waiting list has reached ``waiting_tolerance`` of its caseload places
    makes no new plan (except for the 事務局): the household is advised instead and the need is
    reported to the 自立支援協議会. A plan ends after ``plan_weeks`` on average (終結) even if the problem is still open
    (unless a 多機関協働 team holds it): the place is free and the desk follows the household up as
    if advised. An advised or linked household whose problem deepens comes back to the desks with
    ``return_probability``; when its time ends it is out of contact (and can be found again).
    Switched off, every accepted household waits for a plan (the model before desks triaged).
    """

    name = "triage"
    phase = "service"
    title_ja = "相談の振り分け（情報提供・つなぎ・支援プラン）"
    title_en = "Triage at the desk (advice, a link to a service, or a plan)"
    switch_ja = (
        "窓口は受け付けた世帯を振り分けます。情報提供・助言だけ、介護保険や生活保護などのサービスへのつなぎ、"
        "専門職による支援プランのいずれかで、プランだけが担当の枠を使います。"
        "オフにすると、受け付けた世帯はすべて支援プランを待ちます（研究用）。"
    )
    switch_en = (
        "Desks triage the households they accept: advice only, a link to a service (care insurance, public "
        "assistance …) or a support plan with a professional; only a plan takes a caseload place. "
        "Off: every accepted household waits for a plan (for research)."
    )
    slide_group = "structure"
    STATES = (
        State(
            "plan_until",
            np.int32,
            NOT_YET,
            "Week the desk ends the household's support plan (終結) if the problem is still open.",
            per_case=True,
        ),
    )
    COLUMNS = (
        Column("advice_only", "Households a desk gave information or advice only this week (情報提供・助言)."),
        Column("service_links", "Households a desk linked to a service outside the desks this week (つなぎ)."),
        Column("plans", "Households a desk triaged to a support plan with a professional this week."),
        Column("plans_ended", "Support plans the desks ended this week with the problem still open (終結)."),
        Column("plans_declined_full", "Households a desk would have given a plan this week but advised: it was full."),
    )
    PARAMS = {
        "plan_probability": Param(
            {"latent": 0.08, "manifest": 0.588, "complex": 0.8},
            "Probability that a desk makes a support plan with a professional for a household it accepted, by stage.",
            f"manifest: {CALIBRATED}; was 0.3. Latent, complex: assumption, anchored on 生活困窮者自立支援制度 "
            "支援状況調査: プラン作成 55,570 of 226,411 new "
            "consultations in FY2015 (25%), 66,892 of 222,426 in FY2016 (30%), 71,293 of 229,685 in FY2017 (31%); "
            "the rest got information, advice or a referral elsewhere. Complex cases need a plan most.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "service_link_probability": Param(
            {
                "care": 0.5,
                "disability": 0.4,
                "withdrawal": 0.05,
                "poverty": 0.2,
                "housing": 0.1,
                "employment": 0.3,
                "child_rearing": 0.3,
                "health": 0.4,
                "hoarding": 0.0,
                "debt": 0.3,
            },
            "Probability that a household without a plan is linked to a service outside the desks, by presenting "
            "domain (the rest get information or advice only).",
            "Assumption: services exist for some needs (介護保険サービス via a ケアマネ, 障害福祉サービス, "
            "医療, 保育, ハローワーク, 法テラス, 生活保護) and not for others (ひきこもり, ごみ屋敷: slide 1-2).",
            kind="by_domain",
            low=0.0,
            high=1.0,
        ),
        "advice_weeks": Param(
            13,
            "Weeks a desk follows up a household it gave information or advice (then it is out of contact).",
            "Assumption: one follow-up call within about three months.",
            kind="int",
            low=0,
            high=10_000,
        ),
        "advice_effect": Param(
            0.2,
            "Strength of information or advice on the problem while followed up, relative to a professional's plan.",
            "Assumption: knowing where to turn solves some small problems (情報提供・助言, 社会福祉法 106条の3 "
            "第1項第2号).",
            low=0.0,
            high=1.0,
        ),
        "hours_per_advice": Param(
            1.5,
            "Desk staff hours for information or advice (on top of the intake) and its follow-up call.",
            "Assumption.",
            low=0.0,
            high=100.0,
        ),
        "service_weeks": Param(
            52,
            "Weeks a service the desk linked the household to carries it (then it is out of the desks' view).",
            "Assumption: a year of service use before the desk would hear again.",
            kind="int",
            low=0,
            high=10_000,
        ),
        "service_effect": Param(
            0.6,
            "Strength of a service the desk linked the household to, relative to a professional's plan.",
            "Assumption: a service addresses its own need (介護, 障害福祉 …) but nobody coordinates the rest.",
            low=0.0,
            high=1.0,
        ),
        "hours_per_service_link": Param(
            2.0,
            "Desk staff hours to link a household to a service (calls, forms, handing over).",
            "Assumption.",
            low=0.0,
            high=100.0,
        ),
        "plan_weeks": Param(
            52.0,
            "Mean weeks a support plan lasts before the desk ends it (終結) with the problem still open; the desk then "
            "follows the household up as if advised (weekly end probability 1 / this). A plan with a 多機関協働 team "
            "runs until the case closes.",
            "Assumption following 生活困窮者自立支援制度 支援状況調査: plans are reviewed every 3–6 months and most "
            "close within a year (終結 at the 支援調整会議).",
            low=1.0,
            high=10_000.0,
        ),
        "waiting_tolerance": Param(
            0.25,
            "A desk whose waiting list is at least this share of its caseload places makes no new plan: it gives "
            "information or advice instead, and reports the need to the 自立支援協議会.",
            "Assumption: desks manage their caseloads rather than keep households waiting for years (地域包括支援センター "
            "and 自立相談支援機関 triage; issue 13 of this project compared the model's permanent waiting list with "
            "practice).",
            low=0.0,
            high=100.0,
        ),
        "return_probability": Param(
            0.5,
            "Probability that an advised or linked household whose problem deepens comes back to the desks that week.",
            "Assumption: the desk said to come back if things get worse; about half do.",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.plan = stage_array(self.p.plan_probability)
        self.service = domain_array(self.p.service_link_probability)
        self._places_for = -1  # the staff count the desks' places were computed for

    def light_touch_effect(self, status: np.ndarray) -> np.ndarray:
        """Strength of the desks' light touch for households in ``status`` (ADVISED, LINKED; others 0)."""
        return np.select(
            [status == ServiceStatus.ADVISED, status == ServiceStatus.LINKED],
            [self.p.advice_effect, self.p.service_effect],
            0.0,
        )

    def triage(
        self,
        idx: np.ndarray,
        desk: np.ndarray,
        presenting: np.ndarray,
        coverage: np.ndarray,
        must_plan: np.ndarray,
        week: int,
    ) -> np.ndarray:
        """The desks ``desk`` triage households ``idx`` they have just accepted; returns the desk hours it took."""
        run, hh, p = self.run, self.run.hh, self.p
        cases = run.cases
        hours = np.zeros(len(idx))
        if not self.enabled:
            cases.accept(idx, desk, coverage, week)
            return hours
        u_plan, u_service = self.draws(week, idx, (0, 1))
        wants_plan = (u_plan < self.plan[hh.stage[idx]]) & (coverage > 0)
        full = wants_plan & ~must_plan
        if full.any():
            full &= self._desks_full()[desk]
        if full.any():  # the need is there, the place is not: the council hears of it
            run.accounts.record_unmet(run.cases.primary_domain[hh.case[idx[full]]], idx[full])
            run.accounts.count("plans_declined_full", idx[full])
        plan = must_plan | (wants_plan & ~full)
        service = ~plan & (u_service < self.service[presenting])
        advice = ~plan & ~service
        # Each household's outcome, taken in at once: a plan waits for a professional; a service or advice does not.
        status = np.where(plan, ServiceStatus.WAITING, np.where(service, ServiceStatus.LINKED, ServiceStatus.ADVISED))
        until = np.where(service, week + p.service_weeks, week + p.advice_weeks)
        cases.take_in(idx, desk, coverage, status.astype(np.int8), until, week)
        hours[service] = p.hours_per_service_link
        hours[advice] = p.hours_per_advice
        for flow, which in (("plans", plan), ("service_links", service), ("advice_only", advice)):
            if which.any():
                run.accounts.count(flow, idx[which])
        return hours

    def start(self) -> None:
        # Plans carried from a warm-up without triage have no end yet: draw it now.
        hh = self.run.hh
        self.plans_start(np.flatnonzero((hh.service == ServiceStatus.SUPPORTED) & (hh.plan_until == NOT_YET)), 0)

    def plans_start(self, idx: np.ndarray, week: int) -> None:
        """Professionals take on households ``idx``: each plan's end (終結) is drawn now.

        A geometric number of weeks with mean ``plan_weeks`` (the same as a weekly end probability
        of 1 / ``plan_weeks``), drawn once rather than week by week.
        """
        if not self.enabled or len(idx) == 0:
            return
        u = self.draw(week, idx, 3)
        q = 1.0 - 1.0 / max(self.p.plan_weeks, 1.0)
        weeks = np.ceil(np.log1p(-u) / np.log(q)) if q > 0 else np.ones(len(idx))
        self.run.hh.plan_until[idx] = week + np.minimum(np.maximum(weeks, 1), 1e8).astype(np.int64)

    def _desks_full(self) -> np.ndarray:
        """Desks whose waiting list has reached ``waiting_tolerance`` of their places (none without a limit)."""
        from sim.mechanisms.caseloads import Caseloads

        run = self.run
        n_desks = len(run.town.desks)
        if not run.mechanism(Caseloads).enabled:
            return np.zeros(n_desks, dtype=bool)
        if self._places_for != len(run.staff):  # recomputed when professionals join (a council's resource)
            limit = run.mechanism(Caseloads).limit()
            self._places = np.bincount(run.staff.desk, weights=limit, minlength=n_desks)
            self._places_for = len(run.staff)
        places = self._places
        waiting = run.cases.waiting()
        queue = np.bincount(run.hh.desk[waiting], minlength=n_desks)
        return queue >= np.maximum(1.0, self.p.waiting_tolerance * places)

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        service = hh.service[o]
        # compress: faster than a boolean index for masks that are neither sparse nor full (a quarter here).
        light = o.compress((service == ServiceStatus.ADVISED) | (service == ServiceStatus.LINKED))
        # Advice followed up, or a service's time, ends: out of contact (and findable again).
        over = hh.service_until[light] <= week
        hh.service[light[over]] = ServiceStatus.UNKNOWN
        supported = o.compress(service == ServiceStatus.SUPPORTED)
        ending = supported[hh.plan_until[supported] <= week]
        ending = ending[~hh.team[ending]]
        if len(ending):
            run.cases.end_plan(ending, week + self.p.advice_weeks, week)
            run.accounts.count("plans_ended", ending)
        # A stage change of an open case this week is a deepening; one triaged this week was seen as it is.
        light = light[~over]  # still advised or linked (the plans that ended were not among them)
        worse = light[hh.changed[light] & (hh.waiting_since[light] < week)]
        if len(worse):
            run.cases.refer_again(worse[self.draw(week, worse, 2) < self.p.return_probability])
