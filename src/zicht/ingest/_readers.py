"""Reading and writing sources: the only module that touches files and databases.

Every reader returns a GeoDataFrame in RD New (EPSG:28992) together with a
:class:`LayerReport` that says what was read, repaired or set to missing. A CRS is never
guessed: a source without one must be read with an explicit ``assume_crs``. Every reader
validates its layer once (:func:`zicht._validate.validate_layer`): all problems are
collected and raised together, or, with ``repair=True``, fixed and counted.

Sources are file paths (GeoPackage, shapefile, ``zip://`` shapefile, GeoJSON, TopoJSON,
GML, CSV, GeoParquet file or partitioned directory) or PostgreSQL connection URLs
(``postgresql://user@host:port/db``) with ``layer=`` naming the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zicht._errors import ConfigError, InputError, SchemaError
from zicht._h3 import h3_to_str
from zicht._validate import (
    CBS_SENTINELS,
    LayerReport,
    Problems,
    repair_geometries,
    replace_sentinels,
    validate_layer,
)
from zicht.ingest._detect import detect_columns, overlapping_areas, vintage_year
from zicht.ingest._kadaster import is_kadastrale_kaart, read_kadastrale_kaart
from zicht.ingest._partitions import PointPartition, iter_point_partitions, read_addresses_dask
from zicht.ingest._postgis import (
    is_database_url,
    read_postgis_layer,
    redact_url,
    write_postgis_layer,
)
from zicht.schemas import (
    ADDRESSES,
    PARCELS,
    PARK_AREAS,
    PARK_POINTS,
    RD_NEW,
    UNIT_SCHEMAS,
    boundary_schema,
)

__all__ = [
    "BAG_LAYERS",
    "CBS_SENTINELS",
    "RD_NEW",
    "LayerReport",
    "PointPartition",
    "iter_point_partitions",
    "read_addresses",
    "read_addresses_dask",
    "read_boundaries",
    "read_parcels",
    "read_parks",
    "read_units",
    "repair_geometries",
    "write_layer",
]

#: The BAG point layers that hold addresses, and the object type each one holds.
BAG_LAYERS = {
    "verblijfsobjecten": "verblijfsobject",
    "ligplaatsen": "ligplaats",
    "standplaatsen": "standplaats",
}
_OBJECT_TYPES = {
    "VBO": "verblijfsobject",
    "LIG": "ligplaats",
    "STA": "standplaats",
    "Verblijfsobject": "verblijfsobject",
    "Ligplaats": "ligplaats",
    "Standplaats": "standplaats",
}
#: The gebruiksdoel flag columns of the NLExtract "bagadresplus" layout, in BAG order.
_USE_FLAGS = (
    "woonfunctie",
    "bijeenkomstfunctie",
    "celfunctie",
    "gezondheidszorgfunctie",
    "industriefunctie",
    "kantoorfunctie",
    "logiesfunctie",
    "onderwijsfunctie",
    "sportfunctie",
    "winkelfunctie",
    "overige_gebruiksfunctie",
)


def _source_name(source: str | Path) -> str:
    return redact_url(str(source)) if is_database_url(source) else str(source)


def _is_parquet(source: str | Path) -> bool:
    path = Path(str(source))
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return True
    return path.is_dir() and any(path.rglob("*.parquet"))


def _read_vector(
    source: str | Path,
    layer: str | None,
    *,
    what: str,
    sql: str | None = None,
    columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read any vector source; the geometry column is always called ``geometry``."""
    frame = _read_vector_any(source, layer, what=what, sql=sql, columns=columns)
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    return frame


