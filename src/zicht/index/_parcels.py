"""Parcels (polygons) onto H3 cells by area, onto buurten by largest overlap, and to addresses.

H3's own polygon fill keeps the cells whose *centre* lies in a polygon, so a parcel smaller
than a hexagon usually gets no cell at all and vanishes from every total. Here a parcel is
cut by every hexagon it overlaps and each piece carries its share of the parcel's area:
shares sum to 1 per parcel, so any parcel total spread by them is conserved.
"""

from __future__ import annotations

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely

from zicht._errors import ConfigError, SchemaError
from zicht._h3 import cells_to_polygons, latlng_to_cells, rd_to_lnglat
from zicht._validate import require_rd
from zicht.index._join import JoinReport
from zicht.schemas import RD_NEW

__all__ = [
    "REASON_INVALID_PARCEL",
    "REASON_MISSING_PARCEL",
    "REASON_OUTSIDE_BUURT",
    "apportion_parcels",
    "assign_parcel_areas",
    "join_parcels",
    "link_addresses_to_parcels",
]

REASON_MISSING_PARCEL = "missing or empty geometry"
REASON_INVALID_PARCEL = "invalid geometry"
REASON_OUTSIDE_BUURT = "outside every buurt"


def _check(frame: gpd.GeoDataFrame, what: str, id_column: str) -> None:
    require_rd(frame, what)
    if id_column not in frame:
        raise SchemaError(f"{what} lack a {id_column!r} column")


