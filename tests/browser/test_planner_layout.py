"""The planner dashboard at a desk and at a projector (1600×1000, 1280×720, 1024×768) in headless Chromium:
every button can be clicked where it is drawn, the 比較の条件 card stays in sight, the page speaks Japanese
to the last control, the headline table is a pivot, and the one-page summary prints on one A4 page for two
and for seven scenarios. A saved comparison opens again in a fresh page.

Screenshots go to out/test-artifacts/planner-layout-<size>-<step>.png.
"""

from __future__ import annotations

import re

import pytest

from sim.cli import DASHBOARD_ENV
from tests.browser.conftest import ROOT, open_tab, screenshot, solara_server
from tests.browser.test_planner_dashboard import _choose_only, _slide_to

APP = ROOT / "dashboards" / "app.py"
RUN_TIMEOUT_MS = 300_000
SIZES = {"1600x1000": (1600, 1000), "1280x720": (1280, 720), "1024x768": (1024, 768)}
TWO = "断らない相談支援（ワンストップ窓口）"

# Every control drawn on the page: is the element at its centre the control itself (or inside it)?
COVERED = """() => {
  const controls = [...document.querySelectorAll(
    'button, .v-btn, [role=tab], [role=button], a[href], .modebar-btn, .v-input--switch .v-input--selection-controls__input')]
    .filter(e => e.checkVisibility({visibilityProperty: true}) && !e.closest('.v-window-item:not(.v-window-item--active)')
                 && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0);
  const covered = [];
  for (const el of controls) {
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const name = (el.innerText || el.getAttribute('data-title') || el.getAttribute('aria-label') || el.className).trim().slice(0, 40);
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) { covered.push(name + ' — off screen'); continue; }
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(hit === el || el.contains(hit))) {
      covered.push(name + ' — under ' + (hit ? (hit.className.toString() || hit.tagName).slice(0, 60) : 'nothing'));
    }
  }
  return covered;
}"""
ENGLISH_CONTROLS = ("Rows per page", "Download plot", "Produced with", "Share chart", "This website runs on", "Zoom in")


@pytest.fixture(scope="module")
def server():
    with solara_server(APP, env=DASHBOARD_ENV, args=["--no-check-version"]) as url:
        yield url


