"""Planted parks with known footprints, and how well a rule recovers them.

Everything here is **synthetic** and deterministic (fixed seeds). :func:`synthesize_park_sites`
plants a park footprint of a varied shape (ellipse, rectangle, L-shape, blob) at each trusted
park location and fills it with recreational homes on a jittered grid, with a few permanently
inhabited homes among them; :func:`evaluate_recovery` compares derived boundaries with the
planted footprints by intersection-over-union.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from zicht._errors import SchemaError

__all__ = [
    "PLANTED_TYPES",
    "SHAPES",
    "VILLAGE_TYPES",
    "RecoveryReport",
    "evaluate_recovery",
    "mix_in_scattered_recreation",
    "synthesize_park_sites",
    "synthesize_registered_residents",
]

SHAPES = ("ellipse", "rectangle", "lshape", "blob")
#: How often each TOP10NL park type is planted, and the mix of objects on it (synthetic).
PLANTED_TYPES = {
    "bungalowpark": (0.35, {"bungalow": 0.78, "bungalow_block": 0.2, "appartement": 0.02}),
    "vakantiepark": (0.35, {"bungalow": 0.5, "stacaravan": 0.35, "kampeerplaats": 0.15}),
    "camping": (0.2, {"kampeerplaats": 0.65, "stacaravan": 0.35}),
    "caravanpark": (0.1, {"stacaravan": 0.98, "groepsaccommodatie": 0.02}),
}
#: The kinds of the holiday homes among village houses (decoys, not parks).
VILLAGE_TYPES = {"bungalow": 0.6, "appartement": 0.25, "groepsaccommodatie": 0.15}
_BLOCK_SIZE = 4


def _kinds(
    park_id: str, park_type: str, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return the kind of each home of a planted park, and the block of the linked ones."""
    mix = PLANTED_TYPES[park_type][1]
    kinds = rng.choice(list(mix), size=n, p=list(mix.values())).astype(object)
    blocks = np.full(n, "", dtype=object)
    in_block = np.flatnonzero(kinds == "bungalow_block")
    for order, row in enumerate(in_block):
        blocks[row] = f"{park_id}-B{order // _BLOCK_SIZE + 1}"
    return kinds, blocks


def _footprint(shape: str, area_m2: float, rng: np.random.Generator) -> shapely.Geometry:
    """Return a ``shape`` of about ``area_m2`` around the origin, randomly rotated."""
    aspect = rng.uniform(1.0, 2.5)
    if shape == "ellipse":
        a = np.sqrt(area_m2 * aspect / np.pi)
        geom = affinity.scale(shapely.Point(0, 0).buffer(1.0, quad_segs=16), a, a / aspect)
    elif shape == "rectangle":
        w = np.sqrt(area_m2 * aspect)
        geom = shapely.box(-w / 2, -w / aspect / 2, w / 2, w / aspect / 2)
    elif shape == "lshape":
        # A square with one quarter cut away has 3/4 of the square's area.
        side = np.sqrt(area_m2 / 0.75)
        geom = shapely.difference(
            shapely.box(-side / 2, -side / 2, side / 2, side / 2), shapely.box(0, 0, side, side)
        )
    else:
        k = int(rng.integers(3, 6))
        r = np.sqrt(area_m2 / np.pi) * 0.6
        centres = rng.normal(0.0, r * 0.6, size=(k, 2))
        geom = shapely.union_all([shapely.Point(c).buffer(r, quad_segs=12) for c in centres])
        geom = affinity.scale(geom, *(np.sqrt(area_m2 / geom.area),) * 2, origin=(0, 0))
    return affinity.rotate(geom, rng.uniform(0, 180), origin=(0, 0))


def _fill(
    geom: shapely.Geometry, spacing: float, occupancy: float, rng: np.random.Generator
) -> np.ndarray:
    """Homes on a jittered grid of ``spacing`` inside ``geom``, ``occupancy`` of plots used."""
    minx, miny, maxx, maxy = geom.bounds
    gx, gy = np.meshgrid(
        np.arange(minx + spacing / 2, maxx, spacing), np.arange(miny + spacing / 2, maxy, spacing)
    )
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy = xy + rng.uniform(-0.25, 0.25, size=xy.shape) * spacing
    inside = shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
    used = rng.random(len(xy)) < occupancy
    return xy[inside & used]


