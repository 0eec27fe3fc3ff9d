"""A whole comparison in one file: the town, the scenarios, the settings and the results.

A project file is a ZIP archive: ``project.json`` (what was compared and how, with the town and
every scenario as the TOML text the model reads) and one Parquet table per kind of result. It
opens again on the page without running anything, and its town and scenarios are checked by the
model's schema like any file a planner loads.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from dashboards.running import Outcome, RunRequest, model_version
from sim.config import Scenario, TownProfile, load_scenario_text, load_town_text, scenario_to_toml, town_to_toml
from sim.parameter_sets import KINDS
from sim.params import ConfigError
from sim.runner import RunResult

FORMAT = "community-sim comparison"
FORMAT_VERSION = 1
MAX_PROJECT_BYTES = 20 * 1024 * 1024
RUN_TABLES = ("weekly", "ledger", "summary", "council")
_TAGS = ["scenario", "replication", "seed"]


@dataclass
class Project:
    """A comparison read back from a project file."""

    town: TownProfile
    scenarios: list[Scenario]  # in comparison order, the reference first
    years: int
    replications: int
    seed: int
    outcome: Outcome
    saved: str


def project_filename(outcome: Outcome) -> str:
    """A name that says what the comparison was, e.g. ``project_neighbourhood_10y_5r_seed0.zip``."""
    r = outcome.request
    return f"project_{r.town_name}_{r.years}y_{r.replications}r_seed{r.seed}.zip"


def project_bytes(outcome: Outcome, town: TownProfile, scenarios: list[Scenario]) -> bytes:
    """The comparison ``outcome`` of ``scenarios`` on ``town`` as a project file (ZIP bytes).

    Args:
        outcome: A finished comparison.
        town: The town it ran on.
        scenarios: The scenarios it compared, the reference first.
    """
    r = outcome.request
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "saved": datetime.now().isoformat(timespec="seconds"),
        "model_version": model_version(),
        "settings": {
            "years": r.years,
            "replications": r.replications,
            "seed": r.seed,
            "parameters": outcome.parameters or None,  # the parameter sets' record (sim/parameter_sets.py)
        },
        "town": {"name": town.name, "toml": town_to_toml(town)},
        "scenarios": [{"name": s.name, "toml": scenario_to_toml(s)} for s in scenarios],
        "outcome": {
            "titles": outcome.titles,
            "town_title": outcome.town_title,
            "seconds": outcome.seconds,
            "households": outcome.households,
            "type_households": outcome.type_households,
            "finished": outcome.finished,
            "version": outcome.version,
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.json", json.dumps(meta, ensure_ascii=False, indent=1))
        z.writestr("comparison.parquet", _parquet(outcome.table))
        for name in RUN_TABLES:
            frames = [run.tagged(name) for run in outcome.results]
            z.writestr(f"{name}.parquet", _parquet(pd.concat(frames, ignore_index=True)))
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def read_project(data: bytes, file: str = "project.zip") -> Project:
    """A comparison from a project file, checked as the model checks any input.

    Raises:
        ConfigError: It is not a project file, or its town or a scenario is not valid.
    """
    if len(data) > MAX_PROJECT_BYTES:
        raise ConfigError(file, "", f"too large ({len(data):,} bytes); allowed: up to {MAX_PROJECT_BYTES:,} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            meta = json.loads(z.read("project.json").decode("utf-8"))
            if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
                raise ConfigError(file, "project.json", f"not a saved comparison; allowed: {FORMAT} {FORMAT_VERSION}")
            tables = {
                name: pd.read_parquet(io.BytesIO(z.read(f"{name}.parquet"))) for name in ("comparison", *RUN_TABLES)
            }
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ConfigError(file, "", f"not a saved comparison ({type(e).__name__}); allowed: a project .zip") from None
    try:
        settings = meta["settings"]
        town = load_town_text(meta["town"]["toml"], f"{file}: town")
        scenarios = [load_scenario_text(s["toml"], s["name"], f"{file}: {s['name']}") for s in meta["scenarios"]]
        years, replications, seed = int(settings["years"]), int(settings["replications"]), int(settings["seed"])
        parameters = _parameters_record(settings.get("parameters"))
        saved_outcome = meta["outcome"]
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(
            file, "project.json", f"incomplete ({e}); allowed: a project saved by the dashboard"
        ) from None
    request = RunRequest(town, tuple(scenarios), years, replications, seed)
    outcome = Outcome(
        request,
        tables["comparison"],
        _runs(tables, town.name),
        {k: tuple(v) for k, v in saved_outcome.get("titles", {}).items()},
        saved_outcome.get("town_title", town.name),
        float(saved_outcome.get("seconds", 0.0)),
        households=int(saved_outcome.get("households", town.profile["town"]["households"])),
        type_households={k: float(v) for k, v in saved_outcome.get("type_households", {}).items()},
        finished=str(saved_outcome.get("finished", "")),
        version=str(saved_outcome.get("version", "")),
        parameters=parameters,
    )
    return Project(town, scenarios, years, replications, seed, outcome, str(meta.get("saved", "")))


def _parameters_record(raw: Any) -> dict[str, Any]:
    """The record of the parameter sets a saved comparison ran over ({} for the defaults), checked."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS or not isinstance(raw.get("sets"), int):
        raise ValueError("settings.parameters is not a record of parameter sets")
    return {k: raw[k] for k in ("path", "title", "kind", "sets", "source", "method", "sha256") if k in raw}


def _runs(tables: dict[str, pd.DataFrame], town: str) -> list[RunResult]:
    """The runs, rebuilt from the tagged tables (in the order they were saved)."""
    summary = tables["summary"]
    keys = summary[_TAGS].drop_duplicates().itertuples(index=False)
    runs = []
    for scenario, replication, seed in keys:
        parts = {}
        for name in RUN_TABLES:
            t = tables[name]
            mine = t[(t.scenario == scenario) & (t.replication == replication)] if len(t) else t
            tags = [c for c in (*_TAGS, "parameter_set") if c in mine.columns]
            parts[name] = mine.drop(columns=tags).reset_index(drop=True)
        parameter_set = None
        if "parameter_set" in summary.columns:
            mine = summary[(summary.scenario == scenario) & (summary.replication == replication)]
            parameter_set = int(mine["parameter_set"].iloc[0])
        runs.append(
            RunResult(
                str(scenario),
                town,
                int(seed),
                int(replication),
                parts["weekly"],
                parts["ledger"],
                parts["summary"],
                parts["council"],
                parameter_set=parameter_set,
            )
        )
    return runs
