"""The mechanism base class: one community function or service, described by its own declarations.

A mechanism declares, next to its code:

* ``PARAMS`` — its parameters with defaults, ranges and sources (plus its on/off switch);
* ``STATES`` — the household arrays it owns (:class:`sim.state.State`);
* ``COLUMNS`` — the columns it adds to the weekly table (:class:`sim.engine.collector.Column`);
* ``CHANNEL`` — the detection channel it owns, if any (:class:`sim.vocabulary.Term`: key and labels);
* ``ROLES`` — whose hours it books (:class:`sim.engine.accounts.Role`);
* ``title_ja``/``title_en`` and ``switch_ja``/``switch_en`` — its name and a plain explanation of
  its switch, from which the dashboard's scenario builder and the workshop's switches are made;
  ``slide_group`` — where it belongs among the community's functions of slide 2-4 or the services;
  ``in_workshop``, ``seed_ja`` and ``workshop_lever`` — whether trainers switch it in the workshop,
  the seed's words it stands for, and what its switch sets.

It receives the run state (:class:`sim.engine.run_state.RunState`), finds other mechanisms by
class (``self.run.mechanism(Consent)``), and draws only from its own random stream.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.engine.accounts import Role
from sim.engine.collector import Column
from sim.params import Param
from sim.state import State
from sim.vocabulary import Term

if TYPE_CHECKING:
    from sim.engine.run_state import RunState

ENABLED = Param(True, "Switch: whether the mechanism runs.", "Model structure (DESIGN.md).", kind="bool")
OFF_IN_BASELINE = Param(
    False,
    "Switch: whether the mechanism runs (off in the baseline: part of 重層的支援体制整備事業).",
    "Baseline 縦割り: 重層的支援体制整備事業 ran in 473 of 1,741 municipalities in FY2025 (厚労省).",
    kind="bool",
)

# Where a mechanism belongs: the community's functions by stage (slide 2-4), the services, or the model's
# structure (how problems start, deepen and resolve; switched off only for research).
SLIDE_GROUPS = ("prevention", "noticing", "connecting", "accompanying", "services", "structure")


class Mechanism:
    """One community function or service, run once a week in a fixed order.

    Subclasses declare ``name``, ``phase``, titles, switch texts and ``PARAMS`` (and, as
    needed, ``STATES``, ``COLUMNS``, ``CHANNEL`` and ``ROLES``) and implement :meth:`step`.
    Each mechanism draws only from its own counter-based random stream, named after it:
    a household's draw depends on the week and the household, never on who else drew.
    """

    name: ClassVar[str]
    phase: ClassVar[str]  # "state" (stage changes), "detect" (channels) or "service" (desks and support)
    # A mechanism that also acts in another phase lists it here and defines ``step_<phase>``.
    extra_phases: ClassVar[tuple[str, ...]] = ()
    # A mechanism with no weekly action of its own, only parameters or a rule that others apply.
    passive: ClassVar[bool] = False
    off_in_baseline: ClassVar[bool] = False  # a policy that the status quo lacks: its switch defaults to off
    switchable: ClassVar[bool] = True  # False: part of the engine's working, always on (no switch)
    title_ja: ClassVar[str]
    title_en: ClassVar[str]
    switch_ja: ClassVar[str]  # what switching it on or off means, in plain Japanese
    switch_en: ClassVar[str]
    slide_group: ClassVar[str] = "services"  # one of SLIDE_GROUPS
    # The workshop (研修モード) shows a switch for the mechanisms trainers demonstrate: the seed's words
    # it stands for, and what the switch sets when on and off (its own switch, or a policy parameter).
    in_workshop: ClassVar[bool] = False
    seed_ja: ClassVar[str] = ""
    workshop_lever: ClassVar[tuple[str, Any, Any]] = ("enabled", True, False)
    lever_title_ja: ClassVar[str] = ""  # the switch's name when it stands for more than the mechanism
    lever_title_en: ClassVar[str] = ""
    workshop_off_town: ClassVar[dict[str, dict[str, Any]]] = {}  # town changes when the switch is off
    PARAMS: ClassVar[dict[str, Param]]
    STATES: ClassVar[tuple[State, ...]] = ()
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    CHANNEL: ClassVar[Term | None] = None
    ROLES: ClassVar[tuple[Role, ...]] = ()
    channel_code: ClassVar[int] = 0  # the CHANNEL's number in the ledger (set by the registry)

    def __init__(self, run: RunState, params: dict[str, Any]) -> None:
        self.run = run
        self.p = SimpleNamespace(**params)
        self.enabled: bool = params.get("enabled", True)
        self.stream = run.stream(f"mechanism.{self.name}")
        self._town_cache: dict[object, tuple[int, np.ndarray]] = {}
        self.setup()

    @classmethod
    def declared_params(cls) -> dict[str, Param]:
        """All parameters including the switch (a mechanism that cannot be switched off has none)."""
        if not cls.switchable:
            return dict(cls.PARAMS)
        return {"enabled": OFF_IN_BASELINE if cls.off_in_baseline else ENABLED, **cls.PARAMS}

    def setup(self) -> None:
        """Prepare arrays derived from parameters (override when needed)."""

    def inherit(self, warm: Any) -> None:
        """Take over what lasts of the same mechanism in a warm-up run (override when something does)."""

    def start(self) -> None:
        """Called once the starting state is in place, whether or not the mechanism is enabled."""

    def step(self, week: int) -> None:
        """Act for one week (in the mechanism's main ``phase``)."""
        raise NotImplementedError

    def totals(self) -> dict[str, np.ndarray]:
        """Running totals for the mechanism's ``total`` columns, one value per run."""
        return {}

    def acts_weekly(self) -> bool:
        """Whether the mechanism has weekly actions now (the model rebuilds its list when this changes)."""
        return self.enabled

    def weekly_actions(self) -> dict[str, Callable[[int], None]]:
        """The mechanism's weekly actions by phase: none when switched off or passive."""
        if not self.enabled or self.passive:
            return {}
        return {self.phase: self.step} | {phase: getattr(self, f"step_{phase}") for phase in self.extra_phases}

    def town_cached(self, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """``compute()``'s result, recomputed only after the town changed (``Town.changed``).

        One entry per computation (its code: a method or a lambda written in one place), so that
        a mechanism can keep several.
        """
        key = getattr(getattr(compute, "__func__", compute), "__code__", compute)
        version = self.run.town.version
        cached = self._town_cache.get(key)
        if cached is None or cached[0] != version:
            cached = (version, compute())
            self._town_cache[key] = cached
        return cached[1]

    def draw(self, week: int, idx: np.ndarray, k: int = 0) -> np.ndarray:
        """Uniforms for households ``idx`` this week; ``k`` numbers separate draws of one week."""
        return self.stream.uniform(week, idx, k)

    def draws(self, week: int, idx: np.ndarray, ks: tuple[int, ...]) -> np.ndarray:
        """Draws ``ks`` of households ``idx`` this week, one row each (as :meth:`draw`, in one pass)."""
        return self.stream.uniforms(week, idx, ks)

    def propose(self, idx: np.ndarray, entry_domain: np.ndarray | None = None) -> None:
        """This mechanism's channel found households ``idx`` this week (``entry_domain``: see
        :meth:`sim.engine.casebook.CaseBook.propose`)."""
        self.run.cases.propose(idx, self.channel_code, entry_domain)
