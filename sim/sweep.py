"""Parameter sweeps of an experiment: a grid, or a Latin hypercube, Sobol or Morris design (SALib).

A sweep changes the *world* the scenarios are compared in, not the policies: each point sets
town parameters in the town profile (scenarios then apply their own changes on top) and
mechanism parameters for every scenario that does not set them itself. The warm-up runs at the
point too, so "today's town" is the town of that point.

    [sweep]
    method = "morris"          # grid | latin | sobol | morris
    samples = 10               # latin: points; sobol: base samples N (N·(D+2) points); morris: trajectories
    levels = 4                 # morris only: grid levels
    [sweep.parameters]
    "town.jichikai.membership_rate" = [0.4, 0.9]        # latin/sobol/morris: [low, high]
    "mechanisms.outreach.enabled" = [false, true]       # grid: the values to take
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, TownProfile, town_from_dict
from sim.mechanisms import MECHANISM_BY_NAME
from sim.params import ConfigError, Param, validate, validate_block
from sim.town import TOWN_PARAMS

METHODS = ("grid", "latin", "sobol", "morris")
SAMPLED = ("latin", "sobol", "morris")
TABLE_KINDS = ("by_stage", "by_type", "by_domain")

SWEEP_PARAMS: dict[str, Param] = {
    "method": Param("grid", "Design of the sweep.", "Set by the file.", kind="str", choices=METHODS),
    "samples": Param(
        8,
        "latin: number of points; sobol: base samples N (N·(D+2) points, a power of 2); morris: trajectories "
        "(r·(D+1) points).",
        "Set by the file.",
        kind="int",
        low=1,
        high=100_000,
    ),
    "levels": Param(
        4, "morris: number of grid levels (even).", "Morris (1991); SALib default.", kind="int", low=2, high=20
    ),
    "seed": Param(
        None,
        "Seed of the design's sampler (default: the experiment's seed).",
        "Set by the file.",
        kind="int",
        low=0,
        high=2**32 - 1,
    ),
}


@dataclass(frozen=True)
class SweptParameter:
    """One swept parameter: its path, declaration, and range (sampled designs) or values (grid)."""

    path: str  # "town.SECTION.KEY[.ENTRY]" or "mechanisms.NAME.KEY[.ENTRY]"
    param: Param
    low: float | None = None
    high: float | None = None
    values: tuple = ()

    @property
    def column(self) -> str:
        """The column holding this parameter's values in the points and runs tables."""
        return self.path


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the design and its parameters in file order."""

    method: str
    parameters: tuple[SweptParameter, ...]
    samples: int
    levels: int
    seed: int | None

    def problem(self) -> dict[str, Any]:
        """The SALib problem definition of a sampled design."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.path for p in self.parameters],
            "bounds": [[p.low, p.high] for p in self.parameters],
        }


def load_sweep(raw: Any, file: str) -> Sweep:
    """Validate a ``[sweep]`` table."""
    if not isinstance(raw, dict):
        raise ConfigError(file, "sweep", "expected a table [sweep]")
    table = dict(raw)
    params = table.pop("parameters", None)
    settings = validate_block(SWEEP_PARAMS, table, file, "sweep")
    if not isinstance(params, dict) or not params:
        raise ConfigError(file, "sweep.parameters", "allowed: a table of one or more 'PATH = [...]' entries")
    method = settings["method"]
    swept = tuple(_swept(path, spec, method, file) for path, spec in params.items())
    if method == "sobol" and settings["samples"] & (settings["samples"] - 1):
        raise ConfigError(file, "sweep.samples", f"got {settings['samples']}; allowed for sobol: a power of 2")
    if method == "morris" and settings["levels"] % 2:
        raise ConfigError(file, "sweep.levels", f"got {settings['levels']}; allowed: an even number")
    if method in ("sobol", "morris") and len(swept) < 2:
        raise ConfigError(file, "sweep.parameters", f"allowed for {method}: two or more parameters")
    return Sweep(method, swept, settings["samples"], settings["levels"], settings["seed"])


def _swept(path: str, spec: Any, method: str, file: str) -> SweptParameter:
    key = f"sweep.parameters.{path}"
    param = resolve_path(path, file, key)
    if not isinstance(spec, list) or not spec:
        raise ConfigError(file, key, "allowed: a list (grid: the values; latin/sobol/morris: [low, high])")
    if method == "grid":
        for v in spec:
            validate(param, v, file, key)
        if len(set(map(repr, spec))) != len(spec):
            raise ConfigError(file, key, "a value is listed twice; allowed: distinct values")
        return SweptParameter(path, param, values=tuple(spec))
    if param.kind not in ("float", "int"):
        raise ConfigError(file, key, f"a {param.kind} parameter cannot be sampled; allowed: numbers (or method 'grid')")
    if len(spec) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec):
        raise ConfigError(file, key, f"got {spec!r}; allowed: [low, high], two numbers")
    low, high = (float(v) for v in spec)
    for v in (low, high):
        validate(param, int(v) if param.kind == "int" and v.is_integer() else v, file, key)
    if not low < high:
        raise ConfigError(file, key, f"got [{low}, {high}]; allowed: low < high")
    return SweptParameter(path, param, low=low, high=high)


