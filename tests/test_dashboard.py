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
from solara.widgets import HTML as HTMLWidget

from dashboards import export, figures, running, tables
from dashboards import pool as warm_pool
from dashboards.i18n import METRIC_LABELS, metric_label, tr
from dashboards.scenario_form import MAX_UPLOAD_BYTES, scenario_file
from sim.compare import HEADLINE_METRICS
from sim.config import load_scenario, scenario_to_toml
from sim.params import ConfigError
from sim.runner import RunResult

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
def outcome() -> running.Outcome:
    """Two scenarios, one year, two replications on the neighbourhood town (a few seconds)."""
    request = running.RunRequest("neighbourhood", SCENARIOS, 1, 2, 0)
    out = running.compute_outcome(request)
    assert out.error is None
    return out


def _neighbourhood_types() -> dict[str, int]:
    """Households of each type in the neighbourhood town of the first replication of seed 0."""
    from sim.config import load_town
    from sim.streams import replication_seeds
    from sim.town import type_households

    return type_households(load_town("neighbourhood").profile, replication_seeds(0, 1)[0])


# ---------------------------------------------------------------- running


def test_labels_cover_every_headline_metric_in_both_languages():
    assert set(HEADLINE_METRICS) <= set(METRIC_LABELS)
    assert set(tables.METRIC_FORMATS) >= set(HEADLINE_METRICS)
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
    assert running.input_problems(10, 5, 0) == []
    problems = running.input_problems(0, 21, -1)
    assert len(problems) == 3
    assert all("指定してください" in p for p in problems)
    assert running.input_problems(0, 5, 0, "en") == ["Years must be an integer from 1 to 20."]
    with pytest.raises(ValueError, match="乱数シード"):
        running.run_comparison("neighbourhood", SCENARIOS, 1, 2, -1)


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
    running.run_comparison("neighbourhood", SCENARIOS, 1, 1, 0, on_run=lambda r: seen.append(r.scenario))
    assert sorted(seen) == sorted(SCENARIOS)


def test_scenarios_built_on_the_page_run_like_bundled_ones(outcome):
    mine = load_scenario("outreach_team")
    mine.name = "my_outreach"
    table, _results = running.run_comparison("neighbourhood", ["baseline", mine], 1, 1, 0)
    assert list(dict.fromkeys(table.scenario)) == ["baseline", "my_outreach"]
    with pytest.raises(ConfigError, match="two scenarios"):
        running.resolve("neighbourhood", ["baseline", "baseline"])


def test_two_workers_only_when_there_is_enough_work():
    assert running.worker_count(4) == 1
    assert running.worker_count(40) in (1, 2)


