"""The town profile (TOML) and the synthetic town built from it.

A profile says who lives in the town and who serves them. :func:`build_town` turns it
into arrays: households and residents (built from census figures by :mod:`sim.population`),
自治会 areas, 民生委員 districts, neighbour ties, venues, NPOs, desks and professionals. Each part draws from its own named stream, so a
scenario that changes, say, 自治会 membership leaves the households and residents
unchanged; their tie counts change monotonically, but which neighbours are paired is
drawn anew.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from sim.domain import TYPE_KEYS, Condition
from sim.params import ConfigError, Param, validate_block
from sim.population import (
    HouseholdConditions,
    census_targets,
    derive_types,
    draw_candidates,
    draw_conditions,
    draw_household_conditions,
    fit_census,
    households_of,
    plant,
    reserve_households,
)
from sim.streams import make_stream

SHARE_TOLERANCE = 1e-3
PERCENT_TOLERANCE = 1.0  # published percentages may not add to exactly 100

# 国勢調査 2020, Japan: population by 5-year band (% of the population), 0–14/15–64/65+ = 11.9/59.5/28.6.
NATIONAL_AGE_BANDS = {
    "0-4": 3.59,
    "5-9": 4.05,
    "10-14": 4.26,
    "15-19": 4.58,
    "20-24": 4.84,
    "25-29": 4.92,
    "30-34": 5.29,
    "35-39": 5.97,
    "40-44": 6.76,
    "45-49": 7.88,
    "50-54": 6.97,
    "55-59": 6.34,
    "60-64": 5.95,
    "65-69": 6.54,
    "70-74": 7.29,
    "75-79": 5.61,
    "80-84": 4.29,
    "85+": 4.87,
}
# 国勢調査 2020, Japan: general households by family type (%).
NATIONAL_FAMILY_TYPES = {
    "single": 38.0,
    "couple": 20.1,
    "couple_with_children": 25.0,
    "single_parent": 9.0,
    "three_generation": 4.0,
    "other": 3.9,
}

TOWN_PARAMS: dict[str, dict[str, Param]] = {
    "town": {
        "name": Param("town", "Short English name of the town.", "Set by the profile.", kind="text"),
        "name_ja": Param("町", "Japanese name of the town.", "Set by the profile.", kind="text"),
        "households": Param(3000, "Number of households.", "Set by the profile.", kind="int", low=50, high=2_000_000),
        "municipality_people": Param(
            0,
            "Residents of the municipality the town is part of (0: the town is the whole municipality). Staff, "
            "coordinators, meetings and the council are the municipality's; the town gets its share by population "
            "(常勤換算), so a neighbourhood is not staffed as if it were a small municipality.",
            "Model structure: desks, 相談支援包括化推進員 and the 自立支援協議会 are set up per municipality "
            "(社会福祉法 106条の4, 障害者総合支援法 89条の3); a 中学校区 shares them with the rest of its city.",
            kind="int",
            low=0,
            high=50_000_000,
        ),
    },
    "census": {
        "source": Param(
            "国勢調査 2020, Japan (national figures; docs/parameters.md)",
            "Where the census figures come from (the municipality, the census year and the tables), shown in "
            "docs/parameters.md for the bundled towns and kept with a planner's own town.",
            "Set by the profile.",
            kind="text",
        ),
        "unit": Param(
            "percent",
            "How the census figures are given: 'percent' (shares in %, each table summing to 100) or 'count' "
            "(people and households as e-Stat gives them; then age, family_types and elderly_alone are all counts).",
            "Set by the profile.",
            kind="str",
            choices=("percent", "count"),
        ),
        "age": Param(
            NATIONAL_AGE_BANDS,
            "Population by age band (国勢調査 人口等基本集計: 年齢（5歳階級）別人口, or broad bands such as "
            '"0-14", "15-64", "65+"); the town\'s residents match these shares.',
            "国勢調査 2020 (総務省; e-Stat, via kota-tagami/JLSTAT-table pyramid_total.csv): 5-year bands of the "
            "population of known age, scaled within 0–14, 15–64 and 65+ to the published shares 11.9%, 59.5%, 28.6% "
            "(年齢不詳補完値).",
            kind="age_bands",
            low=0.0,
        ),
        "family_types": Param(
            NATIONAL_FAMILY_TYPES,
            "General households by family type (国勢調査: 世帯の家族類型別一般世帯数): single (単独), couple "
            "(夫婦のみ), couple_with_children (夫婦と子供), single_parent (ひとり親と子供), three_generation (三世代), "
            "other (その他: 夫婦と親, 兄弟姉妹, 非親族を含む世帯 …).",
            "国勢調査 2020: 単独 38.0%, 夫婦のみ 20.1%, 夫婦と子供 25.0%, ひとり親と子供 9.0% (S2); the other 7.9% "
            "split as 三世代 4.0% (E: about half of 核家族以外の世帯; 5.7% in 2015 and falling) and その他 3.9%.",
            kind="by_family_type",
            low=0.0,
        ),
        "elderly_alone": Param(
            12.1,
            "65+ single households (65歳以上の単独世帯), in the unit of family_types (% of households, or a count); "
            "at most family_types.single.",
            "国勢調査 2020: 671.7万 of 5,570万 general households = 12.1%.",
            low=0.0,
        ),
    },
    "household_types": {
        "at_least": Param(
            {k: 0 for k in TYPE_KEYS},
            "Teaching override: at least this many households of each derived type (the defining condition is set "
            "on households of a fitting composition); only 8050, double_care, disabled_child_refusing and "
            "hoarding_isolated can be asked for.",
            "Set by the profile (0: the types follow from the census figures and the conditions alone).",
            kind="by_type",
            low=0.0,
            high=1000.0,
        ),
    },
    "residents": {
        "withdrawal_rate_15_39": Param(
            0.0205,
            "Share of residents aged 15–39 in withdrawal (ひきこもり).",
            "内閣府 こども・若者の意識と生活に関する調査 2022: 15–39 2.05%.",
            low=0.0,
            high=1.0,
        ),
        "withdrawal_rate_40_64": Param(
            0.0202,
            "Share of residents aged 40–64 in withdrawal (ひきこもり).",
            "内閣府 こども・若者の意識と生活に関する調査 2022: 40–64 2.02%.",
            low=0.0,
            high=1.0,
        ),
        "withdrawn_with_parents_15_39": Param(
            0.8,
            "Share of withdrawn residents aged 15–39 who live with their parents (as a child of the household).",
            "Assumption: young ひきこもり are mostly unmarried and live in their parents' home.",
            low=0.0,
            high=1.0,
        ),
        "withdrawn_with_parents_40_64": Param(
            0.5,
            "Share of withdrawn residents aged 40–64 who live with their parents (as a child of the household).",
            "Assumption, set so that the 8050 households land near the 35–50万 estimate (≈0.6–0.9% of households) "
            "with 2.02% of 40–64 withdrawn; 内閣府 2022 (40–69): about half married, a quarter alone.",
            low=0.0,
            high=1.0,
        ),
        "disability_rate": Param(
            0.093,
            "Share of residents with a disability (physical, intellectual or mental), all ages.",
            "障害者白書 R5: 1,164.6万 persons ≈ 9.3% of the population.",
            low=0.0,
            high=1.0,
        ),
        "disability_rate_under_18": Param(
            0.03,
            "Share of residents under 18 with a disability (adults get the rate that keeps disability_rate overall).",
            "障害者白書 R5: 身体障害児 7.2万, 知的障害児 22.5万, 精神 (20歳未満) 27.6万 ≈ 57万 of ≈1,890万 under 18 "
            "≈ 3% (E).",
            low=0.0,
            high=1.0,
        ),
        "care_need_rate_65_74": Param(
            0.043,
            "Share of residents aged 65–74 with 要介護・要支援 or dementia.",
            "介護保険事業状況報告 (2022): 前期高齢者の認定率 ≈ 4.3%.",
            low=0.0,
            high=1.0,
        ),
        "care_need_rate_75plus": Param(
            0.315,
            "Share of residents aged 75+ with 要介護・要支援 or dementia.",
            "介護保険事業状況報告 (2022): 後期高齢者の認定率 ≈ 31.5%.",
            low=0.0,
            high=1.0,
        ),
    },
    "household_conditions": {
        "hoarding_rate": Param(
            0.0012,
            "Share of households with hoarding (ごみ屋敷), a household condition.",
            "Assumption, 0.12%; recognised ごみ屋敷 are 5,224 cases in 661 municipalities 2018–22 (環境省 2023), a "
            "small visible part.",
            low=0.0,
            high=1.0,
        ),
        "hoarding_relative_single": Param(
            3.0,
            "Relative chance of hoarding in a one-person household (others 1; the overall rate stays hoarding_rate).",
            "Assumption: ごみ屋敷 are mostly people living alone (as slide 1-2's case); no national figure by "
            "household type.",
            low=0.0,
            high=100.0,
        ),
        "refusing_parent_rate": Param(
            0.2,
            "Share of households raising a child under 18 with a disability whose parent refuses support (slide 1-1).",
            "Assumption: one in five (≈1% of households raise a disabled child; 放課後等デイ 利用 ≈30万).",
            low=0.0,
            high=1.0,
        ),
        "double_care_elsewhere_rate": Param(
            0.025,
            "Share of households with a child under 13 that also care for a parent living elsewhere (ダブルケア).",
            "Assumption, set so that ダブルケア households (with the co-resident cases) are ≈0.5% of households: "
            "25.3万 persons (内閣府 2016), most caring for a parent living apart.",
            low=0.0,
            high=1.0,
        ),
    },
    "jichikai": {
        "households_per_area": Param(
            190,
            "Households per 自治会 area.",
            "総務省 地縁団体調査 2018: ≈296,800 自治会 for ≈5,600万 households ≈ 190 each.",
            kind="int",
            low=20,
            high=5000,
        ),
        "membership_rate": Param(
            0.717,
            "Share of households that belong to their 自治会.",
            "自治会加入率 78.0% (2010) → 71.7% (2020), 総務省 / 市町村 surveys (S2).",
            low=0.0,
            high=1.0,
        ),
        "activity": Param(
            0.5,
            "Activity of the 自治会 (0 = dormant, 1 = very active: regular 見守り, events, 回覧).",
            "Assumption: mid-scale; no national index of 自治会 activity exists.",
            low=0.0,
            high=1.0,
        ),
        "membership_relative": Param(
            {
                "ordinary": 1.0,
                "8050": 0.6,
                "double_care": 0.8,
                "elderly_alone": 1.1,
                "disabled_child_refusing": 0.5,
                "hoarding_isolated": 0.3,
            },
            "Membership propensity of each household type relative to the membership rate.",
            "Assumption: isolated and refusing households join less (slides 1-1, 1-2); older people join more "
            "(内閣府 社会意識調査 2021: 70+ associate with neighbours 76.9% vs 56.6% overall).",
            kind="by_type",
            low=0.0,
            high=3.0,
        ),
    },
    "ties": {
        "mean_ties_member": Param(
            2.5,
            "Mean number of neighbour households a 自治会 member household associates with.",
            "Assumption, set so that ≈12–16% of households have no neighbour ties "
            "(内閣府 社会意識調査 2021: 'not at all' 11.8%, associate 56.6%).",
            low=0.0,
            high=50.0,
        ),
        "mean_ties_nonmember": Param(
            1.0,
            "Mean number of neighbour ties of a non-member household.",
            "Assumption (as above).",
            low=0.0,
            high=50.0,
        ),
        "ties_relative": Param(
            {
                "ordinary": 1.0,
                "8050": 0.5,
                "double_care": 0.7,
                "elderly_alone": 1.0,
                "disabled_child_refusing": 0.5,
                "hoarding_isolated": 0.2,
            },
            "Neighbour ties of each household type relative to others.",
            "Assumption: the seed's hard cases are isolated from the community (最終とりまとめ: 世帯全体が地域から孤立).",
            kind="by_type",
            low=0.0,
            high=3.0,
        ),
    },
    "minsei": {
        "households_per_district": Param(
            266,
            "Households per 民生委員 district.",
            "≈266 households per area commissioner nationally (E from chiba-minkyo data, 2022); MHLW "
            "standard 170–360 in cities of 100k+.",
            kind="int",
            low=20,
            high=2000,
        ),
        "vacancy_rate": Param(
            0.083,
            "Share of 民生委員 districts with no commissioner.",
            "充足率 91.7% (Dec 2025, 全国) → 8.3% vacant (S2, nippon.com).",
            low=0.0,
            high=1.0,
        ),
        "visits_per_week": Param(
            3.0,
            "Household visits a commissioner makes a week.",
            "全民児連 / 厚生労働白書 R5: 142–165 visits per commissioner a year ≈ 3 a week.",
            low=0.0,
            high=100.0,
        ),
    },
    "venues": {
        "kayoi_per_10k_65plus": Param(
            40.0,
            "通いの場・サロン per 10,000 residents aged 65+.",
            "厚労省 介護予防・日常生活支援総合事業 実施状況調査 FY2022: 145,641 sites ≈ 40 per 1万 65+.",
            low=0.0,
            high=1000.0,
        ),
        "kayoi_participation_at_reference": Param(
            0.06,
            "Share of 65+ who take part at 40 sites per 10,000 65+.",
            "同調査 FY2022: 2.23M participants ≈ 6% of 65+.",
            low=0.0,
            high=1.0,
        ),
        "kayoi_max_participation": Param(
            0.20,
            "Share of 65+ who would take part if venues were everywhere.",
            "Assumption: ≈ one in five older people are willing; JAGES surveys "
            "report 20–30% interest in participation.",
            low=0.0,
            high=1.0,
        ),
        "ibasho_per_10k_people": Param(
            0.9,
            "居場所 (参加支援 venues, 子ども食堂, ひきこもり居場所) per 10,000 people.",
            "むすびえ 2024: 10,867 子ども食堂 ≈ 0.9 per 1万 people (used as the density of 居場所).",
            low=0.0,
            high=1000.0,
        ),
        "ibasho_participation_at_reference": Param(
            0.01,
            "Share of residents who take part in a 居場所 at 0.9 per 10,000.",
            "Assumption: 1% of residents.",
            low=0.0,
            high=1.0,
        ),
        "ibasho_max_participation": Param(
            0.05,
            "Share who would take part if 居場所 were everywhere.",
            "Assumption: 5% of residents.",
            low=0.0,
            high=1.0,
        ),
        "ibasho_relative_withdrawn_disabled": Param(
            3.0,
            "Relative propensity of withdrawn or disabled residents to use a 居場所.",
            "Assumption: 居場所 are aimed at them (参加支援).",
            low=0.0,
            high=20.0,
        ),
        "capacity": Param(
            20,
            "Participants a venue can hold.",
            "同調査 FY2022: 81.6% of 通いの場 have 1–20 participants.",
            kind="int",
            low=1,
            high=1000,
        ),
        "ibasho_places_for_referrals": Param(
            0.25,
            "Share of each 居場所's places kept for people the services link (参加支援); residents fill the rest.",
            "Assumption: 参加支援 venues take referrals from 相談支援機関 alongside walk-ins.",
            low=0.0,
            high=1.0,
        ),
        "attendance_per_week": Param(
            0.54,
            "Probability that a participant attends in a given week.",
            "同調査: 38.9% of sites meet weekly or more; others ≈ monthly: 0.389 + 0.611 × 0.25 ≈ 0.54.",
            low=0.0,
            high=1.0,
        ),
        "ties_from_participation": Param(
            1.0,
            "Neighbour ties a participating household gains at its venue.",
            "Assumption: one new acquaintance (参加者同士のつながり).",
            low=0.0,
            high=20.0,
        ),
    },
    "npos": {
        "per_10k_people": Param(
            2.3,
            "Welfare-related NPOs per 10,000 people.",
            "内閣府 NPO 統計: ≈50,000 認証法人 (≈4 per 1万), 58% in 保健・医療・福祉 → ≈2.3.",
            low=0.0,
            high=100.0,
        ),
        "share_running_ibasho": Param(
            0.5,
            "Share of 居場所 run by an NPO (the rest by 社協 or the municipality).",
            "Assumption.",
            low=0.0,
            high=1.0,
        ),
    },
}

DESK_PARAMS: dict[str, Param] = {
    "kind": Param("desk", "Identifier of the desk kind.", "Set by the profile.", kind="text"),
    "name_ja": Param("相談窓口", "Japanese name.", "Set by the profile.", kind="text"),
    "domains": Param([], "Domains the desk accepts when siloed (縦割り).", "Set by the profile.", kind="domains"),
    "people_per_desk": Param(
        100000,
        "Residents per desk; at least one desk per town.",
        "Set by the profile.",
        kind="int",
        low=1,
        high=100_000_000,
    ),
    "staff_per_100k_people": Param(
        10.0,
        "Professionals of this kind (常勤換算) per 100,000 residents of the municipality (at least one full-time per "
        "desk the municipality runs); a town that is part of a municipality has its share by population, shared "
        "among its desks (each desk max(1, round(share)) professionals working part of full time).",
        "Set by the profile.",
        low=0.0,
        high=10_000.0,
    ),
    "staff_role": Param("worker", "Role of the desk's professionals.", "Set by the profile.", kind="text"),
    "caseload_limit": Param(
        35,
        "Support plans one full-time professional of this desk can hold at once (a part-time share holds its "
        "share); households a desk triaged to a plan beyond it wait. Optional (default 35).",
        "Set by the profile; default: 相談支援専門員の標準担当件数 35件/月 (計画相談支援, 障害福祉サービス等報酬改定 2018).",
        kind="int",
        low=1,
        high=10_000,
    ),
}
# Desk keys a profile may leave out (their defaults apply): added after profiles were written.
OPTIONAL_DESK_KEYS = ("caseload_limit",)

PLANTABLE_TYPES = ("8050", "double_care", "disabled_child_refusing", "hoarding_isolated")

# Keys of earlier town files. A saved file that still holds them at their old defaults loads as before
# (they said nothing the census figures do not); other values get a message saying what to write instead.
LEGACY_HOUSEHOLD_SHARES = {
    "ordinary": 0.8628,
    "8050": 0.008,
    "double_care": 0.005,
    "elderly_alone": 0.121,
    "disabled_child_refusing": 0.002,
    "hoarding_isolated": 0.0012,
}
LEGACY_ORDINARY_HOUSEHOLDS = {
    "single_adult": 0.26,
    "couple": 0.17,
    "couple_with_children": 0.29,
    "single_parent": 0.10,
    "elderly_couple": 0.13,
    "three_generation": 0.05,
}
CENSUS_GUIDE = "docs/guide-ja.md, 「国勢調査の数字で町をつくる」"


def validate_profile(raw: dict[str, Any], file: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a profile table (or a scenario's ``[town]`` overrides on top of ``base``)."""
    raw = _upgrade_legacy(raw, file)
    out: dict[str, Any] = {} if base is None else {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    allowed = [*TOWN_PARAMS, "desks"]
    for section, values in raw.items():
        if section == "desks":
            out["desks"] = _validate_desks(values, file)
            continue
        if section not in TOWN_PARAMS:
            raise ConfigError(file, section, "unknown section; allowed: " + ", ".join(allowed))
        out[section] = validate_block(TOWN_PARAMS[section], values, file, section, out.get(section))
    for section, params in TOWN_PARAMS.items():
        out.setdefault(section, validate_block(params, {}, file, section))
    if "desks" not in out:
        raise ConfigError(file, "desks", "a town needs at least one [[desks]] table")
    _check_census(out["census"], raw.get("census", {}), file)
    _check_at_least(out["household_types"]["at_least"], file)
    return out


def _validate_desks(values: Any, file: str) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not values or not all(isinstance(v, dict) for v in values):
        raise ConfigError(file, "desks", "expected one or more [[desks]] tables")
    desks = []
    for i, desk in enumerate(values):
        for name in DESK_PARAMS:
            if name not in desk and name not in OPTIONAL_DESK_KEYS:
                raise ConfigError(file, f"desks[{i}].{name}", "missing; " + DESK_PARAMS[name].allowed())
        desks.append(validate_block(DESK_PARAMS, desk, file, f"desks[{i}]"))
        if desk["kind"] in [d["kind"] for d in desks[:-1]]:
            raise ConfigError(file, f"desks[{i}].kind", f"{desk['kind']!r} is used twice; allowed: a distinct kind")
    return desks


def _upgrade_legacy(raw: dict[str, Any], file: str) -> dict[str, Any]:
    """A town file of an earlier version, read in today's terms (or a ConfigError saying what to change)."""
    if not isinstance(raw, dict):
        return raw
    raw = dict(raw)
    types = raw.get("household_types")
    if isinstance(types, dict) and "shares" in types:
        shares = types["shares"]
        if not _same_table(shares, LEGACY_HOUSEHOLD_SHARES):
            alone = shares.get("elderly_alone") if isinstance(shares, dict) else None
            hint = (
                f" (this file's elderly-alone share {100 * float(alone):.1f}% goes to census.elderly_alone)"
                if alone is not None and _is_share(alone)
                else ""
            )
            raise ConfigError(
                file,
                "household_types.shares",
                "household shares are no longer read: the town is built from census figures and the household "
                "types follow from who lives together; allowed: remove [household_types] shares and give your "
                f"municipality's [census] age, family_types and elderly_alone instead{hint} ({CENSUS_GUIDE})",
            )
        raw["household_types"] = {k: v for k, v in types.items() if k != "shares"}
    if "ordinary_households" in raw:
        if not _same_table(raw["ordinary_households"], LEGACY_ORDINARY_HOUSEHOLDS):
            raise ConfigError(
                file,
                "ordinary_households",
                "this section is no longer read: households are drawn from census family types; allowed: remove it "
                f"and give [census] family_types (単独, 夫婦のみ, 夫婦と子供, ひとり親と子供, 三世代, その他) ({CENSUS_GUIDE})",
            )
        del raw["ordinary_households"]
    residents = raw.get("residents")
    if isinstance(residents, dict) and "withdrawal_rate_15_64" in residents:
        residents = dict(residents)
        rate = residents.pop("withdrawal_rate_15_64")  # one rate for 15–64, as before: both age groups get it
        residents.setdefault("withdrawal_rate_15_39", rate)
        residents.setdefault("withdrawal_rate_40_64", rate)
        raw["residents"] = residents
    return raw


def _is_share(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _same_table(value: Any, old: dict[str, float]) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == set(old)
        and all(_is_share(value[k]) and abs(value[k] - old[k]) < 1e-9 for k in old)
    )


def _check_census(census: dict[str, Any], given: Any, file: str) -> None:
    """The census figures are consistent, and a town can match them."""
    unit = census["unit"]
    tables = {"age": census["age"], "family_types": census["family_types"]}
    if unit == "count":
        missing = [k for k in ("age", "family_types", "elderly_alone") if not isinstance(given, dict) or k not in given]
        if missing:
            raise ConfigError(
                file,
                f"census.{missing[0]}",
                'missing; with unit = "count" give age, family_types and elderly_alone as counts (人, 世帯) from the '
                "same census",
            )
        for name, table in tables.items():
            for key, value in table.items():
                if not float(value).is_integer():
                    raise ConfigError(file, f"census.{name}.{key}", f"got {value!r}; allowed: a whole number (a count)")
        if not float(census["elderly_alone"]).is_integer():
            raise ConfigError(file, "census.elderly_alone", f"got {census['elderly_alone']!r}; allowed: a whole number")
        for name in tables:  # counts are written back as whole numbers
            census[name] = {k: int(v) for k, v in census[name].items()}
        census["elderly_alone"] = int(census["elderly_alone"])
    else:
        for name, table in tables.items():
            total = sum(table.values())
            if abs(total - 100.0) > PERCENT_TOLERANCE:
                what = "bands" if name == "age" else "family types"
                raise ConfigError(
                    file,
                    f"census.{name}",
                    f"the {what} sum to {total:.1f}%; allowed: percentages summing to 100 (or counts, with "
                    'census.unit = "count")',
                )
    if sum(census["family_types"].values()) <= 0:
        raise ConfigError(file, "census.family_types", "every family type is zero; allowed: at least one household")
    single = census["family_types"]["single"]
    if census["elderly_alone"] > single + 1e-9:
        raise ConfigError(
            file,
            "census.elderly_alone",
            f"{census['elderly_alone']:g} is more than the single-person households ({single:g}); allowed: at most "
            "census.family_types.single (65+ living alone are some of the people living alone)",
        )
    fit = fit_census(census_targets(census))
    if not fit.ok:
        band, asked, got = fit.worst_band
        label = list(census["age"])[band]
        raise ConfigError(
            file,
            "census.age",
            f"no town of these family types has this age structure (band {label!r}: asked {100 * asked:.1f}%, the "
            f"closest town has {100 * got:.1f}%); allowed: age bands and family types of one municipality from one "
            "census",
        )


def _check_at_least(at_least: dict[str, float], file: str) -> None:
    for key, value in at_least.items():
        if value and key not in PLANTABLE_TYPES:
            raise ConfigError(
                file,
                f"household_types.at_least.{key}",
                f"{key!r} follows from the census figures and cannot be planted; allowed: 0, or ask for "
                + ", ".join(PLANTABLE_TYPES),
            )
        if not float(value).is_integer():
            raise ConfigError(file, f"household_types.at_least.{key}", f"got {value!r}; allowed: a whole number")


# ---------------------------------------------------------------------------------------
# Building the town


@dataclass
class Town:
    """A synthetic town as arrays (households indexed 0..N-1, residents 0..M-1)."""

    profile: dict[str, Any]
    htype: np.ndarray  # int8 per household
    area: np.ndarray  # int32 自治会 area per household
    district: np.ndarray  # int32 民生委員 district per household
    member: np.ndarray  # bool, 自治会 member
    ties: np.ndarray  # float32 number of neighbour ties (incl. ties from venues)
    tie_ptr: np.ndarray  # CSR pointers into tie_nbr
    tie_nbr: np.ndarray  # neighbour household of each tie
    res_household: np.ndarray  # int32 per resident
    res_age: np.ndarray  # int16 per resident
    res_conditions: np.ndarray  # uint8 bitmask of Condition per resident
    res_venue: np.ndarray  # int32 venue a resident takes part in, or -1
    hh_venue: np.ndarray  # int32 venue of a household's first participant, or -1
    service_contact: np.ndarray  # bool: a member already uses care, disability or child services
    district_vacant: np.ndarray  # bool per district
    area_activity: np.ndarray  # float per area
    venue_kind: np.ndarray  # int8: 0 = 通いの場/サロン, 1 = 居場所
    venue_area: np.ndarray
    venue_operator: np.ndarray  # NPO index or -1 (社協・市)
    npo_focus: list[str]
    family_type: np.ndarray  # int8 FamilyType per household (国勢調査's 世帯の家族類型)
    res_role: np.ndarray  # int8 Role per resident: the householder's generation, their child, their parent
    hoarding: np.ndarray  # bool per household: ごみ屋敷
    refuses_support: np.ndarray  # bool per household: a parent refuses support for their disabled child
    cares_for_parent_elsewhere: np.ndarray  # bool per household: raises a child and cares for a parent living apart
    withdrawn: np.ndarray  # bool per household: a member in withdrawal (ひきこもり)
    desks: list[dict[str, Any]] = field(default_factory=list)  # one entry per desk (kind spec + index)
    desk_of_kind_by_area: dict[str, np.ndarray] = field(default_factory=dict)
    version: int = 0  # bumped whenever the town's structure changes during a run

    def changed(self) -> None:
        """Tell mechanisms that cache town-derived arrays to recompute them."""
        self.version += 1

    @property
    def n_households(self) -> int:
        return len(self.htype)

    @property
    def n_residents(self) -> int:
        return len(self.res_age)


@dataclass
class Worlds:
    """Where each run's entities sit when several runs' towns are stacked into one (a batch).

    ``*_start`` are offsets (length ``n + 1``) of each run's households, residents, districts,
    venues, desks, 自治会 areas and NPOs; ``hh``, ``district``, ``venue`` and ``desk`` give each entity's run, and
    ``local`` each household's index within its run. A single town is a batch of one.
    """

    n: int
    hh_start: np.ndarray
    res_start: np.ndarray
    district_start: np.ndarray
    venue_start: np.ndarray
    desk_start: np.ndarray
    area_start: np.ndarray
    npo_start: np.ndarray
    hh: np.ndarray
    local: np.ndarray
    district: np.ndarray
    venue: np.ndarray
    desk: np.ndarray

    @classmethod
    def of(cls, towns: list[Town]) -> Worlds:
        """The layout of ``towns`` stacked in this order."""

        def starts(sizes: list[int]) -> np.ndarray:
            return np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)

        def owner(start: np.ndarray) -> np.ndarray:
            return np.repeat(np.arange(len(start) - 1), np.diff(start))

        hh = starts([t.n_households for t in towns])
        district = starts([len(t.district_vacant) for t in towns])
        venue = starts([len(t.venue_kind) for t in towns])
        desk = starts([len(t.desks) for t in towns])
        return cls(
            len(towns),
            hh,
            starts([t.n_residents for t in towns]),
            district,
            venue,
            desk,
            starts([len(t.area_activity) for t in towns]),
            starts([len(t.npo_focus) for t in towns]),
            owner(hh),
            np.arange(hh[-1]) - np.repeat(hh[:-1], np.diff(hh)),
            owner(district),
            owner(venue),
            owner(desk),
        )

    @cached_property
    def hh_parts(self) -> list[slice]:
        """Each run's slice of the household arrays."""
        return _parts(self.hh_start)

    @cached_property
    def district_parts(self) -> list[slice]:
        """Each run's slice of the district arrays."""
        return _parts(self.district_start)

    def part(self, kind: str, run: int) -> slice:
        """Run ``run``'s slice of the ``kind`` arrays (``hh``, ``res``, ``district``, ``venue``, ``desk``, ``area``, ``npo``)."""
        start = getattr(self, f"{kind}_start")
        return slice(int(start[run]), int(start[run + 1]))


