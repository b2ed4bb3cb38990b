"""Versioned park boundary sets in one GeoPackage.

A *park store* is a GeoPackage with two layers: ``park_versions`` (one row per version:
``version_id``, ``created``, ``author``, ``reason``, ``parent_version``, ``n_parks``,
``content_sha256``, ``rule_ids``) and ``park_boundaries`` (every park of every version, keyed by
``version_id``). Versions are only added, never changed, so a release that names a version can
always be traced back to the boundaries it used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

from zicht._errors import InputError, SchemaError
from zicht.parks._validate import validate_boundaries
from zicht.schemas import RD_NEW

__all__ = [
    "LAYER_BOUNDARIES",
    "LAYER_VERSIONS",
    "STORE_COLUMNS",
    "VersionInfo",
    "boundaries_sha256",
    "list_park_versions",
    "load_park_version",
    "read_boundary_file",
    "save_park_version",
]

LAYER_VERSIONS = "park_versions"
LAYER_BOUNDARIES = "park_boundaries"
#: The attributes kept per park in the store, besides ``version_id`` and the geometry.
STORE_COLUMNS = (
    "park_id",
    "name",
    "source",
    "park_type",
    "matched_park_ids",
    "rule_id",
    "rule_json",
    "rule_text",
    "note",
)
_VERSION_COLUMNS = (
    "version_id",
    "created",
    "author",
    "reason",
    "parent_version",
    "n_parks",
    "content_sha256",
    "rule_ids",
)


@dataclass(frozen=True)
class VersionInfo:
    """One version of a park boundary set.

    Attributes
    ----------
    version_id
        ``v1``, ``v2`` … in order of saving.
    created
        ISO 8601 time of saving (UTC).
    author
        Who saved it.
    reason
        Why (free text, required).
    parent_version
        The version it was made from; empty for a first version.
    n_parks
        Number of parks.
    content_sha256
        Hash of the ids, names and geometries (1 cm precision): equal sets, equal hashes.
    rule_ids
        Comma-separated ids of the derivation rules its boundaries record.
    store
        The GeoPackage it lives in.
    """

    version_id: str
    created: str
    author: str
    reason: str
    parent_version: str
    n_parks: int
    content_sha256: str
    rule_ids: str
    store: str = ""

    def to_manifest(self) -> dict[str, Any]:
        """Return the version as the release manifest names it.

        Examples
        --------
        >>> VersionInfo("v2", "2024-01-01T00:00:00+00:00", "ab", "edit", "v1", 3, "00",
        ...             "r1").to_manifest()["version_id"]
        'v2'
        """
        return asdict(self)


def boundaries_sha256(parks: gpd.GeoDataFrame) -> str:
    """Hash the ids, names and geometries (rounded to 1 cm) of a boundary set, in id order."""
    ordered = parks.sort_values("park_id")
    geoms = shapely.normalize(shapely.set_precision(ordered.geometry.array, 0.01))
    digest = hashlib.sha256()
    for pid, name, wkb in zip(
        ordered["park_id"].astype("str"),
        ordered["name"].astype("str"),
        shapely.to_wkb(geoms),
        strict=True,
    ):
        digest.update(f"{pid}\x1f{name}\x1f".encode())
        digest.update(wkb)
    return digest.hexdigest()


def _layers(store: Path) -> set[str]:
    if not store.exists():
        return set()
    return {str(name) for name, _ in pyogrio.list_layers(store)}


def list_park_versions(store: str | Path) -> pd.DataFrame:
    """List the versions in a park store, oldest first.

    Parameters
    ----------
    store
        The GeoPackage.

    Returns
    -------
    pandas.DataFrame
        One row per version with the :class:`VersionInfo` fields; empty (with the columns)
        when the store does not exist yet.

    Raises
    ------
    InputError
        If the file exists but is not a park store.
    """
    path = Path(store)
    layers = _layers(path)
    if not layers:
        return pd.DataFrame(columns=list(_VERSION_COLUMNS))
    if LAYER_VERSIONS not in layers:
        raise InputError(f"{path} is not a park store: it has no {LAYER_VERSIONS!r} layer")
    table = pyogrio.read_dataframe(path, layer=LAYER_VERSIONS, read_geometry=False)
    table = pd.DataFrame(table)
    table["n_parks"] = table["n_parks"].astype("int64")
    order = table["version_id"].str.slice(1).astype("int64")
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _info(row: pd.Series, store: Path) -> VersionInfo:
    values: dict[str, Any] = {
        c: (int(row[c]) if c == "n_parks" else str(row[c] or "")) for c in _VERSION_COLUMNS
    }
    return VersionInfo(**values, store=str(store))


def load_park_version(
    store: str | Path, version_id: str | None = None
) -> tuple[gpd.GeoDataFrame, VersionInfo]:
    """Load one version of the park boundaries (the latest by default).

    Parameters
    ----------
    store
        The GeoPackage.
    version_id
        ``"v3"`` …; ``None`` loads the latest.

    Returns
    -------
    tuple of (GeoDataFrame, VersionInfo)
        The parks (EPSG:28992, MultiPolygons, :data:`STORE_COLUMNS`) and the version.

    Raises
    ------
    InputError
        If the store is missing, empty, or has no such version (the message lists them).

    Examples
    --------
    >>> parks, version = load_park_version("out/parks/parks.gpkg")  # doctest: +SKIP
    >>> version.version_id  # doctest: +SKIP
    'v3'
    """
    path = Path(store)
    if not path.exists():
        raise InputError(f"park store {path} does not exist; create it with 'zicht parks derive'")
    versions = list_park_versions(path)
    if versions.empty:
        raise InputError(f"park store {path} holds no version yet")
    if version_id is None:
        row = versions.iloc[-1]
    else:
        match = versions[versions["version_id"] == version_id]
        if match.empty:
            raise InputError(
                f"park store {path} has no version {version_id!r}; "
                f"it has {versions['version_id'].tolist()}"
            )
        row = match.iloc[0]
    info = _info(row, path)
    parks = pyogrio.read_dataframe(
        path, layer=LAYER_BOUNDARIES, where=f"version_id = '{info.version_id}'"
    )
    parks = gpd.GeoDataFrame(parks, geometry="geometry", crs=parks.crs)
    parks = parks.drop(columns="version_id").sort_values("park_id").reset_index(drop=True)
    for col in STORE_COLUMNS:
        # A store written before a column existed (park_type) reads it as empty.
        parks[col] = parks[col].fillna("").astype("str") if col in parks else ""
    return parks, info


def save_park_version(
    store: str | Path,
    parks: gpd.GeoDataFrame,
    *,
    author: str,
    reason: str,
    parent_version: str | None = None,
    created: datetime | None = None,
    netherlands: shapely.Geometry | None = None,
) -> VersionInfo:
    """Validate a boundary set and add it to the store as a new version.

    Parameters
    ----------
    store
        The GeoPackage; created when missing.
    parks
        The boundary set (see :func:`zicht.parks.validate_boundaries`).
    author
        Who saves it (required).
    reason
        Why (required), e.g. ``"moved the north edge of P0142 to the parcel line"``.
    parent_version
        The version it was made from; must exist in the store.
    created
        Time of saving; now by default.
    netherlands
        The country polygon for the inside-the-Netherlands check.

    Returns
    -------
    VersionInfo
        The new version.

    Raises
    ------
    SchemaError
        If author or reason is empty, or the parent does not exist.
    GeometryError, SchemaError
        If the boundary set is not valid (every problem listed).
    InputError
        If the set is identical to its parent.
    """
    path = Path(store)
    problems = [
        f"{what} is required"
        for what, v in (("author", author), ("reason", reason))
        if not str(v).strip()
    ]
    versions = list_park_versions(path)
    if parent_version and parent_version not in set(versions["version_id"]):
        problems.append(
            f"parent version {parent_version!r} is not in {path} "
            f"(versions: {versions['version_id'].tolist()})"
        )
    if problems:
        raise SchemaError(f"cannot save a park version: {'; '.join(problems)}")
    clean = validate_boundaries(parks, netherlands=netherlands)
    digest = boundaries_sha256(clean)
    if parent_version:
        parent_hash = versions.loc[versions["version_id"] == parent_version, "content_sha256"]
        if parent_hash.iloc[0] == digest:
            raise InputError(f"the boundaries are identical to {parent_version}; nothing to save")
    number = 1 + (
        int(versions["version_id"].str.slice(1).astype("int64").max()) if len(versions) else 0
    )
    rule_ids = (
        sorted({r for r in clean["rule_id"].astype("str") if r and r != "nan"})
        if "rule_id" in clean
        else []
    )
    info = VersionInfo(
        version_id=f"v{number}",
        created=(created or datetime.now(UTC)).isoformat(timespec="seconds"),
        author=str(author).strip(),
        reason=str(reason).strip(),
        parent_version=parent_version or "",
        n_parks=len(clean),
        content_sha256=digest,
        rule_ids=",".join(rule_ids),
        store=str(path),
    )
    rows = pd.DataFrame({"version_id": info.version_id}, index=clean.index)
    for col in STORE_COLUMNS:
        rows[col] = (
            clean[col].astype("object").where(clean[col].notna(), "").astype("str")
            if col in clean
            else ""
        )
    boundaries = gpd.GeoDataFrame(rows, geometry=clean.geometry.array, crs=RD_NEW)
    table = pd.DataFrame([{c: getattr(info, c) for c in _VERSION_COLUMNS}])
    path.parent.mkdir(parents=True, exist_ok=True)
    append = LAYER_BOUNDARIES in _layers(path)
    pyogrio.write_dataframe(
        boundaries,
        path,
        layer=LAYER_BOUNDARIES,
        driver="GPKG",
        append=append,
        geometry_type="MultiPolygon",
    )
    pyogrio.write_dataframe(table, path, layer=LAYER_VERSIONS, driver="GPKG", append=append)
    return info


#: A vertex whose stored RD New coordinates lie farther than this from its WGS84 position
#: (converted) was changed outside the editor; its WGS84 position wins.
RD_CONSISTENCY_M = 0.05


def read_boundary_file(path: str | Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a boundary file (GeoJSON from the edit map, GeoPackage, shapefile …).

    A GeoJSON file written by the edit map carries a ``zicht`` member with the version it was
    made from (``parent_version``) and the store; it is returned as the second value. Its
    features also carry ``rd_coordinates``: the RD New coordinates of every vertex the editor
    did not move. Those are taken as they are, so a boundary that was not edited comes back to
    the millimetre (exactly, in fact); moved and new vertices (``null`` there) are converted
    from their WGS84 position. The counts are in the metadata as ``rd_vertices``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    tuple of (GeoDataFrame, dict)
        The features (in RD New when the file came from the edit map, else in the CRS the
        file declares; GeoJSON is WGS84) and the ``zicht`` metadata (empty when absent).

    Raises
    ------
    InputError
        If the file cannot be read or holds no features.
    """
    path = Path(path)
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputError(f"cannot read park boundaries from {path}: {exc}") from exc
    if frame.empty:
        raise InputError(f"{path} holds no park boundaries")
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs)
    meta: dict[str, Any] = {}
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:  # pragma: no cover - GDAL read it
            raise InputError(f"cannot read {path} as JSON: {exc}") from exc
        if isinstance(document, dict) and isinstance(document.get("zicht"), dict):
            meta = dict(document["zicht"])
        features = document.get("features", []) if isinstance(document, dict) else []
        if len(features) == len(frame) and any("rd_coordinates" in f for f in features):
            frame, meta["rd_vertices"] = _restore_rd(frame, features)
    return frame, meta


