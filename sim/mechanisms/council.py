"""自立支援協議会: turning recurring unmet needs into new local resources (個別課題を地域課題へ)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.domain import DOMAIN_KEYS, ServiceStatus
from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.mechanisms.desk_intake import DeskIntake
from sim.params import Param
from sim.vocabulary import label

# The ten fields of resources councils have developed (slide 3-1), and the field each domain leads to.
RESOURCE_FIELDS_JA = (
    "居住支援・地域生活支援",
    "移動支援・交通アクセス",
    "就労支援・社会参加",
    "子ども家庭支援、教育連携",
    "ピアサポート活動",
    "高齢障害者支援",
    "医療・福祉連携、退院支援体制",
    "啓発活動",
    "権利擁護・虐待防止",
    "緊急対応・災害支援",
)
FIELD_OF_DOMAIN = {
    "care": 5,
    "disability": 5,
    "withdrawal": 4,
    "poverty": 2,
    "housing": 0,
    "employment": 2,
    "child_rearing": 3,
    "health": 6,
    "hoarding": 0,
    "debt": 8,
}
QUARTER_WEEKS = 13


class Council(Mechanism):
    """Each quarter the council reviews the individual needs services could not meet.

    Unmet needs, by domain: households bounced with a problem no desk covers (制度の狭間), and
    households still waiting for a professional a week or more at the quarter's end (by
    their first domain). With
    probability research × collaboration × creativity (slide 3-3: the three features of a
    functioning council) it takes up the most frequent unmet domain not yet taken up;
    ``development_weeks`` later a new local resource opens in the matching field of slide 3-1
    with ``staff_per_resource`` professionals per desk of the kind that covers the domain, or, if
    none does, at ``host_desk``, whose desks then accept it. What the council created, when and
    why is logged (``model.council_log()``).
    """

    name = "council"
    phase = "service"
    title_ja = "自立支援協議会"
    title_en = "自立支援協議会 (local support council)"
    switch_ja = "満たされないニーズが続く分野について、協議会が新しい社会資源（窓口の専門職など）を生み出します。"
    switch_en = "Where unmet needs persist, the council creates new resources (such as more professionals at a desk)."
    slide_group = "services"
    ROLES = (Role("council", "自立支援協議会", "council"),)
    PARAMS = {
        "research": Param(
            0.3,
            "調査研究: how well the council assesses the area and argues for its issues (0–1).",
            "Assumption: many councils stall at progress reports (slide 3-2: 成果報告会に留まる).",
            low=0.0,
            high=1.0,
        ),
        "collaboration": Param(
            0.3,
            "協働性: its network and trust with agencies and residents (0–1).",
            "Assumption (slide 3-3).",
            low=0.0,
            high=1.0,
        ),
        "creativity": Param(
            0.3,
            "創造性: facilitation and planning that draw out ideas (0–1).",
            "Assumption (slide 3-3).",
            low=0.0,
            high=1.0,
        ),
        "development_weeks": Param(
            52,
            "Weeks from taking up an issue to the new resource opening.",
            "Assumption: one budget year (障害福祉計画 cycle).",
            kind="int",
            low=0,
            high=10_000,
        ),
        "min_unmet": Param(
            3,
            "Unmet needs of a domain in a quarter needed before the council takes it up.",
            "Assumption.",
            kind="int",
            low=1,
            high=100_000,
        ),
        "host_desk": Param(
            "disability",
            "Desk kind that hosts new resources (the 基幹相談支援センター runs the council).",
            "Model structure (slide 3-4: 基幹で体制をつくる).",
            kind="text",
        ),
        "staff_per_resource": Param(
            2,
            "Professionals a new resource brings to each desk of its kind.",
            "Assumption: a small new service (e.g. a 居住支援 or ピアサポート project with two workers).",
            kind="int",
            low=0,
            high=1000,
        ),
        "hours_per_quarter": Param(
            20.0,
            "Staff hours per quarter for the council's meetings and working teams.",
            "Assumption: a plenary and working-team meetings (slide 3-2).",
            low=0.0,
            high=10_000.0,
        ),
    }

    def setup(self) -> None:
        # One council per run of a batch: what was taken up is per run; pending items and the log
        # are shared lists in decision order, each item naming its run.
        self.pending: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.covered: list[set[int]] = [set() for _ in range(self.run.n_runs)]

    def inherit(self, warm: Any) -> None:
        """Take over the warm-up's council: its resources exist today; what it decided still opens."""
        for item in warm.log:  # in decision order, so resources open (and staff join) in the warm-up's order
            copy = dict(item)
            self.log.append(copy)
            self.covered[copy["world"]].add(copy["domain_index"])
            if copy["opened"]:
                self._open(copy)
            else:
                self.pending.append(copy)

    def _waiting_by_domain(self, week: int) -> np.ndarray:
        run, hh = self.run, self.run.hh
        o = run.cases.open_idx
        waiting = o[(hh.service[o] == ServiceStatus.WAITING) & (hh.waiting_since[o] < week)]
        return run.accounts.by_run_and_domain(run.cases.primary_domain[hh.case[waiting]], waiting)

    def step(self, week: int) -> None:
        run, accounts = self.run, self.run.accounts
        for item in [p for p in self.pending if p["opens_week"] <= week]:
            self._open(item)
            self.pending.remove(item)
        if week % QUARTER_WEEKS:
            return
        accounts.book_hours("council", self.p.hours_per_quarter)
        accounts.unmet += self._waiting_by_domain(week)
        functioning = self.p.research * self.p.collaboration * self.p.creativity
        u = self.draw(week, run.worlds.hh_start[:-1])  # each run's draw for its household 0
        for r, (unmet, covered) in enumerate(zip(accounts.unmet, self.covered, strict=True)):
            candidates = [d for d in np.argsort(-unmet, kind="stable") if d not in covered]
            top = candidates[0] if candidates else None
            if top is not None and unmet[top] >= self.p.min_unmet and u[r] < functioning:
                self._take_up(int(top), week, r)
        accounts.unmet[:] = 0

    def _open(self, item: dict[str, Any]) -> None:
        """The resource opens: its professionals join the covering desk kind (or the host, which accepts the domain).

        An item carried over from the warm-up replays the warm-up council's own choices.
        """
        intake, run = self.run.mechanism(DeskIntake), item["world"]
        if item["opened"]:
            kind, staff = item["host_desk"], item["staff_per_desk"]
            if item["opened_domain"]:
                intake.open_domain(kind, item["domain_index"], run)
        else:
            kind, staff = intake.kind_covering(item["domain_index"], run), self.p.staff_per_resource
            item["opened_domain"] = kind is None
            if kind is None:
                kind = self.p.host_desk
                intake.open_domain(kind, item["domain_index"], run)
        self.run.add_staff(kind, staff, run)
        item.update(opened=True, host_desk=kind, staff_per_desk=staff)

    def _take_up(self, domain: int, week: int, run: int = 0) -> None:
        field = FIELD_OF_DOMAIN[DOMAIN_KEYS[domain]]
        item = {
            "decided_week": week,
            "opens_week": week + self.p.development_weeks,
            "domain": DOMAIN_KEYS[domain],
            "domain_ja": label("domain", domain),
            "unmet_in_quarter": int(self.run.accounts.unmet[run, domain]),
            "field": field + 1,
            "field_ja": RESOURCE_FIELDS_JA[field],
            "host_desk": "",
            "staff_per_desk": 0,
            "opened_domain": False,
            "domain_index": domain,
            "opened": False,
            "world": run,
        }
        self.covered[run].add(domain)
        self.pending.append(item)
        self.log.append(item)

    def log_of(self, run: int) -> list[dict[str, Any]]:
        """What run ``run``'s council took up, in decision order."""
        return [item for item in self.log if item["world"] == run]
