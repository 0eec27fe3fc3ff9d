"""Building a scenario with switches and sliders, saving it as a file and loading one back.

A scenario built here is an ordinary :class:`sim.config.Scenario`: it is validated by the
model's schema (:func:`sim.config.scenario_from_dict`) and saved with
:func:`sim.config.scenario_to_toml`, so the saved file runs unchanged with
``community-sim run FILE``.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboards.town_form import population
from sim.config import (
    Scenario,
    TownProfile,
    effective_profile,
    load_scenario_text,
    mechanism_params,
    scenario_from_dict,
    scenario_to_dict,
    scenario_to_toml,
)
from sim.mechanisms import MECHANISM_BY_NAME, MECHANISMS, Mechanism
from sim.params import ConfigError
from sim.tomlfile import decode_text
from sim.town import TOWN_PARAMS

MAX_UPLOAD_BYTES = 64 * 1024
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


@dataclass(frozen=True)
class Lever:
    """A switch or slider of the scenario builder, bound to one model parameter.

    Attributes:
        section: ``"mechanisms"`` or ``"town"``.
        block: Mechanism name, or town profile section.
        key: Parameter name in the block.
        label: ``(ja, en)`` label.
        help: ``(ja, en)`` plain-language explanation shown next to the control.
        low: Slider minimum (in the units shown).
        high: Slider maximum.
        step: Slider step.
        scale: Shown value = parameter value × scale (100 for shares shown in %).
        count_of: For a rate or density shown as a count in the town, as the town form shows it:
            ``posts`` (a share of the 民生委員 posts), ``elderly`` or ``people`` (per 10,000).
        group: For a switch, its group in :data:`SWITCH_GROUPS` (the builder shows them apart).
    """

    section: str
    block: str
    key: str
    label: tuple[str, str]
    help: tuple[str, str]
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    scale: float = 1.0
    count_of: str = ""
    group: str = ""  # a switch's group in SWITCH_GROUPS

    @property
    def id(self) -> str:
        """A unique identifier, e.g. ``mechanisms.outreach.hours_per_week_per_10k_households``."""
        return f"{self.section}.{self.block}.{self.key}"

    @property
    def is_switch(self) -> bool:
        """Whether the lever is an on/off switch."""
        return self.param.kind == "bool"

    @property
    def param(self):
        """The model's declaration of the parameter (:class:`sim.params.Param`)."""
        if self.section == "mechanisms":
            return MECHANISM_BY_NAME[self.block].declared_params()[self.key]
        return TOWN_PARAMS[self.block][self.key]


# The builder's switches, in three groups: the community's functions (slide 2-4), the services,
# and the model's structure (how problems start, deepen and resolve: for research, folded away).
SWITCH_GROUPS = ("community", "services", "structure")


def _switch_group(mechanism: type[Mechanism]) -> str:
    if mechanism.slide_group in ("services", "structure"):
        return mechanism.slide_group
    return "community"


def _switch_of(mechanism: type[Mechanism]) -> Lever | None:
    """The builder's switch a mechanism declares: its ``workshop_lever`` parameter when that is on/off.

    A mechanism whose lever is a number (outreach's hours) is a slider instead. The switch is named
    after the mechanism, or after the policy it sets (``lever_title_*``, e.g. 断らない相談支援) when
    that is not the mechanism's own on/off; its help is the mechanism's ``switch_*`` text.
    """
    param = mechanism.workshop_lever[0]
    if mechanism.declared_params()[param].kind != "bool":
        return None
    policy = param != "enabled"
    label = (
        (mechanism.lever_title_ja or mechanism.title_ja) if policy else mechanism.title_ja,
        (mechanism.lever_title_en or mechanism.title_en) if policy else mechanism.title_en,
    )
    return Lever(
        "mechanisms",
        mechanism.name,
        param,
        label,
        (mechanism.switch_ja, mechanism.switch_en),
        group=_switch_group(mechanism),
    )


def _switches() -> tuple[Lever, ...]:
    levers = [lever for m in MECHANISMS if m.switchable and (lever := _switch_of(m)) is not None]
    return tuple(sorted(levers, key=lambda lever: SWITCH_GROUPS.index(lever.group)))  # stable: registry order