def _flatten(coords: Any) -> list[Any]:
    if coords is None or (len(coords) and isinstance(coords[0], (int, float))):
        return [coords]
    return [v for c in coords for v in _flatten(c)]


def _restore_rd(
    frame: gpd.GeoDataFrame, features: list[dict[str, Any]]
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Rebuild the geometries in RD New from the editor's ``rd_coordinates`` and WGS84."""
    to_rd = Transformer.from_crs("EPSG:4326", RD_NEW, always_xy=True)
    counts = {"kept": 0, "converted": 0, "changed_outside_editor": 0}
    geoms = []
    for feature in features:
        geom = shapely.geometry.shape(feature["geometry"]) if feature.get("geometry") else None
        if geom is None or geom.is_empty:
            geoms.append(geom)
            continue
        wgs = shapely.get_coordinates(geom)
        converted = np.column_stack(to_rd.transform(wgs[:, 0], wgs[:, 1]))
        stored = _flatten(feature.get("rd_coordinates"))
        if len(stored) != len(wgs):
            stored = [None] * len(wgs)
        known = np.array([v is not None for v in stored])
        # a ring's closing position repeats its first vertex: count each vertex once
        vertex = np.ones(len(wgs), dtype=bool)
        rings = shapely.get_rings(shapely.get_parts(geom))
        vertex[np.cumsum(shapely.get_num_coordinates(rings)) - 1] = False
        rd = converted.copy()
        if known.any():
            given = np.array([v for v in stored if v is not None], dtype="float64")
            near = np.hypot(*(given - converted[known]).T) <= RD_CONSISTENCY_M
            rows = np.flatnonzero(known)[near]
            rd[rows] = given[near]
            far = np.flatnonzero(known)[~near]
            counts["kept"] += int(vertex[rows].sum())
            counts["changed_outside_editor"] += int(vertex[far].sum())
        counts["converted"] += int((vertex & ~known).sum())
        geoms.append(shapely.set_coordinates(geom, rd))
    out = frame.drop(columns=frame.geometry.name)
    return gpd.GeoDataFrame(out, geometry=geoms, crs=RD_NEW), counts
