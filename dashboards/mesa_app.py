"""The model in Mesa's own ``SolaraViz``, for Mesa users (the planners' and trainers' pages are elsewhere).

Start it with ``solara run dashboards/mesa_app.py`` (or ``make mesa-viz``). The controls are
the model's own parameters (scenario, town, seed, warm-up); the plots are weekly columns
of the model's ``DataCollector``, by name, drawn by Mesa's ``make_plot_component``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `solara run dashboards/mesa_app.py` runs this file as a script
    sys.path.insert(0, str(ROOT))

from mesa.visualization import SolaraViz, make_plot_component  # noqa: E402

from dashboards import serving  # noqa: E402
from sim.config import bundled_names  # noqa: E402
from sim.model import CommunityModel  # noqa: E402
from sim.vocabulary import STAGE_COLOURS  # noqa: E402

serving.configure()  # like the other pages: only its own origin, and closed sessions culled

MODEL_PARAMS = {
    "scenario": {"type": "Select", "value": "baseline", "values": bundled_names("scenarios"), "label": "Scenario"},
    "town": {"type": "Select", "value": "workshop", "values": bundled_names("towns"), "label": "Town"},
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
    "warmup_weeks": {
        "type": "SliderInt",
        "value": 0,
        "min": 0,
        "max": 520,
        "step": 52,
        "label": "Warm-up (weeks)",
    },
}

# Named weekly columns (datacollector.model_reporters): households by true stage, and what the municipality knows.
TRUE_STAGES = {f"true_{stage}": STAGE_COLOURS[i] for i, stage in enumerate(("latent", "manifest", "complex"), 1)}
KNOWN_STAGES = {f"known_{stage}": STAGE_COLOURS[i] for i, stage in enumerate(("latent", "manifest", "complex"), 1)}
SERVICES = {"supported": "#4c72b0", "waiting_list": "#c44e52", "waiting_intake": "#dd8452"}


def make_model(scenario: str = "baseline", town: str = "workshop", seed: int = 1, warmup_weeks: int = 0):
    """A model as the page's controls describe it (Mesa's SolaraViz builds it again on Reset)."""
    return CommunityModel(scenario, town, int(seed), warmup_weeks=int(warmup_weeks))


model = make_model()
page = SolaraViz(
    model,
    components=[
        make_plot_component(TRUE_STAGES),
        make_plot_component(KNOWN_STAGES),
        make_plot_component(SERVICES),
    ],
    model_params=MODEL_PARAMS,
    name="community-sim — Mesa SolaraViz",
)