def _parts(start: np.ndarray) -> list[slice]:
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(start)]


def stack_towns(towns: list[Town]) -> Town:
    """One town holding every town of ``towns`` side by side, with no tie, venue or desk shared.

    Indices (areas, districts, venues, NPOs, desks, residents, tie neighbours) are shifted by
    the sizes of the towns before; every town must come from the same profile.
    """
    if len(towns) == 1:
        return towns[0]
    w = Worlds.of(towns)
    n_areas = [len(t.area_activity) for t in towns]
    area0 = np.concatenate(([0], np.cumsum(n_areas)))
    npo0 = np.concatenate(([0], np.cumsum([len(t.npo_focus) for t in towns])))

    def cat(name: str, offsets: np.ndarray | None = None) -> np.ndarray:
        parts = [getattr(t, name) for t in towns]
        if offsets is not None:
            parts = [np.where(p >= 0, p + o, p).astype(p.dtype) for p, o in zip(parts, offsets, strict=False)]
        return np.concatenate(parts)

    edges = np.concatenate(([0], np.cumsum([len(t.tie_nbr) for t in towns])))
    tie_ptr = np.concatenate([towns[0].tie_ptr[:1]] + [t.tie_ptr[1:] + edges[k] for k, t in enumerate(towns)])
    desks = [
        {**d, "index": d["index"] + int(w.desk_start[k]), "world": k} for k, t in enumerate(towns) for d in t.desks
    ]
    by_area = {
        kind: np.concatenate([t.desk_of_kind_by_area[kind] + int(w.desk_start[k]) for k, t in enumerate(towns)])
        for kind in towns[0].desk_of_kind_by_area
    }
    return Town(
        profile=towns[0].profile,
        htype=cat("htype"),
        area=cat("area", area0),
        district=cat("district", w.district_start),
        member=cat("member"),
        ties=cat("ties"),
        tie_ptr=tie_ptr,
        tie_nbr=cat("tie_nbr", w.hh_start),
        res_household=cat("res_household", w.hh_start),
        res_age=cat("res_age"),
        res_conditions=cat("res_conditions"),
        res_venue=cat("res_venue", w.venue_start),
        hh_venue=cat("hh_venue", w.venue_start),
        service_contact=cat("service_contact"),
        district_vacant=cat("district_vacant"),
        area_activity=cat("area_activity"),
        venue_kind=cat("venue_kind"),
        venue_area=cat("venue_area", area0),
        venue_operator=cat("venue_operator", npo0),
        npo_focus=[f for t in towns for f in t.npo_focus],
        family_type=cat("family_type"),
        res_role=cat("res_role"),
        hoarding=cat("hoarding"),
        refuses_support=cat("refuses_support"),
        cares_for_parent_elsewhere=cat("cares_for_parent_elsewhere"),
        withdrawn=cat("withdrawn"),
        desks=desks,
        desk_of_kind_by_area=by_area,
    )


