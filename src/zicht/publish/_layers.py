"""The published layers of the unit path, assembled from the protected tree.

Part of :func:`zicht.publish.publish_release` (see :mod:`zicht.publish._units`): the region
layer, the CBS area layers (nodes of the tree), and the layers that are unions of whole
regions (the H3 layer, parks, the 2022 wijken by location), whose values add nothing an
attacker could use (a multi-region feature carries an exact value only when all its regions
do); plus the audit rows of the region building.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely

from zicht._errors import DisclosureError
from zicht.publish._columns import (
    Counts,
    FeatureCounts,
    IndicatorLink,
    hotspot_k_of,
    hotspot_tested_of,
    publish_columns,
    publish_hotspots,
)
from zicht.publish._disclosure import (
    EXACT,
    HIDDEN,
    Tree,
)
from zicht.publish._model import (
    NOT_PUBLISHED_BAND,
    STATUS_MERGED,
    STATUS_PUBLISHED,
    STATUS_SUPPRESSED,
    LayerInput,
    UnitTable,
)
from zicht.publish._regions import RegionPlan
from zicht.publish._rules import DisclosureRules
from zicht.publish._tree import NEST0, SEP, Audit, NodeIndex
from zicht.schemas import RD_NEW


@dataclass(frozen=True)
class LayerContext:
    """What every layer builder of the unit path reads, made once by ``publish_units``.

    Attributes
    ----------
    units
        The unit table as published (its ``areas`` are the levels the regions nest in).
    table
        One row per unit with a cell and area codes: ``cell``, the area and extra
        columns, the numerator columns and ``region_id``.
    plan
        The regions and their pieces.
    index, tree
        The disclosure tree (regions, then the areas of every level) and its numbering.
    nodes
        Per count column, its count, base and protected state on every node.
    numerators
        Count column → unit column.
    bases
        Count column → its base column (``n_units`` or a count).
    links
        How every published column relates to the counts.
    rules
        The disclosure rules.
    layers
        The layers to publish, by name.
    metadata
        Provenance (the hot-spot k of the H3 layer).
    resolution
        The H3 resolution of the cells.
    """

    units: UnitTable
    table: pd.DataFrame
    plan: RegionPlan
    index: NodeIndex
    tree: Tree
    nodes: Counts
    numerators: Mapping[str, str]
    bases: Mapping[str, str]
    links: list[IndicatorLink]
    rules: DisclosureRules
    layers: Mapping[str, LayerInput]
    metadata: Mapping[str, Any]
    resolution: int

    @property
    def area_names(self) -> list[str]:
        return list(self.units.areas)

    @property
    def area_cols(self) -> list[str]:
        return list(self.units.areas.values())

    def at(self, nodes: np.ndarray) -> Counts:
        """Return the counts of the given nodes."""
        return {
            c: (k[nodes], base[nodes], state[nodes]) for c, (k, base, state) in self.nodes.items()
        }


@dataclass(frozen=True)
class BuiltLayer:
    """A published layer, its summary for the disclosure report and its audit rows."""

    frame: gpd.GeoDataFrame
    summary: dict[str, Any]
    audit: Audit


def _status(published: np.ndarray, merged: np.ndarray) -> np.ndarray:
    return np.where(published, STATUS_PUBLISHED, np.where(merged, STATUS_MERGED, STATUS_SUPPRESSED))


def _check_against_units(
    name: str, frame: pd.DataFrame, ids: pd.Index, truth: dict[str, np.ndarray]
) -> None:
    """Refuse a layer whose own totals disagree with the unit table."""
    given = frame.set_index(frame["area_id"].astype("str"))
    problems = []
    for column, values in truth.items():
        if column not in given:
            continue
        stated = pd.to_numeric(given[column], errors="coerce").reindex(ids)
        bad = stated.notna().to_numpy() & (stated.to_numpy() != values)
        if bad.any():
            example = ids[np.flatnonzero(bad)[0]]
            problems.append(f"{column} differs for {int(bad.sum())} areas (e.g. {example})")
    if problems:
        raise DisclosureError(
            f"layer {name!r} disagrees with the unit table: " + "; ".join(problems)
        )


def _members(
    keys: np.ndarray, regions: np.ndarray, index: NodeIndex, tree: Tree, whole: np.ndarray
) -> pd.DataFrame:
    """Per (feature, region) pair: units, whether the region lies wholly in the feature."""
    per = pd.DataFrame({"key": keys, "region": regions})
    per = per.groupby(["key", "region"]).size().rename("units").reset_index()
    per["node"] = index.region_nodes(per["region"].to_numpy())
    per["whole"] = whole[per["node"].to_numpy()] if len(per) else np.zeros(0, dtype=bool)
    per["published"] = tree.published[per["node"].to_numpy()]
    return per


def _cell_members(
    codes: np.ndarray,
    hexes: np.ndarray,
    regions: np.ndarray,
    index: NodeIndex,
    tree: Tree,
    whole: np.ndarray,
) -> pd.DataFrame:
    """:func:`_members` of the H3 layer from the units' cell codes (``hexes[codes]``).

    The same rows in the same order (by cell id text, then region), counted on integer
    codes instead of a text per unit.
    """
    region_codes, region_ids = pd.factorize(regions)
    keep = region_codes >= 0  # as groupby, which leaves out units without a region
    pair = codes[keep].astype(np.int64) * len(region_ids) + region_codes[keep]
    values, units = np.unique(pair, return_counts=True)
    per = pd.DataFrame(
        {
            "key": hexes[values // len(region_ids)],
            "region": np.asarray(region_ids, dtype=object)[values % len(region_ids)],
            "units": units.astype(np.int64),
        }
    )
    per = per.sort_values(["key", "region"]).reset_index(drop=True)
    per["node"] = index.region_nodes(per["region"].to_numpy())
    per["whole"] = whole[per["node"].to_numpy()] if len(per) else np.zeros(0, dtype=bool)
    per["published"] = tree.published[per["node"].to_numpy()]
    return per


def _inherited(
    ctx: LayerContext,
    ids: pd.Index,
    per: pd.DataFrame,
    keys: np.ndarray | None,
    n: np.ndarray,
    sums: Callable[[np.ndarray], np.ndarray] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return counts and states of features that are unions of whole regions.

    ``keys`` holds the feature of every unit row of ``ctx.table`` (or ``sums`` gives a unit
    column's sum per feature of ``ids``). One region: the feature is that region. Several:
    exact only if all are exact, else hidden (a rounded sum of regions would be a second,
    differently rounded view of them).
    """
    table = ctx.table

    def total(col: str) -> np.ndarray:
        if sums is not None:
            return sums(table[col].to_numpy())
        return table.groupby(keys)[col].sum().reindex(ids, fill_value=0).to_numpy()

    grouped = per.groupby("key")
    n_members = grouped.size().reindex(ids, fill_value=0).to_numpy()
    counts = {}
    for column, base_col in ctx.bases.items():
        k = total(ctx.numerators[column])
        base = n if base_col == "n_units" else total(ctx.numerators[base_col])
        region_state = ctx.nodes[column][2][per["node"].to_numpy()]
        worst = per.assign(state=region_state).groupby("key")["state"].max()
        worst = worst.reindex(ids, fill_value=HIDDEN).to_numpy()
        state = np.where(n_members == 1, worst, np.where(worst == EXACT, EXACT, HIDDEN))
        counts[column] = (k.astype(np.int64), base.astype(np.int64), state.astype(np.int8))
    return counts


