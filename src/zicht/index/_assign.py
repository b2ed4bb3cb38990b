"""Joining units onto H3 cells, CBS area codes and parks.

Every function returns values aligned to the input index, and every input row is
accounted for in a :class:`JoinReport`: joined, or not joined with the reason.

Speed at national scale comes from three choices (see ``docs/joins.md``): RD New is
converted to latitude/longitude once, in threads, with the same PROJ operation geopandas
uses; H3 cells are computed vectorised (``h3ronpy``, identical ids to ``h3``); areas are
found through a raster index (:mod:`zicht.index._areas`) that answers most points by lookup and
tests only points near a boundary exactly. Parcels are in :mod:`zicht.index._parcels`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import ConfigError, InputError, SchemaError
from zicht._h3 import (
    cells_to_polygons,
    h3_to_str,
    latlng_to_cells,
    rd_to_lnglat,
    submit_rd_cells,
)
from zicht._validate import require_rd
from zicht.index._areas import AreaIndex, build_area_index
from zicht.index._join import (
    MISMATCH_BUURT_WIJK,
    MISMATCH_WIJK_GEMEENTE,
    REASON_INVALID_GEOMETRY,
    REASON_MISSING_LOCATION,
    REASON_OUTSIDE_AREAS,
    REASON_OUTSIDE_GEMEENTE,
    REASON_OUTSIDE_WIJK,
    JoinLayers,
    JoinReport,
    join_arrays,
    join_partition,
    key_columns,
    prepare_join,
    ranks_to_str,
)
from zicht.index._parcels import (
    apportion_parcels,
    assign_parcel_areas,
    join_parcels,
    link_addresses_to_parcels,
)

if TYPE_CHECKING:
    import dask_geopandas

__all__ = [
    "MISMATCH_BUURT_WIJK",
    "MISMATCH_WIJK_GEMEENTE",
    "REASON_INVALID_GEOMETRY",
    "REASON_MISSING_LOCATION",
    "REASON_OUTSIDE_AREAS",
    "REASON_OUTSIDE_GEMEENTE",
    "REASON_OUTSIDE_WIJK",
    "AreaIndex",
    "JoinLayers",
    "JoinReport",
    "apportion_parcels",
    "area_index",
    "assign_areas",
    "assign_h3",
    "assign_parcel_areas",
    "assign_parks",
    "cells_to_polygons",
    "h3_to_str",
    "join_dask",
    "join_parcels",
    "join_partitioned",
    "join_units",
    "link_addresses_to_parcels",
    "prepare_join",
    "rd_to_lnglat",
]


def _point_xy(points: gpd.GeoSeries | gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return x, y of every point (NaN where there is none) and a mask of rows with one."""
    geoms = points.geometry.array if isinstance(points, gpd.GeoDataFrame) else points.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    has &= shapely.get_type_id(geoms) == 0  # only points have one location
    xy = np.full((len(geoms), 2), np.nan)
    if has.any():
        xy[has] = shapely.get_coordinates(geoms[has])
    return xy, has


def _check_resolution(resolution: int) -> None:
    if not 7 <= resolution <= 12:
        raise ConfigError(f"H3 resolution must be 7 to 12, got {resolution}")


def _cells_from_xy(xy: np.ndarray, has: np.ndarray, resolution: int) -> np.ndarray:
    lon, lat = rd_to_lnglat(xy[has, 0], xy[has, 1])
    cells = np.zeros(len(xy), dtype=np.int64)
    cells[has] = latlng_to_cells(lat, lon, resolution)
    return cells


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
        Nullable ``Int64`` H3 ids named ``h3_r{resolution}``, aligned to
        ``points.index``; missing where a point has no location.

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
    _check_resolution(resolution)
    require_rd(points, "points")
    xy, has = _point_xy(points)
    cells = _cells_from_xy(xy, has, resolution)
    array = pd.array(cells, dtype="Int64")
    array[~has] = pd.NA
    return pd.Series(array, index=points.index, name=f"h3_r{resolution}")


