"""Disclosure control: turn computed statistics into a :class:`Release`.

The :class:`Release` is the only object the map and file writers accept, and only
:func:`publish_release` can make one (:func:`publish_derived` adds values derived from its
published values, such as the composite index, to a release it made). Everything in a
release has passed the disclosure rules (:class:`DisclosureRules`, defaults from the CBS
output guidelines):

* **threshold** — a value rests on at least ``min_units`` units; smaller areas carry no
  value (status ``suppressed``) or are merged into a publishable region (``merged``);
* **rounding** — counts at buurt and finer levels are rounded to ``rounding_base``;
  gemeente totals are exact; rates are computed from the unrounded figures;
* **small counts** — a count from 1 to ``min_units - 1`` is never shown exactly: it is
  rounded and its rate is the rate of the rounded figures (or it is suppressed);
* **group disclosure** — a share above ``group_max_pct`` (default 90 %) is not published;
* **companies** — company-based indicators need ``min_companies`` contributors and pass the
  ``(dominance_n, dominance_pct)`` dominance rule;
* **secondary protection** — no suppressed value can be derived from published totals
  (see :mod:`zicht.publish._disclosure` for the attack model);
* **derived statistics** — hot-spot classes only on published features; z, p and q only
  where the whole Gi* window is published, and rounded.

Given the unit-level table (:class:`UnitTable`), the step also merges small H3 cells into
regions that nest in buurten (:mod:`zicht.publish`), which makes differencing between the
published geographies impossible by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import DisclosureError
from zicht._strings import text
from zicht._validate import require_rd
from zicht.publish._cellkey import apply_cell_key
from zicht.publish._columns import (
    FeatureCounts,
    count_bases,
    hotspot_k_of,
    hotspot_tested_of,
    link_indicators,
    publish_columns,
    publish_hotspots,
)
from zicht.publish._disclosure import (
    HIDDEN,
    primary_indicator_state,
)
from zicht.publish._model import (
    AUDIT_COLUMNS,
    RELEASE_TOKEN,
    STATUS_PUBLISHED,
    STATUS_SUPPRESSED,
    LayerInput,
    Release,
    UnitTable,
)
from zicht.publish._rules import DisclosureRules
from zicht.publish._units import publish_units
from zicht.schemas import IndicatorMeta

__all__ = [
    "publish_derived",
    "publish_release",
]


def _publish_layer(
    layer: LayerInput,
    indicators: tuple[IndicatorMeta, ...],
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
    """Publish one layer of area totals with the primary rules (the aggregated path)."""
    frame = layer.frame
    links = link_indicators(indicators, set(frame.columns))
    needed = {"area_id", "area_name", "n_units", "geometry"}
    needed |= {x.count for x in links if x.count is not None}
    needed |= {x.base for x in links if x.role == "rate"}
    missing = sorted(c for c in needed if c not in frame)
    if missing:
        raise DisclosureError(f"layer {layer.name!r} lacks columns {missing}")
    require_rd(frame, f"layer {layer.name!r}", DisclosureError)
    companies = [m.column for m in indicators if m.basis == "companies"]
    if companies:
        raise DisclosureError(
            f"company-based indicators {companies} need the unit table (UnitTable) for the "
            "dominance rule; pass units= to publish_release"
        )
    n = pd.to_numeric(frame["n_units"]).fillna(0).astype("int64").to_numpy()
    ok = n >= rules.min_units
    rounded = rules.is_rounded(layer.name)
    out = gpd.GeoDataFrame(
        {
            "area_id": frame["area_id"].astype("str").to_numpy(),
            "area_name": frame["area_name"].astype("str").to_numpy(),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    out["status"] = np.where(ok, STATUS_PUBLISHED, STATUS_SUPPRESSED)
    audit = [
        (layer.name, a, STATUS_SUPPRESSED, "", f"fewer than {rules.min_units} units")
        for a in out.loc[~ok, "area_id"]
    ]
    counts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    ids = out["area_id"].to_numpy()
    for count, base_col in count_bases(links).items():
        k = pd.to_numeric(frame[count]).fillna(0).astype("int64").to_numpy()
        base = (
            n
            if base_col == "n_units"
            else pd.to_numeric(frame[base_col]).fillna(0).astype("int64").to_numpy()
        )
        state, reason = primary_indicator_state(base, k, rules)
        state[~ok] = HIDDEN
        counts[count] = (k, base, state)
        # rounded small counts are a presentation rule (counted in the report), not logged
        for i in np.flatnonzero(ok & (state == HIDDEN)):
            audit.append((layer.name, ids[i], "indicator_suppressed", count, str(reason[i])))
    publish_columns(
        out, links, FeatureCounts(ok, n, counts), rules=rules, rounded=rounded, source=frame
    )
    withheld = publish_hotspots(
        frame, out, ok, rules, hotspot_k_of(layer, metadata), n, hotspot_tested_of(metadata)
    )
    summary = {
        "features": len(out),
        "published": int(ok.sum()),
        "suppressed": int((~ok).sum()),
        "merged": 0,
        "hotspot_scores_withheld": withheld,
        "rounded": rounded,
    }
    return out, pd.DataFrame(audit, columns=AUDIT_COLUMNS), summary


def _overlapping_features(layers: Mapping[str, gpd.GeoDataFrame]) -> int:
    """Count pairs of published features (any layers) whose interiors overlap (> 0.01 m²)."""
    frames = [
        f.loc[f["status"] == STATUS_PUBLISHED, ["geometry"]] for f in layers.values() if len(f)
    ]
    geoms = np.concatenate([f.geometry.to_numpy() for f in frames]) if frames else np.empty(0)
    if len(geoms) < 2:
        return 0
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    if len(left) == 0:
        return 0
    area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    return int((area > 0.01).sum())


def publish_release(
    layers: list[LayerInput],
    indicators: list[IndicatorMeta],
    *,
    rules: DisclosureRules | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    metadata: Mapping[str, Any] | None = None,
    units: UnitTable | None = None,
    regions: Any = None,
    withhold: Mapping[str, Mapping[str, str]] | None = None,
) -> Release:
    """Apply the disclosure rules and return a :class:`Release`.

    With ``units``, disclosure control aggregates the unit table itself: it merges small
    H3 cells into regions nested in buurten (a ``region`` layer), publishes every layer in
    ``layers`` from the units, and protects every value against differencing between the
    layers. Without it, each layer's own totals pass the primary rules only, and a
    release with more than one layer is marked as not verified against differencing (the
    release writer refuses it).

    Parameters
    ----------
    layers
        Geographies with geometry and statistics (see :class:`LayerInput`).
    indicators
        Which columns are published, and whether they are counts or rates.
    rules
        Disclosure rules; defaults to :class:`DisclosureRules()`.
    context
        Public reference layers to carry along (no unit-level data).
    metadata
        Provenance to carry into every output file.
    units
        The unit-level table (see :class:`UnitTable`).
    regions
        :class:`zicht.publish.RegionOptions` for the region layer (with ``units``).
    withhold
        Features to withhold besides what the rules hide (with ``units``): per layer, area
        id → reason, e.g. a feature whose units differ from an earlier release's by fewer
        than ``min_units`` (docs/years.md). They are suppressed before secondary
        protection, so that nothing else gives them away; the audit names each with its
        reason. An H3 cell is withheld with every region holding its units.

    Returns
    -------
    Release
        The checked statistics.

    Raises
    ------
    DisclosureError
        If a layer lacks required columns, is not in EPSG:28992, disagrees with the unit
        table, or a rule cannot be applied.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame(
    ...     {"area_id": ["A", "B"], "area_name": ["a", "b"], "n_units": [8, 42],
    ...      "n_vacant": [1, 12]},
    ...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=RD_NEW)
    >>> meta = [IndicatorMeta("n_vacant", "Vacant", "addresses")]
    >>> release = publish_release([LayerInput("buurt", frame)], meta)
    >>> release.layers["buurt"][["status", "n_units", "n_vacant"]].values.tolist()
    [['suppressed', <NA>, nan], ['published', 40, 10.0]]
    """
    rules = rules or DisclosureRules()
    metas = tuple(indicators)
    metadata = dict(metadata or {})
    regions_table = None
    if units is not None:
        result = publish_units(layers, metas, units, rules, metadata, regions, withhold)
        published, audit, regions_table, disclosure = result
    elif rules.method == "cell_key":
        raise DisclosureError(
            '[rules] method = "cell_key" needs unit-level data: every count\'s noise comes '
            "from the record keys of its units, and this run publishes area totals only "
            '(an area table); use method = "round" here'
        )
    else:
        published, audit, disclosure = _publish_aggregated(layers, metas, rules, metadata)
    if rules.internal:
        published, metadata = _mark_internal(published, metadata)
    release = Release(
        layers=MappingProxyType(published),
        indicators=metas,
        context=MappingProxyType(dict(context or {})),
        rules=rules,
        metadata=MappingProxyType(metadata),
        audit=audit,
        regions=regions_table,
        disclosure=MappingProxyType(disclosure),
        _token=RELEASE_TOKEN,
    )
    if rules.method == "cell_key" and units is not None:
        release = apply_cell_key(release, units.nested_for([x.name for x in layers]))
    return release


#: The column every feature of an internal release carries (``purpose = "internal"``).
INTERNAL_COLUMN = "publicatie"


def _mark_internal(
    layers: dict[str, gpd.GeoDataFrame], metadata: dict[str, Any]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    """Mark a release under rules below the floors: NIET VOOR PUBLICATIE on every output.

    Every feature carries the words in a column (so every CSV and GeoPackage row says it),
    the title starts with them (the map, the reports) and the metadata names them (the
    manifest, the run summary).
    """
    mark = text("common", "not_for_publication")
    marked = {}
    for name, frame in layers.items():
        out = frame.copy()
        geometry = out.geometry.name
        out.insert(int(out.columns.get_loc(geometry)), INTERNAL_COLUMN, mark)
        marked[name] = out
    title = str(metadata.get("title") or "zicht")
    if not title.startswith(mark):
        title = f"{mark} — {title}"
    return marked, {**metadata, "title": title, "not_for_publication": mark}


def _publish_aggregated(
    layers: list[LayerInput],
    metas: tuple[IndicatorMeta, ...],
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame, dict[str, Any]]:
    """Publish every layer from its own totals (no unit table): primary rules only."""
    published = {}
    audits = []
    summaries = {}
    for layer in layers:
        out, audit_frame, summary = _publish_layer(layer, metas, rules, metadata)
        published[layer.name] = out
        audits.append(audit_frame)
        summaries[layer.name] = summary
    audit = pd.concat(audits, ignore_index=True) if audits else pd.DataFrame(columns=AUDIT_COLUMNS)
    overlaps = _overlapping_features(published)
    frames = {x.name: x.frame for x in layers}
    first = next(iter(frames.values()), None)
    links = link_indicators(metas, set(first.columns) if first is not None else set())
    disclosure = {
        "links": [asdict(x) for x in links],
        "path": "aggregated layers",
        "differencing_verified": overlaps == 0,
        "overlapping_pairs": int(overlaps),
        "differencing_note": (
            "no two published features overlap, so no published total contains "
            "another and nothing can be differenced"
            if overlaps == 0
            else f"not verified: {overlaps} pairs of published features overlap and the "
            "unit table was not given"
        ),
        "layers": summaries,
        "unit_keys": {},
    }
    return published, audit, disclosure


def publish_derived(
    release: Release,
    values: Mapping[str, pd.DataFrame],
    indicators: list[IndicatorMeta],
    *,
    metadata: Mapping[str, Any] | None = None,
) -> Release:
    """Add columns derived from a release's published values (a composite index) to it.

    A derived value is a function of values the release already publishes (the composite
    index ranks the published indicator values of the published areas), so it needs no
    second pass of disclosure control: every derived column is kept on the published
    features of its layer and left empty elsewhere, as :func:`publish_release` publishes a
    plain value column. Counts and rates cannot be added this way: they need the rules.

    Parameters
    ----------
    release
        The release the values were derived from.
    values
        Per layer name, a frame indexed by ``area_id`` with a column per derived
        indicator; the columns of a layer without a frame stay empty.
    indicators
        The derived columns (any kind but ``count`` and ``rate``); they follow the
        release's own indicator columns in every layer, in this order.
    metadata
        Entries to add to the release's metadata (how the values were derived).

    Returns
    -------
    Release
        A new release: the same features, values and audit, plus the derived columns.

    Raises
    ------
    DisclosureError
        If a column is a count or a rate or is published already, or ``values`` names a
        layer the release does not have.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame(
    ...     {"area_id": ["A", "B"], "area_name": ["a", "b"], "n_units": [8, 42],
    ...      "n_vacant": [1, 12]},
    ...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=RD_NEW)
    >>> release = publish_release([LayerInput("buurt", frame)],
    ...                           [IndicatorMeta("n_vacant", "Vacant", "addresses")])
    >>> score = pd.DataFrame({"score": [0.5]}, index=pd.Index(["B"], name="area_id"))
    >>> scored = publish_derived(release, {"buurt": score},
    ...                          [IndicatorMeta("score", "Score", "", "index")])
    >>> scored.layers["buurt"][["status", "n_vacant", "score"]].values.tolist()
    [['suppressed', nan, nan], ['published', 10.0, 0.5]]
    """
    metas = tuple(indicators)
    own = {m.column for m in release.indicators}
    problems = [
        f"{m.column!r} is a {m.kind}, which needs the disclosure rules"
        for m in metas
        if m.kind in ("count", "rate")
    ]
    problems += [f"{m.column!r} is published already" for m in metas if m.column in own]
    problems += [
        f"the release has no layer {name!r}" for name in values if name not in release.layers
    ]
    if problems:
        raise DisclosureError("cannot add derived columns: " + "; ".join(problems))
    layers = {
        name: _with_derived(frame, values.get(name), metas, release.indicators)
        for name, frame in release.layers.items()
    }
    links = [asdict(x) for x in link_indicators(metas, set())]
    disclosure = dict(release.disclosure)
    disclosure["links"] = [*disclosure.get("links", []), *links]
    return Release(
        layers=MappingProxyType(layers),
        indicators=(*release.indicators, *metas),
        context=release.context,
        rules=release.rules,
        metadata=MappingProxyType({**release.metadata, **(metadata or {})}),
        audit=release.audit,
        regions=release.regions,
        disclosure=MappingProxyType(disclosure),
        _token=RELEASE_TOKEN,
    )


def _with_derived(
    frame: gpd.GeoDataFrame,
    derived: pd.DataFrame | None,
    metas: tuple[IndicatorMeta, ...],
    own: tuple[IndicatorMeta, ...],
) -> gpd.GeoDataFrame:
    """Return ``frame`` with the derived columns after its own indicator columns."""
    out = frame.copy()
    published = (out["status"] == STATUS_PUBLISHED).to_numpy()
    ids = out["area_id"].astype("str").to_numpy()
    # where publish_release puts value columns: after n_units_band and the indicators
    after = [c for c in ("n_units_band", *(m.column for m in own)) if c in out.columns]
    at = max(int(out.columns.get_loc(c)) for c in after) + 1 if after else len(out.columns)
    for offset, meta in enumerate(metas):
        given = np.full(len(out), np.nan)
        if derived is not None and meta.column in derived:
            column = derived[meta.column].reindex(ids)
            given = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        out.insert(at + offset, meta.column, np.where(published, given, np.nan))
    return out