def _union_audit(name: str, ids: pd.Index, per: pd.DataFrame, features: FeatureCounts) -> Audit:
    """Audit rows for published features whose value is hidden, with the reason.

    A feature of one region shows its region's value (hidden where the region's is); a
    feature of several regions is exact only when all of them are.
    """
    n_members = per.groupby("key").size().reindex(ids, fill_value=0).to_numpy()
    main = (
        per.sort_values(["key", "units"], ascending=[True, False])
        .drop_duplicates("key")
        .set_index("key")["region"]
        .reindex(ids)
        .fillna("")
        .astype("str")
        .to_numpy()
    )
    audit: Audit = []
    for column, (_, _, state) in features.counts.items():
        for i in np.flatnonzero(features.published & (state == HIDDEN)):
            why = (
                f"as its region {main[i]}"
                if n_members[i] == 1
                else f"{n_members[i]} regions, not all exact (a sum of rounded values "
                "would be a second rounding of them)"
            )
            audit.append((name, ids[i], "indicator_suppressed", column, why))
    return audit


def h3_layer(ctx: LayerContext) -> BuiltLayer:
    """Publish the H3 layer: a cell carries values only as a union of whole regions."""
    layer, table, index, tree, rules = ctx.layers["h3"], ctx.table, ctx.index, ctx.tree, ctx.rules
    source = layer.frame.assign(area_id=layer.frame["area_id"].astype("str"))
    # every unit's cell as a code (no text per unit); the hex ids of the distinct cells
    codes, cells = pd.factorize(table["cell"].to_numpy(dtype=np.int64))
    hexes = np.array([h3i.int_to_str(int(c)) for c in cells], dtype=object)
    ids = pd.Index(pd.unique(np.r_[source["area_id"].to_numpy(dtype=object), hexes]))
    at = ids.get_indexer(hexes)

    def per_cell(values: np.ndarray | None = None) -> np.ndarray:
        """Units (or a unit column's sum) per feature of ``ids``."""
        out = np.zeros(len(ids), dtype=np.int64)
        out[at] = np.bincount(codes, weights=values, minlength=len(cells)).astype(np.int64)
        return out

    n = per_cell()
    # A cell is published only as a union of whole regions: every region holding one of
    # its units must lie inside the cell.
    region_cells = table.groupby("region_id")["cell"].nunique()
    single_cell = np.zeros(tree.n_leaves, dtype=bool)
    single_cell[index.region_nodes(region_cells.index.to_numpy())] = region_cells.to_numpy() == 1
    per = _cell_members(codes, hexes, table["region_id"].to_numpy(), index, tree, single_cell)
    grouped = per.groupby("key")
    whole = grouped["whole"].all().reindex(ids, fill_value=False).to_numpy()
    members_ok = grouped["published"].all().reindex(ids, fill_value=False).to_numpy()
    main_region = (
        per.sort_values(["key", "units", "region"], ascending=[True, False, True])
        .drop_duplicates("key")
        .set_index("key")["region"]
        .reindex(ids)
    )
    published = whole & members_ok & (n >= rules.min_units)
    # An empty cell whose ground a region took in (fill_empty) is merged into that region,
    # as an occupied small cell is: the layer does not say which cells hold units.
    empty_region = _empty_cell_regions(ctx.plan.pieces, ids, n)
    merged = (~whole & (n > 0)) | empty_region.notna().to_numpy()
    main_region = main_region.fillna(empty_region)
    counts = _inherited(ctx, ids, per, None, n, sums=per_cell)
    _check_against_units(
        layer.name, source, ids, {"n_units": n, **{c: v[0] for c, v in counts.items()}}
    )
    out = gpd.GeoDataFrame(
        {
            "area_id": ids.to_numpy(dtype=object).astype(str),
            "area_name": source.set_index("area_id")["area_name"]
            .reindex(ids)
            .fillna(f"H3 res {ctx.resolution}")
            .astype("str")
            .to_numpy(),
        },
        geometry=_geometry_for(source, ids),
        crs=RD_NEW,
    )
    out["status"] = _status(published, merged)
    aligned = source.set_index("area_id").reindex(ids).reset_index()
    publish_columns(
        out,
        ctx.links,
        FeatureCounts(published, n, counts),
        rules=rules,
        rounded=rules.is_rounded("h3"),
        source=aligned,
        band_for_hidden=NOT_PUBLISHED_BAND,
        h3_k=hotspot_k_of(layer, ctx.metadata),
    )
    out["region_id"] = main_region.fillna("").astype("str").to_numpy()
    withheld = publish_hotspots(
        aligned,
        out,
        published,
        rules,
        hotspot_k_of(layer, ctx.metadata),
        n,
        tested=hotspot_tested_of(ctx.metadata),
    )
    audit = _h3_audit(ids, FeatureCounts(published, n, counts), merged, main_region, rules)
    audit += _union_audit("h3", ids, per, FeatureCounts(published, n, counts))
    return BuiltLayer(out, _layer_summary(out, rules.is_rounded("h3"), withheld), audit)


