"""Describing one's own town: the numbers a planner knows, turned into a validated town profile.

A planner knows counts (民生委員の定数と欠員, 自治会の数, 通いの場の数, 専門職の人数) and the
municipality's 国勢調査 figures from e-Stat (population by age, households by family type, 65+ living
alone); the model's profile holds rates, densities and the census figures. :func:`field_values` reads a
profile as such numbers, :func:`apply_fields` writes them back, and every value is checked twice: here (a
message next to the field, in the planner's language) and by the model's own schema
(:func:`sim.config.town_from_dict`, which raises :class:`~sim.params.ConfigError`).
"""

from __future__ import annotations

import copy
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.config import TownProfile, effective_profile, load_scenario, load_town_text, town_from_dict
from sim.domain import FAMILY_TYPE_KEYS
from sim.params import ConfigError
from sim.population import CensusFit, census_targets, fit_census
from sim.town import TOWN_PARAMS
from sim.vocabulary import label

ELDERLY_AGE = 65
AGE_GROUPS = {"age_0_14": (0, 14), "age_15_64": (15, 64), "age_65_plus": (65, None)}


@dataclass(frozen=True)
class TownField:
    """One number a planner enters about the town.

    Attributes:
        key: Identifier of the field.
        label: ``(ja, en)`` label.
        help: ``(ja, en)`` plain-language explanation shown next to the field.
        kind: ``"int"``, ``"float"``, ``"percent"`` (entered in %, stored as a share) or ``"text"``.
        low: Smallest allowed entry (in the units entered).
        high: Largest allowed entry.
    """

    key: str
    label: tuple[str, str]
    help: tuple[str, str]
    kind: str = "int"
    low: float | None = 0
    high: float | None = None


def _households_param_high() -> int:
    return int(TOWN_PARAMS["town"]["households"].high)


BASE_FIELDS: tuple[TownField, ...] = (
    TownField(
        "name_ja",
        ("町の名前", "Name of the town"),
        ("結果や資料に表示される名前です。", "Shown on the results and the council summary."),
        kind="text",
        low=None,
    ),
    TownField(
        "households",
        ("世帯数", "Households"),
        (
            "住民基本台帳などの世帯数。中学校区なら数千世帯、市全体なら数万世帯です。大きいほど計算に時間がかかります。",
            "Number of households (resident register). A school district has a few thousand, a city tens of "
            "thousands; larger towns take longer to compute.",
        ),
        low=int(TOWN_PARAMS["town"]["households"].low),
        high=_households_param_high(),
    ),
    TownField(
        "minsei_posts",
        ("民生委員の定数（担当地区の数）", "民生委員 posts (districts)"),
        (
            "民生委員・児童委員の定数。1人が1つの地区を担当します（全国平均は約266世帯に1人）。",
            "Number of 民生委員 (volunteer welfare commissioner) posts; each covers one district (about one per "
            "266 households nationally).",
        ),
        low=1,
    ),
    TownField(
        "minsei_vacancies",
        ("民生委員の欠員数", "民生委員 vacancies"),
        (
            "定数のうち、なり手がなく空いている地区の数。空いた地区には訪問がありません（全国の欠員率は約8%）。",
            "Posts with nobody in them. Vacant districts get no commissioner visits (about 8% nationally).",
        ),
        low=0,
    ),
    TownField(
        "jichikai_areas",
        ("自治会・町内会の数", "Number of 自治会 (neighbourhood associations)"),
        (
            "町の中の自治会・町内会の数。世帯はこの数の区域に分かれ、近所づきあいは区域の中で生まれます。",
            "Number of 自治会 / 町内会. Households are divided into this many areas; neighbour ties form within an "
            "area.",
        ),
        low=1,
    ),
    TownField(
        "membership_rate",
        ("自治会の加入率（%）", "自治会 membership (%)"),
        (
            "自治会に加入している世帯の割合（全国は約72%）。加入世帯は近所づきあいが多く、見守りや情報提供が届きやすくなります。",
            "Share of households in their 自治会 (about 72% nationally). Members have more neighbour ties, so "
            "watching and reporting reach them more easily.",
        ),
        kind="percent",
        low=0,
        high=100,
    ),
    TownField(
        "kayoi_count",
        ("通いの場・サロンの数", "通いの場 / salons for older people"),
        (
            "高齢者の通いの場・サロンの数（全国は65歳以上1万人あたり約40か所）。参加者の変化にスタッフが気づきます。",
            "Number of 通いの場 and salons (about 40 per 10,000 people aged 65+ nationally). Their staff notice "
            "changes in participants.",
        ),
        low=0,
    ),
    TownField(
        "ibasho_count",
        ("居場所の数（子ども食堂・ひきこもりの居場所など）", "居場所 (children's cafeterias, drop-in places, …)"),
        (
            "誰でも立ち寄れる居場所の数（全国は人口1万人あたり約0.9か所）。ひきこもりや障害のある人が参加しやすい場です。",
            "Number of drop-in places (about 0.9 per 10,000 people nationally); withdrawn and disabled people "
            "take part more easily here.",
        ),
        low=0,
    ),
)

