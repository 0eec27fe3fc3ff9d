"""支援会議: watching refusing households without consent, and the administrative-signal channel."""

from __future__ import annotations

import numpy as np
import pytest

from sim.domain import DOMAIN_KEYS
from tests.conftest import run_model

WEEKS = 520


@pytest.fixture(scope="module")
def runs():
    return {s: run_model(s, "neighbourhood", seed=6, weeks=WEEKS) for s in ("baseline", "support_meeting")}


def _new_detections(model, channel):
    ledger = model.ledger()
    return ledger[(ledger["first_detection_channel"] == channel) & (ledger["first_detection_week"] >= 1)]


def test_baseline_has_no_support_meeting_and_no_administrative_detections(runs):
    assert runs["baseline"].mechanism("support_meeting").enabled is False
    assert len(_new_detections(runs["baseline"], "administrative")) == 0
    assert "support_meeting" not in runs["baseline"].staff_hours


def test_arrears_reveal_only_poverty_debt_or_housing_problems(runs):
    found = _new_detections(runs["support_meeting"], "administrative")
    assert len(found) > 0
    arrears = [DOMAIN_KEYS.index(d) for d in ("poverty", "debt", "housing")]
    mask = sum(1 << d for d in arrears)
    model = runs["support_meeting"]
    # The case's final domains hold an arrears domain, unless its problems changed after detection: a
    # withdrawn member's case eases back to the withdrawal when the rest is solved, and can grow again
    # with new problems (sim/mechanisms/withdrawal.py). So nearly all, not all.
    held = np.array([bool(int(model.cases.domains[c]) & mask) for c in found["case_id"]])
    assert held.mean() >= 0.9, f"{(~held).sum()} of {len(held)} found by arrears hold no arrears domain"


def test_watched_refusing_households_get_support_more_often(runs):
    def supported_after_refusal(model):
        ledger = model.ledger().query("~prevalent_at_start and refusals > 0")
        return ledger["support_start_week"].notna().mean()

    assert supported_after_refusal(runs["support_meeting"]) > supported_after_refusal(runs["baseline"])


def test_meeting_time_is_booked_as_staff_hours(runs):
    # The municipality's meeting: a town that is part of one books its share of the hours.
    model = runs["support_meeting"]
    share = float(model.state.municipal_share[0])
    assert 0 < share < 1
    assert model.staff_hours["support_meeting"] == pytest.approx(8.0 * WEEKS * share)