def synthesize_park_sites(
    parks: gpd.GeoDataFrame,
    *,
    seed: int = 20240,
    area_ha: tuple[float, float] = (3.0, 30.0),
    spacing_m: tuple[float, float] = (18.0, 32.0),
    occupancy: float = 0.85,
    permanent_share: tuple[float, float] = (0.0, 0.12),
    min_gap_m: float = 100.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Plant park footprints of varied shapes at trusted park locations, and fill them.

    Each trusted park point gets a footprint (ellipse, rectangle, L-shape or blob, chosen by
    the seed) of ``area_ha`` hectares centred on it, filled with recreational homes
    (``logiesfunctie``) on a jittered grid; a ``permanent_share`` of them is registered as
    ``woonfunctie`` (people living permanently on the park). Each site gets a TOP10NL park
    type (:data:`PLANTED_TYPES`, from a generator of its own, so the sites and homes do not
    depend on it) and its homes the kinds of that type: bungalows, linked homes in blocks of
    four, stacaravans, pitches, and a few apartments or group accommodation. A footprint
    that would come closer than ``min_gap_m`` to one planted before it (two park records at
    one location, or neighbouring parks) is not planted, and the site table says so: no rule
    can separate parks that touch.

    Parameters
    ----------
    parks
        Park points with ``park_id`` and ``location_trusted`` (EPSG:28992).
    seed
        Seed; the same seed gives the same sites and addresses.
    area_ha
        Range of the footprint area, hectares.
    spacing_m
        Range of the grid spacing between homes, metres.
    occupancy
        Share of grid plots that holds a home.
    permanent_share
        Range of the share of homes registered as ``woonfunctie``.
    min_gap_m
        Smallest distance between two planted footprints.

    Returns
    -------
    tuple of (GeoDataFrame, GeoDataFrame)
        Sites: ``park_id``, ``shape``, ``park_type``, ``planted`` (bool), ``note``,
        ``area_m2``, ``n_homes``, footprint polygon. Addresses: ``address_id``
        (``SYNPARK…``), ``gebruiksdoel``, ``recreation_type``, ``block_id``,
        ``park_id_planted``, ``synthetic`` (True), points.

    Raises
    ------
    SchemaError
        If ``parks`` lacks ``park_id`` or ``location_trusted``.
    """
    missing = [c for c in ("park_id", "location_trusted") if c not in parks]
    if missing:
        raise SchemaError(f"parks lack columns {missing} needed to plant park sites")
    rng = np.random.default_rng(seed)
    kind_rng = np.random.default_rng([seed, 16])
    type_names = list(PLANTED_TYPES)
    type_p = [PLANTED_TYPES[t][0] for t in type_names]
    trusted = parks[parks["location_trusted"].astype(bool)].sort_values("park_id")
    planted_union = shapely.Polygon()
    rows: list[dict[str, Any]] = []
    xy_parts: list[np.ndarray] = []
    use_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    kind_parts: list[np.ndarray] = []
    block_parts: list[np.ndarray] = []
    for park_id, point in zip(trusted["park_id"], trusted.geometry, strict=True):
        shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
        area = rng.uniform(*area_ha) * 1e4
        geom = affinity.translate(_footprint(shape, area, rng), point.x, point.y)
        spacing = rng.uniform(*spacing_m)
        share = rng.uniform(*permanent_share)
        homes = _fill(geom, spacing, occupancy, rng)
        note = ""
        if not planted_union.is_empty and geom.distance(planted_union) < min_gap_m:
            note = f"not planted: within {min_gap_m:g} m of a park planted before"
        park_type = str(kind_rng.choice(type_names, p=type_p))
        row = {
            "park_id": park_id,
            "shape": shape,
            "park_type": park_type,
            "planted": not note,
            "note": note,
        }
        rows.append({**row, "area_m2": round(geom.area, 1), "n_homes": 0, "geometry": geom})
        if note:
            continue
        planted_union = shapely.union_all([planted_union, geom])
        uses = np.where(rng.random(len(homes)) < share, "woonfunctie", "logiesfunctie")
        rows[-1]["n_homes"] = len(homes)
        xy_parts.append(homes)
        use_parts.append(uses.astype(object))
        id_parts.append(np.full(len(homes), park_id, dtype=object))
        kinds, blocks = _kinds(str(park_id), park_type, len(homes), kind_rng)
        kind_parts.append(kinds)
        block_parts.append(blocks)
    sites = gpd.GeoDataFrame(
        pd.DataFrame.from_records(
            rows,
            columns=[
                "park_id",
                "shape",
                "park_type",
                "planted",
                "note",
                "area_m2",
                "n_homes",
                "geometry",
            ],
        ),
        geometry="geometry",
        crs=parks.crs,
    )
    xy = np.vstack(xy_parts) if xy_parts else np.empty((0, 2))
    addresses = gpd.GeoDataFrame(
        {
            "address_id": [f"SYNPARK{i:07d}" for i in range(len(xy))],
            "gebruiksdoel": pd.array(np.concatenate(use_parts) if use_parts else [], dtype="str"),
            "recreation_type": _joined(kind_parts),
            "block_id": _joined(block_parts),
            "park_id_planted": _joined(id_parts),
            "synthetic": np.ones(len(xy), dtype=bool),
        },
        geometry=shapely.points(xy) if len(xy) else [],
        crs=parks.crs,
    )
    return sites, addresses


def _joined(parts: list[np.ndarray]) -> pd.arrays.StringArray:
    return pd.array(np.concatenate(parts) if parts else [], dtype="str")


def mix_in_scattered_recreation(
    addresses: gpd.GeoDataFrame,
    *,
    share: float = 0.005,
    n_mixed_areas: int = 0,
    mixed_radius_m: float = 200.0,
    mixed_share: float = 0.3,
    seed: int = 20241,
) -> gpd.GeoDataFrame:
    """Turn some ``woonfunctie`` addresses into ``logiesfunctie``, scattered and in patches.

    Holiday homes, bed-and-breakfasts and small hotels stand among ordinary houses in every
    village (``share``, scattered); tourist villages have whole streets of them
    (``n_mixed_areas`` patches of radius ``mixed_radius_m`` where ``mixed_share`` of the
    dwellings is recreational). Neither is a park: they are what the recreational-share rule
    must keep out.

    Parameters
    ----------
    addresses
        Addresses with ``gebruiksdoel``; not modified.
    share
        Share of all dwellings that becomes recreational, scattered.
    n_mixed_areas
        Number of mixed patches, centred on randomly chosen dwellings.
    mixed_radius_m
        Radius of a patch.
    mixed_share
        Share of the dwellings in a patch that becomes recreational.
    seed
        Seed of the choice.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the changed uses, their ``recreation_type`` (:data:`VILLAGE_TYPES`:
        holiday homes, apartments, group accommodation; empty for every other address, from a
        generator of its own) and a boolean ``mixed_area`` column marking the patches'
        addresses.
    """
    rng = np.random.default_rng(seed)
    out = addresses.copy()
    column = np.array(out["gebruiksdoel"].astype("object"), dtype=object)
    homes = np.flatnonzero(column == "woonfunctie")
    column[homes[rng.random(len(homes)) < share]] = "logiesfunctie"
    geoms = out.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(out), 2), np.nan)
    xy[has] = shapely.get_coordinates(geoms[has])
    in_patch = np.zeros(len(out), dtype=bool)
    located_homes = homes[has[homes]]
    for centre in rng.choice(
        located_homes, size=min(n_mixed_areas, len(located_homes)), replace=False
    ):
        d = np.hypot(xy[:, 0] - xy[centre, 0], xy[:, 1] - xy[centre, 1])
        patch = (d <= mixed_radius_m) & (column == "woonfunctie")
        in_patch |= d <= mixed_radius_m
        column[patch & (rng.random(len(out)) < mixed_share)] = "logiesfunctie"
    out["gebruiksdoel"] = pd.array(column, dtype="str")
    kinds = np.full(len(out), "", dtype=object)
    turned = np.flatnonzero(column == "logiesfunctie")
    kinds[turned] = np.random.default_rng([seed, 16]).choice(
        list(VILLAGE_TYPES), size=len(turned), p=list(VILLAGE_TYPES.values())
    )
    if "recreation_type" in addresses:
        before = addresses["recreation_type"].astype("object").fillna("").astype("str")
        kinds = np.where(before.to_numpy() != "", before.to_numpy(), kinds)
    out["recreation_type"] = pd.array(kinds, dtype="str")
    out["mixed_area"] = in_patch
    return out


def synthesize_registered_residents(
    addresses: pd.DataFrame,
    *,
    seed: int = 20242,
    per_dwelling: float = 2.1,
    recreational_registered_share: float = 0.08,
) -> pd.Series:
    """Give every address a synthetic number of registered residents (BRP-like).

    Dwellings (``woonfunctie``) get a Poisson number with mean ``per_dwelling``; a
    ``recreational_registered_share`` of recreational homes gets one to four registered
    people (permanent habitation of a holiday home, a signal the park work looks for); other
    uses get none.

    Parameters
    ----------
    addresses
        Rows with ``gebruiksdoel``.
    seed
        Seed.
    per_dwelling
        Mean residents per dwelling.
    recreational_registered_share
        Share of recreational homes with registered residents.

    Returns
    -------
    pandas.Series
        ``n_registered_residents`` (int64), aligned to ``addresses.index``.
    """
    rng = np.random.default_rng(seed)
    use = addresses["gebruiksdoel"].astype("str").to_numpy()
    n = len(use)
    dwelling = rng.poisson(per_dwelling, n)
    recreational = np.where(rng.random(n) < recreational_registered_share, rng.integers(1, 5, n), 0)
    values = np.where(
        use == "woonfunctie", dwelling, np.where(use == "logiesfunctie", recreational, 0)
    )
    return pd.Series(values.astype("int64"), index=addresses.index, name="n_registered_residents")


def _type_agreement(
    site_table: pd.DataFrame,
    planted: gpd.GeoDataFrame,
    derived: gpd.GeoDataFrame,
    match_site: dict[int, int],
) -> dict[str, Any]:
    """Add the planted and the derived park type to the site table; count where they agree."""
    if "park_type" not in planted or "park_type" not in derived:
        return {}
    types = derived["park_type"].astype("str").to_numpy()
    site_table["park_type"] = planted["park_type"].astype("str").to_numpy()
    site_table["derived_park_type"] = [
        types[match_site[i]] if i in match_site else "" for i in range(len(site_table))
    ]
    matched = site_table[site_table["matched_park_id"] != ""]
    same = int((matched["park_type"] == matched["derived_park_type"]).sum())
    return {
        "n_type_agrees": same,
        "type_agreement": round(same / len(matched), 3) if len(matched) else float("nan"),
    }


@dataclass
class RecoveryReport:
    """How well derived boundaries recover planted footprints.

    Attributes
    ----------
    sites
        One row per planted site: ``park_id``, ``shape``, ``best_iou``, ``matched_park_id``
        (the derived park matched one-to-one at IoU ≥ ``threshold``, else empty), and when
        both sets carry a ``park_type``: ``park_type`` (planted) and ``derived_park_type``.
    derived
        One row per derived park: ``park_id``, ``best_iou``, ``kind`` (``match``,
        ``split_or_partial`` when it overlaps a site without matching it, ``false_positive``
        when it overlaps none).
    summary
        ``n_sites``, ``mean_iou``, ``median_iou``, ``n_recovered`` (IoU ≥ threshold),
        ``recall``, ``n_derived``, ``n_false_positive``, ``n_split_or_partial``,
        ``precision``, ``threshold``, ``n_not_planted``; with park types also
        ``n_type_agrees`` and ``type_agreement`` (share of matched sites typed as planted).
    """

    sites: pd.DataFrame
    derived: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def evaluate_recovery(
    derived: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, threshold: float = 0.5
) -> RecoveryReport:
    """Compare derived parks with planted footprints by intersection-over-union.

    Matching is one-to-one and greedy by IoU: the pair with the highest IoU is matched first,
    and a pair counts only at IoU ≥ ``threshold``. A site's ``best_iou`` is its highest IoU
    with any derived park (0 when none overlaps).

    Parameters
    ----------
    derived
        Derived parks (``park_id``, polygons).
    sites
        Planted sites from :func:`synthesize_park_sites` (only ``planted`` rows count).
    threshold
        IoU at which a site counts as recovered.

    Returns
    -------
    RecoveryReport
        Per site, per derived park, and the summary.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> site = gpd.GeoDataFrame({"park_id": ["P1"], "shape": ["rectangle"], "planted": [True]},
    ...                         geometry=[shapely.box(0, 0, 100, 100)], crs=28992)
    >>> found = gpd.GeoDataFrame({"park_id": ["D1"]},
    ...                          geometry=[shapely.box(0, 0, 100, 80)], crs=28992)
    >>> evaluate_recovery(found, site).summary["mean_iou"]
    0.8
    """
    planted = sites[sites["planted"].astype(bool)].reset_index(drop=True)
    site_geoms = np.asarray(planted.geometry.array, dtype=object)
    found_geoms = np.asarray(derived.geometry.array, dtype=object)
    pairs: list[tuple[float, int, int]] = []
    if len(site_geoms) and len(found_geoms):
        tree = shapely.STRtree(found_geoms)
        s_idx, d_idx = tree.query(site_geoms, predicate="intersects")
        inter = shapely.area(shapely.intersection(site_geoms[s_idx], found_geoms[d_idx]))
        union = shapely.area(shapely.union(site_geoms[s_idx], found_geoms[d_idx]))
        iou = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
        pairs = [(float(v), int(s), int(d)) for v, s, d in zip(iou, s_idx, d_idx, strict=True)]
    best_site = np.zeros(len(site_geoms))
    best_found = np.zeros(len(found_geoms))
    touches = np.zeros(len(found_geoms), dtype=bool)
    for v, s, d in pairs:
        best_site[s] = max(best_site[s], v)
        best_found[d] = max(best_found[d], v)
        touches[d] = True
    match_site: dict[int, int] = {}
    used: set[int] = set()
    for v, s, d in sorted(pairs, reverse=True):
        if v >= threshold and s not in match_site and d not in used:
            match_site[s] = d
            used.add(d)
    derived_ids = derived["park_id"].astype("str").to_numpy()
    site_table = pd.DataFrame(
        {
            "park_id": planted["park_id"].astype("str").to_numpy(),
            "shape": planted["shape"].astype("str").to_numpy(),
            "best_iou": best_site.round(4),
            "matched_park_id": [
                derived_ids[match_site[i]] if i in match_site else ""
                for i in range(len(site_geoms))
            ],
        }
    )
    agreement = _type_agreement(site_table, planted, derived, match_site)
    kinds = np.where(
        np.isin(np.arange(len(found_geoms)), list(used)),
        "match",
        np.where(touches, "split_or_partial", "false_positive"),
    )
    derived_table = pd.DataFrame(
        {"park_id": derived_ids, "best_iou": best_found.round(4), "kind": kinds}
    )
    n_sites = len(site_geoms)
    n_found = len(found_geoms)
    summary = {
        "n_sites": n_sites,
        "n_not_planted": int((~sites["planted"].astype(bool)).sum()),
        "mean_iou": round(float(best_site.mean()), 3) if n_sites else float("nan"),
        "median_iou": round(float(np.median(best_site)), 3) if n_sites else float("nan"),
        "n_recovered": len(match_site),
        "recall": round(len(match_site) / n_sites, 3) if n_sites else float("nan"),
        "n_derived": n_found,
        "n_false_positive": int((kinds == "false_positive").sum()),
        "n_split_or_partial": int((kinds == "split_or_partial").sum()),
        "precision": round(len(used) / n_found, 3) if n_found else float("nan"),
        "threshold": threshold,
        **agreement,
    }
    return RecoveryReport(sites=site_table, derived=derived_table, summary=summary)
