"""One town layout: where each household of a town is drawn, grouped by 自治会 area and 民生委員 district.

Both pictures of a town use it, each at its own scale: the planner dashboard's town view
(up to 59,000 households as dots, :mod:`dashboards.town_figures`) and the workshop picture
(80 houses with their people, :mod:`sim.workshop.picture`). Every area is a *tile*; inside
it every district is a *band* of rows; the tiles form a grid. Positions are in *slots*: one
household's width, so that x of neighbouring households differ by 1; rows are
``Spacing.row_height`` slots apart (1 for dots; more for houses with a roof and their people).
Venues sit in their area's header, right-aligned, clear of the area's name.

Vectorised: no loop over households (a city lays out in a few milliseconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ASPECT = 1.4  # width / height the tile grid aims for when the caller does not fix it: screens are wide


@dataclass(frozen=True)
class Spacing:
    """Gaps of a layout, in slots (the defaults are the dashboard's dots).

    Attributes:
        row_height: Distance between rows of households.
        band_gap: Gap between two district bands of a tile.
        tile_gap: Gap between tiles, across and down.
        header: Height above a tile's first row for its name and venues; its last half row
            holds the first row's top.
        venue_spacing: Distance between venues in a header (``None``: at most a dozen across a tile).
        venue_top: Depth of the first line of venues below the tile's top.
        venue_line: Distance between lines of venues when they wrap.
        name_width: Width at the left of a header kept clear for the area's name (``None``: half the tile).
    """

    row_height: float = 1.0
    band_gap: float = 0.8
    tile_gap: float = 2.5
    header: float = 2.6
    venue_spacing: float | None = None
    venue_top: float = 0.4
    venue_line: float = 1.0
    name_width: float | None = None


DOTS = Spacing()


@dataclass(eq=False)
class TownLayout:
    """Where every household and venue is drawn (slots; y grows upwards, the first tile's top is 0).

    Attributes:
        x, y: Position of each household (in household order).
        columns: Households per row in an area tile.
        band_area, band_district: The 自治会 area and 民生委員 district of each band.
        band_box: ``(bands, 4)``: x0, x1, y_top, y_bottom of each band.
        tile_x, tile_y: Top-left corner of each area's tile (``tile_y`` grows downwards).
        tile_height: Height of every tile, header included, gap excluded.
        venue_x, venue_y: Position of each venue (in venue order).
        width, height: Extent of the whole picture.
        spacing: The gaps it was laid out with.
    """

    x: np.ndarray
    y: np.ndarray
    columns: int
    band_area: np.ndarray
    band_district: np.ndarray
    band_box: np.ndarray
    tile_x: np.ndarray
    tile_y: np.ndarray
    tile_height: float
    venue_x: np.ndarray
    venue_y: np.ndarray
    width: float
    height: float
    spacing: Spacing = DOTS

    @property
    def tile_width(self) -> float:
        """Width of a tile's households (gap excluded)."""
        return float(self.columns)


def default_columns(area: np.ndarray) -> int:
    """Households per row that make the largest area's tile about square."""
    return max(1, math.ceil(math.sqrt(np.bincount(np.asarray(area, dtype=np.int64)).max())))


def layout_town(
    area: np.ndarray,
    district: np.ndarray,
    venue_area: np.ndarray | None = None,
    *,
    spacing: Spacing = DOTS,
    columns: int | None = None,
    grid_columns: int | None = None,
    aspect: float = ASPECT,
) -> TownLayout:
    """Lay households out: one tile per 自治会 area, one band per 民生委員 district inside it.

    Households are ordered by (area, district, index); each (area, district) band starts on a
    new row of its tile.

    Args:
        area: 自治会 area of each household (0, 1, …).
        district: 民生委員 district of each household (0, 1, …).
        venue_area: Area of each venue; venues sit in their tile's header.
        spacing: Gaps and row height (default: the dashboard's dots).
        columns: Households per row in a tile (default: about square tiles).
        grid_columns: Tiles per row of the grid (default: a grid about ``aspect`` times as wide as tall).
        aspect: Width / height the grid aims for when ``grid_columns`` is not given.

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
    row = spacing.row_height

    columns = columns or default_columns(area)
    band_rows = np.ceil(band_size / columns)
    # Depth where each band starts inside its tile: the rows (and gaps) of the area's earlier bands.
    step = band_rows * row + spacing.band_gap
    before = np.cumsum(step) - step
    first_band_of_area = np.r_[True, band_area[1:] != band_area[:-1]]
    area_first = before[np.flatnonzero(first_band_of_area)]
    band_y0 = before - np.repeat(area_first, np.diff(np.r_[np.flatnonzero(first_band_of_area), len(band_area)]))
    tile_rows = float(np.max(band_y0 + band_rows * row))

    tile_w = columns + spacing.tile_gap
    tile_h = spacing.header + tile_rows + spacing.tile_gap
    if grid_columns is None:
        grid_columns = math.ceil(math.sqrt(n_areas * tile_h / tile_w * aspect))
    grid_columns = max(1, min(n_areas, grid_columns))
    ids = np.arange(n_areas)
    tile_x = (ids % grid_columns) * tile_w
    tile_y = (ids // grid_columns) * tile_h

    rank = np.arange(n) - band_start[band_of]
    x_sorted = tile_x[a] + rank % columns
    y_sorted = -(tile_y[a] + spacing.header + band_y0[band_of] + (rank // columns) * row)
    x = np.empty(n, dtype=np.float32)
    y = np.empty(n, dtype=np.float32)
    x[order], y[order] = x_sorted, y_sorted

    top = tile_y[band_area] + spacing.header + band_y0 - 0.5 * row
    band_box = np.stack(
        [tile_x[band_area] - 0.5, tile_x[band_area] + columns - 0.5, -top, -(top + band_rows * row)], axis=1
    ).astype(np.float32)

    venue_x, venue_y = _venue_positions(venue_area, tile_x, tile_y, columns, spacing)
    grid_rows = math.ceil(n_areas / grid_columns)
    return TownLayout(
        x,
        y,
        columns,
        band_area,
        band_district,
        band_box,
        tile_x,
        tile_y,
        spacing.header + tile_rows - 0.5 * row,
        venue_x,
        venue_y,
        grid_columns * tile_w,
        grid_rows * tile_h,
        spacing,
    )


def venue_spacing(columns: int, spacing: Spacing = DOTS) -> float:
    """Distance between venues in a tile's header (slots): at most a dozen across a tile unless fixed."""
    return spacing.venue_spacing if spacing.venue_spacing is not None else max(1.6, columns / 12)


def _venue_positions(venue_area, tile_x, tile_y, columns, spacing: Spacing) -> tuple[np.ndarray, np.ndarray]:
    """Venues side by side in their tile's header, right-aligned clear of its name (wrapping onto more lines)."""
    if venue_area is None or len(venue_area) == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    venue_area = np.asarray(venue_area, dtype=np.int64)
    order = np.argsort(venue_area, kind="stable")
    sorted_area = venue_area[order]
    first = np.searchsorted(sorted_area, sorted_area, "left")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first
    gap = venue_spacing(columns, spacing)
    clear = columns * 0.5 if spacing.name_width is None else spacing.name_width
    per_line = max(1, int((columns - clear) / gap))
    x = tile_x[venue_area] + columns - 1 - (rank % per_line) * gap  # from the right, clear of the name
    y = -(tile_y[venue_area] + spacing.venue_top + (rank // per_line) * spacing.venue_line)
    return x.astype(np.float32), y.astype(np.float32)
