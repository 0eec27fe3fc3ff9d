"""One town layout (sim/layout.py) for the dashboard's town view and the workshop picture."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dashboards.town_figures import recording_layout
from sim.config import load_town
from sim.layout import DOTS, Spacing, TownLayout, layout_town
from sim.model import CommunityModel
from sim.replay import record
from sim.town import build_town
from sim.workshop.picture import HOUSES, Arrangement, layout_picture, picture_town

SPACINGS = {"dashboard dots": DOTS, "workshop houses": HOUSES}


def _assert_grouped(layout: TownLayout, area: np.ndarray, district: np.ndarray) -> None:
    # Every household sits in its area's tile, and tiles do not overlap.
    x0 = layout.tile_x[area] - 0.5
    assert np.all(layout.x >= x0) and np.all(layout.x <= x0 + layout.columns)
    top = -layout.tile_y[area]
    assert np.all(layout.y <= top)
    assert np.all(layout.y >= top - layout.tile_height)
    tiles = np.stack([layout.tile_x, layout.tile_y], axis=1)
    assert len(np.unique(tiles, axis=0)) == len(tiles)
    # Every household sits inside the band of its (area, district), and each band is one such pair.
    band_key = layout.band_area * 10_000 + layout.band_district
    assert len(np.unique(band_key)) == len(band_key)
    band = np.searchsorted(band_key, area * 10_000 + district)
    assert np.array_equal(band_key[band], area * 10_000 + district)
    box = layout.band_box[band]
    assert np.all((layout.x >= box[:, 0]) & (layout.x <= box[:, 1]))
    assert np.all((layout.y <= box[:, 2]) & (layout.y >= box[:, 3]))
    # Bands within an area do not overlap.
    for a in np.unique(layout.band_area):
        boxes = layout.band_box[layout.band_area == a]
        assert np.all(boxes[1:, 2] <= boxes[:-1, 3] + 1e-6)
    # No two households share a place.
    assert len(np.unique(np.stack([layout.x, layout.y], axis=1), axis=0)) == len(area)


@pytest.mark.parametrize("spacing", SPACINGS.values(), ids=SPACINGS.keys())
def test_layout_groups_households_by_jichikai_area_then_minsei_district(spacing: Spacing):
    town = build_town(load_town("neighbourhood").profile, 0)
    layout = layout_town(town.area, town.district, town.venue_area, spacing=spacing)
    _assert_grouped(layout, town.area, town.district)
    # Venues sit in their own area's tile header, above its households.
    assert np.all(np.abs(layout.venue_x - layout.tile_x[town.venue_area] - layout.columns / 2) <= layout.columns)
    assert np.all(layout.venue_y <= -layout.tile_y[town.venue_area])
    assert np.all(layout.venue_y > -layout.tile_y[town.venue_area] - layout.spacing.header)


@pytest.mark.parametrize("spacing", SPACINGS.values(), ids=SPACINGS.keys())
def test_layout_groups_households_whose_areas_and_districts_are_interleaved(spacing: Spacing):
    rng = np.random.default_rng(1)
    area = rng.integers(0, 7, 900)
    district = rng.integers(0, 5, 900)
    _assert_grouped(layout_town(area, district, spacing=spacing, columns=11, grid_columns=3), area, district)


def test_rows_are_row_height_apart_and_columns_one_slot():
    area = np.zeros(12, dtype=np.int64)
    layout = layout_town(area, area, spacing=Spacing(row_height=1.75), columns=4)
    assert sorted(set(np.round(layout.x, 6))) == [0, 1, 2, 3]
    assert np.allclose(np.diff(sorted(set(np.round(layout.y, 6)))), 1.75)


def test_city_layout_is_vectorised_and_fast():
    town = build_town(load_town("city").profile, 0)
    started = time.perf_counter()
    layout = layout_town(town.area, town.district, town.venue_area)
    assert time.perf_counter() - started < 1.0
    assert len(layout.x) == 59_000
    _assert_grouped(layout, town.area, town.district)


def test_the_dashboard_and_the_workshop_draw_households_where_the_one_layout_puts_them():
    # The dashboard's town view: one dot per household, at the layout's places.
    recording = record("baseline", "workshop", seed=1, weeks=1)
    dots = recording_layout(recording)
    expected = layout_town(recording.town.area, recording.town.district, recording.town.venue_area)
    assert np.array_equal(dots.x, expected.x) and np.array_equal(dots.y, expected.y)
    # The workshop picture: one house per household, at the same layout's places (its own gaps and rows).
    model = CommunityModel("baseline", "workshop", seed=1, warmup_weeks=0)
    picture = layout_picture(picture_town(model), Arrangement(columns=8, grid_columns=2, actors_beside=False))
    houses = picture.houses
    assert isinstance(houses, TownLayout) and houses.spacing.row_height == HOUSES.row_height
    again = layout_town(model.town.area, model.town.district, model.town.venue_area, spacing=houses.spacing,
                        columns=8, grid_columns=2)  # fmt: skip
    assert np.array_equal(picture.house_xy[:, 0], again.x) and np.array_equal(picture.house_xy[:, 1], again.y)
    # Both put each household in the tile of its 自治会 area.
    assert np.array_equal(_tile_of(dots), recording.town.area) and np.array_equal(_tile_of(houses), model.town.area)


def _tile_of(layout: TownLayout) -> np.ndarray:
    """The tile each household is drawn in."""
    x, y = layout.x[:, None], layout.y[:, None]
    inside = (x >= layout.tile_x - 0.5) & (x <= layout.tile_x + layout.columns - 0.5)
    inside &= (y <= -layout.tile_y) & (y >= -layout.tile_y - layout.tile_height)
    assert np.all(inside.sum(axis=1) == 1)
    return np.argmax(inside, axis=1)
