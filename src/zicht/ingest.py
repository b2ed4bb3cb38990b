"""Reading sources: the only module that touches files.

Every reader returns a GeoDataFrame in RD New (EPSG:28992) together with a
:class:`LayerReport` that says what was read, repaired or set to missing. A CRS is never
guessed: a source without one must be read with an explicit ``assume_crs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zicht._errors import CRSError, InputError, SchemaError
from zicht._validate import Problems, check_codes

__all__ = [
    "CBS_SENTINELS",
    "RD_NEW",
    "LayerReport",
    "read_boundaries",
    "read_parks",
    "repair_geometries",
]

RD_NEW = "EPSG:28992"
#: CBS writes these negative numbers for secret or missing figures.
CBS_SENTINELS = (-99999999, -99999997, -99999995, -99999994, -99999993)


@dataclass
class LayerReport:
    """What happened while reading one layer.

    Attributes
    ----------
    layer
        Name of the layer.
    source
        Path it was read from.
    rows_read
        Number of rows in the source.
    repaired
        Number of invalid geometries repaired with ``make_valid``.
    sentinels
        Per column, how many CBS sentinel values became missing.
    notes
        Free-text remarks (e.g. an assumed CRS).
    """

    layer: str
    source: str
    rows_read: int
    repaired: int = 0
    sentinels: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "layer": self.layer,
            "source": self.source,
            "rows_read": self.rows_read,
            "repaired": self.repaired,
            "sentinels": dict(self.sentinels),
            "notes": list(self.notes),
        }


def _read_vector(path: str | Path, layer: str | None) -> gpd.GeoDataFrame:
    """Read any vector file GDAL knows; TopoJSON needs GDAL's ``TopoJSON:`` prefix."""
    text = str(path)
    if text.endswith(".parquet"):
        return gpd.read_parquet(text)
    try:
        return pyogrio.read_dataframe(text, layer=layer)
    except pyogrio.errors.DataSourceError:
        if text.lower().endswith((".json", ".topojson")) and not text.startswith("TopoJSON:"):
            return pyogrio.read_dataframe(f"TopoJSON:{text}", layer=layer)
        raise


def repair_geometries(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons with the ``structure`` method of ``make_valid``.

    The default ``linework`` method fails on quantised CBS TopoJSON ("mixed-dimension
    overlay"); ``structure`` with ``keep_collapsed=False`` repairs them into polygons.

    Parameters
    ----------
    frame
        Polygon layer; not modified.

    Returns
    -------
    tuple of (GeoDataFrame, int)
        The repaired copy and the number of geometries that were repaired.
    """
    geoms = frame.geometry.array
    invalid = ~shapely.is_valid(geoms)
    n_invalid = int(invalid.sum())
    if n_invalid == 0:
        return frame.copy(), 0
    repaired = np.asarray(geoms, dtype=object).copy()
    fixed = shapely.make_valid(repaired[invalid], method="structure", keep_collapsed=False)
    # make_valid can return a collection holding stray lines; keep the polygonal part.
    fixed = np.array([_polygonal_part(g) for g in fixed], dtype=object)
    repaired[invalid] = fixed
    out = frame.copy()
    out = out.set_geometry(gpd.GeoSeries(repaired, index=frame.index, crs=frame.crs))
    return out, n_invalid


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _replace_sentinels(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    out = frame.copy()
    counts: dict[str, int] = {}
    for col in out.columns:
        if col == "geometry" or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        mask = out[col].isin(CBS_SENTINELS)
        if mask.any():
            counts[col] = int(mask.sum())
            out[col] = out[col].astype("float64").mask(mask)
    return out, counts


def read_boundaries(
    path: str | Path,
    *,
    level: str,
    layer: str | None = None,
    code_column: str = "code",
    name_column: str = "name",
    assume_crs: str | None = None,
    repair: bool = True,
    code_prefix: str | None = None,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read CBS boundaries (gemeente, wijk or buurt) into RD New.

    Parameters
    ----------
    path
        GeoPackage, shapefile, GeoJSON, TopoJSON or GeoParquet file.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``; codes must match its pattern.
    layer
        Layer name inside a multi-layer file.
    code_column, name_column
        Source columns holding the CBS code and the area name.
    assume_crs
        CRS to assign when the source declares none (e.g. ``"EPSG:4326"`` for the CBS
        2014 TopoJSON). Without it, a source with no CRS is refused.
    repair
        Repair invalid geometries (and count them) instead of refusing them.
    code_prefix
        Keep only areas whose code starts with this (e.g. ``"BU0228"`` for Ede).

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        Columns ``code``, ``name``, the other source attributes, and ``geometry``.

    Raises
    ------
    InputError
        If the file cannot be read or the selection is empty.
    CRSError
        If the source has no CRS and none is assumed.
    SchemaError
        If the code or name column is missing, codes are malformed or duplicated.
    """
    try:
        frame = _read_vector(path, layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputError(f"cannot read {level} boundaries from {path}: {exc}") from exc
    report = LayerReport(layer=level, source=str(path), rows_read=len(frame))
    problems = Problems(f"{level} boundaries ({path})")
    for col in (code_column, name_column):
        if col not in frame.columns:
            problems.add(f"missing column {col!r}; columns are {list(frame.columns)}")
    problems.raise_if_any(SchemaError)
    if frame.crs is None:
        if assume_crs is None:
            raise CRSError(
                f"{level} boundaries ({path}) declare no CRS; pass assume_crs= "
                "(e.g. 'EPSG:4326') if you know it"
            )
        frame = frame.set_crs(assume_crs)
        report.notes.append(f"source declares no CRS; assumed {assume_crs}")
    frame = frame.rename(columns={code_column: "code", name_column: "name"})
    frame["code"] = frame["code"].astype("str").str.strip()
    if code_prefix is not None:
        frame = frame[frame["code"].str.startswith(code_prefix)]
        if frame.empty:
            raise InputError(f"no {level} in {path} has a code starting with {code_prefix!r}")
    check_codes(frame["code"], level, problems)
    dupes = frame["code"][frame["code"].duplicated()].unique()
    if len(dupes):
        problems.add(f"{len(dupes)} duplicate codes, e.g. {list(dupes[:3])}")
    problems.raise_if_any(SchemaError)
    frame, sentinels = _replace_sentinels(frame)
    report.sentinels = sentinels
    frame = frame.to_crs(RD_NEW)
    if repair:
        frame, report.repaired = repair_geometries(frame)
    frame = frame.reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=RD_NEW), report


def read_parks(path: str | Path) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read holiday-park locations (the ``parks.json`` list of records) into RD New.

    Parameters
    ----------
    path
        JSON list of records with ``park``, ``latitude``, ``longitude`` and
        ``geocode_status``; or any vector file with a ``park_id`` and ``name`` column.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        Points with ``park_id``, ``name``, ``place``, ``geocode_status``, ``osm_type`` and
        ``location_trusted`` (False where only the place centre was found).

    Raises
    ------
    InputError
        If the file cannot be read or holds no parks.
    """
    path = Path(path)
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
    ).to_crs(RD_NEW)
    n_untrusted = int((~frame["location_trusted"]).sum())
    report.notes.append(f"{n_untrusted} parks located only at a place centre (not trusted)")
    dupes = frame["park_id"][frame["park_id"].duplicated()].unique()
    if len(dupes):
        raise SchemaError(
            f"parks ({path}): {len(dupes)} park ids used twice, e.g. {list(dupes[:3])}"
        )
    return frame, report
