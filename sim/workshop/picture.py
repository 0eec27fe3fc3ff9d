"""The neighbourhood as a picture: houses with their people, coloured by stage, and the week's events.

:func:`picture_town` takes from a model what the picture shows that does not change week to
week (houses, people, venues, NPOs, desks and their professionals); :func:`fit` lays it out
to fill a box of pixels, on the town layout the dashboard uses too (:mod:`sim.layout`:
houses by 自治会 area and 民生委員 district), with the actors in rows below or in columns
beside, whichever draws larger; :class:`Frame` holds what one week looks like; :func:`draw`
turns a frame into a Plotly figure of exactly the box's size. Everything is measured in
*slots* (one house's width) and drawn at ``scale`` pixels a slot, so the picture looks the
same on a 1024×768 projector, at 1280×720, side by side, and in the handout; text and marks
grow with it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from sim import vocabulary
from sim.domain import ServiceStatus
from sim.events import Event, Events
from sim.layout import Spacing, TownLayout, layout_town
from sim.safe_text import plotly_text
from sim.town import VENUE_KAYOI

STAGE_COLOURS = vocabulary.STAGE_COLOURS
AREA_NAMES_JA = "ABCDEFGH"
FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
DARK_TEXT, LIGHT_TEXT = "#212121", "#ffffff"
DESK_SHORT_JA = {
    "houkatsu": "地域包括",
    "disability": "障害相談",
    "konkyu": "生活困窮",
    "kodomo": "こども家庭",
    "hoken": "保健センター",
}
DESK_SHORT_EN = {
    "houkatsu": "Care centre",
    "disability": "Disability",
    "konkyu": "Hardship",
    "kodomo": "Children",
    "hoken": "Health centre",
}
EVENT_STYLE: dict[Event, tuple[str, str, float]] = {  # colour, dash, width (slots)
    Event.VISIT: ("#2e7d32", "dot", 0.07),
    Event.SALON: ("#1e88e5", "dot", 0.045),
    Event.FOUND: ("#8e24aa", "solid", 0.1),
    Event.ACCEPTED: ("#8e24aa", "solid", 0.08),
    Event.SUPPORTED: ("#6a1b9a", "solid", 0.08),
    Event.ASKED_AGAIN: ("#6a1b9a", "dash", 0.08),
    Event.TEAM: ("#c62828", "solid", 0.07),
    Event.TEAM_MEETS: ("#c62828", "dot", 0.045),
    Event.WATCHED: ("#5d4037", "dash", 0.06),
    Event.LINKED: ("#1565c0", "solid", 0.1),
}

# Sizes in slots (one house's width); the picture is drawn at `scale` pixels a slot.
ROW = 1.74  # between rows of houses: roof, house, people
HOUSE = 0.8  # side of a house
ROOF = 0.7  # the roof, a triangle whose base hides behind the top of the house
ROOF_Y = HOUSE / 2 - 0.12 + ROOF / 4  # its centre above the house's (plotly's triangle is 3/4 of its size tall)
NUMBER = 0.6  # font of the house numbers: two digits fill most of the house
PERSON = 0.22  # a resident's dot
PERSON_GAP = 0.25  # between two residents' dots
PEOPLE_Y = (-0.56, -0.78)  # rows of residents under the house (households of five or more take two)
PEOPLE_PER_ROW = 4
LABEL = 0.5  # font of the actors' and venues' labels
AREA_LABEL = 0.55  # font of the 自治会's name
ICON = 0.8  # an actor's icon
STAFF = 0.3  # a professional's dot, beside their desk
STAFF_GAP = 0.36
ITEM_GAP = 0.5  # between two actors in a row
TILE_PAD = 0.55  # frame of an area round its houses
HEADER_BAND = 1.0  # the area's name and its venues above its houses
TITLE_MARGIN = 1.75  # the top margin, in title heights (CJK fonts' lines are tall)
HOUSES = Spacing(
    row_height=ROW,
    band_gap=0.5,
    tile_gap=2 * TILE_PAD + 0.3,
    header=HEADER_BAND + ROW / 2,
    venue_spacing=ICON / 2 + 0.15 + 3 * LABEL + ITEM_GAP,
    venue_top=HEADER_BAND / 2,
    venue_line=HEADER_BAND,
)
COLUMNS = range(5, 15)  # houses per row tried when fitting
MIN_SCALE = 6.0  # pixels a slot, however small the box


# ------------------------------------------------------------------ what the picture shows


@dataclass(eq=False)
class PictureTown:
    """What the picture of one town shows that does not change from week to week."""

    area: np.ndarray
    district: np.ndarray
    household_type: np.ndarray
    resident_household: np.ndarray
    resident_age: np.ndarray
    venue_area: np.ndarray
    venue_kind: np.ndarray
    npo_focus: tuple[str, ...]
    desk_kind: tuple[str, ...]
    desk_name_ja: tuple[str, ...]
    staff_desk: np.ndarray
    _layouts: dict = field(default_factory=dict, repr=False)

    @property
    def n_households(self) -> int:
        return len(self.area)

    @functools.cached_property
    def signature(self) -> tuple:
        """What the arrangement depends on: areas and districts, venues, NPOs, desks and professionals."""
        arrays = (self.area, self.district, self.venue_area, self.staff_desk)
        return (*(a.tobytes() for a in arrays), self.npo_focus, self.desk_kind)

    def venue_labels(self, ja: bool) -> list[str]:
        return (
            ["サロン" if k == VENUE_KAYOI else "居場所" for k in self.venue_kind]
            if ja
            else ["Salon" if k == VENUE_KAYOI else "Drop-in" for k in self.venue_kind]
        )

    def desk_labels(self, ja: bool) -> list[str]:
        if ja:
            # Names from a town file go to Plotly as text, not as its label markup.
            return [
                DESK_SHORT_JA.get(k, plotly_text(name))
                for k, name in zip(self.desk_kind, self.desk_name_ja, strict=True)
            ]
        return [DESK_SHORT_EN.get(k, plotly_text(k)) for k in self.desk_kind]


def picture_town(model) -> PictureTown:
    """What ``model``'s town looks like, for :func:`fit` and :func:`draw`."""
    town = model.town
    return PictureTown(
        town.area.copy(),
        town.district.copy(),
        town.htype.copy(),
        town.res_household.copy(),
        town.res_age.copy(),
        np.asarray(town.venue_area, dtype=np.int64).copy(),
        np.asarray(town.venue_kind).copy(),
        tuple(town.npo_focus),
        tuple(d["kind"] for d in town.desks),
        tuple(d["name_ja"] for d in town.desks),
        np.asarray(model.state.staff.desk, dtype=np.int64).copy(),
    )


