"""Where each village is drawn: a tile map of China's 31 provinces, villages grouped by county.

Each province is one square tile placed roughly where it lies (north at the
top, the west on the left), so that neighbours stay neighbours and every
province is readable, Shanghai as much as Xinjiang. Each row of tiles has a
band above it for the provinces' labels, so no label touches a tile. Inside a tile the
province's villages fill a square grid in county order, so the villages of
one county sit together; a province with few villages has fewer, larger
cells (the tile's label gives the count). The layout is a drawing
convention, not data: it has no effect on the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: (column, row) of each province's tile; row 0 is the north.
TILES: dict[str, tuple[int, int]] = {
    "Heilongjiang": (7, 0),
    "Inner Mongolia": (4, 1), "Beijing": (5, 1), "Tianjin": (6, 1), "Jilin": (7, 1),
    "Xinjiang": (0, 2), "Gansu": (2, 2), "Ningxia": (3, 2), "Shanxi": (4, 2), "Hebei": (5, 2),
    "Shandong": (6, 2), "Liaoning": (7, 2),
    "Qinghai": (1, 3), "Shaanxi": (3, 3), "Henan": (4, 3), "Anhui": (5, 3), "Jiangsu": (6, 3),
    "Shanghai": (7, 3),
    "Tibet": (1, 4), "Sichuan": (2, 4), "Chongqing": (3, 4), "Hubei": (4, 4), "Jiangxi": (5, 4),
    "Zhejiang": (6, 4),
    "Yunnan": (2, 5), "Guizhou": (3, 5), "Hunan": (4, 5), "Guangdong": (5, 5), "Fujian": (6, 5),
    "Guangxi": (4, 6), "Hainan": (5, 6),
}
#: Share of a tile's side left as a gap between tiles.
GAP = 0.12
#: Height of the band above each tile that holds its label, as a share of a tile's side.
LABEL_BAND = 0.26
#: Height of a row of tiles with its label band.
ROW = 1.0 + LABEL_BAND


@dataclass(frozen=True)
class MapLayout:
    """Drawing positions of villages and province tiles.

    Attributes:
        x: Horizontal position of each village (tile units, west to east).
        y: Vertical position of each village (tile units, north at 0, growing south).
        tile_x: Left edge of each province's tile, in province row order.
        tile_y: Top edge of each province's tile.
        pitch: Side of each village's cell (tile units).
        counts: Villages in each province.
        width: Width of the whole map (tile units).
        height: Height of the whole map, label bands included.
        tile_size: Side of a tile (1 minus the gap).
    """

    x: np.ndarray
    y: np.ndarray
    tile_x: np.ndarray
    tile_y: np.ndarray
    pitch: np.ndarray
    counts: np.ndarray
    width: float
    height: float
    tile_size: float = 1.0 - GAP


def map_layout(province: np.ndarray, county: np.ndarray, names: tuple[str, ...]) -> MapLayout:
    """Positions of villages (by province row ``province`` and county row ``county``).

    Args:
        province: Province row of each village.
        county: County row of each village.
        names: Province names by row (each must have a tile in :data:`TILES`).

    Raises:
        KeyError: for a province without a tile.
    """
    tiles = np.array([TILES[name] for name in names], float)
    counts = np.bincount(province, minlength=len(names))
    cells = np.maximum(1, np.ceil(np.sqrt(counts))).astype(np.int64)[province]
    order = np.lexsort((np.arange(len(province)), county, province))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(province), np.int64)
    rank[order] = np.arange(len(province)) - first[province[order]]
    pitch = (1.0 - GAP) / cells
    col, row = rank % cells, rank // cells
    left = tiles[:, 0] + GAP / 2
    top = tiles[:, 1] * ROW + LABEL_BAND
    x = left[province] + (col + 0.5) * pitch
    y = top[province] + (row + 0.5) * pitch
    return MapLayout(x=x, y=y, tile_x=left, tile_y=top, pitch=np.broadcast_to(pitch, x.shape).astype(float),
                     counts=counts, width=float(tiles[:, 0].max() + 1),
                     height=float(tiles[:, 1].max() * ROW + LABEL_BAND + 1.0))


__all__ = ["GAP", "LABEL_BAND", "ROW", "TILES", "MapLayout", "map_layout"]
