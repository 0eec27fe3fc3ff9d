"""The switches of the workshop: slide 2-4's community functions and the services, as scenarios.

Each switch maps to mechanism switches and parameters (and, for 参加の場, the town's venues).
The workshop builds the scenario in memory with :func:`scenario_for`; the model is not changed.
docs/workshop.md explains each mapping from the seed lecture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.config import Scenario, scenario_from_dict
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


def _mech(**mechanisms: Mapping[str, Any]) -> dict[str, Any]:
    return {"mechanisms": dict(mechanisms)}


FUNCTIONS: tuple[Function, ...] = (
    Function(
        "watching",
        "community",
        "見守り・声かけ",
        "Watching and greeting",
        "none",
        "住民同士の声かけ、見守り、ふれあいが困りごとの発生をふせぐこともある（2-4 困りごとがない状態）",
        # 見守り only: the 民生委員's visits, a detection channel, stay on (issue 13).
        _mech(watching={"enabled": True}),
        _mech(watching={"enabled": False}),
    ),
    Function(
        "noticing",
        "community",
        "気づき",
        "Noticing",
        "latent",
        "「あの人ちょっと気になる」というレベルで、地域の誰かが気付く可能性がある；ちょっとした困りごとなら、"
        "住民同士で解決してしまうこともある（2-4 潜在的な生活課題がある状態）",
        _mech(neighbour_noticing={"enabled": True}, mutual_aid={"enabled": True}),
        _mech(neighbour_noticing={"enabled": False}, mutual_aid={"enabled": False}),
    ),
    Function(
        "information",
        "community",
        "住民からの情報提供",
        "Residents passing word on",
        "manifest",
        "住民からの情報提供で相談窓口につながることもある（2-4 顕在化）；地域からの情報でケースが発覚することも"
        "ある（2-4 複雑化・複合化）",
        _mech(information_relay={"enabled": True}),
        _mech(information_relay={"enabled": False}),
    ),
    Function(
        "staying_connected",
        "community",
        "つながり続けること",
        "Staying connected",
        "manifest",
        "つながり続けることで、状態の深刻化を防ぐ可能性がある（2-4 顕在化）；「伴走支援」は、地域住民の関わり"
        "なしには成り立たない（2-4 複雑化・複合化）",
        _mech(connection={"enabled": True}, accompaniment={"enabled": True}),
        _mech(connection={"enabled": False}, accompaniment={"enabled": False}),
    ),
    Function(
        "places",
        "community",
        "参加の場",
        "Places to take part",
        "complex",
        "多様なつながりの場が形成されることで、参加支援につながる（2-4 複雑化・複合化）",
        _mech(venue_staff={"enabled": True}, participation_support={"enabled": True}),
        {
            **_mech(venue_staff={"enabled": False}, participation_support={"enabled": False}),
            # No サロン or 居場所 at all: nobody meets there, so nobody is noticed or linked there.
            "town": {"venues": {"kayoi_per_10k_65plus": 0.0, "ibasho_per_10k_people": 0.0}},
        },
    ),
    Function(
        "one_stop_desk",
        "service",
        "断らない相談",
        "Never-refusing desk",
        "service",
        "属性にかかわらず、包括的に相談を受けとめる機能（包括的な支援体制の整備、厚生労働省資料2023）",
        _mech(desk_intake={"refuse_none": True}),
        _mech(desk_intake={"refuse_none": False}),
    ),
    Function(
        "outreach",
        "service",
        "アウトリーチ",
        "Outreach",
        "service",
        "アウトリーチ（1-1 重層的な体制が機能すると；1-4 重層的支援体制整備事業を進めるにあたって）",
        # One outreach worker-share at the jusoteki_full level (80 h a week per 10,000 households).
        _mech(outreach={"hours_per_week_per_10k_households": 80.0}),
        _mech(outreach={"hours_per_week_per_10k_households": 0.0}),
    ),
    Function(
        "multi_agency",
        "service",
        "多機関協働",
        "Multi-agency teams",
        "service",
        "関係機関が協働して、チームとして課題に対応するための体制づくり；重層的支援会議（本人の同意を得たケース）"
        "（1-4、2-3 多職種・複数専門機関によるチームアプローチ）",
        _mech(multi_agency_team={"enabled": True}, jusoteki_meeting={"enabled": True}),
        _mech(multi_agency_team={"enabled": False}, jusoteki_meeting={"enabled": False}),
    ),
    Function(
        "support_meeting",
        "service",
        "支援会議",
        "Support meeting",
        "service",
        "支援会議（106条）：本人の同意が得られていない潜在的な課題を抱えるケース←守秘義務（1-4）",
        _mech(support_meeting={"enabled": True}),
        _mech(support_meeting={"enabled": False}),
    ),
)

FUNCTION_BY_KEY: dict[str, Function] = {f.key: f for f in FUNCTIONS}
COMMUNITY_KEYS = tuple(f.key for f in FUNCTIONS if f.group == "community")
SERVICE_KEYS = tuple(f.key for f in FUNCTIONS if f.group == "service")
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