def _read_vector_any(
    source: str | Path,
    layer: str | None,
    *,
    what: str,
    sql: str | None = None,
    columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read any vector source; errors become one :class:`InputError` naming it."""
    text = str(source)
    _refuse_missing(text, what)
    try:
        if is_database_url(text):
            return read_postgis_layer(text, table=layer, sql=sql)
        if _is_parquet(text):
            return _read_geoparquet(Path(text), columns)
        if text.lower().endswith(".gml") and is_kadastrale_kaart(text):
            return read_kadastrale_kaart(text)
        try:
            return pyogrio.read_dataframe(text, layer=layer)
        except pyogrio.errors.DataSourceError:
            if text.lower().endswith((".json", ".topojson")) and not text.startswith("TopoJSON:"):
                return pyogrio.read_dataframe(f"TopoJSON:{text}", layer=layer)
            raise
    except InputError:
        raise
    except (RuntimeError, OSError, ValueError) as exc:
        # pyogrio's errors are RuntimeErrors; a truncated or corrupted file ends here
        raise InputError(f"cannot read {what} from {_source_name(source)}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "malformed" in text or "sqlite3_" in text or "not recognized" in text:
        return (
            f"the file is damaged or not a vector file (truncated or corrupted?): "
            f"{text.splitlines()[0][:200]}"
        )
    return text


def _refuse_missing(text: str, what: str) -> None:
    """Name a missing file before a library gives its own message."""
    if is_database_url(text) or text.startswith(("/vsi", "TopoJSON:")):
        return
    path = Path(text.removeprefix("zip://").split("!")[0])
    if not path.exists():
        raise InputError(f"cannot read {what}: {path} does not exist")


def _read_geoparquet(path: Path, columns: list[str] | None) -> gpd.GeoDataFrame:
    """Read a GeoParquet file, or a folder of them file by file (encodings may differ)."""
    if path.is_file():
        return gpd.read_parquet(path, columns=columns)
    files = sorted(path.rglob("*.parquet"))
    frames = [gpd.read_parquet(f, columns=columns) for f in files]
    crs = {f.crs.to_string() if f.crs else None for f in frames}
    if len(crs) > 1:
        raise InputError(f"the files in {path} declare different CRSs: {sorted(map(str, crs))}")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _assume_crs(
    frame: gpd.GeoDataFrame, assume_crs: str | None, report: LayerReport
) -> gpd.GeoDataFrame:
    if frame.crs is None and assume_crs is not None:
        report.notes.append(f"source declares no CRS; assumed {assume_crs}")
        return frame.set_crs(assume_crs)
    return frame


def read_boundaries(
    path: str | Path,
    *,
    level: str,
    layer: str | None = None,
    code_column: str = "",
    name_column: str = "",
    assume_crs: str | None = None,
    repair: bool = True,
    code_prefix: str | tuple[str, ...] | None = None,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read CBS boundaries (gemeente, wijk or buurt) into RD New.

    Parameters
    ----------
    path
        GeoPackage, shapefile (also ``zip://…zip``), GeoJSON, TopoJSON, GeoParquet, or a
        PostgreSQL URL with ``layer=`` the table.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``; codes must match its pattern.
    layer
        Layer (or table) name inside a multi-layer source.
    code_column, name_column
        Source columns holding the CBS code and the area name (``""``: found among
        ``BU_CODE``/``BU_NAAM``, ``buurtcode``/``buurtnaam``, ``statcode``/``statnaam``,
        ``code``/``name`` and the wijk and gemeente equivalents, in any case; without a
        name column the code serves as the name).
    assume_crs
        CRS to assign when the source declares none (e.g. ``"EPSG:4326"`` for the CBS
        2014 TopoJSON). Without it, a source with no CRS is refused, saying which CRS its
        coordinates fit.
    repair
        Repair invalid geometries with ``make_valid`` and drop empty ones (both counted)
        instead of refusing them.
    code_prefix
        Keep only areas whose code starts with this (e.g. ``"BU0228"`` for Ede).

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        Columns ``code``, ``name``, the other source attributes (CBS sentinel values set
        to missing and counted), and ``geometry``.

    Raises
    ------
    InputError
        If the source cannot be read or the selection is empty.
    CRSError
        If the source has no CRS and none is assumed, or its coordinates contradict it.
    SchemaError
        If the code or name column is missing, codes are malformed or duplicated.
    GeometryError
        If geometries are invalid, empty or outside the Netherlands and ``repair`` is off.
        Areas that overlap (two vintages in one file, quantisation) are noted in the
        report, with the pairs in ``report.overlaps``.

    Examples
    --------
    >>> from zicht.ingest import default_geodata_dir
    >>> wijken, report = read_boundaries(
    ...     default_geodata_dir() / "cbs" / "wijken_gemeenten_2022.gpkg",
    ...     level="wijk", layer="NLD_dist", code_prefix="WK0228")
    >>> len(wijken), report.rows_read
    (17, 3340)
    """
    frame = _read_vector(path, layer, what=f"{level} boundaries")
    report = LayerReport(layer=level, source=_source_name(path), rows_read=len(frame))
    code_col, name_col = detect_columns(
        frame,
        level,
        code_column=code_column,
        name_column=name_column,
        source=_source_name(path),
    )
    report.year = vintage_year(path, frame)
    frame = _assume_crs(frame, assume_crs, report)
    clash = [c for c, src in (("code", code_col), ("name", name_col)) if c in frame and c != src]
    frame = frame.drop(columns=clash)
    frame = frame.rename(columns={code_col: "code"})
    if name_col is None or name_col == code_col:
        frame["name"] = frame["code"].astype("str")
        report.notes.append("no name column found; the code serves as the name")
    else:
        frame = frame.rename(columns={name_col: "name"})
    frame["code"] = frame["code"].astype("str").str.strip()
    if code_prefix is not None:
        frame = frame[frame["code"].str.startswith(code_prefix)]
        if frame.empty:
            raise InputError(
                f"no {level} in {_source_name(path)} has a code starting with {code_prefix!r}"
            )
    frame, report = validate_layer(
        frame, boundary_schema(level), source=_source_name(path), repair=repair, report=report
    )
    frame, report.sentinels = replace_sentinels(frame, skip=("code", "name"))
    frame = frame.reset_index(drop=True)
    if level == "buurt":  # the layer units are joined to
        _report_overlaps(frame, level, report)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=RD_NEW), report


