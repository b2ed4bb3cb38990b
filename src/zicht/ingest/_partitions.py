"""Reading large partitioned point sets as arrays, for :mod:`zicht.ingest`.

Private plumbing of the ingest stage (the only stage that reads files): a national
address set is read one GeoParquet file at a time as coordinate arrays, without making
a shapely object per row, and checked as it goes.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
from pyproj import CRS, Transformer

from zicht._errors import CRSError, GeometryError, InputError, SchemaError
from zicht._validate import LayerReport, Problems, is_rd, replace_sentinels
from zicht.schemas import NL_BOUNDS_RD, RD_NEW

if TYPE_CHECKING:
    import dask_geopandas

__all__ = [
    "POINT_COLUMNS",
    "PointPartition",
    "iter_point_partitions",
    "read_addresses_dask",
    "read_point_table",
]

#: Columns :func:`read_point_table` adds: RD New x and y (NaN without a location) and
#: whether the row has a geometry at all.
POINT_COLUMNS = ("_x", "_y", "_present")


@dataclass
class PointPartition:
    """One partition of a large point set, as arrays (no shapely objects).

    Attributes
    ----------
    name
        The partition's file name.
    attributes
        The non-geometry columns asked for.
    x, y
        RD New coordinates; NaN where the row has no location.
    present
        Rows that have a geometry at all.
    sentinels
        Per column, how many CBS sentinel values (``-99999999`` …) became missing.
    """

    name: str
    attributes: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    present: np.ndarray
    sentinels: dict[str, int] = field(default_factory=dict)


def _geoparquet_crs(path: Path, column: str) -> CRS | None:
    meta = pq.read_schema(path).metadata or {}
    geo = json.loads(meta.get(b"geo", b"{}"))
    spec = geo.get("columns", {}).get(column, {})
    if "crs" not in spec:
        return CRS.from_user_input("OGC:CRS84")  # the GeoParquet default
    return None if spec["crs"] is None else CRS.from_user_input(spec["crs"])


def _arrow_points(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and presence of a GeoArrow point or WKB column, without shapely objects."""
    array = column.combine_chunks()
    present = ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_struct(array.type):
        x = np.asarray(array.field("x").to_numpy(zero_copy_only=False), dtype=float).copy()
        y = np.asarray(array.field("y").to_numpy(zero_copy_only=False), dtype=float).copy()
    else:
        geoms = shapely.from_wkb(array.to_numpy(zero_copy_only=False))
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        points = shapely.get_type_id(geoms) == 0
        xy = shapely.get_coordinates(geoms[points])
        if len(xy):
            x[points], y[points] = xy[:, 0], xy[:, 1]
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x[~present] = np.nan
    y[~present] = np.nan
    return x, y, present


def iter_point_partitions(
    source: str | Path,
    *,
    columns: list[str] | None = None,
    id_column: str = "address_id",
    assume_crs: str | None = None,
    repair: bool = False,
) -> Iterator[PointPartition]:
    """Read a partitioned GeoParquet point set one file at a time, as coordinate arrays.

    The light way to read a national address set: no shapely objects are made, and
    memory holds one partition at a time. Checked up front, over all partitions: a CRS
    is declared (or assumed), ids are unique; per partition: coordinates fit the CRS,
    locations lie in the Netherlands (or ``repair`` keeps them). CBS sentinel values
    become missing, counted per partition (``PointPartition.sentinels``).

    Parameters
    ----------
    source
        A GeoParquet file or a folder of them (read in sorted order).
    columns
        Attribute columns to keep (default: ``id_column`` only).
    id_column
        Column of the unit ids; must be unique over all partitions.
    assume_crs
        CRS for files that declare none.
    repair
        Keep locations outside the Netherlands instead of refusing them.

    Yields
    ------
    PointPartition
        Attributes and RD New coordinates of one file.

    Raises
    ------
    InputError, SchemaError, CRSError, GeometryError
        As :func:`zicht._validate.validate_layer`.
    """
    path = Path(source)
    files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(f"no GeoParquet files in {path}")
    columns = list(dict.fromkeys([id_column, *(columns or [])]))
    seen: list[pa.Array] = []
    for file in files:
        meta = pq.read_schema(file).metadata or {}
        geometry = json.loads(meta.get(b"geo", b"{}")).get("primary_column", "geometry")
        crs = _geoparquet_crs(file, geometry)
        if crs is None:
            if assume_crs is None:
                raise CRSError(f"addresses ({file}) declare no CRS; pass assume_crs=")
            crs = CRS.from_user_input(assume_crs)
        table = pq.read_table(file, columns=[*columns, geometry])
        x, y, present = _arrow_points(table.column(geometry))
        if not is_rd(crs):
            tf = Transformer.from_crs(crs, RD_NEW, always_xy=True)
            x, y = (np.asarray(v) for v in tf.transform(x, y))
        problems = Problems(f"addresses ({file})")
        _check_point_arrays(x, y, crs, problems, repair)
        problems.raise_if_any()
        if id_column in table.column_names:
            seen.extend(table.column(id_column).chunks)
        attributes = table.drop_columns([geometry]).to_pandas()
        if len(attributes) == 0:
            continue
        # The one sentinel policy of every reader: a -99999999 is no year before 1945.
        attributes, sentinels = replace_sentinels(attributes, skip=(id_column,))
        yield PointPartition(file.name, attributes, x, y, present, sentinels)
    _check_unique_ids(pa.chunked_array(seen), id_column, path)


