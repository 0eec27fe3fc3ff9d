"""Named statistics of a run, computed from the run's own output tables.

Each statistic reads one or more of a run's tidy tables, by the names an experiment gives its
Parquet files (``experiment.tables``), so a researcher can recompute it from the files:

* ``population``: one row per resident (household, household_type, family_type, age, conditions);
* ``facts``: the run's town and length (fact, value): households, residents, weeks,
  commissioner_posts, commissioner_posts_filled, desks_KIND;
* ``ledgers``: one row per case (household_type, primary_domain, first detection, intake, desk,
  desk_outcome, known_by …);
* ``channels``: one row per (case, channel that knew of it) with the week it first did;
* ``weekly``: the weekly series (flows such as commissioner_visits, participation_links);
* ``summaries``: the headline metrics by household type.

Weeks count from 1, the first week after the warm-up (sim/outputs.py), so "during the run" is
weeks 1 … ``facts.weeks``. A statistic whose table or column a run lacks raises
:class:`StatisticUnavailable` naming what is missing. Targets files (sim/targets.py) name
statistics with their filters; docs/calibration.md lists every one (generated from this module).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.domain import CONDITION_KEYS, DOMAIN_KEYS, FAMILY_TYPE_KEYS, TYPE_KEYS
from sim.mechanisms import CHANNEL_KEYS
from sim.metrics import METRICS_DOC
from sim.state import DESK_OUTCOME_KEYS

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = 52 / 12
PER_100K = 100_000
CHANNELS = CHANNEL_KEYS[1:]  # "none" is no channel
# The tables a statistic can read: what an experiment calls them, and the RunView method that makes each.
TABLE_ORIGINS = {
    "population": "population",
    "facts": "facts",
    "ledgers": "ledger",
    "channels": "channel_history",
    "weekly": "weekly",
    "summaries": "summary_table",
}


class StatisticUnavailable(Exception):
    """A statistic needs a table or column that the run did not write."""


@dataclass(frozen=True)
class Filter:
    """A filter a statistic accepts.

    Attributes:
        kind: ``keys`` (a list of allowed strings), ``band`` ([low, high], inclusive integers),
            ``key`` (one allowed string) or ``text`` (any non-empty string or list of strings).
        allowed: The allowed strings of ``keys``/``key`` (empty: any string).
        doc: What it selects.
        required: Whether every use must give it.
    """

    kind: str
    doc: str
    allowed: tuple[str, ...] = ()
    required: bool = False


HOUSEHOLD_TYPE = Filter("keys", "household types of the case's (or resident's) household", TYPE_KEYS)
DOMAIN = Filter("keys", "the case's presenting problem domain (primary_domain)", DOMAIN_KEYS)


def _channels(doc: str, required: bool = True) -> Filter:
    return Filter("keys", doc, CHANNELS, required)


@dataclass(frozen=True)
class Statistic:
    """A named statistic: its definition, the tables and columns it reads, the filters it takes."""

    name: str
    group: str
    definition: str
    reads: dict[str, tuple[str, ...]]
    filters: dict[str, Filter]
    compute: Callable[[RunTables, dict[str, Any]], float]
    unit: str = "share"


@dataclass
class RunTables:
    """A run's output tables by name; a value may be a function that makes the table on first use."""

    sources: Mapping[str, pd.DataFrame | Callable[[], pd.DataFrame]]
    _made: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def of_view(cls, view: Any) -> RunTables:
        """The tables of a finished run (a :class:`sim.engine.views.RunView`), each made on first use."""
        return cls({name: getattr(view, method) for name, method in TABLE_ORIGINS.items()})

    @classmethod
    def of_replications(cls, tables: Mapping[str, pd.DataFrame]) -> dict[int, RunTables]:
        """Each replication's tables from an experiment's gathered tables (one scenario and point)."""
        split: dict[int, dict[str, pd.DataFrame]] = {}
        for name, frame in tables.items():
            if name in TABLE_ORIGINS and "replication" in frame.columns:
                for replication, rows in frame.groupby("replication", sort=True):
                    split.setdefault(int(replication), {})[name] = rows
        return {r: cls(frames) for r, frames in split.items()}

    def table(self, name: str, columns: tuple[str, ...], statistic: str) -> pd.DataFrame:
        """Table ``name``, which must hold ``columns``; else :class:`StatisticUnavailable`."""
        if name not in self._made:
            if name not in self.sources:
                raise StatisticUnavailable(
                    f"statistic {statistic!r} needs table {name!r}, which this run does not have "
                    f"(an experiment keeps it with {name!r} in experiment.tables)"
                )
            source = self.sources[name]
            self._made[name] = source() if callable(source) else source
        frame = self._made[name]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise StatisticUnavailable(
                f"statistic {statistic!r} needs column(s) {', '.join(missing)} of table {name!r}, which this run's "
                f"table does not have"
            )
        return frame

    def fact(self, name: str, statistic: str) -> float:
        """One value of the ``facts`` table."""
        facts = self.table("facts", ("fact", "value"), statistic)
        row = facts.loc[facts["fact"] == name, "value"]
        if row.empty:
            raise StatisticUnavailable(f"statistic {statistic!r} needs fact {name!r}, which this run's facts lack")
        return float(row.iloc[0])


