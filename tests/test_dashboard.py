"""The planner's dashboard (dashboards/app.py): its plain functions, and the page rendered without a browser."""

from __future__ import annotations

import importlib.util
import io
import math
import sys
from pathlib import Path

import ipyvuetify as v
import pandas as pd
import plotly.graph_objects as go
import pytest
import solara
from solara.components.datatable import DataTableWidget
from solara.components.file_download import FileDownloadWidget

from sim.compare import HEADLINE_METRICS
from sim.config import bundled_names
from sim.params import ConfigError

APP_PATH = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
SCENARIOS = ("baseline", "stronger_jichikai")
SMALL = {"town": "neighbourhood", "scenarios": SCENARIOS, "years": 1, "replications": 2, "seed": 0}


def _load_app():
    """Import dashboards/app.py (a script for ``solara run``, not a package module)."""
    spec = importlib.util.spec_from_file_location("dashboard_app", APP_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


app = _load_app()


@pytest.fixture(scope="module")
def small_run() -> tuple[pd.DataFrame, list]:
    """Two scenarios, one year, two replications on the neighbourhood town (about a second)."""
    return app.run_comparison(**SMALL)


# ---------------------------------------------------------------- plain functions


def test_japanese_labels_cover_every_headline_metric():
    assert set(app.METRIC_LABELS_JA) == set(HEADLINE_METRICS)
    assert set(app.METRIC_FORMATS) >= set(HEADLINE_METRICS)
    assert all(label.strip() for label in app.METRIC_LABELS_JA.values())
    assert app.METRIC_LABELS_JA["early_detection_rate"] == "早期発見率（潜在段階での把握）"


def test_bundled_titles_are_japanese_and_baseline_exists():
    titles = app.scenario_titles()
    assert list(titles) == bundled_names("scenarios")
    assert titles["baseline"] == "現状（ベースライン）"
    assert app.DEFAULT_TOWN in app.town_titles()
    assert app.scenario_titles(["no_such_scenario"]) == {"no_such_scenario": "no_such_scenario"}


def test_choice_labels_keep_every_name_when_titles_repeat():
    labels = app.choice_labels({"a": "同じ", "b": "同じ", "c": "別"})
    assert sorted(labels.values()) == ["a", "b", "c"]
    assert labels["別"] == "c"


def test_reference_scenario_always_first_and_once():
    assert app.ordered_scenarios(["outreach_team", "baseline", "outreach_team"]) == ["baseline", "outreach_team"]
    assert app.ordered_scenarios([]) == ["baseline"]


def test_input_problems_in_japanese():
    assert app.input_problems(10, 5, 0) == []
    problems = app.input_problems(0, 21, -1)
    assert len(problems) == 3
    assert all("指定してください" in p for p in problems)
    with pytest.raises(ValueError, match="乱数シード"):
        app.run_comparison("neighbourhood", SCENARIOS, 1, 2, -1)


def test_run_comparison_on_a_small_run(small_run):
    table, results = small_run
    assert len(results) == 2 * 2
    assert {r.scenario for r in results} == set(SCENARIOS)
    town = table[table.household_type == "all"]
    assert set(HEADLINE_METRICS) <= set(town.metric)
    assert list(dict.fromkeys(town.scenario)) == list(SCENARIOS)
    reference = town[town.scenario == "baseline"]
    assert (reference["diff"].fillna(0) == 0).all()


def test_headline_table_has_japanese_labels_and_intervals(small_run):
    table, _ = small_run
    titles = app.scenario_titles(SCENARIOS)
    head = app.headline_table(table, titles)
    assert list(head.columns) == list(app.COLUMNS_JA)
    assert len(head) == len(HEADLINE_METRICS) * len(SCENARIOS)
    assert list(dict.fromkeys(head["指標"])) == [app.METRIC_LABELS_JA[m] for m in HEADLINE_METRICS]
    assert set(head["シナリオ"]) == {"現状（ベースライン）", "自治会を強くする"}
    baseline_rows = head[head["シナリオ"] == "現状（ベースライン）"]
    assert (baseline_rows["基準との差 [95%区間]"] == "（基準）").all()
    other = head[head["シナリオ"] == "自治会を強くする"]
    assert other["平均 [95%区間]"].str.contains(r"\[").any()
    assert not other["基準との差 [95%区間]"].str.contains("基準").any()


def test_format_interval_units():
    assert app.format_interval("complex_share", 0.25, 0.2, 0.3) == "25.0% [20.0, 30.0]"
    assert app.format_interval("complex_share", 0.033, -0.026, 0.092, diff=True) == "+3.3ポイント [-2.6, +9.2]"
    assert app.format_interval("median_weeks_to_detection", 12.0, math.nan, math.nan) == "12.0週"
    assert app.format_interval("complex_household_weeks_per_1000", 4143.5, 2820.0, 5467.0) == "4,144 [2,820, 5,467]"
    assert app.format_interval("resolution_rate", math.nan, math.nan, math.nan) == "—"


def test_figures_are_labelled_in_japanese(small_run):
    table, results = small_run
    titles = app.scenario_titles(SCENARIOS)
    bars = app.comparison_figure(table, "early_detection_rate", titles)
    assert list(bars.data[0].y) == ["現状（ベースライン）", "自治会を強くする"]
    assert bars.layout.title.text.startswith("早期発見率（潜在段階での把握）")
    berg = app.iceberg_figure(results, "stronger_jichikai", titles)
    assert "自治会を強くする" in berg.layout.title.text
    assert len(berg.data) == 6
    weekly = app.first_replication_weekly(results, "stronger_jichikai")
    assert weekly is next(r.weekly for r in results if r.scenario == "stronger_jichikai" and r.replication == 0)
    with pytest.raises(KeyError):
        app.first_replication_weekly(results, "outreach_team")


def test_comparison_csv_reads_back_with_japanese_columns(small_run):
    table, _ = small_run
    data = app.comparison_csv(table, app.scenario_titles(SCENARIOS))
    assert data.startswith("\ufeff".encode())  # so that Excel reads the Japanese text
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(back) == len(table)
    assert {"scenario_title_ja", "metric_label_ja", "mean", "diff_ci_high"} <= set(back.columns)
    request = app.RunRequest(**{**SMALL, "scenarios": SCENARIOS})
    assert app.csv_filename(request) == "comparison_neighbourhood_1y_2r_seed0.csv"


def test_bad_input_file_becomes_a_message(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        app.run_comparison("neighbourhood", ["baseline", str(bad)], 1, 1, 0)
    outcome = app.compute_outcome(app.RunRequest("neighbourhood", ("baseline", str(bad)), 1, 1, 0))
    assert outcome.table is None
    assert outcome.error.startswith("入力ファイルに問題があります：")
    assert "broken.toml" in outcome.error
    assert "Traceback" not in outcome.error


def test_unexpected_error_message_has_no_traceback():
    message = app.unexpected_error_message(RuntimeError("boom"))
    assert "RuntimeError: boom" in message
    assert "Traceback" not in message


# ---------------------------------------------------------------- the page, without a browser


def _texts(rc, widget_class) -> list[str]:
    return [str(c) for w in rc.find(widget_class).widgets for c in w.children]


def test_page_renders_controls_in_japanese():
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Btn, children=["実行"]).assert_single()
    town = rc.find(v.Select, label="町").widget
    assert town.v_model == app.town_titles()[app.DEFAULT_TOWN]
    scenarios = rc.find(v.Select, label="比較するシナリオ").widget
    assert "現状（ベースライン）" not in scenarios.items  # the reference is always included, not a choice
    titles = app.scenario_titles()
    assert set(scenarios.v_model) == {titles[name] for name in app.DEFAULT_SCENARIOS}
    assert set(scenarios.v_model) < set(scenarios.items)  # the others can be added
    assert rc.find(v.Slider, label="年数").widget.v_model == app.DEFAULT_YEARS
    assert rc.find(v.Slider, label="反復回数").widget.v_model == app.DEFAULT_REPLICATIONS
    assert rc.find(v.TextField, label="乱数シード").widget.v_model == "0"
    assert any("実行" in t for t in _texts(rc, v.Alert))
    rc.close()


def test_page_rejects_a_negative_seed_without_running():
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Slider, label="年数").widget.v_model = 1  # small, should the check ever let it run
    rc.find(v.Slider, label="反復回数").widget.v_model = 1
    rc.find(v.Select, label="比較するシナリオ").widget.v_model = []
    rc.find(v.TextField, label="乱数シード").widget.v_model = "-1"
    rc.find(v.Btn, children=["実行"]).widget.click()
    assert any("乱数シード" in t for t in _texts(rc, v.Alert))
    assert not rc.find(DataTableWidget)
    assert not any("計算中" in t for t in _texts(rc, v.Alert))
    rc.close()