SWITCHES: tuple[Lever, ...] = _switches()

SLIDERS: tuple[Lever, ...] = (
    Lever(
        "mechanisms",
        "outreach",
        "hours_per_week_per_10k_households",
        ("アウトリーチの時間（1万世帯あたり週何時間）", "Outreach (staff hours a week per 10,000 households)"),
        (
            "窓口に来ない世帯を訪ねる専任職員の時間。40時間で常勤1人分です。0ならアウトリーチはありません。",
            "Hours of dedicated staff who visit households that do not come to desks; 40 hours is one full-time "
            "worker. 0 means no outreach.",
        ),
        0,
        200,
        10,
    ),
    Lever(
        "mechanisms",
        "caseloads",
        "capacity_per_professional",
        ("専門職1人が持てる担当ケース数", "Cases one professional can hold"),
        (
            "これを超える世帯は待機リストに入ります。少ないほど手厚い支援ですが、待つ世帯が増えます。",
            "Households beyond this wait on a list. Fewer means closer support but longer waiting.",
        ),
        5,
        80,
        1,
    ),
    Lever(
        "town",
        "jichikai",
        "membership_rate",
        ("自治会の加入率（%）", "自治会 membership (%)"),
        (
            "自治会に加入している世帯の割合。加入世帯は近所づきあいが多く、見守りや住民からの情報提供が届きやすくなります。",
            "Share of households in their 自治会. Members have more neighbour ties, so watching and reporting "
            "reach them more easily.",
        ),
        0,
        100,
        1,
        100.0,
    ),
    Lever(
        "town",
        "jichikai",
        "activity",
        ("自治会の活動の活発さ（0〜1）", "自治会 activity (0–1)"),
        (
            "見守り・声かけ・回覧・行事の活発さ。0は休眠状態、1はとても活発です。活発なほど住民からの情報提供が増えます。",
            "How active associations are (watching, greetings, circulars, events): 0 dormant, 1 very active. More "
            "activity means more reports from residents.",
        ),
        0,
        1,
        0.05,
    ),
    # The same units as the town form (dashboards/town_form.py): counts in this town, not rates.
    Lever(
        "town",
        "minsei",
        "vacancy_rate",
        ("民生委員の欠員数", "民生委員 vacancies"),
        (
            "定数のうち、なり手がなく空いている地区の数。空いた地区には訪問がありません。なり手を確保すると減ります。",
            "Posts with nobody in them; vacant districts get no visits. Recruiting lowers it.",
        ),
        0,
        1,
        1,
        count_of="posts",
    ),
    Lever(
        "town",
        "venues",
        "kayoi_per_10k_65plus",
        ("通いの場・サロンの数", "通いの場 / salons for older people"),
        (
            "高齢者の通いの場・サロンの数（全国は65歳以上1万人あたり約40か所）。増やすと参加者が増え、"
            "スタッフが変化に気づく機会が増えます。",
            "Number of venues for older people (about 40 per 10,000 people aged 65+ nationally). More venues mean "
            "more participants and more chances for staff to notice changes.",
        ),
        0,
        200,
        1,
        count_of="elderly",
    ),
    Lever(
        "town",
        "venues",
        "ibasho_per_10k_people",
        ("居場所の数（子ども食堂・ひきこもりの居場所など）", "居場所 (children's cafeterias, drop-in places, …)"),
        (
            "誰でも立ち寄れる居場所の数（全国は人口1万人あたり約0.9か所）。",
            "Number of drop-in places such as children's cafeterias (about 0.9 per 10,000 people nationally).",
        ),
        0,
        10,
        1,
        count_of="people",
    ),
    Lever(
        "mechanisms",
        "council",
        "research",
        ("協議会の調査研究の力（0〜1）", "Council: research (0–1)"),
        (
            "地域の課題を調べ、根拠をもって訴える力。高いほど満たされないニーズを早く取り上げます。",
            "How well the council assesses the area and argues for its issues; higher takes up unmet needs sooner.",
        ),
    ),
    Lever(
        "mechanisms",
        "council",
        "collaboration",
        ("協議会の協働性（0〜1）", "Council: collaboration (0–1)"),
        (
            "機関や住民とのネットワークと信頼。高いほど新しい資源づくりに協力が得られます。",
            "Its network and trust with agencies and residents; higher gets more help for new resources.",
        ),
    ),
    Lever(
        "mechanisms",
        "council",
        "creativity",
        ("協議会の創造性（0〜1）", "Council: creativity (0–1)"),
        (
            "話し合いを進め、アイデアを引き出して計画にする力。",
            "Facilitation and planning that draw out ideas.",
        ),
    ),
)