# ------------------------------------------------------------------ layout


@dataclass
class Actor:
    """An icon with its label: the 民生委員, an NPO, the meetings or a desk."""

    kind: str  # "commissioner", "npo", "meeting", "desk"
    index: int  # which NPO or desk
    label_ja: str
    label_en: str
    staff: int = 0  # professionals at a desk

    def label_width(self, one_line: bool) -> float:
        lines = [*self.label_ja.split("\n"), *self.label_en.split("\n")]
        if one_line:
            lines = [self.label_ja.replace("\n", " "), self.label_en.replace("\n", " ")]
        return max(text_width(line, LABEL) for line in lines)

    @property
    def label_lines(self) -> int:
        return 1 + max(self.label_ja.count("\n"), self.label_en.count("\n"))

    @property
    def icon_width(self) -> float:
        """The icon and the professionals beside it."""
        return ICON + (0.1 + STAFF_GAP * self.staff if self.staff else 0.0)


def text_width(text: str, font: float) -> float:
    """Width of ``text`` at font size ``font`` (slots): full-width characters 1 em, others 0.62 em."""
    return font * sum(1.0 if ord(c) > 0x2E80 else 0.62 for c in text)


def actors_of(town: PictureTown) -> list[Actor]:
    """The actors drawn beside the houses, in the order they are placed."""
    staff = np.bincount(town.staff_desk, minlength=len(town.desk_kind))
    actors = [Actor("commissioner", 0, "民生委員", "民生委員")]
    actors += [Actor("npo", i, f"NPO\n{f}", f"NPO\n{f}") for i, f in enumerate(town.npo_focus)]
    actors.append(Actor("meeting", 0, "会議", "Meetings"))
    ja, en = town.desk_labels(True), town.desk_labels(False)
    actors += [Actor("desk", i, ja[i], en[i], int(staff[i])) for i in range(len(town.desk_kind))]
    return actors


