"""Sharing a capacity within each run: places in a queue, per-run sums and ranks.

Capacities (a district's visits, a run's outreach contacts, a desk's caseload places, a
run's 多機関協働 team places) belong to one run of a batch; these helpers apply them run by
run without a loop over households, and give each run the numbers it gets alone.
"""

from __future__ import annotations

import numpy as np


def rank_in_group(sorted_groups: np.ndarray) -> np.ndarray:
    """Each element's position within its run of equal values (``sorted_groups`` is sorted)."""
    return np.arange(len(sorted_groups)) - np.searchsorted(sorted_groups, sorted_groups)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """Each element's position among the elements of its group, in the order given."""
    order = np.argsort(groups, kind="stable")
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = rank_in_group(groups[order])
    return rank


def first_places(queue_groups: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Which members of a queue get a place: the first ``places[g]`` of each group ``g``.

    ``queue_groups`` is each member's group, in queue order; ``places`` the places of each group.
    """
    return rank_within(queue_groups) < places[queue_groups]


def sums_by_part(values: np.ndarray, parts: list[slice]) -> np.ndarray:
    """The sum of ``values`` over each part (a run's slice), summed as numpy sums the part alone."""
    return np.array([values[part].sum() for part in parts], dtype=np.float64)


def share_by_priority(capacity: np.ndarray, weight: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Each one's chance of a share of its group's capacity: ``min(1, capacity × weight / total)``.

    ``capacity`` and ``total`` (the group's summed weights) are given per member; a group with
    no weight gives nobody anything.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = np.minimum(1.0, capacity * weight / total)
    return np.where(total > 0, chance, 0.0)