ESTAT = "e-Stat「国勢調査 令和2年 人口等基本集計」"
CENSUS_SOURCE_FROM_FORM = "e-Stat 国勢調査 (counts entered on the dashboard's town form)"


def _age_field(key: str, ages_ja: str, ages_en: str) -> TownField:
    return TownField(
        key,
        (f"{ages_ja}の人口（人）", f"People aged {ages_en}"),
        (
            f"「年齢（5歳階級）別人口」（男女計）の{ages_ja}の人数の合計（年齢不詳は入れません）。",
            f"Population by 5-year age group (both sexes): the people aged {ages_en} (leave out age unknown).",
        ),
        low=0,
    )


def _family_field(key: str) -> TownField:
    ja, en = label("family_type", key), label("family_type", key, "en")
    where_ja = {
        "single_parent": "（男親と子供＋女親と子供）",
        "three_generation": "（「3世代世帯」の再掲の数）",
        "other": "。一般世帯数から他の5つを引いた残り（夫婦と親、兄弟姉妹、非親族を含む世帯など）",
    }.get(key, "")
    where_en = {
        "single_parent": " (father and children + mother and children)",
        "three_generation": " (the 3世代世帯 shown again below the table)",
        "other": ": the general households less the other five (couples with parents, siblings, non-relatives …)",
    }.get(key, "")
    return TownField(
        f"family_{key}",
        (f"{ja}（世帯）", f"{en[0].upper()}{en[1:]} (households)"),
        (
            f"「世帯の家族類型別一般世帯数」の「{ja}」{where_ja}。",
            f"General households by family type: {ja}{where_en}.",
        ),
        low=0,
    )


CENSUS_FIELDS: tuple[TownField, ...] = (
    _age_field("age_0_14", "0〜14歳", "0–14"),
    _age_field("age_15_64", "15〜64歳", "15–64"),
    _age_field("age_65_plus", "65歳以上", "65+"),
    *(_family_field(k) for k in FAMILY_TYPE_KEYS),
    TownField(
        "elderly_alone",
        ("65歳以上の単独世帯（世帯）", "65+ living alone (households)"),
        (
            "「高齢単身世帯」（65歳以上の人1人だけの一般世帯）の数。単独世帯の数以下です。",
            "高齢単身世帯: one-person households of a person aged 65+; at most the one-person households.",
        ),
        low=0,
    ),
)
CENSUS_KEYS = tuple(f.key for f in CENSUS_FIELDS)


def desk_field(kind: str, name_ja: str) -> TownField:
    """The field for the number of professionals at the desks of one kind.

    Args:
        kind: The desk kind (``houkatsu``, ``konkyu``, …).
        name_ja: The desk's Japanese name.

    Returns:
        A field ``staff_<kind>``.
    """
    return TownField(
        f"staff_{kind}",
        (f"{name_ja}の専門職の人数（常勤換算）", f"Professionals at {name_ja} ({kind}), full-time equivalent"),
        (
            "この種類の窓口で相談を受け支援する専門職の合計人数（町全体、常勤換算）。非常勤の人は常勤に換算して足します"
            "（週20時間なら0.5人）。1人が持てる担当ケースには上限があり、超えると待機が生じます。",
            "Total professionals at desks of this kind in the town, in full-time equivalents (someone working 20 "
            "hours a week counts 0.5). Each can hold a limited number of cases; beyond that households wait.",
        ),
        kind="float",
        low=0,
    )


