"""Numbers as people read them: the command line's units and decimals (sim/display.py), the note on a
scenario whose results are the reference's, and the report's bands that stay within what can happen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import display
from sim.compare import format_comparison
from sim.report import identical_to_reference, level_bars, time_series


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("cases", 51.0, "51 cases"),
        ("early_detection_rate", 0.1569, "15.7%"),
        ("channel_share_venue", 0.0, "0%"),
        ("median_weeks_to_detection", 19.0, "19 weeks"),
        ("mean_weeks_waiting", 2.25, "2.2 weeks"),
        ("paid_staff_hours", 13045.4, "13,045 h"),
        ("hours_minsei_iin", 1716.0, "1,716 h"),
        ("complex_household_weeks_per_1000", 2046.3333, "2,046 per 1,000 households"),
        ("mean_waiting_list", 0.0, "0 households"),
        ("median_weeks_to_resolution", float("nan"), "—"),
    ],
)
def test_a_metric_is_written_in_its_unit_and_whole_numbers_without_decimals(metric, value, text):
    assert display.level(metric, value) == text


def test_a_difference_of_shares_is_in_percentage_points_and_signed():
    assert display.interval("complex_share", -0.0234, -0.041, -0.006, diff=True) == "-2.3 pts [-4.1, -0.6]"
    assert display.interval("complex_share", 0.0, 0.0, 0.0, diff=True) == "0 pts [0, 0]"


def test_the_interval_of_a_mean_does_not_leave_the_metrics_range():
    assert display.interval("mean_waiting_list", 0.1, -0.2, 0.4) == "0.1 households [0.0, 0.4]"
    assert display.interval("resolution_rate", 0.985, 0.955, 1.01) == "98.5% [95.5, 100.0]"


def _comparison(diff_siloed: float = 0.0) -> pd.DataFrame:
    rows = []
    for scenario, diff in (("baseline", 0.0), ("siloed", diff_siloed), ("jusoteki_full", 0.05)):
        rows.append(
            {
                "scenario": scenario,
                "household_type": "all",
                "metric": "early_detection_rate",
                "point": "0",
                "mean": 0.2 + diff,
                "ci_low": 0.18 + diff,
                "ci_high": 0.22 + diff,
                "diff": diff,
                "diff_ci_low": diff,
                "diff_ci_high": diff,
            }
        )
    return pd.DataFrame(rows)


def test_the_comparison_text_has_units_and_no_four_decimal_numbers():
    text = format_comparison(_comparison(), metrics=("early_detection_rate",))
    assert "  siloed         20% [18, 22]   diff 0 pts [0, 0]" in text
    assert "  jusoteki_full  25% [23, 27]   diff +5 pts [+5, +5]" in text
    assert not any(len(part.split(".")[-1].strip("]%,")) >= 4 for part in text.split() if "." in part)


def test_the_report_names_a_scenario_whose_every_result_is_the_references():
    scenarios = ["baseline", "siloed", "jusoteki_full"]
    assert identical_to_reference(_comparison(), scenarios) == ["siloed"]
    assert identical_to_reference(_comparison(diff_siloed=0.01), scenarios) == []


def test_the_reports_waiting_list_band_does_not_go_below_zero():
    weeks = np.arange(5)
    rng = np.random.default_rng(0)
    weekly = pd.DataFrame(
        {
            "scenario": "baseline",
            "point": 0,
            "replication": np.repeat([0, 1, 2], len(weeks)),
            "week": np.tile(weeks, 3),
            # Mostly nobody waits, sometimes one or two: a t-band around a small mean dips below 0.
            "waiting_list": np.array([0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
            **{c: rng.integers(0, 5, 15) for c in ("true_latent", "true_manifest", "known_latent", "known_manifest")},
            "true_complex": np.full(15, 5),
            "known_complex": np.full(15, 5),
        }
    )
    fig = time_series(weekly, ["baseline"])
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 3
    assert all(min(band.y) >= 0 for band in bands)
    assert max(bands[1].y) <= 1  # known share


def test_the_reports_level_bars_do_not_reach_below_zero():
    table = _comparison().assign(metric="mean_weeks_waiting", mean=0.1, ci_low=-0.3, ci_high=0.5)
    fig = level_bars(table, ["baseline", "siloed", "jusoteki_full"], metrics=("mean_weeks_waiting",))
    bar = fig.data[0]
    assert all(m - minus >= 0 for m, minus in zip(bar.x, bar.error_x.arrayminus, strict=True))