def _empty_cell_regions(pieces: pd.DataFrame, ids: pd.Index, n: np.ndarray) -> pd.Series:
    """Per cell without units, the region its empty ground was given to (else missing)."""
    if "region_id" not in pieces or not len(pieces):
        return pd.Series(np.nan, index=ids, dtype="object")
    hexes = [h3i.int_to_str(int(c)) for c in pieces["cell"].to_numpy()]
    region = pd.Series(pieces["region_id"].astype("str").to_numpy(), index=hexes)
    first = region.groupby(level=0).min().reindex(ids)
    return first.where(n == 0)


def _h3_audit(
    ids: pd.Index,
    features: FeatureCounts,
    merged: np.ndarray,
    main_region: pd.Series,
    rules: DisclosureRules,
) -> Audit:
    """One audit row per H3 cell that is not published: merged into a region, or suppressed."""
    n = features.n
    audit: Audit = []
    for i in np.flatnonzero(~features.published):
        if merged[i]:
            why = (
                f"fewer than {rules.min_units} units"
                if n[i] < rules.min_units
                else "cell cut by a region of several cells"
            )
            audit.append(
                ("h3", ids[i], STATUS_MERGED, "", f"{why}; in region {main_region.iloc[i]}")
            )
        else:
            why = "no units" if n[i] == 0 else "its region is suppressed"
            audit.append(("h3", ids[i], STATUS_SUPPRESSED, "", why))
    return audit