def _usable(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of geometries that are present, and of those that are also valid."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    valid = present & shapely.is_valid(geoms)
    return present, valid


def _candidate_pairs(geoms: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """(parcel row, cell) pairs that include every hexagon meeting each parcel.

    Boundaries are densified to a third of the hexagon edge; the cells of those vertices
    and their neighbours hold every hexagon the boundary crosses, and the cells whose
    centre lies inside a large parcel hold the hexagons wholly inside it.
    """
    edge_m = h3i.average_hexagon_edge_length(resolution, unit="m")
    rings = shapely.segmentize(shapely.boundary(geoms), max_segment_length=edge_m / 3)
    coords, row = shapely.get_coordinates(rings, return_index=True)
    lon, lat = rd_to_lnglat(coords[:, 0], coords[:, 1])
    cells = latlng_to_cells(lat, lon, resolution)
    pairs = pd.DataFrame({"row": row, "cell": cells}).drop_duplicates()
    ring = [
        (r, n)
        for r, c in zip(pairs["row"], pairs["cell"], strict=True)
        for n in h3i.grid_disk(int(c), 1)
    ]
    rows = [np.asarray([r for r, _ in ring], dtype=np.int64)]
    found = [np.asarray([n for _, n in ring], dtype=np.int64)]
    hex_area = h3i.average_hexagon_area(resolution, unit="m^2")
    big = np.flatnonzero(shapely.area(geoms) > hex_area / 2)
    if len(big):
        wgs = gpd.GeoSeries(geoms[big], crs=RD_NEW).to_crs(4326)
        for r, shape in zip(big, wgs, strict=True):
            inner = h3i.geo_to_cells(shape, resolution)
            rows.append(np.full(len(inner), r, dtype=np.int64))
            found.append(np.asarray(list(inner), dtype=np.int64))
    out = pd.DataFrame({"row": np.concatenate(rows), "cell": np.concatenate(found)})
    out = out.drop_duplicates().sort_values(["row", "cell"])
    return out["row"].to_numpy(), out["cell"].to_numpy()


def apportion_parcels(
    parcels: gpd.GeoDataFrame, resolution: int = 9, *, id_column: str = "parcel_id"
) -> pd.DataFrame:
    """Cut every parcel by the H3 hexagons it overlaps and give each piece its area share.

    Parameters
    ----------
    parcels
        Parcel polygons in EPSG:28992 with a unique ``id_column``.
    resolution
        H3 resolution, 7 to 12.
    id_column
        Column of the parcel ids.

    Returns
    -------
    pandas.DataFrame
        One row per (parcel, cell) piece: ``parcel_id``, ``h3_r{resolution}`` (int64),
        ``area_m2`` of the piece and ``fraction`` of the parcel's area (summing to 1 per
        parcel). Parcels with a missing, empty or invalid geometry have no pieces.

    Raises
    ------
    ConfigError
        If the resolution is outside 7–12.
    CRSError, SchemaError
        If the parcels are not in RD New or lack the id column.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> tiny = gpd.GeoDataFrame({"parcel_id": ["p1"]},
    ...     geometry=[shapely.box(174000, 448000, 174002, 448003)], crs=RD_NEW)
    >>> apportion_parcels(tiny, 9)[["parcel_id", "fraction"]].to_dict("records")
    [{'parcel_id': 'p1', 'fraction': 1.0}]
    """
    if not 7 <= resolution <= 12:
        raise ConfigError(f"H3 resolution must be 7 to 12, got {resolution}")
    _check(parcels, "parcels", id_column)
    geoms = parcels.geometry.to_numpy()
    _, valid = _usable(geoms)
    rows_ok = np.flatnonzero(valid)
    col = f"h3_r{resolution}"
    empty = pd.DataFrame(
        {
            "parcel_id": pd.Series(dtype="str"),
            col: pd.Series(dtype="int64"),
            "area_m2": pd.Series(dtype="float64"),
            "fraction": pd.Series(dtype="float64"),
        }
    )
    if not len(rows_ok):
        return empty
    sub_row, cell = _candidate_pairs(geoms[rows_ok], resolution)
    uniq, inverse = np.unique(cell, return_inverse=True)
    hexes = cells_to_polygons(uniq).to_numpy()
    pieces = shapely.area(shapely.intersection(geoms[rows_ok][sub_row], hexes[inverse]))
    keep = pieces > 0
    row = rows_ok[sub_row[keep]]
    frame = pd.DataFrame(
        {
            "parcel_id": parcels[id_column].astype("str").to_numpy()[row],
            col: cell[keep],
            "area_m2": pieces[keep],
        }
    )
    total = frame.groupby("parcel_id", sort=False)["area_m2"].transform("sum")
    # Hexagon pieces tile the parcel; dividing by their sum (not the parcel's area)
    # makes the shares add to exactly 1 despite float noise at the hexagon edges.
    frame["fraction"] = frame["area_m2"] / total
    return frame.reset_index(drop=True)


def assign_parcel_areas(
    parcels: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, prefix: str = "buurt"
) -> pd.DataFrame:
    """Give every parcel the area (buurt) with which it overlaps most.

    Parameters
    ----------
    parcels
        Parcel polygons in EPSG:28992.
    areas
        Areas in EPSG:28992 with a unique ``code``.
    prefix
        Output column prefix.

    Returns
    -------
    pandas.DataFrame
        ``{prefix}_code`` (missing where the parcel meets no area, or its geometry is
        missing or invalid) and ``{prefix}_share`` (the share of the parcel's area in
        that area), aligned to ``parcels.index``. Equal overlaps go to the smallest code.
    """
    geoms = parcels.geometry.to_numpy()
    _, valid = _usable(geoms)
    codes = np.full(len(parcels), None, dtype=object)
    share = np.full(len(parcels), np.nan)
    rows_ok = np.flatnonzero(valid)
    if len(rows_ok):
        tree = shapely.STRtree(areas.geometry.to_numpy())
        p_i, a_i = tree.query(geoms[rows_ok], predicate="intersects")
        overlap = shapely.area(
            shapely.intersection(geoms[rows_ok][p_i], areas.geometry.to_numpy()[a_i])
        )
        pairs = pd.DataFrame(
            {
                "row": rows_ok[p_i],
                "code": areas["code"].astype("str").to_numpy()[a_i],
                "m2": overlap,
            }
        )
        pairs = pairs[pairs["m2"] > 0].sort_values(
            ["row", "m2", "code"], ascending=[True, False, True]
        )
        best = pairs.drop_duplicates("row")
        codes[best["row"].to_numpy()] = best["code"].to_numpy()
        share[best["row"].to_numpy()] = best["m2"].to_numpy() / shapely.area(
            geoms[best["row"].to_numpy()]
        )
    return pd.DataFrame(
        {f"{prefix}_code": pd.array(codes, dtype="str"), f"{prefix}_share": share},
        index=parcels.index,
    )


def link_addresses_to_parcels(
    addresses: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, *, id_column: str = "parcel_id"
) -> pd.Series:
    """Give every address the parcel it lies in.

    Parameters
    ----------
    addresses
        Points in EPSG:28992.
    parcels
        Parcel polygons in EPSG:28992 with ``id_column``.
    id_column
        Column of the parcel ids.

    Returns
    -------
    pandas.Series
        ``parcel_id`` aligned to ``addresses.index``; missing where the address lies in
        no parcel or has no location. An address on a shared parcel edge gets the
        smallest id.
    """
    _check(parcels, "parcels", id_column)
    geoms = addresses.geometry.to_numpy()
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pgeoms = parcels.geometry.to_numpy()
    _, valid = _usable(pgeoms)
    tree = shapely.STRtree(np.where(valid, pgeoms, None))
    rows = np.flatnonzero(has)
    a_i, p_i = tree.query(geoms[rows], predicate="intersects")
    ids = parcels[id_column].astype("str").to_numpy()
    pairs = pd.DataFrame({"row": rows[a_i], "parcel_id": ids[p_i]}).sort_values(
        ["row", "parcel_id"]
    )
    first = pairs.drop_duplicates("row")
    out = np.full(len(addresses), None, dtype=object)
    out[first["row"].to_numpy()] = first["parcel_id"].to_numpy()
    return pd.Series(pd.array(out, dtype="str"), index=addresses.index, name="parcel_id")


def join_parcels(
    parcels: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    resolution: int = 9,
    addresses: gpd.GeoDataFrame | None = None,
    id_column: str = "parcel_id",
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, JoinReport]:
    """Apportion parcels to H3, give each its buurt, and link the addresses in it.

    Parameters
    ----------
    parcels
        Parcel polygons in EPSG:28992 with a unique ``id_column``.
    buurten
        Buurt boundaries with ``code``.
    resolution
        H3 resolution of the pieces.
    addresses
        Optional points; adds ``n_addresses`` per parcel and returns no link table (use
        :func:`link_addresses_to_parcels` for the address side).
    id_column
        Column of the parcel ids.

    Returns
    -------
    tuple of (GeoDataFrame, DataFrame, JoinReport)
        The parcels with ``buurt_code``, ``buurt_share``, ``wijk_code``,
        ``gemeente_code``, ``n_h3_cells``, ``n_addresses`` (with ``addresses``) and
        ``joined``; the pieces (:func:`apportion_parcels`); and the report accounting
        for every parcel.
    """
    _check(parcels, "parcels", id_column)
    if parcels[id_column].duplicated().any():
        dupes = parcels[id_column][parcels[id_column].duplicated()].unique()[:3].tolist()
        raise SchemaError(f"parcels repeat ids in {id_column!r}, e.g. {dupes}")
    pieces = apportion_parcels(parcels, resolution, id_column=id_column)
    out = parcels.copy()
    areas = assign_parcel_areas(parcels, buurten)
    out["buurt_code"] = areas["buurt_code"]
    out["buurt_share"] = areas["buurt_share"]
    out["wijk_code"] = ("WK" + out["buurt_code"].str.slice(2, 8)).where(out["buurt_code"].notna())
    out["gemeente_code"] = ("GM" + out["buurt_code"].str.slice(2, 6)).where(
        out["buurt_code"].notna()
    )
    n_cells = pieces.groupby("parcel_id").size()
    out["n_h3_cells"] = (
        out[id_column].astype("str").map(n_cells).fillna(0).astype("int64").to_numpy()
    )
    if addresses is not None:
        link = link_addresses_to_parcels(addresses, parcels, id_column=id_column)
        counts = link.value_counts()
        out["n_addresses"] = (
            out[id_column].astype("str").map(counts).fillna(0).astype("int64").to_numpy()
        )
    present, valid = _usable(parcels.geometry.to_numpy())
    reasons = {
        REASON_MISSING_PARCEL: ~present,
        REASON_INVALID_PARCEL: present & ~valid,
        REASON_OUTSIDE_BUURT: valid & out["buurt_code"].isna().to_numpy(),
    }
    failed = np.zeros(len(parcels), dtype=bool)
    not_joined: dict[str, int] = {}
    for reason, mask in reasons.items():
        n = int((mask & ~failed).sum())
        failed |= mask
        if n:
            not_joined[reason] = n
    out["joined"] = ~failed
    report = JoinReport(rows_in=len(parcels), joined=int((~failed).sum()), not_joined=not_joined)
    return out, pieces, report