VENUE_KAYOI, VENUE_IBASHO = 0, 1
NPO_FOCI = (
    "子ども食堂",
    "フリースクール",
    "保護ネコ団体",
    "ひきこもり支援",
    "障害者支援",
    "高齢者の居場所",
    "フードバンク",
)


_BUILT: OrderedDict[tuple[str, int], Town] = OrderedDict()  # recently built towns, by profile and seed
# The households of the towns kept: a batch's (up to 150,000, sim.batch) and its warm-up's, with room
# to spare. A town takes about 70 bytes a household, so the cache holds under 30 MB whatever the
# towns' size: 133 neighbourhoods, or 6 cities.
_BUILT_HOUSEHOLDS = 400_000


def town_of(profile: dict[str, Any], seed: int) -> Town:
    """:func:`build_town`, or a copy of the town this process last built for the same profile and
    seed: an experiment's scenarios and warm-up share each replication's town, and a copy costs
    a fortieth of a build (a run changes its own town: a council opens venues)."""
    key = (json.dumps(profile, sort_keys=True, default=str), int(seed))
    town = _BUILT.get(key)
    if town is None:
        town = _BUILT[key] = build_town(profile, seed)
        while len(_BUILT) > 1 and sum(t.n_households for t in _BUILT.values()) > _BUILT_HOUSEHOLDS:
            _BUILT.popitem(last=False)  # the least recently used
    else:
        _BUILT.move_to_end(key)
    return copy.deepcopy(town)


