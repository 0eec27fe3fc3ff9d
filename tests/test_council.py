"""自立支援協議会: unmet needs become new local resources after a delay, and a log says why."""

from __future__ import annotations

import pytest

from sim.domain import DOMAIN_KEYS
from tests.conftest import run_model, write_scenario

WEEKS = 520


@pytest.fixture(scope="module")
def functioning():
    return run_model("council_functioning", "neighbourhood", seed=4, weeks=WEEKS)


def test_a_functioning_council_creates_resources_for_unmet_needs(functioning):
    log = functioning.council_log()
    assert len(log) > 0
    assert (log["opens_week"] - log["decided_week"] == 52).all()
    assert log["domain"].is_unique
    assert (log["unmet_in_quarter"] >= 3).all()
    assert set(log["field"]) <= set(range(1, 11))
    opened = log[log["opened"]]
    assert (opened["opens_week"] <= WEEKS).all() and (opened["host_desk"] != "").all()


def test_new_resources_bring_professionals(functioning):
    opened = int(functioning.council_log()["opened"].sum())
    from_profile = sum(d["staff"] for d in functioning.town.desks)
    staff_per_resource = functioning.mechanism("council").p.staff_per_resource
    # Per desk of the host kind; every bundled kind has one desk in the neighbourhood.
    assert len(functioning.professionals) == from_profile + staff_per_resource * opened > from_profile
    assert len(functioning.state.staff.desk) == len(functioning.professionals)


def test_resources_made_before_today_carry_into_the_run(functioning):
    log = functioning.council_log()
    before = log[log["decided_week"] <= 0]
    assert set(before["domain"]) <= set(log["domain"])  # today's town keeps what the warm-up council created


def test_a_gap_in_the_system_gets_a_home(functioning):
    """ごみ屋敷 is a domain no desk covers; once taken up, the host desk accepts it."""
    log = functioning.council_log()
    intake = functioning.mechanism("desk_intake")
    if "hoarding" in set(log.loc[log["opened"], "domain"]):
        assert intake.kind_covering(DOMAIN_KEYS.index("hoarding")) == "disability"
    else:
        assert intake.kind_covering(DOMAIN_KEYS.index("hoarding")) is None


def test_a_council_without_its_three_functions_creates_nothing(tmp_path):
    dormant = write_scenario(tmp_path, "[mechanisms.council]\nresearch = 0.0", name="dormant")
    model = run_model(dormant, "neighbourhood", seed=4, weeks=WEEKS)
    assert (model.council_log()["decided_week"] >= 1).sum() == 0  # earlier rows come from the warm-up
    assert model.staff_hours["council"] > 0


def test_switched_off_there_is_no_council_time(tmp_path):
    off = write_scenario(tmp_path, "[mechanisms.council]\nenabled = false", name="off")
    model = run_model(off, "neighbourhood", seed=4, weeks=104)
    assert "council" not in model.staff_hours
    assert (model.council_log()["decided_week"] >= 1).sum() == 0


def test_a_run_with_other_council_settings_keeps_the_warm_ups_resources(tmp_path):
    bigger = write_scenario(
        tmp_path,
        "[mechanisms.council]\nresearch = 0.9\ncollaboration = 0.9\ncreativity = 0.9\nstaff_per_resource = 5",
        name="bigger",
    )
    model = run_model(bigger, "neighbourhood", seed=2, weeks=52)  # the warm-up ran the baseline council
    log = model.council_log()
    before = log[(log["decided_week"] <= 0) & log["opened"]]
    assert (before["staff_per_desk"] == 2).all()  # replayed as the warm-up council made them
    assert len(model.state.staff.caseload) == len(model.professionals)


def test_host_desk_must_be_a_desk_of_the_town(tmp_path):
    from tests.test_cli import cli

    bad = write_scenario(tmp_path, '[mechanisms.council]\nhost_desk = "nowhere"', name="bad")
    result = cli("run", str(bad), "--years", "1")
    assert result.returncode == 2 and "mechanisms.council.host_desk" in result.stderr
    assert "houkatsu" in result.stderr and "Traceback" not in result.stderr
