"""The workshop picture (sim/workshop/picture.py): it fits any box, nothing overlaps, nothing is cut off, numbers read."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.model import CommunityModel
from sim.vocabulary import STAGE_COLOURS
from sim.workshop.functions import ALL_ON, scenario_for
from sim.workshop.handout import PNG_SIZE
from sim.workshop.picture import (
    LIGHT_TEXT,
    NUMBER,
    NUMBER_COLOURS,
    PERSON,
    PictureTown,
    arrangements,
    contrast,
    draw,
    fit,
    frame_of,
    layout_picture,
    picture_town,
    text_width,
)
from sim.workshop.session import WorkshopSession

# Boxes the page draws in (measured in Chromium: the pictures' area, split between the panels) and the handout's.
SINGLE_1280, PAIR_1280 = (1260, 520), (626, 454)
SINGLE_1024, PAIR_1024 = (1004, 560), (497, 470)
BOXES = [SINGLE_1280, PAIR_1280, SINGLE_1024, PAIR_1024, (1580, 760), (780, 640), PNG_SIZE, (400, 300)]
SEEDS = (1, 2, 6, 23, 8050)  # the free session's and the stories' towns


@pytest.fixture(scope="module")
def towns() -> list[PictureTown]:
    return [picture_town(CommunityModel(scenario_for(ALL_ON), "workshop", seed=s, warmup_weeks=0)) for s in SEEDS]


def _story_frame():
    session = WorkshopSession()
    session.start_story("hoarding_cats")
    session.next_chapter()
    return session


# ------------------------------------------------------------------ what is drawn where (in slots)


def _boxes(fig, scale: float) -> list[tuple[float, float, float, float, str]]:
    """Extent of every mark and text of ``fig``: x0, x1, y0, y1 (slots) and the trace's name."""
    boxes = []
    for trace in fig.data:
        if trace.x is None or all(v is None for v in trace.x):
            continue
        mode = trace.mode or ""
        points = [(x, y, i) for i, (x, y) in enumerate(zip(trace.x, trace.y, strict=True)) if x is not None]
        if "markers" in mode:
            sizes = np.broadcast_to(np.asarray(trace.marker.size, dtype=float), (len(trace.x),))
            for x, y, i in points:
                r = sizes[i] / scale / 2
                boxes.append((x - r, x + r, y - r, y + r, trace.name or ""))
        if "text" in mode and trace.name != "houses":  # house numbers are inside their houses
            font = trace.textfont.size / scale
            for x, y, i in points:
                lines = str(trace.text[i]).split("<br>")
                w, h = max(text_width(line, font) for line in lines), len(lines) * font * 1.25
                pos = trace.textposition or "middle center"
                x0 = x - w if "left" in pos else x if "right" in pos else x - w / 2
                y0 = y - h if "bottom" in pos else y if "top" in pos else y - h / 2
                boxes.append((x0, x0 + w, y0, y0 + h, f"{trace.name} text"))
        if "lines" in mode:
            for x, y, _ in points:
                boxes.append((x, x, y, y, trace.name or "line"))
    for shape in fig.layout.shapes:  # the areas' frames
        boxes.append((shape.x0, shape.x1, shape.y0, shape.y1, "area frame"))
    for a in fig.layout.annotations:  # the 自治会's names, anchored at their top-left
        font = a.font.size / scale
        boxes.append((a.x, a.x + text_width(a.text, font), a.y - font * 1.25, a.y, "area name"))
    return boxes


def _overlap(a, b, slack: float = 0.02) -> bool:
    return a[0] < b[1] - slack and b[0] < a[1] - slack and a[2] < b[3] - slack and b[2] < a[3] - slack


@pytest.mark.parametrize("box", BOXES, ids=[f"{w}x{h}" for w, h in BOXES])
def test_everything_drawn_lies_inside_the_box_side_by_side_or_alone(box):
    session = _story_frame()  # a week with visits, venues and the followed household framed
    ref, main = session.panels
    for panel, partners in ((ref, [main.picture]), (main, [ref.picture]), (ref, [])):
        fig = draw(panel.frames[-1], panel.picture, "ja", "x", *box, diverged=np.arange(5), partners=partners)
        fitted = fit(panel.picture, *box, partners=partners)
        assert (fig.layout.width, fig.layout.height) == box
        x0, x1 = fig.layout.xaxis.range
        y0, y1 = fig.layout.yaxis.range
        plot_h = box[1] - fitted.top - fitted.bottom
        assert (x1 - x0) / box[0] == pytest.approx((y1 - y0) / plot_h)  # a slot is as tall as it is wide
        for bx0, bx1, by0, by1, what in _boxes(fig, fitted.scale):
            assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, (what, box, (bx0, bx1, by0, by1))


def _furniture(fig, scale) -> list[tuple[float, float, float, float, str]]:
    """Icons and labels that must stand apart: venues, the 民生委員, NPOs, meetings, desks, area names."""
    icons = ("venues", "commissioner", "npo", "meeting", "desk", "professionals")
    labels = ("venue labels text", "commissioner labels text", "npo labels text", "meeting labels text")
    keep = (*icons, *labels, "desk labels text", "area name")
    return [b for b in _boxes(fig, scale) if b[4] in keep]


