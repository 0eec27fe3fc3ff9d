"""One vocabulary: every stage, household type, census family type, problem domain and detection
channel, named in Japanese and English, and one palette. Channels' words are declared by the mechanisms that own
them (``Mechanism.CHANNEL``) and gathered here. The CLI, the report, the dashboard, the workshop and the
narration all take their words and colours from here.

Each term has a *label* (tables, legends, axes) and a *phrase* (a sentence's words: "the
民生委員's visit"); the phrase defaults to the label. Keys are the model's identifiers
(:mod:`sim.domain`); :func:`missing_labels` lists any key without both languages (a test keeps it empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.domain import DOMAIN_KEYS, FAMILY_TYPE_KEYS, STAGE_KEYS, TYPE_KEYS


@dataclass(frozen=True)
class Term:
    """A key's words in both languages."""

    key: str
    ja: str
    en: str
    ja_phrase: str = ""
    en_phrase: str = ""

    def label(self, lang: str = "ja") -> str:
        """The label in ``lang`` (``"en"``; anything else is Japanese)."""
        return self.en if lang == "en" else self.ja

    def phrase(self, lang: str = "ja") -> str:
        """The words for a sentence in ``lang``."""
        if lang == "en":
            return self.en_phrase or self.en
        return self.ja_phrase or self.ja


STAGES: tuple[Term, ...] = (
    Term("none", "困りごとがない", "no problem"),
    Term("latent", "潜在的", "latent", "潜在的な課題"),
    Term("manifest", "顕在化", "manifest", "課題が顕在化"),
    Term("complex", "複雑化・複合化", "complex"),
)

HOUSEHOLD_TYPES: tuple[Term, ...] = (
    Term("ordinary", "一般世帯", "ordinary", en_phrase="household"),
    Term("8050", "8050世帯", "8050", en_phrase="8050 household"),
    Term("double_care", "ダブルケア世帯", "double care (ダブルケア)", en_phrase="double-care household"),
    Term("elderly_alone", "高齢単身世帯", "elderly living alone", en_phrase="elder living alone"),
    Term(
        "disabled_child_refusing",
        "障害児と支援拒否の親",
        "disabled child, parent refuses support",
        en_phrase="refusing parent of a disabled child",
    ),
    Term("hoarding_isolated", "ごみ屋敷・孤立世帯", "hoarding and isolated", en_phrase="hoarding household"),
)
ALL_HOUSEHOLDS = Term("all", "全世帯", "all households")

# 国勢調査's 世帯の家族類型: what a household is made of (the household types above are derived from it).
FAMILY_TYPES: tuple[Term, ...] = (
    Term("single", "単独世帯", "one person", en_phrase="person living alone"),
    Term("couple", "夫婦のみの世帯", "couple only", en_phrase="couple"),
    Term("couple_with_children", "夫婦と子供から成る世帯", "couple with children", en_phrase="couple with children"),
    Term("single_parent", "ひとり親と子供から成る世帯", "one parent with children", en_phrase="parent with children"),
    Term("three_generation", "三世代世帯", "three generations", en_phrase="three-generation household"),
    Term("other", "その他の世帯", "other households", en_phrase="household"),
)

DOMAINS: tuple[Term, ...] = (
    Term("care", "介護", "care"),
    Term("disability", "障害", "disability"),
    Term("withdrawal", "ひきこもり", "withdrawal (ひきこもり)"),
    Term("poverty", "生活困窮", "poverty"),
    Term("housing", "住まい", "housing"),
    Term("employment", "就労", "employment"),
    Term("child_rearing", "子育て", "child-rearing"),
    Term("health", "健康", "health"),
    Term("hoarding", "ごみ屋敷", "hoarding"),
    Term("debt", "債務", "debt"),
)

# Colours by stage index (none … complex): light grey, then yellow → orange → dark red as a problem deepens.
STAGE_COLOURS: tuple[str, str, str, str] = ("#cfd8dc", "#f2c14e", "#f78154", "#b33951")
# Scenarios in charts, in their order (the reference first); colour-blind-safe Tableau-like hues.
SCENARIO_COLOURS: tuple[str, ...] = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)

_STATIC: dict[str, tuple[tuple[str, ...], tuple[Term, ...]]] = {
    "stage": (STAGE_KEYS, STAGES),
    "household_type": (TYPE_KEYS, HOUSEHOLD_TYPES),
    "family_type": (FAMILY_TYPE_KEYS, FAMILY_TYPES),
    "domain": (DOMAIN_KEYS, DOMAINS),
}
KINDS = ("stage", "household_type", "family_type", "domain", "channel")


def _table(kind: str) -> tuple[tuple[str, ...], tuple[Term, ...]]:
    """Keys and terms of ``kind``; channels are declared by the mechanisms that own them."""
    if kind == "channel":
        from sim.mechanisms import CHANNEL_KEYS, CHANNELS  # the registry imports this module

        return CHANNEL_KEYS, CHANNELS
    return _STATIC[kind]


def term(kind: str, key: str | int) -> Term:
    """The term of ``kind`` (stage, household_type, family_type, domain, channel) for a key or an index.

    Raises:
        KeyError: naming the kind and the unknown key.
    """
    keys, terms = _table(kind)
    if kind == "household_type" and key == "all":
        return ALL_HOUSEHOLDS
    by_key = {t.key: t for t in terms}
    if isinstance(key, str):
        if key not in by_key:
            raise KeyError(f"no {kind} called {key!r}; known: {', '.join(keys)}")
        return by_key[key]
    if not 0 <= int(key) < len(keys):
        raise KeyError(f"no {kind} number {key}; there are {len(keys)}")
    return by_key[keys[int(key)]]


def label(kind: str, key: str | int, lang: str = "ja") -> str:
    """The label of a stage, household type, family type, domain or channel (key or index) in ``lang``."""
    return term(kind, key).label(lang)


def phrase(kind: str, key: str | int, lang: str = "ja") -> str:
    """The words for a sentence about a stage, household type, domain or channel in ``lang``."""
    return term(kind, key).phrase(lang)


def labels(kind: str, lang: str = "ja") -> tuple[str, ...]:
    """Every label of ``kind`` in key order."""
    keys, _ = _table(kind)
    return tuple(label(kind, k, lang) for k in keys)


def scenario_colour(i: int) -> str:
    """The colour of the ``i``-th scenario of a chart."""
    return SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]


def missing_labels() -> list[str]:
    """Keys of the model without a Japanese and an English label (empty when the vocabulary is complete)."""
    missing = []
    for kind in KINDS:
        keys, terms = _table(kind)
        by_key = {t.key: t for t in terms}
        for key in keys:
            t = by_key.get(key)
            if t is None or not t.ja.strip() or not t.en.strip():
                missing.append(f"{kind}:{key}")
        missing += [f"{kind}:{t.key} (unknown key)" for t in terms if t.key not in keys]
    return missing