def _open(browser, server: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_role("button", name="実行").wait_for()
    page.wait_for_timeout(1000)
    return context, page


def _tab(page, name: str) -> None:
    open_tab(page, name, settle_ms=500)
    # the tab's content slides in; a control is where it is drawn once it has stopped
    page.wait_for_function("() => !document.querySelector('.v-window__container--is-active')")
    page.wait_for_timeout(300)


def _no_covered_controls(page, where: str) -> None:
    covered = page.evaluate(COVERED)
    assert covered == [], f"{where}: controls that cannot be clicked where they are drawn: {covered}"


def _scroller(page):
    """The element the page scrolls in (Solara's layout scrolls inside itself)."""
    return page.evaluate_handle(
        "() => [...document.querySelectorAll('*')].find(e => e.scrollHeight > e.clientHeight + 50"
        " && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)) || document.scrollingElement"
    )


def _pdf_pages(browser, html: str, shot: str | None = None) -> int:
    """Pages of ``html`` printed to PDF on A4 by Chromium, as a council member would print it;
    ``shot`` names a screenshot of it as printed (A4 at 96 dpi)."""
    page = browser.new_page(viewport={"width": 794, "height": 1123})
    page.set_content(html)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    if shot:
        page.emulate_media(media="print")
        screenshot(page, shot)
    page.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("size", list(SIZES))
def test_every_control_can_be_clicked_and_the_page_speaks_japanese(browser, server, size):
    context, page = _open(browser, server, SIZES[size])
    try:
        shot = f"planner-layout-{size}"
        assert "This website runs on" not in page.inner_text("body")  # Solara's badge is gone
        _tab(page, "1. 町を描く")
        screenshot(page, f"{shot}-1-town")
        _no_covered_controls(page, "town")
        _tab(page, "2. シナリオ")
        screenshot(page, f"{shot}-2-scenarios")
        _no_covered_controls(page, "scenarios")
        assert "add_participation_venues" not in page.inner_text("body")  # no internal identifiers in lists

        two = size == "1280x720"  # one size compares two scenarios, the others the seven preselected
        if two:
            _choose_only(page, TWO)
        _run_one_year_two_replications(page)
        page.locator(".js-plotly-plot g.trace").first.wait_for(state="attached")
        page.wait_for_timeout(1500)
        screenshot(page, f"{shot}-3-results")

        pivot = page.locator("table.pivot").first
        columns = pivot.locator("thead th").all_inner_texts()
        assert columns[0] == "指標" and columns[1] == "現状（ベースライン）（基準）"
        assert len(columns) == 1 + (2 if two else 7)
        assert pivot.locator("tbody tr").count() == 7
        _no_covered_controls(page, "results")
        titles = page.evaluate(
            "() => [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))"
        )
        assert titles and all(re.search(r"[ぁ-んァ-ヶ一-龥]", t) for t in titles), titles  # the toolbar in Japanese
        assert page.locator(".modebar-btn--logo").count() == 0  # no link to plotly's site

        # The 比較の条件 card stays in sight while the results scroll.
        scroller = _scroller(page)
        scroller.evaluate("e => e.scrollBy(0, 900)")
        page.wait_for_timeout(300)
        assert scroller.evaluate("e => e.scrollTop") >= 500  # the results did scroll
        top = page.evaluate(
            "s => document.querySelector('.conditions-card').getBoundingClientRect().top"
            " - Math.max(0, s.getBoundingClientRect().top)",
            scroller,
        )
        assert -12 <= top <= 20, f"the card scrolled away (top at {top} px)"  # a few px at the page's very end
        run = page.get_by_role("button", name="実行").bounding_box()
        assert run["y"] >= 0 and run["y"] + run["height"] <= SIZES[size][1]  # and its 実行 button with it
        screenshot(page, f"{shot}-4-scrolled")
        _scroller(page).evaluate("e => e.scrollTo(0, 0)")

        for section in ("実際と把握の推移", "把握の経路", "待機と負担", "類型別", "協議会"):
            _tab(page, section)
            page.wait_for_timeout(800)
            screenshot(page, f"{shot}-5-{section}")
            _no_covered_controls(page, section)
        _tab(page, "このモデルでわかること")
        _no_covered_controls(page, "about")

        text = page.inner_text("body")
        assert not [w for w in ENGLISH_CONTROLS if w in text]

        _tab(page, "3. 比較結果")
        _tab(page, "早期発見と深刻化")
        with page.expect_download() as info:
            page.get_by_role("button", name="議会資料用の1枚まとめ（HTML・印刷可）").click()
        summary = info.value.path().read_text(encoding="utf-8")
        assert "docs/" not in summary and "http" not in summary
        pages = _pdf_pages(browser, summary, f"{shot}-6-summary")
        assert pages == 1, f"the summary of {2 if two else 7} scenarios is not one A4 page"
    finally:
        context.close()


@pytest.mark.parametrize("over_sets", [False, True], ids=["defaults", "ensemble"])
def test_the_summary_of_seven_scenarios_with_every_difference_clear_is_one_page(browser, over_sets):
    """The longest summary the page can write: seven scenarios, every headline difference clear (and, over
    an ensemble of parameter sets, the sentences saying so)."""
    import pandas as pd

    from dashboards.export import summary_html
    from dashboards.running import Outcome, RunRequest
    from sim.compare import HEADLINE_METRICS, compare_table
    from sim.runner import RunResult

    names = ["baseline", *(f"plan_{i}" for i in range(6))]
    runs = []
    for r in range(5):
        for k, name in enumerate(names):
            values = {"cases": 800.0, "cases_beyond_time": 800.0, "unreached_share": 0.5 - 0.03 * k + 0.001 * r}
            values |= {m: 0.3 + 0.02 * k + 0.001 * r for m in HEADLINE_METRICS if m not in values}
            values["median_weeks_to_detection"] = 20 - k + 0.1 * r
            values["complex_household_weeks_per_1000"] = 4000 - 150 * k + r
            summary = pd.DataFrame({"household_type": "all", "metric": list(values), "value": list(values.values())})
            runs.append(RunResult(name, "t", r, r, pd.DataFrame(), pd.DataFrame(), summary, pd.DataFrame()))
    titles = {
        n: ("重層的支援体制整備事業（フル実施）と居住支援・参加支援の組み合わせ" if n != "baseline" else "現状")
        for n in names
    }
    titles = {n: (f"{t}{i}", t) for i, (n, t) in enumerate(titles.items())}
    request = RunRequest("neighbourhood", tuple(names), 10, 5, 0)
    outcome = Outcome(request, compare_table(runs, names), runs, titles, "中規模市（沖縄市規模、約59,000世帯）", 1.0)
    outcome.households, outcome.finished, outcome.version = 59_000, "2026-01-01T10:00", "0.1.0"
    if over_sets:
        outcome.parameters = {"kind": "ensemble", "sets": 200, "title": "national ensemble"}
    html = summary_html(outcome, "ja").decode()
    assert ("較正で受け入れた 200 組" if over_sets else "既定のパラメータ") in html
    lines = re.findall(r"<li>(.*?)</li>", html)
    assert len(lines) == 6 and all("ほか4件" in line for line in lines)  # seven clear differences each: three told
    shot = "planner-layout-summary-longest" + ("-ensemble" if over_sets else "")
    assert _pdf_pages(browser, html, shot) == 1


def _run_one_year_two_replications(page) -> None:
    """A small comparison of what is chosen, run until its headline section shows."""
    _slide_to(page, "年数", 1)
    _slide_to(page, "反復回数", 2)
    page.wait_for_timeout(1000)  # the last key press reaches the server
    page.get_by_role("button", name="実行").click()
    page.get_by_text("早期発見と深刻化（基準との差）").wait_for(timeout=RUN_TIMEOUT_MS)


def test_a_saved_comparison_opens_again_in_a_fresh_page(browser, server, tmp_path):
    context, page = _open(browser, server, SIZES["1600x1000"])
    try:
        _choose_only(page, TWO)
        _run_one_year_two_replications(page)
        expected = page.locator("table.pivot").first.inner_text()
        with page.expect_download() as info:
            page.get_by_role("button", name="比較をまるごと保存（プロジェクトファイル）").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert saved.name == "project_neighbourhood_1y_2r_seed0.zip"
    finally:
        context.close()
    context, page = _open(browser, server, SIZES["1280x720"])
    try:
        _tab(page, "3. 比較結果")
        page.locator(".scenario-upload", has_text="保存した比較を開く").locator("input[type=file]").set_input_files(
            str(saved)
        )
        page.get_by_text("保存した比較（中学校区（約3,000世帯）").wait_for()
        page.get_by_text("早期発見と深刻化（基準との差）").wait_for()  # the results, without running again
        assert page.locator("table.pivot").first.inner_text() == expected
        assert page.get_by_role("slider", name="年数").get_attribute("aria-valuenow") == "1"
        assert page.get_by_role("slider", name="反復回数").get_attribute("aria-valuenow") == "2"
        assert TWO in page.locator(".conditions-card").inner_text()
        screenshot(page, "planner-layout-opened-project")
    finally:
        context.close()
