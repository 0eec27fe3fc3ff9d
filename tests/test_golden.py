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


def test_a_new_column_of_zeros_is_layout_but_a_new_column_with_values_is_a_result():
    old = {"run": {"weekly_sums": {"onsets": 5.0}}}
    zeros = {"run": {"weekly_sums": {"onsets": 5.0, "detected_new_channel": 0.0}}}
    counted = {"run": {"weekly_sums": {"onsets": 5.0, "detected_new_channel": 2.0}}}
    assert golden.differences(old, zeros) == []
    assert golden.differences(old, counted) == ["run.weekly_sums.detected_new_channel: '<absent>' -> 2.0"]


def test_the_table_hash_ignores_column_order_and_all_zero_columns_but_not_values():
    import pandas as pd

    table = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]})
    assert golden.table_hash(table) == golden.table_hash(table[["b", "a"]].assign(unused=0))
    assert golden.table_hash(table) != golden.table_hash(table.assign(b=[0.5, 1.25]))
