"""町の様子, running layer: record a run for the town view, remember the last few, report progress.

A recording (:func:`sim.replay.record`) holds every household's stage and whether the
municipality knows of its problem, week by week. The town view (:mod:`dashboards.town_view`)
records in a background task and keeps the last few recordings, so reopening the tab is instant.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sim.config import Scenario, TownProfile, effective_profile, mechanism_params
from sim.params import ConfigError
from sim.replay import Recording, record

PROGRESS_EVERY_S = 0.25
RECORDINGS_KEPT = 3  # a city-year is about 6 MB

_RECORDINGS: OrderedDict[str, Recording] = OrderedDict()
_RECORDINGS_LOCK = threading.Lock()


def throttled_progress(progress: Any) -> Callable[[int, int], None]:
    """An ``on_week(done, total)`` that sets the reactive ``progress`` (percent, from 0) at most every
    ``PROGRESS_EVERY_S`` seconds: each update is a message to the browser."""
    progress.set(0.0)
    last = [time.monotonic()]

    def on_week(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            progress.set(100.0 * done / max(total, 1))

    return on_week


def input_problem(town: TownProfile, scenario: Scenario) -> str | None:
    """The message of a town or scenario that cannot run together (``None`` if they can)."""
    try:
        effective_profile(scenario, town)
        mechanism_params(scenario)
    except ConfigError as e:
        return str(e)
    return None


def run_key(town: TownProfile, scenario: Scenario, seed: int, weeks: int) -> str:
    """A key that changes whenever the run would (for hooks' dependencies)."""
    return repr((town.name, town.profile, scenario.name, scenario.town, scenario.mechanisms, int(seed), weeks))


def cached_record(
    key: str,
    scenario: Scenario,
    town: TownProfile,
    seed: int,
    weeks: int,
    on_week: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Recording:
    """:func:`sim.replay.record`, remembering the last few recordings (reopening the tab is instant).

    The same scenario, town, seed and weeks give the same run, so a recording can be shared.
    """
    with _RECORDINGS_LOCK:
        if key in _RECORDINGS:
            _RECORDINGS.move_to_end(key)
            return _RECORDINGS[key]
    recording = record(scenario, town, seed, weeks, on_week=on_week, stop=stop)
    with _RECORDINGS_LOCK:
        _RECORDINGS[key] = recording
        while len(_RECORDINGS) > RECORDINGS_KEPT:
            _RECORDINGS.popitem(last=False)
    return recording
