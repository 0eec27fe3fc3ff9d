"""95% intervals: the one rule that the CLI, the HTML report and the dashboard all use.

A mean over replications gets Student's t-interval, ``mean ± t(0.975, n − 1) · s / √n`` with
``s`` the sample standard deviation (``ddof=1``) of the ``n`` values. Values that are NaN (a
metric without a denominator in one run, e.g. no case of a household type) are left out. A
mean of one value has no interval (NaN bounds), and a mean of none is NaN.

A paired difference is the t-interval of the run-by-run differences: replication ``r`` of every
scenario meets the same households with the same luck (common random numbers), so the
difference is taken within each replication before averaging.

A band over time (a weekly series) is the interval week by week; where a week has no interval
(one replication), the band has no width, so that it can still be drawn.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


class Interval(NamedTuple):
    """Means, 95% interval bounds and the number of values behind each mean (arrays of one shape)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray


def mean_interval(values: np.ndarray, axis: int = 0) -> Interval:
    """The mean of ``values`` along ``axis`` (over replications) and its 95% t-interval.

    Args:
        values: Numbers, NaN where a replication has no value.
        axis: The replications' axis.

    Returns:
        Arrays with ``axis`` removed: mean, low, high (NaN where fewer than two values), and n.
    """
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    n = np.count_nonzero(present, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=axis) / n
        deviations = np.where(present, values - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt(np.sum(deviations**2, axis=axis) / (n - 1))
        half = stats.t.ppf(0.5 + LEVEL / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(values: np.ndarray, reference: np.ndarray, axis: int = 0) -> Interval:
    """The mean difference ``values − reference``, replication by replication, and its 95% t-interval.

    Args:
        values: A scenario's numbers.
        reference: The reference scenario's numbers on the same replications (broadcast against ``values``).
        axis: The replications' axis.
    """
    return mean_interval(np.asarray(values, dtype=float) - np.asarray(reference, dtype=float), axis=axis)


def band(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% band for drawing: as :func:`mean_interval`, but with no width where there is no interval."""
    mean, low, high, _ = mean_interval(values, axis=axis)
    return mean, np.where(np.isnan(low), mean, low), np.where(np.isnan(high), mean, high)


def series_band(frame: pd.DataFrame, value: str, at: str = "week", over: str = "replication") -> pd.DataFrame:
    """The band of a long table's series: at each ``at`` (week), the mean over ``over`` (replications).

    Args:
        frame: Long table with columns ``at``, ``over`` and ``value`` (one row per pair).
        value: The column to average.
        at: The time column.
        over: The column that numbers the replications.

    Returns:
        Columns ``at``, mean, low, high, in order of ``at``.
    """
    wide = frame.pivot(index=at, columns=over, values=value)
    mean, low, high = band(wide.to_numpy(dtype=float), axis=1)
    return pd.DataFrame({at: wide.index.to_numpy(), "mean": mean, "low": low, "high": high})
