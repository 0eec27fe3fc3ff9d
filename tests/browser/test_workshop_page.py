"""The workshop page (研修モード) served by ``solara run`` and driven in headless Chromium.

One server for the module; each test opens its own page (its own session). Screenshots go to
out/test-artifacts/ (workshop-*.png) with the downloaded handout.
"""

from __future__ import annotations

import base64
import re

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, screenshot, solara_server

PAGE = ROOT / "dashboards" / "workshop.py"


@pytest.fixture(scope="module")
def workshop_url():
    with solara_server(PAGE) as url:
        yield url


def _open(page_factory, url):
    page = page_factory(viewport=(1700, 1150))
    page.goto(url)
    page.get_by_role("button", name="1週すすめる").wait_for()
    return page


def _caption(page) -> str:
    return page.locator(".workshop-caption").first.inner_text()


def test_step_and_toggle_a_function_side_by_side(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.get_by_role("button", name="1週すすめる").click()
    page.locator(".workshop-caption", has_text="第1週：").first.wait_for()
    assert page.get_by_text("第1週").first.is_visible()
    page.get_by_role("button", name="1週すすめる").click()
    page.locator(".workshop-caption", has_text="第2週：").first.wait_for()
    screenshot(page, "workshop-step")

    page.get_by_text("あり・なしを並べる").click()
    page.locator(".workshop-caption").nth(1).wait_for()  # two panels, two captions
    page.get_by_text("参加の場", exact=True).click()
    page.get_by_text("なし：参加の場").first.wait_for()  # the right-hand town lost its venues
    assert page.locator(".workshop-caption").count() == 2
    assert "第2週：" in _caption(page)  # replayed to the same week
    screenshot(page, "workshop-toggle-places-off")
    assert page.outside.urls == []


def test_a_story_runs_to_its_end(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.locator(".v-select").first.click()
    page.get_by_role("option", name="障害のある子と支援を拒む親").click()
    page.get_by_role("button", name="ストーリーを始める").click()
    page.get_by_role("button", name="次の章へ").wait_for()
    for number, lesson in enumerate(
        ("利用者と向き合う", "アセスメントを共有し共感する", "協働者の課題に向き合う", "協議の場へ"), start=1
    ):
        page.get_by_role("button", name="次の章へ").click()
        page.get_by_role("heading", name=re.compile(f"第{number}章 {lesson}")).wait_for()
        if number == 1:
            page.get_by_text("進行役メモ").click()  # the facilitator's notes open
            page.get_by_text("まとめの1").first.wait_for()
            screenshot(page, "workshop-story-chapter1")
    page.get_by_text("ストーリーはここまでです").wait_for()
    assert page.get_by_text("第104週").first.is_visible()
    screenshot(page, "workshop-story-end")
    assert page.outside.urls == []


def test_export_the_handout(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    for week in (1, 2, 3):
        page.get_by_role("button", name="1週すすめる").click()
        page.locator(".workshop-caption", has_text=f"第{week}週：").first.wait_for()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=re.compile("配布資料を書き出す")).click()
    path = ARTIFACTS / "workshop-handout.html"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert images and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "研修の記録" in text and "経過" in text
    handout_page = page_factory(viewport=(1300, 1000))
    handout_page.goto(path.as_uri())
    screenshot(handout_page, "workshop-handout")
    assert page.outside.urls == []


def test_play_pause_and_the_english_switch(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.get_by_role("button", name="再生").click()
    page.locator(".workshop-caption", has_text="第2週：").first.wait_for()
    page.get_by_role("button", name="一時停止").click()
    page.get_by_role("button", name="再生").wait_for()
    paused = _caption(page).split("：")[0]
    page.wait_for_timeout(2500)  # two play intervals: nothing moves while paused
    assert _caption(page).split("：")[0] == paused
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Next week").click()
    page.locator(".workshop-caption", has_text="Week ").first.wait_for()
    assert page.get_by_text("Places to take part").is_visible()  # the switches speak English too
    screenshot(page, "workshop-english")
