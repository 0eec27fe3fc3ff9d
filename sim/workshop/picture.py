"""The neighbourhood as a picture: houses with their people, coloured by stage, and the week's events.

:func:`town_layout` places every house (by 自治会 area), its residents, the 民生委員, the
venues, the NPOs and the desks with their professionals once per town; :class:`Frame`
holds what one week looks like; :func:`draw` turns a frame into a Plotly figure made for a
projector (large type, few colours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from sim import vocabulary
from sim.domain import ServiceStatus
from sim.events import Event, Events
from sim.town import VENUE_KAYOI

STAGE_COLOURS = vocabulary.STAGE_COLOURS
AREA_NAMES_JA = "ABCDEFGH"
FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
HOUSE_DX, HOUSE_DY = 1.6, 1.9  # spacing of houses
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
EVENT_STYLE: dict[Event, tuple[str, str, float]] = {  # colour, dash, width
    Event.VISIT: ("#2e7d32", "dot", 2.5),
    Event.SALON: ("#1e88e5", "dot", 1.5),
    Event.FOUND: ("#8e24aa", "solid", 4.0),
    Event.ACCEPTED: ("#8e24aa", "solid", 3.0),
    Event.SUPPORTED: ("#6a1b9a", "solid", 3.0),
    Event.ASKED_AGAIN: ("#6a1b9a", "dash", 3.0),
    Event.TEAM: ("#c62828", "solid", 2.5),
    Event.TEAM_MEETS: ("#c62828", "dot", 1.5),
    Event.WATCHED: ("#5d4037", "dash", 2.0),
    Event.LINKED: ("#1565c0", "solid", 4.0),
}


@dataclass
class TownLayout:
    """Positions of everything drawn (plot units)."""

    house_xy: np.ndarray  # (n_households, 2)
    resident_xy: np.ndarray  # (n_residents, 2)
    resident_age: np.ndarray
    household_type: np.ndarray
    area_boxes: list[tuple[float, float, float, float, str]]  # x0, y0, x1, y1, label
    commissioner_xy: tuple[float, float]
    venue_xy: np.ndarray
    venue_label_ja: list[str]
    venue_label_en: list[str]
    npo_xy: np.ndarray
    npo_label: list[str]
    desk_xy: np.ndarray
    desk_label_ja: list[str]
    desk_label_en: list[str]
    staff_xy: np.ndarray  # professionals, next to their desk
    meeting_xy: tuple[float, float]  # where the 支援会議 and the teams meet
    width: float
    height: float


def town_layout(model) -> TownLayout:
    """Lay out ``model``'s town: 自治会 areas side by side, venues and NPOs below, desks on the right."""
    town = model.town
    n = model.n_households
    house = np.zeros((n, 2))
    boxes = []
    x0 = 0.0
    areas = np.unique(town.area)
    rows_max = 0
    for a in areas:
        members = np.flatnonzero(town.area == a)
        cols = max(1, math.ceil(math.sqrt(len(members) * 1.4)))
        rows = math.ceil(len(members) / cols)
        rows_max = max(rows_max, rows)
        k = np.arange(len(members))
        house[members, 0] = x0 + (k % cols) * HOUSE_DX
        house[members, 1] = -(k // cols) * HOUSE_DY
        label = f"自治会{AREA_NAMES_JA[a % len(AREA_NAMES_JA)]}"
        boxes.append((x0 - 0.9, -(rows - 1) * HOUSE_DY - 1.1, x0 + (cols - 1) * HOUSE_DX + 0.9, 1.3, label))
        x0 += cols * HOUSE_DX + 1.2
    right = x0 - 1.2
    bottom = -(rows_max - 1) * HOUSE_DY - 1.1
    # Residents: small dots in a row under the roof line of their house.
    res_hh = town.res_household
    first = np.searchsorted(res_hh, np.arange(n))
    slot = np.arange(len(res_hh)) - first[res_hh]
    count = np.bincount(res_hh, minlength=n)[res_hh]
    resident = np.column_stack(
        [house[res_hh, 0] + (slot - (count - 1) / 2) * 0.28, house[res_hh, 1] - 0.05 - 0.0 * slot]
    )
    # Venues and NPOs in a row below the areas, under their own area where they have one.
    y_places = bottom - 1.6
    venue_xy = np.zeros((len(town.venue_kind), 2))
    for v, a in enumerate(town.venue_area):
        bx0 = boxes[int(a) % len(boxes)][0]
        venue_xy[v] = (bx0 + 1.2 + 3.2 * np.count_nonzero(town.venue_area[:v] == a), y_places)
    venue_ja = ["サロン" if k == VENUE_KAYOI else "居場所" for k in town.venue_kind]
    venue_en = ["Salon" if k == VENUE_KAYOI else "Drop-in" for k in town.venue_kind]
    npo_x0 = boxes[-1][0] + 1.6 if len(boxes) > 1 else right - 4.0
    npo_xy = np.column_stack([npo_x0 + 5.5 * np.arange(len(town.npo_focus)), np.full(len(town.npo_focus), y_places)])
    # Desks in a column on the right, their professionals beside them; the 支援会議 below them.
    desk_x = right + 3.2
    nd = len(town.desks)
    top = 0.6
    step = (top - bottom) / max(nd, 1)
    desk_xy = np.column_stack([np.full(nd, desk_x), top - step * (np.arange(nd) + 0.3)])
    staff_desk = model.state.staff.desk
    staff_slot = np.arange(len(staff_desk)) - np.searchsorted(staff_desk, staff_desk)
    staff_xy = np.column_stack([desk_x + 0.8 + 0.45 * staff_slot, desk_xy[staff_desk, 1]])
    gap = boxes[0][2] + 0.6 if len(boxes) > 1 else right / 2
    commissioner = (gap, 2.4)
    return TownLayout(
        house,
        resident,
        town.res_age.copy(),
        town.htype.copy(),
        boxes,
        commissioner,
        venue_xy,
        venue_ja,
        venue_en,
        npo_xy,
        list(town.npo_focus),
        desk_xy,
        [DESK_SHORT_JA.get(d["kind"], d["name_ja"]) for d in town.desks],
        [DESK_SHORT_EN.get(d["kind"], d["kind"]) for d in town.desks],
        staff_xy,
        (desk_x, y_places),
        desk_x + 2.6,
        bottom - 3.2,
    )


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


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    """x and y lists for line segments separated by gaps."""
    xs: list = []
    ys: list = []
    for (x0, y0), (x1, y1) in zip(starts, ends, strict=True):
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _event_lines(frame: Frame, lay: TownLayout) -> list[go.Scatter]:
    """Lines between the actors and the houses for this week's events."""
    ev = frame.events
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
            k = len(lay.desk_xy)
            starts = np.repeat(lay.desk_xy, len(who), axis=0)
            ends = np.tile(ends, (k, 1))
        elif kind in (Event.TEAM_MEETS, Event.WATCHED):
            starts = np.tile(lay.meeting_xy, (len(who), 1))
        elif kind == Event.FOUND:
            starts = np.tile(lay.desk_xy.mean(axis=0), (len(who), 1))  # to the desks, whichever takes it
        else:
            desk = np.clip(detail, 0, len(lay.desk_xy) - 1)
            starts = lay.desk_xy[desk]
        if not len(starts):
            continue
        xs, ys = _segments(starts, ends)
        traces.append(
            go.Scatter(
                x=xs, y=ys, mode="lines", line={"color": colour, "dash": dash, "width": width},
                hoverinfo="skip", showlegend=False, name=Event(kind).name.lower(),
            )
        )  # fmt: skip
    return traces


def draw(
    frame: Frame,
    lay: TownLayout,
    lang: str = "ja",
    title: str | None = None,
    height: int = 620,
    width: int | None = None,
    diverged: np.ndarray | None = None,
) -> go.Figure:
    """The picture of one week: houses by stage, people, actors, and the week's events.

    Args:
        frame: The week to draw.
        lay: The town's layout.
        lang: ``"ja"`` or ``"en"``.
        title: Heading after the week number (default: the frame's title).
        height: Figure height in pixels.
        width: Figure width in pixels (default: the page's).
        diverged: Households to frame because they differ from the other town (side by side).
    """
    ja = lang == "ja"
    week = f"第{frame.week}週" if ja else f"Week {frame.week}"
    heading = f"{week}　{title if title is not None else frame.title}"
    fig = _Canvas()
    for x0, y0, x1, y1, label in lay.area_boxes:
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line={"color": "#9e9e9e", "width": 1},
                      fillcolor="rgba(240,240,240,0.5)", layer="below")  # fmt: skip
        fig.add_annotation(x=x0 + 0.1, y=y1 + 0.1, text=label if ja else label.replace("自治会", "Assoc. "),
                           showarrow=False, xanchor="left", yanchor="bottom", font={"size": 18})  # fmt: skip
    stage = frame.stage
    # Legend entries: one per stage.
    names = vocabulary.labels("stage", "ja" if ja else "en")
    for s, colour in enumerate(STAGE_COLOURS):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=names[s],
                                 marker={"symbol": "square", "size": 18, "color": colour}))  # fmt: skip
    hx, hy = lay.house_xy[:, 0], lay.house_xy[:, 1]
    supported = frame.service == ServiceStatus.SUPPORTED
    types = [vocabulary.label("household_type", t) for t in lay.household_type]
    stages = vocabulary.labels("stage")
    hover = [f"{i + 1}番の家 {types[i]} — {stages[stage[i]]}" for i in range(len(stage))]
    fig.add_trace(go.Scatter(x=hx, y=hy + 0.55, mode="markers", hoverinfo="skip", showlegend=False,
                             marker={"symbol": "triangle-up", "size": 30, "color": "#8d6e63"}))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=hx, y=hy, mode="markers+text", text=[str(i + 1) for i in range(len(stage))],
            textposition="middle center", textfont={"size": 11, "color": "#333"}, hovertext=hover,
            hoverinfo="text", showlegend=False, name="houses",
            marker={"symbol": "square", "size": 32, "color": [STAGE_COLOURS[s] for s in stage],
                    "line": {"color": np.where(supported, "#6a1b9a", "#795548").tolist(),
                             "width": np.where(supported, 4, 1.5).tolist()}},
        )
    )  # fmt: skip
    age = lay.resident_age
    res_colour = np.where(age < 18, "#64b5f6", np.where(age >= 65, "#9575cd", "#4db6ac"))
    fig.add_trace(go.Scatter(x=lay.resident_xy[:, 0], y=lay.resident_xy[:, 1] - 0.75, mode="markers",
                             hoverinfo="skip", showlegend=False, name="residents",
                             marker={"size": 7, "color": res_colour.tolist()}))  # fmt: skip
    _actors(fig, lay, ja)
    for trace in _event_lines(frame, lay):
        fig.add_trace(trace)
    _marks(fig, frame, lay)
    if diverged is not None and len(diverged):
        xy = lay.house_xy[diverged]
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1] + 0.2, mode="markers", showlegend=False, hoverinfo="skip",
                                 name="diverged", marker={"symbol": "square-open", "size": 50, "color": "#00838f",
                                                          "line": {"width": 3}}))  # fmt: skip
    return fig.figure(
        title={"text": heading, "font": {"size": 24}, "x": 0.01},
        height=height,
        width=width,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        font={"family": FONT, "size": 16},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.02, "x": 0.0, "font": {"size": 18}, "yanchor": "top"},
        xaxis={"visible": False, "range": [-1.4, lay.width], "fixedrange": True},
        yaxis={"visible": False, "range": [lay.height, 3.0], "fixedrange": True, "autorange": False},
        transition={"duration": 300},
    )


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


