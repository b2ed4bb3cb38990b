"""Comparing two park boundary sets: what was added, removed or changed, and what moved.

Parks are matched by ``park_id``. For each park the diff gives the change, the area before and
after, the intersection-over-union of the two outlines, how far the outlines lie apart (the
Hausdorff distance of their boundaries) and how many addresses and parcels moved in or out of
it. A park is *unchanged* when its name (and type) is the same and no point of either outline lies
farther than ``tolerance_m`` (1 mm by default) from the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import CRSError
from zicht.parks._derive import is_rd
from zicht.schemas import RD_NEW

__all__ = ["CHANGES", "DIFF_COLUMNS", "ParkDiff", "diff_parks"]

CHANGES = ("added", "removed", "changed", "unchanged")
_MEMBER_COLUMNS = ["addresses_in", "addresses_out", "parcels_in", "parcels_out"]
DIFF_COLUMNS = [
    "park_id",
    "name_a",
    "name_b",
    "park_type_a",
    "park_type_b",
    "change",
    "area_a_m2",
    "area_b_m2",
    "area_change_m2",
    "area_change_pct",
    "iou",
    "max_shift_m",
    *_MEMBER_COLUMNS,
]


@dataclass
class ParkDiff:
    """The difference between boundary sets A and B.

    Attributes
    ----------
    table
        One row per park in A or B: :data:`DIFF_COLUMNS` (``max_shift_m`` is the Hausdorff
        distance of the two boundaries; the address and parcel columns are missing when none
        were given).
    summary
        Counts per change, total area change, total addresses and parcels moved, the
        tolerance.
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

    @property
    def n_changes(self) -> int:
        """Return how many parks were added, removed or changed."""
        return sum(int(self.summary.get(c, 0)) for c in ("added", "removed", "changed"))


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
    if not is_rd(layer.crs):
        raise CRSError(f"{what} must be in {RD_NEW}, got {layer.crs}")
    geoms = layer.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # A parcel counts at a point inside it: it is in a park when that point is.
    return shapely.get_coordinates(shapely.point_on_surface(geoms[has]))


def _compare(
    ga: shapely.Geometry | None, gb: shapely.Geometry | None, same: bool, tolerance_m: float
) -> tuple[str, float, float]:
    """Return the change of one park, its IoU and the largest shift of its boundary."""
    if ga is None:
        return "added", 0.0, np.nan
    if gb is None:
        return "removed", 0.0, np.nan
    if shapely.equals_exact(shapely.normalize(ga), shapely.normalize(gb), 0.0):
        shift = 0.0
    else:
        shift = float(shapely.hausdorff_distance(ga.boundary, gb.boundary))
    inter = shapely.intersection(ga, gb).area
    union = shapely.union(ga, gb).area
    iou = inter / union if union else 1.0
    change = "unchanged" if shift <= tolerance_m and same else "changed"
    return change, iou, shift


def _row(
    pid: str,
    geoms: tuple[shapely.Geometry | None, shapely.Geometry | None],
    names: tuple[tuple[str, str], tuple[str, str]],
    tolerance_m: float,
) -> dict[str, Any]:
    ga, gb = geoms
    change, iou, shift = _compare(ga, gb, names[0] == names[1], tolerance_m)
    (name_a, type_a), (name_b, type_b) = names
    area_a = float(ga.area) if ga is not None else 0.0
    area_b = float(gb.area) if gb is not None else 0.0
    return {
        "park_id": pid,
        "name_a": name_a,
        "name_b": name_b,
        "park_type_a": type_a,
        "park_type_b": type_b,
        "change": change,
        "area_a_m2": round(area_a, 1),
        "area_b_m2": round(area_b, 1),
        "area_change_m2": round(area_b - area_a, 1),
        "area_change_pct": round(100 * (area_b - area_a) / area_a, 2) if area_a else np.nan,
        "iou": round(iou, 4),
        "max_shift_m": round(shift, 4) if np.isfinite(shift) else np.nan,
    }


