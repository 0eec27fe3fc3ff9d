"""相談窓口の受付: a siloed desk accepts its own domains and bounces the rest; 断らない accepts all and keeps the case.

A desk that accepts a household covers its own domains; it covers the household's other
domains only by linking them (つなぎ) to a desk kind or an NPO that handles them, which takes
hours. A domain nobody covers (制度の狭間, e.g. hoarding) stays uncovered: under 重層 the desk
keeps the case and refers it to the 事務局 (:class:`~sim.mechanisms.multi_agency.MultiAgencyTeam`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.domain import DOMAIN_KEYS, ServiceStatus
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import Param, type_array
from sim.state import State

# What each NPO focus can take on when a desk links a household to it (slides 1-1, 1-2, 2-3).
NPO_DOMAINS: dict[str, tuple[str, ...]] = {
    "子ども食堂": ("child_rearing", "poverty"),
    "フリースクール": ("child_rearing", "withdrawal"),
    "保護ネコ団体": ("hoarding",),
    "ひきこもり支援": ("withdrawal",),
    "障害者支援": ("disability",),
    "高齢者の居場所": ("care",),
    "フードバンク": ("poverty",),
}
N_DOMAINS = len(DOMAIN_KEYS)
_LINK_DRAWS = tuple(range(4, 4 + N_DOMAINS))  # one draw per domain a desk may link
_DOMAINS = np.arange(N_DOMAINS, dtype=np.uint16)


class DeskIntake(Mechanism):
    """Referred households go to a desk; the desk accepts or bounces them, and links what it does not cover.

    At each referral the household presents one of its current domains (uniformly; with
    one domain, its first). The referral reaches a desk of a kind that covers the presenting
    domain with probability ``routing_accuracy`` (``routing_accuracy_after_bounce`` after a
    bounce), otherwise a desk of another kind. A siloed desk accepts only its own domains;
    with ``refuse_none`` (断らない相談支援) every desk accepts every household and keeps it.
    An accepting desk links each of the household's other domains to a covering desk kind
    with ``link_probability`` (``link_probability_one_stop`` when it refuses none), or, if no
    desk kind covers it, to an NPO whose focus does, with that probability times
    ``npo_link_relative``; each link books ``hours_per_link`` and, while the household is
    supported, ``coordination_hours_per_link_week`` (booked with professional support). Coverage = domains held by the desk or
    linked ÷ domains held. The desk then triages the household
    (:class:`~sim.mechanisms.triage.DeskTriage`). A bounced household gives up with
    ``give_up_probability`` and stays away for ``give_up_weeks``; otherwise it is referred
    again next week. Under 重層 (``multi_agency_team`` on), a household with a problem no desk
    kind covers is not bounced: the desk keeps it and refers it to the 事務局.
    """

    name = "desk_intake"
    phase = "service"
    title_ja = "相談窓口の受付"
    title_en = "Desk intake"
    switch_ja = (
        "相談につながった世帯を窓口が受け付けます。"
        "分野ごとの窓口は自分の分野だけを受け、他は別の窓口に回します（たらい回し）。"
        "「断らない相談支援」をオンにすると、どの窓口もすべて受け止め、他の分野は関係機関につないで支えます。"
    )
    switch_en = (
        "Desks take in referred households. "
        "A siloed desk accepts its own field and sends the rest elsewhere (bouncing); "
        "with 断らない相談支援 every desk accepts everyone, keeps the case and links the other fields to other agencies."
    )
    slide_group = "services"
    in_workshop = True
    seed_ja = "属性にかかわらず、包括的に相談を受けとめる機能（①相談支援：包括的な支援体制の整備、厚生労働省資料2023）"
    workshop_lever = ("refuse_none", True, False)
    lever_title_ja = "断らない相談支援"
    lever_title_en = "Never-refusing desks (断らない相談支援)"
    STATES = (
        State(
            "links",
            np.uint16,
            0,
            "Domains the accepting desk linked (つなぎ) to another desk kind or an NPO, as a bitmask.",
            per_case=True,
        ),
    )
    COLUMNS = (
        Column("bounces", "Households a desk turned away this week."),
        Column("gave_up", "Households that gave up after being turned away this week."),
        Column("desk_links", "Households a desk linked to another desk kind or an NPO this week (つなぎ)."),
    )
    PARAMS = {
        "refuse_none": Param(
            False,
            "断らない相談支援: every desk accepts every household and keeps the case.",
            "Baseline: 縦割り desks (社会福祉法 106条の4 makes 断らない相談 part of 重層的支援体制整備事業, "
            "implemented by 473 municipalities in FY2025 of 1,741).",
            kind="bool",
        ),
        "routing_accuracy": Param(
            0.6,
            "Probability that a first referral reaches a desk covering the presenting domain.",
            "Assumption: residents and referrers often do not know which 窓口 handles what "
            "(the problem 断らない相談 addresses).",
            low=0.0,
            high=1.0,
        ),
        "routing_accuracy_after_bounce": Param(
            0.8,
            "Probability that a referral after a bounce reaches the right desk.",
            "Assumption: the bouncing desk names another 窓口.",
            low=0.0,
            high=1.0,
        ),
        "give_up_probability": Param(
            {
                "ordinary": 0.3,
                "8050": 0.5,
                "double_care": 0.4,
                "elderly_alone": 0.4,
                "disabled_child_refusing": 0.7,
                "hoarding_isolated": 0.7,
            },
            "Probability that a bounced household gives up, by type.",
            "Assumption: たらい回し discourages most those least willing to ask (slides 1-1, 1-2).",
            kind="by_type",
            low=0.0,
            high=1.0,
        ),
        "hours_per_referral": Param(
            1.0,
            "Staff hours a desk spends on one referral (intake interview, or turning a household away).",
            "Assumption: one 初回面談.",
            low=0.0,
            high=100.0,
        ),
        "give_up_weeks": Param(
            26,
            "Weeks a household that gave up stays away from services.",
            "Assumption: half a year.",
            kind="int",
            low=0,
            high=10_000,
        ),
        "link_probability": Param(
            0.25,
            "Probability that a siloed desk links one of an accepted household's other domains to a desk that covers it.",
            "Assumption: a 縦割り desk passes on problems outside its remit only sometimes (the 狭間 and "
            "たらい回し that 包括的相談支援 addresses, 地域共生社会推進検討会 最終とりまとめ 2019).",
            low=0.0,
            high=1.0,
        ),
        "link_probability_one_stop": Param(
            0.8,
            "Probability that a 断らない desk links one of the household's other domains to a desk that covers it.",
            "Assumption: linking every domain is the desk's job under 包括的相談支援事業 (社会福祉法 106条の4 第2項 "
            "第1号: 支援関係機関につなぐ); some links fail (the other desk is full or declines).",
            low=0.0,
            high=1.0,
        ),
        "npo_link_relative": Param(
            0.6,
            "Chance of linking a domain no desk covers to an NPO whose focus covers it, relative to a desk link.",
            "Assumption: desks know fewer informal resources than other desks; NPOs take part in the seed's cases "
            "(保護ネコ団体, フリースクール: slides 1-1, 1-2, 2-3).",
            low=0.0,
            high=1.0,
        ),
        "hours_per_link": Param(
            2.0,
            "Staff hours of the accepting desk to link one domain (calls, information sharing, going along once).",
            "Assumption: a つなぎ with 同行 takes a couple of hours.",
            low=0.0,
            high=100.0,
        ),
        "coordination_hours_per_link_week": Param(
            0.25,
            "Weekly hours of the accepting desk per linked domain while the household is supported (keeping the "
            "agencies in step).",
            "Assumption: a call or a short meeting a month per linked agency.",
            low=0.0,
            high=40.0,
        ),
        "referral_effect": Param(
            0.3,
            "Largest relative rise in the weekly chance that residents, families and agencies bring a problem to a "
            "desk known not to turn people away (read by the self, neighbour and agency channels through "
            "referral_multiplier()).",
            "Assumption (no published effect size): 断らない相談支援 is meant to let people consult before a problem "
            "grows (地域共生社会推進検討会 最終とりまとめ 2019: 属性を問わない相談支援); a rise of about a third once "
            "the desk is known.",
            low=0.0,
            high=10.0,
        ),
        "reputation_weeks": Param(
            52,
            "Weeks for a 断らない desk to become known (its referral effect reaches 63% after this many weeks).",
            "Assumption: word spreads over about a year.",
            kind="int",
            low=1,
            high=10_000,
        ),
    }

    def setup(self) -> None:
        run, town = self.run, self.run.town
        self.kinds = list(town.desk_of_kind_by_area)
        specs = {d["kind"]: d for d in town.desks}
        # One row per run of a batch: a council opens domains in its own run only.
        masks = np.array([_mask(specs[k]["domains"]) for k in self.kinds], dtype=np.uint16)
        self.kind_masks = np.tile(masks, (run.n_runs, 1))
        self.desk_masks = np.array([_mask(d["domains"]) for d in town.desks], dtype=np.uint16)
        self.give_up = type_array(self.p.give_up_probability)
        self.desk_of_kind_by_area = np.stack([town.desk_of_kind_by_area[k] for k in self.kinds])
        self.referrals = np.zeros(len(town.desks), dtype=np.int64)  # referrals each desk received (each attempt)
        self.npo_covers = self._npo_covers()
        self.weeks_refusing_none = np.zeros(run.n_runs)  # how long each run's desks have refused nobody
        self._kinds_changed()

    def _npo_covers(self) -> np.ndarray:
        """Which domains an NPO serving each run can take on (rows: runs)."""
        w, focus = self.run.worlds, self.run.town.npo_focus
        covers = np.zeros((self.run.n_runs, N_DOMAINS), dtype=bool)
        for r in range(self.run.n_runs):
            for f in focus[int(w.npo_start[r]) : int(w.npo_start[r + 1])]:
                for d in NPO_DOMAINS.get(f, ()):
                    covers[r, DOMAIN_KEYS.index(d)] = True
        return covers

    def inherit(self, warm: Any) -> None:
        """A 断らない desk of the warm-up keeps the reputation it built."""
        if self.p.refuse_none:
            self.weeks_refusing_none = warm.weeks_refusing_none.copy()

    def _kinds_changed(self) -> None:
        """Which desk kinds cover each domain (per run, then rows: domains), and whether any does."""
        domains = np.arange(N_DOMAINS)
        self.covers = ((self.kind_masks[:, None, :] >> domains[None, :, None]) & 1).astype(bool)
        self.covered = self.covers.any(axis=2)

    def _coverage_of(self, idx: np.ndarray, presenting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which kinds cover each household's presenting domain, and whether any does (in its run)."""
        run = self.run.worlds.hh[idx]
        return self.covers[run, presenting], self.covered[run, presenting]

    def referral_multiplier(self, idx: np.ndarray) -> np.ndarray:
        """How much likelier residents, families and agencies are to bring households ``idx``'s problems forward.

        1 with siloed desks; with 断らない desks ``1 + referral_effect × (1 − exp(−weeks / reputation_weeks))``,
        *weeks* being how long the run's desks have refused nobody. A hook for the detection
        channels (self, family, neighbours' information, agencies): multiply their weekly
        probability by it.
        """
        if not (self.enabled and self.p.refuse_none):
            return np.ones(len(idx))
        known = -np.expm1(-self.weeks_refusing_none / self.p.reputation_weeks)
        return 1.0 + self.p.referral_effect * known[self.run.worlds.hh[idx]]

    def step(self, week: int) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        if p.refuse_none:
            self.weeks_refusing_none += 1
        run.cases.end_cooling_off(ServiceStatus.GAVE_UP, week)
        idx = run.cases.in_status(ServiceStatus.REFERRED)  # in contact with services: an open case
        if len(idx) == 0:
            return
        cases = hh.case[idx]
        u_present, u_route, u_kind = self.draws(week, idx, (3, 0, 1))
        presenting = pick_domain(hh.domains[idx], u_present)
        covers, covered_somewhere = self._coverage_of(idx, presenting)
        desk = self._route(idx, presenting, covers, covered_somewhere, u_route, u_kind)
        if p.refuse_none:
            accept = np.full(len(idx), True)
        else:
            accept = ((self.desk_masks[desk] >> presenting) & 1).astype(bool)
            # Under 重層 a problem no desk kind covers is not turned away: the 事務局 takes it up.
            accept |= ~covered_somewhere & self._secretariat_open()
        run.cases.cols["referrals"][cases] += 1
        self.referrals += np.bincount(desk, minlength=len(self.desk_masks))
        hours = np.full(len(idx), p.hours_per_referral)  # this week's desk hours of each household, booked at once
        if accept.any():
            hours[accept] += self._accept(idx[accept], desk[accept], presenting[accept], week)
        run.accounts.add_desk_hours(desk, hours)
        if not accept.all():
            bounced = ~accept
            self._bounce(idx[bounced], presenting[bounced], covered_somewhere[bounced], week)

    def _secretariat_open(self) -> bool:
        from sim.mechanisms.multi_agency import MultiAgencyTeam

        return self.run.mechanism(MultiAgencyTeam).enabled

    def kind_covering(self, domain: int, run: int = 0) -> str | None:
        """The first desk kind that accepts ``domain`` when siloed (in run ``run``), or None (制度の狭間)."""
        covering = np.flatnonzero((self.kind_masks[run] >> domain) & 1)
        return self.kinds[covering[0]] if len(covering) else None

    def open_domain(self, kind: str, domain: int, run: int = 0) -> None:
        """A new local resource: desks of ``kind`` (in run ``run``) accept ``domain`` from now on.

        An unknown kind is ignored.
        """
        if kind not in self.kinds:
            return
        bit = np.uint16(1 << domain)
        self.kind_masks[run, self.kinds.index(kind)] |= bit
        self._kinds_changed()
        for d in self.run.town.desks:
            if d["kind"] == kind and d.get("world", 0) == run:
                self.desk_masks[d["index"]] |= bit

    def _route(
        self,
        idx: np.ndarray,
        presenting: np.ndarray,
        covers: np.ndarray,
        covered: np.ndarray,
        u_route: np.ndarray,
        u_kind: np.ndarray,
    ) -> np.ndarray:
        """The desk each household reaches (``covers``, ``covered``: :meth:`_coverage_of` its presenting domain)."""
        hh = self.run.hh
        first_visit = hh.referral_attempts[idx] == 0
        accuracy = np.where(first_visit, self.p.routing_accuracy, self.p.routing_accuracy_after_bounce)
        right = (u_route < accuracy) & covered
        # Right: a random kind among those that cover the domain; wrong: a random kind among the others.
        candidates = np.where(right[:, None], covers, ~covers | ~covered[:, None])
        cum = np.cumsum(candidates, axis=1)
        kind = (cum < (u_kind * cum[:, -1])[:, None]).sum(axis=1)
        # A channel that chose the desk (an old parent at the desk for older people) goes there first.
        entry = np.where(first_visit, hh.entry_domain[idx], -1)
        chosen = entry >= 0
        if chosen.any():
            entry_covers = self._coverage_of(idx[chosen], entry[chosen])[0]
            kind[chosen] = np.where(entry_covers.any(axis=1), entry_covers.argmax(axis=1), kind[chosen])
        hh.entry_domain[idx] = -1
        return self.desk_of_kind_by_area[kind, self.run.town.area[idx]]

    def _accept(self, idx: np.ndarray, desk: np.ndarray, presenting: np.ndarray, week: int) -> np.ndarray:
        """The desk keeps the household, links what it does not cover, and triages it; returns the desk hours."""
        from sim.mechanisms.multi_agency import MultiAgencyTeam
        from sim.mechanisms.triage import DeskTriage

        run, hh, p = self.run, self.run.hh, self.p
        held = hh.domains[idx]
        own = held & self.desk_masks[desk]
        to_link = held & ~own  # bitmasks
        links = np.zeros(len(idx), dtype=np.uint16)
        n_links = np.zeros(len(idx), dtype=np.int64)
        gap = np.zeros(len(idx), dtype=np.uint16)  # 制度の狭間: held, no desk kind covers it, nobody took it on
        some = np.flatnonzero(to_link)  # most households hold only the desk's own domains: nothing to link
        if len(some):
            runs = run.worlds.hh[idx[some]]
            bits = ((to_link[some, None] >> _DOMAINS) & 1).astype(bool)
            by_kind = self.covered[runs]
            by_npo = self.npo_covers[runs] & ~by_kind
            chance = p.link_probability_one_stop if p.refuse_none else p.link_probability
            u = self.draws(week, idx[some], _LINK_DRAWS).T  # rows: households, columns: domains
            linked = bits & ((by_kind & (u < chance)) | (by_npo & (u < chance * p.npo_link_relative)))
            links[some] = (linked << _DOMAINS).sum(axis=1)
            n_links[some] = linked.sum(axis=1)
            missing = bits & ~by_kind & ~linked
            gap[some] = (missing << _DOMAINS).sum(axis=1)
            who, domain = np.nonzero(missing)
            if len(who):
                run.accounts.record_unmet(domain, idx[some][who])
        hh.links[idx] = links
        if n_links.any():
            run.accounts.count("desk_links", idx[n_links > 0])
        coverage = np.bitwise_count(own | links) / np.maximum(np.bitwise_count(held), 1)
        to_secretariat = (gap > 0) & self._secretariat_open()
        triage_hours = run.mechanism(DeskTriage).triage(
            idx, desk, presenting, coverage.astype(np.float32), to_secretariat, week
        )
        if to_secretariat.any():
            run.mechanism(MultiAgencyTeam).refer(idx[to_secretariat], week, gap=True)
        return n_links * p.hours_per_link + triage_hours

    def _bounce(self, idx: np.ndarray, presenting: np.ndarray, covered: np.ndarray, week: int) -> None:
        """Desks turn households ``idx`` away (``covered``: whether any desk kind covers the presenting domain)."""
        run, hh = self.run, self.run.hh
        u = self.draw(week, idx, 2)
        cases = hh.case[idx]
        run.cases.cols["bounces"][cases] += 1
        uncovered = ~covered
        run.accounts.record_unmet(presenting[uncovered], idx[uncovered])  # 制度の狭間, for the 自立支援協議会
        run.accounts.count("bounces", idx)
        hh.referral_attempts[idx] += 1
        gives_up = u < self.give_up[run.town.htype[idx]]
        quit_ = idx[gives_up]
        hh.service[quit_] = ServiceStatus.GAVE_UP
        hh.service_until[quit_] = week + self.p.give_up_weeks
        hh.referral_attempts[quit_] = 0
        run.cases.cols["gave_up"][hh.case[quit_]] = True
        run.accounts.count("gave_up", quit_)


def pick_domain(masks: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One domain per household, uniformly among the domains set in its mask."""
    # The k-th set bit (k = floor(u × bits set)), looked up in a table of all masks.
    return _PICK[masks, (u * _BITS_SET[masks]).astype(np.int64)]


def _pick_table() -> tuple[np.ndarray, np.ndarray]:
    """For every mask: bits set, and the domain pick_domain returns for each k = floor(u × bits set)."""
    masks = np.arange(1 << N_DOMAINS)
    cum = np.cumsum((masks[:, None] >> np.arange(N_DOMAINS)) & 1, axis=1)  # bits set up to each domain
    ks = np.arange(N_DOMAINS + 1)
    pick = (cum[:, None, :] <= ks[None, :, None]).sum(axis=2).astype(np.uint16)  # domains with cum <= k
    return pick, cum[:, -1]


_PICK, _BITS_SET = _pick_table()


def _mask(domains: list[str]) -> int:
    mask = 0
    for d in domains:
        mask |= 1 << DOMAIN_KEYS.index(d)
    return mask
