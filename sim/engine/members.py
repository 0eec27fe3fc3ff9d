"""Sorted index sets kept up to date from the households that changed, not by a scan of the town."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def update_members(members: np.ndarray, touched: np.ndarray, now_in: np.ndarray) -> np.ndarray:
    """``members`` (sorted households) with each of ``touched`` (sorted, unique) in the set if
    ``now_in`` says so and out of it if not: a merge of two sorted lists, equal to a scan of the
    set's flag over the town when every change of the flag is among ``touched``."""
    out = np.empty(members.shape[0] + touched.shape[0], dtype=np.int64)
    i = j = k = 0
    while i < members.shape[0] or j < touched.shape[0]:
        if j == touched.shape[0] or (i < members.shape[0] and members[i] < touched[j]):
            out[k] = members[i]  # untouched: still in
            k += 1
            i += 1
            continue
        if i < members.shape[0] and members[i] == touched[j]:
            i += 1
        if now_in[j]:
            out[k] = touched[j]
            k += 1
        j += 1
    return out[:k]
