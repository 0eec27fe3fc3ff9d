"""Batches: several replications of one scenario stepped together as one set of arrays.

A :class:`~sim.model.CommunityModel` given a list of seeds builds each seed's town, stacks
them side by side (no tie, venue, desk or district is shared) and steps them together. Every
random draw is keyed by (seed, stream, week, household within its own town), every count,
hour and council decision is kept per run, so each run of a batch is exactly the run its seed
gives alone (tests/test_batch.py checks every table). What a batch saves is the per-week
cost of numpy calls, which a small town pays no matter its size: ten 3,000-household
replications stepped together cost about a third of ten stepped one by one, 25 about a sixth.

:func:`world_view` reads one run of a batch with the same interface the output functions
(:mod:`sim.outputs`, :mod:`sim.metrics`, :mod:`sim.runner`) use on a model.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.state import CASE_FIELDS

if TYPE_CHECKING:
    from sim.config import Scenario, TownProfile
    from sim.model import CommunityModel
    from sim.town import Town


# A batch's size: beyond about 75,000 households per batch (25 neighbourhood runs) the weekly
# cost grows with the households, so larger batches save nothing (measured: docs/experiments.md).
MAX_BATCH_HOUSEHOLDS = 75_000
MAX_BATCH_RUNS = 25


def batch_sizes(replications: int, households: int, workers: int = 1, largest: int | None = None) -> list[int]:
    """Sizes of the consecutive blocks of replications to step together (they sum to ``replications``).

    As few blocks as the size limits allow, rounded up to a multiple of ``workers`` so that
    every worker gets the same share; ``largest`` caps the runs per block (1: no batching).
    """
    cap = max(1, min(MAX_BATCH_RUNS, MAX_BATCH_HOUSEHOLDS // max(households, 1)))
    if largest is not None:
        cap = max(1, min(cap, largest))
    blocks = -(-replications // cap)
    blocks = min(replications, workers * -(-blocks // workers)) if replications else 0
    base, extra = divmod(replications, blocks) if blocks else (0, 0)
    return [base + (1 if b < extra else 0) for b in range(blocks)]


class _Cases:
    """The case-ledger columns of one run of a batch (households renumbered within the run)."""

    def __init__(self, model: CommunityModel, world: int) -> None:
        c, w = model.cases, model.worlds
        rows = np.flatnonzero(w.hh[c.household] == world)
        self.size = len(rows)
        self.cols = {name: c.cols[name][rows] for name in CASE_FIELDS}
        self.cols["household"] = (self.cols["household"] - w.hh_start[world]).astype(np.int32)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name]
        raise AttributeError(name)


class _TownView:
    """What the output functions read of one run's town."""

    def __init__(self, town: Town, model: CommunityModel, world: int) -> None:
        part = model.worlds.hh_parts[world]
        self.htype = town.htype[part]
        self.desks = town.desks  # case ledgers name desks by their index in the stacked town
        self.profile = town.profile


class WorldView:
    """One run of a batch, read like a model by :func:`sim.runner.result_of` and the metrics."""

    def __init__(self, model: CommunityModel, world: int) -> None:
        self._model, self._world = model, world
        self.policy: Scenario = model.policy
        self.town_spec: TownProfile = model.town_spec
        self.seed = model.seeds[world]
        self.time = model.time
        self.town = _TownView(model.town, model, world)
        self.n_households = len(self.town.htype)
        self.cases = _Cases(model, world)
        self.complex_weeks_by_type = model.world_complex_weeks[world]
        self.staff_hours: Counter[str] = model.world_hours[world]

    def weekly(self) -> pd.DataFrame:
        return self._model.weekly(self._world)

    def ledger(self) -> pd.DataFrame:
        from sim.outputs import ledger_frame

        return ledger_frame(self)

    def council_log(self) -> pd.DataFrame:
        return self._model.council_log(self._world)


def world_view(model: CommunityModel, world: int) -> CommunityModel | WorldView:
    """Run ``world`` of a batch (a single run is its own only world)."""
    if model.n_worlds == 1:
        if world != 0:
            raise IndexError(f"a single run has only world 0, not {world}")
        return model
    if not 0 <= world < model.n_worlds:
        raise IndexError(f"world {world} is outside the batch of {model.n_worlds} runs")
    return WorldView(model, world)
