"""This week's events for every household, read off the model's arrays, and told in plain words.

The model keeps households' state in arrays; it does not log who did what to whom. A
workshop needs the latter: "a neighbour noticed", "the 民生委員 visited", "a case went to a
desk". :func:`snapshot` copies the arrays that matter after a week, :func:`extract` compares
two snapshots for ALL households at once (one vectorised pass per week) and returns the
week's events; :func:`narrate` turns them into short sentences in Japanese or English.

This is the project's one narrator: the workshop's captions and handout, and a household's
timeline (``community-sim story``, the dashboard's town view, :mod:`sim.story`) are the same
events told with the same sentences; a timeline is the events of one household (and the
自立支援協議会's, which concern the whole town), told with "this household" as its subject.

Two kinds of event are depicted rather than recorded, because the model draws them only for
the households they could change: which households the 民生委員 visited and who went to the
サロン・居場所 this week. They are drawn on the workshop's own random stream with the
model's own weights (every household whose problem a visit or a venue uncovered is among
them), so the picture shows as many visits and attendances as the model makes, at the
households it favours, without touching the model's draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np

from sim.domain import DOMAIN_KEYS, STAGE_KEYS, ServiceStatus
from sim.mechanisms import CHANNEL_KEYS
from sim.mechanisms.commissioner_visits import CommissionerVisits
from sim.mechanisms.council import FIELD_OF_DOMAIN, RESOURCE_FIELDS_JA, Council
from sim.mechanisms.support_meeting import SupportMeeting
from sim.mechanisms.venue_staff import VenueStaff
from sim.state import RESOLVED_BY_KEYS
from sim.streams import HouseholdStream
from sim.vocabulary import label, phrase

MEETING_EVERY_WEEKS = 4  # teams and the 支援会議 meet monthly (Assumption: a monthly case conference)


class Event(IntEnum):
    """Kinds of event, in the order a week's caption tells them."""

    ONSET = 0  # a new problem begins (困りごとの発生)
    WORSE = 1  # the problem deepens one stage
    NOTICED = 2  # a neighbour finds them "a bit worrying" (気づき)
    VISIT = 3  # the 民生委員 visits (depicted)
    SALON = 4  # someone goes to the サロン・居場所 (depicted)
    FOUND = 5  # first detected, through a channel (detail: Channel)
    BOUNCED = 6  # a desk turned them away (たらい回し)
    GAVE_UP = 7
    ACCEPTED = 8  # a desk took the case (detail: desk)
    REFUSED = 9
    ASKED_AGAIN = 10  # the 支援会議 kept watching and asked again
    SUPPORTED = 11  # a professional began to support (detail: desk)
    TEAM = 12  # a 多機関協働 team was formed
    TEAM_MEETS = 13  # the team meets (monthly)
    WATCHED = 14  # the 支援会議 reviews a household that refused (monthly)
    LINKED = 15  # 参加支援: linked to a 居場所 (detail: venue)
    WORK_TRIAL = 16
    RESOLVED = 17  # the problem was resolved (detail: index of RESOLVED_BY_KEYS)
    ACCOMPANIED = 18  # 伴走支援 continues after closing
    PEER = 19  # became a peer supporter (受け手を担い手に)
    PLAN = 20  # the 重層的支援会議 agreed a plan across agencies
    COUNCIL = 21  # the 自立支援協議会 took up a domain as an area issue (town-wide; detail: domain)
    RESOURCE = 22  # a new local resource opened (town-wide; detail: domain)


EVENT_KEYS = tuple(e.name.lower() for e in Event)
# Events of the whole town, not of one household (their household is TOWN).
TOWN_EVENTS = (Event.COUNCIL, Event.RESOURCE)
TOWN = -1
# Routine contacts and meetings: told as one sentence per week, not per household.
ROUTINE = (Event.VISIT, Event.SALON, Event.TEAM_MEETS, Event.WATCHED)
# Events that make a week worth a picture in the handout.
KEY_EVENTS = frozenset({Event.WORSE, Event.FOUND, Event.SUPPORTED, Event.TEAM, Event.REFUSED, Event.RESOLVED})

