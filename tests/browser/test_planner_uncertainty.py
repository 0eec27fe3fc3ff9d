"""Parameter uncertainty on the planner dashboard, at a projector (1280×720, 1024×768) in headless Chromium:
the switch in 比較の条件 can be clicked where it is drawn, a comparison over the accepted ensemble says so
in plain Japanese, and the one-page summary says it too and still prints on one A4 page.

The server is started as `community-sim dashboard --parameters FILE` starts it (COMMUNITY_SIM_PARAMETERS).
Screenshots go to out/test-artifacts/planner-uncertainty-<size>-<step>.png.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import DASHBOARD_ENV, DASHBOARD_PARAMETERS_ENV
from sim.parameter_sets import write_parameter_sets
from tests.browser.conftest import ROOT, screenshot, solara_server
from tests.browser.test_planner_dashboard import _choose_only
from tests.browser.test_planner_layout import (
    SIZES,
    TWO,
    _no_covered_controls,
    _open,
    _pdf_pages,
    _run_one_year_two_replications,
    _scroller,
    _tab,
)

APP = ROOT / "dashboards" / "app.py"
SETS = 200
IN_USE = f"パラメータの不確かさを含む（較正で受け入れた {SETS} 組から反復ごとに 1 組）"
SWITCH = "不確かさを含める"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard offering an ensemble of 200 accepted sets (spread around the defaults)."""
    rng = np.random.default_rng(14)
    paths = [f"mechanisms.self_referral.weekly_probability.{s}" for s in ("latent", "manifest", "complex")]
    values = np.array([0.002, 0.01, 0.015]) * rng.uniform(0.5, 1.5, size=(SETS, 3))
    path = tmp_path_factory.mktemp("ensemble") / "national_ensemble.toml"
    write_parameter_sets(path, "Test ensemble", "ensemble", "tests", "abc-smc", paths, values)
    env = {**DASHBOARD_ENV, DASHBOARD_PARAMETERS_ENV: str(path)}
    with solara_server(APP, env=env, args=["--no-check-version"]) as url:
        yield url


@pytest.mark.parametrize("size", ["1280x720", "1024x768"])
def test_a_comparison_over_the_ensemble_says_so_on_the_page_and_in_the_summary(browser, server, size):
    context, page = _open(browser, server, SIZES[size])
    shot = f"planner-uncertainty-{size}"
    try:
        card = page.locator(".conditions-card")
        switch = card.get_by_role("switch", name=SWITCH)
        switch.scroll_into_view_if_needed()
        assert f"{SETS}組の仮定から反復ごとに1組を選び" in card.inner_text()
        screenshot(page, f"{shot}-1-choice")
        _no_covered_controls(page, "conditions")
        card.locator("label", has_text=SWITCH).click()  # as a planner does: on its label
        page.wait_for_timeout(500)
        assert switch.is_checked()
        _choose_only(page, TWO)
        _run_one_year_two_replications(page)
        page.locator(".js-plotly-plot g.trace").first.wait_for(state="attached")
        page.wait_for_timeout(1000)
        assert IN_USE in page.inner_text("body")
        _scroller(page).evaluate("e => e.scrollTo(0, 0)")  # the results' first lines: what ran
        page.wait_for_timeout(300)
        screenshot(page, f"{shot}-2-results")
        _no_covered_controls(page, "results")

        _tab(page, "3. 比較結果")
        with page.expect_download() as info:
            page.get_by_role("button", name="議会資料用の1枚まとめ（HTML・印刷可）").click()
        summary = info.value.path().read_text(encoding="utf-8")
        assert IN_USE in summary and "仮定（効果の大きさなど）の不確かさも含まれます" in summary
        assert _pdf_pages(browser, summary, f"{shot}-3-summary") == 1
    finally:
        context.close()
