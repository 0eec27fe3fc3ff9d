"""Stories: follow one household of the seed's cases week by week (``community-sim story NAME``).

A story preset (``sim/stories/*.toml``) picks a household of a type in a town, gives it a
problem at the start, runs a scenario and reads its weeks as a timeline: stage changes, who
noticed, who helped, and what the 自立支援協議会 did. The same story under two scenarios
meets the same luck (common random numbers), so the timelines differ only by the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import locate, read_toml
from sim.domain import DOMAIN_KEYS, PROBLEM_STAGE_KEYS, STAGE_KEYS, TYPE_KEYS, ServiceStatus, Stage
from sim.mechanisms import CHANNEL_KEYS
from sim.model import CommunityModel
from sim.params import ConfigError, Param, validate_block
from sim.state import RESOLVED_BY_KEYS
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


def run_story(story: Story, scenario: str | Path = "baseline", lang: str = "ja") -> tuple[CommunityModel, pd.DataFrame]:
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

    Args:
        model: The model, as it stands at the start of the timeline.
        household: Index of the household followed.
        weeks: Weeks to step.
        lang: ``"ja"`` or ``"en"``.
        on_week: Called with the model after every week (progress, or to stop by raising).

    Returns:
        Columns week, event, text; the first row is the household's start.
    """
    reader = _Reader(model, household, lang)
    events = reader.start()
    for _ in range(weeks):
        model.step()
        events += reader.read()
        if on_week is not None:
            on_week(model)
    return pd.DataFrame(events, columns=["week", "event", "text"])


