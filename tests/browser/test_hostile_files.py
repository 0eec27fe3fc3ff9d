"""Hostile and foreign files in the real dashboard, in headless Chromium (issue 11).

The red team's scenario file, shared by mail, ran JavaScript when loaded (it changed
``document.title``); a Shift-JIS file became mojibake while the command line refused it. Here a
hostile scenario and town are loaded through the real file chooser: their text must show as
text, nothing in them may run, and a Shift-JIS file must be refused with the command line's words.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sim.cli import DASHBOARD_ENV
from sim.config import load_scenario, load_town, scenario_to_toml, town_to_toml
from tests.browser.conftest import ROOT, screenshot, solara_server

APP = ROOT / "dashboards" / "app.py"
PAYLOAD = (
    "<img src=x onerror=\"document.title='pwned-html'\">"
    "{{ constructor.constructor('document.title=\"pwned-vue\"')() }}"
    "[click](javascript:document.title='pwned-link')"
)


@pytest.fixture(scope="module")
def server():
    with solara_server(APP, env=DASHBOARD_ENV, args=["--no-check-version"]) as url:
        yield url


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_role("button", name="実行").wait_for()
    yield page
    context.close()


def _file_input(page, button_text: str):
    return page.locator(".scenario-upload", has_text=button_text).locator("input[type=file]")


def test_a_hostile_scenario_and_town_show_as_text_and_run_nothing(page, tmp_path):
    title = page.title()
    town = load_town("neighbourhood")
    town.profile["town"]["name_ja"] = "悪い町" + PAYLOAD
    town_file = tmp_path / "hostile_town.toml"
    town_file.write_text(town_to_toml(town), encoding="utf-8")
    _file_input(page, "保存した町のファイルを読み込む").set_input_files(str(town_file))
    expect(page.get_by_text("を読み込みました").first).to_be_visible()

    scenario = load_scenario("outreach_team")
    scenario.title_ja = "悪い案" + PAYLOAD
    scenario.description_ja = "説明" + PAYLOAD
    scenario_file = tmp_path / "hostile.toml"
    scenario_file.write_text(scenario_to_toml(scenario), encoding="utf-8")
    page.get_by_role("tab", name="シナリオ").click()
    _file_input(page, "シナリオファイルを読み込む").set_input_files(str(scenario_file))
    listed = page.get_by_text("説明<img src=x", exact=False).first
    expect(listed).to_be_visible()  # the description, as the text it is
    listed.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(1500)  # time for anything injected to run
    screenshot(page, "hostile-scenario")
    assert page.title() == title and not page.dialogs
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "constructor.constructor" in listed.inner_text()


def test_a_shift_jis_file_is_refused_with_the_command_lines_words(page, tmp_path):
    text = (ROOT / "sim" / "scenarios" / "stronger_jichikai.toml").read_text(encoding="utf-8")
    sjis = tmp_path / "sjis_plan.toml"
    sjis.write_bytes(text.encode("shift_jis", errors="replace"))
    page.get_by_role("tab", name="シナリオ").click()
    _file_input(page, "シナリオファイルを読み込む").set_input_files(str(sjis))
    expect(page.get_by_text("save as UTF-8").first).to_be_visible()
    expect(page.get_by_text("sjis_plan.toml").first).to_be_visible()
    bom = tmp_path / "bom_plan.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    _file_input(page, "シナリオファイルを読み込む").set_input_files(str(bom))
    expect(page.get_by_text("を読み込みました").first).to_be_visible()
