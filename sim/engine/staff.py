"""Professionals: who staffs which desk, and how many cases each holds."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.capacity import rank_in_group


class Staff:
    """The professionals of every desk (of every run of a batch), as arrays.

    Attributes:
        desk: Each professional's desk.
        caseload: Cases each professional holds.
    """

    def __init__(self, desks: list[dict[str, Any]]) -> None:
        self.desks = desks
        self.desk = np.repeat(np.arange(len(desks)), [d["staff"] for d in desks]).astype(np.int64)
        self.caseload = np.zeros(len(self.desk), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.desk)

    def add(self, new_desks: np.ndarray) -> range:
        """New professionals join ``new_desks`` (one entry each); returns their indices."""
        first = len(self.desk)
        self.desk = np.concatenate([self.desk, new_desks.astype(np.int64)])
        self.caseload = np.concatenate([self.caseload, np.zeros(len(new_desks), dtype=np.int32)])
        return range(first, len(self.desk))

    def take(self, professionals: np.ndarray) -> None:
        """Each of ``professionals`` takes one more case (one entry per case)."""
        self.caseload += np.bincount(professionals, minlength=len(self.caseload)).astype(np.int32)

    def release(self, professionals: np.ndarray) -> None:
        """Each of ``professionals`` closes one case (one entry per case)."""
        self.caseload -= np.bincount(professionals, minlength=len(self.caseload)).astype(np.int32)

    def free_at_desk(self, limit: int) -> np.ndarray:
        """Free places at each desk under a caseload ``limit``."""
        free = np.maximum(limit - self.caseload, 0)
        return np.bincount(self.desk, weights=free, minlength=len(self.desks))

    def assign(self, desk_of_waiting: np.ndarray, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Professionals for each desk's queue, least-loaded first, within the caseload ``limit``.

        ``desk_of_waiting`` is the desk of each waiting household, sorted by desk and, within a
        desk, in queue order. A professional with ``f`` free places offers slots ranked load,
        load + 1, …; a desk's queue takes its best slots in order (ties: the professional's
        index, then the slot). Returns which of the waiting are served (a mask) and, for each
        of them in order, the professional.
        """
        n_desks = len(self.desks)
        queue = np.bincount(desk_of_waiting, minlength=n_desks)
        wanted = queue[self.desk]
        load = self.caseload
        free = wanted if limit is None else np.minimum(np.maximum(limit - load, 0), wanted)
        slot_prof = np.repeat(np.arange(len(load)), free)
        slot = np.arange(len(slot_prof)) - np.repeat(np.cumsum(free) - free, free)
        slot_desk = self.desk[slot_prof]
        order = np.lexsort((slot, slot_prof, load[slot_prof] + slot, slot_desk))
        slot_prof, slot_desk = slot_prof[order], slot_desk[order]
        taken = rank_in_group(slot_desk) < queue[slot_desk]
        served = rank_in_group(desk_of_waiting) < np.bincount(slot_desk[taken], minlength=n_desks)[desk_of_waiting]
        return served, slot_prof[taken]
