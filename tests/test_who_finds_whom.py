"""Who finds whom: visibility by problem, the 民生委員's list, families consulting, every route that knew."""

from __future__ import annotations

import numpy as np
import pytest

from sim.domain import Domain, HouseholdType, Stage
from sim.mechanisms import CHANNEL_KEYS
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.mechanisms.complaints import Complaints
from sim.model import CommunityModel
from tests.conftest import write_scenario


@pytest.fixture(scope="module")
def ten_years():
    return CommunityModel("baseline", "neighbourhood", seed=4).run(520)


def test_the_channel_history_holds_every_channel_that_knew_with_its_first_week(ten_years):
    history = ten_years.results().channel_history()
    ledger = ten_years.ledger()
    assert not history.duplicated(["case_id", "channel"]).any()
    first = ledger.dropna(subset=["first_detection_channel"]).query("~prevalent_at_start")
    merged = first.merge(history, left_on=["case_id", "first_detection_channel"], right_on=["case_id", "channel"])
    assert len(merged) == len(first)  # the first channel is always among those that knew
    assert (merged["week"] <= merged["first_detection_week"]).all()
    assert (ledger["known_by"].str.count(";") >= 1).sum() > 0  # some cases were known by more than one route


def test_run_out_writes_the_channel_history_next_to_the_ledger(tmp_path):
    import pandas as pd

    from sim.cli import main

    assert main(["run", "baseline", "--town", "neighbourhood", "--years", "1", "--out", str(tmp_path)]) == 0
    channels, ledger = (pd.read_parquet(tmp_path / f"{name}.parquet") for name in ("channels", "ledger"))
    assert len(channels) > 0 and set(channels["channel"]) <= set(CHANNEL_KEYS[1:])
    assert {"scenario", "replication", "seed", "case_id", "week", "stage"} <= set(channels.columns)
    assert set(channels["case_id"]) <= set(ledger["case_id"])


def test_a_hoarding_household_without_ties_is_complained_about_and_can_be_found(small_town):
    model = CommunityModel("baseline", small_town, seed=2, warmup_weeks=0)
    loner = int(np.flatnonzero(model.town.htype == HouseholdType.ORDINARY)[0])
    model.town.ties[loner] = 0.0
    model.start_case(loner, Stage.COMPLEX, [Domain.HOARDING, Domain.POVERTY, Domain.HEALTH])
    for mech in model.mechanisms:  # only complaints can find her: she has no tie, and nobody else looks
        if mech.phase == "detect" and not isinstance(mech, Complaints):
            mech.enabled = False
    complaints = model.mechanism(Complaints)
    complaints.p.section_refers = 1.0
    complaints.p.to_jichikai = complaints.p.to_commissioner = 0.0
    case = int(model.hh.case[loner])
    for _ in range(156):
        model.step()
        if model.cases.first_detection_week[case] >= 0:
            break
    assert model.ledger().loc[case, "first_detection_channel"] == "complaint"


def test_a_debt_problem_is_never_complained_about(small_town):
    model = CommunityModel("baseline", small_town, seed=2, warmup_weeks=0)
    complaints = model.mechanism(Complaints)
    assert complaints.visible[1 << Domain.DEBT] == 0.0 and complaints.visible[1 << Domain.HOARDING] == 1.0


def test_commissioners_visit_their_list_far_more_often_than_other_households(ten_years):
    visits = ten_years.mechanism(CommissionerVisits).visit_probability()
    listed = ten_years.hh.watched
    assert listed.sum() > 0
    assert visits[listed].mean() > 5 * visits[~listed].mean()
    alone = ten_years.town.htype == HouseholdType.ELDERLY_ALONE
    assert listed[alone].mean() > 0.5 > listed[~alone].mean()


def test_residents_consult_their_commissioner_and_vacant_districts_hear_nothing(ten_years, small_town, tmp_path):
    assert ten_years.weekly()["commissioner_consultations"].sum() > 0
    vacant = write_scenario(tmp_path, "[town.minsei]\nvacancy_rate = 1.0", name="vacant")
    model = CommunityModel(vacant, small_town, seed=1).run(104)
    weekly = model.weekly()
    assert weekly["commissioner_consultations"].sum() == 0 and weekly["commissioner_visits"].sum() == 0
    new = model.ledger().query("~prevalent_at_start")
    assert (new["first_detection_channel"] == "commissioner").sum() == 0


def test_an_old_parent_consulting_for_a_withdrawn_child_goes_first_to_the_care_desk(small_town):
    model = CommunityModel("baseline", small_town, seed=3, warmup_weeks=0)
    town = model.town
    older = np.zeros(town.n_households, dtype=bool)
    older[town.res_household[town.res_age >= 65]] = True
    family = np.flatnonzero(older & (np.bincount(town.res_household, minlength=town.n_households) >= 2))
    family = family[model.hh.stage[family] == Stage.NONE][:5]
    for h in family:
        model.start_case(int(h), Stage.MANIFEST, [Domain.WITHDRAWAL, Domain.EMPLOYMENT])
    model.cases.start_detection()
    model.cases.propose(family, CHANNEL_KEYS.index("family"), np.full(len(family), Domain.CARE))
    model.cases.record_detections(model.week)
    from sim.mechanisms.desk_intake import DeskIntake

    intake = model.mechanism(DeskIntake)
    care_kind = intake.kind_covering(Domain.CARE)
    model.cases.refresh()
    intake.step(model.week + 1)
    desks = [town.desks[d]["kind"] for d in model.cases.desk[model.hh.case[family]] if d >= 0]
    bounced = model.cases.bounces[model.hh.case[family]]
    assert all(kind == care_kind for kind in desks)
    assert (bounced > 0).sum() + len(desks) == len(family)  # each went to the care desk: accepted or bounced there


def test_a_withdrawn_member_keeps_a_household_problem_until_the_withdrawal_ends(ten_years):
    hh = ten_years.hh
    withdrawn = np.flatnonzero(hh.withdrawn)
    assert len(withdrawn) > 0
    assert (hh.case[withdrawn] >= 0).all() and (hh.stage[withdrawn] >= Stage.LATENT).all()
    assert ((hh.domains[withdrawn] >> Domain.WITHDRAWAL) & 1).all()
    model = CommunityModel("baseline", "neighbourhood", seed=4)
    h = int(np.flatnonzero(model.hh.withdrawn)[0])
    model.cases.resolve(np.array([h]), model.week, "natural")  # its other problems resolve …
    assert model.hh.case[h] >= 0 and model.hh.stage[h] == Stage.LATENT  # … the withdrawal does not
