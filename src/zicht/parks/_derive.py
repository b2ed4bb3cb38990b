"""Deriving park boundaries from objects by a written, configurable rule.

The rule (:class:`DeriveRule`) reads: *a park is a cluster of at least* ``min_objects``
*recreational objects, each within* ``link_distance_m`` *of another, whose outline holds at
least* ``min_recreational_share`` *recreational objects among all objects; the outline is a
concave hull (or a buffer-union) of the cluster, snapped to the cadastral parcels it covers,
minus public roads and water.* Every derived boundary carries the rule that made it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from zicht._errors import ConfigError, SchemaError
from zicht._validate import Problems, require_rd

__all__ = [
    "OUTLINES",
    "DeriveResult",
    "DeriveRule",
    "derive_parks",
    "load_rule",
    "objects_from_bgt_buildings",
    "to_multipolygon",
]

OUTLINES = ("concave_hull", "buffer_union")
STATUS_ACCEPTED = "accepted"


@dataclass(frozen=True)
class DeriveRule:
    """The written rule that turns objects into park boundaries.

    Parameters
    ----------
    min_objects
        N: a park holds at least this many recreational objects.
    link_distance_m
        D: two recreational objects belong to one cluster when they are at most this far
        apart (single linkage, so a cluster is a chain of such links).
    min_recreational_share
        X: the share (0–1) of recreational objects among *all* objects inside the outline.
        A cluster below it is rejected, so a village with a few holiday homes does not
        become a park.
    outline
        ``"concave_hull"`` (shapely's concave hull of the cluster, then buffered) or
        ``"buffer_union"`` (union of discs of radius D/2, then shrunk back to
        ``buffer_m`` around the objects).
    concave_ratio
        Ratio of the concave hull (0 = tightest, 1 = convex hull).
    buffer_m
        Margin around the outermost objects, in metres.
    parcel_min_overlap
        A cadastral parcel is taken whole into a park when at least this share of its area
        lies inside the outline, and cut out of it otherwise.
    road_functions
        BGT ``wegdeel`` functions that count as public road and are cut out of a park.
    subtract_water
        Cut BGT ``waterdeel`` out of a park.
    min_area_m2
        A park smaller than this after all steps is rejected.
    recreational_uses
        BAG ``gebruiksdoel`` values that make an object recreational.
    name
        A short name of the rule, recorded with every boundary.
    """

    min_objects: int = 15
    link_distance_m: float = 50.0
    min_recreational_share: float = 0.6
    outline: str = "concave_hull"
    concave_ratio: float = 0.3
    buffer_m: float = 15.0
    parcel_min_overlap: float = 0.5
    road_functions: tuple[str, ...] = (
        "rijbaan autosnelweg",
        "rijbaan autoweg",
        "rijbaan regionale weg",
        "OV-baan",
        "spoorbaan",
    )
    subtract_water: bool = True
    min_area_m2: float = 5_000.0
    recreational_uses: tuple[str, ...] = ("logiesfunctie",)
    name: str = "zicht-default"

    def __post_init__(self) -> None:
        problems = Problems("park derivation rule")
        if self.min_objects < 2:
            problems.add(f"min_objects must be at least 2, got {self.min_objects}")
        if not 0 < self.link_distance_m <= 1_000:
            problems.add(f"link_distance_m must lie in (0, 1000], got {self.link_distance_m}")
        if not 0 <= self.min_recreational_share <= 1:
            problems.add(
                "min_recreational_share is a share in [0, 1] (0.6 = 60 %), "
                f"got {self.min_recreational_share}"
            )
        if self.outline not in OUTLINES:
            problems.add(f"outline must be one of {OUTLINES}, got {self.outline!r}")
        if not 0 <= self.concave_ratio <= 1:
            problems.add(f"concave_ratio must lie in [0, 1], got {self.concave_ratio}")
        if not 0 <= self.buffer_m <= self.link_distance_m:
            problems.add(
                f"buffer_m must lie in [0, link_distance_m = {self.link_distance_m}], "
                f"got {self.buffer_m}"
            )
        if not 0 < self.parcel_min_overlap <= 1:
            problems.add(f"parcel_min_overlap must lie in (0, 1], got {self.parcel_min_overlap}")
        if self.min_area_m2 < 0:
            problems.add(f"min_area_m2 must be 0 or more, got {self.min_area_m2}")
        problems.raise_if_any(ConfigError)
        # TOML gives lists; keep the rule hashable and its JSON stable.
        object.__setattr__(self, "road_functions", tuple(self.road_functions))
        object.__setattr__(self, "recreational_uses", tuple(self.recreational_uses))

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as a JSON-serialisable dict."""
        out = asdict(self)
        out["road_functions"] = list(self.road_functions)
        out["recreational_uses"] = list(self.recreational_uses)
        return out

    def to_json(self) -> str:
        """Return the parameters as canonical JSON (sorted keys), as stored per boundary."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @property
    def rule_id(self) -> str:
        """Return a short hash of the parameters: equal rules have equal ids."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:10]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeriveRule:
        """Build a rule from a dict, naming unknown keys.

        Raises
        ------
        ConfigError
            If a key is unknown or a value is not allowed.
        """
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(f"unknown rule key(s) {unknown}; allowed: {sorted(allowed)}")
        try:
            return cls(**data)
        except TypeError as exc:  # pragma: no cover - every field has a default
            raise ConfigError(f"park rule: {exc}") from exc

    def describe(self) -> str:
        """Return the rule as one written sentence.

        Examples
        --------
        >>> DeriveRule().describe()[:60]
        'A park is a cluster of at least 15 recreational objects (log'
        """
        outline = (
            f"a concave hull (ratio {self.concave_ratio:g}) buffered by {self.buffer_m:g} m"
            if self.outline == "concave_hull"
            else f"a union of {self.link_distance_m / 2:g} m discs shrunk to a "
            f"{self.buffer_m:g} m margin"
        )
        cut = [f"BGT roads ({', '.join(self.road_functions)})"] if self.road_functions else []
        if self.subtract_water:
            cut.append("BGT water")
        return (
            f"A park is a cluster of at least {self.min_objects} recreational objects "
            f"({', '.join(self.recreational_uses)}) each within {self.link_distance_m:g} m of "
            f"another, with at least {100 * self.min_recreational_share:g} % recreational "
            f"objects among all objects inside it; outlined by {outline}, snapped to the "
            f"cadastral parcels it covers (a parcel is taken whole at ≥ "
            f"{100 * self.parcel_min_overlap:g} % overlap, else cut out)"
            + (f", minus {' and '.join(cut)}" if cut else "")
            + f"; parks under {self.min_area_m2:g} m² are dropped. Rule "
            f"{self.name!r}, id {self.rule_id}."
        )


def load_rule(path: str | Path) -> DeriveRule:
    """Read a :class:`DeriveRule` from a TOML file (top-level keys, or a ``[rule]`` table).

    Parameters
    ----------
    path
        TOML file, e.g. ``min_objects = 20`` and ``link_distance_m = 40``.

    Returns
    -------
    DeriveRule
        The validated rule.

    Raises
    ------
    ConfigError
        If the file cannot be read, or a key or value is not allowed.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read park rule {path}: {exc}") from exc
    return DeriveRule.from_dict(data.get("rule", data))


@dataclass
class DeriveResult:
    """What :func:`derive_parks` found.

    Attributes
    ----------
    parks
        Accepted boundaries: ``park_id``, ``name``, ``source`` (``"derived"``),
        ``matched_park_ids``, ``n_objects``, ``n_recreational``, ``recreational_share``,
        ``area_m2``, ``rule_id``, ``rule_json``, ``rule_text``, geometry (MultiPolygon).
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
    require_rd(objects, "objects")


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
    require_rd(layer, what)
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
    require_rd(known, "known park points")
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
        ``gebruiksdoel`` column. Rows without a location are counted and left out.
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
        Accepted parks, all candidate clusters with the reason of a rejection, the rule and
        a report.

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
    >>> homes = gpd.GeoDataFrame({"gebruiksdoel": ["logiesfunctie"] * len(xy)},
    ...                          geometry=[shapely.Point(p) for p in xy], crs=28992)
    >>> park = derive_parks(homes).parks.iloc[0]
    >>> int(park.n_recreational), float(park.recreational_share)
    (100, 1.0)
    """
    rule = rule or DeriveRule()
    _check_objects(objects)
    geoms = objects.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(objects), 2), np.nan)
    if has.any():
        xy[has] = shapely.get_coordinates(shapely.point_on_surface(geoms[has]))
    recreational = _recreational_mask(objects, rule) & has
    rec_rows = np.flatnonzero(recreational)
    n_comp, labels = _clusters(xy[rec_rows], rule)
    sizes = np.bincount(labels, minlength=n_comp) if n_comp else np.empty(0, dtype=int)
    big = np.flatnonzero(sizes >= rule.min_objects)

    xy_all = xy[has]
    rec_all = recreational[has]
    records: list[dict[str, Any]] = []
    outlines: list[shapely.Geometry] = []
    for comp in big[np.argsort(-sizes[big], kind="stable")]:
        members = xy[rec_rows[labels == comp]]
        outline = _outline(members, rule)
        inside = shapely.contains_xy(outline, xy_all[:, 0], xy_all[:, 1])
        n_all, n_rec = int(inside.sum()), int((inside & rec_all).sum())
        share = n_rec / n_all if n_all else 0.0
        ok = share >= rule.min_recreational_share
        records.append(
            {
                "n_objects": n_all,
                "n_recreational": n_rec,
                "recreational_share": round(share, 4),
                "status": STATUS_ACCEPTED if ok else "rejected",
                "reason": ""
                if ok
                else f"recreational share {100 * share:.0f} % < "
                f"{100 * rule.min_recreational_share:g} %",
            }
        )
        outlines.append(outline)

    polygons = _finish_outlines(outlines, records, rule, parcels, roads, water)
    return _result(objects, polygons, records, rule, known_parks, id_prefix, has, recreational)


def _finish_outlines(
    outlines: list[shapely.Geometry],
    records: list[dict[str, Any]],
    rule: DeriveRule,
    parcels: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    water: gpd.GeoDataFrame | None,
) -> list[shapely.Geometry]:
    """Snap accepted outlines to parcels, cut roads and water, make them disjoint."""
    parcel_geoms: np.ndarray | None = None
    tree = None
    if parcels is not None and not parcels.empty:
        require_rd(parcels, "parcels")
        parcel_geoms = np.asarray(parcels.geometry.array, dtype=object)
        tree = shapely.STRtree(parcel_geoms)
    cuts = [
        g
        for g in (
            _cut_layer(roads, "function", rule.road_functions, "roads"),
            _cut_layer(water, None, None, "water") if rule.subtract_water else None,
        )
        if g is not None
    ]
    cut = shapely.union_all(cuts) if cuts else None
    if cut is not None:
        shapely.prepare(cut)
    taken = shapely.Polygon()
    out: list[shapely.Geometry] = []
    for outline, record in zip(outlines, records, strict=True):
        if record["status"] != STATUS_ACCEPTED:
            out.append(outline)
            continue
        geom = outline
        if tree is not None and parcel_geoms is not None:
            geom = _snap_to_parcels(geom, parcel_geoms, tree, rule.parcel_min_overlap)
        if cut is not None:
            geom = shapely.difference(geom, cut)
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


def _result(
    objects: gpd.GeoDataFrame,
    polygons: list[shapely.Geometry],
    records: list[dict[str, Any]],
    rule: DeriveRule,
    known_parks: gpd.GeoDataFrame | None,
    id_prefix: str,
    has: np.ndarray,
    recreational: np.ndarray,
) -> DeriveResult:
    candidates = gpd.GeoDataFrame(
        pd.DataFrame.from_records(
            records,
            columns=["n_objects", "n_recreational", "recreational_share", "status", "reason"],
        ),
        geometry=[to_multipolygon(g) for g in polygons],
        crs=objects.crs,
    )
    accepted = candidates[candidates["status"] == STATUS_ACCEPTED].reset_index(drop=True)
    trusted, untrusted = _match_known(list(accepted.geometry), known_parks)
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
    parks = gpd.GeoDataFrame(
        {
            "park_id": pd.array(ids, dtype="str"),
            "name": pd.array(labels, dtype="str"),
            "source": "derived",
            "matched_park_ids": [",".join(m) for m in trusted],
            "untrusted_park_ids": [",".join(u) for u in untrusted],
            "n_objects": accepted["n_objects"].astype("int64"),
            "n_recreational": accepted["n_recreational"].astype("int64"),
            "recreational_share": accepted["recreational_share"].astype("float64"),
            "area_m2": accepted.geometry.area.round(1),
            "rule_id": rule.rule_id,
            "rule_json": rule.to_json(),
            "rule_text": rule.describe(),
        },
        geometry=accepted.geometry.array,
        crs=objects.crs,
    )
    parks = _dedupe_ids(parks)
    report = _report(objects, candidates, parks, rule, known_parks, has, recreational)
    return DeriveResult(parks=parks, candidates=candidates, rule=rule, report=report)


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
    has: np.ndarray,
    recreational: np.ndarray,
) -> dict[str, Any]:
    rejected = candidates[candidates["status"] != STATUS_ACCEPTED]
    reasons = rejected["reason"].str.replace(r"\d[\d,.]*", "#", regex=True).value_counts()
    report: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "rule": rule.to_dict(),
        "rule_text": rule.describe(),
        "objects_in": len(objects),
        "objects_without_location": int((~has).sum()),
        "recreational_objects": int(recreational.sum()),
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


def objects_from_bgt_buildings(
    buildings: gpd.GeoDataFrame,
    *,
    footprint_m2: tuple[float, float] = (25.0, 110.0),
    detached_gap_m: float = 1.5,
    min_main_m2: float = 25.0,
) -> gpd.GeoDataFrame:
    """Turn BGT buildings into objects with a *proxy* of recreational use.

    Where the BAG ``gebruiksdoel`` is not at hand, a detached building with the footprint of a
    chalet or bungalow (``footprint_m2``) is taken as recreational-like; sheds and garages
    (below ``min_main_m2``) are left out altogether. This is a proxy: terraced houses and
    detached small dwellings look alike from above, so its boundaries are proposals to edit.

    Parameters
    ----------
    buildings
        BGT ``pand`` polygons in EPSG:28992; rows with an ``eindRegistratie`` are history
        and dropped.
    footprint_m2
        Footprint range of a recreational-like building.
    detached_gap_m
        A building within this distance of another is not detached.
    min_main_m2
        Smaller buildings are outbuildings and are not objects.

    Returns
    -------
    geopandas.GeoDataFrame
        ``bag_pand_id``, ``footprint_m2``, ``detached``, ``recreational`` (the proxy), and
        the building polygon.

    Raises
    ------
    CRSError
        If ``buildings`` is not in EPSG:28992.
    """
    require_rd(buildings, "BGT buildings")
    current = buildings
    if "eindRegistratie" in buildings:
        current = buildings[buildings["eindRegistratie"].isna()]
    current = current[current.geometry.notna() & ~current.geometry.is_empty].reset_index(drop=True)
    area = current.geometry.area.to_numpy()
    tree = shapely.STRtree(current.geometry.array)
    left, right = tree.query(current.geometry.array, predicate="dwithin", distance=detached_gap_m)
    others = left != right
    n_near = np.bincount(left[others], minlength=len(current))
    main = area >= min_main_m2
    detached = n_near == 0
    recreational = detached & (area >= footprint_m2[0]) & (area <= footprint_m2[1])
    pand_id = (
        current["identificatieBAGPND"].astype("str")
        if "identificatieBAGPND" in current
        else pd.Series([""] * len(current))
    )
    out = gpd.GeoDataFrame(
        {
            "bag_pand_id": pand_id.to_numpy(),
            "footprint_m2": area.round(1),
            "detached": detached,
            "recreational": recreational,
        },
        geometry=current.geometry.array,
        crs=current.crs,
    )
    return out[main].reset_index(drop=True)
