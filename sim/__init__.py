"""community-sim: an agent-based simulation of community support in a Japanese town.

Quick use in a notebook::

    from sim import CommunityModel
    model = CommunityModel("stronger_jichikai", town="neighbourhood", seed=1)
    model.run(weeks=520)
    weekly, ledger, summary = model.weekly(), model.ledger(), model.summary()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.config import Scenario, TownProfile, bundled_names, load_scenario, load_town
    from sim.model import CommunityModel
    from sim.params import ConfigError
    from sim.runner import RunResult, run_many, run_once

# Names are imported on first use: `community-sim --help` and the page servers import `sim`
# without paying for numpy, pandas and Mesa.
_HOME = {
    "CommunityModel": "sim.model",
    "ConfigError": "sim.params",
    "RunResult": "sim.runner",
    "Scenario": "sim.config",
    "TownProfile": "sim.config",
    "bundled_names": "sim.config",
    "load_scenario": "sim.config",
    "load_town": "sim.config",
    "run_many": "sim.runner",
    "run_once": "sim.runner",
}

__all__ = [
    "CommunityModel",
    "ConfigError",
    "RunResult",
    "Scenario",
    "TownProfile",
    "bundled_names",
    "load_scenario",
    "load_town",
    "run_many",
    "run_once",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # once imported, found directly
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
