"""The planner's dashboard: its comparison logic, figures and exports, and the page rendered without a browser."""

from __future__ import annotations

import importlib.util
import io
import math
import re
import sys
import time
from pathlib import Path

import ipyvuetify as v
import pandas as pd
import plotly.graph_objects as go
import pytest
import solara
from solara.components.datatable import DataTableWidget
from solara.components.file_download import FileDownloadWidget

from dashboards import pool as warm_pool
from dashboards import results as res
from dashboards.i18n import METRIC_LABELS, metric_label, tr
from dashboards.scenario_form import MAX_UPLOAD_BYTES, scenario_file
from sim.compare import HEADLINE_METRICS
from sim.config import load_scenario, scenario_to_toml
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
def outcome() -> res.Outcome:
    """Two scenarios, one year, two replications on the neighbourhood town (a few seconds)."""
    request = res.RunRequest("neighbourhood", SCENARIOS, 1, 2, 0)
    out = res.compute_outcome(request)
    assert out.error is None
    return out


# ---------------------------------------------------------------- running


def test_labels_cover_every_headline_metric_in_both_languages():
    assert set(HEADLINE_METRICS) <= set(METRIC_LABELS)
    assert set(res.METRIC_FORMATS) >= set(HEADLINE_METRICS)
    assert metric_label("early_detection_rate") == "早期発見率（潜在段階での把握）"
    assert metric_label("early_detection_rate", "en") == "Early detection (found while latent)"


def test_bundled_titles_load_and_baseline_is_the_reference():
    scenarios = app.bundled_scenarios()
    assert scenarios["baseline"].title_ja == "現状（ベースライン）"
    assert app.DEFAULT_TOWN in app.bundled_towns()
    assert set(app.DEFAULT_SCENARIOS) <= set(scenarios)


def test_labels_keep_every_name_when_titles_repeat():
    labels = app.labels_for({"a": "同じ", "b": "同じ", "c": "別"})
    assert sorted(labels.values()) == ["a", "b", "c"]
    assert labels["別"] == "c"


def test_reference_scenario_always_first_and_once():
    assert app.comparison_order(["outreach_team", "baseline", "outreach_team"]) == ["baseline", "outreach_team"]
    assert app.comparison_order([]) == ["baseline"]


def test_input_problems_in_both_languages():
    assert res.input_problems(10, 5, 0) == []
    problems = res.input_problems(0, 21, -1)
    assert len(problems) == 3
    assert all("指定してください" in p for p in problems)
    assert res.input_problems(0, 5, 0, "en") == ["Years must be an integer from 1 to 20."]
    with pytest.raises(ValueError, match="乱数シード"):
        res.run_comparison("neighbourhood", SCENARIOS, 1, 2, -1)


def test_run_comparison_on_common_random_numbers(outcome):
    table, results = outcome.table, outcome.results
    assert len(results) == 2 * 2
    assert {r.scenario for r in results} == set(SCENARIOS)
    town = table[table.household_type == "all"]
    assert set(HEADLINE_METRICS) <= set(town.metric)
    assert outcome.scenario_names == list(SCENARIOS)
    assert (town[town.scenario == "baseline"]["diff"].fillna(0) == 0).all()
    assert outcome.title("stronger_jichikai", "en") == "Stronger 自治会"
    assert outcome.town_title == "中学校区（約3,000世帯）"


def test_progress_callback_sees_every_run():
    seen = []
    res.run_comparison("neighbourhood", SCENARIOS, 1, 1, 0, on_run=lambda r: seen.append(r.scenario))
    assert sorted(seen) == sorted(SCENARIOS)


def test_scenarios_built_on_the_page_run_like_bundled_ones(outcome):
    mine = load_scenario("outreach_team")
    mine.name = "my_outreach"
    table, _results = res.run_comparison("neighbourhood", ["baseline", mine], 1, 1, 0)
    assert list(dict.fromkeys(table.scenario)) == ["baseline", "my_outreach"]
    with pytest.raises(ConfigError, match="two scenarios"):
        res.resolve("neighbourhood", ["baseline", "baseline"])


def test_two_workers_only_when_there_is_enough_work():
    assert res.worker_count(4) == 1
    assert res.worker_count(40) in (1, 2)