# Arrays compared between weeks (views on HouseholdState; copied by ``snapshot``).
STATE_FIELDS = (
    "stage",
    "domains",
    "case",
    "noticed",
    "service",
    "desk",
    "team",
    "coverage",
    "linked_venue",
    "work_trial",
    "accompanied_until",
    "peer",
)


@dataclass
class Snapshot:
    """Copies of the household arrays at the end of one week, and the case counters of each household."""

    week: int
    arrays: dict[str, np.ndarray]
    bounces: np.ndarray
    refusals: np.ndarray


@dataclass
class Events:
    """One week's events: parallel arrays, in caption order (by kind, then household).

    ``detail`` depends on the kind (a channel, desk, venue, stage, domain …; see :class:`Event`);
    ``domains`` is the bit mask of problem domains an onset brings or a worsening adds (else 0);
    ``stage`` is the household's stage the event is told at (for FOUND: the stage at detection).
    Arrays left out are zeros.
    """

    week: int
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    household: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    detail: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    domains: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    stage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __post_init__(self) -> None:
        n = len(self.kind)
        for name, dtype in (("detail", np.int32), ("domains", np.int32), ("stage", np.int8)):
            if len(getattr(self, name)) != n:
                setattr(self, name, np.zeros(n, dtype=dtype))

    def __len__(self) -> int:
        return len(self.kind)

    def of(self, kind: Event) -> np.ndarray:
        """Households with an event of ``kind``."""
        return self.household[self.kind == kind]

    def take(self, which: np.ndarray) -> Events:
        """The events picked by a boolean mask or by positions."""
        return Events(
            self.week,
            self.kind[which],
            self.household[which],
            self.detail[which],
            self.domains[which],
            self.stage[which],
        )

    def for_household(self, household: int, town: bool = False) -> Events:
        """This week's events of one household (and, with ``town``, the town-wide ones too)."""
        keep = self.household == household
        if town:
            keep |= self.household == TOWN
        return self.take(keep)

    def counts(self) -> dict[str, int]:
        """Number of events of each kind (all kinds, zeros included)."""
        n = np.bincount(self.kind, minlength=len(Event))
        return {k: int(n[i]) for i, k in enumerate(EVENT_KEYS)}

    def is_key_moment(self) -> bool:
        """Whether the week holds an event worth a picture in the handout."""
        return bool(np.isin(self.kind, list(KEY_EVENTS)).any())


def snapshot(model) -> Snapshot:
    """The household arrays of ``model`` now (after its last step)."""
    hh = model.hh
    case = hh.case
    has = case >= 0
    bounces = np.where(has, model.cases.cols["bounces"][np.maximum(case, 0)], 0).astype(np.int32)
    refusals = np.where(has, model.cases.cols["refusals"][np.maximum(case, 0)], 0).astype(np.int32)
    return Snapshot(model.week, {f: getattr(hh, f).copy() for f in STATE_FIELDS}, bounces, refusals)


