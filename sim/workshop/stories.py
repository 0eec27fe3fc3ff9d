"""Guided stories for workshops: the seed's three cases in chapters that follow the lecture's まとめ.

A story file (``sim/workshop/stories/*.toml``) names the case it follows (a story preset of
``sim/stories/``: the household's type, its problem at the start), the functions missing
in the "without" town, and four chapters, one per closing lesson of the lecture (slide
まとめ), each with the week it ends, what to look at, facilitator notes and discussion
questions. Files are validated in full when loaded: a bad file raises ConfigError naming
the file, the key and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sim.config import read_toml
from sim.params import ConfigError
from sim.story import Story, load_story, story_names
from sim.workshop.functions import FUNCTION_BY_KEY

# The closing lessons of the seed lecture (slide まとめ: プロセスが重要 個別支援～ネット形成～資源開発).
LESSONS: tuple[tuple[str, str, str], ...] = (
    ("face_the_person", "利用者と向き合う", "Face the person first (trust)"),
    ("share_assessment", "アセスメントを共有し共感する", "Share the assessment and empathise"),
    ("collaborators", "協働者の課題に向き合う", "Take on the collaborators' problems too"),
    ("council", "協議の場へ", "Take the solution to the council"),
)
LESSON_KEYS = tuple(k for k, _, _ in LESSONS)
LESSON_JA = {k: ja for k, ja, _ in LESSONS}
LESSON_EN = {k: en for k, _, en in LESSONS}
# Where a story may cite the seed lecture (its slide numbers).
SLIDES = (
    "最終とりまとめ",
    "包括的な支援体制",
    *(f"1-{i}" for i in range(1, 5)),
    *(f"2-{i}" for i in range(1, 5)),
    *(f"3-{i}" for i in range(1, 8)),
    "まとめ",
)
MAX_WEEKS = 520
STORY_KEYS = {
    "case": str,
    "title_ja": str,
    "title_en": str,
    "summary_ja": str,
    "summary_en": str,
    "slides": list,
    "without": list,
    "seed": int,
}
CHAPTER_KEYS = {
    "lesson": str,
    "until_week": int,
    "title_ja": str,
    "title_en": str,
    "look_ja": str,
    "look_en": str,
    "notes_ja": str,
    "notes_en": str,
    "questions_ja": list,
    "questions_en": list,
    "slides": list,
}


@dataclass(frozen=True)
class Chapter:
    """One chapter: a closing lesson, the week it ends, and the facilitator's material."""

    lesson: str
    until_week: int
    title_ja: str
    title_en: str
    look_ja: str
    look_en: str
    notes_ja: str
    notes_en: str
    questions_ja: tuple[str, ...]
    questions_en: tuple[str, ...]
    slides: tuple[str, ...]

    def text(self, field: str, lang: str) -> Any:
        """``field`` in ``lang`` (``title``, ``look``, ``notes``, ``questions``)."""
        return getattr(self, f"{field}_{'ja' if lang == 'ja' else 'en'}")

    def lesson_label(self, lang: str) -> str:
        return LESSON_JA[self.lesson] if lang == "ja" else LESSON_EN[self.lesson]


@dataclass(frozen=True)
class WorkshopStory:
    """A validated guided story."""

    name: str
    file: str
    case: Story
    title_ja: str
    title_en: str
    summary_ja: str
    summary_en: str
    slides: tuple[str, ...]
    without: tuple[str, ...]
    seed: int
    chapters: tuple[Chapter, ...]

    def title(self, lang: str) -> str:
        return self.title_ja if lang == "ja" else self.title_en

    def summary(self, lang: str) -> str:
        return self.summary_ja if lang == "ja" else self.summary_en

    @property
    def weeks(self) -> int:
        """Weeks the whole story runs."""
        return self.chapters[-1].until_week


def _dir() -> Path:
    return Path(str(resources.files("sim") / "workshop" / "stories"))


def workshop_story_names() -> list[str]:
    """Names of the bundled guided stories."""
    return sorted(p.stem for p in _dir().glob("*.toml"))


