"""相談窓口の受付: a siloed desk accepts its own domains and bounces the rest; 断らない accepts all."""

from __future__ import annotations

import numpy as np

from sim.domain import DOMAIN_KEYS, ServiceStatus
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import Param, type_array


class DeskIntake(Mechanism):
    """Referred households go to a desk; the desk accepts or bounces them.

    At each referral the household presents one of its current domains (uniformly; with
    one domain, its first). The referral reaches a desk of a kind that covers the presenting
    domain with probability ``routing_accuracy`` (``routing_accuracy_after_bounce`` after a
    bounce), otherwise a desk of another kind. A siloed desk accepts only its own domains;
    its support then covers the share of the household's domains it handles. With
    ``refuse_none`` (断らない相談支援) every desk accepts every household and coordinates
    support for all its domains. A bounced household gives up with ``give_up_probability``
    and stays away for ``give_up_weeks``; otherwise it is referred again next week.
    """

    name = "desk_intake"
    phase = "service"
    title_ja = "相談窓口の受付"
    title_en = "Desk intake"
    switch_ja = (
        "相談につながった世帯を窓口が受け付けます。"
        "分野ごとの窓口は自分の分野だけを受け、他は別の窓口に回します（たらい回し）。"
        "「断らない相談支援」をオンにすると、どの窓口もすべて受け止めます。"
    )
    switch_en = (
        "Desks take in referred households. "
        "A siloed desk accepts its own field and sends the rest elsewhere (bouncing); "
        "with 断らない相談支援 every desk accepts everyone."
    )
    slide_group = "services"
    in_workshop = True
    seed_ja = "属性にかかわらず、包括的に相談を受けとめる機能（①相談支援：包括的な支援体制の整備、厚生労働省資料2023）"
    workshop_lever = ("refuse_none", True, False)
    lever_title_ja = "断らない相談支援"
    lever_title_en = "Never-refusing desks (断らない相談支援)"
    COLUMNS = (
        Column("bounces", "Households a desk turned away this week."),
        Column("gave_up", "Households that gave up after being turned away this week."),
    )
    PARAMS = {
        "refuse_none": Param(
            False,
            "断らない相談支援: every desk accepts every household.",
            "Baseline: 縦割り desks (社会福祉法 106条の4 makes 断らない相談 part of 重層的支援体制整備事業, "
            "implemented by 473 municipalities in FY2025 of 1,741).",
            kind="bool",
        ),
        "one_stop_coverage": Param(
            1.0,
            "Share of a household's domains covered when a 断らない desk accepts it.",
            "Assumption: the desk links every domain to a service.",
            low=0.0,
            high=1.0,
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
        self._kinds_changed()

    def _kinds_changed(self) -> None:
        """Which desk kinds cover each domain (per run, then rows: domains), and whether any does."""
        domains = np.arange(len(DOMAIN_KEYS))
        self.covers = ((self.kind_masks[:, None, :] >> domains[None, :, None]) & 1).astype(bool)
        self.covered = self.covers.any(axis=2)

    def _coverage_of(self, idx: np.ndarray, presenting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which kinds cover each household's presenting domain, and whether any does (in its run)."""
        run = self.run.worlds.hh[idx]
        return self.covers[run, presenting], self.covered[run, presenting]

    def step(self, week: int) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        run.cases.end_cooling_off(ServiceStatus.GAVE_UP, week)
        o = run.cases.open_idx  # a household in contact with services always has an open case
        idx = o[hh.service[o] == ServiceStatus.REFERRED]
        if len(idx) == 0:
            return
        cases = hh.case[idx]
        u_present, u_route, u_kind = self.draws(week, idx, (3, 0, 1))
        presenting = pick_domain(hh.domains[idx], u_present)
        desk = self._route(idx, presenting, u_route, u_kind)
        accept = np.full(len(idx), True) if p.refuse_none else ((self.desk_masks[desk] >> presenting) & 1).astype(bool)
        run.cases.cols["referrals"][cases] += 1
        self.referrals += np.bincount(desk, minlength=len(self.desk_masks))
        run.accounts.add_desk_hours(desk, self.p.hours_per_referral)
        if accept.any():
            self._accept(idx[accept], desk[accept], week)
        if not accept.all():
            self._bounce(idx[~accept], presenting[~accept], self.draw(week, idx[~accept], 2), week)

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

    def _route(self, idx: np.ndarray, presenting: np.ndarray, u_route: np.ndarray, u_kind: np.ndarray) -> np.ndarray:
        hh = self.run.hh
        accuracy = np.where(
            hh.referral_attempts[idx] > 0, self.p.routing_accuracy_after_bounce, self.p.routing_accuracy
        )
        covers, covered = self._coverage_of(idx, presenting)
        right = (u_route < accuracy) & covered
        # Right: a random kind among those that cover the domain; wrong: a random kind among the others.
        candidates = np.where(right[:, None], covers, ~covers | ~covered[:, None])
        cum = np.cumsum(candidates, axis=1)
        kind = (cum < (u_kind * cum[:, -1])[:, None]).sum(axis=1)
        return self.desk_of_kind_by_area[kind, self.run.town.area[idx]]

    def _accept(self, idx: np.ndarray, desk: np.ndarray, week: int) -> None:
        hh = self.run.hh
        if self.p.refuse_none:
            coverage = np.full(len(idx), self.p.one_stop_coverage)
        else:
            held = hh.domains[idx]
            coverage = np.bitwise_count(held & self.desk_masks[desk]) / np.maximum(np.bitwise_count(held), 1)
        self.run.cases.accept(idx, desk, coverage, week)

    def _bounce(self, idx: np.ndarray, presenting: np.ndarray, u: np.ndarray, week: int) -> None:
        run, hh = self.run, self.run.hh
        cases = hh.case[idx]
        run.cases.cols["bounces"][cases] += 1
        uncovered = ~self._coverage_of(idx, presenting)[1]
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
    masks = np.arange(1 << len(DOMAIN_KEYS))
    cum = np.cumsum((masks[:, None] >> np.arange(len(DOMAIN_KEYS))) & 1, axis=1)  # bits set up to each domain
    ks = np.arange(len(DOMAIN_KEYS) + 1)
    pick = (cum[:, None, :] <= ks[None, :, None]).sum(axis=2).astype(np.uint16)  # domains with cum <= k
    return pick, cum[:, -1]


_PICK, _BITS_SET = _pick_table()


def _mask(domains: list[str]) -> int:
    mask = 0
    for d in domains:
        mask |= 1 << DOMAIN_KEYS.index(d)
    return mask
