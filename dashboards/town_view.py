"""町の様子 (the town itself): every household as a dot, week by week, and one household's story.

:func:`TownView` is a Solara component for a tab of the planner's dashboard. It records one run
(:func:`sim.replay.record`) in a background thread, then draws the town: households as dots
grouped into their 自治会 area (a tile) and, inside it, their 民生委員 district (a band; pink
where the district has no commissioner), coloured by the stage of their problem; a ring
instead of a dot marks a problem the municipality does not know about (the hidden part).
Venues (通いの場, 居場所) sit on top of their area. The planner plays or steps through the
weeks and clicks a household to read its timeline (:func:`sim.replay.household_timeline`,
which re-runs the same seed with the story reader of :mod:`sim.story`).

The figure is a Plotly ``Scattergl`` whose positions are computed once
(:func:`layout_town`, vectorised); a week changes only the colours and symbols of the one
household trace, sent to the browser as binary arrays. The plain functions below carry the
logic and are tested without a browser; the components only hold state.

Import it from the project root as ``from dashboards.town_view import TownView`` (or, next
to ``app.py``, ``from town_view import TownView``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara
import solara.lab
from plotly.graph_objs._figurewidget import FigureWidget

from sim import vocabulary
from sim.config import Scenario, TownProfile, effective_profile, mechanism_params
from sim.domain import Stage
from sim.params import ConfigError
from sim.replay import Cancelled, Recording, household_timeline, record, weeks_of
from sim.town import VENUE_IBASHO, VENUE_KAYOI, Town

STAGE_COLOURS_ALL = vocabulary.STAGE_COLOURS
HIDDEN = 4  # fill value of a problem the municipality does not know: white inside a ring of its stage colour
HIDDEN_FILL = "#ffffff"
RING_WIDTH = 1.5
PLOT_WIDTH_PX = 700.0  # the picture's width: beside a side panel of 280 px in a 1,000 px wide tab
MARGIN_PX = 80  # top and bottom margins, with the legend below the picture
HOUSEHOLD_TRACE = 0  # the households are the figure's first trace (clicks on other traces are ignored)
DISTRICT_COLOUR, VACANT_COLOUR = "rgba(120,144,156,0.10)", "rgba(233,30,99,0.16)"
VENUE_STYLE = {VENUE_KAYOI: ("diamond", "#1565c0"), VENUE_IBASHO: ("star", "#2e7d32")}
PATH_WIDTH_PX = 280  # the household's stage path, in the side column
PLAY_INTERVAL_S = 0.5  # seconds between weeks while playing
DRAW_TIMEOUT_S = 10.0  # longest wait for the browser to draw a week before playing on
SPEEDS = (1, 4, 13)  # weeks per tick while playing: a week, a month, a quarter
PROGRESS_EVERY_S = 0.25


def throttled_progress(progress: Any) -> Callable[[int, int], None]:
    """An ``on_week(done, total)`` that sets the reactive ``progress`` (percent, from 0) at most every
    ``PROGRESS_EVERY_S`` seconds: each update is a message to the browser."""
    progress.set(0.0)
    last = [time.monotonic()]

    def on_week(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            progress.set(100.0 * done / max(total, 1))

    return on_week


# Layout, in dot units: a gap between district bands, between tiles, and a header row per tile
# (the 自治会's name, then its venues).
BAND_GAP = 0.8
TILE_GAP = 2.5
HEADER_ROWS = 2.6
ASPECT = 1.4  # width / height of the picture: screens are wide

TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "intro": (
            "一つひとつの点が世帯です。四角いまとまりが自治会の区域、その中の帯が民生委員の担当地区"
            "（桃色は民生委員が不在の地区）。色は生活課題の段階、白抜きの輪は行政がまだ把握していない課題です。"
            "◆は通いの場・サロン、★は居場所。再生するか週を動かし、世帯をクリックすると、その世帯の経過が読めます。"
        ),
        "recording": "町の{weeks}週を計算しています…",
        "week": "週",
        "week_of": "第{week}週（{year}年目）／全{weeks}週",
        "play": "再生",
        "pause": "一時停止",
        "back": "1週戻る",
        "forward": "1週進む",
        "start": "最初へ",
        "speed": "再生の速さ（1回に進む週数）",
        "counts_title": "この週の世帯数",
        "known": "うち行政が把握",
        "stage": "段階",
        "households": "世帯数",
        "pick": "世帯をクリックすると、その世帯の経過（段階の変化、誰が気づき、誰が支えたか、結果）が表示されます。",
        "household": "世帯 {h}",
        "type": "世帯の種類",
        "area": "自治会",
        "member": "加入",
        "nonmember": "未加入",
        "district": "民生委員の地区",
        "vacant": "民生委員不在",
        "ties": "近所づきあい",
        "venue": "通っている場",
        "none": "なし",
        "stage_now": "この週の段階",
        "known_now": "行政の把握",
        "known_yes": "把握している",
        "known_no": "把握していない",
        "reading": "この世帯の経過を読み取っています…",
        "past": "これまで（第{week}週まで）",
        "future": "この先",
        "no_events": "（なし）",
        "error": "この町とシナリオでは計算できません：",
        "legend_hidden": "行政が未把握（白抜き）",
        "kayoi": "通いの場・サロン",
        "ibasho": "居場所",
        "area_label": "自治会{a}",
        "venue_hover": "{kind}（自治会{area}）<br>運営：{runner}<br>参加 {people}人",
        "run_by_public": "社協・市",
        "district_label": "地区{d}",
        "hover": "世帯 %{customdata[0]}<br>自治会 %{customdata[1]}<br>民生委員地区 %{customdata[2]}<extra></extra>",
        "timing": "記録：{seconds:.1f}秒",
    },
    "en": {
        "intro": (
            "Each dot is a household. A tile is a 自治会 area; the bands inside it are 民生委員 districts "
            "(pink: no commissioner). Colour is the stage of the household's problem; an open ring is a problem "
            "the municipality does not know about. ◆ 通いの場 (salon), ★ 居場所. Play or move the week, and "
            "click a household to read its timeline."
        ),
        "recording": "Simulating the town's {weeks} weeks…",
        "week": "Week",
        "week_of": "Week {week} (year {year}) of {weeks}",
        "play": "Play",
        "pause": "Pause",
        "back": "Back a week",
        "forward": "Forward a week",
        "start": "To the start",
        "speed": "Playing speed (weeks per tick)",
        "counts_title": "Households this week",
        "known": "known to the municipality",
        "stage": "Stage",
        "households": "Households",
        "pick": "Click a household to read its timeline: stage changes, who noticed, who helped, and the outcome.",
        "household": "Household {h}",
        "type": "Type",
        "area": "自治会",
        "member": "member",
        "nonmember": "not a member",
        "district": "民生委員 district",
        "vacant": "no commissioner",
        "ties": "Neighbour ties",
        "venue": "Takes part in",
        "none": "none",
        "stage_now": "Stage this week",
        "known_now": "Known to the municipality",
        "known_yes": "yes",
        "known_no": "no",
        "reading": "Reading this household's weeks…",
        "past": "So far (to week {week})",
        "future": "Later",
        "no_events": "(none)",
        "error": "This town and scenario cannot run: ",
        "legend_hidden": "not known (open ring)",
        "kayoi": "通いの場 (salon)",
        "ibasho": "居場所 (place to belong)",
        "area_label": "自治会 {a}",
        "venue_hover": "{kind} (自治会 {area})<br>run by {runner}<br>{people} residents take part",
        "run_by_public": "社協 or the municipality",
        "district_label": "D{d}",
        "hover": "Household %{customdata[0]}<br>自治会 %{customdata[1]}<br>District %{customdata[2]}<extra></extra>",
        "timing": "Recorded in {seconds:.1f} s",
    },
}


def text(lang: str) -> dict[str, str]:
    """The interface texts in ``lang`` (``"ja"``, or ``"en"``; anything else falls back to Japanese)."""
    return TEXT["en"] if lang == "en" else TEXT["ja"]


def stage_labels(lang: str) -> tuple[str, ...]:
    """Labels of the four stages, none to complex."""
    return vocabulary.labels("stage", lang)


# ---------------------------------------------------------------- layout


@dataclass(eq=False)
class TownLayout:
    """Where every household and venue is drawn.

    Attributes:
        x, y: Position of each household (in household order).
        columns: Dots per row in an area tile.
        band_area, band_district: The 自治会 area and 民生委員 district of each band.
        band_box: ``(bands, 4)``: x0, x1, y_top, y_bottom of each band.
        tile_x, tile_y: Top-left corner of each area's tile.
        venue_x, venue_y: Position of each venue (in venue order).
        width, height: Extent of the whole picture.
    """

    x: np.ndarray
    y: np.ndarray
    columns: int
    band_area: np.ndarray
    band_district: np.ndarray
    band_box: np.ndarray
    tile_x: np.ndarray
    tile_y: np.ndarray
    venue_x: np.ndarray
    venue_y: np.ndarray
    width: float
    height: float


def layout_town(area: np.ndarray, district: np.ndarray, venue_area: np.ndarray | None = None) -> TownLayout:
    """Lay households out as dots: one tile per 自治会 area, one band per 民生委員 district inside it.

    Households are ordered by (area, district, index); each (area, district) band starts on a
    new row of its tile, and the tiles form a grid about ASPECT times as wide as tall.
    Vectorised: no loop over households.

    Args:
        area: 自治会 area of each household (0, 1, …).
        district: 民生委員 district of each household (0, 1, …).
        venue_area: Area of each venue; venues sit in their tile's header row.

    Returns:
        The layout.
    """
    n = len(area)
    area = np.asarray(area, dtype=np.int64)
    district = np.asarray(district, dtype=np.int64)
    order = np.lexsort((np.arange(n), district, area))
    a, d = area[order], district[order]
    new_band = np.r_[True, (a[1:] != a[:-1]) | (d[1:] != d[:-1])]
    band_of = np.cumsum(new_band) - 1
    band_start = np.flatnonzero(new_band)
    band_size = np.diff(np.r_[band_start, n])
    band_area, band_district = a[band_start], d[band_start]
    n_areas = int(area.max()) + 1

    columns = max(1, math.ceil(math.sqrt(np.bincount(area, minlength=n_areas).max())))
    band_rows = np.ceil(band_size / columns)
    # Row where each band starts inside its tile: the rows (and gaps) of the area's earlier bands.
    step = band_rows + BAND_GAP
    before = np.cumsum(step) - step
    first_band_of_area = np.r_[True, band_area[1:] != band_area[:-1]]
    area_first = before[np.flatnonzero(first_band_of_area)]
    band_row0 = before - np.repeat(area_first, np.diff(np.r_[np.flatnonzero(first_band_of_area), len(band_area)]))
    tile_rows = float(np.max(band_row0 + band_rows))

    tile_w = columns + TILE_GAP
    tile_h = HEADER_ROWS + tile_rows + TILE_GAP
    grid_cols = max(1, min(n_areas, math.ceil(math.sqrt(n_areas * tile_h / tile_w * ASPECT))))
    ids = np.arange(n_areas)
    tile_x = (ids % grid_cols) * tile_w
    tile_y = (ids // grid_cols) * tile_h

    rank = np.arange(n) - band_start[band_of]
    x_sorted = tile_x[a] + rank % columns
    y_sorted = -(tile_y[a] + HEADER_ROWS + band_row0[band_of] + rank // columns)
    x = np.empty(n, dtype=np.float32)
    y = np.empty(n, dtype=np.float32)
    x[order], y[order] = x_sorted, y_sorted

    top = tile_y[band_area] + HEADER_ROWS + band_row0 - 0.5
    band_box = np.stack(
        [tile_x[band_area] - 0.5, tile_x[band_area] + columns - 0.5, -top, -(top + band_rows)], axis=1
    ).astype(np.float32)

    venue_x, venue_y = _venue_positions(venue_area, tile_x, tile_y, columns)
    grid_rows = math.ceil(n_areas / grid_cols)
    return TownLayout(
        x,
        y,
        columns,
        band_area,
        band_district,
        band_box,
        tile_x,
        tile_y,
        venue_x,
        venue_y,
        grid_cols * tile_w,
        grid_rows * tile_h,
    )


def venue_spacing(columns: int) -> float:
    """Distance between venues in a tile's header (dot units): at most a dozen across a tile."""
    return max(1.6, columns / 12)


