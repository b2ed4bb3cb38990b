"""Derived boundaries against registered ones: a gemeente's own file or TOP10NL functional areas.

The two sets are matched spatially, one to one, highest intersection-over-union (IoU) first;
a pair needs ``min_iou``. What stays unmatched is *only in one set*. The pieces of the map are
where the sets agree (``both``), and what lies only in the derived (``only_a``) or only in the
registered set (``only_b``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zicht._errors import CRSError, InputError, SchemaError
from zicht.parks._derive import is_rd, to_multipolygon
from zicht.parks._typology import PARK_TYPES
from zicht.schemas import RD_NEW

__all__ = [
    "TOP10NL_PARK_TYPES",
    "BoundaryComparison",
    "compare_boundaries",
    "read_registered_boundaries",
]

#: TOP10NL ``typeFunctioneelGebied`` values that are parks, and zicht's park type of each.
TOP10NL_PARK_TYPES = {
    "bungalowpark": "bungalowpark",
    "vakantiepark": "vakantiepark",
    "camping, kampeerterrein": "camping",
    "caravanpark": "caravanpark",
}
_TYPE_COLUMNS = ("typefunctioneelgebied", "typeFunctioneelGebied", "type_functioneel_gebied")
_ID_COLUMNS = ("park_id", "identificatie", "id", "code")
_NAME_COLUMNS = ("name", "naam", "naamnl", "naamNL")
_COMPARE_COLUMNS = [
    "kind",
    "park_id_a",
    "name_a",
    "park_type_a",
    "park_id_b",
    "name_b",
    "park_type_b",
    "iou",
    "area_a_m2",
    "area_b_m2",
    "overlap_m2",
    "same_type",
]


@dataclass
class BoundaryComparison:
    """Derived (A) against registered (B) park boundaries.

    Attributes
    ----------
    table
        One row per matched pair (``kind`` ``match``) and per park only in A (``only_a``) or
        only in B (``only_b``): ids, names, types, ``iou``, areas, the overlap, and
        ``same_type`` where both have a type.
    summary
        ``n_a``, ``n_b``, ``n_matched``, ``mean_iou`` and ``median_iou`` of the matched pairs,
        ``n_only_a``, ``n_only_b``, ``n_type_agrees``, the areas in both and only in one set,
        ``min_iou``.
    a, b
        The two sets (EPSG:28992: ``park_id``, ``name``, ``park_type``).
    pieces
        The map of the differences: ``piece`` (``both``, ``only_a``, ``only_b``), polygons.
    label_a, label_b
        Names of the two sets.
    """

    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    a: gpd.GeoDataFrame | None = None
    b: gpd.GeoDataFrame | None = None
    pieces: gpd.GeoDataFrame | None = None
    label_a: str = "A"
    label_b: str = "B"


def _pick(frame: pd.DataFrame, given: str | None, options: tuple[str, ...]) -> str | None:
    if given is not None:
        if given not in frame:
            raise SchemaError(f"the column {given!r} is not in the file; columns: {list(frame)}")
        return given
    return next((c for c in options if c in frame), None)


def read_registered_boundaries(
    path: str | Path, *, id_column: str | None = None, name_column: str | None = None
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read registered park boundaries: a gemeente's own file, or TOP10NL functional areas.

    A TOP10NL extract (a ``typefunctioneelgebied`` column) keeps only the park types
    (:data:`TOP10NL_PARK_TYPES`) and records each one's type; the other functional areas are
    counted in the report. A gemeente's own file may carry a ``park_type`` column (one of
    :data:`~zicht.parks.PARK_TYPES`; other values are counted in the report and left empty).
    The file must declare its CRS: it is never guessed.

    Parameters
    ----------
    path
        Any file GDAL reads (GeoPackage, GeoJSON, shapefile …).
    id_column, name_column
        The columns with the park's id and name; found by common names when not given
        (``park_id``, ``identificatie``, ``id`` …; ``name``, ``naam``, ``naamnl`` …), else
        the row number and an empty name.

    Returns
    -------
    tuple of (GeoDataFrame, dict)
        ``park_id``, ``name``, ``park_type``, MultiPolygons in EPSG:28992; and a report: rows
        read, kept, left out (not a park type, not a polygon) with the reasons.

    Raises
    ------
    InputError
        If the file cannot be read or keeps no polygon.
    CRSError
        If it declares no CRS.
    SchemaError
        If a named column is missing.
    """
    path = Path(path)
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputError(f"cannot read registered boundaries from {path}: {exc}") from exc
    if frame.crs is None:
        raise CRSError(f"{path} declares no CRS; write it with one (it is never guessed)")
    report: dict[str, Any] = {"file": str(path), "rows_read": len(frame), "left_out": {}}
    type_col = _pick(frame, None, _TYPE_COLUMNS)
    types = pd.Series([""] * len(frame), index=frame.index)
    if type_col is not None:
        values = frame[type_col].astype("object").fillna("").astype("str").str.strip()
        types = values.map(TOP10NL_PARK_TYPES).fillna("")
        for value, n in values[types == ""].value_counts().items():
            report["left_out"][f"TOP10NL type {value!r} is no park"] = int(n)
        frame = frame[types != ""]
        types = types[types != ""]
    elif "park_type" in frame:
        types = _own_types(frame["park_type"], report)
    polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if (~polygonal).any():
        report["left_out"]["not a polygon"] = int((~polygonal).sum())
    frame, types = frame[polygonal], types[polygonal]
    if frame.empty:
        raise InputError(f"{path} holds no park polygon ({report['left_out']})")
    id_col = _pick(frame, id_column, _ID_COLUMNS)
    name_col = _pick(frame, name_column, _NAME_COLUMNS)
    rd = frame.to_crs(RD_NEW) if not is_rd(frame.crs) else frame
    out = gpd.GeoDataFrame(
        {
            "park_id": (
                rd[id_col].astype("str").to_numpy()
                if id_col
                else [f"R{i + 1}" for i in range(len(rd))]
            ),
            "name": rd[name_col].astype("object").fillna("").astype("str").to_numpy()
            if name_col
            else "",
            "park_type": types.to_numpy(),
        },
        geometry=[to_multipolygon(shapely.make_valid(g)) for g in rd.geometry],
        crs=RD_NEW,
    )
    report["kept"] = len(out)
    return out, report


