"""Declared parameters: one place for a default, its range, meaning and source.

Mechanisms and the town profile declare their parameters as :class:`Param` objects.
Files (TOML) are validated against these declarations before anything runs, and
``docs/parameters.md`` is generated from them, so a default never lacks a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.domain import DOMAIN_KEYS, FAMILY_TYPE_KEYS, PROBLEM_STAGE_KEYS, TYPE_KEYS


class ConfigError(Exception):
    """A bad input file: names the file, the key and what is allowed."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: key '{key}'" if key else f"{file}"
        super().__init__(f"{where}: {problem}")


KINDS = (
    "float",
    "int",
    "bool",
    "str",
    "text",
    "by_stage",
    "by_type",
    "by_domain",
    "by_family_type",
    "age_bands",
    "domains",
)


@dataclass(frozen=True)
class Param:
    """One parameter.

    Attributes:
        default: Default value. ``by_stage`` and ``by_type`` defaults are dicts keyed by
            stage ("latent", "manifest", "complex") or household type.
        doc: What the parameter means, with its unit.
        source: The published source of the default, or "Assumption: ..." with the reasoning.
        kind: One of ``KINDS``.
        low: Smallest allowed value (numbers and each entry of a table).
        high: Largest allowed value.
        choices: Allowed strings for ``str``.
    """

    default: Any
    doc: str
    source: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        rng = _range_text(self.low, self.high)
        match self.kind:
            case "bool":
                return "true or false"
            case "str":
                return "one of " + ", ".join(repr(c) for c in self.choices)
            case "text":
                return "a string"
            case "int":
                return f"an integer {rng}".strip()
            case "float":
                return f"a number {rng}".strip()
            case "by_stage":
                return f"a table with keys {', '.join(PROBLEM_STAGE_KEYS)}, each a number {rng}".strip()
            case "by_type":
                return f"a table with keys {', '.join(TYPE_KEYS)}, each a number {rng}".strip()
            case "by_domain":
                return (
                    f"a table with keys from {', '.join(DOMAIN_KEYS)} (missing keys are 0), each a number {rng}".strip()
                )
            case "by_family_type":
                return f"a table with keys {', '.join(FAMILY_TYPE_KEYS)}, each a number {rng}".strip()
            case "age_bands":
                return (
                    "a table of age bands covering every age once, from 0 to an open last band, e.g. "
                    '{"0-14" = 11.9, "15-64" = 59.5, "65+" = 28.6} or 5-year bands "0-4" … "100+" '
                    f"(a band starts at a multiple of 5), each a number {rng}".strip()
                )
            case "domains":
                return "a list of domains from " + ", ".join(DOMAIN_KEYS)
        raise AssertionError(self.kind)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None:
        return f">= {low}"
    if high is not None:
        return f"<= {high}"
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_number(value: Any, param: Param, file: str, key: str, integer: bool = False) -> float:
    ok = isinstance(value, int) and not isinstance(value, bool) if integer else _is_number(value)
    if not ok or (isinstance(value, float) and not np.isfinite(value)):
        raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
    if (param.low is not None and value < param.low) or (param.high is not None and value > param.high):
        raise ConfigError(file, key, f"{value!r} is out of range; allowed: {param.allowed()}")
    return value


def _check_table(value: Any, keys: tuple[str, ...], param: Param, file: str, key: str, partial_of: dict | None) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
    for sub in value:
        if sub not in keys:
            raise ConfigError(file, f"{key}.{sub}", f"unknown key; allowed: {', '.join(keys)}")
    missing = [k for k in keys if k not in value]
    if missing and partial_of is None:
        raise ConfigError(file, key, f"missing {', '.join(missing)}; allowed: {param.allowed()}")
    merged = dict(partial_of or {})
    for sub, v in value.items():
        merged[sub] = _check_number(v, param, file, f"{key}.{sub}")
    return merged


def validate(param: Param, value: Any, file: str, key: str, base: Any = None) -> Any:
    """Check ``value`` against ``param`` and return the clean value.

    Tables (``by_stage``/``by_type``) may be partial when ``base`` is given: the missing
    entries keep ``base``'s values, so a scenario can change one household type only.

    Raises:
        ConfigError: naming the file, key and what is allowed.
    """
    match param.kind:
        case "bool":
            if not isinstance(value, bool):
                raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
            return value
        case "str":
            if value not in param.choices:
                raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
            return value
        case "text":
            if not isinstance(value, str):
                raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
            return value
        case "int":
            return _check_number(value, param, file, key, integer=True)
        case "float":
            return float(_check_number(value, param, file, key))
        case "by_stage":
            return _check_table(value, PROBLEM_STAGE_KEYS, param, file, key, base)
        case "by_type":
            return _check_table(value, TYPE_KEYS, param, file, key, base)
        case "by_domain":
            table = _check_table(value, DOMAIN_KEYS, param, file, key, {k: 0.0 for k in DOMAIN_KEYS})
            if sum(table.values()) <= 0:
                raise ConfigError(file, key, f"all weights are zero; allowed: {param.allowed()}, not all zero")
            return table
        case "by_family_type":
            return _check_table(value, FAMILY_TYPE_KEYS, param, file, key, None)
        case "age_bands":
            return _check_age_bands(value, param, file, key)
        case "domains":
            if not isinstance(value, list) or not all(v in DOMAIN_KEYS for v in value):
                raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
            return list(value)
    raise AssertionError(param.kind)


