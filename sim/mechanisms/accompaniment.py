"""伴走支援: contact continues after a supported case closes, with residents as well as professionals."""

from __future__ import annotations

import numpy as np

from sim.engine.accounts import Role
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import NOT_YET, State


class Accompaniment(Mechanism):
    """A household whose case closed under support is accompanied for ``weeks`` weeks.

    「伴走支援」は、地域住民の関わりなしには成り立たない (slide 2-4): while accompanied, its extra
    relapse risk is × (1 − ``relapse_reduction`` × s), with strength
    s = ``professional_share`` + (1 − ``professional_share``) × R and resident involvement
    R = 1 − (1 − min(1, ties / ``ties_for_full_involvement``)) × (1 − ``commissioner_involvement``
    if the district's 民生委員 post is filled) × (1 − 1 if a peer supporter accompanies it), so
    professionals alone achieve only ``professional_share`` of the effect. Each accompanied
    household books ``hours_per_week`` of staff time (role ``accompaniment``) and
    ``resident_hours_per_week`` × R of residents' time (volunteer role ``resident_companion``).
    """

    name = "accompaniment"
    phase = "service"
    off_in_baseline = True
    title_ja = "伴走支援"
    title_en = "Accompaniment (伴走支援)"
    switch_ja = (
        "支援が終わった後も1年ほど関わり続け、再び困ったときに早く気づきます。"
        "近所の人や民生委員、ピアサポーターが一緒に関わるほど効果があります。"
    )
    switch_en = (
        "Keeps in touch for about a year after a case closes, so a new problem is noticed early; it works best when "
        "neighbours, the 民生委員 or a peer supporter take part."
    )
    slide_group = "accompanying"
    in_workshop = True
    seed_ja = "「伴走支援」は、地域住民の関わりなしには成り立たない（2-4 複雑化・複合化）"
    STATES = (State("accompanied_until", np.int32, NOT_YET, "Last week of 伴走支援 after a case closed."),)
    ROLES = (
        Role("accompaniment", "伴走支援", "accompaniment"),
        Role("resident_companion", "伴走する住民", "residents accompanying", volunteer=True),
    )
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
            "Share of the extra relapse risk that accompaniment with residents fully involved removes.",
            "Assumption: 伴走型支援 halves recurrence.",
            low=0.0,
            high=1.0,
        ),
        "professional_share": Param(
            0.4,
            "Share of that effect professionals achieve without any resident involved.",
            "Assumption following slide 2-4: 「伴走支援」は、地域住民の関わりなしには成り立たない.",
            low=0.0,
            high=1.0,
        ),
        "ties_for_full_involvement": Param(
            3.0,
            "Neighbour ties at which neighbours are fully involved in accompanying the household.",
            "Assumption (as connection's ties_for_full_effect).",
            low=0.1,
            high=50.0,
        ),
        "commissioner_involvement": Param(
            0.5,
            "Involvement a 民生委員 brings where the district's post is filled (0–1).",
            "Assumption: the 民生委員 keeps in touch (見守り) but cannot be a daily companion.",
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
        "resident_hours_per_week": Param(
            0.5,
            "Residents' hours a fully involved household takes each week (a neighbour's visit, going along).",
            "Assumption.",
            low=0.0,
            high=168.0,
        ),
    }

    def resident_involvement(self, idx: np.ndarray, week: int) -> np.ndarray:
        """How involved residents are in accompanying households ``idx`` (0–1)."""
        town, p = self.run.town, self.p
        neighbours = np.minimum(1.0, town.ties[idx] / p.ties_for_full_involvement)
        commissioner = np.where(town.district_vacant[town.district[idx]], 0.0, p.commissioner_involvement)
        peer = self.run.hh.peer_accompanied_until[idx] >= week
        return 1.0 - (1.0 - neighbours) * (1.0 - commissioner) * np.where(peer, 0.0, 1.0)

    def strength(self, idx: np.ndarray, week: int) -> np.ndarray:
        """Strength of the accompaniment of households ``idx`` (``professional_share`` … 1)."""
        share = self.p.professional_share
        return share + (1.0 - share) * self.resident_involvement(idx, week)

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        closed = run.cases.closed_under_support()
        hh.accompanied_until[closed] = week + self.p.weeks
        accompanied = np.flatnonzero(hh.accompanied_until >= week)
        run.accounts.book_hours("accompaniment", run.accounts.per_run(accompanied) * self.p.hours_per_week)
        involved = np.bincount(
            run.worlds.hh[accompanied], weights=self.resident_involvement(accompanied, week), minlength=run.n_runs
        )
        run.accounts.book_hours("resident_companion", involved * self.p.resident_hours_per_week, involved > 0)