def extract(
    model, before: Snapshot, after: Snapshot, stream: HouseholdStream | None = None, depicted: bool = True
) -> Events:
    """The events between two snapshots of ``model`` (``after`` is its current week), all households at once.

    Args:
        model: The model both snapshots were taken from (for the case ledger and the town).
        before: The state at the end of the previous week.
        after: The state now.
        stream: Workshop stream for the depicted visits and attendances (default: one named
            ``workshop.depiction`` from the model's seed).
        depicted: Whether to draw the depicted visits and attendances (a timeline does not tell them).
    """
    a, b = before.arrays, after.arrays
    week = after.week
    cases = model.cases
    stream = stream or HouseholdStream(model.seed, "workshop.depiction")
    n = len(b["case"])
    has_now, had = b["case"] >= 0, a["case"] >= 0
    same_case = has_now & (b["case"] == a["case"])
    new_case = has_now & ~same_case
    first_found = np.zeros(len(has_now), dtype=bool)
    channel = np.zeros(len(has_now), dtype=np.int32)
    idx = np.flatnonzero(has_now)
    found_now = cases.first_detection_week[b["case"][idx]] == week
    first_found[idx[found_now]] = True
    channel[idx[found_now]] = cases.first_detection_channel[b["case"][idx[found_now]]]
    stage = b["stage"].astype(np.int8)
    stage[idx[found_now]] = cases.first_detection_stage[b["case"][idx[found_now]]]
    closed = had & ~same_case
    resolved_by = np.zeros(len(has_now), dtype=np.int32)
    resolved_by[closed] = cases.cols["resolved_by"][a["case"][closed]]
    s_old, s_new = a["service"], b["service"]
    changed = same_case & (s_new != s_old)
    meeting_week = week % MEETING_EVERY_WEEKS == 0
    watching = _support_meeting_on(model) and meeting_week
    nobody = np.zeros(n, dtype=bool)
    team_formed = same_case & b["team"] & ~a["team"]

    masks: list[tuple[Event, np.ndarray, np.ndarray | int]] = [
        (Event.ONSET, new_case, 0),
        (Event.WORSE, same_case & (b["stage"] > a["stage"]), b["stage"]),
        (Event.NOTICED, has_now & b["noticed"] & ~(a["noticed"] & same_case), 0),
        (
            Event.VISIT,
            _visited(model, week, stream, first_found & (channel == CHANNEL_KEYS.index("commissioner")))
            if depicted
            else nobody,
            0,
        ),
        (
            Event.SALON,
            _attended(model, week, stream, first_found & (channel == CHANNEL_KEYS.index("venue")))
            if depicted
            else nobody,
            model.town.hh_venue,
        ),
        (Event.FOUND, first_found, channel),
        (Event.BOUNCED, same_case & (after.bounces > before.bounces), 0),
        (Event.GAVE_UP, changed & (s_new == ServiceStatus.GAVE_UP), 0),
        (
            Event.ACCEPTED,
            changed & (s_new == ServiceStatus.WAITING) & (s_old != ServiceStatus.REFUSED),
            b["desk"],
        ),
        (
            Event.REFUSED,
            same_case & ((after.refusals > before.refusals) | (changed & (s_new == ServiceStatus.REFUSED))),
            0,
        ),
        (
            Event.ASKED_AGAIN,
            changed
            & (s_old == ServiceStatus.REFUSED)
            & np.isin(s_new, [ServiceStatus.WAITING, ServiceStatus.SUPPORTED]),
            b["desk"],
        ),
        (Event.SUPPORTED, changed & (s_new == ServiceStatus.SUPPORTED), b["desk"]),
        (Event.TEAM, team_formed, 0),
        (Event.TEAM_MEETS, (same_case & b["team"] & a["team"]) & meeting_week, 0),
        (Event.WATCHED, (same_case & (s_new == ServiceStatus.REFUSED)) & watching, 0),
        (Event.LINKED, (b["linked_venue"] >= 0) & (a["linked_venue"] < 0), b["linked_venue"]),
        (Event.WORK_TRIAL, b["work_trial"] & ~a["work_trial"], 0),
        (Event.RESOLVED, closed, resolved_by),
        (Event.ACCOMPANIED, b["accompanied_until"] > a["accompanied_until"], b["accompanied_until"] - week),
        (Event.PEER, b["peer"] & ~a["peer"], 0),
        # A plan agreed without a team formed or a change of service this week (those are told instead).
        (Event.PLAN, same_case & (b["coverage"] > a["coverage"]) & ~team_formed & ~changed, 0),
    ]
    # What an onset brings, and what a worsening adds.
    brought = np.where(new_case, b["domains"], np.where(same_case, b["domains"] & ~a["domains"], 0)).astype(np.int32)
    kinds, households, details, domains, stages = [], [], [], [], []
    for kind, mask, detail in masks:
        who = np.flatnonzero(mask)
        kinds.append(np.full(len(who), kind, dtype=np.int8))
        households.append(who.astype(np.int32))
        details.append(np.broadcast_to(np.asarray(detail, dtype=np.int32), mask.shape)[who])
        domains.append(brought[who] if kind in (Event.ONSET, Event.WORSE) else np.zeros(len(who), dtype=np.int32))
        stages.append(stage[who])
    for kind, domain in _council_events(model, week):
        kinds.append(np.array([kind], dtype=np.int8))
        households.append(np.array([TOWN], dtype=np.int32))
        details.append(np.array([domain], dtype=np.int32))
        domains.append(np.zeros(1, dtype=np.int32))
        stages.append(np.zeros(1, dtype=np.int8))
    return Events(week, *(np.concatenate(x) for x in (kinds, households, details, domains, stages)))


