"""Stories from the seed: one household's timeline, and how it differs between 縦割り and 重層."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from sim.cli import main
from sim.domain import DOMAIN_KEYS, TYPE_KEYS, Stage
from sim.events import Naming, extract, narrate, snapshot
from sim.model import CommunityModel
from sim.params import ConfigError
from sim.story import Story, load_story, run_story, story_names


def test_the_seed_cases_are_bundled_stories():
    assert set(story_names()) == {"hoarding_cats", "refusing_parent", "household_8050"}
    assert load_story("hoarding_cats").settings["slide"] == "1-2"
    assert load_story("refusing_parent").settings["slide"] == "1-1"


@pytest.mark.parametrize("name", ["hoarding_cats", "refusing_parent", "household_8050"])
def test_a_story_reads_differently_under_siloed_and_jusoteki_full(name):
    story = load_story(name)
    _, siloed = run_story(story, "siloed")
    _, full = run_story(story, "jusoteki_full")
    assert siloed.iloc[0]["event"] == full.iloc[0]["event"] == "start"
    assert list(siloed["text"]) != list(full["text"])
    # The reasons are visible: 重層 reaches out and never turns the household away.
    assert "bounced" not in set(full["event"])
    assert "found" in set(full["event"])


def test_hoarding_household_is_turned_away_by_silos_but_reached_by_outreach():
    story = load_story("hoarding_cats")
    _, siloed = run_story(story, "siloed", lang="en")
    _, full = run_story(story, "jusoteki_full", lang="en")
    assert "bounced" in set(siloed["event"]) and "gave_up" in set(siloed["event"])
    assert any("outreach" in t for t in full.loc[full["event"] == "found", "text"])


def test_a_story_is_the_workshops_events_of_its_household_in_the_same_sentences():
    """One narrator: the timeline is sim.events filtered for the household, with "this household" as subject."""
    story = load_story("refusing_parent")
    # The story's own 260 weeks (a parent who refuses is rarely offered a plan sooner), on a seed whose household
    # meets every kind of event the assertion below lists, so that every sentence kind is compared (the
    # preset's 3 meets no refusal and no 'asked again' in the issue-13 model with its 10-year warm-up; seed 19 does).
    s = {**story.settings, "seed": 19}
    _, timeline = run_story(Story(story.name, story.file, s), "jusoteki_full")
    model = CommunityModel("jusoteki_full", s["town"], seed=s["seed"])
    household = int(np.flatnonzero(model.town.htype == TYPE_KEYS.index(s["household_type"]))[0])
    model.start_case(household, Stage[s["stage"].upper()], [DOMAIN_KEYS.index(d) for d in s["domains"]])
    naming = replace(Naming.of(model), detailed=True)  # the workshop's words, told in a timeline's detail
    told_by_workshop = []
    before = snapshot(model)
    for _ in range(s["weeks"]):
        model.step()
        after = snapshot(model)
        events = extract(model, before, after).for_household(household, town=True)
        told_by_workshop += [(events.week, line) for line in narrate(events, naming, routine=False)]
        before = after
    house = naming.house(household, ja=True)
    expected = sorted((w, line.replace(house, "この世帯")) for w, line in told_by_workshop)
    assert sorted(zip(timeline["week"][1:], timeline["text"][1:], strict=True)) == expected
    assert {"council", "resource", "found", "refused", "asked_again"} <= set(timeline["event"])


def test_story_follows_the_same_household_with_the_same_luck():
    story = load_story("household_8050")
    _, first = run_story(story, "baseline")
    _, second = run_story(story, "baseline")
    assert first.equals(second)


def test_story_command_prints_a_timeline_and_lists_stories(capsys):
    assert main(["story"]) == 0
    assert "hoarding_cats" in capsys.readouterr().out
    assert main(["story", "hoarding_cats", "--scenario", "siloed"]) == 0
    out = capsys.readouterr().out
    assert "公営住宅のごみ屋敷" in out and "週" in out
    assert main(["story", "refusing_parent", "--scenario", "jusoteki_full", "--json", "--lang", "en"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["story"] == "refusing_parent" and payload["events"][0]["event"] == "start"


def test_a_bad_story_file_is_rejected(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[story]\ntitle_ja = "x"\ntitle_en = "x"\nhousehold_type = "castle"\ndomains = ["care"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_story(path)
    assert info.value.key == "story.household_type"
    assert main(["story", str(path)]) == 2
