"""The weekly row: true state and what the municipality knows, this week's flows, hours.

:class:`WeeklyCollector` is a Mesa ``DataCollector`` whose model reporters are the weekly
columns, by name: ``datacollector.get_model_vars_dataframe()`` and ``mesa.batch_run`` give
named numbers. Mesa calls each reporter every step; with 50 columns that would cost more than
the week's mechanisms, so the collector records each week's row in one call and answers
``model_vars`` from the rows. In a batch, every value is an array over the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import mesa
import numba
import numpy as np
import pandas as pd

from sim.domain import PROBLEM_STAGE_KEYS, STAGE_KEYS, TYPE_KEYS, ServiceStatus, Stage
from sim.state import NOT_YET

if TYPE_CHECKING:
    from sim.engine.run_state import RunState
    from sim.mechanisms.base import Mechanism


@dataclass(frozen=True)
class Column:
    """A column of the weekly table.

    ``kind``: ``"count"`` (households in a state this week), ``"flow"`` (events this week,
    counted with ``accounts.count``) or ``"total"`` (a running total, reported as this week's
    increase: hours, visits).
    """

    name: str
    doc: str
    kind: str = "flow"


STATE_COLUMNS: tuple[Column, ...] = (
    *(Column(f"true_{k}", f"Households whose problem is {k} this week.", "count") for k in STAGE_KEYS),
    *(
        Column(f"known_{k}", f"Households at stage {k} whose case the municipality has found.", "count")
        for k in PROBLEM_STAGE_KEYS
    ),
    Column("supported", "Households a professional supports.", "count"),
    Column("waiting_intake", "Households referred and waiting for a desk's intake.", "count"),
    Column("waiting_list", "Households a desk accepted, waiting for a professional (the waiting list).", "count"),
    Column("gave_up_away", "Households staying away after giving up at a desk.", "count"),
    Column("refused_away", "Households staying away after refusing support.", "count"),
    Column("advised", "Households a desk gave information or advice only (情報提供・助言), in follow-up.", "count"),
    Column("linked_to_service", "Households a desk linked to a service outside the desks (つなぎ).", "count"),
)
# Service statuses counted in the columns supported … linked_to_service, in that order.
_SERVICE_COUNTED = [
    ServiceStatus.SUPPORTED,
    ServiceStatus.REFERRED,
    ServiceStatus.WAITING,
    ServiceStatus.GAVE_UP,
    ServiceStatus.REFUSED,
    ServiceStatus.ADVISED,
    ServiceStatus.LINKED,
]
_FIRST_STATUS = 7  # the column of `supported`
_FIRST_FLOW = _FIRST_STATUS + len(_SERVICE_COUNTED)
HOUR_COLUMNS: tuple[Column, ...] = (
    Column("paid_hours", "Paid staff hours worked this week.", "total"),
    Column("volunteer_hours", "Volunteer hours this week (民生委員, venue volunteers, peer supporters).", "total"),
)


def weekly_value(model: Any, column: int) -> Any:
    """The newest value of weekly column ``column`` (a Mesa reporter; in a batch, one per run)."""
    row = model.collector.newest[:, column]
    return row[0].item() if len(row) == 1 else row.copy()


class WeeklyCollector(mesa.DataCollector):
    """Collects each week's row for every run; a Mesa DataCollector with one named reporter per column.

    Args:
        state: The run state.
        mechanisms: The mechanisms, for their running totals.
        columns: Every column, in table order: state counts, flows (as ``accounts.flow_names``), totals.
    """

    def __init__(self, state: RunState, mechanisms: list[Mechanism], columns: tuple[Column, ...]) -> None:
        super().__init__()
        self.state = state
        self.columns = columns
        self.model_reporters = {c.name: partial(weekly_value, column=i) for i, c in enumerate(columns)}
        self._totals_of = [m for m in mechanisms if any(c.kind == "total" for c in m.COLUMNS)]
        self._n_flows = len(state.accounts.flow_names)
        self._first_total = len(STATE_COLUMNS) + self._n_flows
        self._rows: list[np.ndarray] = []
        self._stack: np.ndarray | None = None  # the rows stacked (see _stacked)
        self._previous_totals = np.zeros((state.n_runs, len(columns) - self._first_total))
        self.newest = np.zeros((state.n_runs, len(columns)))
        self._households = np.diff(state.worlds.hh_start)

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Each column's values, week by week (Mesa's layout; numbers of one run, arrays in a batch)."""
        rows = self._stacked()
        single = rows.shape[1] == 1
        out: dict[str, list[Any]] = {}
        for i, c in enumerate(self.columns):
            values = rows[:, 0, i] if single else rows[:, :, i]
            out[c.name] = values.astype(np.int64).tolist() if c.kind != "total" and single else list(values)
        return out

    @model_vars.setter
    def model_vars(self, value: dict[str, list[Any]]) -> None:
        # Mesa's DataCollector starts from an empty dict; the rows are the record here.
        if value:
            raise AttributeError("the weekly collector's values come from its rows")

    def collect(self, model: Any) -> None:
        """Record this week's row of every run, then reset the week's flows."""
        self._collection_steps.append(model.time)
        self.newest = self._row(count_complex_week=model.time > 0)
        self._rows.append(self.newest)
        self.state.accounts.end_week()

    def _row(self, count_complex_week: bool) -> np.ndarray:
        s = self.state
        hh, k, a = s.hh, s.n_runs, s.accounts
        open_ = s.cases.refresh()
        stages, known, statuses, complex_weeks = _tally(
            open_, s.worlds.hh, hh.stage, hh.case, s.cases.first_detection_week, hh.service, s.town.htype,
            k, len(ServiceStatus), len(TYPE_KEYS),
        )  # fmt: skip
        row = np.zeros((k, len(self.columns)))
        row[:, :4] = stages
        row[:, Stage.NONE] = self._households - stages.sum(axis=1)  # every household without an open case
        row[:, 4:7] = known[:, 1:]
        row[:, _FIRST_STATUS:_FIRST_FLOW] = statuses[:, _SERVICE_COUNTED]
        row[:, _FIRST_FLOW : self._first_total] = a.flows
        totals = self._totals()
        row[:, self._first_total :] = totals - self._previous_totals if self._rows else 0.0
        self._previous_totals = totals
        if count_complex_week:
            a.complex_weeks += complex_weeks
        return row

    def _totals(self) -> np.ndarray:
        """Running totals of every run: the mechanisms' (visits, outreach hours), then paid and volunteer hours."""
        columns = [t for m in self._totals_of for t in m.totals().values()]
        a = self.state.accounts
        hours = a.hour_totals()  # all, volunteer, paid
        return np.column_stack([*columns, hours[:, 2], hours[:, 1]])

    def _stacked(self) -> np.ndarray:
        """Every row so far as one array (weeks × runs × columns), stacked once per week reached:
        a batch's runs read their tables one after another."""
        if self._stack is None or len(self._stack) != len(self._rows):
            shape = (len(self._rows), self.state.n_runs, len(self.columns))
            self._stack = np.stack(self._rows) if self._rows else np.zeros(shape)
        return self._stack

    def weekly(self, run: int = 0) -> pd.DataFrame:
        """Run ``run``'s weekly table: one row per week from week 0."""
        rows = self._stacked()[:, run]
        table: dict[str, Any] = {"week": np.arange(len(rows))}
        for i, c in enumerate(self.columns):
            table[c.name] = rows[:, i] if c.kind == "total" else rows[:, i].astype(np.int64)
        return pd.DataFrame(table)


