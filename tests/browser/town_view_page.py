"""A page with only the town view (町の様子), for the browser test: ``solara run tests/browser/town_view_page.py``.

Environment: TOWN_VIEW_TOWN (default neighbourhood), TOWN_VIEW_SCENARIO (baseline), TOWN_VIEW_YEARS (1),
TOWN_VIEW_LANG (ja).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import solara

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root, for `dashboards`

from dashboards.town_view import TownView
from sim.config import load_scenario, load_town

TOWN = load_town(os.environ.get("TOWN_VIEW_TOWN", "neighbourhood"))
SCENARIO = load_scenario(os.environ.get("TOWN_VIEW_SCENARIO", "baseline"))
YEARS = float(os.environ.get("TOWN_VIEW_YEARS", "1"))
LANG = os.environ.get("TOWN_VIEW_LANG", "ja")


@solara.component
def Page():
    TownView(TOWN, SCENARIO, seed=0, years=YEARS, lang=LANG)
