"""Seconds from clicking 実行 to the first figure, for a 10-year, 20-replication comparison of two scenarios.

Not a test (pytest does not collect it): a measurement to run by hand, from the repository root,
on an otherwise idle machine::

    PYTHONPATH=. .venv/bin/python tests/browser/speed_e2e.py [--years 10] [--replications 20] [--wait 20]

``--wait`` is how long the planner "fills in the form" after the page loads, before clicking.
Prints the load average before and after, the compute time the page reports, and the time from the
end of the compute to the first figure.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.cli import DASHBOARD_ENV
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, solara_server
from tests.browser.test_planner_dashboard import _choose_only, _slide_to


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds between page load and the click")
    parser.add_argument("--screenshot", help="save a screenshot of the results here")
    parser.add_argument("--requests", action="store_true", help="list the requests made after the click")
    args = parser.parse_args()
    with solara_server(ROOT / "dashboards" / "app.py", env=DASHBOARD_ENV) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(600_000)
        clicked = [0.0]
        requests: list[tuple[float, str]] = []
        page.on("request", lambda r: clicked[0] and requests.append((time.time() - clicked[0], r.url)))
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.get_by_role("button", name="実行").wait_for()
        _choose_only(page, "断らない相談支援（ワンストップ窓口）")
        _slide_to(page, "年数", args.years)
        _slide_to(page, "反復回数", args.replications)
        time.sleep(args.wait)
        print("load average before:", loadavg())
        clicked[0] = t = time.time()
        page.get_by_role("button", name="実行").click()
        page.get_by_text("回のシミュレーション").first.wait_for()
        page.get_by_text("回のシミュレーション").first.wait_for(state="detached")
        gone = time.time() - t
        page.get_by_text("早期発見と深刻化（基準との差）").wait_for()
        heading = time.time() - t
        page.locator(".js-plotly-plot").first.wait_for()
        first_plot = time.time() - t
        try:
            page.locator(".js-plotly-plot g.trace").first.wait_for(state="attached", timeout=30_000)  # drawn
        except Exception:
            print("browser errors so far:", errors)
            raise
        drawn = time.time() - t
        text = page.get_by_text("計算時間").last.inner_text()
        compute = float(re.search(r"計算時間\s*([\d.]+)", text).group(1))
        print(
            f"progress gone {gone:.1f} s, heading {heading:.1f} s, first plot {first_plot:.1f} s, drawn {drawn:.1f} s"
        )
        # beyond the compute: the click reaching the server (≈0.2 s), then results to screen
        print(f"compute (page) {compute:.1f} s, drawn − compute {drawn - compute:.1f} s")
        for at, u in requests if args.requests else ():
            print(f"  request at {at:5.1f} s: {u[:100]}")
        for message in errors:
            print("  browser error:", message)
        if args.screenshot:
            page.locator(".js-plotly-plot").first.screenshot(path=args.screenshot)
        print("load average after:", loadavg())
        browser.close()


if __name__ == "__main__":
    main()