# ---------------------------------------------------------------------------------------------
# Helpers shared by the statistics


def _share(numerator: int | float, denominator: int | float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _in_band(values: pd.Series, band: list[int]) -> pd.Series:
    return (values >= band[0]) & (values <= band[1])


def _isin(frame: pd.DataFrame, column: str, values: list[str] | None) -> pd.Series:
    if values is None:
        return pd.Series(True, index=frame.index)
    return frame[column].astype("string").isin(values).fillna(False).astype(bool)


def _known_by_any(known_by: pd.Series, channels: list[str]) -> pd.Series:
    """Whether each case's ``known_by`` ("key;key") names one of ``channels``."""
    pattern = r"(?:^|;)(?:" + "|".join(re.escape(c) for c in channels) + r")(?:;|$)"
    return known_by.fillna("").astype(str).str.contains(pattern, regex=True)


def _during_run(week: pd.Series, weeks: float) -> pd.Series:
    """Whether each (nullable) week lies within the run's weeks 1 … ``weeks`` (missing: no)."""
    return (week >= 1).fillna(False).astype(bool) & (week <= weeks).fillna(False).astype(bool)


def _per_100k(count: float, tables: RunTables, weeks: float, period_weeks: float, name: str) -> float:
    """``count`` over the run as a rate per 100,000 residents per period of ``period_weeks``."""
    return float(count) / tables.fact("residents", name) * PER_100K / (weeks / period_weeks)


def _weeks(tables: RunTables, name: str) -> float:
    weeks = tables.fact("weeks", name)
    if weeks <= 0:
        raise StatisticUnavailable(f"statistic {name!r}: the run simulated no weeks")
    return weeks


def _cases_of_run(tables: RunTables, f: dict[str, Any], name: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cases open at some time during the simulated weeks, filtered by household type and domain."""
    ledger = tables.table(
        "ledgers", ("household_type", "primary_domain", "onset_week", "resolution_week", *extra), name
    )
    weeks = _weeks(tables, name)
    onset, resolved = ledger["onset_week"], ledger["resolution_week"]
    during = (onset.isna() | (onset <= weeks)) & (resolved.isna() | (resolved >= 1))
    keep = during.fillna(False).astype(bool)
    keep &= _isin(ledger, "household_type", f.get("household_type"))
    keep &= _isin(ledger, "primary_domain", f.get("domain"))
    return ledger[keep]


def _households(tables: RunTables, f: dict[str, Any], name: str) -> pd.DataFrame:
    """One row per household from the population table: size, type, family type, and whether a member
    is in ``member_age_band``; filtered by household type, family type and size."""
    people = tables.table("population", ("household", "household_type", "family_type", "age"), name)
    grouped = people.groupby("household", sort=True, observed=True)
    households = pd.DataFrame(
        {
            "size": grouped.size(),
            "household_type": grouped["household_type"].first().astype("string"),
            "family_type": grouped["family_type"].first().astype("string"),
        }
    )
    if "member_age_band" in f:
        households["has_member"] = _in_band(people["age"], f["member_age_band"]).groupby(people["household"]).any()
    keep = _isin(households, "household_type", f.get("household_type"))
    keep &= _isin(households, "family_type", f.get("family_type"))
    if "size" in f:
        keep &= _in_band(households["size"], f["size"])
    return households.assign(selected=keep)


# ---------------------------------------------------------------------------------------------
# Population


def resident_share(tables: RunTables, f: dict[str, Any]) -> float:
    columns = ("age", "household_type", "family_type") + ((f["condition"],) if "condition" in f else ())
    people = tables.table("population", columns, "resident_share")
    among = _isin(people, "household_type", f.get("household_type"))
    among &= _isin(people, "family_type", f.get("family_type"))
    if "condition" in f:  # the share of the age band who have the condition
        among &= _in_band(people["age"], f["age_band"])
        return _share((among & people[f["condition"]].astype(bool)).sum(), among.sum())
    return _share((among & _in_band(people["age"], f["age_band"])).sum(), among.sum())


def household_share(tables: RunTables, f: dict[str, Any]) -> float:
    households = _households(tables, f, "household_share")
    chosen = households["selected"]
    if "member_age_band" in f:
        chosen &= households["has_member"]
    return _share(chosen.sum(), len(households))


def mean_household_size(tables: RunTables, f: dict[str, Any]) -> float:
    households = _households(tables, f, "mean_household_size")
    sizes = households.loc[households["selected"], "size"]
    return float(sizes.mean()) if len(sizes) else float("nan")


# ---------------------------------------------------------------------------------------------
# Flows


def desk_consultations_per_100k_per_month(tables: RunTables, f: dict[str, Any]) -> float:
    name = "desk_consultations_per_100k_per_month"
    ledger = tables.table("ledgers", ("intake_week", "desk", "household_type", "primary_domain"), name)
    weeks = _weeks(tables, name)
    new = _during_run(ledger["intake_week"], weeks)
    new &= _isin(ledger, "desk", f.get("desk"))
    new &= _isin(ledger, "household_type", f.get("household_type"))
    new &= _isin(ledger, "primary_domain", f.get("domain"))
    return _per_100k(new.sum(), tables, weeks, WEEKS_PER_MONTH, name)


def cases_found_per_100k_per_year(tables: RunTables, f: dict[str, Any]) -> float:
    name = "cases_found_per_100k_per_year"
    ledger = tables.table(
        "ledgers", ("first_detection_week", "first_detection_channel", "household_type", "primary_domain"), name
    )
    weeks = _weeks(tables, name)
    new = _during_run(ledger["first_detection_week"], weeks)
    new &= _isin(ledger, "first_detection_channel", f.get("channels"))
    new &= _isin(ledger, "household_type", f.get("household_type"))
    new &= _isin(ledger, "primary_domain", f.get("domain"))
    return _per_100k(new.sum(), tables, weeks, WEEKS_PER_YEAR, name)


def channel_finds_per_100k_per_year(tables: RunTables, f: dict[str, Any]) -> float:
    name = "channel_finds_per_100k_per_year"
    history = tables.table("channels", ("case_id", "channel", "week", "household_type"), name)
    weeks = _weeks(tables, name)
    rows = _during_run(history["week"], weeks)
    rows &= _isin(history, "channel", f["channels"])
    rows &= _isin(history, "household_type", f.get("household_type"))
    return _per_100k(history.loc[rows, "case_id"].nunique(), tables, weeks, WEEKS_PER_YEAR, name)


# ---------------------------------------------------------------------------------------------
# Routes


def first_found_share(tables: RunTables, f: dict[str, Any]) -> float:
    name = "first_found_share"
    cases = _cases_of_run(tables, f, name, ("first_detection_week", "first_detection_channel"))
    new = _during_run(cases["first_detection_week"], _weeks(tables, name))
    new &= cases["first_detection_channel"].notna()
    new &= _isin(cases, "first_detection_channel", f.get("among"))  # the denominator's channels (default: all)
    by = _isin(cases, "first_detection_channel", f["channels"]) & new
    return _share(by.sum(), new.sum())


def known_by_share(tables: RunTables, f: dict[str, Any]) -> float:
    cases = _cases_of_run(tables, f, "known_by_share", ("known_by",))
    if f.get("among", "known") == "known":
        cases = cases[cases["known_by"].fillna("").astype(str) != ""]
    return _share(_known_by_any(cases["known_by"], f["channels"]).sum(), len(cases))


def known_by_both_share(tables: RunTables, f: dict[str, Any]) -> float:
    cases = _cases_of_run(tables, f, "known_by_both_share", ("known_by",))
    a = _known_by_any(cases["known_by"], f["channels_a"])
    b = _known_by_any(cases["known_by"], f["channels_b"])
    return _share((a & b).sum(), (a | b).sum())


# ---------------------------------------------------------------------------------------------
# Desks


def desk_outcome_share(tables: RunTables, f: dict[str, Any]) -> float:
    name = "desk_outcome_share"
    ledger = tables.table("ledgers", ("intake_week", "desk", "desk_outcome"), name)
    taken_in = _during_run(ledger["intake_week"], _weeks(tables, name))
    taken_in &= _isin(ledger, "desk", f.get("desk")) & ledger["desk_outcome"].notna()
    return _share((taken_in & _isin(ledger, "desk_outcome", f["outcome"])).sum(), taken_in.sum())


# ---------------------------------------------------------------------------------------------
# Awareness


def condition_known_share(tables: RunTables, f: dict[str, Any]) -> float:
    name = "condition_known_share"
    condition = f["condition"]
    people = tables.table("population", ("household", "age", condition), name)
    ledger = tables.table("ledgers", ("household", "known_by", "primary_domain"), name)
    holder = people[condition].astype(bool)
    if "age_band" in f:
        holder &= _in_band(people["age"], f["age_band"])
    households = np.unique(people.loc[holder, "household"].to_numpy())
    channels = f.get("channels", list(CHANNELS))
    known_cases = _known_by_any(ledger["known_by"], channels) & _isin(ledger, "primary_domain", f.get("domain"))
    known = ledger.loc[known_cases, "household"].to_numpy()
    return _share(int(np.isin(households, known).sum()), len(households))


# ---------------------------------------------------------------------------------------------
# Organisation


def _years_without(tables: RunTables, column: str, name: str) -> float:
    weekly = tables.table("weekly", ("week", column), name)
    weeks = weekly[weekly["week"] >= 1]
    whole_years = len(weeks) // WEEKS_PER_YEAR
    if whole_years == 0:
        raise StatisticUnavailable(f"statistic {name!r} needs at least one whole simulated year")
    year = (weeks["week"].to_numpy() - 1) // WEEKS_PER_YEAR
    per_year = pd.Series(weeks[column].to_numpy()).groupby(year).sum().iloc[:whole_years]
    return float((per_year == 0).mean())


def years_without_new_team(tables: RunTables, f: dict[str, Any]) -> float:
    return _years_without(tables, "teams_formed", "years_without_new_team")


def years_without_participation_link(tables: RunTables, f: dict[str, Any]) -> float:
    return _years_without(tables, "participation_links", "years_without_participation_link")


def _per_filled_post(tables: RunTables, column: str, name: str) -> float:
    weekly = tables.table("weekly", ("week", column), name)
    posts = tables.fact("commissioner_posts_filled", name)
    weeks = weekly[weekly["week"] >= 1]
    years = len(weeks) / WEEKS_PER_YEAR
    return float(weeks[column].sum()) / posts / years if posts and years else float("nan")


def commissioner_visits_per_post_per_year(tables: RunTables, f: dict[str, Any]) -> float:
    return _per_filled_post(tables, "commissioner_visits", "commissioner_visits_per_post_per_year")


def commissioner_consultations_per_post_per_year(tables: RunTables, f: dict[str, Any]) -> float:
    return _per_filled_post(tables, "commissioner_consultations", "commissioner_consultations_per_post_per_year")


# ---------------------------------------------------------------------------------------------
# Outcomes


def headline(tables: RunTables, f: dict[str, Any]) -> float:
    summary = tables.table("summaries", ("household_type", "metric", "value"), "headline")
    group = f.get("household_type", ["all"])
    if len(group) != 1:
        raise StatisticUnavailable("statistic 'headline' takes one household type (or none: the whole town)")
    row = summary[(summary["household_type"].astype(str) == group[0]) & (summary["metric"] == f["metric"])]
    if row.empty:
        raise StatisticUnavailable(f"statistic 'headline': the run's summary has no metric {f['metric']!r}")
    return float(row["value"].iloc[0])


# ---------------------------------------------------------------------------------------------
# The vocabulary

_CONDITION = Filter("key", "a resident condition (population table column)", CONDITION_KEYS, required=True)
_AGE_BAND = Filter("band", "ages from low to high, inclusive: [low, high]")
_DESK = Filter("text", "desk kinds (the town's [[desks]] kind, e.g. konkyu, houkatsu)")

STATISTICS: dict[str, Statistic] = {
    s.name: s
    for s in (
        Statistic(
            "resident_share",
            "population",
            "Residents aged within `age_band` ÷ residents (of the filtered household or family types); with "
            "`condition`, the residents aged within `age_band` who have it ÷ residents aged within `age_band`.",
            {"population": ("age", "household_type", "family_type", "CONDITION")},
            {
                "age_band": Filter("band", "ages from low to high, inclusive: [low, high]", required=True),
                "condition": Filter("key", "a resident condition (population table column)", CONDITION_KEYS),
                "household_type": HOUSEHOLD_TYPE,
                "family_type": Filter("keys", "国勢調査 family types", FAMILY_TYPE_KEYS),
            },
            resident_share,
        ),
        Statistic(
            "household_share",
            "population",
            "Households that pass the filters (household type, family type, size, a member aged within "
            "`member_age_band`) ÷ all households.",
            {"population": ("household", "age", "household_type", "family_type")},
            {
                "household_type": HOUSEHOLD_TYPE,
                "family_type": Filter("keys", "国勢調査 family types", FAMILY_TYPE_KEYS),
                "size": Filter("band", "household size from low to high members, inclusive"),
                "member_age_band": Filter("band", "at least one member aged within [low, high]"),
            },
            household_share,
        ),
        Statistic(
            "mean_household_size",
            "population",
            "Mean number of residents per household (of the filtered household or family types).",
            {"population": ("household", "household_type", "family_type")},
            {
                "household_type": HOUSEHOLD_TYPE,
                "family_type": Filter("keys", "国勢調査 family types", FAMILY_TYPE_KEYS),
            },
            mean_household_size,
            unit="persons",
        ),
        Statistic(
            "desk_consultations_per_100k_per_month",
            "flows",
            "New consultations (cases taken in: `intake_week` within the run) at the filtered desk kinds, per "
            "100,000 residents per month (52/12 weeks).",
            {"ledgers": ("intake_week", "desk", "household_type", "primary_domain"), "facts": ("residents", "weeks")},
            {"desk": _DESK, "household_type": HOUSEHOLD_TYPE, "domain": DOMAIN},
            desk_consultations_per_100k_per_month,
            unit="per 100,000 per month",
        ),
        Statistic(
            "cases_found_per_100k_per_year",
            "flows",
            "Cases first found (`first_detection_week` within the run) by one of `channels` (default: any), per "
            "100,000 residents per year.",
            {
                "ledgers": ("first_detection_week", "first_detection_channel", "household_type", "primary_domain"),
                "facts": ("residents", "weeks"),
            },
            {
                "channels": _channels("first channels counted (default: any)", False),
                "household_type": HOUSEHOLD_TYPE,
                "domain": DOMAIN,
            },
            cases_found_per_100k_per_year,
            unit="per 100,000 per year",
        ),
        Statistic(
            "channel_finds_per_100k_per_year",
            "flows",
            "Cases that one of `channels` came to know of during the run (whether or not it was the first), per "
            "100,000 residents per year.",
            {"channels": ("case_id", "channel", "week", "household_type"), "facts": ("residents", "weeks")},
            {"channels": _channels("channels counted"), "household_type": HOUSEHOLD_TYPE},
            channel_finds_per_100k_per_year,
            unit="per 100,000 per year",
        ),
        Statistic(
            "first_found_share",
            "routes",
            "Among cases of the run first found during it (with a channel; with `among`, by one of those "
            "channels), the share first found by one of `channels`.",
            {"ledgers": ("first_detection_week", "first_detection_channel", "household_type", "primary_domain")},
            {
                "channels": _channels("channels of the numerator"),
                "among": _channels("channels of the denominator (default: any)", False),
                "household_type": HOUSEHOLD_TYPE,
                "domain": DOMAIN,
            },
            first_found_share,
        ),
        Statistic(
            "known_by_share",
            "routes",
            'Among cases of the run that any channel knew of (`among = "known"`, the default) or among all its '
            'cases (`among = "all"`), the share that one of `channels` ever knew of (ledger `known_by`).',
            {"ledgers": ("known_by", "household_type", "primary_domain", "onset_week", "resolution_week")},
            {
                "channels": _channels("channels of the numerator"),
                "among": Filter("key", "the denominator: known cases or all cases", ("known", "all")),
                "household_type": HOUSEHOLD_TYPE,
                "domain": DOMAIN,
            },
            known_by_share,
        ),
        Statistic(
            "known_by_both_share",
            "routes",
            "Among cases of the run known by one of `channels_a` or one of `channels_b`, the share known by both.",
            {"ledgers": ("known_by", "household_type", "primary_domain", "onset_week", "resolution_week")},
            {
                "channels_a": _channels("first set of channels"),
                "channels_b": _channels("second set of channels"),
                "household_type": HOUSEHOLD_TYPE,
                "domain": DOMAIN,
            },
            known_by_both_share,
        ),
        Statistic(
            "desk_outcome_share",
            "desks",
            "Among cases taken in during the run (`intake_week` within it) at the filtered desk kinds, the share "
            "whose triage outcome (`desk_outcome`: advice = information or advice only, service = linked to a "
            "service, plan = a support plan) is one of `outcome`.",
            {"ledgers": ("intake_week", "desk", "desk_outcome"), "facts": ("weeks",)},
            {
                "desk": _DESK,
                "outcome": Filter("keys", "triage outcomes counted", DESK_OUTCOME_KEYS[1:], required=True),
            },
            desk_outcome_share,
        ),
        Statistic(
            "condition_known_share",
            "awareness",
            "Among households with a member who has `condition` (aged within `age_band`), the share with a case "
            "(with `domain`, a case presenting with one of those domains) that one of `channels` (default: any) "
            'ever knew of by the end of the run; `channels = ["self", "family"]` asks who ever consulted.',
            {"population": ("household", "age", "CONDITION"), "ledgers": ("household", "known_by", "primary_domain")},
            {
                "condition": _CONDITION,
                "age_band": _AGE_BAND,
                "channels": _channels("channels (default: any)", False),
                "domain": DOMAIN,
            },
            condition_known_share,
        ),
        Statistic(
            "years_without_new_team",
            "organisation",
            "Share of the run's whole years in which no new 多機関協働 team formed (weekly `teams_formed`).",
            {"weekly": ("week", "teams_formed")},
            {},
            years_without_new_team,
        ),
        Statistic(
            "years_without_participation_link",
            "organisation",
            "Share of the run's whole years in which no new 参加支援 link was made (weekly `participation_links`).",
            {"weekly": ("week", "participation_links")},
            {},
            years_without_participation_link,
        ),
        Statistic(
            "commissioner_visits_per_post_per_year",
            "organisation",
            "民生委員 visits (weekly `commissioner_visits`, summed over the run) per filled post per year.",
            {"weekly": ("week", "commissioner_visits"), "facts": ("commissioner_posts_filled",)},
            {},
            commissioner_visits_per_post_per_year,
            unit="per post per year",
        ),
        Statistic(
            "commissioner_consultations_per_post_per_year",
            "organisation",
            "相談・支援 contacts that come to 民生委員 (weekly `commissioner_consultations`) per filled post per year.",
            {"weekly": ("week", "commissioner_consultations"), "facts": ("commissioner_posts_filled",)},
            {},
            commissioner_consultations_per_post_per_year,
            unit="per post per year",
        ),
        Statistic(
            "headline",
            "outcomes",
            "A headline metric of the run's summary table (sim/metrics.py), for the whole town or one household type.",
            {"summaries": ("household_type", "metric", "value")},
            {
                "metric": Filter("key", "the headline metric", tuple(METRICS_DOC), required=True),
                "household_type": Filter("keys", "one household type (default: the whole town)", TYPE_KEYS),
            },
            headline,
            unit="as the metric",
        ),
    )
}


def check_filters(statistic: str, filters: Any) -> dict[str, Any] | str:
    """The filters normalised (single keys as lists where lists are taken), or a problem as text."""
    if statistic not in STATISTICS:
        return f"unknown statistic {statistic!r}; allowed: " + ", ".join(STATISTICS)
    spec = STATISTICS[statistic].filters
    if not isinstance(filters, dict):
        return "allowed: a table of filters"
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if key not in spec:
            return f"unknown filter {key!r} for {statistic}; allowed: " + (", ".join(spec) or "none")
        problem, normal = _check_filter(spec[key], value)
        if problem:
            return f"filter {key!r}: {problem}"
        out[key] = normal
    for key, f in spec.items():
        if f.required and key not in out:
            return f"{statistic} needs the filter {key!r} ({f.doc})"
    return out


def _check_filter(f: Filter, value: Any) -> tuple[str, Any]:
    if f.kind == "band":
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and 0 <= value[0] <= value[1]
        )
        return ("" if ok else f"got {value!r}; allowed: [low, high], integers with 0 ≤ low ≤ high", value)
    if f.kind == "key":
        if isinstance(value, str) and (not f.allowed or value in f.allowed):
            return "", value
        return f"got {value!r}; allowed: one of " + ", ".join(f.allowed), value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        return f"got {value!r}; allowed: a name or a non-empty list of names", value
    unknown = [v for v in values if f.allowed and v not in f.allowed]
    if unknown:
        return f"unknown {unknown[0]!r}; allowed: " + ", ".join(f.allowed), values
    return "", values


def compute(statistic: str, tables: RunTables, filters: dict[str, Any] | None = None) -> float:
    """The value of ``statistic`` with ``filters`` (already checked by :func:`check_filters`) on a run's tables.

    Raises:
        StatisticUnavailable: the run lacks a table or column the statistic reads.
    """
    return STATISTICS[statistic].compute(tables, filters or {})


def statistics_markdown() -> str:
    """The vocabulary as Markdown (docs/calibration.md's statistics section is checked against it)."""
    lines = []
    for group in dict.fromkeys(s.group for s in STATISTICS.values()):
        lines.append(f"### {group.capitalize()}\n")
        for s in (s for s in STATISTICS.values() if s.group == group):
            reads = "; ".join(f"`{t}`: {', '.join(cols)}" for t, cols in s.reads.items())
            filters = (
                ", ".join(f"`{k}`{' (required)' if f.required else ''} — {f.doc}" for k, f in s.filters.items())
                or "none"
            )
            lines.append(f"- **`{s.name}`** ({s.unit}). {s.definition} Reads {reads}. Filters: {filters}.")
        lines.append("")
    return "\n".join(lines)