def read_point_table(
    source: str | Path,
    *,
    id_column: str = "address_id",
    assume_crs: str | None = None,
    repair: bool = False,
) -> tuple[pd.DataFrame, LayerReport]:
    """Read a GeoParquet point set (file or folder) whole, as a table with coordinate columns.

    The light way for a run to hold the national address set: every attribute column, and
    the location as two float columns (``_x``, ``_y`` in RD New) instead of 8.8 million
    shapely points (27 s and about 4 GB for the country). Checked as
    :func:`iter_point_partitions` checks (CRS, locations in the Netherlands, unique ids);
    CBS sentinel values become missing as in every reader.

    Parameters
    ----------
    source
        A GeoParquet file or a folder of them (read in sorted order).
    id_column
        Column of the unit ids (renamed to ``address_id``); unique over all files.
    assume_crs
        CRS for files that declare none.
    repair
        Keep locations outside the Netherlands instead of refusing them.

    Returns
    -------
    tuple of (pandas.DataFrame, LayerReport)
        One row per record: ``address_id``, the other attributes and :data:`POINT_COLUMNS`;
        and the read report.
    """
    path = Path(source)
    files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(f"no GeoParquet files in {path}")
    schema = pq.read_schema(files[0])
    geometry = json.loads((schema.metadata or {}).get(b"geo", b"{}")).get(
        "primary_column", "geometry"
    )
    columns = [c for c in schema.names if c not in (geometry, id_column)]
    frames = []
    sentinels: dict[str, int] = {}
    for part in iter_point_partitions(
        path, columns=columns, id_column=id_column, assume_crs=assume_crs, repair=repair
    ):
        frame = part.attributes
        frame["_x"], frame["_y"], frame["_present"] = part.x, part.y, part.present
        frames.append(frame)
        for column, n in part.sentinels.items():
            sentinels[column] = sentinels.get(column, 0) + n
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if id_column != "address_id":
        frame = frame.drop(columns=[c for c in ("address_id",) if c in frame])
        frame = frame.rename(columns={id_column: "address_id"})
    frame["address_id"] = frame["address_id"].astype("str")
    report = LayerReport(layer="addresses", source=str(path), rows_read=len(frame))
    report.sentinels = sentinels  # replaced in each partition, as they were read
    missing = int((~frame["_present"].to_numpy(dtype=bool)).sum())
    if missing:
        report.notes.append(f"{missing} rows have no location")
    return frame, report


def _check_unique_ids(ids: pa.ChunkedArray, id_column: str, path: Path) -> None:
    """Refuse ids that repeat over all partitions (checked once every file is read)."""
    n_rows = len(ids)
    if n_rows == 0:
        raise InputError(f"addresses ({path}): the layer is empty (0 rows)")
    n_null = ids.null_count
    present = ids.drop_null().combine_chunks()
    # Sorting and comparing neighbours is several times faster than hashing 10⁷ strings.
    ordered = present.take(pc.array_sort_indices(present))
    repeats = pc.equal(ordered.slice(1), ordered.slice(0, max(len(ordered) - 1, 0)))
    if n_null or (len(ordered) > 1 and pc.any(repeats).as_py()):
        dupes = ordered.slice(1).filter(repeats).unique()
        n_distinct = len(pc.unique(present))
        raise SchemaError(
            f"addresses ({path}): column {id_column!r}: {n_null} rows have no id and "
            f"{n_rows - n_null - n_distinct} rows repeat an id, e.g. "
            f"{[str(v) for v in dupes[:3].to_pylist()]}; ids must be present and unique "
            "over all partitions"
        )


