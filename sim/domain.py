"""The model's identifiers: stages, household types, problem domains, channels, service statuses.

Their words in Japanese and English, and their colours, are in :mod:`sim.vocabulary`.
"""

from __future__ import annotations

from enum import IntEnum


class Stage(IntEnum):
    """Stage of a household's life problem (生活課題), slide 2-4."""

    NONE = 0  # 困りごとがない状態
    LATENT = 1  # 潜在的な生活課題がある状態
    MANIFEST = 2  # 生活課題が顕在化した状態
    COMPLEX = 3  # 生活課題が複雑化・複合化した状態


STAGE_KEYS = ("none", "latent", "manifest", "complex")
PROBLEM_STAGE_KEYS = STAGE_KEYS[1:]


class HouseholdType(IntEnum):
    """Household types (slide 1-1, 1-2 and the 最終とりまとめ's 8050 / ダブルケア)."""

    ORDINARY = 0
    H8050 = 1  # parent ~80 with a withdrawn child ~50
    DOUBLE_CARE = 2  # ダブルケア: child-rearing and elder care at once
    ELDERLY_ALONE = 3  # 高齢単身
    DISABLED_CHILD_REFUSING = 4  # disabled child, parent refuses support (slide 1-1)
    HOARDING_ISOLATED = 5  # ごみ屋敷・孤立 (slide 1-2)


TYPE_KEYS = (
    "ordinary",
    "8050",
    "double_care",
    "elderly_alone",
    "disabled_child_refusing",
    "hoarding_isolated",
)


class FamilyType(IntEnum):
    """世帯の家族類型 of 国勢調査 2020 (the census categories a household is drawn from)."""

    SINGLE = 0  # 単独世帯
    COUPLE = 1  # 夫婦のみの世帯
    COUPLE_WITH_CHILDREN = 2  # 夫婦と子供から成る世帯
    SINGLE_PARENT = 3  # ひとり親と子供から成る世帯
    THREE_GENERATION = 4  # 三世代世帯
    OTHER = 5  # その他の世帯 (夫婦と親, 兄弟姉妹, 非親族を含む世帯, …)


FAMILY_TYPE_KEYS = (
    "single",
    "couple",
    "couple_with_children",
    "single_parent",
    "three_generation",
    "other",
)


class Role(IntEnum):
    """A resident's generation in the household: who is whose parent."""

    ADULT = 0  # the householder's generation (the single person, the couple, the parent(s), siblings)
    CHILD = 1  # a child of the ADULT generation (of any age)
    ELDER = 2  # a parent of the ADULT generation (三世代's grandparents, 夫婦と親's parent)


ROLE_KEYS = ("adult", "child", "elder")


class Domain(IntEnum):
    """Problem domains; a household holds a set of them as a bitmask."""

    CARE = 0
    DISABILITY = 1
    WITHDRAWAL = 2
    POVERTY = 3
    HOUSING = 4
    EMPLOYMENT = 5
    CHILD_REARING = 6
    HEALTH = 7
    HOARDING = 8
    DEBT = 9


DOMAIN_KEYS = (
    "care",
    "disability",
    "withdrawal",
    "poverty",
    "housing",
    "employment",
    "child_rearing",
    "health",
    "hoarding",
    "debt",
)


class Condition(IntEnum):
    """Resident conditions, stored as bits of a uint8."""

    WITHDRAWAL = 0  # ひきこもり
    DISABILITY = 1
    CARE_NEED = 2  # dementia or 要介護
    YOUNG_CHILD = 3  # aged 0–5


CONDITION_KEYS = ("withdrawal", "disability", "care_need", "young_child")


class ServiceStatus(IntEnum):
    """Where a household's current case stands with the services."""

    UNKNOWN = 0  # not (or no longer) in contact with a desk
    REFERRED = 1  # referred, waiting for desk intake
    SUPPORTED = 2  # accepted and supported by a professional
    GAVE_UP = 3  # bounced by a desk and gave up; returns to UNKNOWN after a cooling-off
    WAITING = 4  # accepted by a desk, waiting for a professional with room in their caseload
    REFUSED = 5  # refused support; not referred again until a cooling-off ends
    ADVISED = 6  # a desk gave information or advice only (情報提供・助言): no caseload place
    LINKED = 7  # a desk linked the household to a service outside the desks (つなぎ): no caseload place


def domain_mask(*domains: int) -> int:
    """The bitmask holding ``domains``."""
    mask = 0
    for d in domains:
        mask |= 1 << int(d)
    return mask


def count_domains(masks):
    """Number of domains in each uint16 domain mask (popcount)."""
    import numpy as np

    bytes_ = np.asarray(masks).astype(">u2").view(np.uint8).reshape(-1, 2)
    return np.unpackbits(bytes_, axis=1).sum(axis=1)