def build_town(profile: dict[str, Any], seed: int) -> Town:
    """Build the synthetic town described by ``profile`` for the run seeded with ``seed``."""
    n = profile["town"]["households"]
    people = _draw_people(profile, seed)
    htype, res_household, res_age, res_cond = people.htype, people.res_household, people.res_age, people.res_cond
    area = (np.arange(n) * _count(n, profile["jichikai"]["households_per_area"]) // n).astype(np.int32)
    n_areas = int(area.max()) + 1
    district = (np.arange(n) * _count(n, profile["minsei"]["households_per_district"]) // n).astype(np.int32)
    n_districts = int(district.max()) + 1

    jk = profile["jichikai"]
    rel = np.array([jk["membership_relative"][k] for k in TYPE_KEYS])[htype]
    member = make_stream(seed, "town.membership").random(n) < np.minimum(1.0, jk["membership_rate"] * rel)
    district_vacant = make_stream(seed, "town.vacancy").random(n_districts) < profile["minsei"]["vacancy_rate"]
    area_activity = np.full(n_areas, jk["activity"], dtype=np.float64)

    tie_ptr, tie_nbr = _draw_ties(profile, htype, member, area, make_stream(seed, "town.ties"))
    ties = np.diff(tie_ptr).astype(np.float32)

    venue_kind, venue_area = _draw_venues(profile, res_age, n_areas, make_stream(seed, "town.venues"))
    res_venue = _draw_participation(
        profile, res_household, res_age, res_cond, area, venue_kind, venue_area, make_stream(seed, "town.participation")
    )
    hh_venue = np.full(n, -1, dtype=np.int32)
    part = np.flatnonzero(res_venue >= 0)[::-1]  # reversed so the first participant wins
    hh_venue[res_household[part]] = res_venue[part]
    ties += (hh_venue >= 0) * np.float32(profile["venues"]["ties_from_participation"])

    contact_bits = (1 << Condition.CARE_NEED) | (1 << Condition.DISABILITY) | (1 << Condition.YOUNG_CHILD)
    service_contact = np.zeros(n, dtype=bool)
    service_contact[res_household[(res_cond & contact_bits) > 0]] = True
    withdrawn = np.zeros(n, dtype=bool)
    withdrawn[res_household[(res_cond & (1 << Condition.WITHDRAWAL)) > 0]] = True

    n_people = len(res_age)
    npo_rng = make_stream(seed, "town.npos")
    # The municipality's NPOs serve the town (a cat rescue group or a food bank works city-wide).
    n_npos = round(profile["npos"]["per_10k_people"] * n_people / municipal_share(profile, n_people) / 10_000)
    npo_focus = [NPO_FOCI[i] for i in npo_rng.integers(0, len(NPO_FOCI), n_npos)]
    venue_operator = np.full(len(venue_kind), -1, dtype=np.int32)
    ibasho = np.flatnonzero(venue_kind == VENUE_IBASHO)
    if n_npos:
        by_npo = npo_rng.random(len(ibasho)) < profile["npos"]["share_running_ibasho"]
        venue_operator[ibasho[by_npo]] = npo_rng.integers(0, n_npos, int(by_npo.sum()))

    desks, desk_of_kind_by_area = _place_desks(
        profile["desks"], n_people, n_areas, profile["town"]["municipality_people"]
    )
    return Town(
        profile=profile,
        htype=htype,
        area=area,
        district=district,
        member=member,
        ties=ties,
        tie_ptr=tie_ptr,
        tie_nbr=tie_nbr,
        res_household=res_household,
        res_age=res_age,
        res_conditions=res_cond,
        res_venue=res_venue,
        hh_venue=hh_venue,
        service_contact=service_contact,
        district_vacant=district_vacant,
        area_activity=area_activity,
        venue_kind=venue_kind,
        venue_area=venue_area,
        venue_operator=venue_operator,
        npo_focus=npo_focus,
        family_type=people.family_type,
        res_role=people.res_role,
        hoarding=people.conditions.hoarding,
        refuses_support=people.conditions.refuses_support,
        cares_for_parent_elsewhere=people.conditions.cares_for_parent_elsewhere,
        withdrawn=withdrawn,
        desks=desks,
        desk_of_kind_by_area=desk_of_kind_by_area,
    )


def _count(n: int, per_unit: int) -> int:
    return max(1, round(n / per_unit))


@dataclass
class People:
    """Who lives in the town (see :mod:`sim.population`)."""

    family_type: np.ndarray
    htype: np.ndarray
    res_household: np.ndarray
    res_age: np.ndarray
    res_role: np.ndarray
    res_cond: np.ndarray
    conditions: HouseholdConditions


def type_households(profile: dict[str, Any], seed: int) -> dict[str, int]:
    """Households of each derived type in the town drawn with ``seed`` (its people only, no ties or venues).

    The types follow from who lives together and their conditions, so they are counted, not read from the
    profile; another seed gives a few households more or less of each type.
    """
    counts = np.bincount(_draw_people(profile, seed).htype, minlength=len(TYPE_KEYS))
    return {key: int(count) for key, count in zip(TYPE_KEYS, counts, strict=True)}


def _draw_people(profile: dict[str, Any], seed: int) -> People:
    """Households from the census figures, their residents' conditions and the derived household types.

    Streams: ``town.households`` (who lives together), ``town.planted`` (only for ``at_least``),
    ``town.conditions`` (residents) and ``town.household_conditions`` (hoarding, refusal, care elsewhere).
    """
    n = profile["town"]["households"]
    fit = fit_census(census_targets(profile["census"]))
    candidates = draw_candidates(fit, n, make_stream(seed, "town.households"))
    wanted = {k: int(v) for k, v in profile["household_types"]["at_least"].items() if v > 0}
    reserved: dict[str, np.ndarray] = {}
    if wanted:
        candidates, reserved = reserve_households(wanted, candidates, fit, make_stream(seed, "town.planted"))
    hh = households_of(candidates)
    res_cond = draw_conditions(profile["residents"], hh, make_stream(seed, "town.conditions"))
    hc = draw_household_conditions(
        profile["household_conditions"], hh, res_cond, make_stream(seed, "town.household_conditions")
    )
    if reserved:
        plant(reserved, hh, res_cond, hc)
    htype = derive_types(hh, res_cond, hc)
    return People(hh.family_type, htype, hh.res_household, hh.res_age, hh.res_role, res_cond, hc)


def _poisson_quantile(u: np.ndarray, mean: np.ndarray, kmax: int = 60) -> np.ndarray:
    """Inverse-CDF Poisson draws: monotone in ``mean`` for the same uniform ``u``."""
    k = np.arange(kmax)
    logpmf = (
        k[None, :] * np.log(np.maximum(mean[:, None], 1e-300))
        - mean[:, None]
        - np.cumsum(np.log(np.maximum(k, 1)))[None, :]
    )
    cdf = np.cumsum(np.exp(logpmf), axis=1)
    return (u[:, None] > cdf).sum(axis=1)


def _draw_ties(profile, htype, member, area, rng) -> tuple[np.ndarray, np.ndarray]:
    """Sparse neighbour ties: a configuration model within each 自治会 area."""
    p = profile["ties"]
    n = len(htype)
    rel = np.array([p["ties_relative"][k] for k in TYPE_KEYS])[htype]
    mean = np.where(member, p["mean_ties_member"], p["mean_ties_nonmember"]) * rel
    degree = _poisson_quantile(rng.random(n), mean)
    stubs = np.repeat(np.arange(n, dtype=np.int64), degree)
    # Shuffle stubs within areas (area-major order) and pair neighbours in the shuffled list.
    key = area[stubs].astype(np.float64) + rng.random(len(stubs))
    stubs = stubs[np.argsort(key, kind="stable")]
    if len(stubs) % 2:
        stubs = stubs[:-1]
    a, b = stubs[0::2], stubs[1::2]
    ok = (a != b) & (area[a] == area[b])
    a, b = a[ok], b[ok]
    pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1), axis=0)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, src + 1, 1)
    return np.cumsum(ptr), dst[order].astype(np.int32)