@dataclass
class PictureLayout:
    """Where everything is drawn (slots, y upwards) and the box it spans."""

    houses: TownLayout
    house_xy: np.ndarray  # (households, 2)
    resident_xy: np.ndarray  # (residents, 2)
    tiles: np.ndarray  # (areas, 4): x0, y0 (bottom), x1, y1 (top) of each area's frame
    venue_xy: np.ndarray
    actors: list[Actor]
    actor_xy: np.ndarray  # (actors, 2): icon centres
    label_below: bool  # actors' labels under their icons (rows) or beside them (columns)
    staff_xy: np.ndarray  # (professionals, 2)
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def actor_xy_of(self, kind: str) -> np.ndarray:
        """Icon centres of every actor of ``kind``, in index order."""
        return self.actor_xy[[i for i, a in enumerate(self.actors) if a.kind == kind]]

    @property
    def commissioner_xy(self) -> np.ndarray:
        return self.actor_xy_of("commissioner")[0]

    @property
    def meeting_xy(self) -> np.ndarray:
        return self.actor_xy_of("meeting")[0]

    @property
    def desk_xy(self) -> np.ndarray:
        return self.actor_xy_of("desk")

    @property
    def npo_xy(self) -> np.ndarray:
        return self.actor_xy_of("npo")


def venue_label_room() -> float:
    """Width left of a venue's icon for its label (the longer of Japanese and English)."""
    return ICON / 2 + 0.1 + max(text_width(w, LABEL) for w in ("サロン", "居場所", "Salon", "Drop-in"))


def area_label(area: int, ja: bool) -> str:
    letter = AREA_NAMES_JA[area % len(AREA_NAMES_JA)]
    return f"自治会{letter}" if ja else f"Assoc. {letter}"


@dataclass(frozen=True)
class Arrangement:
    """How the picture is arranged: houses a row, areas across, actors beside or below, lines of venues."""

    columns: int
    grid_columns: int
    actors_beside: bool
    venue_lines: int = 1


def _venue_gap_and_clear() -> tuple[float, float]:
    """Distance between venues, and the layout's ``name_width``: the layout puts (columns - clear) / gap
    venues on a line, from the right, so the last one's label stays clear of the area's name."""
    name = max(text_width(area_label(0, ja), AREA_LABEL) for ja in (True, False))
    gap = HOUSES.venue_spacing or 1.0
    return gap, name + venue_label_room() + 0.3 - gap


def venue_lines(town: PictureTown, columns: int) -> int:
    """Lines of venues the fullest area's header needs at ``columns`` houses a row."""
    if not len(town.venue_area):
        return 1
    gap, clear = _venue_gap_and_clear()
    per_line = max(1, int((columns - clear) / gap))
    return math.ceil(np.bincount(town.venue_area).max() / per_line)


def _houses(town: PictureTown, arrangement: Arrangement) -> TownLayout:
    """The houses on the shared town layout, their header deep enough for the area's name and venues."""
    _, clear = _venue_gap_and_clear()
    header = HOUSES.header + (arrangement.venue_lines - 1) * HOUSES.venue_line
    spacing = Spacing(**{**HOUSES.__dict__, "name_width": clear, "header": header})
    return layout_town(
        town.area,
        town.district,
        town.venue_area,
        spacing=spacing,
        columns=arrangement.columns,
        grid_columns=arrangement.grid_columns,
    )


def _residents(town: PictureTown, house_xy: np.ndarray) -> np.ndarray:
    """Residents as dots under their house: one row for up to four, two rows for more."""
    hh = town.resident_household
    n = len(house_xy)
    first = np.searchsorted(hh, np.arange(n))
    slot = np.arange(len(hh)) - first[hh]
    count = np.bincount(hh, minlength=n)[hh]
    per_row = np.where(count > PEOPLE_PER_ROW, np.ceil(count / 2), count)
    row = (slot >= per_row).astype(np.int64)
    in_row = np.where(row == 0, per_row, count - per_row)
    pos = slot - row * per_row
    x = house_xy[hh, 0] + (pos - (in_row - 1) / 2) * PERSON_GAP
    y = house_xy[hh, 1] + np.asarray(PEOPLE_Y)[row]
    return np.column_stack([x, y])