def test_bad_input_file_becomes_a_message(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    out = running.compute_outcome(running.RunRequest("neighbourhood", ("baseline", str(bad)), 1, 1, 0))
    assert out.table is None
    assert out.error.startswith("入力ファイルに問題があります：")
    assert "broken.toml" in out.error and "Traceback" not in out.error


# ---------------------------------------------------------------- tables


def test_format_interval_units():
    assert tables.format_interval("complex_share", 0.25, 0.2, 0.3) == "25.0% [20.0, 30.0]"
    assert tables.format_interval("complex_share", 0.03, -0.3, 1.4) == "3.0% [0.0, 100.0]"  # a share stays a share
    assert tables.format_interval("complex_share", 0.033, -0.026, 0.092, diff=True) == "+3.3ポイント [-2.6, +9.2]"
    assert (
        tables.format_interval("complex_share", 0.033, -0.026, 0.092, diff=True, lang="en") == "+3.3 pts [-2.6, +9.2]"
    )
    assert tables.format_interval("median_weeks_to_detection", 12.0, math.nan, math.nan) == "12.0週"
    assert tables.format_interval("complex_household_weeks_per_1000", 4143.5, 2820.0, 5467.0) == "4,144 [2,820, 5,467]"
    assert tables.format_interval("resolution_rate", math.nan, math.nan, math.nan) == "—"


def test_headline_table_has_labels_intervals_and_differences(outcome):
    titles = outcome.title_map("ja")
    head = tables.headline_table(outcome.table, titles)
    assert list(head.columns) == tr("columns").split("|")
    assert len(head) == len(HEADLINE_METRICS) * 2
    assert set(head["シナリオ"]) == {"現状（ベースライン）", "自治会を強くする"}
    assert (head[head["シナリオ"] == "現状（ベースライン）"]["基準との差 [95%区間]"] == "（基準）").all()
    other = head[head["シナリオ"] == "自治会を強くする"]
    assert other["平均 [95%区間]"].str.contains(r"\[").any()
    english = tables.headline_table(outcome.table, outcome.title_map("en"), "en")
    assert next(iter(english.columns)) == "Metric" and "(reference)" in set(english["Difference [95% CI]"])


def test_the_headline_table_is_a_pivot_with_scenarios_as_columns(outcome):
    pivot = tables.headline_pivot(outcome.table, outcome.title_map("ja"))
    assert pivot.columns == ["現状（ベースライン）（基準）", "自治会を強くする"]
    assert [label for label, _, _ in pivot.rows] == [metric_label(m) for m in HEADLINE_METRICS]
    assert all(help_text for _, help_text, _ in pivot.rows)  # every metric is explained in plain words
    reference, other = pivot.rows[0][2]
    assert reference.verdict == "reference" and "%" in reference.value
    assert other.value.endswith("ポイント") and other.level.startswith("平均 ")
    assert other.verdict in ("better", "worse", "unclear")


def test_differences_are_coloured_by_which_way_is_better():
    assert tables.verdict("complex_share", -0.05, -0.01) == "better"  # fewer crises
    assert tables.verdict("early_detection_rate", -0.05, -0.01) == "worse"  # fewer found early
    assert tables.verdict("early_detection_rate", 0.01, 0.05) == "better"
    assert tables.verdict("median_weeks_to_detection", 1.0, 3.0) == "worse"
    assert tables.verdict("complex_share", -0.05, 0.01) == "unclear"
    assert set(tables.METRIC_BETTER) == set(tables.TYPE_METRICS)


def test_pivot_html_escapes_titles_from_files_and_says_better_in_words(outcome):
    table = outcome.table.copy()
    rows = (table.household_type == "all") & (table.scenario == "stronger_jichikai") & (table.metric == "complex_share")
    table.loc[rows, ["diff", "diff_ci_low", "diff_ci_high"]] = [-0.05, -0.08, -0.02]
    markup = tables.pivot_html(tables.headline_pivot(table, {"stronger_jichikai": "<b>案</b>"}))
    assert "&lt;b&gt;案&lt;/b&gt;" in markup and "<b>案" not in markup
    assert "<td class='better'>" in markup and "良い" in markup
    assert "index" not in markup.lower()


def test_the_household_type_table_says_when_a_type_is_too_small_for_an_interval(outcome):
    table = outcome.table.copy()
    hoarding = table.household_type == "hoarding_isolated"
    table.loc[hoarding, ["ci_low", "ci_high", "diff_ci_low", "diff_ci_high"]] = float("nan")
    table.loc[hoarding, "replications"] = 1
    pivot = tables.type_pivot(table, "complex_share", outcome.title_map("ja"), "ja", outcome.type_households)
    assert len(pivot.rows) == 6
    town = _neighbourhood_types()  # the types are drawn from the census, so counted in the town itself
    assert pivot.rows[1][0] == f"8050世帯（約{town['8050']}世帯）"
    assert any(
        n.startswith(f"ごみ屋敷・孤立世帯はこの町に約{town['hoarding_isolated']}世帯しかなく") for n in pivot.notes
    )
    hoarding_row = next(cells for label, _, cells in pivot.rows if label.startswith("ごみ屋敷"))
    assert all(c.interval in ("区間なし", "") for c in hoarding_row)


def _run(scenario: str, replication: int, complex_share: float, early: float) -> RunResult:
    summary = pd.DataFrame(
        {
            "household_type": "all",
            "metric": ["cases", "cases_beyond_time", "complex_share", "early_detection_rate", "unreached_share"],
            "value": [200.0, 150.0, complex_share, early, 0.5],
        }
    )
    empty = pd.DataFrame()
    return RunResult(scenario, "t", replication, replication, empty, empty, summary, empty)


def test_clear_differences_are_told_in_households_of_the_town():
    runs = []
    for r, noise in enumerate((0.0, 0.01, -0.01, 0.02)):
        runs += [_run("baseline", r, 0.030 + noise, 0.20 + noise), _run("plan", r, 0.025 + noise, 0.20 - noise)]
    lines = tables.household_findings(runs, {"plan": "計画"}, households=3000, years=10)
    # complex_share is a share of the town's households: 0.5 points of 3,000 households are 15 households.
    assert lines == ["計画：10年間で、複雑化・複合化に至る世帯が約15世帯減る（95%区間：15〜15世帯）"]
    english = tables.household_findings(runs, {"plan": "Plan"}, 3000, 10, "en")
    assert english[0].startswith("Plan: Over 10 years: about 15 fewer households whose problems become complex")


def test_council_table_counts_resources_per_replication(outcome):
    council = tables.council_table(outcome.results, outcome.title_map("ja"))
    assert len(council) == 2
    created = sum(len(r.council) for r in outcome.results if r.scenario == "baseline")
    assert council.iloc[0, 1] == pytest.approx(created / 2)
    records = tables.council_records(outcome.results)
    assert len(records) == sum(len(r.council) for r in outcome.results)


def test_comparison_csv_reads_back_with_labels(outcome):
    data = export.comparison_csv(outcome.table, outcome.title_map("ja"))
    assert data.startswith("\ufeff".encode())  # so that Excel reads the Japanese text
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(back) == len(outcome.table)
    assert {"scenario_title", "metric_label", "mean", "diff_ci_high"} <= set(back.columns)
    assert export.csv_filename(outcome.request) == "comparison_neighbourhood_1y_2r_seed0.csv"
    weekly = pd.read_csv(io.BytesIO(export.frame_csv(tables.weekly_records(outcome.results))), encoding="utf-8-sig")
    assert {"scenario", "replication", "week", "true_complex", "known_complex", "waiting_list"} <= set(weekly.columns)


def test_the_planners_csv_has_japanese_headings_labels_and_percent(outcome):
    back = pd.read_csv(io.BytesIO(export.planner_csv(outcome.table, outcome.title_map("ja"))), encoding="utf-8-sig")
    assert list(back.columns)[:4] == ["世帯の類型", "指標", "シナリオ", "平均"]
    assert "early_detection_rate" not in set(back["指標"]) and "早期発見率（潜在段階での把握）" in set(back["指標"])
    town = back[(back["世帯の類型"] == "全世帯") & (back["指標"] == "複雑化・複合化に至った世帯の割合")]
    row = outcome.table[(outcome.table.household_type == "all") & (outcome.table.metric == "complex_share")]
    assert town["平均"].iloc[0] == pytest.approx(100 * row["mean"].iloc[0], abs=1e-3)
    assert set(town["単位（差）"]) == {"%ポイント"}
    english = pd.read_csv(io.BytesIO(export.planner_csv(outcome.table, lang="en")), encoding="utf-8-sig")
    assert english.columns[0] == "household type"


# ---------------------------------------------------------------- figures


def test_bands_are_means_with_95_percent_intervals(outcome):
    bands = figures.weekly_bands(outcome.results, "true_complex")
    runs = [r.weekly["true_complex"] for r in outcome.results if r.scenario == "baseline"]
    first = bands[(bands.scenario == "baseline") & (bands.week == 10)].iloc[0]
    assert first["mean"] == pytest.approx((runs[0][10] + runs[1][10]) / 2)
    assert first["low"] <= first["mean"] <= first["high"]


def test_difference_ticks_fit_the_range_and_never_repeat(outcome):
    fig = figures.difference_figure(outcome.table, "complex_share", outcome.title_map("ja"))
    axis = fig.layout.xaxis
    assert axis.title.text == "基準との差（%ポイント）"
    assert len(set(axis.ticktext)) == len(axis.ticktext) >= 3 and "0" in axis.ticktext
    assert not any("%" in t for t in axis.ticktext)
    row = outcome.table[(outcome.table.household_type == "all") & (outcome.table.metric == "complex_share")]
    assert fig.data[0].x[1] == pytest.approx(100 * row["diff"].iloc[1])  # in points, not shares
    for low, high in ((-0.3, 0.2), (0.0, 0.05), (-0.0012, 0.0031), (-537.0, 0.0), (-2.5, 7.7)):
        values, labels = figures.nice_ticks(low, high)
        assert len(set(labels)) == len(labels) and values[0] <= low and values[-1] >= high
        assert 3 <= len(values) <= 8


def test_time_axes_are_in_years(outcome):
    fig = figures.known_vs_true_figure(outcome.results, outcome.title_map("ja"))
    assert fig.layout.xaxis.title.text == "経過年数（年）"
    assert max(fig.data[1].x) == pytest.approx(1.0)  # one year, not 52 weeks
    berg = figures.iceberg_figure(outcome.results, "baseline", outcome.title_map("ja"))
    assert max(berg.data[0].x) == pytest.approx(1.0)


def test_figures_show_every_scenario_with_labels(outcome):
    titles = outcome.title_map("ja")
    stage = figures.stage_mix_figure(outcome.results, titles)
    names = {t.name for t in stage.data if t.showlegend is not False}
    assert names == {"現状（ベースライン）", "自治会を強くする"}
    assert len(stage.data) == 2 * 3 * 2  # scenarios × stages × (band, line)
    known = figures.known_vs_true_figure(outcome.results, titles)
    assert any("（把握）" in (t.name or "") for t in known.data)
    assert any("（実際）" in (t.name or "") for t in known.data)
    bars = figures.difference_figure(outcome.table, "early_detection_rate", titles)
    assert list(bars.data[0].y) == ["現状（ベースライン）", "自治会を強くする"]
    assert bars.layout.title.text.startswith("早期発見率")
    channels = figures.channels_figure(outcome.table, titles)
    assert len(channels.data) == 2 and "民生委員" in channels.data[0].y
    load = figures.load_figure(outcome.results, titles)
    assert len(load.layout.annotations) == 3  # waiting list, professional hours, volunteer hours
    types = figures.by_type_figure(outcome.table, "complex_share", titles)
    assert [t.name for t in types.data] == ["自治会を強くする"]
    berg = figures.iceberg_figure(outcome.results, "stronger_jichikai", titles)
    assert "自治会を強くする" in berg.layout.title.text
    with pytest.raises(KeyError):
        figures.first_replication_weekly(outcome.results, "outreach_team")


def test_figures_switch_to_english(outcome):
    titles = outcome.title_map("en")
    fig = figures.known_vs_true_figure(outcome.results, titles, "en")
    assert fig.layout.title.text == "Households with a problem: true and known to the municipality"
    assert any(t.name == "Stronger 自治会 (true)" or t.name == "Stronger 自治会（true）" for t in fig.data)


# ---------------------------------------------------------------- exports


def test_figure_html_is_self_contained(outcome):
    html = export.figure_html(figures.channels_figure(outcome.table, outcome.title_map("ja"))).decode()
    assert "<script" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)  # plotly.js inlined, nothing fetched
    assert "window.PlotlyLocales" in html and "図をPNGでダウンロード" in html  # the toolbar speaks Japanese
    assert '"displaylogo": false' in html and "sendDataToCloud" in html  # no logo link, no cloud button


