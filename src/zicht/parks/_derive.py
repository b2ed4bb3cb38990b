"""Deriving park boundaries from objects by a written, configurable rule.

The rule is :class:`~zicht.parks.DeriveRule` (:mod:`zicht.parks._rule`): clusters of
recreational objects, outlined, snapped to the cadastral parcels they cover, minus public roads
and water. Every cluster is typed by the TOP10NL rules (:mod:`zicht.parks._typology`), the
settings of its type shape it, and every derived boundary carries its type and the rule that
made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from zicht._errors import CRSError, SchemaError
from zicht._validate import Problems
from zicht.parks._rule import DeriveRule
from zicht.parks._typology import BLOCK_COLUMN, TYPE_COLUMN, TypeCounts, count_types
from zicht.schemas import RD_NEW

__all__ = ["DeriveResult", "derive_parks", "is_rd", "to_multipolygon"]

STATUS_ACCEPTED = "accepted"
_RD_EPSG = int(RD_NEW.split(":")[1])


def is_rd(crs: Any) -> bool:
    """Say whether ``crs`` is RD New (EPSG:28992)."""
    return crs is not None and crs.to_epsg() == _RD_EPSG


def _require_rd(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if frame.crs is None:
        raise CRSError(f"{what} has no CRS; set it ({RD_NEW} expected)")
    if not is_rd(frame.crs):
        raise CRSError(f"{what} is in {frame.crs.to_string()}; convert it to {RD_NEW} first")


@dataclass
class DeriveResult:
    """What :func:`derive_parks` found.

    Attributes
    ----------
    parks
        Accepted boundaries: ``park_id``, ``name``, ``source`` (``"derived"``),
        ``park_type`` (TOP10NL), ``matched_park_ids``, ``n_objects``, ``n_recreational``,
        ``recreational_share``, the counts by kind (``n_bungalows``, ``n_blocks``,
        ``n_stacaravans``, ``n_pitches``, ``n_apartments``, ``n_group_accommodation``,
        ``n_untyped``), ``area_m2``, ``rule_id`` (the whole rule), ``rule_json`` (the
        settings of the park's type, the type and why), ``rule_text``, geometry
        (MultiPolygon).
    candidates
        Every cluster of at least ``min_objects`` recreational objects, with ``status``
        (``accepted`` or ``rejected``) and ``reason``.
    rule
        The rule applied.
    report
        Counts: objects read, without location, recreational, clusters, accepted, rejected
        by reason, known parks matched and the untrusted park points that were reported but
        not used.
    """

    parks: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    rule: DeriveRule
    report: dict[str, Any] = field(default_factory=dict)


def to_multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of ``geom`` as one MultiPolygon (empty when there is none).

    Examples
    --------
    >>> to_multipolygon(shapely.box(0, 0, 1, 1)).geom_type
    'MultiPolygon'
    """
    if geom is None or geom.is_empty:
        return shapely.MultiPolygon()
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "MultiPolygon":
        return geom
    parts: list[shapely.Polygon] = []
    for part in getattr(geom, "geoms", []):
        if part.geom_type == "Polygon":
            parts.append(part)
        elif part.geom_type == "MultiPolygon":
            parts.extend(part.geoms)
    return shapely.MultiPolygon(parts)


def _recreational_mask(objects: gpd.GeoDataFrame, rule: DeriveRule) -> np.ndarray:
    if "recreational" in objects:
        return objects["recreational"].fillna(False).astype(bool).to_numpy()
    uses = objects["gebruiksdoel"].astype("str").fillna("")
    # BAG lists several uses of one object comma-separated ("woonfunctie,logiesfunctie").
    mask = np.zeros(len(objects), dtype=bool)
    for use in rule.recreational_uses:
        mask |= uses.str.contains(use, regex=False).to_numpy()
    return mask


def _check_objects(objects: gpd.GeoDataFrame) -> None:
    problems = Problems("objects to derive parks from")
    if "recreational" not in objects and "gebruiksdoel" not in objects:
        problems.add(
            "need a boolean 'recreational' column or a BAG 'gebruiksdoel' column; "
            f"columns are {list(objects.columns)}"
        )
    problems.raise_if_any(SchemaError)
    _require_rd(objects, "objects")


def _outline(points: np.ndarray, rule: DeriveRule) -> shapely.Geometry:
    if rule.outline == "concave_hull":
        hull = shapely.concave_hull(shapely.multipoints(points), ratio=rule.concave_ratio)
        return shapely.buffer(hull, rule.buffer_m, quad_segs=4)
    radius = rule.link_distance_m / 2
    discs = shapely.union_all(shapely.buffer(shapely.points(points), radius, quad_segs=4))
    return shapely.buffer(discs, rule.buffer_m - radius, quad_segs=4)


def _snap_to_parcels(
    outline: shapely.Geometry, parcels: np.ndarray, tree: shapely.STRtree, min_overlap: float
) -> shapely.Geometry:
    hits = tree.query(outline, predicate="intersects")
    if len(hits) == 0:
        return outline
    touched = parcels[hits]
    inside = shapely.area(shapely.intersection(touched, outline)) / np.maximum(
        shapely.area(touched), 1e-9
    )
    keep = touched[inside >= min_overlap]
    # Outside every parcel the outline stays as drawn; where parcels exist it follows them.
    rest = shapely.difference(outline, shapely.union_all(touched))
    return shapely.union_all([rest, *keep])


def _clean(geom: shapely.Geometry, min_part_m2: float) -> shapely.Geometry:
    multi = to_multipolygon(shapely.make_valid(geom))
    parts = [p for p in multi.geoms if p.area >= min_part_m2]
    return shapely.MultiPolygon(parts)


def _clusters(xy_rec: np.ndarray, rule: DeriveRule) -> tuple[int, np.ndarray]:
    n = len(xy_rec)
    if n == 0:
        return 0, np.empty(0, dtype=int)
    pairs = cKDTree(xy_rec).query_pairs(rule.link_distance_m, output_type="ndarray")
    graph = coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    return connected_components(graph, directed=False)


def _cut_layer(
    layer: gpd.GeoDataFrame | None, column: str | None, values: tuple[str, ...] | None, what: str
) -> shapely.Geometry | None:
    if layer is None or layer.empty:
        return None
    _require_rd(layer, what)
    if column is not None and values is not None:
        if column not in layer:
            raise SchemaError(f"{what} lacks the column {column!r}; columns are {list(layer)}")
        layer = layer[layer[column].astype("str").isin(values)]
    if layer.empty:
        return None
    return shapely.union_all(layer.geometry.array)


def _match_known(
    polygons: list[shapely.Geometry], known: gpd.GeoDataFrame | None
) -> tuple[list[list[str]], list[list[str]]]:
    trusted: list[list[str]] = [[] for _ in polygons]
    untrusted: list[list[str]] = [[] for _ in polygons]
    if known is None or known.empty or not polygons:
        return trusted, untrusted
    _require_rd(known, "known park points")
    tree = shapely.STRtree(np.asarray(polygons, dtype=object))
    point_idx, poly_idx = tree.query(known.geometry.array, predicate="within")
    is_trusted = known["location_trusted"].astype(bool).to_numpy()
    ids = known["park_id"].astype("str").to_numpy()
    for p, k in zip(point_idx, poly_idx, strict=True):
        (trusted if is_trusted[p] else untrusted)[k].append(str(ids[p]))
    return [sorted(t) for t in trusted], [sorted(u) for u in untrusted]


def derive_parks(
    objects: gpd.GeoDataFrame,
    rule: DeriveRule | None = None,
    *,
    parcels: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    water: gpd.GeoDataFrame | None = None,
    known_parks: gpd.GeoDataFrame | None = None,
    id_prefix: str = "D",
) -> DeriveResult:
    """Propose park boundaries from objects by ``rule``.

    Parameters
    ----------
    objects
        Addresses or buildings in EPSG:28992 (points or polygons; a polygon counts at its
        representative point) with a boolean ``recreational`` column or a BAG
        ``gebruiksdoel`` column, and for the typology a ``recreation_type`` column
        (:data:`~zicht.parks.RECREATION_TYPES`; ``block_id`` for linked homes). Without
        ``recreation_type`` every park's type is undetermined (``park_type`` empty). Rows
        without a location are counted and left out.
    rule
        The rule; defaults to :class:`DeriveRule()`.
    parcels
        Optional BRK parcels (polygons, EPSG:28992) to snap the outlines to.
    roads
        Optional BGT ``wegdeel`` with a ``function`` column; the rule's
        ``road_functions`` are cut out.
    water
        Optional BGT ``waterdeel``; cut out when ``rule.subtract_water``.
    known_parks
        Optional park points (:func:`zicht.ingest.read_parks`): a derived park takes the id
        and name of the trusted points inside it. Untrusted points (only a place centre)
        are reported, never used.
    id_prefix
        Prefix of the id of a derived park that matches no known park; the id is the prefix
        plus the hectometre coordinates of a point inside it (stable across re-runs).

    Returns
    -------
    DeriveResult
        Accepted parks (each with its ``park_type`` and the counts by kind), all candidate
        clusters with the reason of a rejection, the rule and a report.

    Raises
    ------
    SchemaError
        If ``objects`` has neither ``recreational`` nor ``gebruiksdoel``.
    CRSError
        If a layer is not in EPSG:28992.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> xy = [(x, y) for x in range(0, 200, 20) for y in range(0, 200, 20)]
    >>> homes = gpd.GeoDataFrame({"gebruiksdoel": ["logiesfunctie"] * len(xy),
    ...                           "recreation_type": ["bungalow"] * len(xy)},
    ...                          geometry=[shapely.Point(p) for p in xy], crs=28992)
    >>> park = derive_parks(homes).parks.iloc[0]
    >>> int(park.n_recreational), float(park.recreational_share), park.park_type
    (100, 1.0, 'bungalowpark')
    """
    rule = rule or DeriveRule()
    _check_objects(objects)
    located = _locate(objects, rule)
    records: list[dict[str, Any]] = []
    outlines: list[shapely.Geometry] = []
    rules: list[DeriveRule] = []
    for members in _candidate_clusters(located, rule):
        record, outline, class_rule = _candidate(members, located, rule)
        records.append(record)
        outlines.append(outline)
        rules.append(class_rule)
    polygons = _finish_outlines(outlines, records, rules, parcels, roads, water)
    return _result(objects, polygons, records, rule, known_parks, id_prefix, located)


@dataclass
class _Located:
    """The objects as points, with what the rule needs to know about each."""

    xy: np.ndarray
    has: np.ndarray
    recreational: np.ndarray
    kinds: np.ndarray
    blocks: np.ndarray | None
    typed: bool


def _locate(objects: gpd.GeoDataFrame, rule: DeriveRule) -> _Located:
    geoms = objects.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(objects), 2), np.nan)
    if has.any():
        xy[has] = shapely.get_coordinates(shapely.point_on_surface(geoms[has]))
    typed = TYPE_COLUMN in objects
    kinds = (
        objects[TYPE_COLUMN].astype("object").fillna("").astype("str").to_numpy()
        if typed
        else np.full(len(objects), "", dtype=object)
    )
    blocks = objects[BLOCK_COLUMN].astype("object").to_numpy() if BLOCK_COLUMN in objects else None
    return _Located(
        xy=xy,
        has=has,
        recreational=_recreational_mask(objects, rule) & has,
        kinds=kinds,
        blocks=blocks,
        typed=typed,
    )