def _actors_in_rows(actors: list[Actor], left: float, top: float, width: float) -> tuple[np.ndarray, float, float]:
    """Actors in rows under the houses, labels below the icons; returns icon centres, right edge and bottom."""
    xy = np.zeros((len(actors), 2))
    x, y, row_height, right = left, top, 0.0, left
    for i, a in enumerate(actors):
        w = max(a.icon_width, a.label_width(False))
        if x > left and x + w > left + width:
            x, y, row_height = left, y - row_height, 0.0
        xy[i] = (x + w / 2 - (a.icon_width - ICON) / 2 if a.staff else x + w / 2, y - ICON / 2)
        row_height = max(row_height, ICON + 0.1 + a.label_lines * LABEL * 1.25 + 0.25)
        right = max(right, x + w)
        x += w + ITEM_GAP
    return xy, right, y - row_height


def _actors_in_columns(actors: list[Actor], left: float, top: float, height: float) -> tuple[np.ndarray, float, float]:
    """Actors in columns beside the houses, labels right of the icons; returns icon centres, right edge and bottom."""
    xy = np.zeros((len(actors), 2))
    item = max(ICON, LABEL * 1.3) + 0.45
    per_column = max(1, int(height // item))
    x, right, bottom = left, left, top
    for start in range(0, len(actors), per_column):
        group = actors[start : start + per_column]
        width = max(a.icon_width + 0.2 + a.label_width(True) for a in group)
        for k in range(len(group)):
            xy[start + k] = (x + ICON / 2, top - item * k - item / 2)
        bottom = min(bottom, top - item * len(group))
        right = x + width
        x = right + ITEM_GAP
    return xy, right, bottom


def layout_picture(town: PictureTown, arrangement: Arrangement) -> PictureLayout:
    """``town`` laid out in ``arrangement`` (cached on the town)."""
    if arrangement in town._layouts:
        return town._layouts[arrangement]
    actors_beside = arrangement.actors_beside
    houses = _houses(town, arrangement)
    house_xy = np.column_stack([houses.x, houses.y]).astype(np.float64)
    left, right = -0.5 - TILE_PAD, houses.width - houses.spacing.tile_gap - 0.5 + TILE_PAD
    tiles = np.column_stack(
        [
            houses.tile_x - 0.5 - TILE_PAD,
            -(houses.tile_y + houses.tile_height) - 0.1,
            houses.tile_x + houses.columns - 0.5 + TILE_PAD,
            -houses.tile_y + 0.05,
        ]
    )
    tiles_bottom = float(tiles[:, 1].min())
    actors = actors_of(town)
    if actors_beside:
        actor_xy, actors_right, actors_bottom = _actors_in_columns(actors, right + 0.8, 0.0, -tiles_bottom)
    else:
        actor_xy, actors_right, actors_bottom = _actors_in_rows(actors, left, tiles_bottom - 0.4, right - left)
    staff = town.staff_desk
    desk_xy = actor_xy[[i for i, a in enumerate(actors) if a.kind == "desk"]]
    slot = np.arange(len(staff)) - np.searchsorted(staff, staff)
    staff_xy = np.column_stack([desk_xy[staff, 0] + ICON / 2 + 0.1 + STAFF_GAP * (slot + 0.5), desk_xy[staff, 1]])
    town._layouts[arrangement] = layout = PictureLayout(
        houses,
        house_xy,
        _residents(town, house_xy),
        tiles,
        np.column_stack([houses.venue_x, houses.venue_y]).astype(np.float64),
        actors,
        actor_xy,
        not actors_beside,
        staff_xy,
        left - 0.1,
        min(actors_bottom, tiles_bottom) - 0.15,
        max(right, actors_right) + 0.2,
        0.25,
    )
    return layout


@dataclass
class Fit:
    """A layout fitted to a box of pixels: ``scale`` pixels a slot, margins for the title (and legend)."""

    layout: PictureLayout
    scale: float
    width: int
    height: int
    top: int
    bottom: int

    def px(self, slots: float) -> float:
        """Pixels of a length in slots."""
        return slots * self.scale

    @property
    def x_range(self) -> list[float]:
        lay = self.layout
        half = self.width / self.scale / 2
        mid = (lay.x0 + lay.x1) / 2
        return [mid - half, mid + half]

    @property
    def y_range(self) -> list[float]:
        lay = self.layout
        half = (self.height - self.top - self.bottom) / self.scale / 2
        mid = (lay.y0 + lay.y1) / 2
        return [mid - half, mid + half]


def margins(width: int, height: int, legend: bool) -> tuple[int, int]:
    """Top (title) and bottom (legend) margins in pixels for a box: a readable title that leaves room."""
    title = int(np.clip(min(width, height * 1.6) / 32, 16, 26))
    return int(title * TITLE_MARGIN), (int(title * 1.9) if legend else 0)


def arrangements(towns: Sequence[PictureTown]):
    """Every arrangement tried when fitting ``towns`` (drawn alike, side by side)."""
    n_areas = max(int(t.area.max()) + 1 for t in towns)
    biggest = max(int(np.bincount(t.area).max()) for t in towns)
    for columns in COLUMNS:
        if columns > biggest and columns != COLUMNS[0]:
            return
        lines = max(venue_lines(t, columns) for t in towns)
        for grid_columns in range(1, n_areas + 1):
            for beside in (False, True):
                yield Arrangement(columns, grid_columns, beside, lines)


_ARRANGEMENTS: dict[tuple, Arrangement] = {}  # the best arrangement per box and towns (few: kept for the server's life)


def fit(town: PictureTown, width: int, height: int, legend: bool = False, partners: Sequence[PictureTown] = ()) -> Fit:
    """The arrangement that draws ``town`` largest in ``width`` × ``height`` pixels.

    Tries houses per row, areas across and actors below or beside, and keeps the one with the
    most pixels a slot; everything (houses, people, lines, labels) lies inside the box. With
    ``partners`` (the other towns side by side), every town gets the same arrangement and
    scale, so that a house stands at the same place in each picture.
    """
    towns = (town, *partners)
    top, bottom = margins(width, height, legend)
    inner_w, inner_h = max(width, 1), max(height - top - bottom, 1)
    key = (int(width), int(height), legend, tuple(t.signature for t in towns))
    arrangement = _ARRANGEMENTS.get(key)
    if arrangement is None:
        best: tuple[float, Arrangement] | None = None
        for candidate in arrangements(towns):
            lays = [layout_picture(t, candidate) for t in towns]
            scale = min(min(inner_w / lay.width, inner_h / lay.height) for lay in lays)
            if best is None or scale > best[0] + 1e-9:
                best = (scale, candidate)
        assert best is not None
        if len(_ARRANGEMENTS) > 512:  # boxes seen while a window was being resized
            _ARRANGEMENTS.clear()
        arrangement = _ARRANGEMENTS[key] = best[1]
    lays = [layout_picture(t, arrangement) for t in towns]
    scale = min(min(inner_w / lay.width, inner_h / lay.height) for lay in lays)
    return Fit(lays[0], max(scale, MIN_SCALE), int(width), int(height), top, bottom)


# ------------------------------------------------------------------ one week


@dataclass
class Frame:
    """What one week of one panel looks like."""

    week: int
    title: str
    stage: np.ndarray
    service: np.ndarray
    hh_venue: np.ndarray
    events: Events
    followed: int = -1  # the story's household, outlined


def frame_of(model, events: Events, title: str, followed: int = -1) -> Frame:
    """The frame of ``model`` now, with this week's ``events``."""
    return Frame(
        model.week,
        title,
        model.hh.stage.copy(),
        model.hh.service.copy(),
        model.town.hh_venue.copy(),
        events,
        followed,
    )


# ------------------------------------------------------------------ colours


def _luminance(colour: str) -> float:
    """Relative luminance of a ``#rrggbb`` colour (WCAG 2)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def number_colour(background: str) -> str:
    """Dark or white text, whichever reads better on ``background``."""
    return DARK_TEXT if contrast(DARK_TEXT, background) >= contrast(LIGHT_TEXT, background) else LIGHT_TEXT


NUMBER_COLOURS = tuple(number_colour(c) for c in STAGE_COLOURS)


# ------------------------------------------------------------------ drawing


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    """x and y lists for line segments separated by gaps."""
    xs: list = []
    ys: list = []
    for (x0, y0), (x1, y1) in zip(starts, ends, strict=True):
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _event_lines(frame: Frame, lay: PictureLayout, scale: float) -> list[go.Scatter]:
    """Lines between the actors and the houses for this week's events."""
    ev = frame.events
    desk_xy = lay.desk_xy
    traces = []
    for kind, (colour, dash, width) in EVENT_STYLE.items():
        who = ev.household[ev.kind == kind]
        detail = ev.detail[ev.kind == kind]
        if not len(who):
            continue
        ends = lay.house_xy[who]
        if kind == Event.VISIT:
            starts = np.tile(lay.commissioner_xy, (len(who), 1))
        elif kind in (Event.SALON, Event.LINKED):
            venue = frame.hh_venue[who] if kind == Event.SALON else detail
            ok = (venue >= 0) & (venue < len(lay.venue_xy))
            who, ends, starts = who[ok], ends[ok], lay.venue_xy[venue[ok]]
        elif kind == Event.TEAM:  # every agency joins the team
            k = len(desk_xy)
            starts = np.repeat(desk_xy, len(who), axis=0)
            ends = np.tile(ends, (k, 1))
        elif kind in (Event.TEAM_MEETS, Event.WATCHED):
            starts = np.tile(lay.meeting_xy, (len(who), 1))
        elif kind == Event.FOUND:
            starts = np.tile(desk_xy.mean(axis=0), (len(who), 1))  # to the desks, whichever takes it
        else:
            desk = np.clip(detail, 0, len(desk_xy) - 1)
            starts = desk_xy[desk]
        if not len(starts):
            continue
        xs, ys = _segments(starts, ends)
        traces.append(
            go.Scatter(
                x=xs, y=ys, mode="lines", line={"color": colour, "dash": dash, "width": max(1.5, width * scale)},
                hoverinfo="skip", showlegend=False, name=Event(kind).name.lower(),
            )
        )  # fmt: skip
    return traces


def draw(
    frame: Frame,
    town: PictureTown,
    lang: str = "ja",
    title: str | None = None,
    width: int = 1200,
    height: int = 620,
    diverged: np.ndarray | None = None,
    legend: bool = False,
    partners: Sequence[PictureTown] = (),
) -> go.Figure:
    """The picture of one week, ``width`` × ``height`` pixels: houses by stage, people, actors, the week's events.

    Args:
        frame: The week to draw.
        town: The town (:func:`picture_town`).
        lang: ``"ja"`` or ``"en"``.
        title: Heading after the week number (default: the frame's title).
        width: Figure width in pixels.
        height: Figure height in pixels.
        diverged: Households to frame because they differ from the other town (side by side).
        legend: Draw the stage colours' legend under the picture (the page shows its own).
        partners: The other towns drawn beside this one: all are arranged alike (:func:`fit`).
    """
    ja = lang == "ja"
    fitted = fit(town, width, height, legend, partners)
    lay, s = fitted.layout, fitted.scale
    week = f"第{frame.week}週" if ja else f"Week {frame.week}"
    heading = f"{week}　{title if title is not None else frame.title}"
    fig = _Canvas()
    for a, (x0, y0, x1, y1) in enumerate(lay.tiles):
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line={"color": "#9e9e9e", "width": 1},
                      fillcolor="rgba(240,240,240,0.5)", layer="below")  # fmt: skip
        fig.add_annotation(x=x0 + 0.15, y=y1 - 0.1, text=area_label(a, ja), showarrow=False, xanchor="left",
                           yanchor="top", font={"size": AREA_LABEL * s, "color": "#424242"})  # fmt: skip
    stage = frame.stage
    names = vocabulary.labels("stage", "ja" if ja else "en")
    for st, colour in enumerate(STAGE_COLOURS):  # legend entries: one per stage
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=names[st], showlegend=legend,
                                 marker={"symbol": "square", "size": 18, "color": colour}))  # fmt: skip
    hx, hy = lay.house_xy[:, 0], lay.house_xy[:, 1]
    supported = frame.service == ServiceStatus.SUPPORTED
    types = [vocabulary.label("household_type", t) for t in town.household_type]
    stages = vocabulary.labels("stage")
    hover = [f"{i + 1}番の家 {types[i]} — {stages[stage[i]]}" for i in range(len(stage))]
    fig.add_trace(go.Scatter(x=hx, y=hy + ROOF_Y, mode="markers", hoverinfo="skip", showlegend=False, name="roofs",
                             marker={"symbol": "triangle-up", "size": ROOF * s, "color": "#8d6e63"}))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=hx, y=hy, mode="markers+text", text=[str(i + 1) for i in range(len(stage))],
            textposition="middle center", hovertext=hover, hoverinfo="text", showlegend=False, name="houses",
            textfont={"size": NUMBER * s, "color": [NUMBER_COLOURS[st] for st in stage]},
            marker={"symbol": "square", "size": HOUSE * s, "color": [STAGE_COLOURS[st] for st in stage],
                    "line": {"color": np.where(supported, "#6a1b9a", "#795548").tolist(),
                             "width": np.where(supported, max(3.0, 0.11 * s), max(1.0, 0.04 * s)).tolist()}},
        )
    )  # fmt: skip
    age = town.resident_age
    res_colour = np.where(age < 18, "#1e88e5", np.where(age >= 65, "#7e57c2", "#26a69a"))
    fig.add_trace(go.Scatter(x=lay.resident_xy[:, 0], y=lay.resident_xy[:, 1], mode="markers",
                             hoverinfo="skip", showlegend=False, name="residents",
                             marker={"size": PERSON * s, "color": res_colour.tolist()}))  # fmt: skip
    _venues(fig, lay, town, ja, s)
    _actors(fig, lay, ja, s)
    for trace in _event_lines(frame, lay, s):
        fig.add_trace(trace)
    _marks(fig, frame, lay, s)
    if diverged is not None and len(diverged):
        xy = lay.house_xy[diverged]
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 name="diverged", marker={"symbol": "square-open", "size": (HOUSE + 0.3) * s,
                                                          "color": "#00838f", "line": {"width": max(2.0, 0.1 * s)}}))  # fmt: skip
    title_px = fitted.top / TITLE_MARGIN
    return fig.figure(
        title={"text": heading, "font": {"size": title_px}, "x": 0.01, "y": 1 - fitted.top / 2 / height,
               "yanchor": "middle", "xanchor": "left"},  # in the middle of the top margin
        height=fitted.height,
        width=fitted.width,
        autosize=False,
        margin={"l": 0, "r": 0, "t": fitted.top, "b": fitted.bottom, "pad": 0, "autoexpand": False},
        font={"family": FONT, "size": max(12, LABEL * s)},
        template="none",  # every colour is set here; the default template only adds weight
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=legend,
        legend={"orientation": "h", "y": 0, "x": 0.0, "yanchor": "top", "font": {"size": max(12, fitted.bottom / 2.2)},
                "itemclick": False, "itemdoubleclick": False},
        xaxis={"visible": False, "range": fitted.x_range, "fixedrange": True, "autorange": False},
        yaxis={"visible": False, "range": fitted.y_range, "fixedrange": True, "autorange": False},
        hoverlabel={"font": {"size": 16}},
    )  # fmt: skip


