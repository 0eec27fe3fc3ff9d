"""A workshop session: one or two panels of the same town on the same seed, stepped week by week.

The main panel runs the town with the trainer's switches; with "compare" on, a reference
panel runs it with every function on, side by side, so the room sees the same households
diverge (common random numbers: only the switches differ). Changing a switch rebuilds the
main panel under the new scenario and replays it from week 0 to the current week: the
same town with that function missing from the start. A guided story follows one household
of the seed's cases through four chapters. Everything the room saw is logged for the handout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.domain import DOMAIN_KEYS, Stage
from sim.events import KEY_EVENTS, Events, Naming, extract, narrate, snapshot
from sim.events import caption as caption_of
from sim.model import CommunityModel
from sim.story import story_household
from sim.workshop.functions import ALL_ON, FUNCTION_BY_KEY, WORKSHOP_TOWN, check_switches, scenario_for
from sim.workshop.picture import Frame, PictureTown, frame_of, picture_town
from sim.workshop.stories import Chapter, WorkshopStory, load_workshop_story

DEFAULT_SEED = 1
MAX_KEY_FRAMES = 40  # kept for the handout (it shows at most a dozen)


class Panel:
    """One model of the town under one set of switches, with a frame for every week so far."""

    def __init__(self, role: str, switches: Mapping[str, bool], seed: int, story: WorkshopStory | None, lang: str):
        self.role = role  # "main" or "reference"
        self.switches = check_switches(switches)
        self.scenario = scenario_for(self.switches)
        self.model = CommunityModel(self.scenario, WORKSHOP_TOWN, seed=seed)
        self.naming = Naming.of(self.model)
        self.picture: PictureTown = picture_town(self.model)  # the reference keeps its venues when 参加の場 is off
        self.followed = -1
        if story is not None:
            self.followed = _start_case(self.model, story)
        self.lang = lang
        self.prev = snapshot(self.model)
        self.frames: list[Frame] = [frame_of(self.model, Events(0), self.title(lang), self.followed)]

    def title(self, lang: str) -> str:
        """The panel's heading: what is missing (or that every function is on)."""
        return self.scenario.title_ja if lang == "ja" else self.scenario.title_en

    def short_title(self, lang: str) -> str:
        """A heading short enough for half a projector screen."""
        off = sum(not v for v in self.switches.values())
        if off == 0:
            return "すべての機能あり" if lang == "ja" else "Every function on"
        if off == 1:
            return self.title(lang)
        return f"{off}つの機能なし" if lang == "ja" else f"{off} functions off"

    @property
    def week(self) -> int:
        return self.model.week

    def step(self) -> Events:
        """One week; returns its events."""
        self.model.step()
        now = snapshot(self.model)
        events = extract(self.model, self.prev, now)
        self.prev = now
        self.frames.append(frame_of(self.model, events, "", self.followed))
        return events

    @property
    def events(self) -> Events:
        """This week's events."""
        return self.frames[-1].events


def _start_case(model: CommunityModel, story: WorkshopStory) -> int:
    """Give the story's household (the first of its type) its problem at week 0; returns its index."""
    s = story.case.settings
    household = story_household(model, story.case)
    model.start_case(household, Stage[s["stage"].upper()], [DOMAIN_KEYS.index(d) for d in s["domains"]])
    return household


@dataclass
class LogEntry:
    """One line of the session's timeline."""

    week: int
    panel: str  # the panel's title, or "" for the session itself
    text: str
    key: bool = False


@dataclass
class KeyFrame:
    """A week worth a picture in the handout: the frames of every panel at that week."""

    week: int
    reason: str
    # Per panel: its title, the frame, the town to draw it in, and the week's caption.
    frames: list[tuple[str, Frame, PictureTown, str]] = field(default_factory=list)