def _venue_positions(venue_area, tile_x, tile_y, columns) -> tuple[np.ndarray, np.ndarray]:
    """Venues side by side in their tile's header, right-aligned clear of its name (wrapping onto a second line)."""
    if venue_area is None or len(venue_area) == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    venue_area = np.asarray(venue_area, dtype=np.int64)
    order = np.argsort(venue_area, kind="stable")
    sorted_area = venue_area[order]
    first = np.searchsorted(sorted_area, sorted_area, "left")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first
    spacing = venue_spacing(columns)
    per_line = max(1, int((columns * 0.5) / spacing))
    x = tile_x[venue_area] + columns - 1 - (rank % per_line) * spacing  # from the right, clear of the name
    y = -(tile_y[venue_area] + 0.4 + (rank // per_line) * 1.0)
    return x.astype(np.float32), y.astype(np.float32)


# ---------------------------------------------------------------- the figure


def stepped_colourscale(colours: tuple[str, ...]) -> list[list[Any]]:
    """A colourscale giving value ``i`` the colour ``colours[i]`` (with ``cmin=-0.5``, ``cmax=len - 0.5``)."""
    k = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    return scale


def week_fill(recording: Recording, week: int) -> np.ndarray:
    """Fill value of every household's dot in ``week``: its stage (0–3), or HIDDEN (white) for a problem
    the municipality does not know about."""
    stage = recording.stage[week]
    hidden = (stage > Stage.NONE) & ~recording.known[week]
    return np.where(hidden, np.int8(HIDDEN), stage).astype(np.int8)


def week_colours(recording: Recording, week: int) -> np.ndarray:
    """Ring colour value of every household in ``week``: the stage number, 0–3."""
    return recording.stage[week]


def figure_height(layout: TownLayout, width_px: float = PLOT_WIDTH_PX) -> int:
    """Figure height that keeps dots round at ``width_px`` (within 420–900 px)."""
    return int(np.clip(width_px * layout.height / max(layout.width, 1.0) + MARGIN_PX, 420, 900))


def pixels_per_dot(layout: TownLayout, width_px: float = PLOT_WIDTH_PX) -> float:
    """Pixels between neighbouring dots when the picture fills ``width_px`` or the figure's height."""
    tall = (figure_height(layout, width_px) - MARGIN_PX) / max(layout.height, 1.0)
    return min(width_px / max(layout.width, 1.0), tall)


def marker_size(layout: TownLayout, width_px: float = PLOT_WIDTH_PX) -> float:
    """Dot size in pixels: neighbouring dots nearly touch (2–10 px)."""
    return float(np.clip(0.72 * pixels_per_dot(layout, width_px), 2.0, 10.0))


def ring_width(layout: TownLayout) -> float:
    """Width of the ring round each dot: visible, but leaving the white inside of a hidden problem."""
    return float(np.clip(marker_size(layout) / 5, 0.5, RING_WIDTH))


def town_figure(recording: Recording, layout: TownLayout, week: int = 0, lang: str = "ja") -> go.Figure:
    """The town at ``week``: households by area and district, coloured by stage, with venues.

    Trace 0 holds the households in household order (point ``i`` is household ``i``); a later
    week only changes its ``marker.color`` (fill) and ``marker.line.color`` (ring).
    """
    tx = text(lang)
    town = recording.town
    n = recording.n_households
    customdata = np.stack([np.arange(n), town.area + 1, town.district + 1], axis=1).astype(np.int32)
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=layout.x,
            y=layout.y,
            mode="markers",
            marker={
                "color": week_fill(recording, week),
                "colorscale": stepped_colourscale((*STAGE_COLOURS_ALL, HIDDEN_FILL)),
                "cmin": -0.5,
                "cmax": HIDDEN + 0.5,
                "size": marker_size(layout),
                "line": {
                    "width": ring_width(layout),
                    "color": week_colours(recording, week),
                    "colorscale": stepped_colourscale(STAGE_COLOURS_ALL),
                    "cmin": -0.5,
                    "cmax": 3.5,
                },
            },
            customdata=customdata,
            hovertemplate=tx["hover"],
            showlegend=False,
            name="households",
        )
    )
    vacant = town.district_vacant[layout.band_district]
    for is_vacant, colour in ((False, DISTRICT_COLOUR), (True, VACANT_COLOUR)):
        fig.add_trace(_bands_trace(layout, vacant == is_vacant, colour, tx, is_vacant))
    fig.add_trace(
        go.Scatter(
            x=layout.tile_x - 0.5,
            y=-layout.tile_y,
            mode="text",
            text=[tx["area_label"].format(a=a + 1) for a in range(len(layout.tile_x))],
            textposition="bottom right",
            textfont={"size": 11, "color": "#37474f"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    venue_size = float(np.clip(0.9 * venue_spacing(layout.columns) * pixels_per_dot(layout), 5.0, 11.0))
    venue_lines = venue_descriptions(town, lang)
    for kind, (symbol, colour) in VENUE_STYLE.items():
        which = town.venue_kind == kind
        fig.add_trace(
            go.Scatter(
                x=layout.venue_x[which],
                y=layout.venue_y[which],
                mode="markers",
                marker={"symbol": symbol, "color": colour, "size": venue_size, "line": {"width": 1, "color": "white"}},
                name=tx["kayoi"] if kind == VENUE_KAYOI else tx["ibasho"],
                text=[line for line, w in zip(venue_lines, which, strict=True) if w],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for s, label in enumerate(stage_labels(lang)):  # legend entries for the one household trace
        fig.add_trace(_legend_entry(label, STAGE_COLOURS_ALL[s], "circle"))
    fig.add_trace(_legend_entry(tx["legend_hidden"], STAGE_COLOURS_ALL[Stage.MANIFEST], "circle-open"))
    fig.add_trace(_legend_entry(tx["vacant"], VACANT_COLOUR.replace("0.16", "0.5"), "square"))
    fig.update_layout(
        width=PLOT_WIDTH_PX,
        height=figure_height(layout),
        margin={"l": 10, "r": 10, "t": 10, "b": MARGIN_PX - 10},
        xaxis={"visible": False, "range": [-1.5, layout.width]},
        yaxis={"visible": False, "scaleanchor": "x", "range": [-layout.height, 1.5]},
        plot_bgcolor="white",
        showlegend=True,
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "itemclick": False, "itemdoubleclick": False},
        hovermode="closest",
        clickmode="event",
        dragmode="pan",
        uirevision="town",
    )
    return fig


def venue_descriptions(town: Town, lang: str = "ja") -> list[str]:
    """One line per venue for its hover label: kind, area, who runs it, how many residents take part."""
    tx = text(lang)
    n = len(town.venue_kind)
    people = np.bincount(town.res_venue[town.res_venue >= 0], minlength=n)
    lines = []
    for v in range(n):  # a few hundred venues at most, once per figure
        kind = tx["kayoi"] if town.venue_kind[v] == VENUE_KAYOI else tx["ibasho"]
        op = int(town.venue_operator[v])
        runner = f"NPO（{town.npo_focus[op]}）" if op >= 0 else tx["run_by_public"]
        lines.append(
            tx["venue_hover"].format(kind=kind, area=int(town.venue_area[v]) + 1, runner=runner, people=int(people[v]))
        )
    return lines


def _bands_trace(layout: TownLayout, which: np.ndarray, colour: str, tx: dict[str, str], vacant: bool) -> go.Scatter:
    """The district bands ``which`` as filled rectangles in one trace (None separates them)."""
    boxes = layout.band_box[which]
    xs = np.stack([boxes[:, 0], boxes[:, 1], boxes[:, 1], boxes[:, 0], boxes[:, 0], np.full(len(boxes), np.nan)], 1)
    ys = np.stack([boxes[:, 2], boxes[:, 2], boxes[:, 3], boxes[:, 3], boxes[:, 2], np.full(len(boxes), np.nan)], 1)
    return go.Scatter(
        x=xs.ravel(),
        y=ys.ravel(),
        mode="lines",
        fill="toself",
        fillcolor=colour,
        line={"width": 0.5, "color": "rgba(96,125,139,0.35)"},
        hoverinfo="skip" if not vacant else "text",
        hoveron="fills",
        text=tx["vacant"] if vacant else None,
        showlegend=False,
    )


def _legend_entry(label: str, colour: str, symbol: str) -> go.Scatter:
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"color": colour, "symbol": symbol, "size": 10, "line": {"width": 2, "color": colour}},
        name=label,
        hoverinfo="skip",
    )


def clicked_household(data: dict[str, Any] | None, n_households: int) -> int | None:
    """The household a Plotly click event points at (``None`` for a click elsewhere).

    Args:
        data: The event from ``solara.FigurePlotly(on_click=…)`` / the figure widget's points callback.
        n_households: Households in the town.
    """
    if not data:
        return None
    points = data.get("points") or {}
    for trace, point in zip(points.get("trace_indexes", []), points.get("point_indexes", []), strict=False):
        if trace == HOUSEHOLD_TRACE and point is not None and 0 <= int(point) < n_households:
            return int(point)
    return None


# ---------------------------------------------------------------- numbers and words for the side panel


def stage_table(recording: Recording, week: int, lang: str = "ja") -> pd.DataFrame:
    """Households at each stage in ``week`` and how many of them the municipality knows."""
    tx = text(lang)
    stage, known = recording.stage[week], recording.known[week]
    counts = np.bincount(stage, minlength=4)
    known_counts = np.bincount(stage[known], minlength=4)
    return pd.DataFrame(
        {
            tx["stage"]: stage_labels(lang),
            tx["households"]: counts,
            tx["known"]: ["–", *(int(k) for k in known_counts[1:])],
        }
    )


def household_facts(recording: Recording, household: int, week: int, lang: str = "ja") -> list[tuple[str, str]]:
    """What the town says about one household, and where it stands in ``week`` (label, value pairs)."""
    tx = text(lang)
    town: Town = recording.town
    h = household
    district = int(town.district[h])
    venue = int(town.hh_venue[h])
    venue_text = tx["none"]
    if venue >= 0:
        venue_text = tx["kayoi"] if town.venue_kind[venue] == VENUE_KAYOI else tx["ibasho"]
    stage = int(recording.stage[week, h])
    facts = [
        (tx["type"], vocabulary.label("household_type", int(town.htype[h]), lang)),
        (tx["area"], f"{int(town.area[h]) + 1}（{tx['member'] if town.member[h] else tx['nonmember']}）"),
        (tx["district"], f"{district + 1}" + (f"（{tx['vacant']}）" if town.district_vacant[district] else "")),
        (tx["ties"], f"{round(float(town.ties[h]))}"),
        (tx["venue"], venue_text),
        (tx["stage_now"], stage_labels(lang)[stage]),
    ]
    if stage > Stage.NONE:
        facts.append((tx["known_now"], tx["known_yes"] if recording.known[week, h] else tx["known_no"]))
    return facts


def split_timeline(timeline: pd.DataFrame, week: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The timeline's events up to ``week`` and after it."""
    past = timeline["week"] <= week
    return timeline[past], timeline[~past]


def timeline_html(events: pd.DataFrame, lang: str = "ja") -> str:
    """Events as an HTML list, one line per event with its week (plain HTML: Markdown would fetch KaTeX)."""
    tx = text(lang)
    if events.empty:
        return f"<p>{escape(tx['no_events'])}</p>"
    unit = "第{w}週" if lang != "en" else "week {w}"
    items = "".join(
        f"<li><b>{unit.format(w=int(row.week))}</b> {escape(row.text, quote=False)}</li>" for row in events.itertuples()
    )
    return f"<ul>{items}</ul>"


def facts_html(facts: list[tuple[str, str]]) -> str:
    """Label–value pairs as an HTML list."""
    return "<ul>" + "".join(f"<li>{escape(k)}：{escape(v)}</li>" for k, v in facts) + "</ul>"


def table_html(table: pd.DataFrame) -> str:
    """A small table as HTML (numbers right-aligned)."""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(str(c))}</th>" for c in table.columns)
    rows = []
    for row in table.itertuples(index=False):
        cells = [f"<td style='padding:2px 8px'>{escape(str(row[0]))}</td>"]
        cells += [f"<td style='text-align:right;padding:2px 8px'>{escape(str(v))}</td>" for v in row[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def household_path_figure(recording: Recording, household: int, week: int, lang: str = "ja") -> go.Figure:
    """One household's stage week by week (a step line), with the current week marked."""
    stage = recording.stage[:, household]
    weeks = np.arange(len(stage))
    labels = stage_labels(lang)
    fig = go.Figure(
        go.Scatter(
            x=weeks,
            y=stage,
            mode="lines",
            line={"shape": "hv", "color": STAGE_COLOURS_ALL[Stage.COMPLEX], "width": 2},
            hovertemplate=("第%{x}週：" if lang != "en" else "week %{x}: ") + "%{text}<extra></extra>",
            text=[labels[s] for s in stage],
        )
    )
    fig.add_vline(x=week, line={"color": "#37474f", "dash": "dot"})
    fig.update_layout(
        width=PATH_WIDTH_PX,
        height=180,
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        yaxis={"tickvals": [0, 1, 2, 3], "ticktext": list(labels), "range": [-0.3, 3.3], "fixedrange": True},
        xaxis={"title": text(lang)["week"], "range": [0, max(recording.weeks, 1)]},
        showlegend=False,
        plot_bgcolor="white",
    )
    return fig


def input_problem(town: TownProfile, scenario: Scenario) -> str | None:
    """The message of a town or scenario that cannot run together (``None`` if they can)."""
    try:
        effective_profile(scenario, town)
        mechanism_params(scenario)
    except ConfigError as e:
        return str(e)
    return None


def run_key(town: TownProfile, scenario: Scenario, seed: int, weeks: int) -> str:
    """A key that changes whenever the run would (for hooks' dependencies)."""
    return repr((town.name, town.profile, scenario.name, scenario.town, scenario.mechanisms, int(seed), weeks))


# ---------------------------------------------------------------- recordings kept for a while

_RECORDINGS: OrderedDict[str, Recording] = OrderedDict()
_RECORDINGS_LOCK = threading.Lock()
RECORDINGS_KEPT = 3  # a city-year is about 6 MB


def cached_record(
    key: str,
    scenario: Scenario,
    town: TownProfile,
    seed: int,
    weeks: int,
    on_week: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Recording:
    """:func:`sim.replay.record`, remembering the last few recordings (reopening the tab is instant).

    The same scenario, town, seed and weeks give the same run, so a recording can be shared.
    """
    with _RECORDINGS_LOCK:
        if key in _RECORDINGS:
            _RECORDINGS.move_to_end(key)
            return _RECORDINGS[key]
    recording = record(scenario, town, seed, weeks, on_week=on_week, stop=stop)
    with _RECORDINGS_LOCK:
        _RECORDINGS[key] = recording
        while len(_RECORDINGS) > RECORDINGS_KEPT:
            _RECORDINGS.popitem(last=False)
    return recording


# ---------------------------------------------------------------- components


class FrameClock:
    """Whether the browser has drawn the last week sent to it, so that playing never outruns the page.

    Plotly's widget acknowledges every change it has drawn (its trace deltas carry the edit's id).
    """

    def __init__(self) -> None:
        self.sent = 0
        self.drawn = 0
        self._changed = threading.Condition()

    def reset(self) -> None:
        """A new figure widget: its edit ids start again."""
        with self._changed:
            self.sent = self.drawn = 0
            self._changed.notify_all()

    def sent_edit(self, edit_id: int) -> None:
        """The figure sent change ``edit_id`` to the browser."""
        with self._changed:
            self.sent = edit_id

    def drawn_edit(self, edit_id: int) -> None:
        """The browser drew change ``edit_id``."""
        with self._changed:
            self.drawn = max(self.drawn, edit_id)
            self._changed.notify_all()

    def wait_drawn(self, timeout: float) -> bool:
        """Wait until the browser has drawn what was sent (at once when no browser ever answered)."""
        with self._changed:
            if self.drawn == 0:
                return True
            return self._changed.wait_for(lambda: self.drawn >= self.sent, timeout)


@solara.component
def TownFigure(
    figure: go.Figure,
    recording: Recording,
    week: int,
    selected: int | None,
    on_household: Any = None,
    clock: FrameClock | None = None,
) -> solara.Element:
    """The town figure: set once per recording, then only recoloured when the week changes.

    Like ``solara.FigurePlotly`` (same widget, same click event), but a new week sends only the
    households' fill and ring colours (binary int8 arrays) instead of the whole figure.
    """

    def on_points(data: dict[str, Any] | None) -> None:
        if data and data.get("event_type") == "plotly_click" and on_household is not None:
            household = clicked_household(data, recording.n_households)
            if household is not None:
                on_household(household)

    def on_drawn(deltas: dict[str, Any] | None) -> None:
        if deltas and clock is not None:
            clock.drawn_edit(int(deltas.get("trace_edit_id", 0)))

    element = FigureWidget.element(on__js2py_pointsCallback=on_points, on__js2py_traceDeltas=on_drawn)

    def set_figure() -> None:
        widget: FigureWidget = solara.get_widget(element)
        if clock is not None:
            clock.reset()
        widget.layout = figure.layout
        length = len(widget.data)
        widget.add_traces(figure.data)
        widget.data = list(widget.data)[length:]

    def set_week() -> None:
        widget: FigureWidget = solara.get_widget(element)
        if not widget.data:
            return
        with widget.batch_update():
            households = widget.data[HOUSEHOLD_TRACE]
            households.marker.color = week_fill(recording, week)
            households.marker.line.color = week_colours(recording, week)
        if clock is not None:
            clock.sent_edit(widget._last_trace_edit_id)

    def set_selected() -> None:
        widget: FigureWidget = solara.get_widget(element)
        traces = [t for t in widget.data if t.name == "selected"]
        xs = [] if selected is None else [float(figure.data[HOUSEHOLD_TRACE].x[selected])]
        ys = [] if selected is None else [float(figure.data[HOUSEHOLD_TRACE].y[selected])]
        if traces:
            traces[0].x, traces[0].y = xs, ys
        else:
            widget.add_scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="selected",
                marker={"symbol": "circle-open", "size": 18, "color": "#000000", "line": {"width": 3}},
                hoverinfo="skip",
                showlegend=False,
            )

    solara.use_effect(set_figure, [figure])
    solara.use_effect(set_week, [figure, week])
    solara.use_effect(set_selected, [figure, selected])
    return element


@solara.component
def TownView(town: TownProfile, scenario: Scenario, seed: int, years: float, lang: str = "ja") -> None:
    """町の様子: the town's households week by week, and one household's timeline.

    Args:
        town: A validated town profile.
        scenario: A validated scenario.
        seed: The run's seed (the same seed gives the same run).
        years: Years to simulate.
        lang: ``"ja"`` (default) or ``"en"``.
    """
    tx = text(lang)
    weeks = weeks_of(years)
    key = run_key(town, scenario, seed, weeks)
    progress = solara.use_reactive(0.0)
    week = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    selected = solara.use_reactive(None)
    clock = solara.use_memo(FrameClock, [])
    problem = solara.use_memo(lambda: input_problem(town, scenario), [key])

    def reset() -> None:
        week.set(0)
        playing.set(False)
        selected.set(None)

    solara.use_effect(reset, [key])

    def do_record() -> Recording | None:
        if problem is not None:
            return None
        on_week = throttled_progress(progress)

        try:
            return cached_record(key, scenario, town, seed, weeks, on_week, stop=lambda: not recorder.is_current())
        except Cancelled:
            return None

    recorder = solara.lab.use_task(do_record, dependencies=[key, problem], raise_error=False)
    recording: Recording | None = recorder.value if recorder.finished else None

    with solara.Column(style={"gap": "8px"}):
        solara.HTML(tag="p", unsafe_innerHTML=escape(tx["intro"]))
        if problem is not None:
            solara.Error(tx["error"] + problem)
            return
        if recorder.error:
            solara.Error(tx["error"] + str(recorder.exception))
            return
        if recording is None:
            solara.Text(tx["recording"].format(weeks=weeks))
            solara.ProgressLinear(progress.value if progress.value > 0 else True)
            return
        _Player(recording, week, playing, speed, clock, lang)
        # The picture has a fixed width (dots sized for it); the side panel takes the rest, or wraps below.
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start", "gap": "12px"}):
            with solara.Column(style={"flex": f"0 0 {PLOT_WIDTH_PX:.0f}px", "max-width": "100%", "overflow-x": "auto"}):
                _TownPicture(recording, week.value, selected, clock, lang)
            with solara.Column(style={"flex": "1 1 280px", "min-width": "280px"}):
                _StageCounts(recording, week.value, lang)
                _HouseholdPanel(recording, week.value, selected.value, lang)
        solara.Text(tx["timing"].format(seconds=recording.seconds), style={"color": "#78909c", "font-size": "12px"})


@solara.component
def _Player(
    recording: Recording,
    week: solara.Reactive,
    playing: solara.Reactive,
    speed: solara.Reactive,
    clock: FrameClock,
    lang: str,
):
    """Week slider, step buttons and play/pause; playing advances the week from a background thread,
    waiting for the browser to draw each week before the next (a city's 59,000 dots take a moment)."""
    tx = text(lang)
    last = recording.weeks

    def play_loop() -> None:
        if not playing.value:
            return
        while player.is_current():
            time.sleep(PLAY_INTERVAL_S)
            if not player.is_current():
                return
            nxt = min(last, week.value + speed.value)
            week.set(nxt)
            if nxt >= last:
                playing.set(False)
                return
            clock.wait_drawn(DRAW_TIMEOUT_S)

    player = solara.lab.use_task(play_loop, dependencies=[playing.value, id(recording)], raise_error=False)

    def toggle() -> None:
        if not playing.value and week.value >= last:
            week.set(0)
        playing.set(not playing.value)

    with solara.Row(style={"align-items": "center", "gap": "6px", "flex-wrap": "wrap"}):
        solara.Button(tx["start"], icon_name="mdi-skip-previous", on_click=lambda: week.set(0), outlined=True)
        solara.Button(
            tx["back"], icon_name="mdi-step-backward", on_click=lambda: week.set(max(0, week.value - 1)), outlined=True
        )
        solara.Button(
            tx["pause"] if playing.value else tx["play"],
            icon_name="mdi-pause" if playing.value else "mdi-play",
            on_click=toggle,
            color="primary",
        )
        solara.Button(
            tx["forward"],
            icon_name="mdi-step-forward",
            on_click=lambda: week.set(min(last, week.value + 1)),
            outlined=True,
        )
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS))
        solara.Text(tx["speed"], style={"color": "#607d8b", "font-size": "12px"})
    solara.SliderInt(tx["week"], value=week, min=0, max=last)
    solara.Text(
        tx["week_of"].format(week=week.value, year=max(week.value - 1, 0) // 52 + 1, weeks=last),  # week 52 ends year 1
        style={"font-weight": "bold"},
    )


@solara.component
def _TownPicture(recording: Recording, week: int, selected: solara.Reactive, clock: FrameClock, lang: str):
    layout = solara.use_memo(
        lambda: layout_town(recording.town.area, recording.town.district, recording.town.venue_area), [id(recording)]
    )
    figure = solara.use_memo(lambda: town_figure(recording, layout, 0, lang), [id(recording), lang])
    TownFigure(figure, recording, week, selected.value, on_household=selected.set, clock=clock)


@solara.component
def _StageCounts(recording: Recording, week: int, lang: str):
    tx = text(lang)
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(tx['counts_title'])}</b>")
    solara.HTML(tag="div", unsafe_innerHTML=table_html(stage_table(recording, week, lang)))


@solara.component
def _HouseholdPanel(recording: Recording, week: int, household: int | None, lang: str):
    tx = text(lang)
    progress = solara.use_reactive(0.0)
    cache: dict[int, pd.DataFrame] = solara.use_memo(dict, [id(recording), lang])  # households read before

    def read() -> pd.DataFrame | None:
        if household is None:
            return None
        if household in cache:
            return cache[household]
        on_week = throttled_progress(progress)

        try:
            timeline = household_timeline(
                recording, household, lang, on_week=on_week, stop=lambda: not reader.is_current()
            )
        except Cancelled:
            return None
        cache[household] = timeline
        return timeline

    reader = solara.lab.use_task(read, dependencies=[id(recording), household, lang], raise_error=False)
    if household is None:
        solara.Info(tx["pick"])
        return
    solara.HTML(tag="h3", unsafe_innerHTML=escape(tx["household"].format(h=household)))
    solara.HTML(tag="div", unsafe_innerHTML=facts_html(household_facts(recording, household, week, lang)))
    solara.FigurePlotly(household_path_figure(recording, household, week, lang))
    if reader.error:
        solara.Error(str(reader.exception))
    elif not reader.finished or reader.value is None:
        solara.Text(tx["reading"])
        solara.ProgressLinear(progress.value if progress.value > 0 else True)
    else:
        past, future = split_timeline(reader.value, week)
        solara.HTML(
            tag="div", unsafe_innerHTML=f"<b>{escape(tx['past'].format(week=week))}</b>" + timeline_html(past, lang)
        )
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{escape(tx['future'])}</b>" + timeline_html(future, lang))
