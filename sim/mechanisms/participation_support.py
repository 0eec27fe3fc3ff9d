"""参加支援: supported households are linked to a venue or a work trial, within the service's own capacity."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.domain import Domain, HouseholdType, ServiceStatus
from sim.engine.accounts import Role
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import Param
from sim.state import State
from sim.town import VENUE_IBASHO

# Who 参加支援 is for first: households whose members find taking part hardest.
PRIORITY_TYPES = (HouseholdType.H8050, HouseholdType.DISABLED_CHILD_REFUSING, HouseholdType.HOARDING_ISOLATED)


class ParticipationSupport(Mechanism):
    """参加支援事業 links supported households to a place or a work trial, as long as it has room.

    * **Capacity.** The service holds at most round(``places_per_100k_people`` × residents /
      100,000) links at once (its coordinators' caseload), and a 居場所 takes linked households
      only on the places kept for referrals (``venues.ibasho_places_for_referrals``).
    * **Who.** Each week a supported household not linked is proposed with ``link_probability``
      if it finds taking part hard (a withdrawn member, the 8050, refusing-parent and hoarding
      types, or no neighbour ties), else with ``link_probability`` × ``others_relative``. A
      proposed household stays on the service's list while that case is supported; places go
      down the list in order of need (a withdrawn member first, then the seed's types, then no
      ties, then the others; earlier proposals first within each), as a coordinator with few
      places fills them.
    * **Where.** A 居場所 with a free place (its own 自治会 area first, else any), gaining the
      venue's tie and its staff's eye; if none has room and its problem includes employment, a
      work trial with aftercare.
    * **Turnover.** A venue link ends with weekly probability 1 / ``mean_link_weeks`` (the
      household moves on or drops out; a tie the link gave goes with it) and a work trial after
      ``work_trial_weeks`` on average; the place is free again. While linked, the household's
      extra relapse risk is × (1 − ``relapse_reduction``).
    """

    name = "participation_support"
    phase = "service"
    off_in_baseline = True
    title_ja = "参加支援"
    title_en = "Participation support (参加支援)"
    switch_ja = (
        "支援している世帯を、参加支援事業の枠の範囲で居場所や就労体験につなぎます。ひきこもりや孤立した世帯が優先です。"
        "社会とのつながりが再発を防ぎます。つながりはやがて終わり、枠は次の人に回ります。"
    )
    switch_en = (
        "Links supported households to venues and work trials, within the service's own places, withdrawn and "
        "isolated households first; belonging somewhere prevents relapse. Links end and places go to the next person."
    )
    slide_group = "accompanying"
    in_workshop = True
    seed_ja = "社会とのつながりや参加を支援する機能（②参加支援：市町村における包括的な支援体制の整備、厚生労働省資料）"
    STATES = (
        State("linked_venue", np.int32, -1, "参加支援: the 居場所 services linked the household to, or -1."),
        State("work_trial", np.bool_, False, "参加支援: a work trial with aftercare."),
        State("link_tie", np.bool_, False, "参加支援: the link gave the household its venue and tie."),
        State("participation_case", np.int32, -1, "参加支援: the case whose support put the household on the list."),
        State("participation_listed", np.int32, 0, "参加支援: the week the household was put on the list."),
    )
    COLUMNS = (
        Column("participation_links", "Households 参加支援 linked to a venue or a work trial this week."),
        Column("participation_ends", "参加支援 links and work trials that ended this week."),
    )
    ROLES = (Role("participation_support", "参加支援", "participation support"),)
    PARAMS = {
        "link_probability": Param(
            0.05,
            "Weekly probability that the services propose a supported household for a venue or work trial.",
            "Assumption: within about five months of support starting.",
            low=0.0,
            high=1.0,
        ),
        "others_relative": Param(
            0.25,
            "Chance of being proposed for a household without a withdrawn member, the seed's hard types or neighbour "
            "ties, relative to those (link_probability).",
            "Assumption: 参加支援 is for people for whom existing services do not give a way into society (ひきこもり, "
            "孤立; 社会福祉法 106条の4 第2項第2号).",
            low=0.0,
            high=1.0,
        ),
        "places_per_100k_people": Param(
            60.0,
            "Links (venue places and work trials) the 参加支援 service can hold at once, per 100,000 residents.",
            "Assumption: a coordinator or two following about thirty households each in a municipality of 100,000 "
            "(参加支援事業, 重層的支援体制整備事業実施要綱); in FY2023 about one in five implementing municipalities "
            "reported no 参加支援 case (財政制度等審議会 2024-11-13 資料).",
            low=0.0,
            high=100_000.0,
        ),
        "mean_link_weeks": Param(
            52.0,
            "Mean weeks a venue link lasts (weekly end probability 1 / this).",
            "Assumption: about a year, then the household moves on or drops out.",
            low=1.0,
            high=10_000.0,
        ),
        "work_trial_weeks": Param(
            26.0,
            "Mean weeks a work trial with aftercare lasts.",
            "Assumption: about six months (就労準備支援事業 runs up to a year).",
            low=1.0,
            high=10_000.0,
        ),
        "relapse_reduction": Param(
            0.5,
            "Share of the extra relapse risk that taking part removes.",
            "Assumption: a place to belong halves recurrence (slide 1-3: 体験とアフターケア).",
            low=0.0,
            high=1.0,
        ),
        "hours_per_link": Param(
            6.0,
            "Staff hours to arrange one link (visits, accompanying the first times, aftercare).",
            "Assumption.",
            low=0.0,
            high=1000.0,
        ),
    }

    def setup(self) -> None:
        run, town = self.run, self.run.town
        self.ibasho = np.flatnonzero(town.venue_kind == VENUE_IBASHO)
        self.ibasho_run = run.worlds.venue[self.ibasho]  # a household links within its own run
        self.residents_in = np.bincount(town.res_venue[town.res_venue >= 0], minlength=len(town.venue_kind))
        self.places = np.floor(self.p.places_per_100k_people * run.people / 100_000 + 0.5).astype(np.int64)
        self.priority_type = np.isin(town.htype, PRIORITY_TYPES)

    def need_rank(self, idx: np.ndarray) -> np.ndarray:
        """How hard taking part is for households ``idx``: 0 a withdrawn member, 1 the seed's types, 2 no
        neighbour ties, 3 the others (the order places are filled in)."""
        from sim.mechanisms.withdrawal import Withdrawal

        town = self.run.town
        withdrawn = self.run.mechanism(Withdrawal).withdrawn_now()[idx]
        rank = np.full(len(idx), 3, dtype=np.int64)
        rank[town.ties[idx] < 1] = 2
        rank[self.priority_type[idx]] = 1
        rank[withdrawn] = 0
        return rank

    def inherit(self, warm: Any) -> None:
        """Links carried from the warm-up point to each run's own venues (one the town lacks lapses); the
        list carried to the households' cases as this run numbers them."""
        hh, warm_hh = self.run.hh, warm.run.hh
        # The list names a case by its id, and the run numbers the cases it carries over afresh: a
        # household stays on the list if it was on it for its open case at the end of the warm-up.
        on_list = (warm_hh.participation_case >= 0) & (warm_hh.participation_case == warm_hh.case)
        hh.participation_case[:] = np.where(on_list, hh.case, -1)
        w, old = self.run.worlds, warm.run.worlds
        linked = self.run.hh.linked_venue
        has = np.flatnonzero(linked >= 0)
        run = w.hh[has]
        local = linked[has] - old.venue_start[run]
        inside = local < np.diff(w.venue_start)[run]
        linked[has] = np.where(inside, w.venue_start[run] + local, len(self.run.town.venue_kind))

    def start(self) -> None:
        # Households linked during the warm-up take part in their venues today, whether or not 参加支援 goes on.
        town, hh = self.run.town, self.run.hh
        linked = hh.linked_venue
        valid = (linked >= 0) & (linked < len(town.venue_kind))
        valid[valid] &= town.venue_kind[linked[valid]] == VENUE_IBASHO
        linked[(linked >= 0) & ~valid] = -1
        hh.link_tie[:] = False
        self._join(np.flatnonzero(linked >= 0))

    def link(self, idx: np.ndarray, venue: np.ndarray) -> None:
        """Households ``idx`` take part in ``venue`` and gain the venue's ties."""
        self.run.hh.linked_venue[idx] = venue
        self._join(idx)

    def _join(self, idx: np.ndarray) -> None:
        town = self.run.town
        idx = idx[town.hh_venue[idx] < 0]  # a household already taking part gains no new tie
        if len(idx) == 0:
            return
        town.hh_venue[idx] = self.run.hh.linked_venue[idx]
        town.ties[idx] += np.float32(self.run.profile["venues"]["ties_from_participation"])
        self.run.hh.link_tie[idx] = True
        town.changed()

    def _leave(self, idx: np.ndarray) -> None:
        """Venue links of households ``idx`` end: the place is free, and a tie the link gave goes."""
        town, hh = self.run.town, self.run.hh
        gave = idx[hh.link_tie[idx]]
        if len(gave):
            town.hh_venue[gave] = -1
            town.ties[gave] -= np.float32(self.run.profile["venues"]["ties_from_participation"])
            hh.link_tie[gave] = False
            town.changed()
        hh.linked_venue[idx] = -1

    def free_places(self) -> np.ndarray:
        """Free places at each 居場所 (residents taking part and linked households count)."""
        hh, town = self.run.hh, self.run.town
        linked = hh.linked_venue[hh.linked_venue >= 0]
        load = self.residents_in + np.bincount(linked, minlength=len(town.venue_kind))
        return np.maximum(0, town.profile["venues"]["capacity"] - load[self.ibasho])

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        held = self._turn_over(week)
        o = run.cases.open_idx
        candidates = o[(hh.service[o] == ServiceStatus.SUPPORTED) & (hh.linked_venue[o] < 0) & ~hh.work_trial[o]]
        queue = self._list(candidates, week)
        if len(queue) == 0:
            return
        room = np.maximum(0, self.places - held)
        venues, trials = self._place(queue, room)
        who = np.array([i for i, _ in venues], dtype=np.int64)
        if len(who):
            self.link(who, np.array([v for _, v in venues], dtype=np.int64))
        trial = np.array(trials, dtype=np.int64)
        hh.work_trial[trial] = True
        linked = np.concatenate([who, trial])
        hh.participation_case[linked] = -1
        run.accounts.count("participation_links", linked)
        linking = run.accounts.per_run(linked) > 0  # runs with households linked this week
        run.accounts.book_hours("participation_support", run.accounts.per_run(linked) * self.p.hours_per_link, linking)

    def _list(self, candidates: np.ndarray, week: int) -> np.ndarray:
        """This week's proposals join the list; returns the list in the order places are filled."""
        hh = self.run.hh
        listed = hh.participation_case[candidates] == hh.case[candidates]
        need = self.need_rank(candidates)
        chance = self.p.link_probability * np.where(need < 3, 1.0, self.p.others_relative)
        new = candidates[~listed & (self.draw(week, candidates) < chance)]
        hh.participation_case[new] = hh.case[new]
        hh.participation_listed[new] = week
        on_list = listed | np.isin(candidates, new)
        queue, need = candidates[on_list], need[on_list]
        return queue[np.lexsort((queue, hh.participation_listed[queue], need))]

    def _place(self, queue: np.ndarray, room: np.ndarray) -> tuple[list[tuple[int, int]], list[int]]:
        """Down the list while its run has room: a 居場所 with a free place (its own area first), else a work
        trial if its problem includes employment; one that fits neither stays on the list."""
        run, hh = self.run, self.run.hh
        runs = run.worlds.hh[queue]
        queue, runs = queue[room[runs] > 0], runs[room[runs] > 0]  # most weeks every place is taken
        if len(queue) == 0:
            return [], []
        free = self.free_places()
        room = room.copy()
        venues: list[tuple[int, int]] = []
        trials: list[int] = []
        for i, r in zip(queue, runs, strict=True):  # the list: a handful of households
            if room[r] <= 0:
                continue
            open_here = (free > 0) & (self.ibasho_run == r)
            same_area = open_here & (run.town.venue_area[self.ibasho] == run.town.area[i])
            pick = np.flatnonzero(same_area if same_area.any() else open_here)
            if len(pick):
                free[pick[0]] -= 1
                venues.append((int(i), int(self.ibasho[pick[0]])))
            elif hh.domains[i] >> Domain.EMPLOYMENT & 1:
                trials.append(int(i))
            else:
                continue
            room[r] -= 1
        return venues, trials

    def _turn_over(self, week: int) -> np.ndarray:
        """Links and work trials end; returns the links each run still holds."""
        run, hh, p = self.run, self.run.hh, self.p
        venue = np.flatnonzero(hh.linked_venue >= 0)
        trial = np.flatnonzero(hh.work_trial)
        u_venue, u_trial = self.draw(week, venue, 1), self.draw(week, trial, 2)
        ends_venue = venue[u_venue < 1.0 / p.mean_link_weeks]
        ends_trial = trial[u_trial < 1.0 / p.work_trial_weeks]
        if len(ends_venue):
            self._leave(ends_venue)
        hh.work_trial[ends_trial] = False
        run.accounts.count("participation_ends", np.concatenate([ends_venue, ends_trial]))
        held = np.concatenate([np.setdiff1d(venue, ends_venue), np.setdiff1d(trial, ends_trial)])
        return run.accounts.per_run(held)