@pytest.mark.slow
def test_figure_png_uses_the_local_chromium(outcome, monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    png = export.figure_png(figures.difference_figure(outcome.table, "complex_share", outcome.title_map("ja")))
    assert png.startswith(b"\x89PNG")


def test_summary_is_one_printable_self_contained_page(outcome):
    page = export.summary_html(outcome, "ja", images=False).decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "@page" in page and "A4" in page
    assert "中学校区（約3,000世帯）" in page and "自治会を強くする" in page
    assert "早期発見率（潜在段階での把握）" in page
    assert "将来予測ではありません" in page  # says what the model cannot tell
    assert "「95%区間」は" in page  # and what the intervals mean, in plain words
    assert f"実行日：{outcome.finished.replace('T', ' ')}" in page and f"community-sim {outcome.version}" in page
    assert "反復：2回" in page and "乱数シード：0" in page
    assert "<table class='pivot'>" in page
    assert "http://" not in page and "https://" not in page
    assert "docs/" not in page and ".md" not in page  # no repository path for council members
    english = export.summary_html(outcome, "en", images=False).decode()
    assert "not forecasts" in english and "Stronger 自治会" in english


@pytest.mark.slow
def test_summary_embeds_its_figures(outcome):
    page = export.summary_html(outcome, "ja").decode()
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
    assert not [w for w in page.find(HTMLWidget).widgets if "class='pivot'" in (w.unsafe_innerHTML or "")]
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
    pivot = next(
        w.unsafe_innerHTML for w in page.find(HTMLWidget).widgets if "class='pivot'" in (w.unsafe_innerHTML or "")
    )
    assert pivot.count("<tr>") == 1 + len(HEADLINE_METRICS)  # a row per metric, scenarios as columns
    assert "現状（ベースライン）（基準）" in pivot and "自治会を強くする" in pivot
    assert not page.find(DataTableWidget)  # no table with English controls or an index column
    assert not any("エラー" in t for t in _texts(page, v.Alert))

    downloads = {w.filename: w for w in page.find(FileDownloadWidget).widgets}
    csv = downloads["comparison_neighbourhood_1y_2r_seed0.csv"]
    csv.request_download = True
    page.find(FileDownloadWidget, filename=csv.filename).assert_wait(lambda w: w.bytes is not None, timeout=30)
    assert "早期発見率（潜在段階での把握）" in csv.bytes.decode("utf-8-sig")
    assert "comparison_tidy_neighbourhood_1y_2r_seed0.csv" in downloads  # and the English tidy table
    assert "project_neighbourhood_1y_2r_seed0.zip" in downloads
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
    _wait_until(lambda: any("世帯の類型" in (w.unsafe_innerHTML or "") for w in page.find(HTMLWidget).widgets))
    types = next(
        w.unsafe_innerHTML for w in page.find(HTMLWidget).widgets if "世帯の類型" in (w.unsafe_innerHTML or "")
    )
    assert f"8050世帯（約{_neighbourhood_types()['8050']}世帯）" in types and "ポイント" in types
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    _open_section(page, "実際と把握の推移")
    page.find(v.Select, label="氷山図のシナリオ").widget.v_model = "自治会を強くする"
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    _open_section(page, "早期発見と深刻化")
    page.find(v.Select, label="図に示す指標").widget.v_model = metric_label("complex_share")
    titles += [w.layout.title.text or "" for w in page.find(go.FigureWidget).widgets]
    assert len(page.find(go.FigureWidget).widgets) == 1  # only the open section's figure exists
    assert any(t.startswith("複雑化・複合化に至った世帯の割合") for t in titles)
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


# ---------------------------------------------------------------- project files


def test_a_saved_comparison_opens_again_with_its_town_scenarios_settings_and_results(outcome):
    from dashboards.project import project_bytes, project_filename, read_project
    from sim.config import load_town

    town = load_town("neighbourhood")
    scenarios = [load_scenario(n) for n in SCENARIOS]
    data = project_bytes(outcome, town, scenarios)
    project = read_project(data, project_filename(outcome))
    assert project_filename(outcome) == "project_neighbourhood_1y_2r_seed0.zip"
    assert project.town.profile == town.profile
    assert [s.name for s in project.scenarios] == list(SCENARIOS)
    assert (project.years, project.replications, project.seed) == (1, 2, 0)
    pd.testing.assert_frame_equal(project.outcome.table, outcome.table)
    assert [(r.scenario, r.replication, r.seed) for r in project.outcome.results] == [
        (r.scenario, r.replication, r.seed) for r in outcome.results
    ]
    for saved, run in zip(project.outcome.results, outcome.results, strict=True):
        pd.testing.assert_frame_equal(saved.weekly, run.weekly, check_dtype=False)
    opened = project.outcome
    assert opened.title_map("ja") == outcome.title_map("ja") and opened.households == 3000
    assert tables.household_findings(opened.results, opened.title_map("ja"), 3000, 1) == tables.household_findings(
        outcome.results, outcome.title_map("ja"), 3000, 1
    )


def test_a_file_that_is_not_a_saved_comparison_says_so():
    from dashboards.project import read_project

    with pytest.raises(ConfigError, match="not a saved comparison"):
        read_project(b"not a zip", "x.zip")
