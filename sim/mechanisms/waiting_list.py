"""待機リスト: households a desk accepted get a professional, longest-waiting first."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.mechanisms.caseloads import Caseloads
from sim.mechanisms.consent import Consent


class WaitingList(Mechanism):
    """Each week, last of all, waiting households meet the professionals of their desk.

    Households a desk accepted (and who consented, when consent is asked) are given a
    professional of their desk in order of waiting (longest first, then the household's
    number), the least-loaded professional first, while a professional holds fewer cases than
    the caseload limit (:class:`~sim.mechanisms.caseloads.Caseloads`; no limit when that
    mechanism is off). Those who find no place stay on the waiting list. This is how the
    services work whichever policy is on, so it has no switch.
    """

    name = "waiting_list"
    phase = "service"
    switchable = False
    title_ja = "待機リストから専門職へ"
    title_en = "From the waiting list to a professional"
    switch_ja = "窓口が受け付けた世帯に、空きのある専門職が担当につきます（常に働く仕組みで、オフにはできません）。"
    switch_en = (
        "Professionals with room take on households their desk accepted (always at work; it cannot be switched off)."
    )
    slide_group = "structure"
    PARAMS = {}

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        waiting = run.cases.waiting()
        if len(waiting) == 0:
            return
        if run.mechanism(Consent).enabled:
            waiting = waiting[hh.consented[waiting]]
        limit = run.mechanism(Caseloads).limit()
        if limit is not None:  # skip desks whose professionals are all full
            waiting = waiting[run.staff.free_at_desk(limit)[hh.desk[waiting]] > 0]
        if len(waiting) == 0:
            return
        waiting = waiting[np.lexsort((waiting, hh.waiting_since[waiting], hh.desk[waiting]))]
        served, professionals = run.staff.assign(hh.desk[waiting], limit)
        run.cases.start_support(waiting[served], professionals, week)