LEVERS: tuple[Lever, ...] = SWITCHES + SLIDERS


def lever_values(scenario: Scenario, town: TownProfile) -> dict[str, Any]:
    """What each lever shows for ``scenario`` on ``town`` (sliders in their display units).

    Args:
        scenario: A validated scenario.
        town: The town it runs on (town levers show the effective value there).

    Returns:
        Lever id → bool for switches, number for sliders.
    """
    profile = effective_profile(scenario, town)
    mechanisms = mechanism_params(scenario)
    values = {}
    for lever in LEVERS:
        raw = (mechanisms if lever.section == "mechanisms" else profile)[lever.block][lever.key]
        values[lever.id] = raw if lever.is_switch else _shown(lever, raw, profile)
    return values


def lever_ranges(scenario: Scenario, town: TownProfile) -> dict[str, tuple[float, float, float]]:
    """Each slider's (low, high, step) in the units shown; counts follow the size of ``town``."""
    profile = effective_profile(scenario, town)
    ranges = {}
    for lever in SLIDERS:
        if lever.count_of:
            base = _count_base(lever, profile)
            high = lever.param.high if lever.count_of == "posts" else min(lever.high, lever.param.high)
            ranges[lever.id] = (0, max(1, round(high * base)), 1)
        else:
            ranges[lever.id] = (lever.low, lever.high, lever.step)
    return ranges


def _count_base(lever: Lever, profile: Mapping[str, Any]) -> float:
    """What a count lever's parameter is a rate of: the 民生委員 posts, or 10,000 older people or people."""
    if lever.count_of == "posts":
        return max(1, round(profile["town"]["households"] / profile["minsei"]["households_per_district"]))
    people, elderly = population(profile)
    return (elderly if lever.count_of == "elderly" else people) / 10_000


def _shown(lever: Lever, raw: float, profile: Mapping[str, Any]) -> float:
    if lever.count_of:
        return round(raw * _count_base(lever, profile))
    return round(raw * lever.scale, 6)


def build_scenario(
    start: Scenario,
    town: TownProfile,
    values: Mapping[str, Any],
    name: str,
    title_ja: str,
    title_en: str,
    description: str = "",
) -> Scenario:
    """A scenario: ``start`` with the levers set to ``values``.

    Settings of ``start`` that no lever shows are kept. A lever left at the value it has without
    any policy (the mechanism's default, the town's own value) writes nothing to the file.
    Town values are written as absolute values for ``town``.

    Args:
        start: The scenario the planner started from.
        town: The town the scenario is built for.
        values: Lever id → value in display units (missing levers keep ``start``'s value).
        name: File name without ``.toml``.
        title_ja: Japanese title.
        title_en: English title (the Japanese one is used when empty).
        description: Description (both languages; a default one is written when empty).

    Returns:
        The validated scenario.

    Raises:
        ConfigError: A value is not allowed by the model's schema.
    """
    raw = copy.deepcopy(scenario_to_dict(start))
    shown = lever_values(start, town)
    profile = effective_profile(start, town)
    mechanisms = mechanism_params(start)
    for lever in LEVERS:
        value = values.get(lever.id, shown[lever.id])
        if not lever.is_switch:
            if value == shown[lever.id]:  # left as shown: the exact value, not one rounded to the units shown
                value = (mechanisms if lever.section == "mechanisms" else profile)[lever.block][lever.key]
            else:
                value = _to_param(lever, value, profile)
        block = raw.setdefault(lever.section, {}).setdefault(lever.block, {})
        neutral = lever.param.default if lever.section == "mechanisms" else town.profile[lever.block][lever.key]
        if value == neutral:
            block.pop(lever.key, None)
        else:
            block[lever.key] = value
    for section in ("town", "mechanisms"):
        raw[section] = {k: v for k, v in raw.get(section, {}).items() if v}
        if not raw[section]:
            del raw[section]
    text = description.strip() or f"{start.title_ja}をもとにダッシュボードで作成したシナリオ。"
    raw["scenario"] = {
        "title_ja": title_ja.strip() or name,
        "title_en": title_en.strip() or title_ja.strip() or name,
        "description_ja": text,
        "description_en": description.strip() or f"Built in the dashboard from '{start.title_en}'.",
    }
    return scenario_from_dict(raw, name, f"{name}.toml")


