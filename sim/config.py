"""Loading and validating input files: town profiles and policy scenarios (TOML).

Every file is validated in full before anything runs; a problem raises
:class:`~sim.params.ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from sim.domain import DOMAIN_KEYS
from sim.mechanisms import MECHANISM_BY_NAME
from sim.params import ConfigError, Param, validate, validate_block
from sim.tomlfile import parse_toml
from sim.tomlfile import read_toml as read_toml
from sim.town import TOWN_PARAMS, validate_profile

SCENARIO_META_KEYS = ("title_ja", "title_en", "description_ja", "description_en")
# [scenario] parameters = "FILE": a parameter-sets file (sim/parameter_sets.py) the scenario runs with,
# relative to the scenario file; only a scenario read from a file on disk may name one.
SCENARIO_PARAMETERS_KEY = "parameters"
# The English title and description default to the Japanese ones.
SCENARIO_REQUIRED_KEYS = ("title_ja", "description_ja")
OVERRIDE_OPS = ("set", "multiply", "add")
# Who lives in the town and its areas are the same in every scenario, which all start from
# the same "today's town": a scenario may not change them (a town profile can).
FIXED_IN_SCENARIOS = {
    ("town", "households"),
    *(("census", k) for k in TOWN_PARAMS["census"]),
    *(("household_types", k) for k in TOWN_PARAMS["household_types"]),
    *(("residents", k) for k in TOWN_PARAMS["residents"]),
    *(("household_conditions", k) for k in TOWN_PARAMS["household_conditions"]),
    ("jichikai", "households_per_area"),
}


@dataclass
class Scenario:
    """A policy scenario: metadata plus changes to the town and to mechanisms."""

    name: str
    file: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    town: dict[str, dict[str, Any]] = field(default_factory=dict)
    mechanisms: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A scenario with a calibrated parameter set applied starts its warm-up from the pilot mix of this
    # one, the scenario without the set (sim/parameter_sets.py); None: its own.
    pilot_from: Scenario | None = field(default=None, repr=False, compare=False)
    # The parameter-sets file the scenario names (``[scenario] parameters``), as a path; None: none.
    # The commands apply it (sim.parameter_sets.parameters_for), to every scenario compared with it.
    parameters: str | None = field(default=None, repr=False)


@dataclass
class TownProfile:
    """A validated town profile and where it came from."""

    name: str
    file: str
    profile: dict[str, Any]

    def with_households(self, households: int) -> TownProfile:
        """The same profile for a town of ``households`` households (a smaller copy of the town)."""
        profile = {**self.profile, "town": {**self.profile["town"], "households": households}}
        return TownProfile(self.name, self.file, profile)


def _bundled_dir(kind: str) -> Path:
    return Path(str(resources.files("sim") / kind))


def bundled_names(kind: str) -> list[str]:
    """Names of the bundled ``scenarios``, ``towns`` or ``parameters`` (parameter sets)."""
    return sorted(p.stem for p in _bundled_dir(kind).glob("*.toml"))


def _locate(name_or_path: str | Path, kind: str, file: str | None = None, key: str = "") -> Path:
    """The file of a bundled name or a path; ``file`` and ``key`` name where the name was written
    (an experiment or a story), so that the message points there instead of at the name alone."""
    what = {"scenarios": "scenario", "towns": "town", "parameters": "parameter sets"}[kind]
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in str(name_or_path):
        if not path.is_file():
            if file is not None:
                raise ConfigError(file, key, f"no such {what} file: {str(path)!r}; allowed: a path to a .toml file")
            raise ConfigError(str(path), "", "no such file")
        return path
    bundled = _bundled_dir(kind) / f"{name_or_path}.toml"
    if not bundled.is_file():
        allowed = f"bundled: {', '.join(bundled_names(kind))} (or give a path to a .toml file)"
        if file is not None:
            raise ConfigError(file, key, f"no such {what} {str(name_or_path)!r}; allowed: {allowed}")
        raise ConfigError(str(name_or_path), "", f"no such {what}; {allowed}")
    return bundled


def locate(name_or_path: str | Path, kind: str, file: str, key: str) -> Path:
    """The file a bundled name or path names, checked where it is written (``file``, ``key``).

    Raises:
        ConfigError: naming ``file`` and ``key`` when there is no such bundled name or file.
    """
    return _locate(name_or_path, kind, file, key)


def load_town(name_or_path: str | Path) -> TownProfile:
    """Load and validate a town profile (a bundled name or a path)."""
    path = _locate(name_or_path, "towns")
    return town_from_dict(read_toml(path), str(path))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario (a bundled name or a path)."""
    path = _locate(name_or_path, "scenarios")
    return scenario_from_dict(read_toml(path), path.stem, str(path), folder=path.parent)


