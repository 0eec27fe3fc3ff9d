"""Tidy output tables and writing them to disk (CSV and Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.domain import CONDITION_KEYS, DOMAIN_KEYS, FAMILY_TYPE_KEYS, STAGE_KEYS, TYPE_KEYS, count_domains
from sim.mechanisms import CHANNEL_KEYS
from sim.state import DESK_OUTCOME_KEYS, NOT_YET, RESOLVED_BY_KEYS

if TYPE_CHECKING:
    from sim.engine.views import RunView


def _keys(codes: np.ndarray, keys: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(keys))


def _week(values: np.ndarray) -> pd.array:
    """Weeks as nullable Int32, NOT_YET as NA."""
    return pd.arrays.IntegerArray(values.astype(np.int32), values == NOT_YET)


def _labels(codes: np.ndarray, present: np.ndarray, keys: tuple[str, ...]) -> pd.Categorical:
    """``keys[code]`` where ``present``, else NA, with every key but ``keys[0]`` (none) as categories."""
    return pd.Categorical.from_codes(np.where(present, codes.astype(np.int64) - 1, -1), categories=list(keys[1:]))


def ledger_frame(run: RunView) -> pd.DataFrame:
    """One row per case: who, when it started, when and how it was first found, support, outcome.

    Weeks count from 1 (the first simulated week); weeks of the warm-up before the start are
    zero or negative; missing weeks (not yet / never / unknown) are NA. Cases open at the
    start are flagged ``prevalent_at_start``.
    """
    c = run.cases
    desks = run.desks
    detected = c.first_detection_week != NOT_YET
    worst = c.worst_stage
    domains = c.domains
    return pd.DataFrame(
        {
            "case_id": np.arange(c.size, dtype=np.int32),
            "household": c.household,
            "household_type": _keys(c.household_type, TYPE_KEYS),
            "prevalent_at_start": c.prevalent_at_start,
            "onset_week": _week(c.onset_week),
            "primary_domain": _keys(c.primary_domain, DOMAIN_KEYS),
            "first_detection_week": _week(c.first_detection_week),
            "first_detection_stage": _labels(
                c.first_detection_stage, detected & (c.first_detection_stage > 0), STAGE_KEYS
            ),
            # Cases the warm-up started with as already known have no channel (code 0): NA.
            "first_detection_channel": _labels(
                c.first_detection_channel, detected & (c.first_detection_channel > 0), CHANNEL_KEYS
            ),
            "weeks_to_detection": _week(
                np.where(detected & (c.onset_week != NOT_YET), c.first_detection_week - c.onset_week, NOT_YET)
            ),
            "referrals": c.referrals,
            "bounces": c.bounces,
            "gave_up": c.gave_up,
            "refusals": c.refusals,
            "intake_week": _week(c.intake_week),
            "support_start_week": _week(c.support_start_week),
            "weeks_waiting": _week(
                np.where(
                    (c.intake_week != NOT_YET) & (c.support_start_week != NOT_YET),
                    c.support_start_week - c.intake_week,
                    NOT_YET,
                )
            ),
            "desk": _desk_kinds(c.desk, [d["kind"] for d in desks]),
            "desk_outcome": _labels(c.desk_outcome, c.desk_outcome > 0, DESK_OUTCOME_KEYS),
            "team_referral_week": _week(c.team_referral_week),
            "team_week": _week(c.team_week),
            "worst_stage": _keys(worst, STAGE_KEYS),
            "resolution_week": _week(c.resolution_week),
            "resolved_by": _keys(c.resolved_by, RESOLVED_BY_KEYS),
            "n_domains": count_domains(domains).astype(np.int8),
            "weeks_since_previous_case": _week(weeks_since_previous_case(c.household, c.onset_week, c.resolution_week)),
            "known_by": known_by_labels(c.known_by),
        }
    )


def _desk_kinds(desk: np.ndarray, kinds: list[str]) -> pd.Categorical:
    """The kind of each case's desk (NA for none: -1), with the kinds in sorted order as categories."""
    categories = sorted(set(kinds))
    code_of_desk = np.array([categories.index(k) for k in kinds] + [-1], dtype=np.int64)  # [-1]: no desk
    return pd.Categorical.from_codes(code_of_desk[desk], categories=categories)