@numba.njit(cache=True)
def _tally(
    open_: np.ndarray,
    run_of: np.ndarray,
    stage: np.ndarray,
    case: np.ndarray,
    first_detection_week: np.ndarray,
    service: np.ndarray,
    htype: np.ndarray,
    n_runs: int,
    n_statuses: int,
    n_types: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts over the households with an open case, per run: by stage, by stage of those found, by
    service status, and complex ones by household type (one pass instead of a dozen)."""
    stages = np.zeros((n_runs, 4), dtype=np.int64)
    known = np.zeros((n_runs, 4), dtype=np.int64)
    statuses = np.zeros((n_runs, n_statuses), dtype=np.int64)
    complex_ = np.zeros((n_runs, n_types), dtype=np.int64)
    for i in open_:
        r, st = run_of[i], stage[i]
        stages[r, st] += 1
        if first_detection_week[case[i]] != NOT_YET:
            known[r, st] += 1
        statuses[r, service[i]] += 1
        if st == Stage.COMPLEX:
            complex_[r, htype[i]] += 1
    return stages, known, statuses, complex_


def weekly_columns(
    mechanisms: Sequence[type[Mechanism]], case_flows: tuple[str, ...], channels: tuple[str, ...]
) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    """Every weekly column in table order, and the flow names (case book's, mechanisms', detections by channel)."""
    flows = [Column(name, f"{name} this week.", "flow") for name in case_flows]
    flows += [c for m in mechanisms for c in m.COLUMNS if c.kind == "flow"]
    flows += [Column(f"detected_{c}", f"Cases first found this week through the {c} channel.") for c in channels[1:]]
    totals = [c for m in mechanisms for c in m.COLUMNS if c.kind == "total"]
    columns = (*STATE_COLUMNS, *flows, *totals, *HOUR_COLUMNS)
    return columns, tuple(c.name for c in flows)
