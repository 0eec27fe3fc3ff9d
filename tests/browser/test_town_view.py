"""The town view (町の様子) in headless Chromium: step a week, play, click a household, read its timeline."""

from __future__ import annotations

import re

import numpy as np

from sim.config import load_scenario, load_town
from sim.layout import layout_town
from sim.replay import household_timeline, record
from tests.browser.conftest import ROOT, screenshot, solara_server

PAGE = ROOT / "tests" / "browser" / "town_view_page.py"  # TownView for neighbourhood, baseline, seed 0, 1 year

# Where a data point is on the page: Plotly's axes map data to pixels inside the figure.
POINT_ON_PAGE = """([x, y]) => {
    const gd = document.querySelector('.js-plotly-plot');
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
    return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
}"""


def _household_with_a_story():
    """The household whose stage changes most often in the page's run, and its timeline."""
    rec = record(load_scenario("baseline"), load_town("neighbourhood"), seed=0, weeks=52)
    household = int(np.argmax((np.diff(rec.stage, axis=0) != 0).sum(axis=0)))
    return rec, household, household_timeline(rec, household)


def test_town_view_steps_plays_and_shows_a_clicked_households_timeline(page_factory):
    rec, household, timeline = _household_with_a_story()
    assert len(timeline) >= 2
    layout = layout_town(rec.town.area, rec.town.district, rec.town.venue_area)
    with solara_server(PAGE) as url:
        page = page_factory(viewport=(1400, 1300))
        failed: list[str] = []  # e.g. KaTeX, which solara.Markdown asks for and solara-assets lacks
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(url)
        page.get_by_text("第0週（1年目）／全52週").wait_for(timeout=120_000)
        page.locator(".js-plotly-plot .scatterlayer").first.wait_for()
        page.get_by_text("自治会1", exact=True).first.wait_for()
        screenshot(page, "town-view-loaded")

        page.get_by_role("button", name="1週進む").click()
        page.get_by_text("第1週（1年目）／全52週").wait_for()
        screenshot(page, "town-view-week-1")

        page.get_by_role("button", name="再生").click()
        page.get_by_text(re.compile(r"第[3-9]週（1年目）")).wait_for(timeout=20_000)  # weeks pass by themselves
        page.get_by_role("button", name="一時停止").click()
        page.get_by_role("button", name="再生").wait_for()
        screenshot(page, "town-view-paused")

        x, y = page.evaluate(POINT_ON_PAGE, [float(layout.x[household]), float(layout.y[household])])
        page.mouse.click(x, y)
        page.get_by_text(f"世帯 {household}", exact=True).wait_for(timeout=60_000)
        page.get_by_text("この先").wait_for(timeout=60_000)
        for text in timeline["text"]:
            assert page.get_by_text(text).count() >= 1, text
        screenshot(page, "town-view-household")
        assert page.outside.urls == []
        assert failed == []


def test_town_view_in_english(page_factory):
    with solara_server(PAGE, env={"TOWN_VIEW_LANG": "en"}) as url:
        page = page_factory(locale="en-GB")
        page.goto(url)
        page.get_by_text("Week 0 (year 1) of 52").wait_for(timeout=120_000)
        page.get_by_role("button", name="Forward a week").click()
        page.get_by_text("Week 1 (year 1) of 52").wait_for()
        page.get_by_text("Households this week").wait_for()
        screenshot(page, "town-view-english")
        assert page.outside.urls == []