def _actors(fig: _Canvas, lay: TownLayout, ja: bool) -> None:
    cx, cy = lay.commissioner_xy
    fig.add_trace(go.Scatter(x=[cx], y=[cy], mode="markers+text", text=["民生委員" if ja else "民生委員 (commissioner)"],
                             textposition="middle left", textfont={"size": 18}, showlegend=False, hoverinfo="skip",
                             marker={"symbol": "star", "size": 30, "color": "#2e7d32"}))  # fmt: skip
    if len(lay.venue_xy):
        fig.add_trace(go.Scatter(x=lay.venue_xy[:, 0], y=lay.venue_xy[:, 1], mode="markers+text",
                                 text=lay.venue_label_ja if ja else lay.venue_label_en, textposition="bottom center",
                                 textfont={"size": 17}, showlegend=False, hoverinfo="skip",
                                 marker={"symbol": "pentagon", "size": 34, "color": "#90caf9",
                                         "line": {"color": "#1565c0", "width": 2}}))  # fmt: skip
    if len(lay.npo_xy):
        fig.add_trace(go.Scatter(x=lay.npo_xy[:, 0], y=lay.npo_xy[:, 1], mode="markers+text",
                                 text=[f"NPO<br>{f}" for f in lay.npo_label], textposition="bottom center",
                                 textfont={"size": 15}, showlegend=False, hoverinfo="skip",
                                 marker={"symbol": "hexagon", "size": 28, "color": "#ffcc80",
                                         "line": {"color": "#ef6c00", "width": 2}}))  # fmt: skip
    fig.add_trace(go.Scatter(x=lay.desk_xy[:, 0], y=lay.desk_xy[:, 1], mode="markers+text",
                             text=lay.desk_label_ja if ja else lay.desk_label_en, textposition="top center",
                             textfont={"size": 15}, showlegend=False, hoverinfo="skip",
                             marker={"symbol": "square", "size": 26, "color": "#ce93d8",
                                     "line": {"color": "#6a1b9a", "width": 2}}))  # fmt: skip
    fig.add_trace(go.Scatter(x=lay.staff_xy[:, 0], y=lay.staff_xy[:, 1], mode="markers", showlegend=False,
                             hoverinfo="skip", marker={"symbol": "circle", "size": 12, "color": "#6a1b9a"}))  # fmt: skip
    mx, my = lay.meeting_xy
    fig.add_trace(go.Scatter(x=[mx], y=[my], mode="markers+text", text=["会議" if ja else "Meetings"],
                             textposition="bottom center", textfont={"size": 15}, showlegend=False, hoverinfo="skip",
                             marker={"symbol": "circle", "size": 26, "color": "#bcaaa4",
                                     "line": {"color": "#5d4037", "width": 2}}))  # fmt: skip


