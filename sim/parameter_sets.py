"""Parameter sets: a calibration's best fit, or its accepted ensemble, as a file the model loads.

    [parameters]
    title = "National calibration: accepted ensemble"
    kind = "ensemble"                    # "best" (one set) or "ensemble" (several, weighted)
    source = "Calibrated: experiments/calibration/national.toml, 2026-11-29"
    method = "abc-smc"
    paths = ["mechanisms.self_referral.weekly_probability.manifest", …]

    [[set]]
    weight = 0.013                       # ensemble weights (normalised on loading)
    values = { "mechanisms.self_referral.weekly_probability.manifest" = 0.021, … }

Paths are those of sweeps (sim/sweep.py), limited to mechanism parameters: the town's own
figures are inputs, not fitted. A set changes the *world* the scenarios run in, as a sweep point
does: a scenario that sets a parameter itself keeps its own value.

With an ensemble, replication ``r`` draws one set from its own seed (stream ``parameter_set``),
so every scenario of that replication runs with the same set and differences stay paired; the
intervals over replications then hold parameter uncertainty as well as chance. Each run's
warm-up starts from the pilot mix of the scenario without the set (sim/engine/warmup.py): the
ten-year warm-up takes the town to the set's own level, as it did when the set was fitted, and
no set needs a pilot run of its own.

Where a comparison takes its sets (:func:`parameters_for`): ``--parameters FILE`` on ``run`` and
``compare``, ``parameters = "FILE"`` in an experiment's ``[experiment]`` table, or
``parameters = "FILE"`` in a scenario's ``[scenario]`` table. A set changes the world, and every
scenario of a comparison runs in the same world: a file that one scenario names applies to every
scenario compared with it (and to the warm-up's). One comparison has one parameters file: naming
it in two places (``--parameters`` or the experiment's key, and a scenario; or two scenarios
naming different files) is refused, so that which sets ran is never a guess.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from sim.config import Scenario, TownProfile, effective_profile
from sim.params import ConfigError, validate
from sim.streams import make_stream
from sim.sweep import apply_point, resolve_path
from sim.tomlfile import parse_toml, read_text

KINDS = ("best", "ensemble")
HEAD_KEYS = ("title", "kind", "source", "method", "paths", "description")


@dataclass(frozen=True)
class ParameterSets:
    """Validated parameter sets: their paths, values (one row per set) and normalised weights."""

    name: str
    file: str
    title: str
    kind: str
    source: str
    method: str
    paths: tuple[str, ...]
    values: np.ndarray  # (sets, paths)
    weights: np.ndarray  # (sets,), summing to 1
    sha256: str = ""  # of the file's text, for manifests and fingerprints

    @property
    def n(self) -> int:
        return len(self.weights)

    def set_values(self, k: int) -> dict[str, float]:
        """Set ``k`` as {path: value}."""
        return {p: float(v) for p, v in zip(self.paths, self.values[k], strict=True)}

    def index_for(self, seed: int) -> int:
        """The set a replication with ``seed`` runs with (its own stream: the same for every scenario)."""
        if self.n == 1:
            return 0
        return int(make_stream(seed, "parameter_set").choice(self.n, p=self.weights))

    def indices_for(self, seeds: Sequence[int]) -> list[int]:
        """The set of each replication, by its seed (see :meth:`index_for`)."""
        return [self.index_for(seed) for seed in seeds]

    def describe(self) -> str:
        """One line: what the sets are."""
        what = "best fit" if self.kind == "best" else f"ensemble of {self.n} accepted parameter sets"
        return f"{self.title} ({what}; {self.source})"

    def record(self) -> dict[str, Any]:
        """What a manifest or a saved comparison records of the file: enough to know it again."""
        return {
            "path": self.file,
            "title": self.title,
            "kind": self.kind,
            "sets": self.n,
            "source": self.source,
            "method": self.method,
            "sha256": self.sha256,
        }


def load_parameter_sets(path: str | Path) -> ParameterSets:
    """Load and validate a parameter-sets file (a path, or a bundled name such as ``national_ensemble``);
    a problem is one ConfigError naming the file and key."""
    from sim.config import _locate

    path = _locate(path, "parameters")
    file = str(path)
    text = read_text(path)
    raw = parse_toml(text, file)
    for key in raw:
        if key not in ("parameters", "set"):
            raise ConfigError(file, key, "unknown section; allowed: parameters, set")
    head = raw.get("parameters")
    if not isinstance(head, dict):
        raise ConfigError(file, "parameters", "missing [parameters] table")
    for key in head:
        if key not in HEAD_KEYS:
            raise ConfigError(file, f"parameters.{key}", "unknown key; allowed: " + ", ".join(HEAD_KEYS))
    kind = head.get("kind", "best")
    if kind not in KINDS:
        raise ConfigError(file, "parameters.kind", f"got {kind!r}; allowed: " + ", ".join(KINDS))
    paths = head.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise ConfigError(file, "parameters.paths", "allowed: a non-empty list of parameter paths")
    params = [_mechanism_param(p, file, f"parameters.paths[{i}]") for i, p in enumerate(paths)]
    entries = raw.get("set")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(file, "set", "allowed: one or more [[set]] tables")
    if kind == "best" and len(entries) != 1:
        raise ConfigError(file, "set", f"kind 'best' holds one set, got {len(entries)}; allowed: kind = 'ensemble'")
    values = np.empty((len(entries), len(paths)))
    weights = np.empty(len(entries))
    for k, entry in enumerate(entries):
        where = f"set[{k}]"
        unknown = set(entry) - {"weight", "values", "distance"}
        if unknown:
            raise ConfigError(file, f"{where}.{sorted(unknown)[0]}", "unknown key; allowed: weight, values, distance")
        weights[k] = _positive(entry.get("weight", 1.0), file, f"{where}.weight")
        given = entry.get("values")
        if not isinstance(given, dict) or set(given) != set(paths):
            raise ConfigError(file, f"{where}.values", "allowed: a table with one value for each of parameters.paths")
        for j, (p, param) in enumerate(zip(paths, params, strict=True)):
            v = given[p]
            validate(param, v, file, f"{where}.values.{p}")
            values[k, j] = float(v)
    return ParameterSets(
        path.stem,
        file,
        str(head.get("title", path.stem)),
        kind,
        str(head.get("source", file)),
        str(head.get("method", "")),
        tuple(paths),
        values,
        weights / weights.sum(),
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def parameters_for(
    scenarios: Sequence[Scenario],
    given: str | Path | ParameterSets | None = None,
    where: tuple[str, str] = ("command line", "--parameters"),
) -> ParameterSets | None:
    """The parameter sets a comparison of ``scenarios`` runs with: ``given`` (``--parameters``, or an
    experiment's ``parameters`` key, named by ``where`` = (file, key)), or the file the scenarios
    name; None when there is none.

    Raises:
        ConfigError: the file is named twice (``given`` and a scenario, or two scenarios naming
            different files), or it is not a valid parameter-sets file.
    """
    naming = [(s, s.parameters) for s in scenarios if s.parameters]
    if given is not None and naming:
        s, named = naming[0]
        raise ConfigError(
            where[0],
            where[1],
            f"scenario {s.name!r} names a parameters file itself ({s.file}: scenario.parameters = {named!r}); "
            "allowed: one parameters file for a comparison, given here or in the scenario, not both",
        )
    if given is not None:
        return given if isinstance(given, ParameterSets) else load_parameter_sets(given)
    if not naming:
        return None
    (first, file), *others = naming
    for s, named in others:
        if Path(named).resolve() != Path(file).resolve():
            raise ConfigError(
                s.file,
                "scenario.parameters",
                f"names {named!r}, but scenario {first.name!r} names {file!r}; allowed: one parameters file for "
                "every scenario of a comparison (a set changes the world they are compared in)",
            )
    return load_parameter_sets(file)


def _mechanism_param(path: str, file: str, key: str):
    if not path.startswith("mechanisms."):
        raise ConfigError(
            file, key, f"got {path!r}; allowed: 'mechanisms.NAME.KEY[.ENTRY]' (the town's figures are inputs)"
        )
    return resolve_path(path, file, key)


def _positive(value: Any, file: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ConfigError(file, key, f"got {value!r}; allowed: a number above 0")
    return float(value)


def with_parameter_set(
    scenarios: list[Scenario], town: TownProfile, values: dict[str, float]
) -> tuple[list[Scenario], TownProfile]:
    """The scenarios with a parameter set applied (as a sweep point); each keeps its own settings and
    starts its warm-up from its own pilot mix without the set (see the module's docstring)."""
    applied, town_at = apply_point(scenarios, town, values)
    return [replace(s, pilot_from=original) for s, original in zip(applied, scenarios, strict=True)], town_at


def apply_set(
    scenarios: list[Scenario], town: TownProfile, parameters: ParameterSets, k: int
) -> tuple[list[Scenario], TownProfile]:
    """The scenarios with set ``k`` applied (:func:`with_parameter_set`), each checked against the town
    before anything runs.

    Raises:
        ConfigError: naming the parameters file and the set, when a scenario cannot run with it.
    """
    applied, town_at = with_parameter_set(scenarios, town, parameters.set_values(k))
    for s in applied:
        try:
            effective_profile(s, town_at)
        except ConfigError as e:
            where = f"{e.key}: " if e.key else ""
            raise ConfigError(parameters.file, f"set[{k}]", f"with scenario {s.name!r}: {where}{e.problem}") from None
    return applied, town_at


def write_parameter_sets(
    path: str | Path,
    title: str,
    kind: str,
    source: str,
    method: str,
    paths: list[str],
    values: np.ndarray,
    weights: np.ndarray | None = None,
    distances: np.ndarray | None = None,
) -> Path:
    """Write a parameter-sets file (values: one row per set)."""
    path = Path(path)
    weights = np.ones(len(values)) if weights is None else weights
    sets = []
    for k, row in enumerate(np.atleast_2d(values)):
        entry: dict[str, Any] = {"weight": float(weights[k]), "values": dict(zip(paths, map(float, row), strict=True))}
        if distances is not None:
            entry["distance"] = float(distances[k])
        sets.append(entry)
    head = {"title": title, "kind": kind, "source": source, "method": method, "paths": list(paths)}
    from sim.execute import write_atomically  # sim.execute imports this module's users

    write_atomically(tomli_w.dumps({"parameters": head, "set": sets}), path, "text")
    return path
