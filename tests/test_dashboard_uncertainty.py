"""The dashboard over parameter sets: the choice offered when an ensemble is available, and the page, the
one-page summary and a saved comparison saying which parameters ran (dashboards/running.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pytest
import solara
from conftest import write_town

from dashboards import export, running
from dashboards import pool as warm_pool
from dashboards.i18n import config_error_text
from sim.config import load_scenario, load_scenario_text, load_town
from sim.parameter_sets import write_parameter_sets
from sim.params import ConfigError

APP_PATH = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
PATHS = [f"mechanisms.self_referral.weekly_probability.{s}" for s in ("latent", "manifest", "complex")]
WITH_SETS = "パラメータの不確かさを含む（較正で受け入れた 2 組から反復ごとに 1 組）"
DEFAULTS = "既定のパラメータ（不確かさは偶然のばらつきのみ）"


def _load_app():
    spec = importlib.util.spec_from_file_location("dashboard_app_uncertainty", APP_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


app = _load_app()


@pytest.fixture
def ensemble(tmp_path: Path) -> Path:
    rows = np.array([[0.0, 0.0, 0.0], [0.1, 0.3, 0.3]])
    return write_parameter_sets(tmp_path / "ensemble.toml", "Test ensemble", "ensemble", "tests", "hand", PATHS, rows)


@pytest.fixture
def offered(monkeypatch, ensemble: Path) -> Path:
    """The page offers ``ensemble`` (as `community-sim dashboard --parameters FILE` does)."""
    monkeypatch.setenv(running.PARAMETERS_ENV, str(ensemble))
    return ensemble


@pytest.fixture
def nothing_offered(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(running.PARAMETERS_ENV, raising=False)
    monkeypatch.setattr(running, "SHIPPED_ENSEMBLE", tmp_path / "not_shipped.toml")


def _render(monkeypatch):
    monkeypatch.setattr(app, "TownView", None)
    monkeypatch.setattr(warm_pool, "warm_up_in_background", lambda: None)
    _, rc = solara.render(app.Page(), handle_error=False)
    return rc


def test_the_page_offers_parameter_uncertainty_when_an_ensemble_is_available(monkeypatch, offered):
    rc = _render(monkeypatch)
    try:
        box = rc.find(v.Switch, label="不確かさを含める")
        box.assert_single()
        assert box.widget.v_model is False  # the defaults, unless the planner asks
        assert any("2組の仮定から反復ごとに1組を選び" in t for t in _markdowns(rc))
    finally:
        rc.close()


def test_without_parameter_sets_the_page_offers_no_choice(monkeypatch, nothing_offered):
    assert running.available_parameters() == (None, None)
    rc = _render(monkeypatch)
    try:
        assert not rc.find(v.Switch, label="不確かさを含める")
    finally:
        rc.close()


def test_the_shipped_ensemble_is_offered_without_a_setting(monkeypatch, ensemble):
    monkeypatch.delenv(running.PARAMETERS_ENV, raising=False)
    monkeypatch.setattr(running, "SHIPPED_ENSEMBLE", ensemble)
    sets, problem = running.available_parameters()
    assert problem is None and sets is not None and sets.n == 2


def test_a_bad_parameters_file_is_told_on_the_page_and_the_defaults_are_used(monkeypatch, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[parameters]\nkind = "many"\n', encoding="utf-8")
    monkeypatch.setenv(running.PARAMETERS_ENV, str(bad))
    sets, problem = running.available_parameters()
    assert sets is None and problem is not None and problem.key == "parameters.kind"
    rc = _render(monkeypatch)
    try:
        assert not rc.find(v.Switch, label="不確かさを含める")
        assert any("既定のパラメータで計算します" in t and "bad.toml" in t for t in _markdowns(rc))
    finally:
        rc.close()


def test_a_comparison_over_the_ensemble_pairs_its_runs_and_says_so_in_the_summary(tmp_path, ensemble):
    town = str(write_town(tmp_path, households=800))
    scenarios = ("baseline", "one_stop_desk")
    over_sets = running.compute_outcome(running.RunRequest(town, scenarios, 1, 3, 0, parameters=str(ensemble)))
    assert over_sets.error is None
    assert over_sets.parameters["kind"] == "ensemble" and over_sets.parameters["sets"] == 2
    sets_of = {}
    for run in over_sets.results:
        sets_of.setdefault(run.replication, set()).add(run.parameter_set)
    assert all(len(s) == 1 and None not in s for s in sets_of.values())
    page = export.summary_html(over_sets, "ja", images=False).decode()
    assert WITH_SETS in page and "仮定（効果の大きさなど）の不確かさも含まれます" in page
    assert (
        "parameter uncertainty included (one of the 2 sets"
        in export.summary_html(over_sets, "en", images=False).decode()
    )
    defaults = running.compute_outcome(running.RunRequest(town, scenarios, 1, 1, 0))
    assert defaults.parameters == {} and {r.parameter_set for r in defaults.results} == {None}
    page = export.summary_html(defaults, "ja", images=False).decode()
    assert DEFAULTS in page and "不確かさも含まれます" not in page


def test_a_saved_comparison_keeps_which_parameters_ran(tmp_path, ensemble):
    from dashboards.project import project_bytes, read_project

    town_file = write_town(tmp_path, households=800)
    request = running.RunRequest(str(town_file), ("baseline",), 1, 2, 0, parameters=str(ensemble))
    outcome = running.compute_outcome(request)
    scenarios = [load_scenario("baseline")]
    project = read_project(project_bytes(outcome, load_town(town_file), scenarios), "p.zip")
    assert project.outcome.parameters == outcome.parameters
    assert [r.parameter_set for r in project.outcome.results] == [r.parameter_set for r in outcome.results]
    assert list(project.outcome.results[0].summary.columns) == list(outcome.results[0].summary.columns)
    assert WITH_SETS in export.summary_html(project.outcome, "ja", images=False).decode()


def test_the_page_runs_over_the_ensemble_when_asked_and_says_so(monkeypatch, offered):
    rc = _render(monkeypatch)
    try:
        rc.find(v.Slider, label="年数").widget.v_model = 1
        rc.find(v.Slider, label="反復回数").widget.v_model = 2
        rc.find(v.Select, label="比較するシナリオ").widget.v_model = ["自治会を強くする"]
        rc.find(v.Switch, label="不確かさを含める").widget.v_model = True
        rc.find(v.Btn, children=["実行"]).widget.click()
        rc.find(v.Select, label="図に示す指標").wait_for(timeout=180)
        assert any(f"<strong>{WITH_SETS}</strong>" in t for t in _markdowns(rc))
        legend = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        assert any("不確かさも含まれます" in t for t in legend)  # what the intervals now hold
    finally:
        rc.close()


def _markdowns(rc) -> list[str]:
    """The rendered text of every Markdown block on the page."""
    templates = [w.template for w in rc.find(v.VuetifyTemplate).widgets]
    return [t for t in templates if isinstance(t, str) and "solara-markdown" in t]


def test_a_scenario_uploaded_to_the_page_cannot_name_a_parameters_file():
    text = '[scenario]\ntitle_ja = "私の案"\ndescription_ja = "説明"\nparameters = "../ensemble.toml"\n'
    with pytest.raises(ConfigError) as refused:
        load_scenario_text(text, "mine", "mine.toml")
    message = config_error_text(refused.value, "ja")
    assert "mine.toml" in message and "パラメータファイル" in message and "比較の条件" in message


def test_the_dashboard_command_checks_its_parameters_file_and_hands_it_to_the_page(
    monkeypatch, capsys, tmp_path, ensemble
):
    from sim import cli

    calls = []
    monkeypatch.setattr("sim.serve.run_until_stopped", lambda cmd, cwd, env: calls.append(env) or 0)
    assert cli.main(["dashboard", "--port", "8802", "--parameters", str(ensemble)]) == 0
    assert calls[0][running.PARAMETERS_ENV] == str(ensemble.resolve())
    assert "Test ensemble" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[parameters]\n", encoding="utf-8")
    assert cli.main(["dashboard", "--parameters", str(bad)]) == 2
    assert capsys.readouterr().err.count("error:") == 1 and len(calls) == 1
