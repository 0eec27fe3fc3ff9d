"""苦情: what neighbours can see without knowing the household — rubbish, smell, animals — brings complaints."""

from __future__ import annotations

import numpy as np

from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.params import Param, domain_array, most_by_mask, stage_array
from sim.vocabulary import Term


class Complaints(Mechanism):
    """Neighbours complain about what anyone can see, tie or no tie (slide 1-2: 住民からは苦情が続く).

    A household is complained about with weekly probability ``weekly[stage] × visible``, where
    ``visible`` is the largest of ``visible_signs[domain]`` over its domains (a ごみ屋敷 is plain to
    the whole street; debt or a withdrawn son is not). Neighbours then worry about it (it counts as
    noticed), and the complaint goes to the 自治会 (``to_jichikai``: an active association passes it
    to the 民生委員, who puts the household on the 見守り list), to the 民生委員 directly
    (``to_commissioner``), or to the municipality's 環境・生活 section (the rest). The section deals
    with the rubbish or the noise and passes the household to a welfare desk with
    ``section_refers``: the complaint channel.
    """

    name = "complaints"
    phase = "detect"
    title_ja = "住民からの苦情"
    title_en = "Neighbours' complaints"
    switch_ja = (
        "ごみやにおい、動物、騒音など、つきあいがなくても見える困りごとに、近所から苦情が出ます。"
        "苦情は自治会、民生委員、市役所の環境・生活担当に届き、福祉の窓口につながることがあります。"
    )
    switch_en = (
        "Rubbish, smells, animals and noise draw complaints even from neighbours without a tie; complaints reach "
        "the 自治会, the 民生委員 or the municipality's environment section, and sometimes a welfare desk."
    )
    slide_group = "noticing"
    CHANNEL = Term("complaint", "苦情（環境・生活担当から）", "complaints", en_phrase="neighbours' complaints")
    COLUMNS = (Column("complaints", "Households neighbours complained about this week."),)
    PARAMS = {
        "weekly": Param(
            {"latent": 0.0, "manifest": 0.02, "complex": 0.05},
            "Weekly probability of a complaint about a household whose problem is fully visible, by stage.",
            "Assumption: slide 1-2 (苦情が続く); 環境省 2023: 5,224 ごみ屋敷 recognised by 661 municipalities "
            "in 2018–2022, most of them through residents' complaints.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "visible_signs": Param(
            {"hoarding": 1.0, "care": 0.3, "housing": 0.2, "child_rearing": 0.1, "health": 0.1, "disability": 0.05},
            "How visible a problem in each domain is to neighbours without a tie (0–1; domains not named: 0).",
            "Assumption: rubbish, smell and animals are public (slide 1-2); wandering or falls of someone who "
            "needs care, eviction, a crying child are sometimes seen; debt and withdrawal are not.",
            kind="by_domain",
            low=0.0,
            high=1.0,
        ),
        "to_jichikai": Param(
            0.4,
            "Share of complaints that go to the 自治会.",
            "Assumption.",
            low=0.0,
            high=1.0,
        ),
        "to_commissioner": Param(
            0.2,
            "Share of complaints that go to the 民生委員 directly.",
            "Assumption.",
            low=0.0,
            high=1.0,
        ),
        "section_refers": Param(
            0.2,
            "Probability that the municipality's 環境・生活 section passes a household it received a complaint "
            "about to a welfare desk.",
            "Assumption: in a 縦割り municipality the section handles the rubbish (指導, 代執行) and seldom the "
            "household's other problems (slide 1-2).",
            low=0.0,
            high=1.0,
        ),
    }

    def setup(self) -> None:
        self.weekly = stage_array(self.p.weekly)
        self.visible = most_by_mask(domain_array(self.p.visible_signs))

    def step(self, week: int) -> None:
        run, hh, p = self.run, self.run.hh, self.p
        o = run.cases.open_idx
        chance = self.weekly.take(hh.stage[o]) * self.visible.take(hh.domains[o])  # take: faster than [] for small ints
        seen = np.flatnonzero(chance > 0)  # nothing to see (or a latent problem): no complaint, no draw needed
        idx = o[seen[self.draw(week, o[seen], 0) < chance[seen]]]
        u_where, u_pass = self.draws(week, idx, (1, 2))
        run.accounts.count("complaints", idx)
        hh.noticed[idx] = True
        commissioner = run.mechanism(CommissionerVisits)
        via_jichikai = (u_where < p.to_jichikai) & (u_pass < run.town.area_activity[run.town.area[idx]])
        direct = (u_where >= p.to_jichikai) & (u_where < p.to_jichikai + p.to_commissioner)
        if commissioner.enabled:
            commissioner.add_to_list(idx[via_jichikai | direct])
        section = idx[u_where >= p.to_jichikai + p.to_commissioner]
        run.cases.know(section, self.channel_code, week)
        refers = section[self.draw(week, section, 3) < p.section_refers]
        self.propose(refers[run.cases.is_reachable(refers)])