def _moved(
    table: pd.DataFrame, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, layers: dict[str, Any]
) -> pd.DataFrame:
    """Add how many addresses and parcels moved into and out of every park."""
    out = table.copy()
    for key in ("addresses", "parcels"):
        xy = layers.get(key)
        if xy is None:
            out[f"{key}_in"] = pd.array([pd.NA] * len(out), dtype="Int64")
            out[f"{key}_out"] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        in_a, in_b = _membership(xy, a), _membership(xy, b)
        pids = out["park_id"]
        empty: set[int] = set()
        out[f"{key}_in"] = pd.array(
            [len(in_b.get(p, empty) - in_a.get(p, empty)) for p in pids], dtype="Int64"
        )
        out[f"{key}_out"] = pd.array(
            [len(in_a.get(p, empty) - in_b.get(p, empty)) for p in pids], dtype="Int64"
        )
    return out


def _summary(
    table: pd.DataFrame,
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    labels: tuple[str, str],
    counted: list[str],
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "label_a": labels[0],
        "label_b": labels[1],
        "parks_a": len(a),
        "parks_b": len(b),
        **{change: int((table["change"] == change).sum()) for change in CHANGES},
        "area_a_m2": round(float(a.geometry.area.sum()), 1),
        "area_b_m2": round(float(b.geometry.area.sum()), 1),
    }
    for key in counted:
        summary[f"{key}_in"] = int(table[f"{key}_in"].sum())
        summary[f"{key}_out"] = int(table[f"{key}_out"].sum())
    return summary


def _attributes(ids: pd.Series, frame: gpd.GeoDataFrame, typed: bool) -> dict[str, tuple[str, str]]:
    names = frame["name"].astype("str")
    types = (
        frame["park_type"].astype("object").fillna("").astype("str")
        if typed
        else pd.Series([""] * len(frame), index=frame.index)
    )
    return dict(zip(ids, zip(names, types, strict=True), strict=True))


def diff_parks(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    addresses: gpd.GeoDataFrame | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    label_a: str = "A",
    label_b: str = "B",
    tolerance_m: float = 0.001,
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
    tolerance_m
        A park whose name (and ``park_type``, when both sets have one) is the same and whose
        boundary moved nowhere by more than this (Hausdorff distance of the two boundaries,
        metres) is ``unchanged``; 1 mm by default, the precision RD New coordinates are kept
        to.

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
    >>> row.change, float(row.area_change_m2), float(row.max_shift_m)
    ('changed', 5000.0, 50.0)
    """
    for frame, what in ((a, label_a), (b, label_b)):
        if not is_rd(frame.crs):
            raise CRSError(f"park set {what} must be in {RD_NEW}, got {frame.crs}")
    ids = [frame["park_id"].astype("str") for frame in (a, b)]
    geo_a, geo_b = (dict(zip(i, f.geometry, strict=True)) for i, f in zip(ids, (a, b), strict=True))
    typed = "park_type" in a and "park_type" in b
    attr_a, attr_b = (_attributes(i, f, typed) for i, f in zip(ids, (a, b), strict=True))
    rows = [
        _row(
            pid,
            (geo_a.get(pid), geo_b.get(pid)),
            (attr_a.get(pid, ("", "")), attr_b.get(pid, ("", ""))),
            tolerance_m,
        )
        for pid in sorted(set(geo_a) | set(geo_b))
    ]
    table = pd.DataFrame.from_records(rows, columns=DIFF_COLUMNS[: -len(_MEMBER_COLUMNS)])
    layers = {"addresses": _xy(addresses, "addresses"), "parcels": _xy(parcels, "parcels")}
    table = _moved(table, a, b, layers)[DIFF_COLUMNS]
    counted = [key for key, xy in layers.items() if xy is not None]
    summary = _summary(table, a, b, (label_a, label_b), counted)
    summary["tolerance_m"] = tolerance_m
    return ParkDiff(
        table=table,
        summary=summary,
        a=a[["park_id", "name", "geometry"]].copy(),
        b=b[["park_id", "name", "geometry"]].copy(),
        label_a=label_a,
        label_b=label_b,
    )
