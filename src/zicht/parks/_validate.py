"""Validating a park boundary set: every problem found and listed at once.

A boundary set is a GeoDataFrame with one (Multi)Polygon per park and the required
attributes ``park_id``, ``name`` and ``source``. :func:`check_boundaries` lists every problem
as a row of a table (park, check, detail); :func:`validate_boundaries` raises one error that
names them all, or returns the set in RD New with MultiPolygons.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import GeometryError, SchemaError
from zicht.parks._derive import is_rd, to_multipolygon
from zicht.schemas import RD_NEW

__all__ = [
    "BOUNDARY_SOURCES",
    "RD_BOUNDS",
    "REQUIRED_COLUMNS",
    "check_boundaries",
    "validate_boundaries",
]

REQUIRED_COLUMNS = ("park_id", "name", "source")
#: How a boundary came to be: derived by a rule, edited or drawn by hand, or from a supplier.
BOUNDARY_SOURCES = ("derived", "edited", "drawn", "supplier")
#: The area where RD New is defined (EPSG:28992 area of use), in RD metres.
RD_BOUNDS = (646.36, 308_975.28, 276_050.82, 636_456.31)

_SCHEMA_CHECKS = ("column", "crs", "park_id", "name", "source")


def _problem(park: object, check: str, detail: str) -> dict[str, str]:
    return {"park_id": "" if park is None else str(park), "check": check, "detail": detail}


def _ids(frame: gpd.GeoDataFrame) -> np.ndarray:
    if "park_id" in frame:
        return np.array(frame["park_id"].astype("object").fillna("").astype("str"), dtype=object)
    return np.array([f"row {i}" for i in range(len(frame))], dtype=object)


def _check_attributes(frame: gpd.GeoDataFrame, ids: np.ndarray) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    for col in REQUIRED_COLUMNS:
        if col not in frame:
            problems.append(
                _problem(None, "column", f"required attribute {col!r} is missing from every park")
            )
    for col in ("park_id", "name"):
        if col not in frame:
            continue
        text = frame[col].astype("object").where(frame[col].notna(), "").astype("str").str.strip()
        for i in np.flatnonzero((text == "").to_numpy()):
            problems.append(_problem(ids[i] or f"row {i}", col, f"{col} is empty"))
        key = text.str.casefold()
        dupes = key[(key != "") & key.duplicated(keep=False)]
        for value, rows in dupes.groupby(dupes).groups.items():
            shown = text[rows[0]]
            problems.append(
                _problem(
                    shown if col == "park_id" else ids[rows[0]],
                    col,
                    f"{col} {shown!r} is used by {len(rows)} parks (rows "
                    f"{', '.join(str(r) for r in rows[:5])}); {col}s must be unique"
                    + (" (compared case-insensitively)" if col == "name" else ""),
                )
            )
            del value
    if "source" in frame:
        source = frame["source"].astype("object").fillna("").astype("str")
        for i in np.flatnonzero(~source.isin(BOUNDARY_SOURCES).to_numpy()):
            problems.append(
                _problem(
                    ids[i],
                    "source",
                    f"source {source.iloc[i]!r} is not one of {BOUNDARY_SOURCES}",
                )
            )
    return problems


def _check_geometry(
    geoms: np.ndarray,
    ids: np.ndarray,
    *,
    netherlands: shapely.Geometry | None,
    min_area_m2: float,
    max_area_m2: float,
    overlap_tolerance_m2: float,
) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    usable = np.zeros(len(geoms), dtype=bool)
    for i, geom in enumerate(geoms):
        if geom is None or shapely.is_missing(geom) or geom.is_empty:
            problems.append(_problem(ids[i], "geometry", "geometry is missing or empty"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                _problem(ids[i], "geometry", f"geometry is a {geom.geom_type}, not a polygon")
            )
        elif not geom.is_valid:
            problems.append(
                _problem(ids[i], "geometry", f"invalid polygon: {shapely.is_valid_reason(geom)}")
            )
        else:
            usable[i] = True
    rows = np.flatnonzero(usable)
    ok = geoms[rows]
    if len(ok) == 0:
        return problems
    area = shapely.area(ok)
    for row, a in zip(rows, area, strict=True):
        if a < min_area_m2 or a > max_area_m2:
            problems.append(
                _problem(
                    ids[row],
                    "area",
                    f"area {a / 1e4:,.2f} ha lies outside the plausible "
                    f"{min_area_m2 / 1e4:g}–{max_area_m2 / 1e4:g} ha",
                )
            )
    minx, maxx, miny, maxy = RD_BOUNDS
    bounds = shapely.bounds(ok)
    outside_rd = (
        (bounds[:, 0] < minx)
        | (bounds[:, 2] > maxx)
        | (bounds[:, 1] < miny)
        | (bounds[:, 3] > maxy)
    )
    if netherlands is not None:
        shapely.prepare(netherlands)
        outside = ~shapely.within(ok, netherlands) | outside_rd
    else:
        outside = outside_rd
    for i in rows[outside]:
        problems.append(
            _problem(
                ids[i],
                "netherlands",
                "lies (partly) outside the Netherlands"
                + ("" if netherlands is not None else " (outside the RD New area)")
                + "; was the file in another CRS?",
            )
        )
    tree = shapely.STRtree(ok)
    left, right = tree.query(ok, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left):
        overlap = shapely.area(shapely.intersection(ok[left], ok[right]))
        for a, b, o in zip(left, right, overlap, strict=True):
            if o > overlap_tolerance_m2:
                problems.append(
                    _problem(
                        ids[rows[a]],
                        "overlap",
                        f"overlaps park {ids[rows[b]]} by {o:,.0f} m²; parks may not overlap",
                    )
                )
    return problems


def check_boundaries(
    frame: gpd.GeoDataFrame,
    *,
    netherlands: shapely.Geometry | None = None,
    min_area_m2: float = 1_000.0,
    max_area_m2: float = 5_000_000.0,
    overlap_tolerance_m2: float = 1.0,
) -> pd.DataFrame:
    """List every problem of a boundary set.

    Checks: required attributes present and filled (``park_id``, ``name``, ``source``), ids
    and names unique, ``source`` one of :data:`BOUNDARY_SOURCES`, a CRS is declared,
    geometries are valid non-empty polygons, no two parks overlap by more than
    ``overlap_tolerance_m2``, every park lies inside the Netherlands, and its area is
    plausible.

    Parameters
    ----------
    frame
        The boundary set, in any declared CRS (converted to EPSG:28992 for the checks).
    netherlands
        The country as one polygon in EPSG:28992 (e.g. the union of the CBS gemeenten);
        without it, parks are only checked against the area of RD New.
    min_area_m2, max_area_m2
        The plausible area of one park.
    overlap_tolerance_m2
        Overlaps up to this area are rounding, not a problem.

    Returns
    -------
    pandas.DataFrame
        One row per problem: ``park_id``, ``check``, ``detail``; empty when the set is valid.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parks = gpd.GeoDataFrame(
    ...     {"park_id": ["A", "A"], "name": ["Bos", ""], "source": ["drawn", "drawn"]},
    ...     geometry=[shapely.box(150_000, 450_000, 150_200, 450_200)] * 2, crs=RD_NEW)
    >>> check_boundaries(parks)["check"].tolist()
    ['park_id', 'name', 'overlap']
    """
    ids = _ids(frame)
    problems = _check_attributes(frame, ids)
    if frame.crs is None:
        problems.append(
            _problem(None, "crs", "the file declares no CRS; write it with one (GeoJSON is WGS84)")
        )
        geoms = np.asarray(frame.geometry.array, dtype=object)
        problems.extend(
            p
            for p in _check_geometry(
                geoms,
                ids,
                netherlands=None,
                min_area_m2=0,
                max_area_m2=np.inf,
                overlap_tolerance_m2=overlap_tolerance_m2,
            )
            if p["check"] == "geometry"
        )
    else:
        rd = frame.to_crs(RD_NEW) if not is_rd(frame.crs) else frame
        problems.extend(
            _check_geometry(
                np.asarray(rd.geometry.array, dtype=object),
                ids,
                netherlands=netherlands,
                min_area_m2=min_area_m2,
                max_area_m2=max_area_m2,
                overlap_tolerance_m2=overlap_tolerance_m2,
            )
        )
    return pd.DataFrame.from_records(problems, columns=["park_id", "check", "detail"])


def validate_boundaries(
    frame: gpd.GeoDataFrame,
    *,
    subject: str = "park boundaries",
    netherlands: shapely.Geometry | None = None,
    min_area_m2: float = 1_000.0,
    max_area_m2: float = 5_000_000.0,
    overlap_tolerance_m2: float = 1.0,
) -> gpd.GeoDataFrame:
    """Validate a boundary set and return it in EPSG:28992 with MultiPolygons.

    Parameters
    ----------
    frame
        The boundary set; not modified.
    subject
        What is validated (a file name), named in the error.
    netherlands, min_area_m2, max_area_m2, overlap_tolerance_m2
        See :func:`check_boundaries`.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:28992, ``park_id``, ``name`` and ``source`` as strings, geometries
        as MultiPolygons.

    Raises
    ------
    SchemaError
        If only attributes are wrong (missing, empty, duplicated) or the CRS is missing.
    GeometryError
        If any geometry is wrong; the message lists the attribute problems too.
    """
    problems = check_boundaries(
        frame,
        netherlands=netherlands,
        min_area_m2=min_area_m2,
        max_area_m2=max_area_m2,
        overlap_tolerance_m2=overlap_tolerance_m2,
    )
    if len(problems):
        listing = "\n".join(
            f"  - [{row.check}] {row.park_id + ': ' if row.park_id else ''}{row.detail}"
            for row in problems.itertuples()
        )
        error = SchemaError if problems["check"].isin(_SCHEMA_CHECKS).all() else GeometryError
        raise error(f"{subject}: {len(problems)} problem(s)\n{listing}")
    out = frame.to_crs(RD_NEW) if not is_rd(frame.crs) else frame.copy()
    for col in REQUIRED_COLUMNS:
        out[col] = out[col].astype("str").str.strip()
    return out.set_geometry(
        gpd.GeoSeries([to_multipolygon(g) for g in out.geometry], index=out.index, crs=RD_NEW)
    )
