"""Stories: follow one household of the seed's cases week by week (``community-sim story NAME``).

A story preset (``sim/stories/*.toml``) picks a household of a type in a town, gives it a
problem at the start, runs a scenario and reads its weeks as a timeline: stage changes, who
noticed, who helped, and what the 自立支援協議会 did. The timeline is told by the one narrator
(:mod:`sim.events`), filtered for the household. The same story under two scenarios meets the
same luck (common random numbers), so the timelines differ only by the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, locate, read_toml
from sim.domain import DOMAIN_KEYS, PROBLEM_STAGE_KEYS, TYPE_KEYS, Stage
from sim.events import Naming, domain_names, extract, snapshot, told
from sim.model import CommunityModel
from sim.params import ConfigError, Param, validate_block
from sim.vocabulary import label

MAX_DOMAINS = 3  # one at onset, one more at each of the two later stages

STORY_PARAMS: dict[str, Param] = {
    "title_ja": Param("", "Japanese title.", "Set by the file.", kind="text"),
    "title_en": Param("", "English title.", "Set by the file.", kind="text"),
    "description_ja": Param("", "Japanese description.", "Set by the file.", kind="text"),
    "description_en": Param("", "English description.", "Set by the file.", kind="text"),
    "slide": Param("", "Where the case comes from in the seed lecture.", "Set by the file.", kind="text"),
    "household_type": Param(
        "ordinary", "Type of the household followed.", "Set by the file.", kind="str", choices=TYPE_KEYS
    ),
    "stage": Param(
        "latent", "Stage of its problem at the start.", "Set by the file.", kind="str", choices=PROBLEM_STAGE_KEYS
    ),
    "domains": Param(
        [], "Domains of its problem at the start (as many as the stage allows).", "Set by the file.", kind="domains"
    ),
    "town": Param("neighbourhood", "Town (bundled name or path).", "Set by the file.", kind="text"),
    "seed": Param(0, "Seed.", "Set by the file.", kind="int", low=0, high=2**63 - 1),
    "weeks": Param(260, "Weeks to follow.", "Set by the file.", kind="int", low=1, high=5200),
}


@dataclass
class Story:
    """A validated story preset."""

    name: str
    file: str
    settings: dict[str, Any]


def story_names() -> list[str]:
    """Names of the bundled stories."""
    return sorted(p.stem for p in Path(str(resources.files("sim") / "stories")).glob("*.toml"))


def load_story(name_or_path: str | Path) -> Story:
    """Load and validate a story preset (a bundled name or a path)."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" or "/" in str(name_or_path)):
        path = Path(str(resources.files("sim") / "stories" / f"{name_or_path}.toml"))
        if not path.is_file():
            raise ConfigError(str(name_or_path), "", "no such story; bundled: " + ", ".join(story_names()))
    if not path.is_file():
        raise ConfigError(str(path), "", "no such file")
    raw = read_toml(path)
    if set(raw) != {"story"}:
        raise ConfigError(str(path), ", ".join(sorted(set(raw) - {"story"})) or "story", "allowed: one [story] table")
    for key in ("title_ja", "title_en", "household_type", "domains"):
        if key not in raw["story"]:
            raise ConfigError(str(path), f"story.{key}", "missing; " + STORY_PARAMS[key].allowed())
    settings = validate_block(STORY_PARAMS, raw["story"], str(path), "story")
    _check_domains(settings, str(path))
    locate(settings["town"], "towns", str(path), "story.town")
    return Story(path.stem, str(path), settings)


def _check_domains(settings: dict[str, Any], file: str) -> None:
    """The problem's domains must be a state the model can reach.

    A problem starts (latent) with one domain and gains one at each later stage, so it holds at
    least one domain per stage reached and never more than three; a stage that eases back (by
    hand in a workshop) keeps its domains. Hence: latent 1–3, manifest 2–3, complex 3.
    """
    domains, stage = settings["domains"], settings["stage"]
    least = PROBLEM_STAGE_KEYS.index(stage) + 1
    if len(set(domains)) != len(domains):
        raise ConfigError(file, "story.domains", f"got {domains!r}; allowed: each domain once")
    if not least <= len(domains) <= MAX_DOMAINS:
        allowed = f"{least} to {MAX_DOMAINS}" if least < MAX_DOMAINS else f"exactly {MAX_DOMAINS}"
        raise ConfigError(
            file,
            "story.domains",
            f"{len(domains)} domains at stage {stage!r}; allowed: {allowed} domains at {stage!r} (a problem starts "
            "with one domain and gains one at each later stage: latent 1–3, manifest 2–3, complex 3)",
        )


