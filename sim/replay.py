"""Replays: one run recorded week by week, household by household, to be played back.

:func:`record` runs :class:`~sim.model.CommunityModel` and copies each household's stage (and
whether the municipality knows its case) after every week: one int8 and one bool array per
week, so a city of 59,000 households over a year takes about 6 MB. The same scenario, town and
seed give the same run, so one household's full timeline can be read afterwards by running it
again with :func:`sim.story.follow_household` (see :func:`household_timeline`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import Scenario, TownProfile
from sim.model import WEEKS_PER_YEAR, CommunityModel
from sim.state import NOT_YET
from sim.town import Town


class Cancelled(Exception):
    """The caller asked a recording or replay to stop (its inputs changed)."""


@dataclass(eq=False)
class Recording:
    """A run's households week by week.

    Attributes:
        scenario: The scenario that ran.
        town_spec: The town profile it ran on.
        seed: The run's seed.
        town: The synthetic town (areas, districts, membership, venues) of the run.
        stage: ``(weeks + 1, households)`` int8; row ``w`` is every household's stage after ``w``
            weeks (row 0: the starting state, "today's town").
        known: ``(weeks + 1, households)`` bool; the household's current case has been found
            by the municipality (by any channel) by then.
        seconds: Wall-clock time the recording took.
    """

    scenario: Scenario
    town_spec: TownProfile
    seed: int
    town: Town
    stage: np.ndarray
    known: np.ndarray
    seconds: float = 0.0

    @property
    def weeks(self) -> int:
        """Weeks simulated (the last row's week)."""
        return self.stage.shape[0] - 1

    @property
    def n_households(self) -> int:
        """Number of households."""
        return self.stage.shape[1]

    def stage_counts(self) -> np.ndarray:
        """``(weeks + 1, 4)`` households at each stage, week by week."""
        return np.stack([(self.stage == s).sum(axis=1) for s in range(4)], axis=1)


def weeks_of(years: float) -> int:
    """Whole weeks in ``years`` (at least one)."""
    return max(1, round(years * WEEKS_PER_YEAR))


def known_to_municipality(model: CommunityModel) -> np.ndarray:
    """Households whose current case the municipality has found (bool per household)."""
    case = model.hh.case
    known = np.zeros(model.n_households, dtype=bool)
    open_ = case >= 0
    known[open_] = model.cases.first_detection_week[case[open_]] != NOT_YET
    return known


def record(
    scenario: Scenario,
    town: TownProfile,
    seed: int,
    weeks: int,
    on_week: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Recording:
    """Run ``scenario`` on ``town`` with ``seed`` for ``weeks`` weeks, copying the households' state each week.

    Args:
        scenario: A validated scenario.
        town: A validated town profile.
        seed: The run's seed.
        weeks: Weeks to run.
        on_week: Called with (weeks done, weeks in all) after building the model and after every week.
        stop: Polled after every week; when it returns True the recording stops with :class:`Cancelled`.

    Returns:
        The recording.

    Raises:
        sim.params.ConfigError: The scenario does not fit the town.
        Cancelled: ``stop`` asked to stop.
    """
    started = time.perf_counter()
    model = CommunityModel(scenario, town, seed)
    stage = np.empty((weeks + 1, model.n_households), dtype=np.int8)
    known = np.empty((weeks + 1, model.n_households), dtype=bool)
    stage[0], known[0] = model.hh.stage, known_to_municipality(model)
    if on_week:
        on_week(0, weeks)
    for w in range(1, weeks + 1):
        if stop and stop():
            raise Cancelled
        model.step()
        stage[w], known[w] = model.hh.stage, known_to_municipality(model)
        if on_week:
            on_week(w, weeks)
    return Recording(scenario, town, seed, model.town, stage, known, time.perf_counter() - started)


def household_timeline(
    recording: Recording,
    household: int,
    lang: str = "ja",
    on_week: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """The timeline of one household of a recorded run: stage changes, who noticed, who helped, outcome.

    Runs the recorded scenario, town and seed again (the same run) with the story reader
    following ``household``.

    Args:
        recording: The recorded run.
        household: Index of the household.
        lang: ``"ja"`` or ``"en"``.
        on_week: Called with (weeks done, weeks in all).
        stop: Polled every week; True stops with :class:`Cancelled`.

    Returns:
        Columns week, event, text (as :func:`sim.story.run_story`).
    """
    from sim.story import follow_household

    if not 0 <= household < recording.n_households:
        raise IndexError(f"household {household} is not in a town of {recording.n_households} households")
    model = CommunityModel(recording.scenario, recording.town_spec, recording.seed)

    def each_week(m: CommunityModel) -> None:
        if stop and stop():
            raise Cancelled
        if on_week:
            on_week(m.week, recording.weeks)

    return follow_household(model, household, recording.weeks, lang, on_week=each_week)