def load_workshop_story(name_or_path: str | Path) -> WorkshopStory:
    """Load and validate a guided story (a bundled name or a path)."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" or "/" in str(name_or_path)):
        path = _dir() / f"{name_or_path}.toml"
        if not path.is_file():
            raise ConfigError(str(name_or_path), "", "no such story; bundled: " + ", ".join(workshop_story_names()))
    if not path.is_file():
        raise ConfigError(str(path), "", "no such file")
    return story_from_dict(read_toml(path), path.stem, str(path))


def story_from_dict(raw: dict[str, Any], name: str, file: str) -> WorkshopStory:
    """Validate a guided story given as a dict (as read from TOML)."""
    extra = sorted(set(raw) - {"story", "chapters"})
    if extra:
        raise ConfigError(file, extra[0], "unknown section; allowed: [story] and [[chapters]]")
    story = _table(raw.get("story"), STORY_KEYS, file, "story")
    if story["case"] not in story_names():
        raise ConfigError(file, "story.case", f"{story['case']!r} is not a story; allowed: " + ", ".join(story_names()))
    _check_slides(story["slides"], file, "story.slides")
    for i, key in enumerate(story["without"]):
        if key not in FUNCTION_BY_KEY:
            raise ConfigError(file, f"story.without[{i}]", f"{key!r}; allowed: " + ", ".join(FUNCTION_BY_KEY))
    if story["seed"] < 0:
        raise ConfigError(file, "story.seed", f"got {story['seed']}; allowed: a non-negative integer")
    chapters_raw = raw.get("chapters")
    if not isinstance(chapters_raw, list) or len(chapters_raw) != len(LESSONS):
        raise ConfigError(file, "chapters", f"allowed: exactly {len(LESSONS)} [[chapters]], one per lesson of まとめ")
    chapters: list[Chapter] = []
    for i, c in enumerate(chapters_raw):
        where = f"chapters[{i}]"
        ch = _table(c, CHAPTER_KEYS, file, where)
        if ch["lesson"] != LESSON_KEYS[i]:
            raise ConfigError(
                file, f"{where}.lesson", f"got {ch['lesson']!r}; allowed: {LESSON_KEYS[i]!r} (the lessons in order)"
            )
        low = chapters[-1].until_week + 1 if chapters else 1
        if not low <= ch["until_week"] <= MAX_WEEKS:
            raise ConfigError(file, f"{where}.until_week", f"got {ch['until_week']}; allowed: {low} to {MAX_WEEKS}")
        for lang in ("ja", "en"):
            qs = ch[f"questions_{lang}"]
            if not 1 <= len(qs) <= 5 or not all(isinstance(q, str) and q.strip() for q in qs):
                raise ConfigError(file, f"{where}.questions_{lang}", "allowed: 1 to 5 non-empty strings")
        if len(ch["questions_ja"]) != len(ch["questions_en"]):
            raise ConfigError(file, f"{where}.questions_en", "allowed: as many questions as questions_ja")
        _check_slides(ch["slides"], file, f"{where}.slides")
        chapters.append(
            Chapter(**{k: tuple(v) if isinstance(v, list) else v for k, v in ch.items()})  # type: ignore[arg-type]
        )
    return WorkshopStory(
        name,
        file,
        load_story(story["case"]),
        story["title_ja"],
        story["title_en"],
        story["summary_ja"],
        story["summary_en"],
        tuple(story["slides"]),
        tuple(story["without"]),
        story["seed"],
        tuple(chapters),
    )


def _table(raw: Any, keys: dict[str, type], file: str, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(file, where, "missing or not a table")
    for key in raw:
        if key not in keys:
            raise ConfigError(file, f"{where}.{key}", "unknown key; allowed: " + ", ".join(keys))
    for key, kind in keys.items():
        if key not in raw:
            raise ConfigError(file, f"{where}.{key}", f"missing; allowed: a {kind.__name__}")
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ConfigError(file, f"{where}.{key}", f"got {value!r}; allowed: a {kind.__name__}")
        if isinstance(value, str) and not value.strip():
            raise ConfigError(file, f"{where}.{key}", "empty; allowed: a non-empty string")
    return raw


def _check_slides(slides: list, file: str, key: str) -> None:
    if not slides:
        raise ConfigError(file, key, "allowed: at least one slide of the seed lecture")
    for s in slides:
        if s not in SLIDES:
            raise ConfigError(file, key, f"{s!r}; allowed: " + ", ".join(SLIDES))