CENSUS_GROUP_HELP = (
    f"{ESTAT}で市区町村を選び、次の3つの表の数をそのまま入れます：「年齢（5歳階級）別人口」（男女計）、"
    "「世帯の家族類型別一般世帯数」、「高齢単身世帯」。町の人と世帯は、これらの**割合**に合うようにつくられます"
    "（町の大きさは上の「世帯数」で決まります。中学校区だけを描くときも、市区町村の数字を入れてかまいません）。"
    "詳しくは利用ガイドの「国勢調査の数字で町をつくる」。",
    "On e-Stat (国勢調査 2020, 人口等基本集計), choose your municipality and enter the counts of three tables as "
    "they are: population by 5-year age group (both sexes), general households by family type, and 65+ living "
    "alone (高齢単身世帯). The town's people and households are drawn to their **shares** (the town's size is "
    "the number of households above). See the guide, 「国勢調査の数字で町をつくる」.",
)


@dataclass(frozen=True)
class FieldGroup:
    """Fields shown together under a heading, with one explanation for all of them."""

    title: tuple[str, str]
    help: tuple[str, str] | None
    fields: tuple[TownField, ...]


def town_field_groups(profile: Mapping[str, Any]) -> list[FieldGroup]:
    """The fields of a profile in the order and groups the page shows them."""
    return [
        FieldGroup(("町の名前と大きさ", "Name and size"), None, BASE_FIELDS[:2]),
        FieldGroup(("国勢調査の数字（e-Stat）", "Census figures (e-Stat)"), CENSUS_GROUP_HELP, CENSUS_FIELDS),
        FieldGroup(("地域の担い手と場", "The community's people and places"), None, BASE_FIELDS[2:]),
        FieldGroup(
            ("相談窓口の専門職", "Professionals at the desks"),
            None,
            tuple(desk_field(d["kind"], d["name_ja"]) for d in profile["desks"]),
        ),
    ]


def town_fields(profile: Mapping[str, Any]) -> list[TownField]:
    """Every field of a profile: the base fields, the census figures, then one per desk kind."""
    return [f for group in town_field_groups(profile) for f in group.fields]


# ---------------------------------------------------------------- population


def census_fit(profile: Mapping[str, Any]) -> CensusFit:
    """The census fit of a validated profile (cached by the figures)."""
    return fit_census(census_targets(profile["census"]))


def population(profile: Mapping[str, Any]) -> tuple[float, float]:
    """Expected residents and residents aged 65+ of a validated profile (as the model draws them).

    Returns:
        ``(residents, residents aged 65+)``.
    """
    fit = census_fit(profile)
    people = profile["town"]["households"] * fit.mean_size
    return people, people * fit.share_aged(ELDERLY_AGE)


def census_values(profile: Mapping[str, Any]) -> dict[str, int]:
    """The census fields of a profile: counts as given, or shares turned into the town's counts."""
    census = profile["census"]
    fit = census_fit(profile)
    households = profile["town"]["households"]
    if census["unit"] == "count":
        people = sum(census["age"].values())
        family = {k: int(v) for k, v in census["family_types"].items()}
        alone = int(census["elderly_alone"])
    else:
        people = households * fit.mean_size
        total = sum(census["family_types"].values())
        family = {k: round(v / total * households) for k, v in census["family_types"].items()}
        alone = round(census["elderly_alone"] / total * households)
    values = {key: round(people * fit.share_aged(*ages)) for key, ages in AGE_GROUPS.items()}
    values |= {f"family_{k}": v for k, v in family.items()}
    values["elderly_alone"] = alone
    return values


# ---------------------------------------------------------------- profile ⇄ fields


