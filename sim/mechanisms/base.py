"""The mechanism base class: a small unit with its parameters and an on/off switch."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.params import Param

if TYPE_CHECKING:
    from sim.model import CommunityModel

ENABLED = Param(True, "Switch: whether the mechanism runs.", "Model structure (DESIGN.md).", kind="bool")
OFF_IN_BASELINE = Param(
    False,
    "Switch: whether the mechanism runs (off in the baseline: part of 重層的支援体制整備事業).",
    "Baseline 縦割り: 重層的支援体制整備事業 ran in 473 of 1,741 municipalities in FY2025 (厚労省).",
    kind="bool",
)


class Mechanism:
    """One community function or service, run once a week in a fixed order.

    Subclasses declare ``name``, ``title_ja``, ``PARAMS`` and implement :meth:`step`.
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
    title_ja: ClassVar[str]
    PARAMS: ClassVar[dict[str, Param]]

    def __init__(self, model: CommunityModel, params: dict[str, Any]) -> None:
        self.model = model
        self.p = SimpleNamespace(**params)
        self.enabled: bool = params["enabled"]
        self.stream = model.household_stream(f"mechanism.{self.name}")
        self._cache_version = -1
        self.setup()

    @classmethod
    def declared_params(cls) -> dict[str, Param]:
        """All parameters including the switch."""
        return {"enabled": OFF_IN_BASELINE if cls.off_in_baseline else ENABLED, **cls.PARAMS}

    def setup(self) -> None:
        """Prepare arrays derived from parameters (override when needed)."""

    def start(self) -> None:
        """Called once the starting state is in place, whether or not the mechanism is enabled."""

    def step(self, week: int) -> None:
        """Act for one week (in the mechanism's main ``phase``)."""
        raise NotImplementedError

    def act(self, phase: str, week: int) -> None:
        """Act in ``phase`` if the mechanism is on and acts in it."""
        if not self.enabled:
            return
        if phase == self.phase:
            self.step(week)
        elif phase in self.extra_phases:
            getattr(self, f"step_{phase}")(week)

    def weekly_actions(self) -> dict[str, Callable[[int], None]]:
        """The mechanism's weekly actions by phase: none when switched off or passive."""
        if not self.enabled or self.passive:
            return {}
        return {self.phase: self.step} | {phase: getattr(self, f"step_{phase}") for phase in self.extra_phases}

    def town_cached(self, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """``compute()``'s result, recomputed only after the town changed (``Town.changed``)."""
        if self._cache_version != self.model.town.version:
            self._cached = compute()
            self._cache_version = self.model.town.version
        return self._cached

    def draw(self, week: int, idx: np.ndarray, k: int = 0) -> np.ndarray:
        """Uniforms for households ``idx`` this week; ``k`` numbers separate draws of one week."""
        return self.stream.uniform(week, idx, k)

    def draws(self, week: int, idx: np.ndarray, ks: tuple[int, ...]) -> np.ndarray:
        """Draws ``ks`` of households ``idx`` this week, one row each (as :meth:`draw`, in one pass)."""
        return self.stream.uniforms(week, idx, ks)