def _to_param(lever: Lever, shown: float, profile: Mapping[str, Any]) -> float | int:
    value = shown / (_count_base(lever, profile) if lever.count_of else lever.scale)
    if lever.count_of == "posts":
        value = min(value, 1.0)
    return round(value) if lever.param.kind == "int" else round(float(value), 6)


def name_problem(name: str, taken: set[str], lang: str = "ja") -> str | None:
    """A message when ``name`` cannot be a scenario file name, else ``None``."""
    from dashboards.i18n import tr

    if not NAME_PATTERN.match(name):
        return tr("bad_name", lang)
    if name in taken:
        return tr("name_taken", lang)
    return None


def scenario_file(scenario: Scenario) -> tuple[str, bytes]:
    """The file name and UTF-8 bytes of a scenario file for download."""
    return f"{scenario.name}.toml", scenario_to_toml(scenario).encode("utf-8")


def upload_bytes(info: Mapping[str, Any]) -> bytes | str | None:
    """The content of an upload event: the file's bytes (sent as base64), or text (older pages, tests)."""
    if info.get("base64") is not None:
        try:
            return base64.b64decode(info["base64"], validate=True)
        except (ValueError, TypeError):
            return b"\xff"  # not base64: reported as a file that is not UTF-8 text
    return info.get("text")


def upload_text(
    data: bytes | str | None, size: int, limit: int, lang: str = "ja", file: str = "", kind: str = "scenario"
) -> tuple[str, str]:
    """An uploaded file's text, or a message when it is larger than ``limit`` bytes or not UTF-8.

    The encoding rule is the command line's (:func:`sim.tomlfile.decode_text`): UTF-8 with or
    without a byte-order mark; anything else gets a message that says to save it as UTF-8.

    Returns:
        ``(text, "")`` or ``("", message)``.
    """
    from dashboards.i18n import tr

    raw = data.encode("utf-8") if isinstance(data, str) else data
    size = max(size, len(raw or b""))
    if raw is None or size > limit:
        return "", tr("town_upload_too_big" if kind == "town" else "upload_too_big", lang, size=size, limit=limit)
    try:
        return decode_text(raw, file), ""
    except ConfigError as e:
        return "", tr("bad_file", lang, detail=str(e))


def read_upload(
    name: str, data: bytes | str | None, size: int, lang: str = "ja", town: TownProfile | None = None
) -> tuple[Scenario | None, str | None]:
    """A scenario from an uploaded file, checked for size, encoding, against the schema and the town.

    Args:
        name: The uploaded file's name.
        data: Its content (``None`` when the browser refused to read a file that is too large).
        size: Its size in bytes as the browser reported it.
        lang: Language of the message.
        town: The town it will run on: a scenario that does not fit it (a value that leaves its
            range once applied, a desk the town lacks) is refused now, not when the run starts.

    Returns:
        ``(scenario, None)`` or ``(None, message)``.
    """
    from dashboards.i18n import config_error_text, tr

    text, problem = upload_text(data, size, MAX_UPLOAD_BYTES, lang, name)
    if problem:
        return None, problem
    stem = re.sub(r"[^a-z0-9_]", "_", name.rsplit(".", 1)[0].lower()) or "uploaded"
    if not stem[0].isalpha():
        stem = f"s_{stem}"
    try:
        scenario = load_scenario_text(text, stem, name)
        if town is not None:
            effective_profile(scenario, town)
    except ConfigError as e:
        return None, tr("bad_file", lang, detail=config_error_text(e, lang))
    return scenario, None
