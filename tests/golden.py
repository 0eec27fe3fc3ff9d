"""The golden baseline: exact results of a fixed set of runs, committed in tests/baseline.json.

A change meant to keep results must leave every entry unchanged (tests/test_golden.py checks
them exactly); a change meant to move results regenerates the file on purpose with
``make baseline``, which prints what moved, and says why in its commit message.

Each run is recorded as: the town-wide summary values themselves (readable in a diff), and a
SHA-256 of every table (summary by household type, weekly series, case ledger, council log)
as CSV with floats written exactly (columns in name order: values, not layout), with row counts and the weekly columns' sums beside them,
so a changed hash says where to look.

Runs: every bundled scenario on ``neighbourhood`` (10 years after the standard warm-up), one
``city`` run, one run without warm-up, one batch of three seeds, and one story.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

BASELINE = Path(__file__).with_name("baseline.json")

NEIGHBOURHOOD_SEED = 1
NEIGHBOURHOOD_YEARS = 10
CITY = {"seed": 2, "years": 3}
NO_WARMUP = {"seed": 3, "years": 10}
BATCH = {"scenario": "jusoteki_full", "seeds": [4, 5, 6], "years": 5}
STORY = "household_8050"


def table_hash(df: pd.DataFrame, rows_by: list[str] | None = None) -> str:
    """SHA-256 (first 16 hex digits) of ``df`` as CSV; floats are written with all their digits.

    The hash locks the values, not the layout of the table: columns are taken in name order,
    rows sorted by ``rows_by`` if given, and a column that is zero or missing throughout is
    left out (a lever that is switched off in these runs adds only such columns).
    """
    if rows_by:
        df = df.sort_values(rows_by, kind="stable")
    kept = [c for c in sorted(df.columns) if not _empty(df[c])]
    text = df[kept].to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _empty(column: pd.Series) -> bool:
    """Whether a column holds only zeros and missing values."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    values = column.astype("Float64")
    return bool((values.isna() | (values == 0)).all())


def _number(x: float) -> float | str:
    """A float as JSON holds it exactly (NaN and infinities as strings)."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def record_run(weekly: pd.DataFrame, ledger: pd.DataFrame, summary: pd.DataFrame, council: pd.DataFrame) -> dict:
    """One run's entry: town-wide summary values, and each table's hash, size and (weekly) column sums."""
    town = summary[summary["household_type"] == "all"]
    return {
        "summary_all": {m: _number(v) for m, v in zip(town["metric"], town["value"], strict=True)},
        "summary_hash": table_hash(_without_empty_metrics(summary), rows_by=["household_type", "metric"]),
        "weekly_hash": table_hash(weekly),
        "weekly_rows": len(weekly),
        "weekly_sums": {c: _number(weekly[c].sum()) for c in weekly.columns if c != "week"},
        "ledger_hash": table_hash(ledger),
        "ledger_rows": len(ledger),
        "council_hash": table_hash(council),
        "council_rows": len(council),
    }


def _without_empty_metrics(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary without metrics that are zero or missing for every household type."""
    value = summary["value"].astype(float)
    empty = (value.isna() | (value == 0)).groupby(summary["metric"]).transform("all")
    return summary[~empty]


def compute() -> dict[str, Any]:
    """Run every golden run and return their entries (about 20 s)."""
    from sim.config import bundled_names
    from sim.runner import run_batch, run_once
    from sim.story import load_story, run_story

    entries: dict[str, Any] = {}
    for name in bundled_names("scenarios"):
        r = run_once(name, "neighbourhood", NEIGHBOURHOOD_SEED, NEIGHBOURHOOD_YEARS)
        entries[f"neighbourhood/{name}"] = record_run(r.weekly, r.ledger, r.summary, r.council)
    r = run_once("baseline", "city", CITY["seed"], CITY["years"])
    entries["city/baseline"] = record_run(r.weekly, r.ledger, r.summary, r.council)
    r = run_once("baseline", "neighbourhood", NO_WARMUP["seed"], NO_WARMUP["years"], warmup_weeks=0)
    entries["neighbourhood/baseline/no-warmup"] = record_run(r.weekly, r.ledger, r.summary, r.council)
    runs = run_batch(BATCH["scenario"], "neighbourhood", BATCH["seeds"], BATCH["years"], [0, 1, 2])
    for seed, r in zip(BATCH["seeds"], runs, strict=True):
        entries[f"batch/{BATCH['scenario']}/seed-{seed}"] = record_run(r.weekly, r.ledger, r.summary, r.council)
    model, _ = run_story(load_story(STORY))  # the model's results under a story's hand-set case, not its wording
    entries[f"story/{STORY}"] = {"weekly_hash": table_hash(model.weekly()), "ledger_hash": table_hash(model.ledger())}
    return entries


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What moved between two baselines, one line per changed value (empty when identical)."""
    lines = []
    for run in sorted(old.keys() | new.keys()):
        if run not in new:
            lines.append(f"{run}: removed")
            continue
        if run not in old:
            lines.append(f"{run}: new")
            continue
        lines += _diff(run, old[run], new[run])
    return lines


def _diff(path: str, a: Any, b: Any) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(a.keys() | b.keys()):
            if (key in a) != (key in b) and _is_nothing(a.get(key, b.get(key))):
                continue  # a column or metric of zeros (or NaN) added or dropped: layout, not a result
            out += _diff(f"{path}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>"))
        return out
    if a == b:
        return []
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return [f"{path}: {a!r} -> {b!r} ({b - a:+.6g})"]
    return [f"{path}: {a!r} -> {b!r}"]


def _is_nothing(value: Any) -> bool:
    return value in (0, 0.0, "nan")


def load() -> dict[str, Any]:
    """The committed baseline."""
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """``make baseline``: recompute, print what moved against the committed file, and write it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if anything moved")
    args = parser.parse_args(argv)
    new = compute()
    old = load() if BASELINE.exists() else {}
    moved = differences(old, new)
    for line in moved:
        print(line)
    print(f"{len(moved)} value(s) moved across {len(new)} runs" if moved else f"no change across {len(new)} runs")
    if args.check:
        return 1 if moved else 0
    BASELINE.write_text(json.dumps(new, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