def _draw_venues(profile, res_age, n_areas, rng) -> tuple[np.ndarray, np.ndarray]:
    v = profile["venues"]
    n65 = int((res_age >= 65).sum())
    n_kayoi = round(v["kayoi_per_10k_65plus"] * n65 / 10_000)
    n_ibasho = round(v["ibasho_per_10k_people"] * len(res_age) / 10_000)
    kind = np.concatenate([np.full(n_kayoi, VENUE_KAYOI), np.full(n_ibasho, VENUE_IBASHO)]).astype(np.int8)
    # Venues are spread evenly over the areas, in a random order of areas.
    spread = np.concatenate(
        [(np.arange(n_kayoi) * n_areas) // max(n_kayoi, 1), (np.arange(n_ibasho) * n_areas) // max(n_ibasho, 1)]
    )
    return kind, rng.permutation(n_areas)[spread].astype(np.int32) if len(kind) else np.zeros(0, np.int32)


def participation_probability(density: float, at_reference: float, maximum: float, reference: float) -> float:
    """Participation as a saturating function of venue density, through the reference point.

    ``p(d) = max × (1 − exp(−d / s))`` with ``s`` chosen so that ``p(reference) = at_reference``.
    """
    if density <= 0 or maximum <= 0:
        return 0.0
    ratio = min(at_reference / maximum, 0.999999)
    scale = reference / -np.log1p(-ratio) if ratio > 0 else np.inf
    return float(maximum * -np.expm1(-density / scale)) if np.isfinite(scale) else 0.0


KAYOI_REFERENCE_DENSITY = 40.0  # per 10,000 65+: the density at which participation was measured (FY2022)
IBASHO_REFERENCE_DENSITY = 0.9  # per 10,000 people (むすびえ 2024)


def _draw_participation(profile, res_household, res_age, res_cond, area, venue_kind, venue_area, rng) -> np.ndarray:
    """Which resident takes part in which venue; capacity-limited, nearest area first."""
    v = profile["venues"]
    m = len(res_age)
    n65 = max(int((res_age >= 65).sum()), 1)
    res_venue = np.full(m, -1, dtype=np.int32)
    u = rng.random(m)
    pick = rng.random(m)
    n_kayoi = int((venue_kind == VENUE_KAYOI).sum())
    n_ibasho = len(venue_kind) - n_kayoi
    p_kayoi = participation_probability(
        n_kayoi / n65 * 10_000,
        v["kayoi_participation_at_reference"],
        v["kayoi_max_participation"],
        KAYOI_REFERENCE_DENSITY,
    )
    p_ibasho = participation_probability(
        n_ibasho / m * 10_000,
        v["ibasho_participation_at_reference"],
        v["ibasho_max_participation"],
        IBASHO_REFERENCE_DENSITY,
    )
    special = (res_cond & ((1 << Condition.WITHDRAWAL) | (1 << Condition.DISABILITY))) > 0
    p_ib = np.minimum(1.0, p_ibasho * np.where(special, v["ibasho_relative_withdrawn_disabled"], 1.0))
    wants_kayoi = (res_age >= 65) & (u < p_kayoi)
    wants_ibasho = ~wants_kayoi & (res_age >= 6) & (u >= p_kayoi) & (u < p_kayoi + p_ib)
    res_area = area[res_household]
    for kind, wants in ((VENUE_KAYOI, wants_kayoi), (VENUE_IBASHO, wants_ibasho)):
        venues = np.flatnonzero(venue_kind == kind)
        who = np.flatnonzero(wants)
        if len(venues) == 0 or len(who) == 0:
            continue
        chosen = venues[_nearest_venue(res_area[who], venue_area[venues], pick[who])]
        res_venue[who] = chosen
    # Enforce capacity: the first `capacity` residents (by their uniform) keep their place.
    taken = np.flatnonzero(res_venue >= 0)
    order = taken[np.lexsort((u[taken], res_venue[taken]))]
    first = np.r_[True, res_venue[order][1:] != res_venue[order][:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - start
    places = np.where(
        venue_kind == VENUE_IBASHO, round(v["capacity"] * (1 - v["ibasho_places_for_referrals"])), v["capacity"]
    )
    res_venue[order[rank >= places[res_venue[order]]]] = -1
    return res_venue


def _nearest_venue(res_area: np.ndarray, venue_area: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """Index into ``venue_area`` of a venue in the nearest area that has one (ties: ``pick``)."""
    order = np.argsort(venue_area, kind="stable")
    sorted_area = venue_area[order]
    areas = np.unique(sorted_area)
    pos = np.clip(np.searchsorted(areas, res_area), 0, len(areas) - 1)
    left = np.clip(pos - 1, 0, len(areas) - 1)
    nearest = np.where(np.abs(areas[left] - res_area) < np.abs(areas[pos] - res_area), areas[left], areas[pos])
    lo = np.searchsorted(sorted_area, nearest, "left")
    hi = np.searchsorted(sorted_area, nearest, "right")
    return order[lo + (pick * (hi - lo)).astype(np.int64)]


def municipal_share(profile: dict[str, Any], people: int) -> float:
    """The town's share of its municipality's residents (1 when the town is the municipality)."""
    municipality = profile["town"]["municipality_people"]
    return 1.0 if municipality <= 0 else min(1.0, people / municipality)


def _place_desks(specs: list[dict[str, Any]], people: int, n_areas: int, municipality: int = 0):
    """Desks of each kind and their professionals, in 常勤換算 (full-time equivalents).

    The municipality (``municipality`` residents, or the town itself when 0) has at least one
    full-time professional per desk it runs; the town gets its share of them by population, spread
    over its own desks (at least one per town: residents use a desk the town shares). A desk has
    ``max(1, round(fte))`` professionals, each working ``fte / staff`` of full time.
    """
    desks: list[dict[str, Any]] = []
    by_area: dict[str, np.ndarray] = {}
    whole = municipality if municipality > 0 else people
    share = min(1.0, people / whole)
    for spec in specs:
        count = min(max(1, round(people / spec["people_per_desk"])), n_areas)
        municipal_desks = max(1, round(whole / spec["people_per_desk"]))
        municipal_fte = max(float(municipal_desks), spec["staff_per_100k_people"] * whole / 100_000)
        fte = municipal_fte * share / count
        staff = max(1, round(fte))
        first = len(desks)
        for i in range(count):
            desks.append({**spec, "index": first + i, "number": i, "staff": staff, "fte": fte / staff})
        by_area[spec["kind"]] = (first + (np.arange(n_areas) * count) // n_areas).astype(np.int32)
    return desks, by_area
