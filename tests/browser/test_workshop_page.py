"""The workshop page (研修モード) served by ``solara run`` and driven in headless Chromium, as a trainer uses it.

One server for the module; each test opens its own room. Screenshots go to out/test-artifacts/
(workshop-*.png), with the downloaded handouts, their PDFs and the measured play pace.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import statistics

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, OutsideRequests, screenshot, solara_server
from tests.test_workshop import pdf_pages

PAGE = ROOT / "dashboards" / "workshop.py"
PROJECTORS = [(1280, 720), (1024, 768)]
STORY = "公営住宅のごみ屋敷とネコ20匹"

# Every part of the presentation that must be on the screen, and every mark of each picture that
# must be inside its picture: [what, element box, box it must be in] for each that is not.
OFF_SCREEN = """() => {
  const view = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
  const problems = [];
  let checked = 0;
  const inside = (r, b, what) => {
    if (r.width === 0 && r.height === 0) return;
    checked++;
    if (r.left < b.left - 1 || r.top < b.top - 1 || r.right > b.right + 1 || r.bottom > b.bottom + 1)
      problems.push([what, [r.left, r.top, r.right, r.bottom].map(Math.round), [b.left, b.top, b.right, b.bottom].map(Math.round)]);
  };
  for (const sel of [".workshop-week", ".workshop-next", ".workshop-play", ".workshop-banner", ".workshop-caption", ".js-plotly-plot"])
    document.querySelectorAll(sel).forEach((e) => inside(e.getBoundingClientRect(), view, sel));
  document.querySelectorAll(".js-plotly-plot").forEach((gd, k) => {
    const fig = gd.getBoundingClientRect();
    const marks = [".scatterlayer .point", ".scatterlayer .textpoint text", ".scatterlayer path.js-line",
                   ".shapelayer path", ".annotation-text", ".gtitle"].join(", ");
    gd.querySelectorAll(marks).forEach((e) => {
      inside(e.getBoundingClientRect(), fig, `picture ${k}: ${e.getAttribute("class") || e.tagName}`);
    });
  });
  return {problems, checked, scrolled: window.scrollY};
}"""

# The pixel sizes of each picture's house numbers and people.
SIZES = """() => Array.from(document.querySelectorAll(".js-plotly-plot")).map((gd) => {
  const traces = gd.querySelectorAll(".scatterlayer .trace");
  const houses = gd._fullData.findIndex((t) => t.name === "houses");
  const residents = gd._fullData.findIndex((t) => t.name === "residents");
  const numbers = Array.from(traces[houses].querySelectorAll(".textpoint text")).map((t) => parseFloat(getComputedStyle(t).fontSize));
  return {numbers: Math.min(...numbers), count: numbers.length, people: gd._fullData[residents].marker.size};
})"""

# Records every change of the week shown, with the browser's clock.
WATCH_WEEKS = """() => {
  window.__weeks = [];
  let last = null;
  const tick = () => {
    const el = document.querySelector(".workshop-week");
    if (el && el.innerText !== last) { last = el.innerText; window.__weeks.push([last, performance.now()]); }
    requestAnimationFrame(tick);
  };
  tick();
}"""


@pytest.fixture(scope="module")
def workshop_url():
    with solara_server(PAGE) as url:
        yield url


def _open(page_factory, url, viewport=(1280, 720)):
    page = page_factory(viewport=viewport)
    page.goto(url)
    page.locator(".workshop-next").wait_for()
    page.locator(".js-plotly-plot .scatterlayer").first.wait_for()
    page.wait_for_url(re.compile(r"room="))
    return page


def _open_presenter(screen):
    """The presenter view, opened in a new tab from the projected page's link (its requests recorded too)."""
    outside = OutsideRequests()
    screen.context.on("request", outside)
    with screen.context.expect_page() as opened:
        screen.locator(".workshop-presenter-link").click()
    presenter = opened.value
    presenter.outside = outside
    presenter.locator(".workshop-next").wait_for()
    return presenter


def _week(page) -> str:
    return page.locator(".workshop-week").first.inner_text()


def _wait_week(page, week: int, timeout: float = 30_000) -> None:
    page.locator(".workshop-week", has_text=re.compile(rf"^(第{week}週|Week {week})$")).first.wait_for(timeout=timeout)


