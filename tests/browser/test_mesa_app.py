"""Mesa's own SolaraViz shows the model (dashboards/mesa_app.py): its controls, named plots, stepping."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT, screenshot, solara_server

pytestmark = pytest.mark.browser


def test_mesa_solaraviz_page_steps_the_model_and_plots_named_weekly_columns(page_factory):
    with solara_server(ROOT / "dashboards" / "mesa_app.py", args=["--no-check-version"]) as url:
        page = page_factory((1280, 900), locale="en-US")
        page.goto(url)
        page.get_by_text("Model Parameters").wait_for()
        for control in ("Scenario", "Town", "Seed", "Warm-up (weeks)"):  # the model's own parameters
            assert page.get_by_text(control, exact=True).count() > 0, control
        page.get_by_text("Time: 0.0").wait_for()
        for _ in range(3):
            page.get_by_role("button", name="Step").click()
        page.get_by_text("Time: 3.0").wait_for()
        page.wait_for_timeout(2000)  # the three plots of named reporters redraw after the steps
        assert page.locator("img").count() >= 3
        assert screenshot(page, "mesa-solaraviz").stat().st_size > 10_000
        assert page.outside.urls == []