def story_household(model: CommunityModel, story: Story) -> int:
    """The household a story follows: the first of its type in the model's town.

    Raises:
        ConfigError: naming the story's file and ``story.household_type`` when the town has none.
    """
    s = story.settings
    found = np.flatnonzero(model.town.htype == TYPE_KEYS.index(s["household_type"]))
    if len(found) == 0:
        present = sorted({TYPE_KEYS[t] for t in np.unique(model.town.htype)}, key=TYPE_KEYS.index)
        raise ConfigError(
            story.file,
            "story.household_type",
            f"town {s['town']!r} has no {s['household_type']!r} household (seed {s['seed']}); allowed: a type "
            "the town has: " + ", ".join(present),
        )
    return int(found[0])


def run_story(
    story: Story, scenario: Scenario | str | Path = "baseline", lang: str = "ja"
) -> tuple[CommunityModel, pd.DataFrame]:
    """Run ``story`` under ``scenario``; returns the model and the household's timeline."""
    s = story.settings
    model = CommunityModel(scenario, s["town"], seed=s["seed"])
    household = story_household(model, story)
    model.start_case(household, Stage[s["stage"].upper()], [DOMAIN_KEYS.index(d) for d in s["domains"]])
    return model, follow_household(model, household, s["weeks"], lang)


def follow_household(
    model: CommunityModel,
    household: int,
    weeks: int,
    lang: str = "ja",
    on_week: Callable[[CommunityModel], None] | None = None,
) -> pd.DataFrame:
    """Step ``model`` ``weeks`` weeks and read household ``household``'s weeks as a timeline.

    The timeline is the project's one narration (:mod:`sim.events`) filtered for one household:
    its events each week, and the 自立支援協議会's, which concern the whole town.

    Args:
        model: The model, as it stands at the start of the timeline.
        household: Index of the household followed.
        weeks: Weeks to step.
        lang: ``"ja"`` or ``"en"``.
        on_week: Called with the model after every week (progress, or to stop by raising).

    Returns:
        Columns week, event, text; the first row is the household's start.
    """
    naming = Naming.of(model).for_timeline()
    rows = [(0, "start", _start_text(model, household, lang))]
    before = snapshot(model)
    for _ in range(weeks):
        model.step()
        after = snapshot(model)
        events = extract(model, before, after, depicted=False).for_household(household, town=True)
        # A case that closes and another that opens in one week: the closing is told first.
        rows += [(events.week, key, text) for key, text in sorted(told(events, naming, lang), key=_closing_first)]
        before = after
        if on_week is not None:
            on_week(model)
    return pd.DataFrame(rows, columns=["week", "event", "text"])


def _closing_first(item: tuple[str, str]) -> bool:
    return item[0] != "resolved"


def _start_text(model: CommunityModel, household: int, lang: str) -> str:
    """Where the timeline starts: no problem, or a problem at a stage with its domains."""
    case = int(model.hh.case[household])
    if case < 0:  # followed from an ordinary week (the town view), not from a story's problem
        return "始まり：困りごとはない" if lang == "ja" else "Start: no problem"
    stage, domains = int(model.hh.stage[household]), int(model.hh.domains[household])
    if lang == "ja":
        return f"始まり：{label('stage', stage)}の段階にある課題（{domain_names(domains)}）を抱えている"
    return f"Start: a {label('stage', stage, 'en')} problem ({domain_names(domains, 'en')})"


def format_timeline(story: Story, scenario_title: str, timeline: pd.DataFrame, lang: str = "ja") -> str:
    """The timeline as text."""
    s = story.settings
    title = s["title_ja"] if lang == "ja" else s["title_en"]
    head = [f"{title} — {scenario_title}", s["description_ja"] if lang == "ja" else s["description_en"], ""]
    week = "週" if lang == "ja" else "week"
    return "\n".join(head + [f"{week} {row.week:>4}  {row.text}" for row in timeline.itertuples()])