def area_index(
    boundaries: gpd.GeoDataFrame, *, code_column: str = "code", cell_m: float | None = None
) -> AreaIndex:
    """Build the lookup index of an area layer once, to join many point sets with it.

    Parameters
    ----------
    boundaries
        Areas in EPSG:28992 with unique codes.
    code_column
        Column of the codes.
    cell_m
        Raster cell size in metres; by default about a twentieth of a typical area's
        width (50 m for CBS buurten, 100 m for wijken).

    Returns
    -------
    AreaIndex
        Picklable, so it can be sent to dask workers.

    Raises
    ------
    CRSError
        If the layer is not in EPSG:28992.
    SchemaError
        If the code column is missing or codes repeat.
    """
    require_rd(boundaries, "boundaries")
    if code_column not in boundaries:
        raise SchemaError(f"boundaries lack a {code_column!r} column")
    codes = boundaries[code_column].astype("str")
    if codes.duplicated().any():
        dupes = codes[codes.duplicated()].unique()[:3].tolist()
        raise SchemaError(f"boundaries repeat codes in {code_column!r}, e.g. {dupes}")
    return build_area_index(codes.to_numpy(), boundaries.geometry.to_numpy(), cell_m=cell_m)


def _lookup_codes(
    xy: np.ndarray, index: AreaIndex | gpd.GeoDataFrame, code_column: str = "code"
) -> pd.api.extensions.ExtensionArray:
    idx = index if isinstance(index, AreaIndex) else area_index(index, code_column=code_column)
    return ranks_to_str(idx.lookup(xy[:, 0], xy[:, 1]), idx.codes)


def assign_areas(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    boundaries: gpd.GeoDataFrame | AreaIndex,
    *,
    prefix: str = "buurt",
    code_column: str = "code",
) -> pd.DataFrame:
    """Assign every point the code of the area that contains it.

    A point on a shared boundary touches two areas; it gets the smallest code, so the
    answer is deterministic (and the same as ``sjoin(predicate="intersects")`` keeping
    the smallest code).

    Parameters
    ----------
    points
        Points in EPSG:28992.
    boundaries
        Areas in EPSG:28992 with a unique code column, or an :func:`area_index` of them.
    prefix
        Name of the output code column, e.g. ``"buurt"`` gives ``buurt_code``.
    code_column
        Column of the codes in ``boundaries``.

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
        If ``boundaries`` lacks the code column.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame({"code": ["BU00010001", "BU00010002"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=28992)
    >>> pts = gpd.GeoSeries(shapely.points([(5, 5), (10, 5), (30, 5)]), crs=28992)
    >>> assign_areas(pts, areas)["buurt_code"].tolist()
    ['BU00010001', 'BU00010001', nan]
    """
    require_rd(points, "points")
    if isinstance(boundaries, gpd.GeoDataFrame):
        require_rd(boundaries, f"{prefix} boundaries")
        if code_column not in boundaries:
            raise SchemaError(f"{prefix} boundaries lack a {code_column!r} column")
    xy, _ = _point_xy(points)
    column = _lookup_codes(xy, boundaries, code_column)
    return pd.DataFrame({f"{prefix}_code": column}, index=points.index)


def assign_parks(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    parks: gpd.GeoDataFrame | AreaIndex,
    *,
    id_column: str = "park_id",
) -> pd.Series:
    """Give every point the id of the park (polygon) it lies in.

    Parameters
    ----------
    points
        Points in EPSG:28992.
    parks
        Park polygons in EPSG:28992 with unique ``park_id``, or an :func:`area_index`.
    id_column
        Column of the park ids.

    Returns
    -------
    pandas.Series
        ``park_id`` aligned to ``points.index``; missing outside every park. A point in
        two overlapping parks gets the smallest id.
    """
    frame = assign_areas(points, parks, prefix="park", code_column=id_column)
    return frame["park_code"].rename("park_id")