def field_values(town: TownProfile) -> dict[str, Any]:
    """The planner's numbers of a profile (counts rounded to whole numbers, rates in %).

    Args:
        town: A validated town profile.

    Returns:
        Field key → value in the units entered.
    """
    p = town.profile
    n = p["town"]["households"]
    people, elderly = population(p)
    posts = max(1, round(n / p["minsei"]["households_per_district"]))
    values: dict[str, Any] = {
        "name_ja": p["town"]["name_ja"],
        "households": n,
        **census_values(p),
        "minsei_posts": posts,
        "minsei_vacancies": round(posts * p["minsei"]["vacancy_rate"]),
        "jichikai_areas": max(1, round(n / p["jichikai"]["households_per_area"])),
        "membership_rate": round(100 * p["jichikai"]["membership_rate"], 1),
        "kayoi_count": round(p["venues"]["kayoi_per_10k_65plus"] * elderly / 10_000),
        "ibasho_count": round(p["venues"]["ibasho_per_10k_people"] * people / 10_000),
    }
    for desk in p["desks"]:
        values[f"staff_{desk['kind']}"] = round(desk["staff_per_100k_people"] * people / 100_000, 1)
    return values


def as_typed(text: str) -> str:
    """A number as a planner typed it, in half-width characters (``６０．５`` → ``60.5``)."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def parse_entry(field: TownField, text: str, lang: str = "ja") -> tuple[Any, str | None]:
    """Read one entry as typed; a problem becomes a message for next to the field.

    Args:
        field: The field.
        text: What the planner typed.
        lang: Language of the message.

    Returns:
        ``(value, None)`` or ``(None, message)``.
    """
    text = str(text).strip()
    if field.kind == "text":
        if not text:
            return None, "名前を入れてください。" if lang == "ja" else "Enter a name."
        return text, None
    # Full-width digits, points, commas and signs typed with a Japanese input method read as their ASCII forms.
    text = as_typed(text).replace(",", "").replace("、", "").strip()
    text = text.removesuffix("%").replace("−", "-").strip()
    try:
        value: float = int(text) if field.kind == "int" else float(text)
    except ValueError:
        what = "整数" if field.kind == "int" else "数"
        what_en = "a whole number" if field.kind == "int" else "a number"
        return None, f"{what}で入れてください。" if lang == "ja" else f"Enter {what_en}."
    if not math.isfinite(value):
        return None, "数で入れてください。" if lang == "ja" else "Enter a number."
    if (field.low is not None and value < field.low) or (field.high is not None and value > field.high):
        return None, range_message(field, lang)
    return value, None


def range_message(field: TownField, lang: str) -> str:
    """The message for an entry outside the field's range."""
    low = "" if field.low is None else f"{field.low:,}"
    high = "" if field.high is None else f"{field.high:,}"
    if lang == "en":
        return f"Allowed: {low} to {high}." if high else f"Allowed: {low} or more."
    return f"{low}〜{high}の範囲で入れてください。" if high else f"{low}以上で入れてください。"


def apply_fields(base: TownProfile, entries: Mapping[str, str], lang: str = "ja") -> tuple[TownProfile | None, dict]:
    """The town described by the planner's entries, or a message for each field with a problem.

    Args:
        base: The profile the planner started from (everything not entered comes from it).
        entries: Field key → text as typed (missing keys keep the base value).
        lang: Language of the messages.

    Returns:
        ``(profile, {})`` when every entry is valid, else ``(None, {field key: message})``.
    """
    fields = {f.key: f for f in town_fields(base.profile)}
    current = field_values(base)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, field in fields.items():
        value, problem = parse_entry(field, entries.get(key, current[key]), lang)
        if problem:
            problems[key] = problem
            value = current[key]  # so that the other fields are still checked, and every problem shows at once
        values[key] = value
    raw, more = _profile_from_values(base, values, lang)
    problems = {**more, **problems}  # a field that could not be read keeps that message
    if problems:
        return None, problems
    try:
        return town_from_dict(raw, "dashboard"), {}
    except ConfigError as e:
        return None, {_field_of_key(e.key): e.problem}


