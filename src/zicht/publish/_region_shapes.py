"""The shapes of regions: H3 cells over area polygons, and each region's polygon.

Part of :mod:`zicht.publish._regions`: :func:`cover_areas_with_cells` gives the pieces of
empty ground (every H3 cell overlapping a buurt), and :func:`region_geometries` draws a
region as its hexagons clipped to the buurten it nests in, unioned.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely

from zicht._errors import DisclosureError
from zicht._h3 import map_in_threads
from zicht._validate import require_rd
from zicht.publish._regions import _TO_RD, RegionPlan
from zicht.schemas import RD_NEW

__all__ = ["cover_areas_with_cells", "region_geometries"]


def cover_areas_with_cells(areas: gpd.GeoSeries, resolution: int) -> pd.DataFrame:
    """Return every ``(cell, area)`` pair where an H3 cell overlaps an area polygon.

    Parameters
    ----------
    areas
        Area polygons in EPSG:28992, indexed by area code.
    resolution
        H3 resolution.

    Returns
    -------
    pandas.DataFrame
        Columns ``cell`` (64-bit H3 id) and ``code``.
    """
    import pyarrow as pa
    from h3ronpy import ContainmentMode
    from h3ronpy.vector import wkb_to_cells

    require_rd(areas, "area polygons", DisclosureError)
    wgs = areas.to_crs(4326)
    geoms = wgs.to_numpy()
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # every polygon at once (h3o): the cells h3's contain="overlap" gives, area by area
    found = pa.array(
        wkb_to_cells(
            pa.array(shapely.to_wkb(geoms[has])),
            resolution,
            containment_mode=ContainmentMode.IntersectsBoundary,
            flatten=False,
        )
    )
    cells = np.asarray(found.flatten(), dtype=np.uint64).astype(np.int64)
    codes = np.repeat(wgs.index.to_numpy()[has], np.diff(np.asarray(found.offsets)))
    out = pd.DataFrame({"cell": cells})
    out["code"] = pd.array(codes, dtype="str")
    return out.drop_duplicates().reset_index(drop=True)


def _hexagons_rd(cells: np.ndarray) -> np.ndarray:
    """Hexagons of 64-bit H3 ids as RD New polygons, built in one vectorised pass."""
    rings = [h3i.cell_to_boundary(int(c)) for c in cells]
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    flat = np.array([pt for ring in rings for pt in ring], dtype=np.float64).reshape(-1, 2)
    x, y = _TO_RD.transform(flat[:, 1], flat[:, 0])
    xy = np.column_stack([x, y])
    out = np.empty(len(cells), dtype=object)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    six = np.flatnonzero(sizes == 6)
    take = (starts[six][:, None] + np.arange(6)[None, :]).ravel()
    out[six] = shapely.polygons(xy[take].reshape(-1, 6, 2))
    # cells that cross an icosahedron edge have more vertices: few, built one by one
    for i in np.flatnonzero(sizes != 6):
        out[i] = shapely.Polygon(xy[starts[i] : starts[i] + sizes[i]])
    return out


def region_geometries(
    plan: RegionPlan,
    areas: Mapping[str, gpd.GeoSeries] | None = None,
) -> gpd.GeoSeries:
    """Return the polygon of every region: its cells clipped to the areas it nests in.

    Parameters
    ----------
    plan
        The regions.
    areas
        Polygons of the finest nest level (EPSG:28992) indexed by code, under the name of
        that level's column (e.g. ``{"buurt_code": buurten}``); pieces are clipped to them.
        Without it, regions are unions of whole hexagons.

    Returns
    -------
    geopandas.GeoSeries
        Polygons in EPSG:28992 indexed by ``region_id``.
    """
    pieces = plan.pieces
    unique_cells, inverse = np.unique(pieces["cell"].to_numpy(dtype=np.int64), return_inverse=True)
    hexagons = _hexagons_rd(unique_cells)[inverse]
    level = plan.nest[0]
    if areas is not None and level in areas:
        polygons = areas[level]
        clip = polygons.reindex(pieces[level].to_numpy()).to_numpy()
        has = ~(shapely.is_missing(clip) | shapely.is_empty(clip))
        idx = np.flatnonzero(has)
        shapely.prepare(clip[idx])
        inside = shapely.contains_properly(clip[idx], hexagons[idx])
        todo = idx[~inside]
        hexagons = hexagons.copy()
        cut = map_in_threads(
            shapely.intersection, len(todo), hexagons[todo], clip[todo], chunk=5_000
        )
        if cut:  # clipped on both cores (GEOS releases the GIL)
            hexagons[todo] = np.concatenate(cut)
    region_ids = pieces["region_id"].to_numpy()
    keep = ~shapely.is_empty(hexagons)
    hexagons, region_ids = hexagons[keep], region_ids[keep]
    order = np.argsort(region_ids, kind="stable")
    hexagons, region_ids = hexagons[order], region_ids[order]
    cuts = np.flatnonzero(np.r_[True, region_ids[1:] != region_ids[:-1]])
    ends = np.r_[cuts[1:], len(region_ids)]
    out = np.empty(len(cuts), dtype=object)
    single = ends - cuts == 1
    out[single] = hexagons[cuts[single]]
    for i in np.flatnonzero(~single):
        parts = hexagons[cuts[i] : ends[i]]
        try:
            out[i] = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:  # parts that overlap slightly: exact union
            out[i] = shapely.union_all(parts)
    bad = ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    series = gpd.GeoSeries(out, index=pd.Index(region_ids[cuts], name="region_id"), crs=RD_NEW)
    return series.reindex(plan.regions.index)