class _Canvas:
    """Collects traces, shapes and annotations, then builds the figure once (much faster than
    adding them one by one to a ``go.Figure``)."""

    def __init__(self) -> None:
        self.traces: list = []
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def add_trace(self, trace) -> None:
        self.traces.append(trace)

    def add_shape(self, **shape) -> None:
        self.shapes.append(shape)

    def add_annotation(self, **annotation) -> None:
        self.annotations.append(annotation)

    def figure(self, **layout) -> go.Figure:
        return go.Figure(data=self.traces, layout={**layout, "shapes": self.shapes, "annotations": self.annotations})


def _venues(fig: _Canvas, lay: PictureLayout, town: PictureTown, ja: bool, s: float) -> None:
    """The サロン and 居場所 in their area's header, each with its name at its left."""
    if not len(lay.venue_xy):
        return
    fig.add_trace(go.Scatter(x=lay.venue_xy[:, 0], y=lay.venue_xy[:, 1], mode="markers", name="venues",
                             showlegend=False, hoverinfo="skip",
                             marker={"symbol": "pentagon", "size": ICON * s, "color": "#90caf9",
                                     "line": {"color": "#1565c0", "width": max(1.5, 0.06 * s)}}))  # fmt: skip
    fig.add_trace(go.Scatter(x=lay.venue_xy[:, 0] - ICON / 2 - 0.1, y=lay.venue_xy[:, 1], mode="text",
                             text=town.venue_labels(ja), textposition="middle left", name="venue labels",
                             textfont={"size": LABEL * s, "color": "#0d47a1"}, showlegend=False,
                             hoverinfo="skip"))  # fmt: skip