# Where narration re-derives a mechanism's rule or reads its state, it does so in one small function each.


def _support_meeting_on(model) -> bool:
    return model.mechanism(SupportMeeting).enabled


def _council_events(model, week: int) -> list[tuple[Event, int]]:
    """The council's decisions and the resources that opened this week."""
    log = model.mechanism(Council).log
    decided = [(Event.COUNCIL, item["domain_index"]) for item in log if item["decided_week"] == week]
    opened = [(Event.RESOURCE, item["domain_index"]) for item in log if item["opens_week"] == week and item["opened"]]
    return decided + opened


def _visited(model, week: int, stream: HouseholdStream, found: np.ndarray) -> np.ndarray:
    """Households the 民生委員 visited this week (depicted with the mechanism's own visit probability)."""
    mech = model.mechanism(CommissionerVisits)
    if not mech.enabled:
        return np.zeros(model.n_households, dtype=bool)
    everyone = np.arange(model.n_households)
    return (stream.uniform(week, everyone, 0) < mech.visit_probability(everyone)) | found


def _attended(model, week: int, stream: HouseholdStream, found: np.ndarray) -> np.ndarray:
    """Households that went to their サロン・居場所 this week (depicted with the mechanism's attendance)."""
    town = model.town
    everyone = np.arange(model.n_households)
    p = model.mechanism(VenueStaff).attendance_probability()
    return ((town.hh_venue >= 0) & (stream.uniform(week, everyone, 1) < p)) | found


# ------------------------------------------------------------------------------------------ narration
RESOLVED_HOW_JA = {
    "natural": "自然に",
    "mutual_aid": "近所同士の助け合いで",
    "support": "専門職の支援で",
    "external": "",
}
RESOLVED_HOW_EN = {"natural": "by itself", "mutual_aid": "neighbours helped", "support": "with support", "external": ""}


@dataclass(frozen=True)
class Naming:
    """What narration needs to name households, desks and venues.

    ``subject`` replaces the house's name in every sentence (a timeline of one household says
    "this household"), and ``detailed`` sentences tell what a caption under a projected picture
    leaves out: the domains a problem brings, the stage it was found at, the weeks of 伴走支援 left
    (see :meth:`for_timeline`).
    """

    household_type: np.ndarray  # type index per household
    desk_ja: tuple[str, ...]
    desk_en: tuple[str, ...]
    venue_ja: tuple[str, ...]
    venue_en: tuple[str, ...]
    subject: tuple[str, str] | None = None
    detailed: bool = False

    @classmethod
    def of(cls, model) -> Naming:
        """Names from ``model``'s town."""
        town = model.town
        venue_ja = tuple("居場所" if k else "サロン（通いの場）" for k in town.venue_kind)
        venue_en = tuple("drop-in place (居場所)" if k else "salon (通いの場)" for k in town.venue_kind)
        return cls(
            town.htype.copy(),
            tuple(d["name_ja"] for d in town.desks),
            tuple(d["kind"] for d in town.desks),
            venue_ja,
            venue_en,
        )

    def for_timeline(self) -> Naming:
        """The same names, with "this household" for the household a timeline follows, told in detail
        (a timeline is read at a reader's pace; a caption is read by a room in a few seconds)."""
        return replace(self, subject=("この世帯", "this household"), detailed=True)

    def house(self, i: int, ja: bool) -> str:
        if self.subject is not None:
            return self.subject[0 if ja else 1]
        t = int(self.household_type[i])
        if ja:
            return f"{i + 1}番の家（{phrase('household_type', t)}）"
        return f"house {i + 1} ({phrase('household_type', t, 'en')})"