@pytest.mark.parametrize("seed_index", range(len(SEEDS)))
def test_icons_and_labels_never_overlap_in_any_arrangement(towns, seed_index):
    """サロン no longer sits on the NPO hexagon, nor 居場所 on フードバンク: on the page and in the handout."""
    town = towns[seed_index]
    n = town.n_households
    frame = _blank_frame(n)
    for arrangement in arrangements([town]):
        lay = layout_picture(town, arrangement)
        scale = 30.0
        width, height = int(lay.width * scale) + 2, int(lay.height * scale) + 60
        fig = draw(frame, town, "ja", "x", width, height)
        fitted = fit(town, width, height)
        items = _furniture(fig, fitted.scale)
        assert any(b[4] == "venues" for b in items) == bool(len(town.venue_area))
        assert any(b[4] == "venue labels text" for b in items) == bool(len(town.venue_area))
        assert sum(b[4] == "area name" for b in items) == int(town.area.max()) + 1
        for a, b in itertools.combinations(items, 2):
            assert not _overlap(a, b), (arrangement, a, b)
        # Venues and their names stay above the houses' roofs.
        roofs = [b for b in _boxes(fig, fitted.scale) if b[4] == "roofs"]
        for v in (b for b in items if b[4].startswith("venue")):
            assert not any(_overlap(v, r) for r in roofs), (arrangement, v)


def _blank_frame(n: int):
    from sim.events import Events
    from sim.workshop.picture import Frame

    return Frame(0, "", np.zeros(n, np.int8), np.zeros(n, np.int8), np.full(n, -1), Events(0))


def test_icons_never_overlap_in_the_handout_or_in_english(towns):
    for town in towns:
        for lang in ("ja", "en"):
            fig = draw(_blank_frame(town.n_households), town, lang, "x", *PNG_SIZE)
            items = _furniture(fig, fit(town, *PNG_SIZE).scale)
            for a, b in itertools.combinations(items, 2):
                assert not _overlap(a, b), (lang, a, b)


def test_side_by_side_towns_are_arranged_alike_even_when_one_has_no_venues():
    session = WorkshopSession()
    session.set_switch("venue_staff", False)  # the right town loses its サロン and 居場所
    session.set_compare(True)
    ref, main = session.panels
    assert len(ref.picture.venue_area) and not len(main.picture.venue_area)
    left = fit(ref.picture, *PAIR_1280, partners=[main.picture])
    right = fit(main.picture, *PAIR_1280, partners=[ref.picture])
    assert left.scale == right.scale
    assert np.array_equal(left.layout.house_xy, right.layout.house_xy)  # a house stands at the same place


# ------------------------------------------------------------------ legible from the back of the room


def test_house_numbers_read_on_every_stage_colour():
    for colour, text in zip(STAGE_COLOURS, NUMBER_COLOURS, strict=True):
        assert contrast(colour, text) >= 4.5, (colour, text)  # WCAG AA for normal text
    darkest = min(STAGE_COLOURS, key=lambda c: contrast(c, "#000000"))
    assert NUMBER_COLOURS[STAGE_COLOURS.index(darkest)] == LIGHT_TEXT


def test_the_darkest_house_is_drawn_with_light_numbers():
    session = WorkshopSession()
    frame = session.main.frames[-1]
    frame.stage[:4] = [0, 1, 2, 3]
    fig = draw(frame, session.main.picture)
    houses = next(t for t in fig.data if t.name == "houses")
    assert list(houses.textfont.color[:4]) == list(NUMBER_COLOURS)


@pytest.mark.parametrize(
    ("box", "partnered", "number_px", "person_px"),
    [(PAIR_1280, True, 16.5, 6.0), (SINGLE_1280, False, 24.0, 8.5), (PAIR_1024, True, 15.5, 5.5)],
    ids=["1280x720 side by side", "1280x720 one town", "1024x768 side by side"],
)
def test_house_numbers_and_people_are_drawn_large_at_a_projector(box, partnered, number_px, person_px):
    session = _story_frame()
    ref, main = session.panels
    fitted = fit(ref.picture, *box, partners=[main.picture] if partnered else [])
    assert NUMBER * fitted.scale >= number_px
    assert PERSON * fitted.scale >= person_px


def test_the_picture_grows_with_the_screen():
    session = WorkshopSession()
    town = session.main.picture
    scales = [fit(town, w, h).scale for w, h in ((400, 300), (1004, 560), (1260, 520), (1580, 760), (1900, 900))]
    assert scales == sorted(scales) and scales[-1] > 1.5 * scales[1]


def test_a_frame_of_a_model_draws_with_its_own_town():
    model = CommunityModel(scenario_for(ALL_ON), "workshop", seed=3, warmup_weeks=0)
    from sim.events import Events

    fig = draw(frame_of(model, Events(0), "t"), picture_town(model), "en", width=700, height=500)
    assert fig.layout.title.text.startswith("Week 0")
    residents = next(t for t in fig.data if t.name == "residents")
    assert len(residents.x) == model.town.n_residents
