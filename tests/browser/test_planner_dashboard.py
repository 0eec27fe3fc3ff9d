"""A planner's walk through the dashboard in headless Chromium: load, describe the town, build, save and
reload a scenario, run two scenarios, read the comparison, look at the town itself, switch to English.

One server and one page for the whole walk (the steps build on each other, as a planner's would);
each step saves a screenshot to out/test-artifacts/ (docs/guide-ja.md uses them).
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from sim.cli import DASHBOARD_ENV
from sim.config import load_scenario_text
from tests.browser.conftest import ARTIFACTS, ROOT, open_tab, screenshot, solara_server

APP = ROOT / "dashboards" / "app.py"
# A 1-year, 2-replication comparison keeps the test fast; docs/screenshots.py asks for a longer one
# (DASHBOARD_WALK_RUN="years,replications") so that the guide's figures look like a planner's.
GUIDE_YEARS, GUIDE_REPLICATIONS = (int(x) for x in os.environ.get("DASHBOARD_WALK_RUN", "1,2").split(","))
RUN_TIMEOUT_MS = 240_000 * GUIDE_YEARS * GUIDE_REPLICATIONS // 2  # the machine may be busy


@pytest.fixture(scope="module")
def server():
    # As `community-sim dashboard` serves it: no version check on PyPI, no telemetry.
    with solara_server(APP, env=DASHBOARD_ENV, args=["--no-check-version"]) as url:
        yield url


@pytest.fixture(scope="module")
def walk(server, browser):
    """One page that the tests below drive in order."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:"))
            else outside.append(r.url)
        ),
    )
    missing: list[str] = []  # local files the server could not serve (e.g. a CDN file not installed)
    page.on("response", lambda r: missing.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(60_000)
    page.outside = outside
    page.missing = missing
    page.goto(server)
    page.get_by_role("button", name="実行").wait_for()
    yield page
    context.close()


def _shot(page, name: str, at: str | None = None) -> None:
    """A screenshot of the step, scrolled to the text ``at`` (the page scrolls inside its layout)."""
    if at is not None:
        page.get_by_text(at, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
    screenshot(page, name)


def _file_input(page, button_text: str):
    """The hidden file input behind the upload button labelled ``button_text``."""
    return page.locator(".scenario-upload", has_text=button_text).locator("input[type=file]")


def _field(page, label: str):
    return page.get_by_label(label, exact=True)


def test_01_page_loads_with_nothing_from_outside(walk):
    walk.get_by_text("世帯数").first.wait_for()
    screenshot(walk, "planner-01-loaded")
    assert walk.outside == []
    walk.wait_for_load_state("networkidle")  # Markdown asks for KaTeX once it is on the page
    assert walk.missing == []  # KaTeX included (make setup: dashboards/offline_assets.py)


def test_02_a_wrong_town_value_gets_a_message_then_a_fix_is_accepted(walk):
    open_tab(walk, "1. 町を描く")
    vacancies = _field(walk, "民生委員の欠員数")
    vacancies.fill("500")
    vacancies.press("Enter")
    walk.get_by_text("欠員数は定数以下で入れてください。").wait_for()
    membership = _field(walk, "自治会の加入率（%）")
    membership.fill("140")
    membership.press("Enter")
    walk.get_by_text("0〜100の範囲で入れてください。").wait_for()  # every wrong field says so at once
    assert walk.get_by_text("欠員数は定数以下で入れてください。").count() == 1
    _shot(walk, "planner-02-town-error", "民生委員の欠員数")
    vacancies.fill("3")
    vacancies.press("Enter")
    membership.fill("６０．５")  # typed with a Japanese input method: full-width digits and point
    membership.press("Enter")
    walk.get_by_text("この町で比較します").wait_for()
    assert walk.get_by_text("欠員数は定数以下で入れてください。").count() == 0
    assert membership.input_value() == "60.5"
    _shot(walk, "planner-03-town", "もとにする町")


def test_02b_census_figures_from_e_stat_are_checked_like_the_others(walk):
    alone = _field(walk, "65歳以上の単独世帯（世帯）")
    alone.fill("2000")  # more than the one-person households
    alone.press("Enter")
    walk.get_by_text("65歳以上の単独世帯は、単独世帯の数以下で入れてください。").wait_for()
    alone.fill("363")
    alone.press("Enter")
    walk.get_by_text("この町で比較します").wait_for()
    assert walk.get_by_text("65歳以上の単独世帯は、単独世帯の数以下で入れてください。").count() == 0


def test_03_build_save_and_reload_a_scenario(walk, tmp_path):
    open_tab(walk, "2. シナリオ")
    walk.get_by_text("施策のスイッチ").wait_for()
    walk.wait_for_timeout(800)  # the tab slides in
    walk.get_by_text("支援会議", exact=True).first.click()
    expect(walk.get_by_label("支援会議", exact=True)).to_be_checked(timeout=15_000)
    title = _field(walk, "シナリオ名（日本語）")
    title.fill("支援会議を始める案")
    name = _field(walk, "ファイル名（半角英数字と _ ）")
    name.fill("start_meeting")
    with walk.expect_download() as info:
        walk.get_by_role("button", name="ファイルに保存").click()
    saved = tmp_path / "start_meeting.toml"
    info.value.save_as(saved)
    scenario = load_scenario_text(saved.read_text(encoding="utf-8"), "start_meeting", str(saved))
    assert scenario.title_ja == "支援会議を始める案"
    assert scenario.mechanisms == {"support_meeting": {"enabled": True}}
    _shot(walk, "planner-04-builder", "施策のスイッチ")

    reloaded = tmp_path / "reloaded_plan.toml"
    reloaded.write_text(saved.read_text(encoding="utf-8").replace("支援会議を始める案", "読み込んだ案"), "utf-8")
    _file_input(walk, "シナリオファイルを読み込む").set_input_files(str(reloaded))
    walk.get_by_text("「読み込んだ案」を読み込みました。").wait_for()
    too_big = tmp_path / "too_big.toml"
    too_big.write_text("#" * 70_000, encoding="utf-8")
    _file_input(walk, "シナリオファイルを読み込む").set_input_files(str(too_big))
    walk.get_by_text("ファイルが大きすぎます").wait_for()
    broken = tmp_path / "broken_plan.toml"
    broken.write_text(
        "[scenario]\ntitle_ja = '壊れた案'\ndescription_ja = '説明'\n[mechanisms.outreach]\n"
        "hours_per_week_per_10k_households = -5\n",
        encoding="utf-8",
    )
    _file_input(walk, "シナリオファイルを読み込む").set_input_files(str(broken))
    walk.get_by_text("値 -5 は範囲の外です（使えるのは：0.0〜10000.0の数）").wait_for()  # in Japanese
    _shot(walk, "planner-05-loaded-scenario", "作ったシナリオ・読み込んだシナリオ")


def _choose_only(page, keep: str) -> None:
    """Leave only ``keep`` among the scenarios to compare (the baseline is always run)."""
    select = page.get_by_label("比較するシナリオ")
    select.click(force=True)
    menu = page.locator(".v-menu__content.menuable__content__active")
    menu.wait_for()
    for option in menu.locator(".v-list-item").all():
        text = option.inner_text().strip()
        active = "v-list-item--active" in (option.get_attribute("class") or "")
        if active != (text == keep):
            option.click()
    page.keyboard.press("Escape")


def _slide_to(page, label: str, value: int) -> None:
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    slider.press("Home")  # the minimum, 1
    for _ in range(value - 1):
        slider.press("ArrowRight")
    assert slider.get_attribute("aria-valuenow") == str(value)


def test_04_run_two_scenarios_and_see_the_comparison(walk):
    _choose_only(walk, "読み込んだ案")
    _slide_to(walk, "年数", GUIDE_YEARS)
    _slide_to(walk, "反復回数", GUIDE_REPLICATIONS)
    walk.wait_for_timeout(1000)  # the last key press reaches the server
    walk.get_by_role("button", name="実行").click()
    walk.get_by_text("回のシミュレーション").first.wait_for()  # the progress message: 2シナリオ × 2回 = 4回…
    # By weeks simulated: a share done and the time left, already while no run has finished.
    first = walk.wait_for_function(
        "() => [...document.querySelectorAll('.v-alert')].map(a => a.innerText).find(t => t.includes('残り約'))",
        timeout=RUN_TIMEOUT_MS,
        polling=50,
    ).json_value()
    assert "、0回終了" in first and "%" in first
    _shot(walk, "planner-05b-progress")
    open_tab(walk, "1. 町を描く")  # the page answers while the runs go on in the background
    open_tab(walk, "3. 比較結果")
    walk.get_by_text("早期発見と深刻化（基準との差）").wait_for(timeout=RUN_TIMEOUT_MS)
    walk.get_by_text("基準と比べてはっきりした違い").first.wait_for()
    walk.get_by_text(f"{GUIDE_YEARS}年・反復{GUIDE_REPLICATIONS}回").wait_for()  # the sliders' values were used
    pivot = walk.locator("table.pivot").first
    assert pivot.locator("thead th").all_inner_texts()[1:] == ["現状（ベースライン）（基準）", "読み込んだ案"]
    assert pivot.locator("tbody tr").count() == 7  # a row per headline metric
    with walk.expect_download() as info:
        walk.get_by_role("button", name="比較表（CSV・日本語の列名）").click()
    csv = info.value.path().read_bytes().decode("utf-8-sig")
    assert csv.startswith("世帯の類型,指標,シナリオ,平均") and "読み込んだ案" in csv
    with walk.expect_download() as info:
        walk.get_by_role("button", name="比較（tidy）").click()
    tidy = info.value.path().read_bytes().decode("utf-8-sig")
    assert "reloaded_plan" in tidy and "early_detection_rate" in tidy
    walk.wait_for_timeout(1500)  # let the figures draw
    _shot(walk, "planner-06-results", "3. 比較結果")
    _shot(walk, "planner-07-difference", "図に示す指標")
    sections = {  # each section's figures are built when its tab opens
        "planner-08-known-vs-true": ("実際と把握の推移", "段階別の世帯数の推移と、行政が把握している数"),
        "planner-09-channels": ("把握の経路", "どの経路で把握されたか"),
        "planner-10-load": ("待機と負担", "待機と職員の負担"),
        "planner-11-types": ("類型別", "世帯の類型別の結果"),
        "planner-12-council": ("協議会", "自立支援協議会が生み出した社会資源"),
    }
    for name, (tab, heading) in sections.items():
        open_tab(walk, tab)
        walk.get_by_role("heading", name=heading).wait_for()
        walk.wait_for_timeout(800)  # let the figure draw
        _shot(walk, name, "3. 比較結果")
    assert walk.outside == []


def test_04b_a_second_run_counts_its_own_runs_from_zero(walk):
    replications = GUIDE_REPLICATIONS + 1  # new seeds: their warm-ups come before any run ends
    _slide_to(walk, "反復回数", replications)
    walk.wait_for_timeout(1000)  # the last key press reaches the server
    walk.get_by_role("button", name="実行").click()
    message = walk.get_by_text(f"{2 * replications}回のシミュレーション").first
    message.wait_for()
    assert "、0回終了" in message.inner_text()  # not the previous run's count
    walk.get_by_text(f"{GUIDE_YEARS}年・反復{replications}回").wait_for(timeout=RUN_TIMEOUT_MS)


def test_05_the_town_itself(walk):
    open_tab(walk, "まちの様子")
    walk.get_by_label("表示するシナリオ").wait_for()
    walk.get_by_text("第0週（1年目）／全52週").wait_for(timeout=RUN_TIMEOUT_MS)
    walk.get_by_role("button", name="1週進む").click()
    walk.get_by_text("第1週（1年目）／全52週").wait_for()
    week = walk.get_by_role("slider", name="週")
    week.focus()
    week.press("End")
    walk.get_by_text("第52週（1年目）／全52週").wait_for()  # the last week of the first year
    week.press("Home")
    week.press("ArrowRight")
    walk.get_by_text("第1週（1年目）／全52週").wait_for()
    walk.wait_for_timeout(800)
    _shot(walk, "planner-13-town-view", "まちの様子")
    assert walk.outside == []


def test_06_switch_to_english(walk):
    walk.get_by_role("button", name="English").click()
    walk.get_by_role("button", name="Run").wait_for()
    open_tab(walk, "3. Comparison")
    open_tab(walk, "Detection and deterioration")
    walk.get_by_text("Early detection and deterioration (difference from reference)").wait_for()
    open_tab(walk, "1. Describe the town")
    walk.get_by_text("Households", exact=True).first.wait_for()
    _shot(walk, "planner-14-english", "1. Describe the town")
    assert (ARTIFACTS / "planner-14-english.png").exists()
    assert walk.outside == []
