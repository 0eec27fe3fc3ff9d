"""The switches of the workshop: slide 2-4's community functions and the services, as scenarios.

The switches are made from the mechanisms' own declarations: each mechanism with ``in_workshop``
is one switch, labelled with its title, grouped by its stage of slide 2-4 (``slide_group``), and
standing for the seed's words it quotes (``seed_ja``); the switch sets the mechanism's
``workshop_lever`` (its own on/off switch, or a policy parameter such as 断らない相談支援).
The workshop builds the scenario in memory with :func:`scenario_for`; the model is not changed.
docs/workshop.md lists the switches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.config import Scenario, scenario_from_dict
from sim.mechanisms import MECHANISMS, Mechanism
from sim.params import ConfigError

WORKSHOP_TOWN = "workshop"


@dataclass(frozen=True)
class Function:
    """One switch of the workshop and what it changes in a scenario when it is on and when off."""

    key: str
    group: str  # "community" (slide 2-4) or "service" (重層的支援体制整備事業)
    label_ja: str
    label_en: str
    stage: str  # the stage of slide 2-4 it belongs to (or "service")
    seed_text: str  # the seed's words it stands for, with the slide
    on: Mapping[str, Mapping[str, Any]]  # scenario sections when on
    off: Mapping[str, Mapping[str, Any]]  # … and when off


# Slide 2-4's stages, in order, and where each mechanism's slide group falls among them.
STAGE_OF_GROUP = {
    "prevention": "none",
    "noticing": "latent",
    "connecting": "manifest",
    "accompanying": "complex",
    "services": "service",
}
STAGES = ("none", "latent", "manifest", "complex", "service")


def _function_of(mechanism: type[Mechanism]) -> Function:
    """The workshop switch a mechanism declares (``in_workshop``, ``seed_ja``, ``workshop_lever``)."""
    param, on, off = mechanism.workshop_lever
    stage = STAGE_OF_GROUP[mechanism.slide_group]
    return Function(
        mechanism.name,
        "service" if stage == "service" else "community",
        mechanism.lever_title_ja or mechanism.title_ja,
        mechanism.lever_title_en or mechanism.title_en,
        stage,
        mechanism.seed_ja,
        {"mechanisms": {mechanism.name: {param: on}}},
        {"mechanisms": {mechanism.name: {param: off}}}
        | ({"town": mechanism.workshop_off_town} if mechanism.workshop_off_town else {}),
    )


# One switch per mechanism that trainers demonstrate, by slide 2-4's stage, then the services.
FUNCTIONS: tuple[Function, ...] = tuple(
    sorted(
        (_function_of(m) for m in MECHANISMS if m.in_workshop),
        key=lambda f: STAGES.index(f.stage),
    )
)

FUNCTION_BY_KEY: dict[str, Function] = {f.key: f for f in FUNCTIONS}
COMMUNITY_KEYS = tuple(f.key for f in FUNCTIONS if f.group == "community")
SERVICE_KEYS = tuple(f.key for f in FUNCTIONS if f.group == "service")
KEYS_BY_STAGE: dict[str, tuple[str, ...]] = {
    stage: tuple(f.key for f in FUNCTIONS if f.stage == stage) for stage in STAGES
}
ALL_ON: dict[str, bool] = {f.key: True for f in FUNCTIONS}
ALL_OFF: dict[str, bool] = {f.key: False for f in FUNCTIONS}


def check_switches(switches: Mapping[str, bool], where: str = "switches") -> dict[str, bool]:
    """Every function's switch: those given, the rest on. Unknown keys raise ConfigError."""
    unknown = sorted(set(switches) - set(FUNCTION_BY_KEY))
    if unknown:
        raise ConfigError(where, unknown[0], "unknown function; allowed: " + ", ".join(FUNCTION_BY_KEY))
    for key, value in switches.items():
        if not isinstance(value, bool):
            raise ConfigError(where, key, f"got {value!r}; allowed: true or false")
    return {f.key: bool(switches.get(f.key, True)) for f in FUNCTIONS}


def scenario_for(switches: Mapping[str, bool]) -> Scenario:
    """The scenario in which each function is on or off as ``switches`` says (missing: on).

    Mechanisms no switch names keep their defaults (the bundled baseline).
    """
    full = check_switches(switches)
    raw: dict[str, Any] = {"mechanisms": {}, "town": {}}
    for f in FUNCTIONS:
        for section, tables in (f.on if full[f.key] else f.off).items():
            for name, values in tables.items():
                raw[section].setdefault(name, {}).update(values)
    off_ja = [FUNCTION_BY_KEY[k].label_ja for k, v in full.items() if not v]
    off_en = [FUNCTION_BY_KEY[k].label_en for k, v in full.items() if not v]
    raw["scenario"] = {
        "title_ja": "すべての機能あり" if not off_ja else "なし：" + "・".join(off_ja),
        "title_en": "Every function on" if not off_en else "Without: " + ", ".join(off_en),
        "description_ja": "研修用：地域の機能と支援の有無をスイッチで選んだ町。",
        "description_en": "Workshop: the community functions and services switched on or off.",
    }
    name = "workshop_" + "".join("1" if full[f.key] else "0" for f in FUNCTIONS)
    return scenario_from_dict({k: v for k, v in raw.items() if v}, name, f"workshop switches ({name})")