class _Reader:
    """Turns week-to-week changes of one household's state into sentences."""

    FIELDS = (
        "stage",
        "domains",
        "noticed",
        "service",
        "desk",
        "team",
        "coverage",
        "linked_venue",
        "work_trial",
        "accompanied_until",
        "peer",
        "case",
    )

    def __init__(self, model: CommunityModel, household: int, lang: str) -> None:
        self.m, self.i, self.ja = model, household, lang == "ja"
        self.prev = self._snapshot()
        self.council_seen = len(model.council_log())

    def _snapshot(self) -> dict[str, Any]:
        hh, i = self.m.hh, self.i
        snap = {f: getattr(hh, f)[i].item() for f in self.FIELDS}
        case = snap["case"]
        cols = self.m.cases.cols
        snap["bounces"] = int(cols["bounces"][case]) if case >= 0 else 0
        snap["refusals"] = int(cols["refusals"][case]) if case >= 0 else 0
        return snap

    def _t(self, ja: str, en: str) -> str:
        return ja if self.ja else en

    def start(self) -> list[tuple[int, str, str]]:
        p = self.prev
        if p["case"] < 0:  # followed from an ordinary week (the town view), not from a story's problem
            return [(0, "start", self._t("始まり：困りごとはない", "Start: no problem"))]
        domains = self._domains(p["domains"])
        return [
            (
                0,
                "start",
                self._t(
                    f"始まり：{label('stage', p['stage'])}の段階にある課題（{domains}）を抱えている",
                    f"Start: a {STAGE_KEYS[p['stage']]} problem ({domains})",
                ),
            )
        ]

    def _domains(self, mask: int) -> str:
        names = [label("domain", d) for d in range(len(DOMAIN_KEYS))] if self.ja else DOMAIN_KEYS
        return "・".join(names[d] for d in range(len(DOMAIN_KEYS)) if mask >> d & 1)

    def _desk(self, desk: int) -> str:
        spec = self.m.town.desks[desk]
        return spec["name_ja"] if self.ja else spec["kind"]

    def read(self) -> list[tuple[int, str, str]]:
        m, week, old, new = self.m, self.m.week, self.prev, self._snapshot()
        out: list[tuple[int, str, str]] = []

        def say(event: str, ja: str, en: str) -> None:
            out.append((week, event, self._t(ja, en)))

        if old["case"] >= 0 and new["case"] != old["case"]:
            how = RESOLVED_BY_KEYS[int(m.cases.resolved_by[old["case"]])]
            say("resolved", f"課題が解決した（{_RESOLVED_JA[how]}）", f"The problem was resolved ({how})")
        if new["case"] >= 0 and new["case"] != old["case"]:
            say(
                "onset",
                f"新たな課題が生じた（{self._domains(new['domains'])}）",
                f"A new problem began ({self._domains(new['domains'])})",
            )
        elif new["case"] >= 0:
            if new["stage"] > old["stage"]:
                added = self._domains(new["domains"] & ~old["domains"])
                say(
                    "worse",
                    f"課題が深まった：{label('stage', new['stage'])}（{added}が加わる）",
                    f"The problem deepened to {STAGE_KEYS[new['stage']]} (+{added})",
                )
            if new["noticed"] and not old["noticed"]:
                say(
                    "noticed",
                    "近所の人が「あの人ちょっと気になる」と気づいた",
                    "A neighbour noticed something was wrong",
                )
            case = new["case"]
            if int(m.cases.first_detection_week[case]) == week:
                channel = int(m.cases.first_detection_channel[case])
                stage = int(m.cases.first_detection_stage[case])
                say(
                    "found",
                    f"把握された：{label('channel', channel)}から（{label('stage', stage)}の段階）",
                    f"Found through {CHANNEL_KEYS[channel]} while {STAGE_KEYS[stage]}",
                )
            out += self._service(old, new, week)
        if new["accompanied_until"] > old["accompanied_until"]:
            weeks = new["accompanied_until"] - week
            say("accompanied", f"解決後も伴走支援が続く（{weeks}週）", f"Accompaniment continues for {weeks} weeks")
        if new["peer"] and not old["peer"]:
            say(
                "peer",
                "支えられた経験を生かし、ピアサポーターになった（受け手を担い手に）",
                "Having been helped, they became a peer supporter",
            )
        # The council's own entries (the rows of council_log()): a table a week made long timelines slow.
        log = m.mechanism("council").log
        for item in log[self.council_seen :]:
            if item["decided_week"] == week:
                say(
                    "council",
                    f"自立支援協議会が「{item['domain_ja']}」を地域課題として取り上げた",
                    f"The 自立支援協議会 took up '{item['domain']}' as an area issue",
                )
        for item in log:
            if item["opens_week"] == week and item["opened"]:
                say(
                    "resource",
                    f"新しい地域資源が開設された：{item['field_ja']}（{item['domain_ja']}）",
                    f"A new local resource opened: field {item['field']} for '{item['domain']}'",
                )
        self.prev = new
        return out

    def _service(self, old: dict, new: dict, week: int) -> list[tuple[int, str, str]]:
        out = []

        def say(event: str, ja: str, en: str) -> None:
            out.append((week, event, self._t(ja, en)))

        if new["bounces"] > old["bounces"]:
            say(
                "bounced",
                "窓口で「うちの担当ではない」と言われた（たらい回し）",
                "A desk turned them away (not our remit)",
            )
        s_old, s_new = ServiceStatus(old["service"]), ServiceStatus(new["service"])
        if s_new != s_old:
            desk = self._desk(new["desk"]) if new["desk"] >= 0 else ""
            if s_new == ServiceStatus.GAVE_UP:
                say("gave_up", "あきらめて相談をやめた", "They gave up asking for help")
            elif s_old == ServiceStatus.REFUSED and s_new in (ServiceStatus.WAITING, ServiceStatus.SUPPORTED):
                say(
                    "asked_again",
                    f"支援会議で見守りを続け、改めて支援を申し出た（{desk}）",
                    f"The support meeting kept watching and offered support again ({desk})",
                )
            elif s_new == ServiceStatus.WAITING:
                say("accepted", f"{desk}が相談を受け止めた", f"{desk} took the case")
            elif s_new == ServiceStatus.REFUSED:
                say("refused", "支援を断った", "They refused support")
            elif s_new == ServiceStatus.SUPPORTED:
                say(
                    "supported",
                    f"{desk}の専門職による支援が始まった",
                    f"A professional at {desk} began to support them",
                )
        if new["refusals"] > old["refusals"] and s_new != ServiceStatus.REFUSED:
            say("refused", "支援を断った", "They refused support")
        if new["team"] and not old["team"]:
            say("team", "多機関協働のチームが組まれた", "A multi-agency team was formed")
        if new["coverage"] > old["coverage"] and not (new["team"] and not old["team"]) and s_old == s_new:
            say("plan", "重層的支援会議で支援プランが共有された", "The 重層的支援会議 agreed a plan across agencies")
        if new["linked_venue"] >= 0 and old["linked_venue"] < 0:
            say("linked", "居場所につながった（参加支援）", "Linked to a place to belong (参加支援)")
        if new["work_trial"] and not old["work_trial"]:
            say("work_trial", "就労体験につながった（アフターケア付き）", "Started a work trial with aftercare")
        return out


_RESOLVED_JA = {
    "natural": "自然に",
    "mutual_aid": "住民同士の助け合いで",
    "support": "専門職の支援で",
    "external": "外部から",
    "open": "",
}


def format_timeline(story: Story, scenario_title: str, timeline: pd.DataFrame, lang: str = "ja") -> str:
    """The timeline as text."""
    s = story.settings
    title = s["title_ja"] if lang == "ja" else s["title_en"]
    head = [f"{title} — {scenario_title}", s["description_ja"] if lang == "ja" else s["description_en"], ""]
    week = "週" if lang == "ja" else "week"
    return "\n".join(head + [f"{week} {row.week:>4}  {row.text}" for row in timeline.itertuples()])