def channel_history_frame(run: RunView, history: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per (case, channel that knew of it): the week and stage when the channel first knew.

    ``history`` holds the model's rows (cases numbered in the model's ledger); the frame numbers
    cases as the run's ledger does.
    """
    c = run.cases
    local = np.searchsorted(c.rows, history["case"])
    mine = (local < len(c.rows)) & (c.rows[np.minimum(local, len(c.rows) - 1)] == history["case"])
    case = local[mine]
    return pd.DataFrame(
        {
            "case_id": case.astype(np.int32),
            "household": c.household[case],
            "household_type": _keys(c.household_type[case], TYPE_KEYS),
            "channel": _keys(history["channel"][mine], CHANNEL_KEYS),
            "week": history["week"][mine],
            "stage": _keys(history["stage"][mine], STAGE_KEYS),
        }
    )


def population_frame(run: RunView) -> pd.DataFrame:
    """One row per resident of the run's town: household, its household and family type, age, conditions.

    The town is built from the seed alone (no scenario changes who lives there), so the table is
    the same for every scenario of a replication. Conditions are those the town was built with;
    a withdrawal (ひきこもり) that starts or ends during a run shows in the case ledger instead.
    """
    model, k = run.model, run.run
    town = model.town
    households, residents = model.worlds.part("hh", k), model.worlds.part("res", k)
    household = (town.res_household[residents] - households.start).astype(np.int32)
    bits = town.res_conditions[residents].astype(np.int64)
    frame: dict[str, object] = {
        "resident": np.arange(len(household), dtype=np.int32),
        "household": household,
        "household_type": _keys(run.htype[household], TYPE_KEYS),
        "family_type": _keys(town.family_type[households][household], FAMILY_TYPE_KEYS),
        "age": town.res_age[residents].astype(np.int16),
        "jichikai_member": town.member[households][household],
    }
    for c, name in enumerate(CONDITION_KEYS):
        frame[name] = (bits >> c & 1).astype(bool)
    return pd.DataFrame(frame)


def facts_frame(run: RunView) -> pd.DataFrame:
    """Facts of the run's town and length (long: fact, value): households, residents, weeks simulated
    after the warm-up, 民生委員 posts and filled posts, and desks by kind (``desks_KIND``)."""
    model, k = run.model, run.run
    town = model.town
    residents = model.worlds.part("res", k)
    vacant = town.district_vacant[model.worlds.part("district", k)]
    kinds = [d["kind"] for d in town.desks[model.worlds.part("desk", k)]]
    facts: dict[str, float] = {
        "households": run.n_households,
        "residents": residents.stop - residents.start,
        "weeks": run.time,
        "commissioner_posts": len(vacant),
        "commissioner_posts_filled": int((~vacant).sum()),
        **{f"desks_{kind}": kinds.count(kind) for kind in sorted(set(kinds))},
    }
    return pd.DataFrame({"fact": list(facts), "value": np.array(list(facts.values()), dtype=float)})


def known_by_labels(masks: np.ndarray) -> np.ndarray:
    """Each case's channels that knew of it, as "key;key" in channel order ("" for none)."""
    unique, inverse = np.unique(masks, return_inverse=True)
    names = [";".join(k for c, k in enumerate(CHANNEL_KEYS) if int(m) >> c & 1) for m in unique]
    return np.array(names, dtype=object)[inverse]


def weeks_since_previous_case(household: np.ndarray, onset: np.ndarray, resolution: np.ndarray) -> np.ndarray:
    """Weeks from the resolution of the household's previous case to this case's onset (NOT_YET if none)."""
    order = np.lexsort((np.arange(len(household)), household))  # case ids grow with onset time
    out = np.full(len(household), NOT_YET, dtype=np.int64)
    same = household[order][1:] == household[order][:-1]
    prev_res = resolution[order][:-1]
    gap = onset[order][1:] - prev_res
    ok = same & (prev_res != NOT_YET) & (onset[order][1:] != NOT_YET)
    out[order[1:][ok]] = gap[ok]
    return out


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each table as ``NAME.csv`` and ``NAME.parquet`` in ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        csv, parquet = out / f"{name}.csv", out / f"{name}.parquet"
        df.to_csv(csv, index=False)
        df.to_parquet(parquet, index=False)
        written += [csv, parquet]
    return written