def _candidate_clusters(located: _Located, rule: DeriveRule) -> list[np.ndarray]:
    """Rows of every cluster big enough for some park type, largest first."""
    rec_rows = np.flatnonzero(located.recreational)
    n_comp, labels = _clusters(located.xy[rec_rows], rule)
    sizes = np.bincount(labels, minlength=n_comp) if n_comp else np.empty(0, dtype=int)
    big = np.flatnonzero(sizes >= rule.min_objects_any)
    return [rec_rows[labels == comp] for comp in big[np.argsort(-sizes[big], kind="stable")]]


def _candidate(
    members: np.ndarray, located: _Located, rule: DeriveRule
) -> tuple[dict[str, Any], shapely.Geometry, DeriveRule]:
    """Type one cluster, outline it by its type's settings, and accept or reject it."""
    counts = count_types(
        located.kinds[members], None if located.blocks is None else located.blocks[members]
    )
    if located.typed:
        park_type, type_reason = rule.typology.classify(counts)
    else:
        park_type, type_reason = "", "the objects carry no recreation_type: type undetermined"
    class_rule = rule.for_type(park_type) if park_type else rule
    outline = _outline(located.xy[members], class_rule)
    xy_all = located.xy[located.has]
    inside = shapely.contains_xy(outline, xy_all[:, 0], xy_all[:, 1])
    n_all = int(inside.sum())
    n_rec = int((inside & located.recreational[located.has]).sum())
    share = n_rec / n_all if n_all else 0.0
    reason = ""
    if share < class_rule.min_recreational_share:
        reason = (
            f"recreational share {100 * share:.0f} % < "
            f"{100 * class_rule.min_recreational_share:g} %"
        )
    elif located.typed and not park_type:
        reason = f"no park by the TOP10NL rules: {type_reason}"
    elif len(members) < class_rule.min_objects:
        reason = (
            f"{len(members)} recreational objects < {class_rule.min_objects} "
            f"for a {park_type or 'park'}"
        )
    record = {
        "n_objects": n_all,
        "n_recreational": n_rec,
        "recreational_share": round(share, 4),
        "status": "rejected" if reason else STATUS_ACCEPTED,
        "reason": reason,
        "park_type": park_type,
        "type_reason": type_reason,
        **counts.to_dict(),
    }
    return record, outline, class_rule


