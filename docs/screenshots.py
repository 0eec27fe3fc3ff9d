"""Make the screenshots of docs/guide-ja.md from the dashboard's browser walk-through.

    .venv/bin/python docs/screenshots.py [YEARS REPLICATIONS]

Runs tests/browser/test_planner_dashboard.py against a real server in headless Chromium with a
longer comparison than the test's default (5 years, 5 replications) and copies its screenshots
from out/test-artifacts/ to docs/images/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "out" / "test-artifacts"
IMAGES = ROOT / "docs" / "images"


def main(argv: list[str]) -> int:
    """Run the walk-through and copy its screenshots; returns pytest's exit status."""
    years, replications = argv[:2] if len(argv) >= 2 else ("5", "5")
    env = {**os.environ, "DASHBOARD_WALK_RUN": f"{int(years)},{int(replications)}"}
    for old in ARTIFACTS.glob("planner-*.png"):  # only this run's screenshots go to the guide
        old.unlink()
    test = ROOT / "tests" / "browser" / "test_planner_dashboard.py"
    status = subprocess.call([sys.executable, "-m", "pytest", str(test), "-x", "-q"], cwd=ROOT, env=env)
    if status != 0:
        return status
    IMAGES.mkdir(parents=True, exist_ok=True)
    for png in sorted(ARTIFACTS.glob("planner-*.png")):
        shutil.copy2(png, IMAGES / png.name)
        print(IMAGES / png.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