def load_town_text(text: str, file: str) -> TownProfile:
    """A town profile from TOML text (an upload); ``file`` names it in error messages."""
    return town_from_dict(parse_toml(text, file), file)


def load_scenario_text(text: str, name: str, file: str) -> Scenario:
    """A scenario from TOML text (an upload); ``file`` names it in error messages."""
    return scenario_from_dict(parse_toml(text, file), name, file)


def town_from_dict(raw: dict[str, Any], file: str) -> TownProfile:
    """Validate a town profile given as a dict (as read from TOML)."""
    profile = validate_profile(raw, file)
    _check_desks(profile["desks"], file)
    return TownProfile(profile["town"]["name"], file, profile)


def _check_desks(desks: list[dict[str, Any]], file: str) -> None:
    """A desk accepts at least one domain, each once: a desk with none would bounce every household."""
    for i, desk in enumerate(desks):
        if not desk["domains"]:
            raise ConfigError(
                file,
                f"desks[{i}].domains",
                "empty: the desk would accept no household; allowed: a list of one or more domains from "
                + ", ".join(DOMAIN_KEYS),
            )
        if len(set(desk["domains"])) != len(desk["domains"]):
            raise ConfigError(file, f"desks[{i}].domains", f"got {desk['domains']!r}; allowed: each domain once")