def _cuts(
    rule: DeriveRule, roads: gpd.GeoDataFrame | None, water: gpd.GeoDataFrame | None
) -> shapely.Geometry | None:
    parts = [
        g
        for g in (
            _cut_layer(roads, "function", rule.road_functions, "roads"),
            _cut_layer(water, None, None, "water") if rule.subtract_water else None,
        )
        if g is not None
    ]
    cut = shapely.union_all(parts) if parts else None
    if cut is not None:
        shapely.prepare(cut)
    return cut


def _finish_outlines(
    outlines: list[shapely.Geometry],
    records: list[dict[str, Any]],
    rules: list[DeriveRule],
    parcels: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    water: gpd.GeoDataFrame | None,
) -> list[shapely.Geometry]:
    """Snap accepted outlines to parcels, cut roads and water, make them disjoint."""
    parcel_geoms: np.ndarray | None = None
    tree = None
    if parcels is not None and not parcels.empty:
        _require_rd(parcels, "parcels")
        parcel_geoms = np.asarray(parcels.geometry.array, dtype=object)
        tree = shapely.STRtree(parcel_geoms)
    cuts: dict[tuple[tuple[str, ...], bool], shapely.Geometry | None] = {}
    taken = shapely.Polygon()
    out: list[shapely.Geometry] = []
    for outline, record, rule in zip(outlines, records, rules, strict=True):
        if record["status"] != STATUS_ACCEPTED:
            out.append(outline)
            continue
        geom = outline
        if tree is not None and parcel_geoms is not None:
            geom = _snap_to_parcels(geom, parcel_geoms, tree, rule.parcel_min_overlap)
        key = (rule.road_functions, rule.subtract_water)
        if key not in cuts:
            cuts[key] = _cuts(rule, roads, water)
        if cuts[key] is not None:
            geom = shapely.difference(geom, cuts[key])
        # Larger clusters come first and keep what they cover: parks never overlap.
        geom = _clean(shapely.difference(geom, taken), min_part_m2=max(1.0, rule.min_area_m2 / 20))
        if geom.area < rule.min_area_m2:
            record["status"] = "rejected"
            record["reason"] = f"area {geom.area:,.0f} m² < {rule.min_area_m2:g} m² after cutting"
            out.append(outline)
            continue
        taken = shapely.union_all([taken, geom])
        out.append(geom)
    return out


