"""One run's results, read the same way whether the run was alone or one of a batch."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.state import CASE_FIELDS, CaseTable

if TYPE_CHECKING:
    from sim.model import CommunityModel

COUNCIL_COLUMNS = [
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


class RunCases:
    """The case-ledger columns of one run (households numbered within the run; ``rows``: the cases'
    ids in the model's ledger)."""

    def __init__(self, cases: CaseTable, run_of_household: np.ndarray, first_household: int, run: int) -> None:
        self.rows = rows = np.flatnonzero(run_of_household[cases.household] == run)
        self.size = len(rows)
        self.cols = {name: cases.cols[name][rows] for name in CASE_FIELDS}
        self.cols["household"] = (self.cols["household"] - first_household).astype(np.int32)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name]
        raise AttributeError(name)


def household_strata(htype: np.ndarray, ties: np.ndarray, member: np.ndarray, watched: np.ndarray) -> np.ndarray:
    """Each household's stratum for standardized rates: type × connected × 自治会 member × on a 民生委員's
    見守り list (see sim.metrics)."""
    from sim.metrics import CONNECTED_TIES

    connected = (ties >= CONNECTED_TIES).astype(np.int64)
    return ((htype.astype(np.int64) * 2 + connected) * 2 + member.astype(np.int64)) * 2 + watched.astype(np.int64)


class RunView:
    """Run ``run`` of a model (0 for a single run): its weekly table, ledger, summary and council log.

    Attributes:
        seed: The run's seed.
        time: Weeks simulated.
        htype: The household type of each of the run's households.
        strata: Each household's stratum for standardized rates (type × connected × 自治会 member × on a
            民生委員's list at the end of the run).
        n_households: Households in the run's town.
        desks: Desk specifications (ledgers name desks by their index in the model's town).
        cases: The run's case-ledger columns.
        complex_weeks_by_type: Household-weeks spent in COMPLEX, by household type.
        staff_hours: Hours by role, in the order roles first worked.
        waiting_by_kind: Mean households waiting for a professional a week, by desk kind (weeks 1…time).
    """

    def __init__(self, model: CommunityModel, run: int = 0) -> None:
        if not 0 <= run < model.worlds.n:
            raise IndexError(f"run {run} is outside the model's {model.worlds.n} run(s)")
        self.model, self.run = model, run
        self.policy, self.town_spec = model.policy, model.town_spec
        self.seed = model.seeds[run]
        self.time = int(model.time)
        part = model.worlds.hh_parts[run]
        self.htype = model.town.htype[part]
        self.n_households = len(self.htype)
        self.strata = household_strata(
            self.htype, model.town.ties[part], model.town.member[part], model.hh.watched[part]
        )
        self.desks = model.town.desks
        self.cases = RunCases(model.cases, model.worlds.hh, part.start, run)
        accounts = model.state.accounts
        self.complex_weeks_by_type = accounts.complex_weeks[run].copy()
        self.staff_hours: Counter[str] = accounts.hours_by_role(run)
        from sim.mechanisms.waiting_list import WaitingList

        waiting = model.mechanism(WaitingList)
        weeks = max(self.time, 1)
        self.waiting_by_kind: dict[str, float] = {
            kind: float(waiting.weeks_waiting_by_kind[run, k] / weeks) for k, kind in enumerate(waiting.kinds)
        }

    def weekly(self) -> pd.DataFrame:
        """The weekly series: true state and what the municipality knows, by stage; flows by channel."""
        return self.model.datacollector.weekly(self.run)

    def ledger(self) -> pd.DataFrame:
        """The case ledger, one row per case."""
        from sim.outputs import ledger_frame

        return ledger_frame(self)

    def summary_table(self, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
        """Headline metrics by household type (long: household_type, metric, value)."""
        from sim.metrics import summary_table

        return summary_table(self.ledger() if ledger is None else ledger, self)

    def summary(self) -> dict[str, float]:
        """Headline metrics of the whole town (see :mod:`sim.metrics`)."""
        table = self.summary_table()
        town = table[table["household_type"] == "all"]
        return dict(zip(town["metric"], town["value"], strict=True))

    def channel_history(self) -> pd.DataFrame:
        """Every channel that knew of each case, and the week and stage when it first did."""
        from sim.outputs import channel_history_frame

        return channel_history_frame(self, self.model.cases.history.rows())

    def population(self) -> pd.DataFrame:
        """The run's residents: household, household and family type, age, conditions (one row each)."""
        from sim.outputs import population_frame

        return population_frame(self)

    def facts(self) -> pd.DataFrame:
        """Facts of the run's town and length: households, residents, weeks, 民生委員 posts, desks by kind."""
        from sim.outputs import facts_frame

        return facts_frame(self)

    def council_log(self) -> pd.DataFrame:
        """What the 自立支援協議会 took up, when, why (unmet needs) and which resource opened."""
        from sim.mechanisms.council import Council

        log: list[dict[str, Any]] = self.model.mechanism(Council).log_of(self.run)
        return pd.DataFrame(log, columns=COUNCIL_COLUMNS)