ACTOR_STYLE = {  # symbol, fill, outline
    "commissioner": ("star", "#43a047", "#1b5e20"),
    "npo": ("hexagon", "#ffcc80", "#ef6c00"),
    "meeting": ("circle", "#bcaaa4", "#5d4037"),
    "desk": ("square", "#ce93d8", "#6a1b9a"),
}


def _actors(fig: _Canvas, lay: PictureLayout, ja: bool, s: float) -> None:
    """The 民生委員, the NPOs, the meetings and the desks with their professionals, each with its label."""
    for kind, (symbol, colour, outline) in ACTOR_STYLE.items():
        which = [i for i, a in enumerate(lay.actors) if a.kind == kind]
        xy = lay.actor_xy[which]
        labels = [lay.actors[i].label_ja if ja else lay.actors[i].label_en for i in which]
        grow = 1.1 if kind == "commissioner" else 1.0  # a star looks smaller than a square of its size
        size = ICON * s * grow
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 name=kind, marker={"symbol": symbol, "size": size, "color": colour,
                                                    "line": {"color": outline, "width": max(1.5, 0.06 * s)}}))  # fmt: skip
        if lay.label_below:
            staff = [lay.actors[i].icon_width - ICON for i in which]  # under the desk and its professionals
            tx, ty, position = xy[:, 0] + np.asarray(staff) / 2, xy[:, 1] - ICON * grow / 2 - 0.08, "bottom center"
            labels = [label.replace("\n", "<br>") for label in labels]
        else:
            staff = [lay.actors[i].icon_width - ICON for i in which]
            tx, ty, position = xy[:, 0] + ICON * grow / 2 + 0.12 + np.asarray(staff), xy[:, 1], "middle right"
            labels = [label.replace("\n", " ") for label in labels]
        fig.add_trace(go.Scatter(x=tx, y=ty, mode="text", text=labels, textposition=position, showlegend=False,
                                 hoverinfo="skip", name=f"{kind} labels",
                                 textfont={"size": LABEL * s, "color": "#212121"}))  # fmt: skip
    fig.add_trace(go.Scatter(x=lay.staff_xy[:, 0], y=lay.staff_xy[:, 1], mode="markers", showlegend=False,
                             hoverinfo="skip", name="professionals",
                             marker={"symbol": "circle", "size": STAFF * s, "color": "#6a1b9a"}))  # fmt: skip


