"""Joining units onto H3 cells and CBS area codes.

Every function returns values aligned to the input index, and every input row is
accounted for in a :class:`JoinReport`: joined, or not joined with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from zicht._errors import ConfigError, CRSError, SchemaError

__all__ = [
    "REASON_MISSING_LOCATION",
    "REASON_OUTSIDE_AREAS",
    "JoinReport",
    "assign_areas",
    "assign_h3",
    "cells_to_polygons",
    "h3_to_str",
    "join_units",
]

REASON_MISSING_LOCATION = "missing or empty location"
REASON_OUTSIDE_AREAS = "outside every buurt"

_TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


@dataclass
class JoinReport:
    """Accounts for every input row of a join.

    Attributes
    ----------
    rows_in
        Rows offered to the join.
    joined
        Rows that got every key.
    not_joined
        Rows that did not, counted per reason.
    """

    rows_in: int
    joined: int
    not_joined: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """True when joined plus not joined equals the rows offered."""
        return self.joined + sum(self.not_joined.values()) == self.rows_in

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "rows_in": self.rows_in,
            "joined": self.joined,
            "not_joined": dict(self.not_joined),
            "balanced": self.balanced,
        }


def _point_xy(points: gpd.GeoSeries | gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return x, y of every point and a mask of rows that have one."""
    geoms = points.geometry.array if isinstance(points, gpd.GeoDataFrame) else points.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if has.any():
        xy[has] = shapely.get_coordinates(geoms[has])
    return xy, has


def _require_rd(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if frame.crs is None:
        raise CRSError(f"{what} has no CRS; set it (EPSG:28992 expected)")
    if frame.crs.to_epsg() != 28992:
        raise CRSError(f"{what} is in {frame.crs.to_string()}; convert it to EPSG:28992 first")


def assign_h3(points: gpd.GeoDataFrame | gpd.GeoSeries, resolution: int = 9) -> pd.Series:
    """Assign every point the H3 cell that contains it.

    Parameters
    ----------
    points
        Points in EPSG:28992.
    resolution
        H3 resolution, 7 to 12.

    Returns
    -------
    pandas.Series
        Nullable ``Int64`` H3 ids aligned to ``points.index``; missing where a point has
        no location.

    Raises
    ------
    ConfigError
        If the resolution is outside 7–12.
    CRSError
        If the points are not in EPSG:28992.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> pts = gpd.GeoSeries([Point(174000, 448000)], crs=28992)
    >>> h3_to_str(assign_h3(pts, 9)).iloc[0]
    '891969a9acfffff'
    """
    if not 7 <= resolution <= 12:
        raise ConfigError(f"H3 resolution must be 7 to 12, got {resolution}")
    _require_rd(points, "points")
    xy, has = _point_xy(points)
    lon, lat = _TO_WGS84.transform(xy[has, 0], xy[has, 1])
    cells = np.zeros(len(xy), dtype="int64")
    cells[has] = [h3i.latlng_to_cell(la, lo, resolution) for la, lo in zip(lat, lon, strict=True)]
    out = pd.Series(pd.array(cells, dtype="Int64"), index=points.index, name=f"h3_r{resolution}")
    out[~has] = pd.NA
    return out


def h3_to_str(cells: pd.Series) -> pd.Series:
    """Convert 64-bit H3 ids to their hexadecimal string form (for export)."""
    return cells.map(lambda c: h3i.int_to_str(int(c)) if pd.notna(c) else pd.NA).astype("str")


def cells_to_polygons(cells: pd.Series | np.ndarray) -> gpd.GeoSeries:
    """Return the hexagon of every H3 cell as a polygon in EPSG:28992.

    Parameters
    ----------
    cells
        64-bit H3 ids.

    Returns
    -------
    geopandas.GeoSeries
        Polygons in RD New, aligned to ``cells`` (index kept when a Series is given).
    """
    ids = np.asarray(cells, dtype="int64")
    rings = [h3i.cell_to_boundary(int(c)) for c in ids]
    polygons = [shapely.Polygon([(lng, lat) for lat, lng in ring]) for ring in rings]
    index = cells.index if isinstance(cells, pd.Series) else None
    return gpd.GeoSeries(polygons, index=index, crs="EPSG:4326").to_crs("EPSG:28992")


def assign_areas(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    boundaries: gpd.GeoDataFrame,
    *,
    prefix: str = "buurt",
) -> pd.DataFrame:
    """Assign every point the code of the area that contains it.

    A point on a shared boundary touches two areas; it gets the smallest code, so the
    answer is deterministic.

    Parameters
    ----------
    points
        Points in EPSG:28992.
    boundaries
        Areas in EPSG:28992 with a unique ``code`` column.
    prefix
        Name of the output code column, e.g. ``"buurt"`` gives ``buurt_code``.

    Returns
    -------
    pandas.DataFrame
        One column ``{prefix}_code`` aligned to ``points.index``; missing where the point
        lies in no area or has no location.

    Raises
    ------
    CRSError
        If either layer is not in EPSG:28992.
    SchemaError
        If ``boundaries`` lacks a ``code`` column.
    """
    _require_rd(points, "points")
    _require_rd(boundaries, f"{prefix} boundaries")
    if "code" not in boundaries:
        raise SchemaError(f"{prefix} boundaries lack a 'code' column")
    xy, has = _point_xy(points)
    tree = shapely.STRtree(boundaries.geometry.array)
    query = shapely.points(xy[has])
    pt_idx, area_idx = tree.query(query, predicate="intersects")
    codes = boundaries["code"].astype("str").to_numpy()
    pairs = pd.DataFrame({"pt": pt_idx, "code": codes[area_idx]})
    first = pairs.sort_values(["pt", "code"]).drop_duplicates("pt")
    out = np.full(len(xy), None, dtype=object)
    rows = np.flatnonzero(has)
    out[rows[first["pt"].to_numpy()]] = first["code"].to_numpy()
    column = pd.array(out, dtype="str")
    return pd.DataFrame({f"{prefix}_code": column}, index=points.index)


def join_units(
    units: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    resolution: int = 9,
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Give every unit its H3 cell and buurt, wijk and gemeente codes.

    Wijk and gemeente codes derive from the buurt code (``BU02280101`` lies in
    ``WK022801`` in ``GM0228``), so the three levels nest by construction.

    Parameters
    ----------
    units
        Points in EPSG:28992.
    buurten
        Buurt boundaries with ``code``.
    resolution
        H3 resolution.

    Returns
    -------
    tuple of (GeoDataFrame, JoinReport)
        A copy of ``units`` with ``h3_r{resolution}``, ``buurt_code``, ``wijk_code``,
        ``gemeente_code`` and ``joined``; and the report of what did not join and why.
    """
    cells = assign_h3(units, resolution)
    areas = assign_areas(units, buurten, prefix="buurt")
    out = units.copy()
    out[cells.name] = cells
    out["buurt_code"] = areas["buurt_code"]
    buurt = out["buurt_code"]
    out["wijk_code"] = ("WK" + buurt.str.slice(2, 8)).where(buurt.notna())
    out["gemeente_code"] = ("GM" + buurt.str.slice(2, 6)).where(buurt.notna())
    no_location = cells.isna()
    outside = ~no_location & buurt.isna()
    out["joined"] = ~(no_location | outside)
    report = JoinReport(
        rows_in=len(units),
        joined=int(out["joined"].sum()),
        not_joined={
            REASON_MISSING_LOCATION: int(no_location.sum()),
            REASON_OUTSIDE_AREAS: int(outside.sum()),
        },
    )
    return out, report