class WorkshopSession:
    """What a trainer runs in front of the room (the Solara page holds one per browser tab)."""

    def __init__(self, seed: int = DEFAULT_SEED, lang: str = "ja") -> None:
        self.seed = seed
        self.lang = lang
        self.switches: dict[str, bool] = dict(ALL_ON)
        self.compare = False
        self.story: WorkshopStory | None = None
        self.chapter = -1  # index of the chapter being run (story mode)
        self.log: list[LogEntry] = []
        self.key_frames: list[KeyFrame] = []
        self._build()

    # ------------------------------------------------------------------ panels
    def _build(self) -> None:
        self.main = Panel("main", self.switches, self.seed, self.story, self.lang)
        self.reference: Panel | None = None
        if self.compare:
            self.reference = Panel("reference", ALL_ON, self.seed, self.story, self.lang)

    @property
    def panels(self) -> list[Panel]:
        """The panels shown, reference (with every function) first."""
        return [p for p in (self.reference, self.main) if p is not None]

    @property
    def week(self) -> int:
        return self.main.week

    # ------------------------------------------------------------------ controls
    def step(self, weeks: int = 1) -> None:
        """Advance every panel ``weeks`` weeks, logging what happened."""
        for _ in range(weeks):
            for panel in self.panels:
                events = panel.step()
                self._log_week(panel, events)
            self._maybe_key_frame()

    def set_switch(self, key: str, on: bool) -> None:
        """Switch function ``key`` on or off; the main panel replays to the current week."""
        if key not in FUNCTION_BY_KEY:
            raise KeyError(key)
        if self.switches[key] == on:
            return
        self.switches[key] = on
        f = FUNCTION_BY_KEY[key]
        what = (f.label_ja if self.lang == "ja" else f.label_en) + ("：あり" if on else "：なし")
        if self.lang != "ja":
            what = f"{f.label_en}: {'on' if on else 'off'}"
        self._replay(what)

    def set_switches(self, switches: Mapping[str, bool]) -> None:
        """Set several switches at once (one replay)."""
        self.switches = check_switches({**self.switches, **switches})
        self._replay("スイッチを変更" if self.lang == "ja" else "Switches changed")

    def set_compare(self, on: bool) -> None:
        """Show the town with every function beside the trainer's town (replays the reference)."""
        if self.compare == on:
            return
        self.compare = on
        week = self.week
        if on:
            self.reference = Panel("reference", ALL_ON, self.seed, self.story, self.lang)
            for _ in range(week):
                self.reference.step()
        else:
            self.reference = None

    def _replay(self, what: str) -> None:
        week = self.week
        self.main = Panel("main", self.switches, self.seed, self.story, self.lang)
        for _ in range(week):
            self.main.step()
        text = (
            f"{what}（同じ町・同じ運で第0週からやり直し）"
            if self.lang == "ja"
            else f"{what} (same town, same luck, replayed from week 0)"
        )
        self.log.append(LogEntry(week, "", text, key=True))
        self._add_key_frame(text)

    def reset(self, seed: int | None = None) -> None:
        """Back to week 0 (same switches, story and comparison); clears the log."""
        if seed is not None:
            self.seed = seed
        self.log, self.key_frames = [], []
        self.chapter = -1
        self._build()

    # ------------------------------------------------------------------ stories
    def start_story(self, name: str) -> None:
        """Start guided story ``name``: its seed, its missing functions, the reference beside it."""
        story = load_workshop_story(name)
        self.story = story
        self.seed = story.seed
        self.switches = check_switches({k: k not in story.without for k in FUNCTION_BY_KEY})
        self.compare = True
        self.reset()
        self.log.append(LogEntry(0, "", f"{story.title(self.lang)} — {story.summary(self.lang)}", key=True))
        self._add_key_frame(story.title(self.lang))

    def stop_story(self) -> None:
        """Leave story mode: back to week 0 with every function on."""
        self.story = None
        self.switches = dict(ALL_ON)
        self.reset()

    @property
    def current_chapter(self) -> Chapter | None:
        if self.story is None or self.chapter < 0:
            return None
        return self.story.chapters[self.chapter]

    @property
    def story_finished(self) -> bool:
        """Whether the last chapter has run to its end."""
        return self.story is not None and self.chapter == len(self.story.chapters) - 1 and self.chapter_done

    @property
    def chapter_done(self) -> bool:
        """Whether the current chapter has reached its last week (True before the first chapter)."""
        chapter = self.current_chapter
        return chapter is None or self.week >= chapter.until_week

    def _begin_chapter(self) -> Chapter | None:
        if self.story is None or self.chapter >= len(self.story.chapters) - 1:
            return None
        self.chapter += 1
        chapter = self.story.chapters[self.chapter]
        number = f"第{self.chapter + 1}章：" if self.lang == "ja" else f"Chapter {self.chapter + 1}: "
        self.log.append(LogEntry(self.week, "", number + self._chapter_title(chapter), key=True))
        return chapter

    def _chapter_title(self, chapter: Chapter) -> str:
        return f"{chapter.lesson_label(self.lang)} — {chapter.text('title', self.lang)}"

    def next_chapter(self) -> Chapter | None:
        """Run the current chapter, or else the next one, to its last week; returns it (None when over)."""
        chapter = self._begin_chapter() if self.chapter_done else self.current_chapter
        if chapter is None:
            return None
        self.step(max(0, chapter.until_week - self.week))
        self._add_key_frame(self._chapter_title(chapter))
        return chapter

    def play_week(self) -> bool:
        """One week of play; in a story, chapter by chapter. Returns False when play should pause
        (the chapter or the story has ended)."""
        if self.story is None:
            self.step()
            return True
        chapter = self._begin_chapter() if self.chapter_done else self.current_chapter
        if chapter is None:
            return False
        self.step()
        if self.chapter_done:
            self._add_key_frame(self._chapter_title(chapter))
            return False
        return True

    # ------------------------------------------------------------------ what the room sees
    def diverged(self) -> np.ndarray:
        """Households whose stage differs between the two towns now (empty without a comparison)."""
        if self.reference is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.reference.model.hh.stage != self.main.model.hh.stage)

    def divergence_text(self) -> str:
        """One sentence on how far the two towns have drifted apart."""
        who = self.diverged()
        if self.reference is None:
            return ""
        ref, main = self.reference.model.hh.stage, self.main.model.hh.stage
        worse = int((main[who] > ref[who]).sum())
        numbers = "・".join(str(i + 1) for i in who[:12]) + ("…" if len(who) > 12 else "")
        if self.lang != "ja":
            if not len(who):
                return "Every house is at the same stage in both towns."
            return f"{len(who)} houses differ between the towns ({', '.join(str(i + 1) for i in who[:12])}); worse on the right: {worse}."
        if not len(who):
            return "二つの町で、どの家も同じ段階です。"
        return f"左右の町で段階が違う家：{len(who)}軒（{numbers}番の家）。うち右の町のほうが深刻：{worse}軒。"

    def caption(self, panel: Panel) -> str:
        """The caption under ``panel``'s picture for the current week."""
        return caption_of(panel.events, panel.naming, self.lang)

    def _log_week(self, panel: Panel, events: Events) -> None:
        if panel.followed >= 0:
            events = events.for_household(panel.followed)
        for line in narrate(events, panel.naming, self.lang, routine=False):
            self.log.append(LogEntry(events.week, panel.short_title(self.lang), line, key=events.is_key_moment()))

    def _maybe_key_frame(self) -> None:
        """Keep a picture of this week if something decisive happened (to the story's household)."""
        reasons = []
        for panel in self.panels:
            ev = panel.events
            if panel.followed >= 0:
                ev = ev.for_household(panel.followed)
            key = np.isin(ev.kind, list(KEY_EVENTS))
            if key.any():
                first = ev.take(np.flatnonzero(key)[:1])
                line = narrate(first, panel.naming, self.lang, routine=False)[0]
                reasons.append(f"{panel.short_title(self.lang)}：{line}" if self.compare else line)
        if reasons:
            self._add_key_frame(" / ".join(reasons))

    def _add_key_frame(self, reason: str) -> None:
        if len(self.key_frames) >= MAX_KEY_FRAMES:
            self.key_frames.pop(1)  # keep the first (the start) and the latest
        frames = [(p.short_title(self.lang), p.frames[-1], p.picture, self.caption(p)) for p in self.panels]
        if self.key_frames and self.key_frames[-1].week == self.week:
            self.key_frames[-1] = KeyFrame(self.week, self.key_frames[-1].reason + " / " + reason, frames)
        else:
            self.key_frames.append(KeyFrame(self.week, reason, frames))