def resolve_path(path: str, file: str, key: str) -> Param:
    """The declared parameter at ``path`` ("town.SECTION.KEY" or "mechanisms.NAME.KEY", plus
    ".ENTRY" for one entry of a by-stage/by-type/by-domain table)."""
    parts = path.split(".")
    if parts[0] == "town" and len(parts) in (3, 4):
        section, name = parts[1], parts[2]
        if section not in TOWN_PARAMS or not isinstance(TOWN_PARAMS[section], dict):
            raise ConfigError(file, key, "unknown town section; allowed: " + ", ".join(TOWN_PARAMS))
        declared = TOWN_PARAMS[section]
    elif parts[0] == "mechanisms" and len(parts) in (3, 4):
        section, name = parts[1], parts[2]
        if section not in MECHANISM_BY_NAME:
            raise ConfigError(file, key, "unknown mechanism; allowed: " + ", ".join(MECHANISM_BY_NAME))
        declared = MECHANISM_BY_NAME[section].declared_params()
    else:
        raise ConfigError(file, key, "allowed: 'town.SECTION.KEY' or 'mechanisms.NAME.KEY' (plus '.ENTRY' for tables)")
    if name not in declared:
        raise ConfigError(file, key, f"unknown key {name!r}; allowed: " + ", ".join(declared))
    param = declared[name]
    if len(parts) == 3:
        if param.kind in TABLE_KINDS:
            raise ConfigError(file, key, f"{name!r} is a table; allowed: one entry, '{path}.ENTRY'")
        return param
    if param.kind not in TABLE_KINDS:
        raise ConfigError(file, key, f"{name!r} is not a table; allowed: '{'.'.join(parts[:3])}'")
    entries = list(param.default)
    if parts[3] not in entries:
        raise ConfigError(file, key, f"unknown entry {parts[3]!r}; allowed: " + ", ".join(entries))
    return Param(param.default[parts[3]], param.doc, param.source, kind="float", low=param.low, high=param.high)


def design_size(sweep: Sweep | None) -> int:
    """How many points the design has, worked out without generating them."""
    if sweep is None:
        return 1
    d = len(sweep.parameters)
    if sweep.method == "grid":
        return math.prod(len(p.values) for p in sweep.parameters)
    if sweep.method == "latin":
        return sweep.samples
    if sweep.method == "sobol":
        return sweep.samples * (d + 2)  # first-order and total indices (no second order)
    return sweep.samples * (d + 1)  # morris: trajectories of d + 1 points


def largest_value(sweep: Sweep | None, path: str, default: float) -> float:
    """The largest value the design gives the parameter at ``path`` (``default`` if it is not swept)."""
    for p in sweep.parameters if sweep else ():
        if p.path == path:
            largest = max(p.values) if p.values else p.high
            return default if largest is None else float(largest)
    return default


def design_points(sweep: Sweep | None, seed: int) -> pd.DataFrame:
    """The points of the design: a ``point`` column and one column per swept parameter, in the
    order SALib's analysers expect. No sweep: one point with no parameters."""
    if sweep is None:
        return pd.DataFrame({"point": [0]})
    names = [p.path for p in sweep.parameters]
    if sweep.method == "grid":
        rows = list(itertools.product(*(p.values for p in sweep.parameters)))
        table = pd.DataFrame(rows, columns=names)
    else:
        table = pd.DataFrame(_sample(sweep, seed), columns=names)
        for p in sweep.parameters:
            if p.param.kind == "int":
                table[p.path] = table[p.path].round().astype(int)
    table.insert(0, "point", np.arange(len(table)))
    return table


def _sample(sweep: Sweep, seed: int) -> np.ndarray:
    from SALib.sample import latin, morris, sobol

    problem = sweep.problem()
    rng_seed = sweep.seed if sweep.seed is not None else seed % 2**32
    if sweep.method == "latin":
        return latin.sample(problem, sweep.samples, seed=rng_seed)
    if sweep.method == "sobol":
        return sobol.sample(problem, sweep.samples, calc_second_order=False, seed=rng_seed)
    return morris.sample(problem, sweep.samples, num_levels=sweep.levels, seed=rng_seed)


def apply_point(
    scenarios: list[Scenario], town: TownProfile, values: dict[str, Any]
) -> tuple[list[Scenario], TownProfile]:
    """The scenarios and town at one point of the sweep (validated again)."""
    if not values:
        return scenarios, town
    profile: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in town.profile.items()}
    mechanism_values: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        parts = path.split(".")
        value = value.item() if hasattr(value, "item") else value
        if parts[0] == "town":
            _set(profile.setdefault(parts[1], {}), parts[2:], value)
        else:
            _set(mechanism_values.setdefault(parts[1], {}), parts[2:], value)
    where = f"{town.file} (at sweep point {values})"
    town_at = town_from_dict(profile, where) if any(p.startswith("town.") for p in values) else town
    scenarios_at = [_with_mechanisms(s, mechanism_values) for s in scenarios]
    return scenarios_at, replace(town_at, name=town.name, file=town.file)


def _set(table: dict[str, Any], keys: list[str], value: Any) -> None:
    if len(keys) == 1:
        table[keys[0]] = value
    else:
        table[keys[0]] = {**table.get(keys[0], {}), keys[1]: value}


def _with_mechanisms(scenario: Scenario, values: dict[str, dict[str, Any]]) -> Scenario:
    """The scenario with swept mechanism parameters; a parameter the scenario sets keeps its value."""
    if not values:
        return scenario
    mechanisms = {name: dict(v) for name, v in scenario.mechanisms.items()}
    for name, params in values.items():
        own = mechanisms.setdefault(name, {})
        for key, value in params.items():
            if isinstance(value, dict):  # one entry of a table
                base = MECHANISM_BY_NAME[name].declared_params()[key].default
                own[key] = {**base, **value, **own.get(key, {})}
            else:
                own.setdefault(key, value)
    return replace(scenario, mechanisms=mechanisms)