_COUNT_COLUMNS = [f"n_{k}" for k in TypeCounts().__dataclass_fields__]
_CANDIDATE_COLUMNS = [
    "n_objects",
    "n_recreational",
    "recreational_share",
    "status",
    "reason",
    "park_type",
    "type_reason",
    *_COUNT_COLUMNS,
]


def _result(
    objects: gpd.GeoDataFrame,
    polygons: list[shapely.Geometry],
    records: list[dict[str, Any]],
    rule: DeriveRule,
    known_parks: gpd.GeoDataFrame | None,
    id_prefix: str,
    located: _Located,
) -> DeriveResult:
    candidates = gpd.GeoDataFrame(
        pd.DataFrame.from_records(records, columns=_CANDIDATE_COLUMNS),
        geometry=[to_multipolygon(g) for g in polygons],
        crs=objects.crs,
    )
    accepted = candidates[candidates["status"] == STATUS_ACCEPTED].reset_index(drop=True)
    trusted, untrusted = _match_known(list(accepted.geometry), known_parks)
    ids, labels = _ids_and_names(accepted, trusted, known_parks, id_prefix)
    types = accepted["park_type"].astype("str")
    parks = gpd.GeoDataFrame(
        {
            "park_id": pd.array(ids, dtype="str"),
            "name": pd.array(labels, dtype="str"),
            "source": "derived",
            "park_type": pd.array(types, dtype="str"),
            "matched_park_ids": [",".join(m) for m in trusted],
            "untrusted_park_ids": [",".join(u) for u in untrusted],
            "n_objects": accepted["n_objects"].astype("int64"),
            "n_recreational": accepted["n_recreational"].astype("int64"),
            "recreational_share": accepted["recreational_share"].astype("float64"),
            **{c: accepted[c].astype("int64") for c in _COUNT_COLUMNS},
            "area_m2": accepted.geometry.area.round(1),
            "rule_id": rule.rule_id,
            "rule_json": [
                rule.record(t, r) for t, r in zip(types, accepted["type_reason"], strict=True)
            ],
            "rule_text": [rule.describe(t or None) for t in types],
        },
        geometry=accepted.geometry.array,
        crs=objects.crs,
    )
    parks = _dedupe_ids(parks)
    report = _report(objects, candidates, parks, rule, known_parks, located)
    return DeriveResult(parks=parks, candidates=candidates, rule=rule, report=report)


