"""One vocabulary: every key the model uses has words in both languages, and one palette."""

from __future__ import annotations

import pytest

from sim import vocabulary
from sim.domain import DOMAIN_KEYS, STAGE_KEYS, TYPE_KEYS
from sim.mechanisms import CHANNEL_KEYS


def test_every_stage_type_domain_and_channel_has_japanese_and_english_labels():
    assert vocabulary.missing_labels() == []


@pytest.mark.parametrize(
    ("kind", "keys"),
    [("stage", STAGE_KEYS), ("household_type", TYPE_KEYS), ("domain", DOMAIN_KEYS), ("channel", CHANNEL_KEYS)],
)
def test_labels_and_phrases_exist_in_both_languages_by_key_and_by_index(kind, keys):
    for i, key in enumerate(keys):
        for lang in ("ja", "en"):
            assert vocabulary.label(kind, key, lang) == vocabulary.label(kind, i, lang) != ""
            assert vocabulary.phrase(kind, key, lang)
    assert len(set(vocabulary.labels(kind, "ja"))) == len(keys)  # no two keys share a Japanese label


def test_an_unknown_key_names_the_kind_and_the_known_keys():
    with pytest.raises(KeyError, match="no channel called 'postman'; known: none, self"):
        vocabulary.label("channel", "postman")
    with pytest.raises(KeyError, match="no stage number 4"):
        vocabulary.label("stage", 4)


def test_the_whole_town_is_a_household_type_label():
    assert vocabulary.label("household_type", "all") == "全世帯"
    assert vocabulary.label("household_type", "all", "en") == "all households"


def test_one_stage_palette_darkens_as_a_problem_deepens():
    lightness = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in vocabulary.STAGE_COLOURS]
    assert len(vocabulary.STAGE_COLOURS) == len(STAGE_KEYS)
    assert lightness == sorted(lightness, reverse=True)


def test_scenario_colours_cycle_after_the_palette_is_used_up():
    n = len(vocabulary.SCENARIO_COLOURS)
    assert len(set(vocabulary.SCENARIO_COLOURS)) == n
    assert vocabulary.scenario_colour(n) == vocabulary.scenario_colour(0)