def scenario_from_dict(raw: dict[str, Any], name: str, file: str, folder: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (as read from TOML); ``file`` names it in error messages.

    ``folder``: the directory of the scenario's file, against which a ``parameters`` file it names
    is found; None (text uploaded to the dashboard, or kept in a project file) refuses one.
    """
    for key in raw:
        if key not in ("scenario", "town", "mechanisms"):
            raise ConfigError(file, key, "unknown section; allowed: scenario, town, mechanisms")
    meta = raw.get("scenario")
    if not isinstance(meta, dict):
        raise ConfigError(file, "scenario", "missing [scenario] table with " + ", ".join(SCENARIO_REQUIRED_KEYS))
    for key in meta:
        if key not in (*SCENARIO_META_KEYS, SCENARIO_PARAMETERS_KEY):
            allowed = ", ".join((*SCENARIO_META_KEYS, SCENARIO_PARAMETERS_KEY))
            raise ConfigError(file, f"scenario.{key}", "unknown key; allowed: " + allowed)
    parameters = _parameters_file(meta.get(SCENARIO_PARAMETERS_KEY), file, folder)
    for key in SCENARIO_META_KEYS:
        required = key in SCENARIO_REQUIRED_KEYS
        if (required or key in meta) and (not isinstance(meta.get(key), str) or not meta[key].strip()):
            raise ConfigError(file, f"scenario.{key}", "missing or empty; allowed: a non-empty string")
    town = _validate_town_overrides(raw.get("town", {}), file)
    mechanisms = _validate_mechanisms(raw.get("mechanisms", {}), file)
    return Scenario(
        name,
        file,
        meta["title_ja"],
        meta.get("title_en") or meta["title_ja"],  # a planner's own file may be in Japanese only
        meta["description_ja"],
        meta.get("description_en") or meta["description_ja"],
        town,
        mechanisms,
        parameters=parameters,
    )


def _parameters_file(value: Any, file: str, folder: Path | None) -> str | None:
    """The parameter-sets file a scenario names, found relative to the scenario's own file."""
    if value is None:
        return None
    key = f"scenario.{SCENARIO_PARAMETERS_KEY}"
    if folder is None:
        raise ConfigError(
            file,
            key,
            "a scenario loaded on the dashboard cannot name a parameters file; allowed: remove the key (the "
            "dashboard's 比較の条件 offers parameter uncertainty), or run the file with `community-sim`",
        )
    return str(locate_parameters(value, folder, file, key))


def locate_parameters(value: Any, folder: Path, file: str, key: str) -> Path:
    """The parameter-sets file that ``file`` names at ``key``: a bundled name (``national_ensemble``), or
    a path relative to ``folder``, the naming file's directory.

    Raises:
        ConfigError: naming ``file`` and ``key`` when the value is no name or there is no such file.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, key, f"got {value!r}; allowed: a bundled name or the path of a parameter-sets file")
    bundled = not value.endswith(".toml") and "/" not in value
    return _locate(value if bundled else folder / value, "parameters", file, key).resolve()


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a TOML-ready dict; ``scenario_from_dict`` reads it back unchanged."""
    raw: dict[str, Any] = {
        "scenario": {
            "title_ja": scenario.title_ja,
            "title_en": scenario.title_en,
            "description_ja": scenario.description_ja,
            "description_en": scenario.description_en,
        }
    }
    if scenario.parameters:
        raw["scenario"][SCENARIO_PARAMETERS_KEY] = scenario.parameters
    if scenario.town:
        raw["town"] = {section: dict(values) for section, values in scenario.town.items()}
    if scenario.mechanisms:
        raw["mechanisms"] = {name: dict(values) for name, values in scenario.mechanisms.items()}
    return raw


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as scenario-file text, runnable with ``community-sim run FILE``."""
    return tomli_w.dumps(scenario_to_dict(scenario))


def town_to_toml(town: TownProfile) -> str:
    """The town profile as town-file text, loadable with ``load_town``/``--town FILE``."""
    return tomli_w.dumps(town.profile)


def _validate_mechanisms(raw: Any, file: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ConfigError(file, "mechanisms", "expected tables [mechanisms.NAME]")
    out = {}
    for name, values in raw.items():
        if name not in MECHANISM_BY_NAME:
            raise ConfigError(file, f"mechanisms.{name}", "unknown mechanism; allowed: " + ", ".join(MECHANISM_BY_NAME))
        params = MECHANISM_BY_NAME[name].declared_params()
        validate_block(params, values, file, f"mechanisms.{name}")  # checks keys and values
        out[name] = dict(values)
    return out


def _validate_town_overrides(raw: Any, file: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ConfigError(file, "town", "expected tables [town.SECTION]")
    for section, values in raw.items():
        if section not in TOWN_PARAMS:
            raise ConfigError(file, f"town.{section}", "unknown section; allowed: " + ", ".join(TOWN_PARAMS))
        if not isinstance(values, dict):
            raise ConfigError(file, f"town.{section}", "expected a table")
        for key, value in values.items():
            params = TOWN_PARAMS[section]
            if key not in params:
                raise ConfigError(file, f"town.{section}.{key}", "unknown key; allowed: " + ", ".join(params))
            if (section, key) in FIXED_IN_SCENARIOS:
                raise ConfigError(
                    file,
                    f"town.{section}.{key}",
                    "a scenario cannot change who lives in the town or its 自治会 areas (every scenario starts "
                    "from the same town); allowed: change it in a town profile",
                )
            _check_override(params[key], value, file, f"town.{section}.{key}")
    return raw


def _check_override(param: Param, value: Any, file: str, key: str) -> None:
    if isinstance(value, dict) and param.kind in ("float", "int"):
        if len(value) != 1 or next(iter(value)) not in OVERRIDE_OPS:
            raise ConfigError(file, key, "an operation table needs exactly one of: " + ", ".join(OVERRIDE_OPS))
        op, operand = next(iter(value.items()))
        if isinstance(operand, bool) or not isinstance(operand, int | float) or not math.isfinite(operand):
            raise ConfigError(file, f"{key}.{op}", f"got {operand!r}; allowed: a finite number")
        if op == "set":
            validate(param, operand, file, f"{key}.{op}")
    else:
        validate(param, value, file, key, param.default if isinstance(param.default, dict) else None)


def _apply_override(param: Param, current: Any, value: Any, file: str, key: str) -> Any:
    if isinstance(value, dict) and param.kind in ("float", "int"):
        op, operand = next(iter(value.items()))
        new = {"set": operand, "multiply": current * operand, "add": current + operand}[op]
        where = f"{key} (applied to the town's value {current!r})"
        if not math.isfinite(new):  # e.g. 1e308 × the town's value
            raise ConfigError(file, where, f"{op} {operand!r} gives {new!r}; allowed: {param.allowed()}")
        if param.kind == "int":
            new = round(new)
        return validate(param, new, file, where)
    return validate(param, value, file, key, current if isinstance(current, dict) else None)


def effective_profile(scenario: Scenario, town: TownProfile) -> dict[str, Any]:
    """The town profile with the scenario's changes applied (validated again).

    Also checks the scenario's settings that name parts of the town (the council's host desk).
    """
    _check_named_desks(scenario, town)
    profile: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in town.profile.items()}
    for section, values in scenario.town.items():
        profile[section] = dict(profile[section])
        for key, value in values.items():
            profile[section][key] = _apply_override(
                TOWN_PARAMS[section][key], profile[section][key], value, scenario.file, f"town.{section}.{key}"
            )
    return validate_profile({k: v for k, v in profile.items()}, scenario.file, base=None)


def _check_named_desks(scenario: Scenario, town: TownProfile) -> None:
    """Every desk a mechanism will use must be a desk of the town, defaults included.

    The 自立支援協議会 opens a resource for a domain no desk covers (制度の狭間) at its
    ``host_desk``; a town without that desk would report resources opened, with staff, at a desk
    that does not exist. The host is needed only when the council can act (it is on and
    functioning) and some domain is left uncovered by the town's desks.
    """
    kinds = [d["kind"] for d in town.profile["desks"]]
    own = scenario.mechanisms.get("council", {})
    council = mechanism_params(scenario)["council"]
    host = council["host_desk"]
    if host in kinds:
        return
    if "host_desk" in own:  # named by the scenario: always checked
        raise ConfigError(
            scenario.file,
            "mechanisms.council.host_desk",
            f"{host!r} is not a desk of town {town.name!r} ({town.file}); allowed: " + ", ".join(kinds),
        )
    covered = {domain for d in town.profile["desks"] for domain in d["domains"]}
    uncovered = [k for k in DOMAIN_KEYS if k not in covered]
    functioning = council["research"] * council["collaboration"] * council["creativity"] > 0
    if council["enabled"] and functioning and uncovered:
        raise ConfigError(
            town.file,
            "desks",
            f"town {town.name!r} has no {host!r} desk, which hosts the resources the 自立支援協議会 opens for "
            f"domains no desk covers ({', '.join(uncovered)}); scenario {scenario.name!r} leaves "
            f"mechanisms.council.host_desk at its default {host!r}; allowed: add a [[desks]] table with "
            f"kind = {host!r} to the town, or set mechanisms.council.host_desk in the scenario to one of "
            + ", ".join(kinds),
        )


def mechanism_params(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Every mechanism's parameters: defaults with the scenario's values on top."""
    return {
        name: validate_block(
            cls.declared_params(), scenario.mechanisms.get(name, {}), scenario.file, f"mechanisms.{name}"
        )
        for name, cls in MECHANISM_BY_NAME.items()
    }