def test_bad_input_file_becomes_a_message(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    out = res.compute_outcome(res.RunRequest("neighbourhood", ("baseline", str(bad)), 1, 1, 0))
    assert out.table is None
    assert out.error.startswith("入力ファイルに問題があります：")
    assert "broken.toml" in out.error and "Traceback" not in out.error


# ---------------------------------------------------------------- tables


def test_format_interval_units():
    assert res.format_interval("complex_share", 0.25, 0.2, 0.3) == "25.0% [20.0, 30.0]"
    assert res.format_interval("complex_share", 0.03, -0.3, 1.4) == "3.0% [0.0, 100.0]"  # a share stays a share
    assert res.format_interval("complex_share", 0.033, -0.026, 0.092, diff=True) == "+3.3ポイント [-2.6, +9.2]"
    assert res.format_interval("complex_share", 0.033, -0.026, 0.092, diff=True, lang="en") == "+3.3 pts [-2.6, +9.2]"
    assert res.format_interval("median_weeks_to_detection", 12.0, math.nan, math.nan) == "12.0週"
    assert res.format_interval("complex_household_weeks_per_1000", 4143.5, 2820.0, 5467.0) == "4,144 [2,820, 5,467]"
    assert res.format_interval("resolution_rate", math.nan, math.nan, math.nan) == "—"


def test_headline_table_has_labels_intervals_and_differences(outcome):
    titles = outcome.title_map("ja")
    head = res.headline_table(outcome.table, titles)
    assert list(head.columns) == tr("columns").split("|")
    assert len(head) == len(HEADLINE_METRICS) * 2
    assert set(head["シナリオ"]) == {"現状（ベースライン）", "自治会を強くする"}
    assert (head[head["シナリオ"] == "現状（ベースライン）"]["基準との差 [95%区間]"] == "（基準）").all()
    other = head[head["シナリオ"] == "自治会を強くする"]
    assert other["平均 [95%区間]"].str.contains(r"\[").any()
    english = res.headline_table(outcome.table, outcome.title_map("en"), "en")
    assert next(iter(english.columns)) == "Metric" and "(reference)" in set(english["Difference [95% CI]"])


def test_results_by_household_type_cover_every_type(outcome):
    table = res.by_type_table(outcome.table, "complex_share", outcome.title_map("ja"))
    assert table["世帯の類型"].nunique() == 6
    assert "8050世帯" in set(table["世帯の類型"])


def test_council_table_counts_resources_per_replication(outcome):
    council = res.council_table(outcome.results, outcome.title_map("ja"))
    assert len(council) == 2
    created = sum(len(r.council) for r in outcome.results if r.scenario == "baseline")
    assert council.iloc[0, 1] == pytest.approx(created / 2)
    records = res.council_records(outcome.results)
    assert len(records) == sum(len(r.council) for r in outcome.results)


def test_comparison_csv_reads_back_with_labels(outcome):
    data = res.comparison_csv(outcome.table, outcome.title_map("ja"))
    assert data.startswith("\ufeff".encode())  # so that Excel reads the Japanese text
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(back) == len(outcome.table)
    assert {"scenario_title", "metric_label", "mean", "diff_ci_high"} <= set(back.columns)
    assert res.csv_filename(outcome.request) == "comparison_neighbourhood_1y_2r_seed0.csv"
    weekly = pd.read_csv(io.BytesIO(res.frame_csv(res.weekly_records(outcome.results))), encoding="utf-8-sig")
    assert {"scenario", "replication", "week", "true_complex", "known_complex", "waiting_list"} <= set(weekly.columns)


# ---------------------------------------------------------------- figures


def test_bands_are_means_with_95_percent_intervals(outcome):
    bands = res.weekly_bands(outcome.results, "true_complex")
    runs = [r.weekly["true_complex"] for r in outcome.results if r.scenario == "baseline"]
    first = bands[(bands.scenario == "baseline") & (bands.week == 10)].iloc[0]
    assert first["mean"] == pytest.approx((runs[0][10] + runs[1][10]) / 2)
    assert first["low"] <= first["mean"] <= first["high"]


def test_figures_show_every_scenario_with_labels(outcome):
    titles = outcome.title_map("ja")
    stage = res.stage_mix_figure(outcome.results, titles)
    names = {t.name for t in stage.data if t.showlegend is not False}
    assert names == {"現状（ベースライン）", "自治会を強くする"}
    assert len(stage.data) == 2 * 3 * 2  # scenarios × stages × (band, line)
    known = res.known_vs_true_figure(outcome.results, titles)
    assert any("（把握）" in (t.name or "") for t in known.data)
    assert any("（実際）" in (t.name or "") for t in known.data)
    bars = res.difference_figure(outcome.table, "early_detection_rate", titles)
    assert list(bars.data[0].y) == ["現状（ベースライン）", "自治会を強くする"]
    assert bars.layout.title.text.startswith("早期発見率")
    channels = res.channels_figure(outcome.table, titles)
    assert len(channels.data) == 2 and "民生委員" in channels.data[0].y
    load = res.load_figure(outcome.results, titles)
    assert len(load.layout.annotations) == 3  # waiting list, professional hours, volunteer hours
    types = res.by_type_figure(outcome.table, "complex_share", titles)
    assert [t.name for t in types.data] == ["自治会を強くする"]
    berg = res.iceberg_figure(outcome.results, "stronger_jichikai", titles)
    assert "自治会を強くする" in berg.layout.title.text
    with pytest.raises(KeyError):
        res.first_replication_weekly(outcome.results, "outreach_team")


def test_figures_switch_to_english(outcome):
    titles = outcome.title_map("en")
    fig = res.known_vs_true_figure(outcome.results, titles, "en")
    assert fig.layout.title.text == "Households with a problem: true and known to the municipality"
    assert any(t.name == "Stronger 自治会 (true)" or t.name == "Stronger 自治会（true）" for t in fig.data)


# ---------------------------------------------------------------- exports


def test_figure_html_is_self_contained(outcome):
    html = res.figure_html(res.channels_figure(outcome.table, outcome.title_map("ja"))).decode()
    assert "<script" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)  # plotly.js inlined, nothing fetched