def domain_names(mask: int, lang: str = "ja") -> str:
    """The problem domains in a bit mask, e.g. ``介護・ひきこもり`` (``care, withdrawal (ひきこもり)`` in English)."""
    names = [label("domain", d, lang) for d in range(len(DOMAIN_KEYS)) if int(mask) >> d & 1]
    return ("・" if lang == "ja" else ", ").join(names)


def sentence(
    kind: Event, household: int, detail: int, naming: Naming, lang: str = "ja", domains: int = 0, stage: int = -1
) -> str:
    """One event as a sentence.

    Args:
        kind: The kind of event.
        household: The household (ignored for town-wide events).
        detail: The event's detail (see :class:`Event`).
        naming: Names of households, desks and venues.
        lang: ``"ja"`` or ``"en"``.
        domains: Domains an onset brings or a worsening adds (bit mask; 0: not told).
        stage: The stage the household was found at (FOUND; -1: not told).
    """
    ja = lang == "ja"
    kind = Event(kind)
    if kind in TOWN_EVENTS:
        return _town_sentence(kind, detail, ja)
    who = naming.house(household, ja)
    desk_ja = naming.desk_ja[detail] if 0 <= detail < len(naming.desk_ja) else "相談窓口"
    desk_en = naming.desk_en[detail] if 0 <= detail < len(naming.desk_en) else "a desk"
    venue_ja = naming.venue_ja[detail] if 0 <= detail < len(naming.venue_ja) else "居場所"
    venue_en = naming.venue_en[detail] if 0 <= detail < len(naming.venue_en) else "a place"
    channel = detail if 0 <= detail < len(CHANNEL_KEYS) else 0
    worse = min(max(detail, 0), 3)
    brought_ja, brought_en = domain_names(domains, "ja"), domain_names(domains, "en")
    found_at = 0 < stage < len(STAGE_KEYS)
    texts = {
        Event.ONSET: (
            f"{who}に、新しい困りごとが生まれた" + (f"（{brought_ja}）。" if domains else "。"),
            f"A new problem began at {who}" + (f" ({brought_en})." if domains else "."),
        ),
        Event.WORSE: (
            f"{who}の困りごとが深まった（{label('stage', worse)}"
            + (f"、{brought_ja}が加わった）。" if domains else "）。"),
            f"Things got worse at {who} ({label('stage', worse, 'en')}"
            + (f"; now also {brought_en})." if domains else ")."),
        ),
        Event.NOTICED: (
            f"近所の人が{who}のことを「ちょっと気になる」と気づいた。",
            f"A neighbour noticed that something is not right at {who}.",
        ),
        Event.VISIT: (f"民生委員が{who}を訪ねた。", f"The 民生委員 called at {who}."),
        Event.SALON: (f"{who}の人が{venue_ja}に出かけた。", f"Someone from {who} went to the {venue_en}."),
        Event.FOUND: (
            f"{who}の困りごとが、{phrase('channel', channel)}をきっかけに相談につながった"
            + (f"（把握した段階：{label('stage', stage)}）。" if found_at else "。"),
            f"{who} was put in touch with help through {phrase('channel', channel, 'en')}"
            + (f" (while {label('stage', stage, 'en')})." if found_at else "."),
        ),
        Event.BOUNCED: (
            f"{who}は窓口で「うちの担当ではない」と言われた（たらい回し）。",
            f"A desk told {who} it was not their remit.",
        ),
        Event.GAVE_UP: (f"{who}は相談をあきらめてしまった。", f"{who} gave up asking for help."),
        Event.ACCEPTED: (f"{desk_ja}が{who}の相談を受け止めた。", f"The {desk_en} desk took on {who}."),
        Event.REFUSED: (f"{who}は支援を断った。", f"{who} refused support."),
        Event.ASKED_AGAIN: (
            f"支援会議で見守りを続けてきた{who}に、改めて支援を申し出た。",
            f"The support meeting, still watching over {who}, offered help again.",
        ),
        Event.SUPPORTED: (
            f"{desk_ja}の専門職が{who}の支援を始めた。",
            f"A professional of the {desk_en} desk began supporting {who}.",
        ),
        Event.TEAM: (
            f"{who}のために、多機関協働のチームが組まれた。",
            f"A multi-agency team was formed around {who}.",
        ),
        Event.TEAM_MEETS: (
            f"{who}の支援チームが集まり、アセスメントを共有した。",
            f"The team around {who} met and shared its assessment.",
        ),
        Event.WATCHED: (
            f"支援会議で、支援を断った{who}の様子を共有し、見守りを続けることにした。",
            f"The support meeting shared news of {who}, who refused help, and kept watching.",
        ),
        Event.LINKED: (
            f"{who}が{venue_ja}につながった（参加支援）。",
            f"{who} was linked to the {venue_en} (participation support).",
        ),
        Event.WORK_TRIAL: (
            f"{who}の人が就労体験を始めた" + ("（アフターケア付き）。" if naming.detailed else "。"),
            f"Someone from {who} started a work trial" + (", with aftercare." if naming.detailed else "."),
        ),
        Event.RESOLVED: _resolved(who, detail),
        Event.ACCOMPANIED: (
            f"{who}の課題は落ち着いたが、伴走支援はこれからも続く"
            + (f"（あと{detail}週）。" if naming.detailed else "。"),
            f"Things settled at {who}, and someone keeps walking alongside them"
            + (f" ({detail} more weeks)." if naming.detailed else "."),
        ),
        Event.PEER: (
            f"{who}の人が、支えられた経験を生かして支える側になった（受け手を担い手に）。",
            f"Someone from {who}, once helped, now helps others.",
        ),
        Event.PLAN: (
            f"重層的支援会議で、{who}の支援プランを分野をまたいで共有した。",
            f"The 重層的支援会議 agreed a plan for {who} across agencies.",
        ),
    }
    ja_text, en_text = texts[kind]
    return ja_text if ja else en_text[0].upper() + en_text[1:]


