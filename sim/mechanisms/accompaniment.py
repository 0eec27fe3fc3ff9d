"""伴走支援: contact continues after a supported case closes, lowering relapse."""

from __future__ import annotations

import numpy as np

from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import NOT_YET, State


class Accompaniment(Mechanism):
    """A household whose case closed under support is accompanied for ``weeks`` weeks.

    While accompanied, its extra relapse risk is × (1 − ``relapse_reduction``) (see relapse).
    Each accompanied household books ``hours_per_week`` of staff time (role ``accompaniment``).
    """

    name = "accompaniment"
    phase = "service"
    off_in_baseline = True
    title_ja = "伴走支援"
    title_en = "Accompaniment (伴走支援)"
    switch_ja = "支援が終わった後も1年ほど関わり続け、再び困ったときに早く気づきます。"
    switch_en = "Keeps in touch for about a year after a case closes, so a new problem is noticed early."
    slide_group = "accompanying"
    in_workshop = True
    seed_ja = "「伴走支援」は、地域住民の関わりなしには成り立たない（2-4 複雑化・複合化）"
    STATES = (State("accompanied_until", np.int32, NOT_YET, "Last week of 伴走支援 after a case closed."),)
    ROLES = (Role("accompaniment", "伴走支援", "accompaniment"),)
    PARAMS = {
        "weeks": Param(
            52,
            "Weeks of continued contact after a supported case closes.",
            "Assumption: a year (アウトリーチ等を通じた継続的支援事業).",
            kind="int",
            low=0,
            high=10_000,
        ),
        "relapse_reduction": Param(
            0.5,
            "Share of the extra relapse risk that accompaniment removes.",
            "Assumption: 伴走型支援 halves recurrence.",
            low=0.0,
            high=1.0,
        ),
        "hours_per_week": Param(
            0.25,
            "Staff hours an accompanied household takes each week.",
            "Assumption: a call or visit a month.",
            low=0.0,
            high=168.0,
        ),
    }

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        closed = run.cases.closed_under_support()
        hh.accompanied_until[closed] = week + self.p.weeks
        accompanied = run.accounts.per_run(np.flatnonzero(hh.accompanied_until >= week))
        run.accounts.book_hours("accompaniment", accompanied * self.p.hours_per_week)
