"""CommunityModel: one town, its households' life problems, and who finds and helps them."""

from __future__ import annotations

import itertools
import operator
from collections import Counter, defaultdict
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from sim.agents import (
    NPO,
    ConsultationDesk,
    Household,
    NeighbourhoodAssociation,
    Professional,
    Resident,
    Venue,
    WelfareCommissioner,
)
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town, mechanism_params
from sim.domain import CHANNEL_KEYS, PROBLEM_STAGE_KEYS, STAGE_KEYS, TYPE_KEYS, ServiceStatus, Stage
from sim.mechanisms import MECHANISMS, Mechanism
from sim.mechanisms.onset import draw_domains
from sim.state import NOT_YET, RESOLVED_BY_KEYS, CaseTable, HouseholdState
from sim.streams import HouseholdStream, make_stream
from sim.town import VENUE_IBASHO, Worlds, build_town, stack_towns

WEEKS_PER_YEAR = 52
VOLUNTEER_ROLES = frozenset({"minsei_iin", "venue_volunteer", "peer_supporter"})  # unpaid
DEFAULT_WARMUP_WEEKS = 520
PHASES = ("state", "detect", "service")  # the weekly tick's phases, in order
_ENABLED = operator.attrgetter("enabled")


class CommunityModel(mesa.Model):
    """A town whose households move through problem stages, and a community that notices them.

    Args:
        scenario: A :class:`~sim.config.Scenario`, or a bundled scenario name or TOML path.
        town: A :class:`~sim.config.TownProfile`, or a bundled town name or TOML path.
        seed: The run's seed; every random stream derives from it. A list of seeds makes a
            *batch*: one run per seed, their towns stacked side by side in one set of arrays and
            stepped together (each run's results are exactly those of its run alone; read them
            through :func:`sim.batch.world_view`). A batch has no agent views.
        warmup_weeks: Weeks of warm-up that produce the starting state ("today's town"): the
            town is run under ``start_from`` for this long, and its households' problems,
            service contacts and open cases become week 0 of this run. With 0, households
            start from each type's stationary stage mix without community or services.
        start_from: The scenario whose dynamics produce the starting state (default: the
            bundled ``baseline``, i.e. the town profile as it is). Every scenario that starts
            from the same scenario, town and seed starts from the same state.
        agent_views: Whether to create the Mesa agents (households, residents, commissioners,
            …), which are views on the arrays (default: yes for a single run; a batch has none).
            Runs that read only the tables skip them (≈15% faster on a small town); the results
            are the same either way.

    One call of :meth:`step` is one week; ``model.time`` is the number of weeks simulated.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        town: TownProfile | str | Path = "neighbourhood",
        seed: int | list[int] = 0,
        *,
        warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
        start_from: Scenario | str | Path = "baseline",
        agent_views: bool | None = None,
        _collect: bool = True,
        _week_offset: int = 0,
    ) -> None:
        self.seeds = [int(s) for s in seed] if isinstance(seed, list | tuple) else [int(seed)]
        if not self.seeds or min(self.seeds) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        if agent_views is None:
            agent_views = len(self.seeds) == 1
        if len(self.seeds) > 1 and agent_views:
            raise ValueError("a batch of runs (several seeds) has no agent views")
        super().__init__(rng=self.seeds[0])
        self.seed = self.seeds[0]
        self.n_worlds = len(self.seeds)
        self.week_offset = _week_offset
        self.policy = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.town_spec = town if isinstance(town, TownProfile) else load_town(town)
        self.profile = effective_profile(self.policy, self.town_spec)
        towns = [build_town(self.profile, s) for s in self.seeds]
        self.worlds = Worlds.of(towns)
        self.town = stack_towns(towns)
        self.n_households = self.town.n_households
        self.hh = HouseholdState(self.n_households)
        self.cases = CaseTable(capacity=max(1024, self.n_households // 4))
        self._case_events = 0  # counts calls that open or close cases (open_idx is recomputed after one)
        self.mechanisms: list[Mechanism] = [
            cls(self, params) for cls, params in zip(MECHANISMS, mechanism_params(self.policy).values(), strict=True)
        ]
        self._by_name = {m.name: m for m in self.mechanisms}
        self._switches: list[bool] = []  # the switches that self._actions was built for
        self._actions: dict[str, list] = {}
        self._res_ptr = np.searchsorted(self.town.res_household, np.arange(self.n_households + 1))
        self._init_counters()
        self.agent_views = agent_views
        self._collect = _collect
        if agent_views:
            self._create_agents()
        self.warmup_weeks = int(warmup_weeks)
        if self.warmup_weeks > 0:
            self._start_from_warm_town(start_from)
        else:
            self._seed_prevalent_cases()
        self._apply_links()
        for mech in self.mechanisms:
            mech.start()
        self.all_households = np.arange(self.n_households)
        self.open_idx = np.zeros(0, dtype=np.int64)  # households with an open case (refreshed each phase)
        self._open_at = -1  # value of _case_events when open_idx was computed
        self.reachable_idx = np.zeros(0, dtype=np.int64)
        self._detection_stream = self.household_stream("detection")
        self._manual_stream = self.household_stream("manual")
        self._manual_draws = 0
        self._proposals: list[tuple[np.ndarray, int]] = []
        self._week_row = np.zeros(0)  # this week's counts and cumulative totals (whole numbers are exact)
        # One reporter for the whole row: a Mesa reporter per column costs more than the week's mechanisms.
        self.datacollector = mesa.DataCollector(model_reporters={"week_row": _week_row})
        self._collect_week(self.week)

    # ------------------------------------------------------------------ set-up
    def household_stream(self, name: str) -> HouseholdStream:
        """The counter-based stream ``name`` of this run (of each run, in a batch)."""
        if self.n_worlds == 1:
            return HouseholdStream(self.seed, name)
        return HouseholdStream(self.seeds, name, self.worlds.hh, self.worlds.local)

    def _init_counters(self) -> None:
        town = self.town
        self.prof_desk = np.repeat(np.arange(len(town.desks)), [d["staff"] for d in town.desks])
        self.prof_caseload = np.zeros(len(self.prof_desk), dtype=np.int32)
        self._staff_of_desk = [np.flatnonzero(self.prof_desk == d) for d in range(len(town.desks))]
        self.roles = sorted({d["staff_role"] for d in town.desks})
        self.desk_role = np.array([self.roles.index(d["staff_role"]) for d in town.desks], dtype=np.int64)
        self.desk_referrals = np.zeros(len(town.desks), dtype=np.int64)
        self.commissioner_visits = np.zeros(len(town.district_vacant))  # expected visits made, per district
        self.staff_hours: Counter[str] = Counter()
        # Each run's hours by role (in a single run, staff_hours itself).
        self.world_hours = [self.staff_hours] + [Counter() for _ in range(self.n_worlds - 1)]
        self.complex_weeks_by_type = np.zeros(len(TYPE_KEYS), dtype=np.int64)
        self.world_complex_weeks = np.zeros((self.n_worlds, len(TYPE_KEYS)), dtype=np.int64)  # batch only
        self.peer_contacts = np.zeros(self.n_worlds)  # outreach contacts a week offered by peer supporters, per run
        self._closed_supported: list[np.ndarray] = []  # this week's closures under support
        self.week_counts: defaultdict[str, int] = defaultdict(int)  # this week's flows (C-level, unlike Counter)

    def _create_agents(self) -> None:
        town = self.town
        self.households = [Household(self, i) for i in range(self.n_households)]
        self.residents = [Resident(self, i) for i in range(town.n_residents)]
        self.associations = [NeighbourhoodAssociation(self, a) for a in range(len(town.area_activity))]
        self.commissioners = [WelfareCommissioner(self, d) for d in range(len(town.district_vacant))]
        self.venues = [Venue(self, v) for v in range(len(town.venue_kind))]
        self.npos = [NPO(self, i, focus) for i, focus in enumerate(town.npo_focus)]
        self.desks = [ConsultationDesk(self, d["index"], d) for d in town.desks]
        self.professionals = [
            Professional(self, i, int(desk), town.desks[desk]["staff_role"]) for i, desk in enumerate(self.prof_desk)
        ]

    def _start_from_warm_town(self, start_from: Scenario | str | Path) -> None:
        """Take the households' state at the end of a warm-up run as this run's week 0."""
        warm = warm_town(start_from, self.town_spec, self.seeds if self.n_worlds > 1 else self.seed, self.warmup_weeks)
        self.hh.copy_from(warm.hh)
        if self.n_worlds > 1:
            self._relocate_venue_links(warm.worlds)
        open_ = np.flatnonzero(warm.hh.case >= 0)
        self.hh.case.fill(-1)
        self.hh.case[open_] = self.cases.carry_over(warm.cases, warm.hh.case[open_])
        self.mechanism("council").inherit(warm.mechanism("council"))  # resources that exist today
        self.prof_caseload[:] = warm.prof_caseload

    def _relocate_venue_links(self, warm: Worlds) -> None:
        """Venue links carried from a batch's warm-up point to each run's own venues (unknown ones lapse)."""
        w = self.worlds
        for name in ("desk_start", "district_start"):
            if not np.array_equal(getattr(w, name), getattr(warm, name)):
                raise ValueError(f"a batch's scenario must keep the warm-up town's layout ({name} differs)")
        linked = self.hh.linked_venue
        has = np.flatnonzero(linked >= 0)
        world = w.hh[has]
        local = linked[has] - warm.venue_start[world]
        inside = local < np.diff(w.venue_start)[world]
        linked[has] = np.where(inside, w.venue_start[world] + local, len(self.town.venue_kind))

    def link_to_venue(self, idx: np.ndarray, venue: np.ndarray) -> None:
        """参加支援: households ``idx`` take part in ``venue`` and gain the venue's ties."""
        self.hh.linked_venue[idx] = venue
        self._apply_links(idx)

    def _apply_links(self, idx: np.ndarray | None = None) -> None:
        """Put linked households into their venues in the town (all of them, or ``idx``)."""
        if idx is None:
            # Links carried from a warm-up town with other venues may point nowhere here: they lapse.
            linked = self.hh.linked_venue
            valid = (linked >= 0) & (linked < len(self.town.venue_kind))
            valid[valid] &= self.town.venue_kind[linked[valid]] == VENUE_IBASHO
            linked[(linked >= 0) & ~valid] = -1
            idx = np.flatnonzero(self.hh.linked_venue >= 0)
        idx = idx[self.town.hh_venue[idx] < 0]  # a household already taking part gains no new tie
        if len(idx) == 0:
            return
        self.town.hh_venue[idx] = self.hh.linked_venue[idx]
        self.town.ties[idx] += np.float32(self.profile["venues"]["ties_from_participation"])
        self.town.changed()

    def _seed_prevalent_cases(self) -> None:
        """Start from the stationary stage mix of each type under onset, progression and resolution alone.

        These cases are flagged ``prevalent_at_start``; summaries are about new cases.
        """
        u, d = [], []
        for seed, part in zip(self.seeds, self.worlds.hh_parts, strict=True):
            rng = make_stream(seed, "init")
            n = part.stop - part.start
            u.append(rng.random(n))
            d.append(rng.random((3, n)))
        u, d = np.concatenate(u), np.concatenate(d, axis=1)
        shares = self.stationary_stage_shares()  # (types, 4)
        cum = np.cumsum(shares, axis=1)[self.town.htype]
        stage = (u[:, None] >= cum[:, :-1]).sum(axis=1)
        idx = np.flatnonzero(stage > 0)
        weights = self.mechanism("onset").domain_weights[self.town.htype[idx]]
        domains = np.zeros(len(idx), dtype=np.uint16)
        primary = draw_domains(weights, 0, d[0, idx])
        domains |= (1 << primary).astype(np.uint16)
        for step_ in (1, 2):
            extra = draw_domains(weights, domains, d[step_, idx])
            add = (stage[idx] > step_) & (extra >= 0)
            domains[add] |= (1 << extra[add]).astype(np.uint16)
        ids = self.cases.open(idx, self.town.htype[idx], NOT_YET, primary, domains, stage[idx], prevalent=True)
        self.hh.stage[idx] = stage[idx]
        self.hh.domains[idx] = domains
        self.hh.case[idx] = ids

    def stationary_stage_shares(self) -> np.ndarray:
        """Long-run stage shares of each household type with no community or services (rows: types).

        Uses the onset, progression and resolution parameters whether or not those mechanisms
        are switched on, so that every scenario on a seed starts from the same town.
        """
        onset, prog, res = self.mechanism("onset"), self.mechanism("progression"), self.mechanism("resolution")
        shares = np.zeros((len(TYPE_KEYS), 4))
        for t in range(len(TYPE_KEYS)):
            h, up, down = onset.weekly[t], prog.weekly[:, t], res.weekly
            q = np.zeros((4, 4))  # weekly transition matrix
            q[0, 1] = h
            # Resolution is drawn before progression, so moving up needs not resolving first.
            q[1, 2], q[2, 3] = up[1] * (1 - down[1]), up[2] * (1 - down[2])
            q[1:, 0] = down[1:]
            np.fill_diagonal(q, 1.0 - q.sum(axis=1))
            a = np.vstack([q.T - np.eye(4), np.ones(4)])
            pi = np.linalg.lstsq(a, np.r_[np.zeros(4), 1.0], rcond=None)[0]
            shares[t] = np.clip(pi, 0, None) / np.clip(pi, 0, None).sum()
        return shares

    # ------------------------------------------------------------------ the weekly tick
    def step(self) -> None:
        """Advance one week: state changes, detection channels, then services."""
        week = self.week
        self.hh.start_week()
        self._closed_supported: list[np.ndarray] = []
        self._refresh_open()
        for phase, actions in self._weekly_actions().items():
            if phase == "detect":
                # Households with a problem and no contact with services: what channels can find.
                self._refresh_open()
                self.reachable_idx = self.open_idx[self.hh.service[self.open_idx] == ServiceStatus.UNKNOWN]
                self._proposals = []
            for action in actions:
                action(week)
            if phase == "detect":
                self._record_detections(week)
        self.assign_waiting(week)
        if self._collect:
            self._collect_week(week)
        else:  # a warm-up model (no agents): nobody reads its weekly series
            self.week_counts = defaultdict(int)

    def _refresh_open(self) -> np.ndarray:
        """``open_idx``, recomputed only if cases opened or closed since it last was."""
        if self._open_at != self._case_events:
            self.open_idx = (self.hh.case >= 0).nonzero()[0]
            self._open_at = self._case_events
        return self.open_idx

    def _weekly_actions(self) -> dict[str, list]:
        """Each phase's weekly actions in mechanism order (rebuilt only if a switch changed)."""
        switches = list(map(_ENABLED, self.mechanisms))
        if switches != self._switches:
            actions: dict[str, list] = {phase: [] for phase in PHASES}
            for mech in self.mechanisms:
                for phase, action in mech.weekly_actions().items():
                    actions[phase].append(action)
            self._actions, self._switches = actions, switches
        return self._actions

    @property
    def week(self) -> int:
        """The current week: the last one simulated (0 before the first step; a warm-up counts up to 0)."""
        return int(self.time) + self.week_offset

    def run(self, weeks: int) -> CommunityModel:
        """Step ``weeks`` weeks; returns the model."""
        for _ in range(weeks):
            self.step()
        return self

    def mechanism(self, name: str) -> Mechanism:
        """The mechanism called ``name``."""
        return self._by_name[name]

    def residents_of(self, household: int) -> np.ndarray:
        """Indices of the residents of ``household``."""
        return np.arange(self._res_ptr[household], self._res_ptr[household + 1])

    # ------------------------------------------------------------------ operations used by mechanisms
    def count(self, name: str, idx: np.ndarray) -> None:
        """Add households ``idx`` to this week's flow ``name`` (in each run of a batch)."""
        if self.n_worlds == 1:
            self.week_counts[name] += len(idx)
        else:
            self.week_counts[name] += np.bincount(self.worlds.hh[idx], minlength=self.n_worlds)

    def rank_in_run(self, idx: np.ndarray) -> np.ndarray:
        """Each of households ``idx``'s position among those of its own run, in the order given."""
        run = self.worlds.hh[idx]
        order = np.argsort(run, kind="stable")
        rank = np.empty(len(idx), dtype=np.int64)
        rank[order] = _rank_in_group(run[order])
        return rank

    def per_run(self, idx: np.ndarray) -> np.ndarray:
        """How many of households ``idx`` each run holds (one count in a single run)."""
        return np.bincount(self.worlds.hh[idx], minlength=self.n_worlds)

    def book_hours(self, role: str, hours: float | np.ndarray, runs: np.ndarray | None = None) -> None:
        """Add ``hours`` to ``role``'s hours: one figure for every run, or one per run.

        ``runs`` (a mask of runs) limits the booking to those runs: a run whose mechanism did
        nothing this week books nothing, as it would alone.
        """
        if self.n_worlds == 1:  # the weekly path of a single run: no per-run loop
            if runs is None or runs[0]:
                self.staff_hours[role] += hours[0] if isinstance(hours, np.ndarray) else hours
            return
        hours = np.broadcast_to(hours, self.n_worlds).tolist()
        for k, (counter, h) in enumerate(zip(self.world_hours, hours, strict=True)):
            if runs is None or runs[k]:
                counter[role] += h

    def open_cases(self, idx: np.ndarray, week: int, primary: np.ndarray) -> None:
        """NONE → LATENT for households ``idx`` with presenting domain ``primary``."""
        bits = (1 << primary).astype(np.uint16)
        ids = self.cases.open(idx, self.town.htype[idx], week, primary, bits, Stage.LATENT)
        self.hh.stage[idx] = Stage.LATENT
        self.hh.domains[idx] = bits
        self.hh.case[idx] = ids
        self.hh.changed[idx] = True
        self.count("onsets", idx)
        self._case_events += 1

    def advance_stage(self, idx: np.ndarray, new_domain: np.ndarray) -> None:
        """Move households ``idx`` one stage up, adding ``new_domain`` (-1: none left)."""
        hh = self.hh
        hh.stage[idx] += 1
        add = new_domain >= 0
        hh.domains[idx[add]] |= (1 << new_domain[add]).astype(np.uint16)
        hh.changed[idx] = True
        cases = hh.case[idx]
        self.cases.set("worst_stage", cases, np.maximum(self.cases.worst_stage[cases], hh.stage[idx]))
        self.cases.set("domains", cases, hh.domains[idx])
        self.count("progressions", idx)

    def resolve(self, idx: np.ndarray, week: int, resolved_by: int) -> None:
        """Close the cases of households ``idx`` (each must have a problem)."""
        hh = self.hh
        if len(idx) == 0:
            return
        cases = hh.case[idx]
        self.cases.set("resolution_week", cases, week)
        self.cases.set("resolved_by", cases, resolved_by)
        supported = hh.service[idx] == ServiceStatus.SUPPORTED
        if supported.any():
            released = np.bincount(hh.professional[idx[supported]], minlength=len(self.prof_caseload))
            self.prof_caseload -= released.astype(np.int32)
        hh.resolved_week[idx] = week
        hh.resolved_supported[idx] = supported
        self._closed_supported.append(idx[supported])
        hh.stage[idx] = Stage.NONE
        hh.domains[idx] = 0
        hh.case[idx] = -1
        hh.noticed[idx] = False
        hh.service[idx] = ServiceStatus.UNKNOWN
        hh.desk[idx] = -1
        hh.professional[idx] = -1
        hh.coverage[idx] = 0.0
        hh.referral_attempts[idx] = 0
        hh.consented[idx] = False
        hh.team[idx] = False
        hh.changed[idx] = True
        self.count("resolutions", idx)
        self._case_events += 1

    def set_stage(self, household: int, stage: int) -> None:
        """Put ``household`` at ``stage`` by hand (workshops, stories), keeping the ledger consistent.

        From NONE this opens a case; to NONE it closes it (resolved_by "external"); upwards it
        adds a domain per stage like progression; downwards it eases the stage (worst stage kept).
        """
        idx = np.array([household])
        week = self.week
        current, target = int(self.hh.stage[household]), int(Stage(stage))
        weights = self.mechanism("onset").domain_weights[self.town.htype[idx]]
        if target == Stage.NONE:
            self.resolve(idx if current else idx[:0], week, RESOLVED_BY_KEYS.index("external"))
            return
        if current == Stage.NONE:
            self.open_cases(idx, week, draw_domains(weights, 0, self._manual_draw(week, idx)))
            current = Stage.LATENT
        for _ in range(current, target):
            self.advance_stage(idx, draw_domains(weights, self.hh.domains[idx], self._manual_draw(week, idx)))
        if target < current:
            self.hh.stage[household] = target

    def start_case(self, household: int, stage: Stage, domains: list[int]) -> None:
        """Give ``household`` a fresh case at ``stage`` with ``domains`` (the first is the presenting one).

        Any case it had is closed first (resolved_by "external"); used by stories and workshops.
        """
        self.set_stage(household, Stage.NONE)
        self.set_stage(household, stage)
        mask = np.uint16(sum(1 << d for d in domains))
        case = int(self.hh.case[household])
        self.hh.domains[household] = mask
        self.cases.set("domains", np.array([case]), mask)
        self.cases.set("primary_domain", np.array([case]), domains[0])

    def _manual_draw(self, week: int, idx: np.ndarray) -> np.ndarray:
        self._manual_draws += 1
        return self._manual_stream.uniform(week, idx, self._manual_draws)

    def propose_detection(self, idx: np.ndarray, channel: int) -> None:
        """A channel found households ``idx`` this week."""
        self._proposals.append((idx, int(channel)))

    def accept(self, idx: np.ndarray, desk: np.ndarray, coverage: np.ndarray, week: int) -> None:
        """Desks accepted households ``idx``: they wait for a professional of the desk."""
        hh = self.hh
        hh.service[idx] = ServiceStatus.WAITING
        hh.desk[idx] = desk
        hh.coverage[idx] = coverage
        hh.referral_attempts[idx] = 0
        hh.waiting_since[idx] = week
        cases = hh.case[idx]
        # The acceptance that leads to support counts (an earlier one may have ended in a refusal).
        self.cases.set("intake_week", cases[self.cases.support_start_week[cases] == NOT_YET], week)
        self.cases.set("desk", cases, desk)
        self.count("intakes", idx)

    def closed_under_support(self) -> np.ndarray:
        """Households whose case closed this week while a professional supported it."""
        return np.concatenate(self._closed_supported) if self._closed_supported else np.zeros(0, dtype=np.int64)

    def end_cooling_off(self, status: ServiceStatus, week: int) -> None:
        """Households in ``status`` (GAVE_UP or REFUSED) whose cooling-off has ended can be found again."""
        o = self.open_idx
        back = o[(self.hh.service[o] == status) & (self.hh.service_until[o] <= week)]
        self.hh.service[back] = ServiceStatus.UNKNOWN

    def build_trust(self, idx: np.ndarray, amount: float) -> None:
        """Contact with households ``idx`` raises their trust in services (capped at 1)."""
        self.hh.trust[idx] = np.minimum(1.0, self.hh.trust[idx] + amount)

    def refuse(self, idx: np.ndarray, until: int) -> None:
        """Households ``idx`` refused support: nobody refers them again before week ``until``."""
        hh = self.hh
        self.cases.cols["refusals"][hh.case[idx]] += 1
        hh.service[idx] = ServiceStatus.REFUSED  # desk and coverage kept: a 支援会議 may ask again there
        hh.service_until[idx] = until
        self.count("refusals", idx)

    def add_staff(self, kind: str, per_desk: int, world: int = 0) -> None:
        """New professionals join every desk of ``kind`` (of run ``world`` in a batch): a resource the council created."""
        desks = [d["index"] for d in self.town.desks if d["kind"] == kind and d.get("world", 0) == world]
        new_desks = np.repeat(np.array(desks, dtype=np.int64), per_desk)
        if len(new_desks) == 0:
            return
        first = len(self.prof_desk)
        self.prof_desk = np.concatenate([self.prof_desk, new_desks])
        self.prof_caseload = np.concatenate([self.prof_caseload, np.zeros(len(new_desks), dtype=np.int32)])
        self._staff_of_desk = [np.flatnonzero(self.prof_desk == d) for d in range(len(self.town.desks))]
        if self.agent_views:
            for i, d in enumerate(new_desks, start=first):
                spec = self.town.desks[d]
                self.professionals.append(Professional(self, i, int(d), spec["staff_role"]))

    def add_hours(self, desk: np.ndarray, hours: np.ndarray | float) -> None:
        """Record staff hours worked for households at ``desk`` (by the desk's staff role)."""
        weights = (
            np.full(desk.shape, hours, dtype=np.float64) if np.ndim(hours) == 0 else np.asarray(hours, dtype=np.float64)
        )
        n_roles = len(self.roles)
        if self.n_worlds > 1:
            key = self.worlds.desk[desk] * n_roles + self.desk_role[desk]
            by_run = np.bincount(key, weights=weights, minlength=self.n_worlds * n_roles).reshape(self.n_worlds, -1)
            for run, role in zip(*np.nonzero(by_run), strict=True):  # row by row: each run's roles in order
                self.world_hours[run][self.roles[role]] += float(by_run[run, role])
            return
        by_role = np.bincount(self.desk_role[desk], weights=weights, minlength=n_roles)
        for role, h in zip(self.roles, by_role, strict=True):
            if h:
                self.staff_hours[role] += float(h)

    def assign_waiting(self, week: int) -> None:
        """Give waiting households a professional of their desk, longest-waiting first, least-loaded
        professional first, within the caseload limit (unlimited without the caseloads mechanism)."""
        hh = self.hh
        waiting = self.open_idx[hh.service[self.open_idx] == ServiceStatus.WAITING]
        if len(waiting) == 0:
            return
        if self.mechanism("consent").enabled:
            waiting = waiting[hh.consented[waiting]]
        limit = self.mechanism("caseloads").limit()
        if limit is not None:  # skip desks whose professionals are all full
            free_places = np.maximum(limit - self.prof_caseload, 0)
            free_at_desk = np.bincount(self.prof_desk, weights=free_places, minlength=len(self.town.desks))
            waiting = waiting[free_at_desk[hh.desk[waiting]] > 0]
        if len(waiting) == 0:
            return
        waiting = waiting[np.lexsort((waiting, hh.waiting_since[waiting], hh.desk[waiting]))]
        if self.n_worlds > 1:  # a batch has dozens of queues a week: all desks at once
            self._assign_all_desks(waiting, limit, week)
            return
        desk = hh.desk[waiting]
        bounds = [0, *((desk[1:] != desk[:-1]).nonzero()[0] + 1).tolist(), len(waiting)]
        for start, end in itertools.pairwise(bounds):  # one queue per desk: a dozen desks at most
            queue = waiting[start:end]
            chosen = self._professionals_for(self._staff_of_desk[desk[start]], len(queue), limit)
            self._start_support(queue[: len(chosen)], chosen, week)

    def _assign_all_desks(self, waiting: np.ndarray, limit: int | None, week: int) -> None:
        """:meth:`assign_waiting` for every desk's queue at once (``waiting``: sorted by desk, then queue order).

        The same rule as :meth:`_professionals_for`, desk by desk: a professional with ``f`` free
        places offers slots ranked load, load + 1, …; a desk's queue takes its best slots in
        order (ties: the professional's index, then the slot).
        """
        desk = self.hh.desk[waiting]
        n_desks = len(self.town.desks)
        queue = np.bincount(desk, minlength=n_desks)
        wanted = queue[self.prof_desk]
        load = self.prof_caseload
        free = wanted if limit is None else np.minimum(np.maximum(limit - load, 0), wanted)
        slot_prof = np.repeat(np.arange(len(load)), free)
        slot = np.arange(len(slot_prof)) - np.repeat(np.cumsum(free) - free, free)
        slot_desk = self.prof_desk[slot_prof]
        order = np.lexsort((slot, slot_prof, load[slot_prof] + slot, slot_desk))
        slot_prof, slot_desk = slot_prof[order], slot_desk[order]
        taken = _rank_in_group(slot_desk) < queue[slot_desk]
        served = _rank_in_group(desk) < np.bincount(slot_desk[taken], minlength=n_desks)[desk]
        self._start_support(waiting[served], slot_prof[taken], week)

    def _professionals_for(self, staff: np.ndarray, n: int, limit: int | None) -> np.ndarray:
        """Professionals (of ``staff``) for the first ``n`` of a desk's queue, least-loaded first; fewer if full."""
        load = self.prof_caseload[staff]
        if n == 1 and len(staff):  # the usual week: the first least-loaded professional with room
            room = load if limit is None else np.where(load < limit, load, np.iinfo(load.dtype).max)
            best = int(room.argmin())
            return staff[best : best + 1] if limit is None or load[best] < limit else staff[:0]
        free = np.full(len(staff), n) if limit is None else np.minimum(np.maximum(limit - load, 0), n)
        # One slot per free place; the slot filling a professional's k-th new case ranks load + k.
        slot_staff = np.repeat(staff, free)
        slot_rank = np.repeat(load, free) + (np.arange(free.sum()) - np.repeat(np.cumsum(free) - free, free))
        return slot_staff[np.argsort(slot_rank, kind="stable")][:n]

    def _start_support(self, idx: np.ndarray, professional: np.ndarray, week: int) -> None:
        hh = self.hh
        hh.service[idx] = ServiceStatus.SUPPORTED
        hh.professional[idx] = professional
        self.prof_caseload += np.bincount(professional, minlength=len(self.prof_caseload)).astype(np.int32)
        cases = hh.case[idx]
        self.cases.set("support_start_week", cases[self.cases.support_start_week[cases] == NOT_YET], week)
        self.count("support_starts", idx)

    def _record_detections(self, week: int) -> None:
        """Pick one channel per household found this week, record first detections, refer them."""
        proposals = [(i, c) for i, c in self._proposals if len(i)]
        if not proposals:
            return
        if len(proposals) == 1 and _strictly_increasing(proposals[0][0]):
            # One channel found each household once: it is the channel (the pick's draw is not needed).
            households = proposals[0][0]
            chosen = np.full(len(households), proposals[0][1], dtype=np.int8)
        else:
            idx = np.concatenate([i for i, _ in proposals])
            ch = np.repeat(np.array([c for _, c in proposals], dtype=np.int8), [len(i) for i, _ in proposals])
            order = np.lexsort((ch, idx))
            idx, ch = idx[order], ch[order]
            starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
            counts = np.diff(starts, append=len(idx))
            households = idx[starts]
            u = self._detection_stream.uniform(week, households)
            chosen = ch[starts + (u * counts).astype(np.int64)]
        cases = self.hh.case[households]
        new = self.cases.first_detection_week[cases] == NOT_YET
        new_cases = cases[new]
        self.cases.set("first_detection_week", new_cases, week)
        self.cases.set("first_detection_stage", new_cases, self.hh.stage[households[new]])
        self.cases.set("first_detection_channel", new_cases, chosen[new])
        self.hh.service[households] = ServiceStatus.REFERRED
        self.hh.referral_attempts[households] = 0
        if self.n_worlds > 1:
            key = self.worlds.hh[households[new]] * len(CHANNEL_KEYS) + chosen[new]
            by_run = np.bincount(key, minlength=self.n_worlds * len(CHANNEL_KEYS)).reshape(self.n_worlds, -1)
            for c in np.flatnonzero(by_run.sum(axis=0)):
                self.week_counts[f"detected_{CHANNEL_KEYS[c]}"] += by_run[:, c]
        else:
            by_channel = np.bincount(chosen[new], minlength=len(CHANNEL_KEYS))
            for c in np.flatnonzero(by_channel):
                self.week_counts[f"detected_{CHANNEL_KEYS[c]}"] += int(by_channel[c])
        self.count("referrals", households)

    # ------------------------------------------------------------------ outputs
    def _collect_week(self, week: int) -> None:
        """Record this week's row of the weekly series (counts and cumulative hours) and reset the flows."""
        if self.n_worlds > 1:
            self._collect_batch_week()
            return
        hh = self.hh
        open_ = self._refresh_open()
        stage = hh.stage[open_]
        counts = np.zeros(len(_COUNT_NAMES) + len(_TOTAL_NAMES))  # counts, then cumulative totals
        counts[:4] = np.bincount(stage, minlength=4)
        counts[Stage.NONE] = self.n_households - len(open_)
        known = self.cases.first_detection_week[hh.case[open_]] != NOT_YET
        counts[4:7] = np.bincount(stage[known], minlength=4)[1:]
        counts[7:12] = np.bincount(hh.service[open_], minlength=len(ServiceStatus))[_SERVICE_COUNTED]
        for name, n in self.week_counts.items():
            if name in _FLOW_POSITION:
                counts[_FLOW_POSITION[name]] = n
        volunteer = sum(h for role, h in self.staff_hours.items() if role in VOLUNTEER_ROLES)
        counts[len(_COUNT_NAMES) :] = (
            float(self.commissioner_visits.sum()),
            float(self.staff_hours["outreach_worker"]),
            float(sum(self.staff_hours.values()) - volunteer),
            float(volunteer),
        )
        if self.time > 0:
            self.complex_weeks_by_type += np.bincount(
                self.town.htype[open_[stage == Stage.COMPLEX]], minlength=len(TYPE_KEYS)
            )
        self._week_row = counts
        self.datacollector.collect(self)
        self.week_counts = defaultdict(int)  # flows of the next week (manual changes between steps included)

    def _collect_batch_week(self) -> None:
        """:meth:`_collect_week` for a batch: one row per run, each as its run alone would record it."""
        hh, w, k = self.hh, self.worlds, self.n_worlds
        open_ = self._refresh_open()
        stage, run = hh.stage[open_], w.hh[open_]
        counts = np.zeros((k, len(_COUNT_NAMES) + len(_TOTAL_NAMES)))
        counts[:, :4] = np.bincount(run * 4 + stage, minlength=4 * k).reshape(k, 4)
        counts[:, Stage.NONE] = np.diff(w.hh_start) - np.bincount(run, minlength=k)
        known = self.cases.first_detection_week[hh.case[open_]] != NOT_YET
        counts[:, 4:7] = np.bincount(run[known] * 4 + stage[known], minlength=4 * k).reshape(k, 4)[:, 1:]
        n_status = len(ServiceStatus)
        by_status = np.bincount(run * n_status + hh.service[open_], minlength=n_status * k).reshape(k, n_status)
        counts[:, 7:12] = by_status[:, _SERVICE_COUNTED]
        for name, n in self.week_counts.items():
            if name in _FLOW_POSITION:
                counts[:, _FLOW_POSITION[name]] = n
        visits = [float(self.commissioner_visits[part].sum()) for part in w.district_parts]
        for row, (hours, visited) in enumerate(zip(self.world_hours, visits, strict=True)):
            volunteer = sum(h for role, h in hours.items() if role in VOLUNTEER_ROLES)
            counts[row, len(_COUNT_NAMES) :] = (
                visited,
                float(hours["outreach_worker"]),
                float(sum(hours.values()) - volunteer),
                float(volunteer),
            )
        if self.time > 0:
            complex_ = open_[stage == Stage.COMPLEX]
            key = w.hh[complex_] * len(TYPE_KEYS) + self.town.htype[complex_]
            self.world_complex_weeks += np.bincount(key, minlength=k * len(TYPE_KEYS)).reshape(k, -1)
        self._week_row = counts
        self.datacollector.collect(self)
        self.week_counts = defaultdict(int)

    def weekly(self, world: int = 0) -> pd.DataFrame:
        """The weekly series: true state and what the municipality knows, by stage; flows by channel.

        In a batch, ``world`` picks the run (its position in the list of seeds).
        """
        rows = np.stack(self.datacollector.model_vars["week_row"])
        if rows.ndim == 3:
            rows = rows[:, world]
        counts, totals = rows[:, : len(_COUNT_NAMES)].astype(np.int64), rows[:, len(_COUNT_NAMES) :]
        columns = {"week": np.arange(len(rows))} | {name: counts[:, i] for i, name in enumerate(_COUNT_NAMES)}
        # Cumulative counters become weekly flows.
        flows = np.diff(totals, axis=0, prepend=totals[:1])
        flows[0] = 0.0
        columns |= {name: flows[:, i] for i, name in enumerate(_TOTAL_NAMES)}
        return pd.DataFrame(columns)

    def ledger(self) -> pd.DataFrame:
        """The case ledger, one row per case."""
        from sim.outputs import ledger_frame

        return ledger_frame(self)

    def council_log(self, world: int = 0) -> pd.DataFrame:
        """What the 自立支援協議会 took up, when, why (unmet needs) and when the resource opened (run ``world`` of a batch)."""
        columns = [
            "decided_week",
            "opens_week",
            "opened",
            "domain",
            "domain_ja",
            "unmet_in_quarter",
            "field",
            "field_ja",
            "host_desk",
            "staff_per_desk",
        ]
        log = self.mechanism("council").log
        if self.n_worlds > 1:
            log = [item for item in log if item["world"] == world]
        return pd.DataFrame(log, columns=columns)

    def summary(self) -> dict[str, float]:
        """Headline metrics of the run (see :mod:`sim.metrics`)."""
        from sim.metrics import summarise

        return summarise(self.ledger(), self)