def _check_point_arrays(
    x: np.ndarray, y: np.ndarray, crs: CRS, problems: Problems, repair: bool
) -> None:
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return
    xmin, xmax = np.min(x[finite]), np.max(x[finite])
    ymin, ymax = np.min(y[finite]), np.max(y[finite])
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
        problems.add(
            f"geometry: coordinates span x {xmin:.6g}…{xmax:.6g}, y {ymin:.6g}…{ymax:.6g}, "
            f"degrees, but the file declares {crs.to_string()}; declare EPSG:4326",
            CRSError,
        )
        return
    bx0, by0, bx1, by1 = NL_BOUNDS_RD
    outside = finite & ~((x >= bx0) & (x <= bx1) & (y >= by0) & (y <= by1))
    if outside.any() and not repair:
        problems.add(
            f"geometry: {int(outside.sum())} rows lie outside the Netherlands; check the "
            "CRS, or pass repair=True to keep them (they then join no area)",
            GeometryError,
        )


def read_addresses_dask(
    source: str | Path,
    *,
    columns: list[str] | None = None,
    id_column: str = "address_id",
    report: LayerReport | None = None,
) -> dask_geopandas.GeoDataFrame:
    """Open a partitioned GeoParquet address set lazily with dask-geopandas.

    CBS sentinel values (``-99999999`` …) become missing in every partition, as in every
    reader. They are counted up front from the attribute columns (no geometry is read), and
    a numeric column that holds one in any file is ``float64`` in every partition.

    Parameters
    ----------
    source
        A GeoParquet file or folder of them (one dask partition per file).
    columns
        Columns to read (the geometry is always read).
    id_column
        The id column, left as it is.
    report
        A read report whose ``sentinels`` get the counts per column (also given as a
        warning naming the folder).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; compute it on the local scheduler or on a ``dask.distributed`` cluster.

    Raises
    ------
    InputError
        If dask-geopandas is not installed (``pip install "zicht[dask]"``).
    """
    try:
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - the dask extra
        raise InputError('the dask path needs dask-geopandas: pip install "zicht[dask]"') from exc
    path = Path(source)
    files = [str(path)] if path.is_file() else [str(f) for f in sorted(path.glob("*.parquet"))]
    if not files:
        raise InputError(f"no GeoParquet files in {path}")
    if columns is not None:
        # dask-geopandas reads only the columns named: without the geometry the frame is
        # a plain dask DataFrame and cannot be joined.
        meta = pq.read_schema(files[0]).metadata or {}
        geometry = json.loads(meta.get(b"geo", b"{}")).get("primary_column", "geometry")
        columns = list(dict.fromkeys([*columns, geometry]))
    frame = dask_geopandas.read_parquet(files, columns=columns)
    counts = _sentinel_counts(files, frame.columns, frame.geometry.name, id_column)
    if report is not None:
        report.sentinels = dict(counts)
    if not counts:
        return frame
    warnings.warn(
        f"addresses ({path}): CBS sentinel values replaced by missing: "
        + ", ".join(f"{c} {n:,}" for c, n in counts.items()),
        UserWarning,
        stacklevel=2,
    )
    numeric = [c for c in counts if pd.api.types.is_numeric_dtype(frame.dtypes[c])]
    meta = frame._meta.copy()
    for column in numeric:  # (GeoDataFrame.astype of a dict trips over the geometry)
        meta[column] = meta[column].astype("float64")
    return frame.map_partitions(_masked, list(counts), numeric, meta=meta)


def _sentinel_counts(
    files: list[str], columns: Iterable[str], geometry: str, id_column: str
) -> dict[str, int]:
    """Count the CBS sentinels per attribute column over every file (no geometry read)."""
    wanted = [c for c in columns if c not in (geometry, id_column)]
    counts: dict[str, int] = {}
    for file in files:
        present = [c for c in wanted if c in pq.read_schema(file).names]
        if not present:
            continue
        _, found = replace_sentinels(pq.read_table(file, columns=present).to_pandas())
        for column, n in found.items():
            counts[column] = counts.get(column, 0) + n
    return counts


def _masked(part: pd.DataFrame, columns: list[str], numeric: list[str]) -> pd.DataFrame:
    """One partition with the sentinels of ``columns`` missing (``numeric`` as float64)."""
    out, _ = replace_sentinels(part[columns])
    part = part.copy()
    for column in columns:
        part[column] = out[column].astype("float64") if column in numeric else out[column]
    return part