def _town_sentence(kind: Event, domain: int, ja: bool) -> str:
    """The 自立支援協議会's decision, or a resource opening, for problems of ``domain``."""
    d = min(max(domain, 0), len(DOMAIN_KEYS) - 1)
    field_ja = RESOURCE_FIELDS_JA[FIELD_OF_DOMAIN[DOMAIN_KEYS[d]]]
    if kind == Event.COUNCIL:
        return (
            f"自立支援協議会が「{label('domain', d)}」を地域課題として取り上げた。"
            if ja
            else f"The 自立支援協議会 took up {label('domain', d, 'en')} as an issue for the whole area."
        )
    return (
        f"新しい地域資源が開設された：{field_ja}（{label('domain', d)}）。"
        if ja
        else f"A new local resource opened for {label('domain', d, 'en')} ({field_ja})."
    )


def _resolved(who: str, detail: int) -> tuple[str, str]:
    key = RESOLVED_BY_KEYS[detail] if 0 <= detail < len(RESOLVED_BY_KEYS) else "external"
    how_ja, how_en = RESOLVED_HOW_JA.get(key, ""), RESOLVED_HOW_EN.get(key, "")
    return (
        f"{who}の困りごとが{how_ja}解決した。" if how_ja else f"{who}の困りごとが解決した。",
        f"The problem at {who} was resolved ({how_en})." if how_en else f"The problem at {who} was resolved.",
    )