def _ids_and_names(
    accepted: gpd.GeoDataFrame,
    trusted: list[list[str]],
    known_parks: gpd.GeoDataFrame | None,
    id_prefix: str,
) -> tuple[list[str], list[str]]:
    names = (
        dict(zip(known_parks["park_id"], known_parks["name"], strict=True))
        if known_parks is not None
        else {}
    )
    ids, labels = [], []
    for geom, matched in zip(accepted.geometry, trusted, strict=True):
        if matched:
            ids.append(matched[0])
            labels.append(" / ".join(dict.fromkeys(str(names[m]) for m in matched)))
        else:
            point = geom.representative_point()
            pid = f"{id_prefix}{round(point.x / 100):04d}{round(point.y / 100):04d}"
            ids.append(pid)
            labels.append(f"Derived park {pid}")
    return ids, labels


def _dedupe_ids(parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give repeated ids (and names) a suffix, so the set stays valid."""
    out = parks.copy()
    for column in ("park_id", "name"):
        seen: dict[str, int] = {}
        values = []
        for value in out[column].astype("str"):
            seen[value] = seen.get(value, 0) + 1
            values.append(value if seen[value] == 1 else f"{value}-{seen[value]}")
        out[column] = pd.array(values, dtype="str")
    return out


def _report(
    objects: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    rule: DeriveRule,
    known_parks: gpd.GeoDataFrame | None,
    located: _Located,
) -> dict[str, Any]:
    rejected = candidates[candidates["status"] != STATUS_ACCEPTED]
    reasons = rejected["reason"].str.replace(r"\d[\d,.]*", "#", regex=True).value_counts()
    report: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "rule": rule.to_dict(),
        "rule_text": rule.describe(),
        "objects_in": len(objects),
        "objects_without_location": int((~located.has).sum()),
        "recreational_objects": int(located.recreational.sum()),
        "typed": located.typed,
        "park_types": {
            str(k) or "undetermined": int(v) for k, v in parks["park_type"].value_counts().items()
        },
        "candidate_clusters": len(candidates),
        "parks_accepted": len(parks),
        "candidates_rejected": {str(k): int(v) for k, v in reasons.items()},
        "area_m2_total": round(float(parks.geometry.area.sum()), 1),
    }
    if known_parks is not None:
        matched = {m for ids in parks["matched_park_ids"] for m in ids.split(",") if m}
        trusted = known_parks[known_parks["location_trusted"].astype(bool)]
        untrusted = known_parks[~known_parks["location_trusted"].astype(bool)]
        report["known_parks"] = {
            "trusted": len(trusted),
            "trusted_matched": len(matched),
            "trusted_unmatched": sorted(set(trusted["park_id"]) - matched),
            "untrusted_not_used": sorted(untrusted["park_id"].astype("str")),
        }
    return report
