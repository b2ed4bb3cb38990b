"""Geometry for web maps: simplified without gaps, quantised, in WGS84 for Leaflet.

Neighbouring areas must keep sharing their edges, or the map shows slivers of background
between them. Two steps keep that: the whole layer is simplified as one coverage (a shared
edge is simplified once, for both sides), and vertices are snapped to whole metres in RD New
before reprojection, so two copies of one vertex stay one point.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from zicht._errors import CRSError
from zicht.schemas import RD_NEW

__all__ = ["DECIMALS", "simplify_areas", "to_web_geometry"]

# 6 decimals of a degree are 0.11 m north-south and 0.07 m east-west at 52° N: finer than the
# 1 m grid the vertices are snapped to, so rounding never merges or splits vertices.
DECIMALS = 6
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def simplify_areas(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify a layer of areas in a metric CRS, keeping shared edges shared.

    Parameters
    ----------
    geoms
        Shapely geometries in a metric CRS.
    tolerance_m
        Simplification tolerance in metres; ``0`` returns the input.

    Returns
    -------
    numpy.ndarray
        Simplified geometries, aligned to ``geoms``. A valid polygon coverage is simplified
        with ``shapely.coverage_simplify``; other layers geometry by geometry with topology
        preserved.

    Examples
    --------
    >>> squares = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)])
    >>> simplify_areas(squares, 1.0)[0].equals(squares[0])
    True
    """
    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    types = shapely.get_type_id(geoms)
    if np.isin(types, _POLYGONAL).all() and bool(shapely.coverage_is_valid(geoms)):
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    # A tiny area can vanish when simplified; keep it as it was rather than lose a feature.
    lost = shapely.is_empty(simplified) & ~shapely.is_empty(geoms)
    simplified[lost] = geoms[lost]
    return simplified


def to_web_geometry(frame: gpd.GeoDataFrame, tolerance_m: float) -> np.ndarray:
    """Return a layer's geometry simplified, snapped to 1 m and in WGS84 with 6 decimals.

    Parameters
    ----------
    frame
        A layer with a CRS. Layers in a geographic CRS are first projected to RD New
        (EPSG:28992) for the metric steps.
    tolerance_m
        Simplification tolerance for polygons, in metres.

    Returns
    -------
    numpy.ndarray
        Shapely geometries in EPSG:4326 (x = longitude), aligned to the frame.

    Raises
    ------
    CRSError
        If the frame has no CRS.
    """
    if frame.crs is None:
        raise CRSError(f"a map layer has no CRS; set it ({RD_NEW} for Dutch layers) first")
    series = frame.geometry
    if not series.crs.is_projected:
        series = series.to_crs(RD_NEW)
    geoms = np.asarray(series.values, dtype=object)
    geoms = simplify_areas(geoms, tolerance_m)
    snapped = shapely.transform(geoms, np.rint)
    lost = shapely.is_empty(snapped) & ~shapely.is_empty(geoms)
    snapped[lost] = geoms[lost]
    web = gpd.GeoSeries(snapped, crs=series.crs).to_crs(4326).values
    return np.asarray(
        shapely.transform(np.asarray(web, dtype=object), lambda xy: np.round(xy, DECIMALS)),
        dtype=object,
    )