def _settled(page, panels: int, caption: str) -> None:
    """Wait until the page shows ``panels`` pictures drawn to their box and the captions of the week."""
    page.locator(".workshop-caption", has_text=caption).first.wait_for()
    page.wait_for_function(
        """(n) => {
          const figs = document.querySelectorAll(".js-plotly-plot");
          const box = document.querySelector(".workshop-box-probe");
          if (figs.length !== n || !box || window.scrollY !== 0) return false;
          const b = box.getBoundingClientRect();
          return Array.from(figs).every((f) => Math.abs(f.getBoundingClientRect().height - b.height) <= 2);
        }""",
        arg=panels,
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # plotly's last redraw


def _start_story(page, title: str = STORY) -> None:
    page.locator(".v-select").first.click()
    page.get_by_role("option", name=title).click()
    page.get_by_role("button", name="ストーリーを始める").click()
    page.locator(".workshop-banner", has_text=title).wait_for()


def _assert_on_one_screen(page, min_number_px: float) -> None:
    result = page.evaluate(OFF_SCREEN)
    assert result["scrolled"] == 0
    assert result["checked"] > 300  # the marks of the pictures were found
    assert result["problems"] == []
    for picture in page.evaluate(SIZES):
        assert picture["count"] == 80 and picture["numbers"] >= min_number_px
        assert picture["people"] >= 5.0


@pytest.mark.parametrize("viewport", PROJECTORS, ids=[f"{w}x{h}" for w, h in PROJECTORS])
def test_picture_caption_and_next_step_fit_a_projector_with_nothing_cut_off(page_factory, workshop_url, viewport):
    w, h = viewport
    page = _open(page_factory, workshop_url, viewport)
    _settled(page, 1, "第0週：")
    _assert_on_one_screen(page, min_number_px=22)
    screenshot(page, f"workshop-{w}x{h}-town")

    _start_story(page)
    page.keyboard.press("ArrowRight")  # the first chapter, to week 13
    _wait_week(page, 13)
    _settled(page, 2, "第13週：")
    _assert_on_one_screen(page, min_number_px=15 if w < 1280 else 16.5)
    assert page.locator(".workshop-banner").inner_text().startswith("第1章")
    screenshot(page, f"workshop-{w}x{h}-story")
    assert page.outside.urls == []


def test_the_picture_grows_on_a_larger_screen(page_factory, workshop_url):
    page = _open(page_factory, workshop_url, (1600, 1000))
    page.get_by_text("あり・なしを並べる").click()
    _settled(page, 2, "第0週：")
    _assert_on_one_screen(page, min_number_px=20)
    screenshot(page, "workshop-1600x1000-side-by-side")


def test_keys_step_and_play(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.keyboard.press("ArrowRight")
    _wait_week(page, 1)
    page.keyboard.press("Space")
    _wait_week(page, 2)
    page.get_by_role("button", name="1週すすめる").click()  # a focused button: space must not press it too
    _wait_week(page, 3)
    page.keyboard.press(" ")
    _wait_week(page, 4)
    page.wait_for_timeout(500)
    assert _week(page) == "第4週"
    page.keyboard.press("p")
    page.locator(".workshop-play", has_text="一時停止").wait_for()
    _wait_week(page, 5, timeout=5_000)  # weeks pass by themselves
    page.keyboard.press("P")
    page.locator(".workshop-play", has_text="再生").wait_for()
    paused = _week(page)
    page.wait_for_timeout(2_600)  # two play intervals: nothing moves while paused
    assert _week(page) == paused
    screenshot(page, "workshop-keys")


def test_the_presenter_view_follows_the_projected_page_and_drives_it(page_factory, workshop_url):
    screen = _open(page_factory, workshop_url)
    presenter = _open_presenter(screen)
    presenter.set_viewport_size({"width": 1280, "height": 1000})
    assert re.search(r"room=[^&]+&view=presenter", presenter.url)

    _start_story(presenter, "障害のある子と支援を拒む親")  # started on the presenter view …
    screen.locator(".workshop-banner", has_text="障害のある子と支援を拒む親").wait_for()  # … shown on the screen
    presenter.get_by_role("button", name="次の章へ").click()
    _wait_week(screen, 13)
    _wait_week(presenter, 13)
    notes = presenter.locator(".workshop-notes")
    notes.wait_for()
    assert "まとめ" in notes.inner_text()  # the facilitator notes, on the presenter view only
    assert presenter.get_by_text("問い", exact=True).first.is_visible()
    assert screen.locator(".workshop-notes").count() == 0 and "進行役メモ" not in screen.locator("body").inner_text()
    _settled(screen, 2, "第13週：")
    screenshot(presenter, "workshop-presenter")
    screenshot(screen, "workshop-presenter-screen")

    screen.keyboard.press("ArrowRight")  # the screen's keyboard moves the presenter view too
    _wait_week(presenter, 39)
    presenter.keyboard.press("p")
    screen.locator(".workshop-play", has_text="一時停止").wait_for()
    _wait_week(screen, 40, timeout=5_000)
    presenter.locator(".workshop-play").click()
    screen.locator(".workshop-play", has_text="再生").wait_for()
    assert _week(screen) == _week(presenter)
    assert screen.outside.urls == [] and presenter.outside.urls == []


def test_play_keeps_a_week_every_1_2_seconds(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.get_by_text("あり・なしを並べる").click()  # two towns: the heavier page
    _settled(page, 2, "第0週：")
    page.evaluate(WATCH_WEEKS)
    page.keyboard.press("p")
    _wait_week(page, 13, timeout=40_000)
    page.keyboard.press("p")
    weeks = page.evaluate("window.__weeks")
    times = [t / 1000 for _, t in weeks[2:]]  # from week 1 on
    gaps = [b - a for a, b in itertools.pairwise(times)]
    load = os.getloadavg()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "workshop-play-pace.json").write_text(
        json.dumps({"intervals_s": [round(g, 3) for g in gaps], "mean_s": statistics.mean(gaps), "load": load}),
        encoding="utf-8",
    )
    shown = [w for w, _ in weeks[1:]]
    assert shown == [f"第{i}週" for i in range(1, len(shown) + 1)]  # every week shown, none skipped
    assert len(gaps) >= 10
    assert statistics.mean(gaps) == pytest.approx(1.2, abs=0.2), (gaps, load)
    assert statistics.median(gaps) == pytest.approx(1.2, abs=0.2), (gaps, load)


def test_switch_a_function_off_side_by_side(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    for week in (1, 2):
        page.keyboard.press("ArrowRight")
        _wait_week(page, week)
    page.get_by_text("あり・なしを並べる").click()
    page.locator(".workshop-caption").nth(1).wait_for()  # two panels, two captions
    page.get_by_text("参加の場（サロン・居場所）", exact=True).click()  # below the projected screen
    page.get_by_text("なし：参加の場（サロン・居場所）").first.wait_for()  # the right-hand town lost its venues
    assert page.locator(".workshop-caption").count() == 2
    assert page.locator(".workshop-caption").first.inner_text().startswith("第2週：")  # replayed to the same week
    page.evaluate("window.scrollTo(0, 0)")
    _settled(page, 2, "第2週：")
    _assert_on_one_screen(page, min_number_px=16.5)
    screenshot(page, "workshop-toggle-places-off")
    assert page.outside.urls == []


def _download(page, name: str) -> str:
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name=re.compile(name)).click()
    path = ARTIFACTS / download.value.suggested_filename
    download.value.save_as(path)
    return path.read_text(encoding="utf-8")


def _print_pages(page_factory, text: str, name: str) -> int:
    printer = page_factory(viewport=(900, 1200))
    printer.set_content(text, wait_until="load")
    screenshot(printer, name)
    pdf = ARTIFACTS / f"{name}.pdf"
    printer.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    return pdf_pages(pdf.read_bytes())


def test_the_handouts_print_on_few_a4_pages_and_only_the_facilitators_has_the_notes(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    _start_story(page)
    for week in (13, 39, 78, 104):
        page.keyboard.press("ArrowRight")
        _wait_week(page, week)
    participants = _download(page, "配布資料（参加者用")
    assert "進行役メモ" not in participants and "章と問い" in participants
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", participants)
    assert len(images) == 8  # two towns at the end of each chapter
    assert _print_pages(page_factory, participants, "workshop-handout") <= 3  # 7 pages before

    presenter = _open_presenter(page)
    presenter.locator(".workshop-notes").wait_for()
    facilitator = _download(presenter, "進行役用の資料")
    assert "進行役メモ" in facilitator
    assert _print_pages(page_factory, facilitator, "workshop-handout-facilitator") <= 4
    assert page.outside.urls == [] and presenter.outside.urls == []


def test_the_page_in_english(page_factory, workshop_url):
    page = _open(page_factory, workshop_url)
    page.locator(".workshop-language").click()
    page.get_by_role("button", name="Next week").click()
    page.locator(".workshop-caption", has_text="Week 1: ").first.wait_for()
    assert page.get_by_text("Places to take part").is_visible()  # the switches speak English too
    _settled(page, 1, "Week 1: ")
    screenshot(page, "workshop-english")
