"""Comparing two park boundary sets: what was added, removed or changed, and what moved.

Parks are matched by ``park_id``. For each park the diff gives the change, the area before and
after, the intersection-over-union of the two outlines, and how many addresses and parcels
moved in or out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._validate import require_rd

__all__ = ["CHANGES", "ParkDiff", "diff_parks"]

CHANGES = ("added", "removed", "changed", "unchanged")


@dataclass
class ParkDiff:
    """The difference between boundary sets A and B.

    Attributes
    ----------
    table
        One row per park in A or B: ``park_id``, ``name_a``, ``name_b``, ``change``,
        ``area_a_m2``, ``area_b_m2``, ``area_change_m2``, ``area_change_pct``, ``iou``,
        ``addresses_in``, ``addresses_out``, ``parcels_in``, ``parcels_out`` (missing when no
        addresses or parcels were given).
    summary
        Counts per change, total area change, total addresses and parcels moved.
    a, b
        The two sets (EPSG:28992), for the map.
    label_a, label_b
        Names of the two sets (version ids).
    """

    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    a: gpd.GeoDataFrame | None = None
    b: gpd.GeoDataFrame | None = None
    label_a: str = "A"
    label_b: str = "B"


def _membership(points: np.ndarray, parks: gpd.GeoDataFrame) -> dict[str, set[int]]:
    """For every park, the set of point rows inside it."""
    out: dict[str, set[int]] = {str(pid): set() for pid in parks["park_id"]}
    if len(points) == 0 or parks.empty:
        return out
    tree = shapely.STRtree(np.asarray(parks.geometry.array, dtype=object))
    pt, poly = tree.query(shapely.points(points), predicate="intersects")
    ids = parks["park_id"].astype("str").to_numpy()
    for p, k in zip(pt, poly, strict=True):
        out[ids[k]].add(int(p))
    return out


def _xy(layer: gpd.GeoDataFrame | None, what: str) -> np.ndarray | None:
    if layer is None:
        return None
    require_rd(layer, what)
    geoms = layer.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # A parcel counts at a point inside it: it is in a park when that point is.
    return shapely.get_coordinates(shapely.point_on_surface(geoms[has]))


def _change(
    ga: shapely.Geometry | None, gb: shapely.Geometry | None, same_name: bool, tolerance_m2: float
) -> tuple[str, float]:
    """Return how one park changed between the sets, and the overlap (IoU) of its shapes."""
    if ga is None:
        return "added", 0.0
    if gb is None:
        return "removed", 0.0
    inter = shapely.intersection(ga, gb).area
    union = shapely.union(ga, gb).area
    iou = inter / union if union else 1.0
    moved = union - inter
    return ("unchanged" if moved <= tolerance_m2 and same_name else "changed"), iou


def _moves(
    members: dict[str, tuple[dict[str, set[int]], dict[str, set[int]]]], pid: str
) -> dict[str, Any]:
    """Count the addresses and parcels that enter and leave one park (missing: not given)."""
    row: dict[str, Any] = {}
    for key in ("addresses", "parcels"):
        if key in members:
            in_a = members[key][0].get(pid, set())
            in_b = members[key][1].get(pid, set())
            row[f"{key}_in"] = len(in_b - in_a)
            row[f"{key}_out"] = len(in_a - in_b)
        else:
            row[f"{key}_in"] = pd.NA
            row[f"{key}_out"] = pd.NA
    return row


def diff_parks(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    addresses: gpd.GeoDataFrame | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    label_a: str = "A",
    label_b: str = "B",
    tolerance_m2: float = 1.0,
) -> ParkDiff:
    """Compare boundary sets ``a`` and ``b`` park by park.

    Parameters
    ----------
    a, b
        Boundary sets with ``park_id``, ``name`` and polygons, in EPSG:28992.
    addresses
        Optional address points; counted per park as moving in (inside in B, not in A) or
        out.
    parcels
        Optional cadastral parcels; each counts at a point inside it.
    label_a, label_b
        Names of the sets in the output (version ids).
    tolerance_m2
        A park whose outline changed by less than this area (symmetric difference) and whose
        name is the same is ``unchanged``.

    Returns
    -------
    ParkDiff
        The table, the summary and the two sets.

    Raises
    ------
    CRSError
        If a layer is not in EPSG:28992.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> a = gpd.GeoDataFrame({"park_id": ["P1"], "name": ["Bos"]},
    ...                      geometry=[shapely.box(0, 0, 100, 100)], crs=28992)
    >>> b = gpd.GeoDataFrame({"park_id": ["P1"], "name": ["Bos"]},
    ...                      geometry=[shapely.box(0, 0, 100, 150)], crs=28992)
    >>> row = diff_parks(a, b).table.iloc[0]
    >>> row.change, float(row.area_change_m2)
    ('changed', 5000.0)
    """
    for frame, what in ((a, label_a), (b, label_b)):
        require_rd(frame, f"park set {what}")
    geo_a = dict(zip(a["park_id"].astype("str"), a.geometry, strict=True))
    geo_b = dict(zip(b["park_id"].astype("str"), b.geometry, strict=True))
    name_a = dict(zip(a["park_id"].astype("str"), a["name"].astype("str"), strict=True))
    name_b = dict(zip(b["park_id"].astype("str"), b["name"].astype("str"), strict=True))
    addr_xy = _xy(addresses, "addresses")
    parc_xy = _xy(parcels, "parcels")
    members = {
        key: (_membership(xy, a), _membership(xy, b))
        for key, xy in (("addresses", addr_xy), ("parcels", parc_xy))
        if xy is not None
    }
    rows = []
    for pid in sorted(set(geo_a) | set(geo_b)):
        ga, gb = geo_a.get(pid), geo_b.get(pid)
        area_a = float(ga.area) if ga is not None else 0.0
        area_b = float(gb.area) if gb is not None else 0.0
        change, iou = _change(ga, gb, name_a.get(pid) == name_b.get(pid), tolerance_m2)
        row: dict[str, Any] = {
            "park_id": pid,
            "name_a": name_a.get(pid, ""),
            "name_b": name_b.get(pid, ""),
            "change": change,
            "area_a_m2": round(area_a, 1),
            "area_b_m2": round(area_b, 1),
            "area_change_m2": round(area_b - area_a, 1),
            "area_change_pct": round(100 * (area_b - area_a) / area_a, 2) if area_a else np.nan,
            "iou": round(iou, 4),
        }
        rows.append({**row, **_moves(members, pid)})
    table = pd.DataFrame.from_records(
        rows,
        columns=[
            "park_id",
            "name_a",
            "name_b",
            "change",
            "area_a_m2",
            "area_b_m2",
            "area_change_m2",
            "area_change_pct",
            "iou",
            "addresses_in",
            "addresses_out",
            "parcels_in",
            "parcels_out",
        ],
    )
    for col in ("addresses_in", "addresses_out", "parcels_in", "parcels_out"):
        table[col] = table[col].astype("Int64")
    summary: dict[str, Any] = {
        "label_a": label_a,
        "label_b": label_b,
        "parks_a": len(a),
        "parks_b": len(b),
        **{change: int((table["change"] == change).sum()) for change in CHANGES},
        "area_a_m2": round(float(a.geometry.area.sum()), 1),
        "area_b_m2": round(float(b.geometry.area.sum()), 1),
    }
    for key in ("addresses", "parcels"):
        if key in members:
            summary[f"{key}_in"] = int(table[f"{key}_in"].sum())
            summary[f"{key}_out"] = int(table[f"{key}_out"].sum())
    return ParkDiff(
        table=table,
        summary=summary,
        a=a[["park_id", "name", "geometry"]].copy(),
        b=b[["park_id", "name", "geometry"]].copy(),
        label_a=label_a,
        label_b=label_b,
    )
