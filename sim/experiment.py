"""Experiment files (TOML): scenarios × replications on one town, reproducible from the file alone.

[experiment]
title = "Community functions against baseline"
town = "neighbourhood"          # bundled name, or a path relative to this file
scenarios = ["baseline", "stronger_jichikai"]   # the first is the reference
years = 10
replications = 20
seed = 2026
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.compare import compare_table, summaries
from sim.config import Scenario, TownProfile, read_toml
from sim.model import DEFAULT_WARMUP_WEEKS
from sim.params import ConfigError, Param, validate_block
from sim.runner import prepare, run_many

EXPERIMENT_PARAMS: dict[str, Param] = {
    "title": Param("experiment", "What the experiment asks.", "Set by the file.", kind="text"),
    "description": Param("", "Longer description.", "Set by the file.", kind="text"),
    "town": Param(
        "neighbourhood", "Town: a bundled name or a path relative to the file.", "Set by the file.", kind="text"
    ),
    "years": Param(10.0, "Years simulated after the warm-up.", "Set by the file.", low=0.02, high=200.0),
    "warmup_years": Param(
        DEFAULT_WARMUP_WEEKS / 52,
        "Years of warm-up under the reference scenario.",
        "Model structure.",
        low=0.0,
        high=100.0,
    ),
    "replications": Param(10, "Replications (seeds) per scenario.", "Set by the file.", kind="int", low=1, high=10_000),
    "seed": Param(
        0, "Seed from which every replication's seed derives.", "Set by the file.", kind="int", low=0, high=2**63 - 1
    ),
    "jobs": Param(
        1, "Worker processes (results do not depend on it).", "Set by the file.", kind="int", low=1, high=256
    ),
}


@dataclass
class Experiment:
    """A validated experiment file with its scenarios and town loaded."""

    name: str
    file: str
    settings: dict[str, Any]
    scenarios: list[Scenario]
    town: TownProfile


def load_experiment(path: str | Path) -> Experiment:
    """Load and validate an experiment file and everything it names."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise ConfigError(file, "", "no such file")
    raw = read_toml(path)
    for key in raw:
        if key != "experiment":
            raise ConfigError(file, key, "unknown section; allowed: experiment")
    table = dict(raw.get("experiment", {}))
    scenarios = table.pop("scenarios", None)
    if not isinstance(scenarios, list) or not scenarios or not all(isinstance(s, str) for s in scenarios):
        raise ConfigError(file, "experiment.scenarios", "allowed: a non-empty list of scenario names or paths")
    if len(set(scenarios)) != len(scenarios):
        raise ConfigError(file, "experiment.scenarios", "a scenario is listed twice; allowed: distinct scenarios")
    settings = validate_block(EXPERIMENT_PARAMS, table, file, "experiment")
    loaded, town = prepare([_relative(s, path) for s in scenarios], _relative(settings["town"], path))
    return Experiment(path.stem, file, settings, loaded, town)


def _relative(name: str, experiment_file: Path) -> str:
    """A path-like name is taken relative to the experiment file; a bare name is a bundled one."""
    if name.endswith(".toml") or "/" in name:
        return str((experiment_file.parent / name).resolve())
    return name


def run_experiment(experiment: Experiment, jobs: int | None = None, progress: bool = False) -> dict[str, pd.DataFrame]:
    """Run every scenario × replication; returns the ``comparison`` and ``summaries`` tables."""
    s = experiment.settings
    results = run_many(
        experiment.scenarios,
        experiment.town,
        s["years"],
        s["replications"],
        s["seed"],
        jobs=jobs or s["jobs"],
        progress=progress,
        warmup_weeks=round(s["warmup_years"] * 52),
    )
    labels = [sc.name for sc in experiment.scenarios]
    return {"comparison": compare_table(results, labels), "summaries": summaries(results)}