def test_page_runs_a_small_comparison_and_shows_results():
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Slider, label="年数").widget.v_model = 1
    rc.find(v.Slider, label="反復回数").widget.v_model = 2
    rc.find(v.Select, label="比較するシナリオ").widget.v_model = ["自治会を強くする"]
    rc.find(v.Btn, children=["実行"]).widget.click()

    rc.find(v.Select, label="図に示す指標").wait_for(timeout=30)  # the run happens in a thread
    table = rc.find(DataTableWidget).widget
    assert len(table.items) == len(HEADLINE_METRICS) * 2
    assert {item["指標"] for item in table.items} == set(app.METRIC_LABELS_JA.values())
    assert {item["シナリオ"] for item in table.items} == {"現状（ベースライン）", "自治会を強くする"}
    assert not any("エラー" in t for t in _texts(rc, v.Alert))

    download = rc.find(FileDownloadWidget).widget
    assert download.filename == "comparison_neighbourhood_1y_2r_seed0.csv"
    download.request_download = True
    rc.find(FileDownloadWidget).assert_wait(lambda w: w.bytes is not None, timeout=5)
    assert "early_detection_rate" in download.bytes.decode("utf-8-sig")

    rc.find(v.Select, label="図に示す指標").widget.v_model = app.METRIC_LABELS_JA["complex_share"]
    rc.find(v.Select, label="氷山図のシナリオ").widget.v_model = "自治会を強くする"
    titles = [w.layout.title.text for w in rc.find(go.FigureWidget).widgets]
    assert len(titles) == 2
    assert any("複雑化・複合化に至った割合" in t for t in titles)
    assert any("自治会を強くする" in t for t in titles)
    rc.close()
