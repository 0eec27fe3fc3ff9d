"""The golden baseline (tests/baseline.json) holds: results move only when regenerated on purpose."""

from __future__ import annotations

import golden


def test_results_match_the_committed_golden_baseline():
    moved = golden.differences(golden.load(), golden.compute())
    assert not moved, "results moved (run `make baseline` if on purpose):\n" + "\n".join(moved[:60])


def test_a_moved_value_is_reported_with_its_run_and_key():
    old = {"run": {"summary_all": {"cases": 10.0}, "weekly_hash": "a"}}
    new = {"run": {"summary_all": {"cases": 12.0}, "weekly_hash": "b"}, "other": {}}
    assert golden.differences(old, new) == [
        "other: new",
        "run.summary_all.cases: 10.0 -> 12.0 (+2)",
        "run.weekly_hash: 'a' -> 'b'",
    ]
