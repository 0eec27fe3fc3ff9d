"""Mesa agents are views on the model's arrays."""

from __future__ import annotations

import numpy as np

from sim.agents import (
    NPO,
    ConsultationDesk,
    Household,
    NeighbourhoodAssociation,
    Professional,
    Resident,
    Venue,
    WelfareCommissioner,
)
from sim.domain import Stage
from sim.model import CommunityModel


def test_every_agent_type_is_registered_with_mesa(small_town):
    model = CommunityModel("baseline", small_town, seed=1)
    types = set(model.agent_types)
    assert {
        Household,
        Resident,
        NeighbourhoodAssociation,
        WelfareCommissioner,
        Professional,
        Venue,
        ConsultationDesk,
    } <= types
    assert len(model.agents_by_type[Household]) == model.n_households
    assert len(model.agents_by_type[Resident]) == model.town.n_residents
    if model.npos:
        assert NPO in types


def test_household_view_reads_and_writes_the_arrays(small_town):
    model = CommunityModel("baseline", small_town, seed=1)
    h = model.households[10]
    h.stage = Stage.MANIFEST
    assert model.hh.stage[10] == Stage.MANIFEST and h.stage is Stage.MANIFEST
    model.hh.stage[10] = Stage.NONE
    assert h.stage is Stage.NONE
    assert all(r.household is h for r in h.members)
    assert h.ties == len(h.neighbours) + (1.0 if model.town.hh_venue[10] >= 0 else 0.0)


def test_resident_conditions_follow_household_types(small_town):
    model = CommunityModel("baseline", small_town, seed=1)
    for h in model.households:
        if h.type_key == "8050":  # a parent of 70+ with their withdrawn child of 40–64
            assert any(r.age >= 70 and r.role != "child" for r in h.members)
            assert any(r.has("withdrawal") and 40 <= r.age <= 64 and r.role != "elder" for r in h.members)
        if h.type_key == "elderly_alone":
            assert len(h.members) == 1 and h.members[0].age >= 65


def test_agent_set_queries_work(small_town):
    model = CommunityModel("baseline", small_town, seed=1).run(52)
    with_problem = model.agents_by_type[Household].select(lambda h: h.stage > Stage.NONE)
    assert len(with_problem) == int(np.count_nonzero(model.hh.stage > 0))


def test_raising_association_activity_reaches_the_watching_mechanism(small_town):
    model = CommunityModel("baseline", small_town, seed=1)
    watching = model.mechanism("watching")
    model.step()
    before = watching.town_cached(watching.neighbours_level).copy()  # the watch level that lowers onset
    for association in model.associations:
        association.activity = 1.0
    model.step()
    after = watching.town_cached(watching.neighbours_level)
    assert np.all(after >= before) and np.any(after > before)


def test_professionals_caseloads_match_supported_households(small_town):
    model = CommunityModel("baseline", small_town, seed=1).run(156)
    supported = model.hh.professional[model.hh.professional >= 0]
    assert sum(p.caseload for p in model.professionals) == len(supported)
    for d in model.desks:
        assert all(p.desk == d.index for p in d.staff)


def test_setting_a_stage_by_hand_keeps_the_ledger_consistent(small_town):
    model = CommunityModel("baseline", small_town, seed=1)
    model.run(4)
    h = next(h for h in model.households if h.stage is Stage.NONE)
    h.stage = Stage.COMPLEX
    case = h.case_id
    assert case >= 0 and h.stage is Stage.COMPLEX and len(h.domains) >= 2
    assert model.cases.worst_stage[case] == Stage.COMPLEX and model.cases.onset_week[case] == 4
    h.stage = Stage.LATENT
    assert h.stage is Stage.LATENT and model.cases.worst_stage[case] == Stage.COMPLEX
    h.stage = Stage.NONE
    assert h.case_id == -1 and model.ledger().loc[case, "resolved_by"] == "external"