def join_units(
    units: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame | AreaIndex | JoinLayers,
    *,
    resolution: int = 9,
    wijken: gpd.GeoDataFrame | AreaIndex | None = None,
    gemeenten: gpd.GeoDataFrame | AreaIndex | None = None,
    parks: gpd.GeoDataFrame | AreaIndex | None = None,
    allow_mixed_vintages: bool = False,
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Give every unit its H3 cell, buurt, wijk and gemeente codes, and park id.

    With only ``buurten``, wijk and gemeente codes derive from the buurt code
    (``BU02280101`` lies in ``WK022801`` in ``GM0228``), so the levels nest by
    construction. With ``wijken`` (and ``gemeenten``) given, each level is assigned from
    its own layer; if the layers are of different vintages (codes or areas that do not
    nest) the join refuses, unless ``allow_mixed_vintages`` — then rows whose levels
    disagree are counted in ``JoinReport.mismatched`` and flagged ``levels_nest = False``.
    A point on a shared edge gets the smallest code of the areas it touches.

    Parameters
    ----------
    units
        Points in EPSG:28992.
    buurten
        Buurt boundaries with ``code``, their :func:`area_index`, or
        :func:`prepare_join` layers (then ``wijken``, ``gemeenten``, ``parks`` are ignored).
    resolution
        H3 resolution, 7 to 12.
    wijken, gemeenten
        Optional wijk and gemeente layers to assign those levels from.
    parks
        Optional park polygons (``park_id``); adds ``park_id`` (missing outside parks).
    allow_mixed_vintages
        Join layers that do not nest and report the disagreement instead of refusing.

    Returns
    -------
    tuple of (GeoDataFrame, JoinReport)
        A copy of ``units`` with ``h3_r{resolution}`` (Int64), ``buurt_code``,
        ``wijk_code``, ``gemeente_code``, ``park_id`` (with ``parks``), ``levels_nest``
        (with ``wijken`` or ``gemeenten``) and ``joined``; and the report accounting for
        every row.

    Raises
    ------
    ConfigError, CRSError, SchemaError
        On a bad resolution, a layer not in RD New, or layers of mixed vintages.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> buurten = gpd.GeoDataFrame({"code": ["BU02280101"]},
    ...     geometry=[shapely.box(174000, 448000, 175000, 449000)], crs=28992)
    >>> units = gpd.GeoDataFrame(geometry=[shapely.Point(174500, 448500), None], crs=28992)
    >>> out, report = join_units(units, buurten)
    >>> out["wijk_code"].iloc[0], report.to_dict()["not_joined"], report.balanced
    ('WK022801', {'missing or empty location': 1}, True)
    """
    _check_resolution(resolution)
    require_rd(units, "units")
    layers = prepare_join(
        buurten,
        wijken=wijken,
        gemeenten=gemeenten,
        parks=parks,
        allow_mixed_vintages=allow_mixed_vintages,
    )
    xy, _ = _point_xy(units)
    geoms = units.geometry.array
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keys, report = join_arrays(xy[:, 0], xy[:, 1], present, layers, resolution)
    out = units.copy()
    for name, column in key_columns(keys, resolution).items():
        out[name] = column
    return out, report


# Exception (docs/exceptions.md): public keywords, join_units' plus columns and repair.
def join_partitioned(  # noqa: PLR0913
    source: str | Path,
    buurten: gpd.GeoDataFrame | AreaIndex | JoinLayers,
    *,
    resolution: int = 9,
    wijken: gpd.GeoDataFrame | AreaIndex | None = None,
    gemeenten: gpd.GeoDataFrame | AreaIndex | None = None,
    parks: gpd.GeoDataFrame | AreaIndex | None = None,
    allow_mixed_vintages: bool = False,
    columns: list[str] | None = None,
    repair: bool = False,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join a partitioned GeoParquet point set (e.g. the national set), file by file.

    The national route: boundary layers are indexed once, each file is read as
    coordinate arrays (:func:`zicht.ingest.iter_point_partitions`, no shapely objects),
    and only its keys are kept, so memory holds one partition plus the keys. The keys
    are identical to :func:`join_units` on the whole set.

    Parameters
    ----------
    source
        GeoParquet file or folder of files.
    buurten, wijken, gemeenten, parks, allow_mixed_vintages, resolution
        As :func:`join_units`.
    columns
        Attribute columns to carry into the result (default ``["address_id"]``).
    repair
        Keep locations outside the Netherlands (they join no area).

    Returns
    -------
    tuple of (pandas.DataFrame, JoinReport)
        One row per input row, in file order: ``columns``, ``h3_r{resolution}``,
        ``buurt_code``, ``wijk_code``, ``gemeente_code`` (categoricals), ``park_id``,
        ``levels_nest``, ``joined``, ``not_joined_reason``; and the report over all
        partitions.
    """
    from zicht.ingest import iter_point_partitions

    _check_resolution(resolution)
    # Each file's H3 ids start in the worker processes as soon as it is read; this
    # process reads the next files meanwhile, then indexes the boundary layers (the
    # workers busy on the other core) and does the area lookups.
    pending = [
        (part, submit_rd_cells(part.x, part.y, resolution))
        for part in iter_point_partitions(source, columns=columns, repair=repair)
    ]
    layers = prepare_join(
        buurten,
        wijken=wijken,
        gemeenten=gemeenten,
        parks=parks,
        allow_mixed_vintages=allow_mixed_vintages,
    )
    frames: list[pd.DataFrame] = []
    report: JoinReport | None = None
    while pending:
        part, cells = pending.pop(0)
        frame, part_report = join_partition(part, layers, resolution, cells=cells)
        frames.append(frame)
        report = part_report if report is None else report + part_report
    if report is None:  # iter_point_partitions refuses an empty set; belt and braces
        raise InputError(f"no rows in {source}")
    return concat_joined(frames), report


def concat_joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate joined partitions, keeping the codes categoricals.

    Parameters
    ----------
    frames
        Outputs of :func:`zicht.index._join.join_partition`, in order.

    Returns
    -------
    pandas.DataFrame
    """
    out = pd.concat(frames, ignore_index=True)
    for name in ("buurt_code", "wijk_code", "gemeente_code", "park_id"):
        if name in out and not isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype("category")  # concat of unequal categories
    return out


def join_dask(
    units: dask_geopandas.GeoDataFrame,
    layers: JoinLayers,
    *,
    resolution: int = 9,
) -> dask_geopandas.GeoDataFrame:
    """Join a dask-geopandas frame partition by partition (lazy), identical to :func:`join_units`.

    Build ``layers`` once with :func:`prepare_join`; it is pickled to every worker. To run
    on a cluster, create a ``dask.distributed.Client("tcp://scheduler:8786")`` before
    calling ``.compute()``; without one, dask's local threaded scheduler is used.

    Parameters
    ----------
    units
        Points in EPSG:28992 (e.g. :func:`zicht.ingest.read_addresses_dask`).
    layers
        Indexed boundary layers.
    resolution
        H3 resolution, 7 to 12.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy frame with the columns :func:`join_units` adds; rebuild the report from it
        with ``JoinReport.from_frame(result.compute(), layers.nesting, report.sentinels)``
        (``report`` as given to :func:`zicht.ingest.read_addresses_dask`).
    """
    _check_resolution(resolution)
    require_rd(units, "units")
    meta, _ = join_units(units._meta, layers, resolution=resolution)
    return units.map_partitions(_join_partition, layers, resolution, meta=meta)


def _join_partition(
    frame: gpd.GeoDataFrame, layers: JoinLayers, resolution: int
) -> gpd.GeoDataFrame:
    out, _ = join_units(frame, layers, resolution=resolution)
    return out
