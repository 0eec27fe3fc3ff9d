"""Targets files (TOML): published figures that the model is held against.

    [targets]
    title = "National figures used for fitting"
    town = "neighbourhood"        # bundled name or a path relative to this file
    scenario = "baseline"         # the scenario that is run (today's policies)
    years = 3                     # years simulated after the warm-up
    warmup_years = 10
    replications = 10
    seed = 2026

    [[target]]
    name = "aged_65_plus"                     # unique
    statistic = "resident_share"              # a statistic of sim/statistics.py
    filters = { age_band = [65, 120] }
    value = 0.286                             # the published figure
    tolerance = { low = 0.26, high = 0.31 }   # or { factor = 1.5 }: value / 1.5 … value × 1.5
    weight = 1.0                              # weight in a calibration's distance (default 1)
    source = "国勢調査 2020, 人口等基本集計"
    note = "…"

Every key is validated before anything runs; a problem is one :class:`ConfigError` naming the
file, the key and what is allowed. A calibration file is a targets file with a ``[calibration]``
section (sim/calibrate.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import Scenario, TownProfile, locate
from sim.experiment import EXPERIMENT_PARAMS
from sim.params import ConfigError, Param, validate_block
from sim.statistics import STATISTICS, check_filters
from sim.tomlfile import parse_toml, read_text

TARGET_KEYS = ("name", "statistic", "filters", "value", "tolerance", "weight", "source", "note")

# An experiment's settings (the run that holds the model against the figures), with the defaults of a check.
TARGETS_PARAMS: dict[str, Param] = {
    "title": replace(EXPERIMENT_PARAMS["title"], default="targets"),
    "description": EXPERIMENT_PARAMS["description"],
    "town": EXPERIMENT_PARAMS["town"],
    "scenario": Param("baseline", "Scenario that is run: a bundled name or a path.", "Set by the file.", kind="text"),
    "years": replace(EXPERIMENT_PARAMS["years"], default=3.0, low=1 / 52),
    "warmup_years": EXPERIMENT_PARAMS["warmup_years"],
    "replications": EXPERIMENT_PARAMS["replications"],
    "seed": replace(EXPERIMENT_PARAMS["seed"], default=2026),
    "workers": EXPERIMENT_PARAMS["workers"],
}


@dataclass(frozen=True)
class Target:
    """One published figure: a statistic with its filters, the value and what counts as close enough."""

    name: str
    statistic: str
    filters: dict[str, Any]
    value: float
    low: float
    high: float
    tolerance: str  # how the file gave it, for tables: "[low, high]" or "×/÷ f"
    weight: float
    source: str
    note: str

    def within(self, model_value: float) -> bool:
        """Whether a model value lies inside the tolerance (NaN is not)."""
        return bool(self.low <= model_value <= self.high)

    def scaled_deviation(self, model_value: np.ndarray | float) -> np.ndarray:
        """(model − value) in units of the tolerance on that side: ±1 at its edges (0 inside if exact)."""
        model_value = np.asarray(model_value, dtype=float)
        above = max(self.high - self.value, 1e-12)
        below = max(self.value - self.low, 1e-12)
        return np.where(
            model_value >= self.value, (model_value - self.value) / above, (model_value - self.value) / below
        )

    def filters_text(self) -> str:
        """The filters as text: ``age_band=65–120; channels=self|family``."""

        def shown(key: str, value: Any) -> str:
            if isinstance(value, list):
                return "–".join(map(str, value)) if key.endswith("band") or key == "size" else "|".join(value)
            return str(value)

        return "; ".join(f"{k}={shown(k, v)}" for k, v in self.filters.items())


@dataclass
class TargetsFile:
    """A validated targets file."""

    name: str
    file: str
    text: str
    settings: dict[str, Any]
    targets: list[Target]
    scenario: Scenario
    town: TownProfile
    raw: dict[str, Any]  # the whole file (a calibration reads its own section)


def load_targets(path: str | Path, sections: tuple[str, ...] = ("calibration",)) -> TargetsFile:
    """Load and validate a targets file (and the scenario and town it names).

    Args:
        path: The file.
        sections: Further top-level sections allowed (validated by whoever reads them).
    """
    from sim.experiment import _relative
    from sim.runner import prepare

    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise ConfigError(file, "", "no such file")
    text = read_text(path)
    raw = parse_toml(text, file)
    allowed = ("targets", "target", *sections)
    for key in raw:
        if key not in allowed:
            raise ConfigError(file, key, "unknown section; allowed: " + ", ".join(allowed))
    head = raw.get("targets", {})
    if not isinstance(head, dict):
        raise ConfigError(file, "targets", "expected a table [targets]")
    settings = validate_block(TARGETS_PARAMS, head, file, "targets")
    entries = raw.get("target")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(file, "target", "allowed: one or more [[target]] tables")
    targets = [_target(e, i, file) for i, e in enumerate(entries)]
    names = [t.name for t in targets]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(file, f"target[{i}].name", f"{name!r} is used twice; allowed: distinct names")
    locate(_relative(settings["scenario"], path), "scenarios", file, "targets.scenario")
    locate(_relative(settings["town"], path), "towns", file, "targets.town")
    (scenario,), town = prepare([_relative(settings["scenario"], path)], _relative(settings["town"], path))
    return TargetsFile(path.stem, file, text, settings, targets, scenario, town, raw)


def _target(entry: dict[str, Any], index: int, file: str) -> Target:
    where = f"target[{index}]"
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"target.{name}"
    for key in entry:
        if key not in TARGET_KEYS:
            raise ConfigError(file, f"{where}.{key}", "unknown key; allowed: " + ", ".join(TARGET_KEYS))
    for key in ("name", "statistic", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(file, f"{where}.{key}", "missing or empty; allowed: a non-empty string")
    statistic = entry["statistic"]
    if statistic not in STATISTICS:
        raise ConfigError(
            file, f"{where}.statistic", f"unknown statistic {statistic!r}; allowed: " + ", ".join(STATISTICS)
        )
    filters = check_filters(statistic, entry.get("filters", {}))
    if isinstance(filters, str):
        raise ConfigError(file, f"{where}.filters", filters)
    value = _number(entry.get("value"), file, f"{where}.value")
    low, high, text = _tolerance(entry.get("tolerance"), value, file, f"{where}.tolerance")
    weight = _number(entry.get("weight", 1.0), file, f"{where}.weight")
    if weight <= 0:
        raise ConfigError(file, f"{where}.weight", f"got {weight}; allowed: a number above 0")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise ConfigError(file, f"{where}.note", "allowed: a string")
    return Target(entry["name"], statistic, filters, value, low, high, text, weight, entry["source"], note)


def _number(value: Any, file: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(file, key, f"got {value!r}; allowed: a finite number")
    return float(value)


def _tolerance(raw: Any, value: float, file: str, key: str) -> tuple[float, float, str]:
    allowed = "allowed: { low = L, high = H } with L ≤ value ≤ H, or { factor = F } with F > 1"
    if not isinstance(raw, dict) or set(raw) not in ({"low", "high"}, {"factor"}):
        raise ConfigError(file, key, f"got {raw!r}; {allowed}")
    if "factor" in raw:
        factor = _number(raw["factor"], file, f"{key}.factor")
        if factor <= 1 or value <= 0:
            raise ConfigError(file, f"{key}.factor", f"got {factor} for value {value}; allowed: F > 1 and value > 0")
        return value / factor, value * factor, f"×/÷ {factor:g}"
    low, high = _number(raw["low"], file, f"{key}.low"), _number(raw["high"], file, f"{key}.high")
    if not low <= value <= high or low == high:
        raise ConfigError(file, key, f"got [{low}, {high}] for value {value}; {allowed}")
    return low, high, f"[{low:g}, {high:g}]"