def _marks(fig: _Canvas, frame: Frame, lay: TownLayout) -> None:
    """Rings and signs on houses: noticed (!), worse, resolved, the story's household."""
    ev = frame.events
    marks = (
        (Event.NOTICED, "!", "#ef6c00", "circle-open", 46),
        (Event.WORSE, "▲", "#c62828", "circle-open", 52),
        (Event.ONSET, "", "#f9a825", "circle-open", 46),
        (Event.RESOLVED, "✓", "#2e7d32", "circle-open", 52),
        (Event.REFUSED, "✕", "#5d4037", "circle-open", 46),
    )
    for kind, sign, colour, symbol, size in marks:
        who = np.unique(ev.household[ev.kind == kind])
        if not len(who):
            continue
        xy = lay.house_xy[who]
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker={"symbol": symbol, "size": size, "color": colour, "line": {"width": 4}}))  # fmt: skip
        if sign:
            fig.add_trace(go.Scatter(x=xy[:, 0] + 0.55, y=xy[:, 1] + 0.75, mode="text", text=[sign] * len(who),
                                     textfont={"size": 22, "color": colour}, showlegend=False, hoverinfo="skip"))  # fmt: skip
    if frame.followed >= 0:
        x, y = lay.house_xy[frame.followed]
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", showlegend=False, hoverinfo="skip", name="followed",
                                 marker={"symbol": "square-open", "size": 44, "color": "#fbc02d",
                                         "line": {"width": 5}}))  # fmt: skip
