"""町の様子, figures: the town as one dot per household, and one household's stage path.

:func:`town_figure` draws the households where :func:`sim.layout.layout_town` puts them (the
layout the workshop picture uses too): a Plotly ``Scattergl`` whose trace 0 holds the households
in household order, so that a later week changes only its colours (:func:`week_fill`,
:func:`week_colours`), sent as int8 arrays. District bands, area names and venues are drawn once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from dashboards.town_tables import stage_labels, text, venue_descriptions
from sim import vocabulary
from sim.domain import Stage
from sim.layout import TownLayout, layout_town, venue_spacing
from sim.replay import Recording
from sim.town import VENUE_IBASHO, VENUE_KAYOI

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


def recording_layout(recording: Recording) -> TownLayout:
    """The town of ``recording`` laid out as dots (the dashboard's scale)."""
    town = recording.town
    return layout_town(town.area, town.district, town.venue_area)


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
    venue_size = float(np.clip(0.9 * venue_spacing(layout.columns, layout.spacing) * pixels_per_dot(layout), 5.0, 11.0))
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