def _report_overlaps(frame: gpd.GeoDataFrame, level: str, report: LayerReport) -> None:
    """Note areas that overlap: the join then gives a unit in both to one of them."""
    pairs = overlapping_areas(frame)
    if pairs:
        shown = ", ".join(f"{a} and {b} ({share:.0%})" for a, b, share in pairs[:3])
        report.notes.append(
            f"{len(pairs)} pair(s) of {level} areas overlap by more than 1 % of the smaller "
            f"one, e.g. {shown}: a unit in an overlap is joined to one of them only. "
            "Quantised or simplified boundaries overlap a little; large overlaps mean two "
            "vintages stacked in one file (keep one year's layer)"
        )
        report.overlaps = [list(p[:2]) for p in pairs]


def _bag_geopackage(path: str | Path, layers: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """Read and stack the BAG point layers of a GeoPackage, tagging each object type."""
    _refuse_missing(str(path), "addresses")
    try:
        present = [str(name) for name, _ in pyogrio.list_layers(str(path))]
    except (RuntimeError, OSError) as exc:
        raise InputError(f"cannot read addresses from {path}: {_reason(exc)}") from exc
    wanted = list(layers) if layers is not None else [n for n in BAG_LAYERS if n in present]
    if not wanted and len(present) == 1:
        wanted = present  # a unit table of one layer, not a BAG extract
    if not wanted:
        raise InputError(
            f"{path} holds none of the BAG layers {list(BAG_LAYERS)}; its layers are "
            f"{present}; name the layer ([inputs.units] layer)"
        )
    parts = []
    for name in wanted:
        part = _read_vector(path, name, what="addresses")
        if name in BAG_LAYERS or "object_type" not in part:
            part["object_type"] = BAG_LAYERS.get(name, name)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=parts[0].crs)