def _profile_from_values(base: TownProfile, values: Mapping[str, Any], lang: str) -> tuple[dict, dict[str, str]]:
    """The raw profile with the planner's changes; a field left as shown keeps the base's exact value.

    Counts are rewritten when they changed or when the town's size or age changed (the planner
    kept the count, so the rate per household must follow).
    """
    raw = copy.deepcopy(base.profile)
    current = field_values(base)
    changed = {k for k, v in values.items() if v != current[k]}
    resized = bool(changed & {"households", *CENSUS_KEYS})
    problems: dict[str, str] = {}
    n = int(values["households"])
    raw["town"]["households"] = n
    if "name_ja" in changed:
        raw["town"]["name_ja"] = values["name_ja"]
        raw["town"]["name"] = "my_town"
    if changed & set(CENSUS_KEYS):
        # Checked in turn (a fit needs sane counts), but the other fields are checked too: every problem at once.
        census_problems = _census_problems(values, lang)
        if not census_problems:
            raw["census"] = _census_counts(values)
            census_problems = _fit_problems(raw["census"], lang)
        problems |= census_problems
    posts, vacancies = int(values["minsei_posts"]), int(values["minsei_vacancies"])
    if vacancies > posts:
        problems["minsei_vacancies"] = (
            "欠員数は定数以下で入れてください。" if lang == "ja" else "Vacancies cannot exceed the posts."
        )
    if resized or "minsei_posts" in changed:
        per_district = round(n / posts)
        _check(problems, "minsei_posts", per_district, TOWN_PARAMS["minsei"]["households_per_district"], n, lang)
        raw["minsei"]["households_per_district"] = per_district
    if changed & {"minsei_posts", "minsei_vacancies", "households"}:
        raw["minsei"]["vacancy_rate"] = round(min(vacancies / posts, 1.0), 6)
    if resized or "jichikai_areas" in changed:
        per_area = round(n / int(values["jichikai_areas"]))
        _check(problems, "jichikai_areas", per_area, TOWN_PARAMS["jichikai"]["households_per_area"], n, lang)
        raw["jichikai"]["households_per_area"] = per_area
    if "membership_rate" in changed:
        raw["jichikai"]["membership_rate"] = round(values["membership_rate"] / 100, 6)
    people, elderly = population(raw)
    venues = (("kayoi_count", "kayoi_per_10k_65plus", elderly), ("ibasho_count", "ibasho_per_10k_people", people))
    for key, name, base_count in venues:
        if resized or key in changed:
            raw["venues"][name] = round(values[key] / max(base_count, 1) * 10_000, 4)
            if raw["venues"][name] > TOWN_PARAMS["venues"][name].high:
                problems[key] = (
                    "町の人口に比べて多すぎます。" if lang == "ja" else "Too many for the town's population."
                )
    for desk in raw["desks"]:
        key = f"staff_{desk['kind']}"
        if resized or key in changed:
            desk["staff_per_100k_people"] = round(values[key] / max(people, 1) * 100_000, 4)
    return raw, problems


def _census_counts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[census]`` table of the census fields (counts, as e-Stat gives them)."""
    return {
        "source": CENSUS_SOURCE_FROM_FORM,
        "unit": "count",
        "age": {"0-14": values["age_0_14"], "15-64": values["age_15_64"], "65+": values["age_65_plus"]},
        "family_types": {k: values[f"family_{k}"] for k in FAMILY_TYPE_KEYS},
        "elderly_alone": values["elderly_alone"],
    }


def _census_problems(values: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Census figures that cannot describe a town, each with a message for its field."""
    ja = lang == "ja"
    problems = {}
    if sum(values[k] for k in AGE_GROUPS) <= 0:
        problems["age_0_14"] = (
            "人口を入れてください（合計が0人です）。" if ja else "Enter the population (the total is 0)."
        )
    if sum(values[f"family_{k}"] for k in FAMILY_TYPE_KEYS) <= 0:
        problems["family_single"] = (
            "世帯数を入れてください（合計が0世帯です）。" if ja else "Enter the households (the total is 0)."
        )
    if values["elderly_alone"] > values["family_single"]:
        problems["elderly_alone"] = (
            "65歳以上の単独世帯は、単独世帯の数以下で入れてください。"
            if ja
            else "Cannot exceed the one-person households."
        )
    return problems


