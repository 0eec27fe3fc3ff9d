"""CommunityModel: the composition root — a town, its households' arrays, the mechanisms in
their order, the starting state and the weekly row. It owns nothing else: the case lifecycle,
accounts, staff, warm-up and results live in :mod:`sim.engine`; every community function and
service is a mechanism in :mod:`sim.mechanisms`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, overload

import mesa
import numpy as np
import pandas as pd

from sim.agents.views import AgentViews, add_professionals, create_views
from sim.config import Scenario, TownProfile, effective_profile, load_scenario, load_town, mechanism_params
from sim.domain import Stage
from sim.engine.collector import WeeklyCollector
from sim.engine.run_state import RunState
from sim.engine.views import RunView
from sim.engine.warmup import PilotMix, seed_from_pilot, seed_prevalent_cases, start_from_warm, warm_town
from sim.mechanisms import CHANNEL_KEYS, MECHANISM_BY_NAME, MECHANISMS, ROLES, Mechanism
from sim.mechanisms.onset import Onset, draw_domains
from sim.town import Worlds, stack_towns, town_of

WEEKS_PER_YEAR = 52
DEFAULT_WARMUP_WEEKS = 520  # 10 years from the pilot mix: the services settle (tests/test_steady_baseline.py)
PHASES = ("state", "detect", "service")  # the weekly tick's phases, in order
M = TypeVar("M", bound=Mechanism)


class CommunityModel(mesa.Model):
    """A town whose households move through problem stages, and a community that notices them.

    Args:
        scenario: A :class:`~sim.config.Scenario`, or a bundled scenario name or TOML path.
        town: A :class:`~sim.config.TownProfile`, or a bundled town name or TOML path.
        seed: The run's seed; every random stream derives from it. A list of seeds makes a
            *batch*: one run per seed, their towns stacked side by side in one set of arrays and
            stepped together; each run's results are exactly those of its run alone (read them
            with :meth:`results`). Without ``seed`` or ``rng``, a seed is drawn from the
            operating system's entropy and kept in ``model.seed``, so the run can be repeated.
        rng: Mesa's seed argument (an int, a ``numpy`` Generator or SeedSequence), used when
            ``seed`` is not given: the run's seed is derived from it.
        warmup_weeks: Weeks of warm-up that produce the starting state ("today's town"): the
            town is run under ``start_from`` for this long, and its households' problems,
            service contacts and open cases become week 0 of this run. With 0, households
            start from each type's stationary stage mix without community or services.
        start_from: The scenario whose dynamics produce the starting state (default: the
            bundled ``baseline``). Every scenario that starts from the same scenario, town and
            seed starts from the same state.
        agent_views: Whether to create the Mesa agents (households, residents, commissioners,
            …), views on the arrays (default: yes for a single run; a batch makes them on
            demand with :meth:`agent_views_of`). The results are the same either way.

    One call of :meth:`step` is one week; ``model.time`` is the number of weeks simulated.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        town: TownProfile | str | Path = "neighbourhood",
        seed: int | list[int] | None = None,
        *,
        rng: Any = None,
        warmup_weeks: int = DEFAULT_WARMUP_WEEKS,
        start_from: Scenario | str | Path = "baseline",
        agent_views: bool | None = None,
        _collect: bool = True,
        _week_offset: int = 0,
        _start_mix: PilotMix | None = None,
    ) -> None:
        self.seeds = run_seeds(seed, rng)
        super().__init__(rng=self.seeds[0])
        self.seed = self.seeds[0]
        self.week_offset = _week_offset
        self.policy = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.town_spec = town if isinstance(town, TownProfile) else load_town(town)
        self.profile = effective_profile(self.policy, self.town_spec)
        towns = [town_of(self.profile, s) for s in self.seeds]
        self.worlds = Worlds.of(towns)
        self.town = stack_towns(towns)
        self.state, columns = RunState.assemble(self.town, self.worlds, self.seeds, MECHANISMS, CHANNEL_KEYS, ROLES)
        self.hh, self.cases = self.state.hh, self.state.cases
        params = mechanism_params(self.policy)
        self.mechanisms: list[Mechanism] = [cls(self.state, params[cls.name]) for cls in MECHANISMS]
        self.state.add_mechanisms(self.mechanisms)
        self._views: dict[int, AgentViews] = {}
        self.state.on_new_staff = lambda added: add_professionals(self, self._views, added)
        if agent_views is None:
            agent_views = len(self.seeds) == 1
        if agent_views:
            for run in range(self.worlds.n):
                self.agent_views_of(run)
        self.warmup_weeks = int(warmup_weeks)
        if self.warmup_weeks > 0:
            warm = warm_town(start_from, self.town_spec, self.seeds, self.warmup_weeks)
            start_from_warm(self.state, self.mechanisms, warm)
        elif _start_mix is not None:  # a warm-up run starts near the town's own balance
            seed_from_pilot(self.state, _start_mix, self.week)
        else:
            seed_prevalent_cases(self.state)
        for mech in self.mechanisms:
            mech.start()
        self._manual_stream = self.state.stream("manual")
        self._manual_draws = 0
        self._collect = _collect
        self._switches: list[bool] = []  # the switches that self._actions was built for
        self._actions: dict[str, list[Callable[[int], None]]] = {}
        self.datacollector = WeeklyCollector(self.state, self.mechanisms, columns)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the weekly tick
    def step(self) -> None:
        """Advance one week: state changes, detection channels, then services."""
        week = self.week
        self.hh.start_week()
        self.cases.start_week()
        for phase, actions in self._weekly_actions().items():
            if phase == "detect":
                self.cases.start_detection()
            for action in actions:
                action(week)
            if phase == "detect":
                self.cases.record_detections(week)
        if self._collect:
            self.datacollector.collect(self)
        else:  # a warm-up model: nobody reads its weekly series
            self.state.accounts.end_week()

    def _weekly_actions(self) -> dict[str, list[Callable[[int], None]]]:
        """Each phase's weekly actions in mechanism order (rebuilt only if a switch changed, or a
        council opened a project that acts weekly)."""
        switches = [mech.acts_weekly() for mech in self.mechanisms]
        if switches != self._switches:
            actions: dict[str, list[Callable[[int], None]]] = {phase: [] for phase in PHASES}
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

    # ------------------------------------------------------------------ parts
    @overload
    def mechanism(self, which: type[M]) -> M: ...
    @overload
    def mechanism(self, which: str) -> Mechanism: ...
    def mechanism(self, which: type[Mechanism] | str) -> Mechanism:
        """The run's mechanism of a class (typed), or of a name as scenario files write it."""
        return self.state.mechanism(MECHANISM_BY_NAME[which] if isinstance(which, str) else which)

    @property
    def n_households(self) -> int:
        return self.town.n_households

    @property
    def n_runs(self) -> int:
        """Runs stepped together (1 for a single run)."""
        return self.worlds.n

    @property
    def staff_hours(self) -> Counter[str]:
        """Hours by role of run 0, in the order roles first worked."""
        return self.state.accounts.hours_by_role(0)

    def residents_of(self, household: int) -> np.ndarray:
        """Indices of the residents of ``household`` (residents are stored household by household)."""
        lo, hi = np.searchsorted(self.town.res_household, [household, household + 1])
        return np.arange(lo, hi)

    def agent_views_of(self, run: int = 0) -> AgentViews:
        """The Mesa agents of run ``run`` (made once, on first use): views on the arrays."""
        if run not in self._views:
            self._views[run] = create_views(self, run)
        return self._views[run]

    # Run 0's agents (the only run of a single run), as a Mesa user reads them.
    households = property(lambda self: self.agent_views_of(0).households, doc="Households (run 0).")
    residents = property(lambda self: self.agent_views_of(0).residents, doc="Residents (run 0).")
    associations = property(lambda self: self.agent_views_of(0).associations, doc="自治会 (run 0).")
    commissioners = property(lambda self: self.agent_views_of(0).commissioners, doc="民生委員 (run 0).")
    venues = property(lambda self: self.agent_views_of(0).venues, doc="Venues (run 0).")
    npos = property(lambda self: self.agent_views_of(0).npos, doc="NPOs (run 0).")
    desks = property(lambda self: self.agent_views_of(0).desks, doc="Consultation desks (run 0).")
    professionals = property(lambda self: self.agent_views_of(0).professionals, doc="Professionals (run 0).")

    # ------------------------------------------------------------------ results
    def results(self, run: int = 0) -> RunView:
        """Run ``run``'s results (0 for a single run): weekly, ledger, summary, council log."""
        return RunView(self, run)

    def weekly(self, run: int = 0) -> pd.DataFrame:
        """The weekly series of run ``run``: true state and what the municipality knows, by stage."""
        return self.datacollector.weekly(run)

    def ledger(self, run: int = 0) -> pd.DataFrame:
        """The case ledger of run ``run``, one row per case."""
        return self.results(run).ledger()

    def summary(self, run: int = 0) -> dict[str, float]:
        """Headline metrics of run ``run`` (see :mod:`sim.metrics`)."""
        return self.results(run).summary()

    def council_log(self, run: int = 0) -> pd.DataFrame:
        """What run ``run``'s 自立支援協議会 took up, when, why and which resource opened."""
        return self.results(run).council_log()

    # ------------------------------------------------------------------ changes by hand (workshops, stories)
    def set_stage(self, household: int, stage: int) -> None:
        """Put ``household`` at ``stage`` by hand, keeping the ledger consistent.

        From NONE this opens a case; to NONE it closes it (resolved_by "external"); upwards it
        adds a domain per stage like progression; downwards it eases the stage (worst stage kept).
        """
        idx = np.array([household])
        week = self.week
        current, target = int(self.hh.stage[household]), int(Stage(stage))
        weights = self.mechanism(Onset).domain_weights[self.town.htype[idx]]
        if target == Stage.NONE:
            self.cases.resolve(idx if current else idx[:0], week, "external")
            return
        if current == Stage.NONE:
            self.cases.open(idx, week, draw_domains(weights, 0, self._manual_draw(week, idx)))
            current = Stage.LATENT
        for _ in range(current, target):
            self.cases.advance(idx, draw_domains(weights, self.hh.domains[idx], self._manual_draw(week, idx)))
        if target < current:
            self.hh.stage[household] = target

    def start_case(self, household: int, stage: Stage, domains: list[int]) -> None:
        """Give ``household`` a fresh case at ``stage`` with ``domains`` (the first is the presenting one).

        Any case it had is closed first (resolved_by "external").
        """
        self.set_stage(household, Stage.NONE)
        self.set_stage(household, stage)
        mask = np.uint16(sum(1 << d for d in domains))
        case = np.array([self.hh.case[household]])
        self.hh.domains[household] = mask
        self.cases.set("domains", case, mask)
        self.cases.set("primary_domain", case, domains[0])

    def _manual_draw(self, week: int, idx: np.ndarray) -> np.ndarray:
        self._manual_draws += 1
        return self._manual_stream.uniform(week, idx, self._manual_draws)


def run_seeds(seed: int | list[int] | tuple[int, ...] | None, rng: Any = None) -> list[int]:
    """The runs' seeds: ``seed`` (one, or a list for a batch), else one derived from Mesa's ``rng``
    argument, else one drawn from the operating system's entropy."""
    if seed is None:
        if isinstance(rng, np.random.Generator):
            seed = int(rng.integers(2**63))
        elif isinstance(rng, np.random.SeedSequence):
            seed = int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
        elif rng is not None:
            seed = int(rng)
        else:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    seeds = [int(s) for s in seed] if isinstance(seed, list | tuple) else [int(seed)]
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return seeds