def _marks(fig: _Canvas, frame: Frame, lay: PictureLayout, s: float) -> None:
    """Rings and signs on houses: noticed (!), worse, resolved, the story's household."""
    ev = frame.events
    marks = (  # kind, sign, colour, ring size (slots)
        (Event.NOTICED, "!", "#ef6c00", 1.02),
        (Event.WORSE, "▲", "#c62828", 1.12),
        (Event.ONSET, "", "#f9a825", 1.02),
        (Event.RESOLVED, "✓", "#2e7d32", 1.12),
        (Event.REFUSED, "✕", "#5d4037", 1.02),
    )
    for kind, sign, colour, size in marks:
        who = np.unique(ev.household[ev.kind == kind])
        if not len(who):
            continue
        xy = lay.house_xy[who]
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 name=f"{Event(kind).name.lower()} marks",
                                 marker={"symbol": "circle-open", "size": size * s, "color": colour,
                                         "line": {"width": max(2.5, 0.1 * s)}}))  # fmt: skip
        if sign:
            fig.add_trace(go.Scatter(x=xy[:, 0] + 0.42, y=xy[:, 1] + 0.5, mode="text", text=[sign] * len(who),
                                     textfont={"size": 0.6 * s, "color": colour}, showlegend=False, hoverinfo="skip"))  # fmt: skip
    if frame.followed >= 0:
        x, y = lay.house_xy[frame.followed]
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", showlegend=False, hoverinfo="skip", name="followed",
                                 marker={"symbol": "square-open", "size": (HOUSE + 0.14) * s, "color": "#fbc02d",
                                         "line": {"width": max(3.0, 0.12 * s)}}))  # fmt: skip