def _fit_problems(census: dict[str, Any], lang: str) -> dict[str, str]:
    """A message on the age field the town misses most, when no town of these households has these ages."""
    fit = fit_census(census_targets(census))
    if fit.ok:
        return {}
    band, asked, got = fit.worst_band
    key = list(AGE_GROUPS)[band]
    ages = ("0〜14歳", "15〜64歳", "65歳以上")[band] if lang == "ja" else ("0–14", "15–64", "65+")[band]
    if lang == "ja":
        text = (
            f"この家族類型の世帯では、この年齢構成の町をつくれません（{ages}：入力{100 * asked:.1f}%、"
            f"つくれる町で{100 * got:.1f}%）。同じ市町村・同じ年の数字か確かめてください。"
        )
    else:
        text = (
            f"No town of these households has these ages ({ages}: {100 * asked:.1f}% entered, {100 * got:.1f}% at "
            "best). Check that the figures are one municipality's, from one census."
        )
    return {key: text}


def _check(problems: dict, key: str, per_unit: int, param, households: int, lang: str) -> None:
    """A count of districts or areas must give a number of households per unit the model allows."""
    if param.low <= per_unit <= param.high:
        return
    most = max(1, households // int(param.low))
    least = max(1, math.ceil(households / param.high))
    problems[key] = (
        f"この世帯数では{least:,}〜{most:,}の範囲で入れてください（1つあたり{int(param.low)}〜{int(param.high)}世帯）。"
        if lang == "ja"
        else f"For this many households, allowed: {least:,} to {most:,} ({int(param.low)}–{int(param.high)} "
        "households each)."
    )


_FIELD_OF_SECTION = {
    "town.households": "households",
    "town.name_ja": "name_ja",
    "census.age": "age_0_14",
    "census.family_types": "family_single",
    "census.elderly_alone": "elderly_alone",
    "census": "family_single",
    "minsei.households_per_district": "minsei_posts",
    "minsei.vacancy_rate": "minsei_vacancies",
    "jichikai.households_per_area": "jichikai_areas",
    "jichikai.membership_rate": "membership_rate",
    "venues.kayoi_per_10k_65plus": "kayoi_count",
    "venues.ibasho_per_10k_people": "ibasho_count",
}


def _field_of_key(key: str) -> str:
    """The field a ConfigError's key belongs to (``households`` when none matches)."""
    for prefix, field in _FIELD_OF_SECTION.items():
        if key.startswith(prefix):
            return field
    return "households"


MAX_TOWN_UPLOAD_BYTES = 64 * 1024
REFERENCE_SCENARIO = "baseline"  # the reference of every comparison (dashboards/panels.py)


def read_town_upload(
    name: str, data: bytes | str | None, size: int, lang: str = "ja"
) -> tuple[TownProfile | None, str]:
    """A town profile from an uploaded file (one saved from the page, or any town TOML), checked in full.

    Checked too against the reference scenario every comparison includes (the desks its
    mechanisms need, such as the council's host desk), so that a town that cannot be compared
    is refused now rather than when a run starts.

    Args:
        name: The uploaded file's name.
        data: Its content (``None`` when the browser refused to read a file that is too large).
        size: Its size in bytes as the browser reported it.
        lang: Language of the message.

    Returns:
        ``(town, "")`` or ``(None, message)``.
    """
    from dashboards.i18n import config_error_text, tr
    from dashboards.scenario_form import upload_text

    text, problem = upload_text(data, size, MAX_TOWN_UPLOAD_BYTES, lang, name, kind="town")
    if problem:
        return None, problem
    try:
        town = load_town_text(text, name)
        effective_profile(load_scenario(REFERENCE_SCENARIO), town)
    except ConfigError as e:
        return None, tr("bad_file", lang, detail=config_error_text(e, lang))
    return town, ""