@pytest.mark.slow
def test_figure_png_uses_the_local_chromium(outcome, monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    png = res.figure_png(res.difference_figure(outcome.table, "complex_share", outcome.title_map("ja")))
    assert png.startswith(b"\x89PNG")


def test_summary_is_one_printable_self_contained_page(outcome):
    page = res.summary_html(outcome, "ja", images=False).decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "@page" in page and "A4" in page
    assert "中学校区（約3,000世帯）" in page and "自治会を強くする" in page
    assert "早期発見率（潜在段階での把握）" in page
    assert "将来予測ではありません" in page  # says what the model cannot tell
    assert "http://" not in page and "https://" not in page
    english = res.summary_html(outcome, "en", images=False).decode()
    assert "not forecasts" in english and "Stronger 自治会" in english


@pytest.mark.slow
def test_summary_embeds_its_figures(outcome):
    page = res.summary_html(outcome, "ja").decode()
    assert page.count("data:image/png;base64,") == 2


# ---------------------------------------------------------------- the page, without a browser


def _texts(rc, widget_class) -> list[str]:
    return [str(c) for w in rc.find(widget_class).widgets for c in w.children]


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setattr(app, "TownView", None)  # the town view has its own tests; it simulates when opened
    monkeypatch.setattr(warm_pool, "warm_up_in_background", lambda: None)  # tests/test_dashboard_pool.py
    _, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def test_opening_the_page_starts_the_worker_pool_in_the_background(monkeypatch):
    started: list[bool] = []
    monkeypatch.setattr(app, "TownView", None)
    monkeypatch.setattr(warm_pool, "warm_up_in_background", lambda: started.append(True))
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.TextField, label="乱数シード").widget.v_model = "3"  # a later render does not start another
    rc.close()
    assert started == [True]


def test_page_renders_controls_in_japanese(page):
    page.find(v.Btn, children=["実行"]).assert_single()
    scenarios = page.find(v.Select, label="比較するシナリオ").widget
    assert "現状（ベースライン）" not in scenarios.items  # the reference is always included, not a choice
    titles = {n: s.title_ja for n, s in app.bundled_scenarios().items()}
    assert set(scenarios.v_model) == {titles[name] for name in app.DEFAULT_SCENARIOS}
    assert page.find(v.Slider, label="年数").widget.v_model == app.DEFAULT_YEARS
    assert page.find(v.Slider, label="反復回数").widget.v_model == app.DEFAULT_REPLICATIONS
    assert page.find(v.TextField, label="世帯数").widget.v_model == "3000"
    assert any("実行" in t for t in _texts(page, v.Alert))


