"""A raster index of area boundaries: most points resolve by a cell lookup.

The plane (RD New) is cut into square cells of ``cell_m`` metres. A cell that holds any
part of any area boundary is a *boundary cell*; every other cell lies wholly inside the
same areas as its neighbours without a boundary between them, so connected runs of such
cells (found with :func:`scipy.ndimage.label`) are tested once, at one cell centre, and
every point in them takes that answer by lookup. Only points in boundary cells are tested
exactly, against the areas whose envelope meets their cell.

The answer for a point is the smallest code among the areas whose closed region holds it
(``shapely.intersects``): a point on a shared edge gets one deterministic code, the same
a plain ``sjoin(predicate="intersects")`` keeping the smallest code would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

__all__ = ["AreaIndex", "auto_cell_size", "build_area_index"]

#: Grid values of cells that are not a lookup answer.
_BOUNDARY = -2
_OUTSIDE = -1
#: Boundary cells are marked a little generously so float noise cannot hide an edge.
_EPS_M = 1e-6


@dataclass(frozen=True)
class AreaIndex:
    """Areas sorted by code, with a raster of lookup answers.

    Attributes
    ----------
    codes
        Area codes, sorted; an area's position is its rank.
    geoms
        Area polygons in the same order (prepared).
    x0, y0
        Lower-left corner of the raster, metres (RD New).
    cell_m
        Cell size, metres.
    grid
        ``(ny, nx)`` raster: the rank of the area holding the whole cell, ``-1`` for a
        cell outside every area, ``-2`` for a boundary cell.
    tree
        STRtree over ``geoms``.
    """

    codes: np.ndarray
    geoms: np.ndarray
    x0: float
    y0: float
    cell_m: float
    grid: np.ndarray
    tree: shapely.STRtree

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the rank of the area holding each point, or -1 (none or no location).

        Parameters
        ----------
        x, y
            Coordinates in RD New; NaN for a missing location.

        Returns
        -------
        numpy.ndarray
            ``int32`` ranks into :attr:`codes`.
        """
        ny, nx = self.grid.shape
        out = np.full(len(x), _OUTSIDE, dtype=np.int32)
        finite = np.isfinite(x) & np.isfinite(y)
        with np.errstate(invalid="ignore"):
            ix = np.floor((x - self.x0) / self.cell_m)
            iy = np.floor((y - self.y0) / self.cell_m)
        inside = finite & (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        rows = np.flatnonzero(inside)
        cell = iy[rows].astype(np.int64) * nx + ix[rows].astype(np.int64)
        value = self.grid.ravel()[cell].astype(np.int32)
        out[rows] = value
        exact = value == _BOUNDARY
        if exact.any():
            out[rows[exact]] = self._exact(x[rows[exact]], y[rows[exact]], cell[exact])
        return out

    def _exact(self, x: np.ndarray, y: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Exact test of points in boundary cells against areas whose envelope meets it."""
        nx = self.grid.shape[1]
        cells, inverse = np.unique(cell, return_inverse=True)
        cx = self.x0 + (cells % nx) * self.cell_m
        cy = self.y0 + (cells // nx) * self.cell_m
        boxes = shapely.box(cx, cy, cx + self.cell_m, cy + self.cell_m)
        cell_i, area_i = self.tree.query(boxes)  # envelopes only: a superset, cheap
        order = np.lexsort((area_i, cell_i))
        cell_i, area_i = cell_i[order], area_i[order]
        counts = np.bincount(cell_i, minlength=len(cells))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        n_cand = counts[inverse]
        point = np.repeat(np.arange(len(x)), n_cand)
        offset = np.arange(len(point)) - np.repeat(np.cumsum(n_cand) - n_cand, n_cand)
        area = area_i[np.repeat(starts[inverse], n_cand) + offset]
        hit = shapely.intersects_xy(self.geoms[area], x[point], y[point])
        out = np.full(len(x), _OUTSIDE, dtype=np.int32)
        # Candidates are sorted by rank within a cell: the first hit is the smallest code.
        hit_point, first = np.unique(point[hit], return_index=True)
        out[hit_point] = area[hit][first]
        return out


def _boundary_cells(
    geoms: np.ndarray, x0: float, y0: float, cell_m: float, shape: tuple[int, int]
) -> np.ndarray:
    """Boolean raster of every cell that holds a point of any area boundary."""
    ny, nx = shape
    mask = np.zeros(shape, dtype=bool)
    rings = shapely.get_rings(shapely.get_parts(geoms))  # rings of polygons only
    dense = shapely.segmentize(rings, max_segment_length=cell_m * 0.99)
    coords, ring = shapely.get_coordinates(dense, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    lo = np.minimum(a, b) - _EPS_M
    hi = np.maximum(a, b) + _EPS_M
    ix0 = np.floor((lo[:, 0] - x0) / cell_m).astype(np.int64)
    iy0 = np.floor((lo[:, 1] - y0) / cell_m).astype(np.int64)
    ix1 = np.floor((hi[:, 0] - x0) / cell_m).astype(np.int64)
    iy1 = np.floor((hi[:, 1] - y0) / cell_m).astype(np.int64)
    # A segment shorter than a cell spans at most three cells per axis (with the margin).
    flat = []
    for dx in range(3):
        for dy in range(3):
            sel = (ix0 + dx <= ix1) & (iy0 + dy <= iy1)
            cy = np.clip(iy0[sel] + dy, 0, ny - 1)
            cx = np.clip(ix0[sel] + dx, 0, nx - 1)
            flat.append(cy * nx + cx)
    mask.ravel()[np.concatenate(flat)] = True
    return mask


def _one_cell_per_label(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Return, for labels 1..n, the flat index of one cell carrying each.

    Any cell of a label will do (a run of interior cells lies wholly in the same areas),
    so one scatter per block of rows finds them: the cell written last wins.
    """
    ny, nx = labels.shape
    found = np.full(n_labels + 1, -1, dtype=np.int64)
    step = max(1, 2**20 // max(nx, 1))  # about a million cells per block
    for r0 in range(0, ny, step):
        block = labels[r0 : r0 + step].ravel()
        found[block] = np.arange(r0 * nx, r0 * nx + len(block), dtype=np.int64)
    return found[1:]


def auto_cell_size(geoms: np.ndarray) -> float:
    """Pick a raster cell size for a layer: a twentieth of a typical area's width.

    Snapped to 25, 50, 100 or 200 m: about 50 m for the CBS buurten, 100 m for wijken.
    """
    areas = shapely.area(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))])
    if not len(areas):
        return 50.0
    width = float(np.sqrt(np.median(areas))) / 20.0
    return float(min((25.0, 50.0, 100.0, 200.0), key=lambda c: abs(np.log(c / max(width, 1e-9)))))