def _nlextract_csv(path: str | Path) -> gpd.GeoDataFrame:
    """Read an NLExtract BAG address CSV (``;``-separated, RD New x/y)."""
    try:
        table = pd.read_csv(path, sep=";", dtype="str", keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read addresses from {path}: {exc}") from exc
    problems = Problems(f"addresses ({path})")
    id_col = next((c for c in ("nummeraanduiding", "nummeraanduiding_id") if c in table), None)
    if id_col is None:
        problems.add("missing column 'nummeraanduiding' (or 'nummeraanduiding_id')")
    for col in ("x", "y"):
        if col not in table:
            problems.add(f"missing column {col!r} (RD New coordinates)")
    problems.raise_if_any(SchemaError)
    if "verblijfsobjectgebruiksdoel" in table:
        use = table["verblijfsobjectgebruiksdoel"]
    elif all(flag in table for flag in _USE_FLAGS):
        flags = table[list(_USE_FLAGS)].eq("1")
        use = flags.apply(lambda row: ",".join(f for f in _USE_FLAGS if row[f]), axis=1)
        use = use.str.replace("_", " ").replace("", pd.NA)
    else:
        use = pd.Series(pd.NA, index=table.index, dtype="str")
    kind_col = next((c for c in ("object_type", "typeadresseerbaarobject") if c in table), None)
    kind = table[kind_col].map(_OBJECT_TYPES) if kind_col else pd.Series(pd.NA, index=table.index)
    x = pd.to_numeric(table["x"].str.replace(",", "."), errors="coerce").to_numpy()
    y = pd.to_numeric(table["y"].str.replace(",", "."), errors="coerce").to_numpy()
    geometry = shapely.points(np.column_stack([x, y]))
    geometry[~(np.isfinite(x) & np.isfinite(y))] = None
    frame = table.drop(columns=["x", "y"]).assign(
        address_id=table[str(id_col)], object_type=kind.astype("str"), gebruiksdoel=use
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=RD_NEW)


def read_addresses(
    source: str | Path,
    *,
    layout: str | None = None,
    layers: tuple[str, ...] | None = None,
    id_column: str | None = None,
    assume_crs: str | None = None,
    repair: bool = False,
    columns: list[str] | None = None,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read BAG addresses (points) into RD New.

    Parameters
    ----------
    source
        A BAG GeoPackage (layers ``verblijfsobjecten``, ``ligplaatsen``,
        ``standplaatsen``), an NLExtract CSV (``;``-separated, RD New ``x``/``y``), a
        GeoParquet file or partitioned directory, or a PostgreSQL URL (``layers=`` one
        table).
    layout
        ``"gpkg"``, ``"nlextract"``, ``"parquet"`` or ``"postgis"``; guessed from the
        source when None.
    layers
        BAG layers to read from a GeoPackage (default: every one present), or the one
        table of a database.
    id_column
        Source column holding the address id; by default ``nummer_id`` (GeoPackage),
        ``nummeraanduiding`` (CSV) or ``address_id``.
    assume_crs
        CRS for a source that declares none.
    repair
        Swap latitude/longitude back and keep locations outside the Netherlands (both
        counted) instead of refusing them.
    columns
        Columns to read from GeoParquet (saves memory on large sets).

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        ``address_id`` (string), ``object_type`` (``verblijfsobject``, ``ligplaats``,
        ``standplaats``), ``gebruiksdoel`` (comma-separated BAG uses; missing where the
        layout has none), the other source columns, and point geometry (empty where the
        source has no location; the join reports those rows).

    Raises
    ------
    InputError, SchemaError, CRSError, GeometryError
        As :func:`zicht._validate.validate_layer`, each listing every problem at once.

    Examples
    --------
    >>> from zicht.ingest import default_geodata_dir
    >>> addresses, report = read_addresses(default_geodata_dir() / "bag" / "bagadres-full.csv")
    >>> len(addresses), addresses["object_type"].value_counts()["ligplaats"]
    (99, np.int64(7))
    """
    text = str(source)
    layout = layout or (
        "postgis"
        if is_database_url(text)
        else "parquet"
        if _is_parquet(text)
        else "nlextract"
        if text.lower().endswith((".csv", ".txt"))
        else "gpkg"
    )
    if layout == "nlextract":
        frame = _nlextract_csv(source)
        default_id = "address_id"
    elif layout == "gpkg":
        frame = _bag_geopackage(source, layers)
        default_id = "nummer_id" if "nummer_id" in frame else "identificatie"
    elif layout in ("parquet", "postgis"):
        table = layers[0] if layers else None
        frame = _read_vector(source, table, what="addresses", columns=columns)
        default_id = "address_id"
    else:
        raise InputError(
            f"unknown address layout {layout!r}; use gpkg, nlextract, parquet, postgis"
        )
    report = LayerReport(layer="addresses", source=_source_name(source), rows_read=len(frame))
    frame = _assume_crs(frame, assume_crs, report)
    id_col = id_column or default_id
    if id_col in frame and id_col != "address_id":
        frame = frame.drop(columns=[c for c in ("address_id",) if c in frame])
        frame = frame.rename(columns={id_col: "address_id"})
    if "address_id" in frame:
        frame["address_id"] = frame["address_id"].astype("str")
    for col in ("object_type", "gebruiksdoel"):
        if col not in frame and "address_id" in frame:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype="str")
    frame, report.sentinels = replace_sentinels(frame, skip=("address_id",))
    frame, report = validate_layer(
        frame, ADDRESSES, source=_source_name(source), repair=repair, report=report
    )
    return frame, report


def read_parcels(
    source: str | Path,
    *,
    layer: str | None = None,
    id_column: str = "identificatie",
    assume_crs: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read BRK parcels (polygons) into RD New.

    Parameters
    ----------
    source
        A GeoPackage of parcel polygons, a Kadastrale Kaart v5 GML (``Perceel`` features;
        the polygon ``begrenzingPerceel`` is read, not the label point), a GeoParquet file,
        or a PostgreSQL URL with ``layer=`` the table.
    layer
        Layer or table name.
    id_column
        Source column holding the parcel id (``identificatie`` in BRK).
    assume_crs
        CRS for a source that declares none.
    repair
        Repair invalid polygons with ``make_valid`` and keep empty ones (both counted;
        a join reports empty parcels as not joined) instead of refusing them.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        ``parcel_id`` (string), the source attributes, polygon geometry.

    Raises
    ------
    InputError, SchemaError, CRSError, GeometryError
        As :func:`zicht._validate.validate_layer`.

    Examples
    --------
    >>> from zicht.ingest import default_geodata_dir
    >>> parcels, _ = read_parcels(default_geodata_dir() / "brk" / "kadastralekaart_perceel.gml")
    >>> len(parcels), parcels.geom_type.unique().tolist()
    (11, ['Polygon'])
    """
    frame = _read_vector(source, layer, what="parcels")
    report = LayerReport(layer="parcels", source=_source_name(source), rows_read=len(frame))
    frame = _assume_crs(frame, assume_crs, report)
    if id_column in frame:
        frame = frame.rename(columns={id_column: "parcel_id"})
        frame["parcel_id"] = frame["parcel_id"].astype("str")
    frame, report.sentinels = replace_sentinels(frame, skip=("parcel_id",))
    return validate_layer(frame, PARCELS, source=_source_name(source), repair=repair, report=report)


def read_units(
    source: str | Path,
    level: str,
    *,
    layer: str | None = None,
    id_column: str | None = None,
    assume_crs: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read a person or company unit table (points) into RD New.

    One row per person (located at the address where the person lives) or per company
    (at its business address), with a unique id and the attribute columns indicators filter
    on. CBS sentinel values in numeric columns (``-99999999`` …) become missing and are
    counted in the report.

    Parameters
    ----------
    source
        A GeoParquet file or folder, a GeoPackage, or a PostgreSQL URL (``layer=`` the
        table).
    level
        ``"person"`` or ``"company"``.
    layer
        Layer or table name.
    id_column
        Source column holding the unit id; by default ``person_id`` or ``company_id``.
    assume_crs
        CRS for a source that declares none.
    repair
        Keep locations outside the Netherlands (counted) instead of refusing them.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        ``person_id`` or ``company_id`` (string), the source attributes and point
        geometry (empty where the source has no location; the join reports those rows).

    Raises
    ------
    ConfigError
        If ``level`` is not ``"person"`` or ``"company"``.
    InputError, SchemaError, CRSError, GeometryError
        As :func:`zicht._validate.validate_layer`: an empty layer, no CRS, duplicate or
        missing ids, other geometry than points, each listing every problem at once.
    """
    if level not in ("person", "company"):
        raise ConfigError(f"unit level must be 'person' or 'company', got {level!r}")
    schema = UNIT_SCHEMAS[level]
    frame = _read_vector(source, layer, what=schema.name)
    report = LayerReport(layer=schema.name, source=_source_name(source), rows_read=len(frame))
    frame = _assume_crs(frame, assume_crs, report)
    id_col = id_column or schema.id_column
    if id_col != schema.id_column and id_col in frame:
        frame = frame.drop(columns=schema.id_column, errors="ignore")
        frame = frame.rename(columns={id_col: schema.id_column})
    if schema.id_column in frame:
        ids = frame[schema.id_column]
        frame[schema.id_column] = ids.astype("str").where(ids.notna(), None)
    frame, report.sentinels = replace_sentinels(frame, skip=(schema.id_column,))
    return validate_layer(frame, schema, source=_source_name(source), repair=repair, report=report)


def read_parks(
    path: str | Path,
    *,
    layer: str | None = None,
    id_column: str = "park_id",
    name_column: str = "name",
    assume_crs: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read holiday parks, as points (``parks.json``) or as boundaries, into RD New.

    Parameters
    ----------
    path
        The ``parks.json`` list of records (``park``, ``latitude``, ``longitude``,
        ``geocode_status``); or any vector source (file or PostgreSQL URL) of park
        polygons or points with an id and a name column.
    layer
        Layer or table name in a vector source.
    id_column, name_column
        Source columns of the park id and name in a vector source.
    assume_crs
        CRS for a vector source that declares none.
    repair
        Repair invalid park polygons (counted) instead of refusing them.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        From ``parks.json``: points with ``park_id``, ``name``, ``place``,
        ``geocode_status``, ``osm_type`` and ``location_trusted`` (False where only the
        place centre was found). From a vector source: ``park_id``, ``name``, the other
        attributes, and polygons (or points).

    Raises
    ------
    InputError
        If the source cannot be read or holds no parks.
    SchemaError
        If required columns are missing or park ids repeat.
    """
    text = str(path)
    if is_database_url(text) or not text.lower().endswith(".json") or _is_geojson(text):
        frame = _read_vector(path, layer, what="parks")
        report = LayerReport(layer="parks", source=_source_name(path), rows_read=len(frame))
        frame = _assume_crs(frame, assume_crs, report)
        frame = frame.rename(columns={id_column: "park_id", name_column: "name"})
        if "park_id" in frame:
            frame["park_id"] = frame["park_id"].astype("str")
        points = bool(len(frame)) and bool((frame.geom_type == "Point").all())
        schema = PARK_POINTS if points else PARK_AREAS
        return validate_layer(
            frame, schema, source=_source_name(path), repair=repair, report=report
        )
    return _read_park_records(Path(path))


def _is_geojson(path: str) -> bool:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(512).lstrip()
    except OSError:
        return False
    return head.startswith(b"{")


def _read_park_records(path: Path) -> tuple[gpd.GeoDataFrame, LayerReport]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read parks from {path}: {exc}") from exc
    if not isinstance(records, list) or not records:
        raise InputError(f"{path} holds no list of park records")
    table = pd.DataFrame.from_records(records)
    rows_read = len(table)
    # The shipped list repeats one park record verbatim; identical records are one park.
    table = table.loc[~table.astype("str").duplicated()].reset_index(drop=True)
    n_identical = rows_read - len(table)
    problems = Problems(f"parks ({path})")
    for col in ("park", "latitude", "longitude", "geocode_status"):
        if col not in table.columns:
            problems.add(f"missing column {col!r}")
    problems.raise_if_any(SchemaError)
    report = LayerReport(layer="parks", source=str(path), rows_read=rows_read)
    if n_identical:
        report.dropped["repeated verbatim"] = n_identical
        report.notes.append(f"{n_identical} record(s) repeated verbatim; kept once")
    lat = pd.to_numeric(table["latitude"], errors="coerce")
    lon = pd.to_numeric(table["longitude"], errors="coerce")
    ids = (
        table["park_number"].astype("int64").map(lambda n: f"P{n:04d}")
        if "park_number" in table
        else pd.Series([f"P{i + 1:04d}" for i in range(len(table))])
    )
    frame = gpd.GeoDataFrame(
        {
            "park_id": ids.astype("str"),
            "name": table["park"].astype("str"),
            "place": table.get("place", pd.Series("", index=table.index)).astype("str"),
            "geocode_status": table["geocode_status"].astype("str"),
            "osm_type": table.get("osm_type", pd.Series("", index=table.index)).astype("str"),
            "location_trusted": ~table["geocode_status"].str.startswith("Plaatscentrum"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    frame, report = validate_layer(frame, PARK_POINTS, source=str(path), report=report)
    n_untrusted = int((~frame["location_trusted"]).sum())
    report.notes.append(f"{n_untrusted} parks located only at a place centre (not trusted)")
    return frame, report


def write_layer(
    frame: gpd.GeoDataFrame,
    target: str | Path,
    *,
    layer: str,
    if_exists: str = "fail",
    h3_as_string: bool = True,
) -> str:
    """Write a layer to a GeoPackage, a GeoParquet file or a PostGIS table.

    Parameters
    ----------
    frame
        Layer to write; not modified.
    target
        ``.gpkg`` or ``.parquet`` path, or a PostgreSQL URL.
    layer
        Layer name in the GeoPackage, or ``[schema.]table`` in the database.
    if_exists
        ``"fail"``, ``"replace"`` or ``"append"``.
    h3_as_string
        Write ``h3_r*`` columns as hexadecimal strings (the export form) rather than
        64-bit integers.

    Returns
    -------
    str
        Where the layer went (path, or table name).

    Raises
    ------
    InputError
        If the target exists and ``if_exists="fail"``, or cannot be written.
    """
    out = frame.copy()
    if h3_as_string:
        for col in [c for c in out.columns if str(c).startswith("h3_r")]:
            out[col] = h3_to_str(out[col])
    text = str(target)
    if is_database_url(text):
        return write_postgis_layer(out, text, table=layer, if_exists=if_exists)
    path = Path(text)
    if path.exists() and if_exists == "fail" and path.suffix.lower() != ".gpkg":
        raise InputError(f"{path} exists; pass if_exists='replace'")
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        out.to_parquet(path)
        return str(path)
    existing = [str(n) for n, _ in pyogrio.list_layers(str(path))] if path.exists() else []
    if layer in existing and if_exists == "fail":
        raise InputError(f"{path} already holds layer {layer!r}; pass if_exists='replace'")
    mode = "a" if if_exists == "append" and layer in existing else "w"
    out.to_file(path, layer=layer, driver="GPKG", mode=mode)
    return f"{path}:{layer}"
