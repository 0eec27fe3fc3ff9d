"""community-sim: an agent-based simulation of community support in a Japanese town.

Quick use in a notebook::

    from sim import CommunityModel
    model = CommunityModel("stronger_jichikai", town="neighbourhood", seed=1)
    model.run(weeks=520)
    weekly, ledger, summary = model.weekly(), model.ledger(), model.summary()
"""

from sim.config import Scenario, TownProfile, bundled_names, load_scenario, load_town
from sim.model import CommunityModel
from sim.params import ConfigError
from sim.runner import RunResult, run_many, run_once

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