# Columns of the weekly series: counts (integers), then cumulative totals (floats, turned into flows).
_COUNT_NAMES = (
    tuple(f"true_{k}" for k in STAGE_KEYS)
    + tuple(f"known_{k}" for k in PROBLEM_STAGE_KEYS)
    + ("supported", "waiting_intake", "waiting_list", "gave_up_away", "refused_away")
    + (
        "onsets",
        "progressions",
        "resolutions",
        "referrals",
        "bounces",
        "gave_up",
        "refusals",
        "participation_links",
        "intakes",
        "support_starts",
        "noticed",
    )
    + tuple(f"detected_{k}" for k in CHANNEL_KEYS[1:])
)
_TOTAL_NAMES = ("commissioner_visits", "outreach_hours", "paid_hours", "volunteer_hours")
# Service statuses counted in the columns supported … refused_away, in that order.
_SERVICE_COUNTED = [
    ServiceStatus.SUPPORTED,
    ServiceStatus.REFERRED,
    ServiceStatus.WAITING,
    ServiceStatus.GAVE_UP,
    ServiceStatus.REFUSED,
]
_FLOW_POSITION = {name: i for i, name in enumerate(_COUNT_NAMES) if i >= 12}  # week_counts → column

_WARM_CACHE: dict[tuple, CommunityModel] = {}
_WARM_CACHE_SIZE = 2