def build_area_index(
    codes: np.ndarray, geoms: np.ndarray, *, cell_m: float | None = None
) -> AreaIndex:
    """Build an :class:`AreaIndex` over polygons with unique codes.

    Parameters
    ----------
    codes
        Unique area codes.
    geoms
        Their (valid) polygons, RD New.
    cell_m
        Raster cell size in metres; smaller cells send fewer points to the exact test
        but cost memory (the Netherlands at 50 m is 35 million cells, 70 MB). By default
        :func:`auto_cell_size`.

    Returns
    -------
    AreaIndex
        The index; areas reordered by code.
    """
    if cell_m is None:
        cell_m = auto_cell_size(np.asarray(geoms, dtype=object))
    order = np.argsort(np.asarray(codes, dtype=str), kind="stable")
    codes = np.asarray(codes, dtype=object)[order]
    geoms = np.asarray(geoms, dtype=object)[order]
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    shapely.prepare(geoms[keep])
    usable = geoms.copy()
    usable[~keep] = None  # a missing geometry is never a query hit
    tree = shapely.STRtree(usable)
    if not keep.any():
        grid = np.full((1, 1), _OUTSIDE, dtype=np.int16)
        return AreaIndex(codes, geoms, 0.0, 0.0, cell_m, grid, tree)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[keep])
    x0 = np.floor(xmin / cell_m) * cell_m - cell_m
    y0 = np.floor(ymin / cell_m) * cell_m - cell_m
    nx = int(np.floor((xmax - x0) / cell_m)) + 2
    ny = int(np.floor((ymax - y0) / cell_m)) + 2
    boundary = _boundary_cells(geoms[keep], x0, y0, cell_m, (ny, nx))
    labels, n_parts = ndimage.label(~boundary)  # 4-connected runs of interior cells
    del boundary
    one_cell = _one_cell_per_label(labels, n_parts)
    cx = x0 + (one_cell % nx + 0.5) * cell_m
    cy = y0 + (one_cell // nx + 0.5) * cell_m
    part_i, area_i = tree.query(shapely.points(cx, cy), predicate="intersects")
    none = np.iinfo(np.int32).max
    rank = np.full(n_parts + 1, none, dtype=np.int32)
    np.minimum.at(rank, part_i + 1, area_i.astype(np.int32))  # smallest code per run
    rank[rank == none] = _OUTSIDE
    rank[0] = _BOUNDARY
    dtype = np.int16 if len(codes) < np.iinfo(np.int16).max else np.int32
    grid = rank.astype(dtype)[labels]
    return AreaIndex(codes, geoms, float(x0), float(y0), float(cell_m), grid, tree)
