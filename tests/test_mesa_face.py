"""What Mesa users normally do works on this model (the engine underneath is arrays)."""

from __future__ import annotations

import inspect

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.model import CommunityModel


def _small(**kwargs) -> CommunityModel:
    return CommunityModel("baseline", "workshop", warmup_weeks=0, **kwargs)


def test_a_model_without_a_seed_draws_one_and_keeps_it_so_the_run_can_be_repeated():
    first = _small().run(20)
    again = _small(seed=first.seed).run(20)
    assert first.seed >= 0
    pd.testing.assert_frame_equal(first.weekly(), again.weekly())
    assert _small().seed != first.seed


def test_mesa_rng_argument_seeds_the_run_like_seed_does():
    by_rng, by_seed = _small(rng=42).run(20), _small(seed=42).run(20)
    pd.testing.assert_frame_equal(by_rng.ledger(), by_seed.ledger())
    from_generator = _small(rng=np.random.default_rng(7))
    assert from_generator.seed == _small(rng=np.random.default_rng(7)).seed


def test_the_datacollector_has_a_named_reporter_for_every_weekly_column():
    model = _small(seed=3).run(10)
    frame = model.datacollector.get_model_vars_dataframe()
    weekly = model.weekly()
    assert list(frame.columns) == [c for c in weekly.columns if c != "week"]
    assert list(model.datacollector.model_reporters) == list(frame.columns)
    pd.testing.assert_frame_equal(frame, weekly.drop(columns="week"), check_dtype=False)


def test_mesa_batch_run_returns_named_numbers_for_each_scenario_and_seed():
    rows = mesa.batch_run(
        CommunityModel,
        parameters={"scenario": ["baseline", "one_stop_desk"], "town": "workshop", "warmup_weeks": 0},
        rng=[1, 2],
        max_steps=8,
        display_progress=False,
    )
    table = pd.DataFrame(rows)
    assert len(table) == 4 and set(table["seed"]) == {1, 2}
    assert {"true_complex", "known_latent", "waiting_list", "detected_commissioner", "paid_hours"} <= set(table)
    alone = _small(seed=2).run(8).weekly().iloc[-1]
    row = table[(table["scenario"] == "baseline") & (table["seed"] == 2)].iloc[0]
    assert row["true_latent"] == alone["true_latent"] and row["paid_hours"] == alone["paid_hours"]


def test_agents_do_not_step_or_leave_silently_they_point_to_the_mechanisms():
    model = _small(seed=1)
    with pytest.raises(TypeError, match="sim/mechanisms"):
        model.agents.do("step")
    with pytest.raises(TypeError, match="cannot be removed"):
        model.households[0].remove()
    assert len(model.households) == model.n_households  # nothing was half-removed


def test_a_batch_has_agents_of_any_run_on_demand_and_mesa_agentsets_work_on_them():
    batch = CommunityModel("baseline", "workshop", [1, 2], warmup_weeks=0)
    assert len(batch.agents) == 0
    views = batch.agent_views_of(1)
    households = batch.agents_by_type[type(views.households[0])]
    assert len(households) == len(views.households)
    assert households.select(lambda h: h.stage > 0) is not None


def test_the_mesa_solaraviz_page_offers_the_model_parameters_as_controls():
    from dashboards import mesa_app

    model_args = inspect.signature(CommunityModel).parameters
    assert set(mesa_app.MODEL_PARAMS) <= set(model_args)
    reporters = set(mesa_app.model.datacollector.model_reporters)
    for series in (mesa_app.TRUE_STAGES, mesa_app.KNOWN_STAGES, mesa_app.SERVICES):
        assert set(series) <= reporters