def routine_sentence(kind: Event, households: np.ndarray, lang: str = "ja") -> str:
    """One sentence for this week's routine contacts or meetings of ``kind``."""
    n = len(households)
    ja_numbers = "・".join(str(int(i) + 1) for i in households[:6]) + ("…" if n > 6 else "")
    en_numbers = ", ".join(str(int(i) + 1) for i in households[:6]) + ("…" if n > 6 else "")
    s = "s" if n > 1 else ""
    texts = {
        Event.VISIT: (
            f"民生委員が{n}軒を訪ねた（{ja_numbers}番の家）。",
            f"The 民生委員 called at {n} house{s} ({en_numbers}).",
        ),
        Event.SALON: (
            f"{n}世帯の人がサロン・居場所に出かけた（{ja_numbers}番の家）。",
            f"People from {n} household{s} went to the salon or drop-in place ({en_numbers}).",
        ),
        Event.TEAM_MEETS: (
            f"多機関協働のチームが集まり、{n}世帯のアセスメントを共有した（{ja_numbers}番の家）。",
            f"Multi-agency teams met and shared their assessment of {n} household{s} ({en_numbers}).",
        ),
        Event.WATCHED: (
            f"支援会議で、支援を断った{n}世帯の様子を共有し、見守りを続けることにした（{ja_numbers}番の家）。",
            f"The support meeting shared news of {n} household{s} that refused help and kept watching ({en_numbers}).",
        ),
    }
    ja_text, en_text = texts[Event(kind)]
    return ja_text if lang == "ja" else en_text


def narrate(events: Events, naming: Naming, lang: str = "ja", routine: bool = True) -> list[str]:
    """The week's events as sentences, in caption order; routine contacts as one sentence each.

    Args:
        events: One week's events.
        naming: Names of households, desks and venues.
        lang: ``"ja"`` or ``"en"``.
        routine: Whether to include the routine visits and attendances.
    """
    out = [text for _, text in told(events, naming, lang)]
    if routine:
        for kind in ROUTINE:
            who = events.of(kind)
            if len(who):
                out.append(routine_sentence(kind, who, lang))
    return out


def told(events: Events, naming: Naming, lang: str = "ja") -> list[tuple[str, str]]:
    """Each event that is not a routine contact, as (event key, sentence), in caption order."""
    out = []
    for i, kind in enumerate(events.kind):
        if Event(kind) in ROUTINE:
            continue
        text = sentence(
            Event(kind),
            int(events.household[i]),
            int(events.detail[i]),
            naming,
            lang,
            domains=int(events.domains[i]) if naming.detailed else 0,
            stage=int(events.stage[i]) if naming.detailed and kind == Event.FOUND else -1,
        )
        out.append((EVENT_KEYS[kind], text))
    return out


def caption(events: Events, naming: Naming, lang: str = "ja", limit: int = 8) -> str:
    """The caption under the picture: the week's headline events, at most ``limit`` sentences."""
    lines = narrate(events, naming, lang)
    head = f"第{events.week}週" if lang == "ja" else f"Week {events.week}"
    if not lines:
        quiet = "静かな一週間だった。" if lang == "ja" else "A quiet week."
        return f"{head}：{quiet}" if lang == "ja" else f"{head}: {quiet}"
    more = len(lines) - limit
    shown = lines[:limit]
    if more > 0:
        shown.append(f"ほか{more}件の出来事。" if lang == "ja" else f"…and {more} more.")
    sep = "：" if lang == "ja" else ": "
    return head + sep + " ".join(shown)


__all__ = [
    "EVENT_KEYS",
    "TOWN",
    "TOWN_EVENTS",
    "Event",
    "Events",
    "Naming",
    "Snapshot",
    "caption",
    "domain_names",
    "extract",
    "narrate",
    "sentence",
    "snapshot",
    "told",
]