def _own_types(values: pd.Series, report: dict[str, Any]) -> pd.Series:
    """Keep the ``park_type`` of a gemeente's own file where it is one of the park types."""
    values = values.astype("object").fillna("").astype("str").str.strip()
    known = values.isin(PARK_TYPES)
    unknown = values[~known & (values != "")]
    if len(unknown):
        report["types_not_known"] = {str(k): int(n) for k, n in unknown.value_counts().items()}
    return values.where(known, "")


def _pairs(a: np.ndarray, b: np.ndarray) -> list[tuple[float, int, int, float]]:
    if not len(a) or not len(b):
        return []
    ia, ib = shapely.STRtree(b).query(a, predicate="intersects")
    inter = shapely.area(shapely.intersection(a[ia], b[ib]))
    union = shapely.area(shapely.union(a[ia], b[ib]))
    iou = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
    return [
        (float(v), int(i), int(j), float(o)) for v, i, j, o in zip(iou, ia, ib, inter, strict=True)
    ]


def _record(kind: str, a: pd.Series | None, b: pd.Series | None, pair: Any) -> dict[str, Any]:
    type_a = str(a["park_type"]) if a is not None else ""
    type_b = str(b["park_type"]) if b is not None else ""
    return {
        "kind": kind,
        "park_id_a": str(a["park_id"]) if a is not None else "",
        "name_a": str(a["name"]) if a is not None else "",
        "park_type_a": type_a,
        "park_id_b": str(b["park_id"]) if b is not None else "",
        "name_b": str(b["name"]) if b is not None else "",
        "park_type_b": type_b,
        "iou": round(pair[0], 4) if pair is not None else np.nan,
        "area_a_m2": round(float(a.geometry.area), 1) if a is not None else np.nan,
        "area_b_m2": round(float(b.geometry.area), 1) if b is not None else np.nan,
        "overlap_m2": round(pair[3], 1) if pair is not None else 0.0,
        "same_type": (type_a == type_b) if type_a and type_b else pd.NA,
    }