def test_page_switches_to_english(page):
    page.find(v.BtnToggle).widget.v_model = 1  # the 日本語/English toggle: ja, en
    page.find(v.Btn, children=["Run"]).assert_single()
    page.find(v.TextField, label="Households").assert_single()
    page.find(v.Select, label="Scenarios to compare").assert_single()


def _type(page, label: str, text: str) -> None:
    """Type into a field and leave it (town fields take a value when the planner leaves them)."""
    field = page.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("focusout", None)


def test_a_wrong_town_value_gets_a_message_next_to_its_field(page):
    _type(page, "民生委員の欠員数", "500")
    page.find(v.TextField, label="民生委員の欠員数").assert_wait(
        lambda w: w.error and "欠員数は定数以下で入れてください。" in w.messages, timeout=5
    )
    assert any("赤い欄を直すまで" in t for t in _texts(page, v.Alert))
    _type(page, "民生委員の欠員数", "2")
    page.find(v.TextField, label="民生委員の欠員数").assert_wait(lambda w: not w.error, timeout=5)
    assert any("この町で比較します" in t for t in _texts(page, v.Alert))


def test_builder_adds_a_scenario_to_the_comparison(page):
    page.find(v.Switch, label="支援会議").widget.v_model = True
    page.find(v.Btn, children=["比較に加える"]).widget.click()
    chosen = page.find(v.Select, label="比較するシナリオ").widget.v_model
    assert "私の施策案" in chosen
    assert any("比較に加えました" in t for t in _texts(page, v.Alert))
    download = [w for w in page.find(FileDownloadWidget).widgets if w.filename == "my_plan.toml"]
    assert len(download) == 1


def test_builder_rejects_a_bad_file_name(page):
    page.find(v.TextField, label="ファイル名（半角英数字と _ ）").widget.v_model = "my plan!"
    page.find(v.Btn, children=["比較に加える"]).assert_wait(lambda w: w.disabled, timeout=5)
    assert not [w for w in page.find(FileDownloadWidget).widgets if w.filename.endswith(".toml") and "my" in w.filename]


def _widgets(widget):
    """``widget`` and every widget below it."""
    yield widget
    for child in getattr(widget, "children", None) or []:
        if hasattr(child, "children"):
            yield from _widgets(child)


def _section_tabs(page, label: str):
    for tabs in (w for w in _widgets(page.find(v.Tabs).widget) if isinstance(w, v.Tabs)):
        labels = [str(t.children[0]) for t in tabs.children if isinstance(t, v.Tab)]
        if label in labels:
            return tabs, labels.index(label)
    raise AssertionError(f"no section {label!r}")


