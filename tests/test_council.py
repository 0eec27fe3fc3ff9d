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
    # The municipality's council: a district that is part of a city needs its share of min_unmet (3).
    share = float(functioning.state.municipal_share[0])
    assert (log["unmet_in_quarter"] >= max(1, 3 * share)).all()
    assert set(log["field"]) <= set(range(1, 11))
    opened = log[log["opened"]]
    assert (opened["opens_week"] <= WEEKS).all()
    peer_project = opened["field_ja"] == "ピアサポート活動"  # a peer project, not professionals at a desk
    assert (opened.loc[~peer_project, "host_desk"] != "").all() and (opened.loc[peer_project, "host_desk"] == "").all()


def test_new_resources_bring_professionals(functioning):
    log = functioning.council_log()
    services = log[log["opened"] & (log["field_ja"] != "ピアサポート活動")]
    assert len(services) > 0
    staff = functioning.state.staff
    from_profile = sum(d["staff"] * d["fte"] for d in functioning.town.desks)
    # 2 full-time equivalents per 100,000 residents, the district's share (every bundled kind has one desk here).
    per_resource = 2.0 * float(functioning.state.people[0]) / 100_000
    assert staff.fte.sum() == pytest.approx(from_profile + per_resource * len(services))
    assert (services["staff_per_desk"] == round(per_resource, 3)).all()
    assert len(staff.desk) == len(functioning.professionals) > sum(d["staff"] for d in functioning.town.desks)


def test_each_field_does_what_it_is_there_for():
    """居住支援 brings housing support; ピアサポート活動 a peer project; the others professionals (slide 3-1)."""
    from sim.model import CommunityModel

    model = CommunityModel("baseline", "neighbourhood", seed=4, warmup_weeks=0)
    council = model.mechanism("council")
    staff_before = len(model.state.staff)
    for domain, field in (("housing", "居住支援・地域生活支援"), ("withdrawal", "ピアサポート活動"), ("care", None)):
        council._take_up(DOMAIN_KEYS.index(domain), 0, 0)
        item = council.pending.pop()
        council._open(item)
        if field:
            assert item["field_ja"] == field
    assert model.mechanism("housing_support").by_council[0]
    assert model.mechanism("peer_supporters").active_runs[0] and not model.mechanism("peer_supporters").enabled
    assert len(model.state.staff) == staff_before + 2  # housing (地域生活支援) and care bring professionals


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
        "[mechanisms.council]\nresearch = 0.9\ncollaboration = 0.9\ncreativity = 0.9\nstaff_per_100k_people = 5.0",
        name="bigger",
    )
    model = run_model(bigger, "neighbourhood", seed=2, weeks=52)  # the warm-up ran the baseline council
    log = model.council_log()
    before = log[(log["decided_week"] <= 0) & log["opened"] & (log["field_ja"] != "ピアサポート活動")]
    assert len(before) > 0
    # Replayed as the warm-up council made them: 2 per 100,000 (the district's share), not 5.
    assert (before["staff_per_desk"] == round(2.0 * float(model.state.people[0]) / 100_000, 3)).all()
    assert len(model.state.staff.caseload) == len(model.professionals)


def test_host_desk_must_be_a_desk_of_the_town(tmp_path):
    from tests.test_cli import cli

    bad = write_scenario(tmp_path, '[mechanisms.council]\nhost_desk = "nowhere"', name="bad")
    result = cli("run", str(bad), "--years", "1")
    assert result.returncode == 2 and "mechanisms.council.host_desk" in result.stderr
    assert "houkatsu" in result.stderr and "Traceback" not in result.stderr