def _pieces(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    ua = shapely.union_all(a.geometry.array) if len(a) else shapely.Polygon()
    ub = shapely.union_all(b.geometry.array) if len(b) else shapely.Polygon()
    parts = {
        "both": shapely.intersection(ua, ub),
        "only_a": shapely.difference(ua, ub),
        "only_b": shapely.difference(ub, ua),
    }
    return gpd.GeoDataFrame(
        {"piece": list(parts)}, geometry=[to_multipolygon(g) for g in parts.values()], crs=RD_NEW
    )


def _prepared(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not is_rd(frame.crs):
        raise CRSError(f"{what} must be in {RD_NEW}, got {frame.crs}")
    out = frame.reset_index(drop=True).copy()
    for col in ("park_id", "name", "park_type"):
        out[col] = out[col].astype("object").fillna("").astype("str") if col in out else ""
    return out[["park_id", "name", "park_type", out.geometry.name]]


def compare_boundaries(
    derived: gpd.GeoDataFrame,
    registered: gpd.GeoDataFrame,
    *,
    label_a: str = "afgeleid",
    label_b: str = "geregistreerd",
    min_iou: float = 0.1,
) -> BoundaryComparison:
    """Compare derived park boundaries with registered ones.

    Parameters
    ----------
    derived, registered
        Boundary sets in EPSG:28992 with ``park_id`` (and optionally ``name``, ``park_type``),
        e.g. a store version and :func:`read_registered_boundaries`.
    label_a, label_b
        Names of the two sets.
    min_iou
        A pair is a match from this IoU on; below it the parks count as only in one set.

    Returns
    -------
    BoundaryComparison
        The table, summary, sets and the pieces of the map of differences.

    Raises
    ------
    CRSError
        If a set is not in EPSG:28992.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> a = gpd.GeoDataFrame({"park_id": ["D1", "D2"]},
    ...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(500, 0, 600, 100)], crs=28992)
    >>> b = gpd.GeoDataFrame({"park_id": ["R1"]}, geometry=[shapely.box(0, 0, 100, 80)],
    ...     crs=28992)
    >>> s = compare_boundaries(a, b).summary
    >>> s["n_matched"], s["mean_iou"], s["n_only_a"], s["n_only_b"]
    (1, 0.8, 1, 0)
    """
    a, b = _prepared(derived, label_a), _prepared(registered, label_b)
    pairs = _pairs(np.asarray(a.geometry.array), np.asarray(b.geometry.array))
    matched_a: dict[int, tuple[int, Any]] = {}
    used_b: set[int] = set()
    for pair in sorted(pairs, reverse=True):
        if pair[0] >= min_iou and pair[1] not in matched_a and pair[2] not in used_b:
            matched_a[pair[1]] = (pair[2], pair)
            used_b.add(pair[2])
    rows = [_record("match", a.iloc[i], b.iloc[j], p) for i, (j, p) in sorted(matched_a.items())]
    rows += [_record("only_a", a.iloc[i], None, None) for i in range(len(a)) if i not in matched_a]
    rows += [_record("only_b", None, b.iloc[j], None) for j in range(len(b)) if j not in used_b]
    table = pd.DataFrame.from_records(rows, columns=_COMPARE_COLUMNS)
    pieces = _pieces(a, b)
    matched = table[table["kind"] == "match"]
    area = dict(zip(pieces["piece"], pieces.geometry.area.round(1), strict=True))
    summary = {
        "n_a": len(a),
        "n_b": len(b),
        "n_matched": len(matched),
        "mean_iou": round(float(matched["iou"].mean()), 3) if len(matched) else float("nan"),
        "median_iou": round(float(matched["iou"].median()), 3) if len(matched) else float("nan"),
        "n_only_a": int((table["kind"] == "only_a").sum()),
        "n_only_b": int((table["kind"] == "only_b").sum()),
        "n_type_agrees": int(matched["same_type"].fillna(False).astype(bool).sum()),
        "area_both_m2": float(area["both"]),
        "area_only_a_m2": float(area["only_a"]),
        "area_only_b_m2": float(area["only_b"]),
        "min_iou": min_iou,
    }
    return BoundaryComparison(table, summary, a, b, pieces, label_a, label_b)