# The source of a default fitted by the national calibration (docs/calibration.md): each fitted
# parameter's source starts with it, so a new calibration updates one line.
CALIBRATED = "Calibrated: experiments/calibration/national.toml, 2026-11-29 (best fit; docs/calibration.md)"

AGE_BAND_STEP = 5
OLDEST_BAND_START = 100
_BAND = re.compile(r"^(\d+)(?:-(\d+)|\+)$")


def parse_age_band(label: str) -> tuple[int, int | None] | None:
    """``(first age, last age)`` of a band label, ``None`` as the last age of an open band ("85+").

    Accepts "0-4", "85+" and e-Stat's "0～4歳", "100歳以上". Returns ``None`` for a label that is no band
    (bands start at a multiple of 5 and end just before one).
    """
    text = str(label).strip().replace("歳以上", "+").replace("以上", "+").replace("歳", "")
    for dash in ("～", "〜", "~", "－", "−", "–"):
        text = text.replace(dash, "-")
    match = _BAND.match(text.replace(" ", ""))
    if match is None:
        return None
    low = int(match.group(1))
    high = None if match.group(2) is None else int(match.group(2))
    if low % AGE_BAND_STEP or low > OLDEST_BAND_START:
        return None
    if high is not None and (high < low or (high + 1) % AGE_BAND_STEP):
        return None
    return low, high


def band_label(low: int, high: int | None) -> str:
    """The canonical label of a band ("0-4", "85+")."""
    return f"{low}+" if high is None else f"{low}-{high}"


def _check_age_bands(value: Any, param: Param, file: str, key: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(file, key, f"got {value!r}; allowed: {param.allowed()}")
    bands: list[tuple[int, int | None, str, float]] = []
    for label, v in value.items():
        parsed = parse_age_band(label)
        if parsed is None:
            raise ConfigError(
                file,
                f"{key}.{label}",
                'no such age band; allowed: "A-B" with A a multiple of 5 and B + 1 a multiple of 5 (e.g. "0-4", '
                '"15-64"), or an open last band "A+" (e.g. "85+", "100+")',
            )
        bands.append((*parsed, str(label), _check_number(v, param, file, f"{key}.{label}")))
    bands.sort(key=lambda b: b[0])
    expected = 0
    for low, high, label, _ in bands:
        if low != expected:
            what = f"ages {expected}-{low - 1} are in no band" if low > expected else f"band {label!r} overlaps another"
            raise ConfigError(file, key, f"{what}; allowed: {param.allowed()}")
        if high is None and (low, high, label) != bands[-1][:3]:
            raise ConfigError(file, f"{key}.{label}", "an open band must be the last (oldest) one")
        expected = high + 1 if high is not None else -1
    if expected != -1:
        raise ConfigError(file, key, f'the oldest band must be open (e.g. "{expected}+"); allowed: {param.allowed()}')
    if not any(b[3] > 0 for b in bands):
        raise ConfigError(file, key, f"every band is zero; allowed: {param.allowed()}, not all zero")
    return {band_label(low, high): float(v) for low, high, _, v in bands}


def defaults(params: dict[str, Param]) -> dict[str, Any]:
    """The default values of a parameter block."""
    return {name: (dict(p.default) if isinstance(p.default, dict) else p.default) for name, p in params.items()}


def validate_block(
    params: dict[str, Param], values: Any, file: str, prefix: str, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Validate a TOML table against a block of parameters, on top of ``base`` (or defaults)."""
    if not isinstance(values, dict):
        raise ConfigError(file, prefix, f"expected a table; got {values!r}")
    out = dict(base) if base is not None else defaults(params)
    for name, value in values.items():
        key = f"{prefix}.{name}" if prefix else name
        if name not in params:
            raise ConfigError(file, key, "unknown key; allowed: " + ", ".join(params))
        out[name] = validate(params[name], value, file, key, out.get(name))
    return out


def stage_array(table: dict[str, float], none_value: float = 0.0) -> np.ndarray:
    """A by-stage table as an array indexed by ``Stage`` (NONE gets ``none_value``)."""
    return np.array([none_value, *(table[k] for k in PROBLEM_STAGE_KEYS)], dtype=np.float64)


def type_array(table: dict[str, float]) -> np.ndarray:
    """A by-type table as an array indexed by ``HouseholdType``."""
    return np.array([table[k] for k in TYPE_KEYS], dtype=np.float64)


def domain_array(table: dict[str, float]) -> np.ndarray:
    """A by-domain table as an array indexed by ``Domain`` (missing domains are 0)."""
    return np.array([table.get(k, 0.0) for k in DOMAIN_KEYS], dtype=np.float64)


def most_by_mask(by_domain: np.ndarray) -> np.ndarray:
    """For every domain bitmask, the largest of ``by_domain`` over the domains it holds (0 for none):
    a table indexed by ``hh.domains``."""
    masks = np.arange(1 << len(by_domain))
    held = ((masks[:, None] >> np.arange(len(by_domain))) & 1).astype(bool)
    return np.where(held, by_domain[None, :], 0.0).max(axis=1)


def weekly_from_annual(p: np.ndarray | float) -> np.ndarray:
    """Weekly probability with the same annual probability (52 independent weeks)."""
    return 1.0 - (1.0 - np.asarray(p, dtype=np.float64)) ** (1.0 / 52.0)


def weekly_from_mean_weeks(mean_weeks: np.ndarray | float) -> np.ndarray:
    """Weekly hazard of a geometric waiting time with the given mean (inf → 0)."""
    m = np.asarray(mean_weeks, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(m > 0, 1.0 / np.maximum(m, 1.0), 0.0)