def _open_section(page, label: str, timeout: float = 10.0) -> None:
    """Open the results section whose tab reads ``label`` (the results' tabs sit inside the page's tabs).

    Tries again until the choice holds: the results render once more just after they first appear.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tabs, index = _section_tabs(page, label)
        tabs.v_model = index
        time.sleep(0.5)
        tabs, index = _section_tabs(page, label)
        if tabs.v_model == index:
            return
    raise AssertionError(f"section {label!r} did not stay open")


def _wait_until(condition, timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds: a section is drawn in the render after its tab opens."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.2)


def _upload(page, name: str, text: str | None, size: int) -> None:
    widget = page.find(v.VuetifyTemplate, label=tr("load_scenario")).widget
    widget.vue_upload({"name": name, "text": text, "size": size})


def test_uploading_a_scenario_file_adds_it_and_a_bad_one_says_why(page):
    text = scenario_to_toml(load_scenario("outreach_team")).replace("アウトリーチ専任チーム", "読み込んだ案")
    _upload(page, "loaded_plan.toml", text, len(text))
    assert "読み込んだ案" in page.find(v.Select, label="比較するシナリオ").widget.v_model
    assert any("読み込みました" in t for t in _texts(page, v.Alert))
    _upload(page, "huge.toml", None, MAX_UPLOAD_BYTES * 2)
    assert any("ファイルが大きすぎます" in t for t in _texts(page, v.Alert))
    _upload(page, "broken.toml", "[scenario\n", 10)
    assert any("broken.toml" in t and "TOML" in t for t in _texts(page, v.Alert))


def test_page_rejects_a_negative_seed_without_running(page):
    page.find(v.Select, label="比較するシナリオ").widget.v_model = []
    page.find(v.TextField, label="乱数シード").widget.v_model = "-1"
    page.find(v.Btn, children=["実行"]).widget.click()
    assert any("乱数シード" in t for t in _texts(page, v.Alert))
    assert not page.find(DataTableWidget)
    assert not any("計算中" in t for t in _texts(page, v.Alert))


def test_page_runs_a_small_comparison_and_shows_results(page):
    page.find(v.Slider, label="年数").widget.v_model = 1
    page.find(v.Slider, label="反復回数").widget.v_model = 2
    page.find(v.Select, label="比較するシナリオ").widget.v_model = ["自治会を強くする"]
    page.find(v.TextField, label="シナリオ名（日本語）").widget.v_model = "作りかけの案"
    page.find(v.Btn, children=["実行"]).widget.click()

    page.find(v.Select, label="図に示す指標").wait_for(timeout=180)  # the run happens in a thread
    # starting and finishing a run leaves the other tabs' controls as they were
    assert page.find(v.TextField, label="シナリオ名（日本語）").widget.v_model == "作りかけの案"
    table = page.find(DataTableWidget).widgets[0]
    assert len(table.items) == len(HEADLINE_METRICS) * 2
    assert {item["シナリオ"] for item in table.items} == {"現状（ベースライン）", "自治会を強くする"}
    assert not any("エラー" in t for t in _texts(page, v.Alert))

    downloads = {w.filename: w for w in page.find(FileDownloadWidget).widgets}
    csv = downloads["comparison_neighbourhood_1y_2r_seed0.csv"]
    csv.request_download = True
    page.find(FileDownloadWidget, filename=csv.filename).assert_wait(lambda w: w.bytes is not None, timeout=30)
    assert "early_detection_rate" in csv.bytes.decode("utf-8-sig")
    assert {"difference_early_detection_rate.png", "difference_early_detection_rate.html"} <= set(downloads)
    assert any(name.startswith("summary_") for name in downloads)

    titles = []
    sections = {
        "実際と把握の推移": "known_vs_true",
        "把握の経路": "channels",
        "待機と負担": "waiting_and_staff",
        "類型別": "by_type_complex_share",
    }
    for label, stem in sections.items():
        _open_section(page, label)  # a section's figures are built when its tab opens
        _wait_until(
            lambda stem=stem: stem in {w.filename.rsplit(".", 1)[0] for w in page.find(FileDownloadWidget).widgets}
        )
        titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    page.find(v.Select, label="類型別に見る指標").widget.v_model = metric_label("early_detection_rate")
    types = next(w for w in page.find(DataTableWidget).widgets if "世帯の類型" in w.items[0])
    assert "%" in types.items[0]["平均 [95%区間]"]
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    _open_section(page, "実際と把握の推移")
    page.find(v.Select, label="氷山図のシナリオ").widget.v_model = "自治会を強くする"
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    _open_section(page, "早期発見と深刻化")
    page.find(v.Select, label="図に示す指標").widget.v_model = metric_label("complex_share")
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    assert len(page.find(go.FigureWidget).widgets) == 1  # only the open section's figure exists
    assert any(t.startswith("複雑化・複合化に至った割合") for t in titles)
    assert any("実際と行政の把握" in t for t in titles)
    assert any("把握の経路" in t for t in titles)
    assert any("類型別の基準との差" in t and t.startswith("早期発見率") for t in titles)
    assert any("（自治会を強くする・反復1）" in t for t in titles)


def test_scenario_file_download_is_the_saved_text():
    name, data = scenario_file(load_scenario("outreach_team"))
    assert name == "outreach_team.toml"
    assert b"hours_per_week_per_10k_households = 80.0" in data


def test_town_view_tab_gets_the_described_town_and_the_chosen_scenario(monkeypatch):
    seen = []

    @solara.component
    def RecordingTownView(town, scenario, seed, years, lang):
        seen.append((town.profile["town"]["households"], scenario.name, seed, years, lang))
        solara.Text("town view")

    monkeypatch.setattr(app, "TownView", RecordingTownView)
    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        assert seen == []  # nothing is simulated before the tab is opened
        _type(rc, "世帯数", "4000")
        rc.find(v.Tabs).widget.v_model = app.TOWN_VIEW_TAB
        rc.find(v.Select, label="表示するシナリオ").wait_for(timeout=5)
        assert seen[-1] == (4000, "baseline", app.DEFAULT_SEED, 1.0, "ja")
        rc.find(v.Select, label="表示するシナリオ").widget.v_model = "自治会を強くする"
        assert seen[-1][1] == "stronger_jichikai"
    finally:
        rc.close()


def test_findings_name_only_differences_whose_interval_excludes_zero(outcome):
    table = outcome.table.copy()
    town = (table.household_type == "all") & (table.scenario == "stronger_jichikai")
    table.loc[town, ["diff", "diff_ci_low", "diff_ci_high"]] = [0.01, -0.01, 0.03]  # unclear everywhere
    early = town & (table.metric == "early_detection_rate")
    table.loc[early, ["diff", "diff_ci_low", "diff_ci_high"]] = [0.05, 0.02, 0.08]
    lines = res.findings(table, outcome.title_map("ja"))
    assert lines == ["自治会を強くする：早期発見率（潜在段階での把握） +5.0ポイント [+2.0, +8.0]"]
    table.loc[early, ["diff", "diff_ci_low", "diff_ci_high"]] = [0.05, -0.02, 0.08]
    assert "no difference is clear" in res.findings(table, outcome.title_map("en"), "en")[0]


def test_dashboard_command_serves_on_loopback_only_and_offline(monkeypatch, capsys):
    from sim import cli

    command = cli.dashboard_command(8800)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8800"
    assert "--no-check-version" in command and str(APP_PATH) in command
    calls = []
    monkeypatch.setattr("sim.serve.run_until_stopped", lambda cmd, cwd, env: calls.append((cmd, env)) or 0)
    assert cli.main(["dashboard", "--port", "8801"]) == 0
    assert "http://127.0.0.1:8801" in capsys.readouterr().out
    assert calls[0][1]["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--port", "70000"])


def test_a_saved_town_file_becomes_the_town_to_compare_on(page):
    from dashboards.town_form import apply_fields
    from sim.config import load_town, town_to_toml

    built, _ = apply_fields(load_town("neighbourhood"), {"name_ja": "わが町", "households": "4200"})
    text = town_to_toml(built)
    page.find(v.VuetifyTemplate, label=tr("load_town")).widget.vue_upload(
        {"name": "my_town.toml", "text": text, "size": len(text)}
    )
    assert page.find(v.Select, label="もとにする町").widget.v_model == "わが町"
    assert page.find(v.TextField, label="世帯数").widget.v_model == "4200"
    assert any("町「わが町」を読み込みました" in t for t in _texts(page, v.Alert))


def test_choosing_another_town_resets_the_entries_and_shows_its_numbers(page):
    _type(page, "世帯数", "4000")
    page.find(v.Select, label="もとにする町").widget.v_model = "中規模市（沖縄市規模、約59,000世帯）"
    assert page.find(v.TextField, label="世帯数").widget.v_model == "59000"
    assert page.find(v.TextField, label="自治会の加入率（%）").widget.v_model == "27.7"


def test_a_scenario_added_to_the_comparison_can_be_removed(page):
    page.find(v.Btn, children=["比較に加える"]).widget.click()
    assert "私の施策案" in page.find(v.Select, label="比較するシナリオ").widget.v_model
    page.find(v.Btn, children=["外す"]).widget.click()
    assert "私の施策案" not in page.find(v.Select, label="比較するシナリオ").widget.v_model
    assert not page.find(v.Btn, children=["外す"])


def test_a_slider_moves_the_builders_scenario(page):
    page.find(v.Slider, label="アウトリーチの時間（1万世帯あたり週何時間）").widget.v_model = 80
    page.find(v.Btn, children=["比較に加える"]).widget.click()
    download = next(w for w in page.find(FileDownloadWidget).widgets if w.filename == "my_plan.toml")
    download.request_download = True
    page.find(FileDownloadWidget, filename="my_plan.toml").assert_wait(lambda w: w.bytes is not None, timeout=30)
    assert "hours_per_week_per_10k_households = 80" in download.bytes.decode()
