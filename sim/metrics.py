"""Headline metrics of a run, overall and by household type.

Metrics are about *new* cases: onset during the run and at least ``MIN_FOLLOW_UP_WEEKS``
before its end, so every counted case had time to be found. Cases present at the start
(``prevalent_at_start``) are in the ledger and the weekly series but not in these rates.

No metric may reward neglect: switching a community function off must never look like an
improvement (tests/test_honest_metrics.py). Two rules keep them honest:

* **Shares of households.** ``unreached_share``, ``complex_share``, ``open_problem_share`` and
  ``gave_up_share`` count households (of the town, or of a type) with such a case: a policy that prevents
  problems lowers them, and one that leaves problems to grow raises them.
* **Standardized rates.** A per-case rate (``early_detection_rate``) or
  quantile (``median_weeks_to_detection``, ``p90_weeks_to_detection``) is
  computed within strata of households — household type × connected (``CONNECTED_TIES`` or
  more neighbour ties) × 自治会 member × on a 民生委員's 見守り list (at the end of the run) — and
  averaged with the strata's shares of the town's households as weights (direct
  standardization). Prevention, such as 見守り, spares well-connected households most; without
  it their (easily found) problems would dilute a plain rate and make it look better (older
  people on the 民生委員's list consult their 民生委員 and are found soonest: preventing their
  problems lengthens a plain median, and did so by half a week once the 民生委員's consultation
  rate was calibrated, until the list became a stratum). Standardized, a rate compares like
  with like.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.domain import TYPE_KEYS
from sim.mechanisms import CHANNEL_KEYS, VOLUNTEER_ROLES

if TYPE_CHECKING:
    from sim.engine.views import RunView

MIN_FOLLOW_UP_WEEKS = 26
CONNECTED_TIES = 2  # neighbour ties from which a household counts as connected (the strata of standardized rates)
RELAPSE_WEEKS = 52  # a new case within a year of the previous one's resolution counts as a relapse

METRICS_DOC: dict[str, str] = {
    "cases": "New cases with onset at least 26 weeks before the end.",
    "cases_beyond_time": "Cases that needed more than time (all but those that resolved by themselves while LATENT "
    "before any service knew): the base of early_detection_rate.",
    "detected_cases": "Cases that a service knew of.",
    "early_detection_rate": "Cases caught early — first found by a service while LATENT, or resolved by "
    "neighbours' help while LATENT before any service knew — ÷ cases that needed more than time (all but those "
    "that resolved by themselves while LATENT before any service knew); standardized to the households.",
    "needed_services_share": "Cases that needed services ÷ all cases (all but those resolved in the community "
    "while LATENT before any service knew).",
    "community_resolved_share": "Cases resolved in the community — by neighbours' help or by themselves — while "
    "LATENT and before any service knew ÷ all cases.",
    "latent_share_of_detections": "Detected cases first detected while LATENT ÷ detected cases.",
    "median_weeks_to_detection": "Median weeks from onset to first detection (detected cases); standardized to "
    "the households.",
    "p90_weeks_to_detection": "90th percentile of weeks from onset to first detection (detected cases); "
    "standardized to the households.",
    "unreached_share": "Households with a case that needed services and was never known to one by the end — "
    "still open, or resolved only after getting worse — ÷ households.",
    "unreached_open_share": "Households with a case never known to a service and still open at the end ÷ households.",
    "open_problem_share": "Households with a case still open at the end ÷ households.",
    "complex_share": "Households with a case that reached COMPLEX ÷ households.",
    "complex_case_share": "Cases that reached COMPLEX ÷ cases (not standardized: prevention changes the mix).",
    "mean_worst_stage": "Mean of the worst stage reached (1 LATENT … 3 COMPLEX).",
    "resolution_rate": "Cases resolved by the end ÷ all cases (not standardized: prevention changes the mix).",
    "median_weeks_to_resolution": "Median weeks from onset to resolution (resolved cases).",
    "bounce_share": "Detected cases bounced by a desk at least once ÷ detected cases.",
    "gave_up_share": "Households with a case that gave up after a desk turned it away ÷ households (a share of "
    "detected cases would fall when prevention spares the problems desks do cover: ひきこもり is not prevented).",
    "supported_share": "Detected cases that a desk accepted and supported ÷ detected cases.",
    "refusal_share": "Detected cases that refused support at least once ÷ detected cases.",
    "mean_weeks_waiting": "Mean weeks from a desk's acceptance for a plan to a professional taking the case; a case "
    "never taken counts the weeks until it closed or the run ended.",
    "relapse_share": "Cases starting within 52 weeks of the resolution of the household's previous case ÷ all cases.",
    "complex_household_weeks_per_1000": "Household-weeks spent in COMPLEX over the whole run, per 1,000 "
    "households (all households, incl. cases present at the start).",
    "mean_waiting_list": "Mean number of accepted households waiting for a professional, per week (town only).",
    "mean_waiting_list_KIND": "Mean number of households waiting for a professional at desks of kind KIND, per week "
    "(town only): where the waiting lists form.",
    "advice_only_share": "Cases a desk accepted that got information or advice only (情報提供・助言) ÷ cases a desk "
    "accepted.",
    "service_link_share": "Cases a desk accepted that it linked to a service outside the desks (つなぎ), and no more, "
    "÷ cases a desk accepted.",
    "plan_share": "Cases a desk accepted that got a support plan with a professional ÷ cases a desk accepted.",
    "paid_staff_hours": "Paid staff hours over the run: desks, professionals, outreach, meetings, coordinators, "
    "参加支援, accompaniment, peer-support staff and the council (town only).",
    "volunteer_hours": "Volunteer hours over the run: 民生委員 visits and consultations, running venues, peer "
    "supporters and residents accompanying households (town only).",
    "hours_per_early_detection": "Paid staff hours ÷ cases first detected while LATENT during the run (town only).",
    "hours_ROLE": "Hours over the run by role (town only).",
    **{f"channel_share_{k}": f"Share of first detections made by the '{k}' channel." for k in CHANNEL_KEYS[1:]},
}


def eligible_cases(ledger: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """New cases with onset at least ``MIN_FOLLOW_UP_WEEKS`` before the end of a ``weeks``-long run."""
    onset = ledger["onset_week"]
    return ledger[~ledger["prevalent_at_start"] & onset.notna() & (onset <= weeks - MIN_FOLLOW_UP_WEEKS)]


def case_metrics(
    cases: pd.DataFrame, strata: np.ndarray | None = None, weights: np.ndarray | None = None, households: int = 0
) -> dict[str, float]:
    """Rates over a set of cases (NaN where a rate has no denominator).

    Args:
        cases: Ledger rows (with ``household``).
        strata: Each case's household stratum (default: one stratum).
        weights: Each stratum's share of the households (default: one stratum).
        households: Households the household shares are of (default: those with a case).
    """
    cols = _case_columns(cases)
    strata = np.zeros(len(cases), dtype=np.int64) if strata is None else strata
    weights = np.ones(1) if weights is None else weights
    households = households or int(pd.unique(cases["household"]).size)
    return _rates(cols, np.ones(len(cases), dtype=bool), strata, weights, households)


def _weeks_on_the_list(cases: pd.DataFrame, end_week: float) -> np.ndarray:
    """Weeks each case a desk took on for a plan waited for a professional (NaN for the others).

    To the week support started; a case that never got a professional waited until it closed or,
    still open, until ``end_week``: a list nobody is taken from must not read as a short wait.
    """
    intake = cases["intake_week"].astype(float).to_numpy()
    stop = cases["support_start_week"].to_numpy(dtype=float, copy=True)
    never = np.isnan(stop)
    stop[never] = cases["resolution_week"].astype(float).to_numpy()[never]
    stop[np.isnan(stop)] = end_week
    planned = ((cases["desk_outcome"] == "plan").to_numpy(bool) | ~never) & ~np.isnan(intake)
    return np.where(planned, stop - intake, np.nan)


def _case_columns(cases: pd.DataFrame, end_week: float = np.nan) -> dict[str, np.ndarray]:
    """The per-case flags and durations the rates are made of, as numpy arrays (computed once for all groups)."""
    detected = cases["first_detection_week"].notna().to_numpy(bool)
    channel = cases["first_detection_channel"]
    stayed_latent = (cases["worst_stage"] == "latent").to_numpy(bool)
    resolved_by = cases["resolved_by"]
    by_itself = (resolved_by == "natural").to_numpy(bool) & ~detected & stayed_latent
    by_neighbours = (resolved_by == "mutual_aid").to_numpy(bool) & ~detected & stayed_latent
    latent = ((cases["first_detection_stage"] == "latent").to_numpy(bool)) & detected
    needed = ~by_itself & ~by_neighbours
    resolved = cases["resolution_week"].notna().to_numpy(bool)
    return {
        "household": cases["household"].to_numpy(np.int64),
        "detected": detected,
        "latent": latent,
        "by_itself": by_itself,
        "community": by_itself | by_neighbours,
        "caught_early": latent | by_neighbours,
        "more_than_time": ~by_itself,
        "needed": needed,
        "unseen": needed & ~detected,
        "wait": cases["weeks_to_detection"].astype(float).to_numpy(),
        "resolved": resolved,
        "duration": (cases["resolution_week"] - cases["onset_week"]).astype(float).to_numpy(),
        "worst": cases["worst_stage"].cat.codes.to_numpy(),
        "complex": (cases["worst_stage"] == "complex").to_numpy(bool),
        "bounced": (cases["bounces"] > 0).to_numpy(bool),
        "gave_up": cases["gave_up"].to_numpy(bool),
        "supported": cases["support_start_week"].notna().to_numpy(bool),
        "refused": (cases["refusals"] > 0).to_numpy(bool),
        "waiting": _weeks_on_the_list(cases, end_week),
        "relapse": (cases["weeks_since_previous_case"].fillna(RELAPSE_WEEKS + 1) <= RELAPSE_WEEKS).to_numpy(bool),
        **{f"desk_{k}": (cases["desk_outcome"] == k).to_numpy(bool) for k in ("advice", "service", "plan")},
        **{f"channel_{k}": (channel == k).to_numpy(bool) for k in CHANNEL_KEYS[1:]},
    }


def standardized(flag: np.ndarray, base: np.ndarray, strata: np.ndarray, weights: np.ndarray) -> float:
    """The share of ``flag`` among ``base`` cases within each stratum, averaged with ``weights``.

    Strata without a base case are left out and the others' weights rescaled; NaN without any.
    The sums are correctly rounded (``math.fsum``), so the rate is the same float on every machine:
    ``np.dot`` goes through BLAS, whose summation order follows the CPU it finds.
    """
    n = len(weights)
    den = np.bincount(strata[base], minlength=n)
    if not den.any():
        return float("nan")
    num = np.bincount(strata[base & flag], minlength=n)
    has = den > 0
    kept = weights[has]
    return math.fsum(num[has] / den[has] * kept) / math.fsum(kept)


def standardized_quantile(
    values: np.ndarray, q: float, base: np.ndarray, strata: np.ndarray, weights: np.ndarray
) -> float:
    """The ``q`` quantile of ``values`` over ``base`` cases, each stratum weighted by ``weights``.

    Each base case weighs its stratum's weight ÷ the stratum's base cases, so the quantile is that
    of the households' mix of strata rather than the cases' (strata without a base case are left
    out). Where the weights below and above a value are exactly ``q`` and ``1 − q`` the two values
    meeting there are averaged: with one stratum it is ``np.median`` for ``q = 0.5``.
    """
    n = len(weights)
    den = np.bincount(strata[base], minlength=n)
    if not den.any():
        return float("nan")
    has = den > 0
    per_case = np.where(has, weights / np.maximum(den, 1), 0.0) / weights[has].sum()
    order = np.argsort(values[base], kind="stable")
    sorted_values = values[base][order]
    cumulative = np.cumsum(per_case[strata[base]][order])
    target = q * cumulative[-1]
    tolerance = 1e-9 * cumulative[-1]
    lower = int(np.searchsorted(cumulative, target - tolerance, side="left"))
    upper = int(np.searchsorted(cumulative, target + tolerance, side="right"))
    last = len(sorted_values) - 1
    return float((sorted_values[min(lower, last)] + sorted_values[min(upper, last)]) / 2)


def _rates(
    cols: dict[str, np.ndarray], rows: np.ndarray, strata: np.ndarray, weights: np.ndarray, households: int
) -> dict[str, float]:
    """The rates over the cases ``rows`` (a boolean mask) of ``cols`` (see :func:`_case_columns`).

    ``strata`` gives each case's household stratum and ``weights`` the strata's shares of the
    ``households`` the group holds (see the module's note on standardized rates).
    """
    n = int(np.count_nonzero(rows))
    detected = cols["detected"][rows]
    n_detected = int(np.count_nonzero(detected))
    # Weeks are whole numbers: their sums, medians and means are exact whichever way they are summed.
    duration = cols["duration"][rows][cols["resolved"][rows]]
    waiting = cols["waiting"][rows]
    waiting = waiting[~np.isnan(waiting)]

    def share(name: str, denominator: int, among_detected: bool = False) -> float:
        mask = cols[name][rows] & detected if among_detected else cols[name][rows]
        return float(np.int64(np.count_nonzero(mask)) / denominator) if denominator else float("nan")

    def of_households(name: str) -> float:
        with_case = np.unique(cols["household"][rows & cols[name]])
        return float(len(with_case) / households) if households else float("nan")

    def std(name: str, base: np.ndarray) -> float:
        return standardized(cols[name][rows], base, strata[rows], weights)

    out = {
        "cases": float(n),
        "cases_beyond_time": float(np.count_nonzero(cols["more_than_time"][rows])),
        "detected_cases": float(n_detected),
        "early_detection_rate": std("caught_early", cols["more_than_time"][rows]),
        "latent_share_of_detections": share("latent", n_detected),
        "needed_services_share": share("needed", n),
        "community_resolved_share": share("community", n),
        "median_weeks_to_detection": standardized_quantile(cols["wait"][rows], 0.5, detected, strata[rows], weights),
        "p90_weeks_to_detection": standardized_quantile(cols["wait"][rows], 0.9, detected, strata[rows], weights),
        "unreached_share": of_households("unseen"),
        "unreached_open_share": float(
            len(np.unique(cols["household"][rows & cols["unseen"] & ~cols["resolved"]])) / households
        )
        if households
        else float("nan"),
        "open_problem_share": float(len(np.unique(cols["household"][rows & ~cols["resolved"]])) / households)
        if households
        else float("nan"),
        "complex_share": of_households("complex"),
        "complex_case_share": share("complex", n),
        "mean_worst_stage": float(cols["worst"][rows].sum(dtype=np.float64) / n) if n else float("nan"),
        "resolution_rate": share("resolved", n),
        "median_weeks_to_resolution": float(np.median(duration)) if len(duration) else float("nan"),
        "bounce_share": share("bounced", n_detected, True),
        "gave_up_share": of_households("gave_up"),
        "supported_share": share("supported", n_detected, True),
        "refusal_share": share("refused", n_detected, True),
        "mean_weeks_waiting": float(waiting.sum() / len(waiting)) if len(waiting) else float("nan"),
        "relapse_share": share("relapse", n),
    }
    accepted = int(sum(np.count_nonzero(cols[f"desk_{k}"][rows]) for k in ("advice", "service", "plan")))
    out["advice_only_share"] = share("desk_advice", accepted)
    out["service_link_share"] = share("desk_service", accepted)
    out["plan_share"] = share("desk_plan", accepted)
    for k in CHANNEL_KEYS[1:]:
        out[f"channel_share_{k}"] = share(f"channel_{k}", n_detected, True)
    return out


def summary_table(ledger: pd.DataFrame, model: RunView) -> pd.DataFrame:
    """Long table of metrics: one row per (household_type, metric); 'all' is the whole town."""
    weeks = int(model.time)
    cases = eligible_cases(ledger, weeks)
    cols = _case_columns(cases, weeks)
    rows = []
    households = np.bincount(model.htype, minlength=len(TYPE_KEYS))
    strata_of_households = model.strata
    n_strata = int(strata_of_households.max(initial=0)) + 1
    case_strata = strata_of_households[cols["household"]]
    groups: list[tuple[str, np.ndarray, int, Any, int | None]] = [
        ("all", np.ones(len(cases), dtype=bool), model.n_households, model.complex_weeks_by_type.sum(), None)
    ]
    for t, key in enumerate(TYPE_KEYS):
        of_type = (cases["household_type"] == key).to_numpy(bool)
        groups.append((key, of_type, int(households[t]), model.complex_weeks_by_type[t], t))
    for key, of_group, n_households, complex_weeks, htype in groups:
        members = strata_of_households if htype is None else strata_of_households[model.htype == htype]
        weights = np.bincount(members, minlength=n_strata) / max(len(members), 1)
        metrics = _rates(cols, of_group, case_strata, weights, int(n_households))
        metrics["complex_household_weeks_per_1000"] = (
            float(complex_weeks / n_households * 1000) if n_households else float("nan")
        )
        if key == "all":
            metrics |= town_wide_metrics(ledger, model)
        rows += [{"household_type": key, "metric": m, "value": v} for m, v in metrics.items()]
    return pd.DataFrame(rows)


def town_wide_metrics(ledger: pd.DataFrame, model: RunView) -> dict[str, float]:
    """Service load over the whole run: waiting list, staff and volunteer hours, hours per early detection."""
    weekly = model.weekly()
    early = ((ledger["first_detection_week"] >= 1) & (ledger["first_detection_stage"] == "latent")).sum()
    paid = sum(h for role, h in model.staff_hours.items() if role not in VOLUNTEER_ROLES)
    out = {
        "mean_waiting_list": float(weekly["waiting_list"].iloc[1:].mean()) if len(weekly) > 1 else float("nan"),
        "paid_staff_hours": float(paid),
        "volunteer_hours": float(sum(model.staff_hours.values()) - paid),
        "hours_per_early_detection": float(paid / early) if early else float("nan"),
    }
    out |= {f"mean_waiting_list_{kind}": float(v) for kind, v in model.waiting_by_kind.items()}
    return out | {f"hours_{role}": float(h) for role, h in sorted(model.staff_hours.items())}


def summarise(ledger: pd.DataFrame, model: RunView) -> dict[str, float]:
    """The town-wide metrics as a dict."""
    table = summary_table(ledger, model)
    return dict(
        zip(
            table.loc[table.household_type == "all", "metric"],
            table.loc[table.household_type == "all", "value"],
            strict=True,
        )
    )
