"""How the command line writes a metric's number: its unit and no more decimals than it means.

Shares are written in percent and their differences in percentage points ("pts"); durations in weeks;
hours and household-weeks as whole numbers. A whole number is written without decimals. The tidy
tables (CSV, Parquet, ``--json``) keep the raw values; this is only for people reading a terminal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """How to write one metric: ``value × scale`` with ``decimals``, then ``unit`` (``diff_unit`` after
    a difference); a ``share`` cannot leave 0-100%, and no metric here can go below 0."""

    scale: float = 1.0
    decimals: int = 2
    unit: str = ""
    diff_unit: str = ""
    share: bool = False


PERCENT = Unit(100.0, 1, "%", " pts", share=True)
WEEKS = Unit(1.0, 1, " weeks", " weeks")
HOURS = Unit(1.0, 0, " h", " h")

UNITS: dict[str, Unit] = {
    "cases": Unit(1.0, 1, " cases", " cases"),
    "median_weeks_to_detection": WEEKS,
    "p90_weeks_to_detection": WEEKS,
    "median_weeks_to_resolution": WEEKS,
    "mean_weeks_waiting": WEEKS,
    "mean_worst_stage": Unit(1.0, 2, " (1 latent … 3 complex)", ""),
    "complex_household_weeks_per_1000": Unit(1.0, 0, " per 1,000 households", ""),
    "mean_waiting_list": Unit(1.0, 1, " households", " households"),
    "hours_per_early_detection": Unit(1.0, 0, " h per early detection", " h"),
}


def unit_of(metric: str) -> Unit:
    """The unit of ``metric`` (shares and rates in percent, ``hours_*`` in hours)."""
    if metric in UNITS:
        return UNITS[metric]
    if metric.endswith(("_rate", "_share", "_of_detections")) or metric.startswith("channel_share_"):
        return PERCENT
    if metric.endswith("_hours") or metric.startswith("hours_"):
        return HOURS
    return Unit()


def number(value: float, unit: Unit, signed: bool = False, whole: bool | None = None) -> str:
    """``value`` in ``unit``'s scale and decimals, with thousands separators; "—" if missing.

    A whole number is written without decimals (``whole`` decides instead, for numbers written together).
    """
    if value is None or not math.isfinite(value):
        return "—"
    scaled = float(value) * unit.scale
    decimals = 0 if (scaled.is_integer() if whole is None else whole) else unit.decimals
    scaled = round(scaled, decimals) + 0.0  # + 0.0: no "-0"
    return f"{scaled:{'+' if signed and scaled else ''},.{decimals}f}"  # no sign on a zero difference


def level(metric: str, value: float) -> str:
    """A value with its unit, e.g. ``15.7%``, ``19 weeks``, ``13,046 h``."""
    unit = unit_of(metric)
    text = number(value, unit)
    return text if text == "—" else text + unit.unit


def interval(metric: str, value: float, low: float, high: float, diff: bool = False) -> str:
    """A mean or a difference with its 95% interval, e.g. ``15.7% [14.0, 17.4]`` or ``+2.3 pts [+1.0, +3.6]``.

    The interval of a mean stays where the metric can be (0 to 100% for a share, not below 0 for a
    count or a duration); a difference can be negative.
    """
    unit = unit_of(metric)
    if not diff:
        low = max(low, 0.0)
        high = min(high, 1.0) if unit.share else high
    if value is None or not math.isfinite(value):
        return "—"
    bounds = [b for b in (low, high) if math.isfinite(b)]
    whole = all(float(v * unit.scale).is_integer() for v in (value, *bounds))
    head = number(value, unit, signed=diff, whole=whole) + (unit.diff_unit if diff else unit.unit)
    if len(bounds) < 2:
        return head
    return f"{head} [{number(low, unit, signed=diff, whole=whole)}, {number(high, unit, signed=diff, whole=whole)}]"
