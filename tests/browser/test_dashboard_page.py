"""The planner's dashboard served by ``solara run`` and opened in headless Chromium."""

from __future__ import annotations

from tests.browser.conftest import ROOT, screenshot, solara_server


def test_dashboard_loads_with_nothing_from_outside(page_factory):
    with solara_server(ROOT / "dashboards" / "app.py") as url:
        page = page_factory()
        page.goto(url)
        page.get_by_text("実行").first.wait_for()
        screenshot(page, "dashboard-loaded")
        assert page.outside.urls == []