def warm_town(
    start_from: Scenario | str | Path, town: TownProfile, seed: int | list[int], weeks: int
) -> CommunityModel:
    """The model after ``weeks`` of warm-up under ``start_from`` (cached: scenarios compared on one
    seed share it). A list of seeds warms up a batch."""
    scenario = start_from if isinstance(start_from, Scenario) else load_scenario(start_from)
    key = (repr(scenario), repr(town.profile), tuple(seed) if isinstance(seed, list | tuple) else seed, weeks)
    if key not in _WARM_CACHE:
        # Its weeks are numbered -weeks+1 … 0, so it never reuses the draws of the run's weeks 1, 2, …
        model = CommunityModel(
            scenario, town, seed, warmup_weeks=0, agent_views=False, _collect=False, _week_offset=-weeks
        )
        model.run(weeks)
        if len(_WARM_CACHE) >= _WARM_CACHE_SIZE:
            _WARM_CACHE.pop(next(iter(_WARM_CACHE)))
        _WARM_CACHE[key] = model
    return _WARM_CACHE[key]


def _rank_in_group(sorted_groups: np.ndarray) -> np.ndarray:
    """Each element's position within its run of equal values (``sorted_groups`` is sorted)."""
    return np.arange(len(sorted_groups)) - np.searchsorted(sorted_groups, sorted_groups)


def _strictly_increasing(idx: np.ndarray) -> bool:
    return bool((idx[1:] > idx[:-1]).all())


def _week_row(model: CommunityModel) -> np.ndarray:
    return model._week_row