def _geometry_for(source: gpd.GeoDataFrame, ids: pd.Index) -> np.ndarray:
    from zicht.index import cells_to_polygons

    geoms = source.set_index("area_id").geometry.reindex(ids).to_numpy()
    missing = shapely.is_missing(geoms)
    if missing.any():
        cells = np.array([h3i.str_to_int(str(i)) for i in ids[missing]], dtype=np.int64)
        geoms[missing] = cells_to_polygons(cells).to_numpy()
    return geoms


def _layer_summary(frame: pd.DataFrame, rounded: bool, withheld: int = 0) -> dict[str, Any]:
    status = frame["status"]
    return {
        "features": len(frame),
        "published": int((status == STATUS_PUBLISHED).sum()),
        "merged": int((status == STATUS_MERGED).sum()),
        "suppressed": int((status == STATUS_SUPPRESSED).sum()),
        "rounded": rounded,
        "hotspot_scores_withheld": withheld,
    }


def region_layer(ctx: LayerContext) -> BuiltLayer:
    """Publish the region layer: every region is a node of the tree."""
    from zicht.publish._region_shapes import region_geometries

    rules = ctx.rules
    regions = ctx.plan.regions
    nodes = np.arange(ctx.tree.n_leaves)
    published = ctx.tree.published[nodes]
    n = ctx.tree.n_units[nodes]
    geometry = region_geometries(ctx.plan, _nest_polygons(ctx))
    out = gpd.GeoDataFrame(
        {
            "area_id": regions.index.to_numpy(dtype=object).astype(str),
            "area_name": _region_names(ctx),
        },
        geometry=geometry.to_numpy(),
        crs=RD_NEW,
    )
    out["status"] = _status(published, np.zeros(len(nodes), dtype=bool))
    publish_columns(
        out,
        ctx.links,
        FeatureCounts(published, n, ctx.at(nodes)),
        rules=rules,
        rounded=rules.is_rounded("region"),
        source=None,
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    out["n_cells"] = regions["n_cells"].to_numpy()
    audit: Audit = []
    for i in np.flatnonzero(~published):
        if n[i] == 0:
            why = "no units"
        elif n[i] < rules.min_units:
            why = f"fewer than {rules.min_units} units in its gemeente"
        else:
            why = "secondary suppression"
        audit.append(("region", regions.index[i], STATUS_SUPPRESSED, "", why))
    return BuiltLayer(out, _layer_summary(out, rules.is_rounded("region")), audit)


def _region_names(ctx: LayerContext) -> np.ndarray:
    regions = ctx.plan.regions
    area_names = ctx.area_names
    names = np.full(len(regions), "region", dtype=object)
    for level, (name, col) in reversed(list(enumerate(ctx.units.areas.items()))):
        if name not in ctx.layers:
            continue
        frame = ctx.layers[name].frame
        lookup = pd.Series(
            frame["area_name"].astype("str").to_numpy(), index=frame["area_id"].astype("str")
        )
        code = regions[col]
        label = lookup.reindex(code.to_numpy()).to_numpy()
        ok = code.notna().to_numpy() & pd.notna(label)
        suffix = "region" if level == 0 else f"region across {area_names[0]} boundaries"
        names[ok] = [f"{x} · {suffix}" for x in label[ok]]
    return names


def _nest_polygons(ctx: LayerContext) -> dict[str, gpd.GeoSeries] | None:
    plan, by_name, extra = ctx.plan, ctx.layers, ctx.units.extra
    area_names, area_cols = ctx.area_names, ctx.area_cols
    finest = area_names[0]
    if finest not in by_name:
        return None
    frame = by_name[finest].frame
    polygons = gpd.GeoSeries(
        frame.geometry.to_numpy(), index=frame["area_id"].astype("str"), crs=RD_NEW
    )
    if not extra:
        return {area_cols[0]: polygons}
    codes = pd.Index(pd.unique(plan.pieces[NEST0]))
    parts = codes.str.split(SEP)
    geoms = polygons.reindex([p[0] for p in parts]).to_numpy()
    for j, name in enumerate(extra):
        if name not in by_name:
            continue
        extra_frame = by_name[name].frame
        extra_geom = gpd.GeoSeries(
            extra_frame.geometry.to_numpy(), index=extra_frame["area_id"].astype("str")
        )
        keys = np.array([p[j + 1] for p in parts], dtype=object)
        inside = keys != ""
        clip = extra_geom.reindex(keys[inside]).to_numpy()
        ok = ~shapely.is_missing(clip)
        idx = np.flatnonzero(inside)[ok]
        geoms[idx] = shapely.intersection(geoms[idx], clip[ok])
        union = shapely.union_all(extra_geom.to_numpy())
        out_idx = np.flatnonzero(~inside)
        geoms[out_idx] = shapely.difference(geoms[out_idx], union)
    return {NEST0: gpd.GeoSeries(geoms, index=codes, crs=RD_NEW)}


def _feature_frame(
    ctx: LayerContext,
    name: str,
    source: pd.DataFrame,
    features: FeatureCounts,
    merged: np.ndarray,
) -> gpd.GeoDataFrame:
    """Build the published frame of a polygon layer: status, values, hot-spot classes.

    ``source`` is the layer's own frame indexed by ``area_id``, in the order of the output.
    """
    ids = pd.Index(source.index)
    n, counts = features.n, features.counts
    _check_against_units(
        name, ctx.layers[name].frame, ids, {"n_units": n, **{c: v[0] for c, v in counts.items()}}
    )
    out = gpd.GeoDataFrame(
        {
            "area_id": ids.to_numpy(dtype=object).astype(str),
            "area_name": source["area_name"].astype("str").to_numpy(),
        },
        geometry=source.geometry.to_numpy(),
        crs=RD_NEW,
    )
    out["status"] = _status(features.published, merged)
    publish_columns(
        out,
        ctx.links,
        features,
        rules=ctx.rules,
        rounded=ctx.rules.is_rounded(name),
        source=source.reset_index(),
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    publish_hotspots(
        source.reset_index(),
        out,
        features.published,
        ctx.rules,
        1,
        n,
        tested=hotspot_tested_of(ctx.metadata),
    )
    return out


def _source(layer: LayerInput) -> pd.DataFrame:
    return layer.frame.assign(area_id=layer.frame["area_id"].astype("str")).set_index("area_id")


def area_layer(ctx: LayerContext, name: str) -> BuiltLayer:
    """Publish a CBS level of the tree (buurt, wijk, gemeente): its areas are nodes."""
    index, tree, rules = ctx.index, ctx.tree, ctx.rules
    col = ctx.units.areas[name]
    lv = [lvl[0] for lvl in index.levels].index(name)
    codes = index.levels[lv][2]
    source = _source(ctx.layers[name])
    ids = pd.Index(source.index)
    nodes = index.offset[lv] + codes.get_indexer(ids)
    published = tree.published[nodes]
    assert tree.cut is not None
    cut = tree.cut[nodes]
    n = tree.n_units[nodes]
    merged = cut & ~published
    out = _feature_frame(ctx, name, source, FeatureCounts(published, n, ctx.at(nodes)), merged)
    main = (
        ctx.table.groupby([col, "region_id"])
        .size()
        .rename("units")
        .reset_index()
        .sort_values([col, "units", "region_id"], ascending=[True, False, True])
        .drop_duplicates(col)
        .set_index(col)["region_id"]
    )
    region_id = main.reindex(ids).fillna("").astype("str").to_numpy()
    out["region_id"] = np.where(merged, region_id, "")
    audit: Audit = []
    for i in np.flatnonzero(~published):
        if merged[i]:
            why = f"a region crosses it; in region {region_id[i]}"
            audit.append((name, ids[i], STATUS_MERGED, "", why))
        elif n[i] < rules.min_units:
            why = "no units" if n[i] == 0 else f"fewer than {rules.min_units} units"
            audit.append((name, ids[i], STATUS_SUPPRESSED, "", why))
    return BuiltLayer(out, _layer_summary(out, rules.is_rounded(name)), audit)


def extra_layer(ctx: LayerContext, name: str) -> BuiltLayer:
    """Publish a geography outside the tree (parks, wijken by location) from whole regions."""
    table, index, tree, rules = ctx.table, ctx.index, ctx.tree, ctx.rules
    col = ctx.units.extra[name]
    source = _source(ctx.layers[name])
    ids = pd.Index(source.index)
    keys = table[col].to_numpy()
    n = pd.Series(keys[keys != ""]).value_counts().reindex(ids, fill_value=0).to_numpy()
    # A region lies wholly in a feature when all its units carry that feature's key.
    spread = table.groupby("region_id")[col].agg(["nunique", "first"])
    inside_one = np.zeros(tree.n_leaves, dtype=bool)
    ok = (spread["nunique"] == 1) & (spread["first"] != "")
    inside_one[index.region_nodes(spread.index.to_numpy())] = ok.to_numpy()
    keep = keys != ""
    per = _members(keys[keep], table["region_id"].to_numpy()[keep], index, tree, inside_one)
    grouped = per.groupby("key")
    whole = grouped["whole"].all().reindex(ids, fill_value=False).to_numpy()
    members_ok = grouped["published"].all().reindex(ids, fill_value=False).to_numpy()
    published = whole & members_ok & (n >= rules.min_units)
    merged = ~whole & (n > 0)
    counts = _inherited(ctx, ids, per, keys, n)
    out = _feature_frame(ctx, name, source, FeatureCounts(published, n, counts), merged)
    # A feature whose units lie in several areas of the coarsest level (a park cut by a
    # gemeente boundary) cannot be whole: its regions stop at that boundary.
    coarsest = index.levels[-1][1] if index.levels else None
    spans = (
        table[keys != ""].groupby(col)[coarsest].nunique().reindex(ids, fill_value=0).to_numpy()
        if coarsest in table
        else np.zeros(len(ids), dtype=np.int64)
    )
    audit: Audit = []
    for i in np.flatnonzero(~published):
        if merged[i] and spans[i] > 1:
            why = (
                f"a region crosses its boundary: it lies in {spans[i]} areas of "
                f"{coarsest}, and regions stop at their boundaries"
            )
        elif merged[i] and n[i] < rules.min_units:
            why = (
                f"fewer than {rules.min_units} units: they are merged into a region with "
                "units around it"
            )
        elif merged[i]:
            why = "a region crosses its boundary"
        else:
            why = "no units" if n[i] == 0 else f"fewer than {rules.min_units} units"
        audit.append((name, ids[i], STATUS_MERGED if merged[i] else STATUS_SUPPRESSED, "", why))
    audit += _union_audit(name, ids, per, FeatureCounts(published, n, counts))
    return BuiltLayer(out, _layer_summary(out, rules.is_rounded(name)), audit)


def build_layers(ctx: LayerContext) -> dict[str, BuiltLayer]:
    """Publish every layer of ``ctx.layers`` and the region layer, in the release's order.

    The H3 layer first, then the regions, the CBS levels (finest first) and the other
    geographies.
    """
    built = {"h3": h3_layer(ctx)} if "h3" in ctx.layers else {}
    built["region"] = region_layer(ctx)
    for name in ctx.units.areas:
        if name in ctx.layers:
            built[name] = area_layer(ctx, name)
    for name in ctx.units.extra:
        if name in ctx.layers:
            built[name] = extra_layer(ctx, name)
    return built


def region_audit(plan: RegionPlan) -> Audit:
    regions = plan.regions
    merged = regions[(regions["n_cells"] > 1) & (regions["n_units"] > 0)]
    return [
        (
            "region",
            str(rid),
            "region_formed",
            "",
            f"{int(row.n_pieces)} pieces of {int(row.n_cells)} cells merged within "
            f"{row.level or 'the study area'}",
        )
        for rid, row in merged.iterrows()
    ]


def region_composition(ctx: LayerContext) -> pd.DataFrame:
    """Return the public composition of the regions: region, H3 cell, area codes per piece."""
    extra_cols = list(ctx.units.extra.values())
    pieces = ctx.plan.pieces
    out = pd.DataFrame(
        {
            "region_id": pieces["region_id"].astype("str").to_numpy(),
            "h3_cell": [h3i.int_to_str(int(c)) for c in pieces["cell"]],
        }
    )
    for col in ctx.area_cols:
        out[col] = pieces[col].astype("str").to_numpy()
    if extra_cols:
        parts = pieces[NEST0].str.split(SEP, expand=True)
        for j, col in enumerate(extra_cols):
            out[col] = parts[j + 1].astype("str").to_numpy()
    return out.sort_values(["region_id", "h3_cell"], kind="stable").reset_index(drop=True)
