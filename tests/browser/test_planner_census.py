"""A planner enters their municipality's 国勢調査 figures (as e-Stat gives them) on the town form, at a
projector's sizes (1280×720, 1024×768): the fields are in Japanese with where to read each, a wrong figure
gets a message on its own field, and the town is built to the figures entered.

Screenshots go to out/test-artifacts/planner-census-<size>-<step>.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sim.cli import DASHBOARD_ENV
from tests.browser.conftest import ARTIFACTS, ROOT, solara_server
from tests.browser.test_planner_layout import _no_covered_controls, _tab

APP = ROOT / "dashboards" / "app.py"
SIZES = {"1280x720": (1280, 720), "1024x768": (1024, 768)}
# An older town than the default, as a planner copies e-Stat's counts. Illustrative figures, not a real
# municipality's. Each is typed in full-width digits (a Japanese input method), which the page shows back in
# half-width once it has taken the entry in: the test types the next entry only then, as a planner would.
OLDER_TOWN = {
    "世帯数": "12000",
    "0〜14歳の人口（人）": "2,497",
    "15〜64歳の人口（人）": "13997",
    "65歳以上の人口（人）": "11,506",
    "単独世帯（世帯）": "3900",
    "夫婦のみの世帯（世帯）": "2900",
    "夫婦と子供から成る世帯（世帯）": "2300",
    "ひとり親と子供から成る世帯（世帯）": "1100",
    "三世代世帯（世帯）": "1250",
    "その他の世帯（世帯）": "550",
    "65歳以上の単独世帯（世帯）": "1900",
}
FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
TOO_MANY_ALONE = "65歳以上の単独世帯は、単独世帯の数以下で入れてください。"


def _view(page, name: str) -> None:
    """What the projector shows (the page scrolls inside its layout, so a full-page shot shows the same)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _enter(page, label: str, text: str) -> None:
    """Type ``text`` in full-width digits into the field ``label`` and wait until the page has taken it in.

    Each entry is checked on the server as it is typed (about 0.2 s, more on a busy machine). The page
    shows the entry back in half-width digits once it has it; an entry typed into a field while the page
    is still re-drawing that field for an earlier one can be lost (Solara's text field), so, as a planner
    does, the next entry waits for that.
    """
    field = page.get_by_label(label, exact=True)
    field.fill(text.translate(FULL_WIDTH))
    field.press("Enter")
    expect(field).to_have_value(text, timeout=60_000)


@pytest.fixture(scope="module")
def server():
    with solara_server(APP, env=DASHBOARD_ENV, args=["--no-check-version"]) as url:
        yield url


@pytest.mark.parametrize("size", list(SIZES))
def test_a_planner_enters_e_stat_figures_and_the_town_follows_them(browser, server, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server)
        page.get_by_role("button", name="実行").wait_for()
        _tab(page, "1. 町を描く")
        heading = page.get_by_text("国勢調査の数字（e-Stat）", exact=True)
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        _view(page, f"planner-census-{size}-0-form")
        where = page.get_by_text("で市区町村を選び、次の3つの表の数をそのまま入れます")  # which tables to read
        expect(where).to_be_in_viewport()

        for label, text in OLDER_TOWN.items():
            _enter(page, label, text)
        status = page.get_by_text("この町で比較します")
        expect(status).to_contain_text("高齢化率41.", timeout=60_000)  # 11,506 of 28,000 (the default: 28.6%)
        expect(status).to_contain_text("12,000世帯")
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        _view(page, f"planner-census-{size}-1-entered")

        alone = page.get_by_label("65歳以上の単独世帯（世帯）", exact=True)
        _enter(page, "65歳以上の単独世帯（世帯）", "5000")  # more than the one-person households
        page.get_by_text(TOO_MANY_ALONE).wait_for()
        expect(page.get_by_text("入力に問題があります。")).to_be_visible(timeout=60_000)
        alone.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(300)
        _view(page, f"planner-census-{size}-2-error")
        _no_covered_controls(page, "town form with a census message")
        _enter(page, "65歳以上の単独世帯（世帯）", "1900")
        page.get_by_text("この町で比較します").wait_for()
        expect(page.get_by_text(TOO_MANY_ALONE)).to_have_count(0)
    finally:
        context.close()
