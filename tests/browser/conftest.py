"""Browser tests: the real Solara pages in headless Chromium, driven by Playwright.

No browser can be downloaded here, so Playwright drives Debian's ``chromium`` package
(``/usr/bin/chromium``, installed by ``.ci/run``). Every test here is marked ``browser`` and
``slow``; ``make test`` runs them. Screenshots go to ``out/test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling out to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def solara_server(
    app: Path | str, timeout: float = 90.0, env: dict[str, str] | None = None, args: list[str] | None = None
) -> Iterator[str]:
    """Serve ``app`` with ``solara run`` on a free loopback port; yields its base URL.

    ``args`` are added to the ``solara run`` command (e.g. ``["--no-check-version"]``).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = ARTIFACTS / f"server-{Path(app).stem}-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--production", "--no-open", *(args or [])]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            _wait_until_serving(url, proc, timeout, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"solara exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"solara did not answer on {url} within {timeout:.0f} s; see {log}")


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `.ci/run` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class OutsideRequests:
    """Every request a page makes that leaves the loopback interface."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            self.urls.append(url)


@pytest.fixture
def page_factory(browser):
    """``page_factory(base_url)``: a fresh page at a desktop size that records requests leaving the machine.

    The page's ``outside`` attribute lists them; a test asserts it is empty.
    """
    contexts = []

    def make(viewport: tuple[int, int] = (1400, 1000), locale: str = "ja-JP"):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.outside = OutsideRequests()
        page.on("request", page.outside)
        page.set_default_timeout(60_000)
        return page

    yield make
    for c in contexts:
        c.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_tab(page, name: str, settle_ms: int = 600, tries: int = 4) -> None:
    """Open the tab ``name`` and keep it open.

    The page echoes every tab choice back from the server; under load the echo of an earlier
    click can arrive after a later one and switch the tab back. So the choice is checked again
    once the echo has had time to arrive, and made again if it was undone.
    """
    tab = page.get_by_role("tab", name=name).first
    for _ in range(tries):
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        page.wait_for_timeout(settle_ms)
        if tab.get_attribute("aria-selected") == "true":
            return
    raise AssertionError(f"the tab {name!r} did not stay open after {tries} clicks")
