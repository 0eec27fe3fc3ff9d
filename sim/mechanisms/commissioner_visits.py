"""民生委員: a 見守り list revisited week after week, rounds of the district, and residents who come to them."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from sim.domain import HouseholdType
from sim.engine.accounts import Role
from sim.engine.capacity import sums_by_part
from sim.engine.collector import Column
from sim.mechanisms.base import Mechanism
from sim.params import CALIBRATED, Param, stage_array
from sim.state import State
from sim.vocabulary import Term

SETUP_WEEK = -(1 << 40)  # the draw that puts households on the first list (before any week)


class Shares(NamedTuple):
    """A week's visits in each district: to its list and to rounds, with the total weights they are shared by."""

    to_list: np.ndarray
    list_total: np.ndarray
    to_rounds: np.ndarray
    round_total: np.ndarray


class CommissionerVisits(Mechanism):
    """A 民生委員 works from a 見守り list; a vacant district has no list visits, rounds or consultations.

    * **The list.** At the start a share ``list_elderly_alone`` of older people living alone are on
      their district's list. Households join it when neighbours tell the 民生委員 about them (the
      information relay, complaints), when a round finds a problem, and, with ``list_after_case``,
      when a case closes after a professional's support; once without a problem, households other than older
      people living alone leave it after ``list_mean_weeks`` on average. A share ``list_visit_share`` of the week's visits
      (``minsei.visits_per_week`` in the town profile) goes to the list, households neighbours worry
      about first (``noticed_priority``); the rest goes to rounds of the district's other households
      (``member_relative``: non-members are harder to know).
    * **Consultations (相談・支援).** A household with a problem consults its 民生委員 with weekly
      probability ``consult_weekly[stage]`` if it is on the list, times ``consult_relative_member``
      or ``consult_relative_other`` if not (a 自治会 member, or neither). The 民生委員 connects it to a desk with
      ``refer_on_consult``, else advises and keeps watch (it joins the list).
    * **Finding.** A visit uncovers a problem services do not know of with ``detect_on_visit[stage]``.
      Visits and consultations of households services already know are recorded in the channel
      history (the 民生委員 knows too) without a new referral.
    """

    name = "commissioner_visits"
    phase = "detect"
    title_ja = "民生委員の見守りと相談"
    title_en = "民生委員: watching and consultations"
    switch_ja = (
        "民生委員が見守りの名簿の世帯を繰り返し訪ね、地区を回り、住民からの相談を受けて窓口につなぎます。"
        "欠員の地区には訪問も相談もありません。オフにすると、民生委員の活動がなくなります。"
    )
    switch_en = (
        "民生委員 revisit the households on their 見守り list, make rounds of the district and take residents' "
        "consultations to a desk. Vacant districts have none of this. Off: no 民生委員 activity."
    )
    slide_group = "noticing"
    in_workshop = True
    seed_ja = "民生委員・保護司等の地域の関係者との連携による地域生活課題の早期把握（社会福祉法106条の3）"
    CHANNEL = Term("commissioner", "民生委員", "民生委員", en_phrase="the 民生委員")
    ROLES = (Role("minsei_iin", "民生委員", "民生委員 (volunteers)", volunteer=True),)
    STATES = (State("watched", np.bool_, False, "On the 民生委員's 見守り list."),)
    COLUMNS = (
        Column("commissioner_visits", "Visits 民生委員 made this week (expected number).", "total"),
        Column("commissioner_consultations", "Households with a problem that consulted their 民生委員 this week."),
    )
    PARAMS = {
        "list_elderly_alone": Param(
            0.8,
            "Share of older people living alone on their district's 見守り list at the start.",
            "Assumption: municipalities give 民生委員 lists from 高齢者実態把握調査 (一人暮らし高齢者); "
            "全民児連 活動記録: 高齢者に関すること is over half of their activity.",
            low=0.0,
            high=1.0,
        ),
        "list_after_case": Param(
            0.5,
            "Probability that a household whose case closed after a professional's support is put (or kept) on the list.",
            "Assumption: services ask the 民生委員 to keep an eye on households after support.",
            low=0.0,
            high=1.0,
        ),
        "list_mean_weeks": Param(
            104.0,
            "Mean weeks a household that is not an older person living alone stays on the list once it has no "
            "open problem (older people living alone stay).",
            "Assumption: the 民生委員 keeps watching for a while, then the household leaves the list.",
            low=1.0,
            high=100_000.0,
        ),
        "list_visit_share": Param(
            0.7,
            "Share of a week's visits that go to households on the list (the rest: rounds of the district).",
            "Assumption: most 訪問・連絡活動 are repeat visits to 見守り対象 (全民児連 活動記録).",
            low=0.0,
            high=1.0,
        ),
        "noticed_priority": Param(
            5.0,
            "Extra visit priority, on the list, of households neighbours worry about.",
            "Assumption: commissioners act on 住民からの情報.",
            low=0.0,
            high=100.0,
        ),
        "member_relative": Param(
            1.0,
            "Chance of a round visit to a 自治会 member relative to a non-member (who is harder to know).",
            "Assumption: equal by default.",
            low=0.0,
            high=10.0,
        ),
        "hours_per_visit": Param(
            1.0,
            "Volunteer hours a visit takes, travel included.",
            "Assumption: a short 見守り visit; 全民児連 counts ≈150 visits and ≈130 activity days a year.",
            low=0.0,
            high=24.0,
        ),
        "detect_on_visit": Param(
            {"latent": 0.3, "manifest": 0.296, "complex": 0.8},
            "Probability that a visit uncovers the problem, by stage.",
            f"manifest: {CALIBRATED}; was 0.6. Latent, complex: assumption.",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "consult_weekly": Param(
            {"latent": 0.0196, "manifest": 0.01, "complex": 0.015},
            "Weekly probability that a household with a problem, on the list, consults its 民生委員, by stage.",
            f"latent: {CALIBRATED}; was 0.003. Manifest, complex: assumption. Target: 全民児連 counts 23.8–26.3 "
            "相談・支援 a year per 民生委員 (厚生労働白書 R5).",
            kind="by_stage",
            low=0.0,
            high=1.0,
        ),
        "consult_relative_member": Param(
            0.3,
            "Chance of consulting, relative to a household on the list, of a 自治会 member not on it.",
            "Assumption: residents consult a 民生委員 they know.",
            low=0.0,
            high=10.0,
        ),
        "consult_relative_other": Param(
            0.1,
            "Chance of consulting, relative to a household on the list, of a household neither on it nor a member.",
            "Assumption: residents consult a 民生委員 they know.",
            low=0.0,
            high=10.0,
        ),
        "refer_on_consult": Param(
            0.5,
            "Probability that the 民生委員 connects a consulting household to a desk (else advice and watch).",
            "Assumption: 全民児連 活動記録 counts 連絡調整 with agencies for a share of consultations.",
            low=0.0,
            high=1.0,
        ),
        "hours_per_consultation": Param(
            1.0,
            "Volunteer hours a consultation takes.",
            "Assumption.",
            low=0.0,
            high=24.0,
        ),
    }

    def setup(self) -> None:
        run, town, p = self.run, self.run.town, self.p
        self.detect = stage_array(self.p.detect_on_visit)
        self.consult = stage_array(self.p.consult_weekly)
        self.consult_rel = np.where(town.member, p.consult_relative_member, p.consult_relative_other)
        self.round_weight = np.where(town.member, p.member_relative, 1.0)
        self.rounds_weigh_alike = bool((self.round_weight == 1.0).all())
        self.noticed_weight = 1.0 + float(p.noticed_priority)  # list weight of a household neighbours worry about
        self.heaviest_weight = max(self.noticed_weight, float(self.round_weight.max(initial=0.0)))
        # With whole-number weights (the defaults) sums are exact in any order: district totals come from counts.
        self.totals_from_counts = self.rounds_weigh_alike and self.noticed_weight.is_integer()
        self.n_districts = len(town.district_vacant)
        self.may_leave_list = town.htype != HouseholdType.ELDERLY_ALONE  # older people living alone stay
        self.leave_weekly = 1.0 / p.list_mean_weeks
        self.visits_made = np.zeros(self.n_districts)  # expected visits made since the start, per district
        # Households are grouped by district in every town the builder makes: sums by segment, not bincount.
        grouped = bool((np.diff(town.district) >= 0).all())
        counts = np.bincount(town.district, minlength=self.n_districts)
        self.has_households = counts > 0
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[self.has_households]
        self.district_starts = starts if grouped else None
        self.district_sizes = counts
        alone = np.flatnonzero(town.htype == HouseholdType.ELDERLY_ALONE)
        first = alone[self.draw(SETUP_WEEK, alone) < p.list_elderly_alone]
        run.hh.watched[first] = True  # today's list (a warm-up's list replaces it)

    def capacity(self) -> np.ndarray:
        """Visits a week in each district (0 where the post is vacant)."""
        town = self.run.town
        return np.where(town.district_vacant, 0.0, town.profile["minsei"]["visits_per_week"])

    def served(self) -> np.ndarray:
        """Whether each household has a 民生委員 (its district's post is filled), kept until the town changes."""
        town = self.run.town
        return self.town_cached(lambda: ~town.district_vacant[town.district])

    def serving(self, idx: np.ndarray) -> np.ndarray:
        """Whether households ``idx`` have a 民生委員 (their district's post is filled)."""
        return self.served()[idx]

    def add_to_list(self, idx: np.ndarray) -> None:
        """Households ``idx`` join their district's 見守り list (where the post is filled)."""
        self.run.hh.watched[idx[self.serving(idx)]] = True

    def visit_probability(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Each household's chance of a visit this week (all households, or ``idx``)."""
        idx = np.arange(self.run.town.n_households) if idx is None else idx
        return self._chance(idx, self._district_shares())

    def _district_shares(self) -> Shares:
        """This week's visits in each district to its list and rounds, with their total weights."""
        list_total, round_total = self._totals_by_count() if self.totals_from_counts else self._totals_by_sum()
        capacity = self.capacity()
        to_list = np.where(list_total > 0, capacity * self.p.list_visit_share, 0.0)
        to_rounds = capacity - to_list  # an empty list leaves every visit to the rounds
        return Shares(to_list, list_total, to_rounds, round_total)

    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Every household's list weight (0 off the list) and round weight (0 on it)."""
        listed = self.run.hh.watched
        list_weight = listed.astype(np.float64)  # 1 on the list, 1 + noticed_priority if neighbours worry
        list_weight[np.flatnonzero(listed & self.run.hh.noticed)] = self.noticed_weight
        round_weight = (~listed).astype(np.float64)
        if not self.rounds_weigh_alike:  # else every weight is 1: nothing to multiply
            round_weight *= self.round_weight
        return list_weight, round_weight

    def _totals_by_sum(self) -> tuple[np.ndarray, np.ndarray]:
        """Each district's total list and round weights, summed over all its households."""
        list_weight, round_weight = self._weights()
        return self._by_district(list_weight), self._by_district(round_weight)

    def _totals_by_count(self) -> tuple[np.ndarray, np.ndarray]:
        """The same totals, exactly, when every round weight is 1 and list weights are whole numbers."""
        hh = self.run.hh
        on_list = self._count_by_district(hh.watched)
        worried = self._count_by_district(hh.watched & hh.noticed)
        list_total = on_list + (self.noticed_weight - 1.0) * worried
        return list_total, (self.district_sizes - on_list).astype(np.float64)

    def _count_by_district(self, flags: np.ndarray) -> np.ndarray:
        """How many households of each district are flagged in ``flags`` (a boolean per household)."""
        if self.district_starts is None:  # households not grouped by district
            return np.bincount(self.run.town.district[flags], minlength=self.n_districts)
        out = np.zeros(self.n_districts, dtype=np.int64)
        out[self.has_households] = np.add.reduceat(flags.view(np.uint8), self.district_starts, dtype=np.int64)
        return out

    def _chance(self, idx: np.ndarray, shares: Shares) -> np.ndarray:
        """Households ``idx``'s chances of a visit: a share of their district's visits to the list if
        they are on it, else of its rounds (the other share is exactly 0, so one is computed)."""
        hh = self.run.hh
        return _visit_chance(
            idx, hh.watched, hh.noticed, self.run.town.district, self.round_weight, self.noticed_weight, *shares
        )

    def _by_district(self, values: np.ndarray, reduce: np.ufunc = np.add) -> np.ndarray:
        """``values`` summed (or reduced by ``reduce``) over each district's households."""
        out = np.zeros(self.n_districts)
        if self.district_starts is not None:
            out[self.has_households] = reduce.reduceat(values, self.district_starts)
        elif reduce is np.add:  # households not grouped by district
            out = np.bincount(self.run.town.district, weights=values, minlength=self.n_districts)
        else:
            reduce.at(out, self.run.town.district, values)  # weights are ≥ 0: maxima from 0 are exact
        return out

    def _visits_by_district(self, shares: Shares) -> np.ndarray:
        """Expected visits made in each district this week: its capacity, but for a district where some
        household's chance is capped at 1 (few households to share the visits), the sum of their chances."""
        visits = np.where(shares.list_total > 0, shares.to_list, 0.0)
        visits += np.where(shares.round_total > 0, shares.to_rounds, 0.0)
        for d in np.flatnonzero(self._capped(shares)):  # rare: a handful of households in a district
            idx = np.flatnonzero(self.run.town.district == d)
            visits[d] = self._chance(idx, shares).sum()
        return visits

    def _capped(self, shares: Shares) -> np.ndarray:
        """Districts where some household's chance of a visit is capped at 1.

        A district whose visits times the largest weight anyone could have stays within its total
        weight has none (rounding is monotone): only the others need the heaviest weight they hold.
        """
        heaviest = self.heaviest_weight
        maybe = (shares.to_list * heaviest > shares.list_total) | (shares.to_rounds * heaviest > shares.round_total)
        if not maybe.any():
            return maybe
        list_weight, round_weight = self._weights()
        with np.errstate(divide="ignore", invalid="ignore"):
            return (shares.to_list * self._by_district(list_weight, np.maximum) > shares.list_total) | (
                shares.to_rounds * self._by_district(round_weight, np.maximum) > shares.round_total
            )

    def step(self, week: int) -> None:
        run, hh = self.run, self.run.hh
        shares = self._district_shares()
        visits = self._visits_by_district(shares)
        self.visits_made += visits
        made = sums_by_part(visits, run.worlds.district_parts)
        # Households with a problem: visited, and (separately) consulting. Where the post is vacant
        # nobody is visited or consults (their chance is exactly 0): nothing is drawn for them.
        o = run.cases.open_idx
        o = o[self.serving(o)]
        on_list, stage = hh.watched[o], hh.stage[o]
        u_visit, u_consult = self.draws(week, o, (0, 2))
        # Draws 1 (does the visit find it) and 3 (referred) matter only to the visited and the consulting.
        visited = np.flatnonzero(u_visit < self._chance(o, shares))
        found_on_visit = np.zeros(len(o), dtype=bool)
        found_on_visit[visited] = self.draw(week, o[visited], 1) < self.detect[stage[visited]]
        familiarity = np.where(on_list, 1.0, self.consult_rel[o])
        consults = u_consult < self.consult.take(stage) * familiarity
        asked = np.flatnonzero(consults)
        referred = np.zeros(len(o), dtype=bool)
        referred[asked] = self.draw(week, o[asked], 3) < self.p.refer_on_consult
        consulted = o[consults]
        run.accounts.count("commissioner_consultations", consulted)
        hours = made * self.p.hours_per_visit + run.accounts.per_run(consulted) * self.p.hours_per_consultation
        run.accounts.book_hours("minsei_iin", hours)
        known = found_on_visit | consults
        run.cases.know(o[known], self.channel_code, week)
        found = o[found_on_visit | referred]
        self.propose(found[run.cases.is_reachable(found)])
        self.add_to_list(o[known & ~on_list])
        after = run.cases.closed_under_support()
        self.add_to_list(after[self.draw(week, after, 4) < self.p.list_after_case])
        self._leave_list(week)

    def _leave_list(self, week: int) -> None:
        """Households without an open problem, other than older people living alone, leave the list in time."""
        hh = self.run.hh
        idx = np.flatnonzero(hh.watched & (hh.case < 0) & self.may_leave_list)
        hh.watched[idx[self.draw(week, idx, 5) < self.leave_weekly]] = False

    def totals(self) -> dict[str, np.ndarray]:
        return {"commissioner_visits": sums_by_part(self.visits_made, self.run.worlds.district_parts)}


@numba.njit(cache=True)
def _visit_chance(
    idx: np.ndarray,
    watched: np.ndarray,
    noticed: np.ndarray,
    district: np.ndarray,
    round_weight: np.ndarray,
    noticed_weight: float,
    to_list: np.ndarray,
    list_total: np.ndarray,
    to_rounds: np.ndarray,
    round_total: np.ndarray,
) -> np.ndarray:
    """Each household's ``min(1, visits × weight / total weight)`` of its district's list or rounds
    (0 where the total is 0), as :func:`~sim.engine.capacity.share_by_priority` gives it."""
    chance = np.zeros(idx.shape[0])
    for k in range(idx.shape[0]):
        i = idx[k]
        d = district[i]
        if watched[i]:
            capacity, total = to_list[d], list_total[d]
            weight = noticed_weight if noticed[i] else 1.0
        else:
            capacity, total = to_rounds[d], round_total[d]
            weight = round_weight[i]
        if total > 0:
            chance[k] = min(1.0, capacity * weight / total)
    return chance
