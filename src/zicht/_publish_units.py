"""The unit path of :func:`zicht.publish.publish_release`: regions, nesting and protection.

From the unit table this module builds the pieces ``(H3 cell, buurt)``, merges them into
regions (:mod:`zicht.regions`), builds the tree region → buurt → wijk → gemeente, applies
the primary rules to every node, protects populations and indicators against
differencing (:mod:`zicht._disclosure`) and assembles the published layers. Layers that
are not part of the tree (the H3 layer, parks) are unions of whole regions; their values
add nothing an attacker could use (a multi-region feature carries an exact value only
when all its regions do).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely

from zicht._disclosure import (
    EXACT,
    HIDDEN,
    ROUNDED,
    Tree,
    primary_indicator_state,
    protect_indicator,
    protect_population,
)
from zicht._errors import DisclosureError, SchemaError
from zicht.publish import (
    AUDIT_COLUMNS,
    NOT_PUBLISHED_BAND,
    STATUS_MERGED,
    STATUS_PUBLISHED,
    STATUS_SUPPRESSED,
    DisclosureRules,
    IndicatorLink,
    IndicatorMeta,
    LayerInput,
    UnitTable,
    _hotspot_k,
    count_bases,
    link_indicators,
    publish_columns,
    publish_hotspots,
)
from zicht.regions import RegionOptions, RegionPlan, build_regions, cover_areas_with_cells

__all__ = ["publish_units"]

_NEST0 = "_nest0"
_SEP = "|"


def publish_units(
    layers: list[LayerInput],
    metas: tuple[IndicatorMeta, ...],
    units: UnitTable,
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
    options: RegionOptions | None,
) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Publish ``layers`` from the unit table; see :func:`zicht.publish.publish_release`."""
    started = time.perf_counter()
    options = options or RegionOptions()
    by_name = _check_layers(layers, units)
    links, bases = _links(metas, units)
    table, numerators, dropped = _unit_frame(units, metas, links, bases)
    area_cols = list(units.areas.values())
    area_names = list(units.areas)
    extra_cols = list(units.extra.values())
    resolution = _resolution(table["cell"])
    nest = [_NEST0, *area_cols] if extra_cols else area_cols
    if extra_cols:
        table[_NEST0] = table[area_cols[0]].str.cat([table[c] for c in extra_cols], sep=_SEP)
    pieces = _pieces(table, nest, area_cols, extra_cols, by_name, area_names, options, resolution)
    whole = _whole_keys(pieces, units)
    plan = build_regions(
        pieces.assign(_whole=whole) if whole is not None else pieces,
        min_units=rules.min_units,
        nest=nest,
        options=options,
        whole="_whole" if whole is not None else None,
    )
    table["region_id"] = _region_of_units(table, plan, nest[0])

    tree, index = _tree(table, plan, area_names, area_cols, by_name, rules)
    population_actions = protect_population(tree, rules.min_units)

    node_states: dict[str, np.ndarray] = {}
    node_counts: dict[str, np.ndarray] = {}
    audit: list[tuple[str, str, str, str, str]] = []
    indicator_summary: dict[str, dict[str, int]] = {}
    node_bases: dict[str, np.ndarray] = {}
    for column, base_col in bases.items():
        unit_col = numerators[column]
        basis = _basis(metas, column)
        k = _node_sums(table, index, tree, unit_col)
        base = (
            tree.n_units
            if base_col == "n_units"
            else _node_sums(table, index, tree, numerators[base_col])
        )
        state, reason = _primary_states(table, index, tree, k, base, unit_col, basis, units, rules)
        protection = protect_indicator(
            tree,
            k,
            state,
            min_units=rules.min_units,
            group_max_pct=rules.group_max_pct,
            group_low=rules.group_low,
            base=base,
        )
        node_states[column] = protection.state
        node_counts[column] = k
        node_bases[column] = base
        indicator_summary[column] = _indicator_summary(state, protection, tree)
        # rounded small counts are a presentation rule (counted in the report), not logged
        for changed in np.flatnonzero(tree.published & (state == HIDDEN)):
            layer, area = index.label(int(changed))
            audit.append((layer, area, "indicator_suppressed", column, str(reason[changed])))
        for fixed, new_state, why in protection.actions:
            layer, area = index.label(int(fixed))
            action = "indicator_suppressed" if new_state == HIDDEN else "rate_from_rounded"
            audit.append((layer, area, action, column, why))

    out: dict[str, gpd.GeoDataFrame] = {}
    summaries: dict[str, dict[str, Any]] = {}
    withheld = 0
    if "h3" in by_name:
        frame, summary, w = _h3_layer(
            by_name["h3"],
            table,
            plan,
            index,
            tree,
            node_states,
            node_counts,
            node_bases,
            numerators,
            bases,
            links,
            rules,
            metadata,
            audit,
        )
        out["h3"], summaries["h3"] = frame, summary
        withheld += w
    out["region"], summaries["region"] = _region_layer(
        plan,
        index,
        tree,
        node_states,
        node_counts,
        node_bases,
        links,
        rules,
        by_name,
        area_names,
        area_cols,
        dict(units.extra),
        audit,
    )
    for name, col in zip(area_names, area_cols, strict=True):
        if name in by_name:
            out[name], summaries[name] = _area_layer(
                name,
                col,
                by_name[name],
                table,
                index,
                tree,
                node_states,
                node_counts,
                node_bases,
                links,
                rules,
                audit,
            )
    for name, col in units.extra.items():
        if name in by_name:
            out[name], summaries[name] = _extra_layer(
                name,
                col,
                by_name[name],
                table,
                index,
                tree,
                node_states,
                numerators,
                bases,
                links,
                rules,
                audit,
            )
    for suppressed, why in population_actions:
        layer, area = index.label(int(suppressed))
        audit.append((layer, area, "secondary_suppressed", "", why))
    audit.extend(_region_audit(plan))
    audit_frame = pd.DataFrame(audit, columns=AUDIT_COLUMNS)
    composition = _composition(plan, nest, area_cols, extra_cols)
    regions = plan.regions
    disclosure = {
        "links": [asdict(x) for x in links],
        "path": "unit table",
        "differencing_verified": True,
        "differencing_note": (
            "every published geography is a union of whole regions (or inherits its values "
            "from them); residuals of every published total were checked"
        ),
        "units_in": len(units.frame),
        "units_without_keys": int(dropped),
        "resolution": resolution,
        "regions": {
            "method": plan.method,
            "pieces": len(plan.pieces),
            "occupied_pieces": int((plan.pieces["n_units"] > 0).sum()),
            "occupied_cells": int(table["cell"].nunique()),
            "regions": len(regions),
            "regions_with_units": int((regions["n_units"] > 0).sum()),
            "single_cell_regions": int(
                ((regions["n_cells"] == 1) & (regions["n_units"] > 0)).sum()
            ),
            "below_threshold": plan.below_threshold,
            "by_level": {
                str(k): int(v)
                for k, v in regions.loc[regions["n_units"] > 0, "level"].value_counts().items()
            },
            "median_units": float(regions.loc[regions["n_units"] > 0, "n_units"].median())
            if (regions["n_units"] > 0).any()
            else 0.0,
            "merge_rounds": plan.rounds,
            "seconds": round(plan.seconds, 3),
        },
        "secondary_population_suppressions": len(population_actions),
        "indicators": indicator_summary,
        "hotspot_scores_withheld": withheld,
        "layers": summaries,
        "unit_keys": {
            "h3": "h3_cell",
            "region": "region_pieces",
            **dict(zip(area_names, area_cols, strict=True)),
            **dict(units.extra),
        },
        "piece_keys": ["h3_cell", *area_cols[:1], *extra_cols],
        "numerators": dict(numerators),
        "company_column": units.company,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return out, audit_frame, composition, disclosure


# ----------------------------------------------------------------------------- inputs


def _check_layers(layers: list[LayerInput], units: UnitTable) -> dict[str, LayerInput]:
    known = {"h3", *units.areas, *units.extra}
    problems = []
    by_name: dict[str, LayerInput] = {}
    for layer in layers:
        if layer.name in by_name:
            problems.append(f"layer {layer.name!r} is given twice")
        by_name[layer.name] = layer
        if layer.name == "region":
            problems.append("layer 'region' is made by disclosure control; do not pass it")
        elif layer.name not in known:
            problems.append(
                f"layer {layer.name!r} has no unit key; name it in UnitTable.areas or "
                f"UnitTable.extra (known: {sorted(known)})"
            )
        frame = layer.frame
        missing = [c for c in ("area_id", "area_name", "geometry") if c not in frame]
        if missing:
            problems.append(f"layer {layer.name!r} lacks columns {missing}")
        elif frame.crs is None or frame.crs.to_epsg() != 28992:
            problems.append(f"layer {layer.name!r} must be in EPSG:28992, got {frame.crs}")
        elif frame["area_id"].astype("str").duplicated().any():
            problems.append(f"layer {layer.name!r} repeats area ids")
    if problems:
        raise DisclosureError("cannot publish: " + "; ".join(problems))
    return by_name


def _links(
    metas: tuple[IndicatorMeta, ...], units: UnitTable
) -> tuple[list[IndicatorLink], dict[str, str]]:
    available = {m.column for m in metas if m.kind == "count"} | set(units.numerators)
    available |= {f"n_{c}" for c in units.frame.columns}
    links = link_indicators(metas, available)
    return links, count_bases(links)


def _unit_frame(
    units: UnitTable,
    metas: tuple[IndicatorMeta, ...],
    links: list[IndicatorLink],
    bases: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, str], int]:
    frame = units.frame
    numerators: dict[str, str] = {}
    wanted = [*bases, *(b for b in bases.values() if b != "n_units")]
    for column in wanted:
        if column in numerators:
            continue
        meta = next((m for m in metas if m.column == column and m.kind == "count"), None)
        source = units.numerators.get(column) or (meta.numerator if meta else None)
        if source is None:
            source = column[2:] if column.startswith("n_") else column
        numerators[column] = source
    keys = [units.cell, *units.areas.values()]
    missing = [c for c in [*keys, *units.extra.values(), *numerators.values()] if c not in frame]
    if units.company and units.company not in frame:
        missing.append(units.company)
    if any(m.basis == "companies" for m in metas) and not units.company:
        raise SchemaError("company-based indicators need UnitTable(company=...)")
    if missing:
        raise SchemaError(f"unit table lacks columns {sorted(set(missing))}")
    has_keys = frame[keys].notna().all(axis=1).to_numpy()
    table = pd.DataFrame(index=np.arange(int(has_keys.sum())))
    table["cell"] = pd.to_numeric(frame[units.cell][has_keys]).astype("int64").to_numpy()
    for col in units.areas.values():
        table[col] = frame[col][has_keys].astype("str").to_numpy()
    for col in units.extra.values():
        values = frame[col][has_keys]
        table[col] = values.astype("object").where(values.notna(), "").astype("str").to_numpy()
    for col in set(numerators.values()):
        values = pd.to_numeric(frame[col][has_keys], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise SchemaError(f"unit column {col!r} must be non-negative numbers or booleans")
        table[col] = values.astype("int64").to_numpy()
    if units.company:
        table["_company"] = frame[units.company][has_keys].astype("str").to_numpy()
    return table, numerators, int((~has_keys).sum())


def _resolution(cells: pd.Series) -> int:
    if cells.empty:
        raise DisclosureError("the unit table has no unit with an H3 cell and area codes")
    res = {h3i.get_resolution(int(c)) for c in pd.unique(cells)[:1000]}
    if len(res) != 1:
        raise SchemaError(f"units are on several H3 resolutions: {sorted(res)}")
    return res.pop()


def _pieces(
    table: pd.DataFrame,
    nest: list[str],
    area_cols: list[str],
    extra_cols: list[str],
    by_name: dict[str, LayerInput],
    area_names: list[str],
    options: RegionOptions,
    resolution: int,
) -> pd.DataFrame:
    pieces = table.groupby(["cell", *nest], sort=True).size().rename("n_units").reset_index()
    finest = area_names[0]
    if not options.fill_empty or finest not in by_name:
        return pieces
    frame = by_name[finest].frame
    ids = frame["area_id"].astype("str")
    codes = table[area_cols].drop_duplicates(area_cols[0]).set_index(area_cols[0])
    keep = ids.isin(codes.index).to_numpy()
    polygons = gpd.GeoSeries(
        frame.geometry.to_numpy()[keep], index=ids[keep].to_numpy(), crs=frame.crs
    )
    cover = cover_areas_with_cells(polygons, resolution).rename(columns={"code": area_cols[0]})
    for col in area_cols[1:]:
        cover[col] = codes[col].reindex(cover[area_cols[0]]).to_numpy()
    if extra_cols:
        cover[_NEST0] = cover[area_cols[0]] + _SEP * len(extra_cols)
    known = pd.MultiIndex.from_frame(pieces[["cell", nest[0]]])
    fresh = ~pd.MultiIndex.from_frame(cover[["cell", nest[0]]]).isin(known)
    # A cell occupied only by park units still gets an empty non-park piece.
    empty = cover[fresh].assign(n_units=0)
    return pd.concat([pieces, empty[pieces.columns]], ignore_index=True)


def _whole_keys(pieces: pd.DataFrame, units: UnitTable) -> np.ndarray | None:
    """Per piece, the key of the feature it must stay whole with ("" for none)."""
    names = list(units.extra)
    unknown = [w for w in units.whole if w not in names]
    if unknown:
        raise SchemaError(f"UnitTable.whole names {unknown}, which are not in extra {names}")
    if not units.whole:
        return None
    parts = pieces[_NEST0].astype("str").str.split(_SEP, regex=False)
    keys = pd.Series("", index=pieces.index, dtype="object")
    for name in units.whole:
        part = parts.str[1 + names.index(name)].fillna("")
        keys = keys.where(part == "", name + "=" + part)
    return keys.to_numpy()


def _region_of_units(table: pd.DataFrame, plan: RegionPlan, nest0: str) -> np.ndarray:
    lookup = plan.pieces.set_index(["cell", nest0])["region_id"]
    key = pd.MultiIndex.from_arrays([table["cell"].to_numpy(), table[nest0].to_numpy()])
    return lookup.reindex(key).to_numpy()


# ----------------------------------------------------------------------------- tree


class _Index:
    """Node numbering: regions first, then the areas of every level."""

    def __init__(self, regions: pd.Index, levels: list[tuple[str, str, pd.Index]]) -> None:
        self.regions = regions
        self.levels = levels
        self.offset: list[int] = []
        start = len(regions)
        for _, _, codes in levels:
            self.offset.append(start)
            start += len(codes)
        self.size = start

    def nodes(self, level: int, codes: pd.Series | np.ndarray) -> np.ndarray:
        """Node index of each code at a level (``-1`` where unknown or missing)."""
        idx = self.levels[level][2].get_indexer(pd.Index(np.asarray(codes, dtype=object)))
        return np.where(idx >= 0, idx + self.offset[level], -1)

    def region_nodes(self, region_ids: np.ndarray) -> np.ndarray:
        """Node index of each region id."""
        return self.regions.get_indexer(pd.Index(region_ids))

    def label(self, node: int) -> tuple[str, str]:
        """Layer name and area id of a node."""
        if node < len(self.regions):
            return "region", str(self.regions[node])
        for (name, _, codes), off in zip(self.levels, self.offset, strict=True):
            if node < off + len(codes):
                return name, str(codes[node - off])
        raise IndexError(node)  # pragma: no cover


def _tree(
    table: pd.DataFrame,
    plan: RegionPlan,
    area_names: list[str],
    area_cols: list[str],
    by_name: dict[str, LayerInput],
    rules: DisclosureRules,
) -> tuple[Tree, _Index]:
    regions = plan.regions
    levels = []
    for name, col in zip(area_names, area_cols, strict=True):
        codes = pd.Index(pd.unique(table[col]))
        if name in by_name:
            extra = pd.Index(by_name[name].frame["area_id"].astype("str")).difference(codes)
            codes = codes.append(extra)
        levels.append((name, col, codes))
    index = _Index(regions.index, levels)
    n_levels = len(levels)
    anc = np.full((index.size, n_levels), -1, dtype=np.int64)
    level = np.full(index.size, -1, dtype=np.int64)
    n_units = np.zeros(index.size, dtype=np.int64)
    published = np.zeros(index.size, dtype=bool)
    exact_layer = np.zeros(index.size, dtype=bool)
    n_regions = len(regions)
    n_units[:n_regions] = regions["n_units"].to_numpy()
    published[:n_regions] = regions["n_units"].to_numpy() >= rules.min_units
    for lv, (_name, col, _codes) in enumerate(levels):
        anc[:n_regions, lv] = index.nodes(lv, regions[col].to_numpy())
    region_codes = {col: regions[col].reindex(table["region_id"]).to_numpy() for col in area_cols}
    cut_all = np.zeros(index.size, dtype=bool)
    for lv, (name, col, codes) in enumerate(levels):
        sl = slice(index.offset[lv], index.offset[lv] + len(codes))
        level[sl] = lv
        exact_layer[sl] = not rules.is_rounded(name)
        counts = table.groupby(col).size().reindex(codes, fill_value=0).to_numpy()
        n_units[sl] = counts
        # An area is cut when one of its units lies in a region that crosses it.
        cut_codes = pd.unique(table.loc[pd.isna(region_codes[col]), col])
        cut = codes.isin(cut_codes)
        cut_all[sl] = cut
        published[sl] = (name in by_name) & ~cut & (counts >= rules.min_units)
        parents = table[[col, *area_cols[lv + 1 :]]].drop_duplicates(col).set_index(col)
        for up in range(lv + 1, n_levels):
            up_codes = parents[area_cols[up]].reindex(codes).to_numpy()
            anc[sl, up] = index.nodes(up, up_codes)
    tree = Tree(
        n_leaves=n_regions,
        anc=anc,
        level=level,
        n_units=n_units,
        published=published,
        exact_layer=exact_layer,
        rounding_base=rules.rounding_base,
        cut=cut_all,
    )
    return tree, index


def _node_sums(table: pd.DataFrame, index: _Index, tree: Tree, column: str) -> np.ndarray:
    out = np.zeros(tree.n_nodes, dtype=np.int64)
    by_region = table.groupby("region_id")[column].sum()
    out[: tree.n_leaves] = by_region.reindex(index.regions, fill_value=0).to_numpy()
    for lv, (_name, col, codes) in enumerate(index.levels):
        sums = table.groupby(col)[column].sum().reindex(codes, fill_value=0).to_numpy()
        out[index.offset[lv] : index.offset[lv] + len(codes)] = sums
    return out


def _company_stats(
    table: pd.DataFrame, index: _Index, tree: Tree, column: str, top_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Contributors with a non-zero value, and the share of the ``top_n`` largest, per node."""
    contributors = np.zeros(tree.n_nodes, dtype=np.int64)
    top_share = np.zeros(tree.n_nodes, dtype=np.float64)

    def fill(keys: str, codes: pd.Index, offset: int) -> None:
        per = table.groupby([keys, "_company"])[column].sum()
        per = per[per > 0]
        if per.empty:
            return
        frame = per.rename("v").reset_index().sort_values([keys, "v"], ascending=[True, False])
        count = frame.groupby(keys).size()
        total = frame.groupby(keys)["v"].sum()
        top = frame.groupby(keys).head(top_n).groupby(keys)["v"].sum()
        pos = codes.get_indexer(count.index)
        ok = pos >= 0
        contributors[offset + pos[ok]] = count.to_numpy()[ok]
        top_share[offset + pos[ok]] = (100.0 * top / total).to_numpy()[ok]

    fill("region_id", index.regions, 0)
    for lv, (_name, col, codes) in enumerate(index.levels):
        fill(col, codes, index.offset[lv])
    return contributors, top_share


def _basis(metas: tuple[IndicatorMeta, ...], column: str) -> str:
    related = [m for m in metas if m.count_column == column or m.column == column]
    return "companies" if any(m.basis == "companies" for m in related) else "units"


def _primary_states(
    table: pd.DataFrame,
    index: _Index,
    tree: Tree,
    k: np.ndarray,
    base: np.ndarray,
    unit_col: str,
    basis: str,
    units: UnitTable,
    rules: DisclosureRules,
) -> tuple[np.ndarray, np.ndarray]:
    contributors = top_share = None
    if basis == "companies":
        contributors, top_share = _company_stats(table, index, tree, unit_col, rules.dominance_n)
    state, reason = primary_indicator_state(
        base,
        k,
        min_units=rules.min_units,
        small_count=rules.small_count,
        group_max_pct=rules.group_max_pct,
        group_low=rules.group_low,
        basis_companies=basis == "companies",
        contributors=contributors,
        top_share_pct=top_share,
        min_companies=rules.min_companies,
        dominance_pct=rules.dominance_pct,
        dominance_n=rules.dominance_n,
    )
    state[~tree.published] = HIDDEN
    return state, reason


def _indicator_summary(primary: np.ndarray, protection: Any, tree: Tree) -> dict[str, int]:
    pub = tree.published
    final = protection.state
    return {
        "values_published_exact": int((pub & (final == EXACT)).sum()),
        "rounded_small_count": int((pub & (primary == ROUNDED)).sum()),
        "hidden_primary": int((pub & (primary == HIDDEN)).sum()),
        "secondary_rounded": int((pub & (primary == EXACT) & (final == ROUNDED)).sum()),
        "secondary_hidden": int((pub & (primary != HIDDEN) & (final == HIDDEN)).sum()),
        "protection_rounds": int(protection.rounds),
    }


# ----------------------------------------------------------------------------- layers

_Audit = list[tuple[str, str, str, str, str]]


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
    keys: np.ndarray, regions: np.ndarray, index: _Index, tree: Tree, whole: np.ndarray
) -> pd.DataFrame:
    """Per (feature, region) pair: units, whether the region lies wholly in the feature."""
    per = pd.DataFrame({"key": keys, "region": regions})
    per = per.groupby(["key", "region"]).size().rename("units").reset_index()
    per["node"] = index.region_nodes(per["region"].to_numpy())
    per["whole"] = whole[per["node"].to_numpy()] if len(per) else np.zeros(0, dtype=bool)
    per["published"] = tree.published[per["node"].to_numpy()]
    return per


def _inherited(
    ids: pd.Index,
    per: pd.DataFrame,
    table_keys: np.ndarray,
    table: pd.DataFrame,
    node_states: dict[str, np.ndarray],
    node_bases: dict[str, np.ndarray],
    numerators: dict[str, str],
    bases: dict[str, str],
    n: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return counts and states of features that are unions of whole regions.

    One region: the feature is that region. Several: exact only if all are exact, else
    hidden (a rounded sum of regions would be a second, differently rounded view of them).
    """
    grouped = per.groupby("key")
    n_members = grouped.size().reindex(ids, fill_value=0).to_numpy()
    counts = {}
    for column, base_col in bases.items():
        k = (
            table.groupby(table_keys)[numerators[column]]
            .sum()
            .reindex(ids, fill_value=0)
            .to_numpy()
        )
        if base_col == "n_units":
            base = n
        else:
            base = (
                table.groupby(table_keys)[numerators[base_col]]
                .sum()
                .reindex(ids, fill_value=0)
                .to_numpy()
            )
        region_state = node_states[column][per["node"].to_numpy()]
        worst = per.assign(state=region_state).groupby("key")["state"].max()
        worst = worst.reindex(ids, fill_value=HIDDEN).to_numpy()
        state = np.where(n_members == 1, worst, np.where(worst == EXACT, EXACT, HIDDEN))
        counts[column] = (k.astype(np.int64), base.astype(np.int64), state.astype(np.int8))
    return counts


def _h3_layer(
    layer: LayerInput,
    table: pd.DataFrame,
    plan: RegionPlan,
    index: _Index,
    tree: Tree,
    node_states: dict[str, np.ndarray],
    node_counts: dict[str, np.ndarray],
    node_bases: dict[str, np.ndarray],
    numerators: dict[str, str],
    bases: dict[str, str],
    links: list[IndicatorLink],
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
    audit: _Audit,
) -> tuple[gpd.GeoDataFrame, dict[str, Any], int]:
    source = layer.frame.assign(area_id=layer.frame["area_id"].astype("str"))
    cells = table["cell"]
    hex_of = {c: h3i.int_to_str(int(c)) for c in pd.unique(cells)}
    cell_hex = cells.map(hex_of).to_numpy()
    ids = pd.Index(
        pd.unique(
            np.r_[
                source["area_id"].to_numpy(dtype=object),
                np.array(list(hex_of.values()), dtype=object),
            ]
        )
    )
    n = pd.Series(cell_hex).value_counts().reindex(ids, fill_value=0).to_numpy()
    # A cell is published only as a union of whole regions: every region holding one of
    # its units must lie inside the cell.
    region_cells = table.groupby("region_id")["cell"].nunique()
    single_cell = np.zeros(tree.n_leaves, dtype=bool)
    single_cell[index.region_nodes(region_cells.index.to_numpy())] = region_cells.to_numpy() == 1
    per = _members(cell_hex, table["region_id"].to_numpy(), index, tree, single_cell)
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
    merged = ~whole & (n > 0)
    counts = _inherited(ids, per, cell_hex, table, node_states, node_bases, numerators, bases, n)
    _check_against_units(
        layer.name, source, ids, {"n_units": n, **{c: v[0] for c, v in counts.items()}}
    )
    out = gpd.GeoDataFrame(
        {
            "area_id": ids.to_numpy(dtype=object).astype(str),
            "area_name": source.set_index("area_id")["area_name"]
            .reindex(ids)
            .fillna(f"H3 res {_resolution(cells)}")
            .astype("str")
            .to_numpy(),
        },
        geometry=_geometry_for(source, ids),
        crs=28992,
    )
    out["status"] = _status(published, merged)
    aligned = source.set_index("area_id").reindex(ids).reset_index()
    publish_columns(
        out,
        links,
        published=published,
        n=n,
        counts=counts,
        rules=rules,
        rounded=rules.is_rounded("h3"),
        source=aligned,
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    out["region_id"] = main_region.fillna("").astype("str").to_numpy()
    withheld = publish_hotspots(aligned, out, published, rules, _hotspot_k(layer, metadata), n)
    for i in np.flatnonzero(~published):
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
    return out, _layer_summary(out, rules.is_rounded("h3"), withheld), withheld


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


def _node_counts(
    nodes: np.ndarray,
    node_states: dict[str, np.ndarray],
    node_counts: dict[str, np.ndarray],
    node_bases: dict[str, np.ndarray],
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return {
        c: (node_counts[c][nodes], node_bases[c][nodes], node_states[c][nodes]) for c in node_counts
    }


def _region_layer(
    plan: RegionPlan,
    index: _Index,
    tree: Tree,
    node_states: dict[str, np.ndarray],
    node_counts: dict[str, np.ndarray],
    node_bases: dict[str, np.ndarray],
    links: list[IndicatorLink],
    rules: DisclosureRules,
    by_name: dict[str, LayerInput],
    area_names: list[str],
    area_cols: list[str],
    extra: dict[str, str],
    audit: _Audit,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    from zicht.regions import region_geometries

    regions = plan.regions
    nodes = np.arange(tree.n_leaves)
    published = tree.published[nodes]
    n = tree.n_units[nodes]
    polygons = _nest_polygons(plan, by_name, area_names, area_cols, extra)
    geometry = region_geometries(plan, polygons)
    out = gpd.GeoDataFrame(
        {
            "area_id": regions.index.to_numpy(dtype=object).astype(str),
            "area_name": _region_names(regions, by_name, area_names, area_cols),
        },
        geometry=geometry.to_numpy(),
        crs=28992,
    )
    out["status"] = _status(published, np.zeros(len(nodes), dtype=bool))
    publish_columns(
        out,
        links,
        published=published,
        n=n,
        counts=_node_counts(nodes, node_states, node_counts, node_bases),
        rules=rules,
        rounded=rules.is_rounded("region"),
        source=None,
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    out["n_cells"] = regions["n_cells"].to_numpy()
    for i in np.flatnonzero(~published):
        if n[i] == 0:
            why = "no units"
        elif n[i] < rules.min_units:
            why = f"fewer than {rules.min_units} units in its gemeente"
        else:
            why = "secondary suppression"
        audit.append(("region", regions.index[i], STATUS_SUPPRESSED, "", why))
    return out, _layer_summary(out, rules.is_rounded("region"))


def _region_names(
    regions: pd.DataFrame,
    by_name: dict[str, LayerInput],
    area_names: list[str],
    area_cols: list[str],
) -> np.ndarray:
    names = np.full(len(regions), "region", dtype=object)
    for level, (name, col) in reversed(list(enumerate(zip(area_names, area_cols, strict=True)))):
        if name not in by_name:
            continue
        frame = by_name[name].frame
        lookup = pd.Series(
            frame["area_name"].astype("str").to_numpy(), index=frame["area_id"].astype("str")
        )
        code = regions[col]
        label = lookup.reindex(code.to_numpy()).to_numpy()
        ok = code.notna().to_numpy() & pd.notna(label)
        suffix = "region" if level == 0 else f"region across {area_names[0]} boundaries"
        names[ok] = [f"{x} · {suffix}" for x in label[ok]]
    return names


def _nest_polygons(
    plan: RegionPlan,
    by_name: dict[str, LayerInput],
    area_names: list[str],
    area_cols: list[str],
    extra: dict[str, str],
) -> dict[str, gpd.GeoSeries] | None:
    finest = area_names[0]
    if finest not in by_name:
        return None
    frame = by_name[finest].frame
    polygons = gpd.GeoSeries(
        frame.geometry.to_numpy(), index=frame["area_id"].astype("str"), crs=28992
    )
    if not extra:
        return {area_cols[0]: polygons}
    codes = pd.Index(pd.unique(plan.pieces[_NEST0]))
    parts = codes.str.split(_SEP)
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
    return {_NEST0: gpd.GeoSeries(geoms, index=codes, crs=28992)}


def _area_layer(
    name: str,
    col: str,
    layer: LayerInput,
    table: pd.DataFrame,
    index: _Index,
    tree: Tree,
    node_states: dict[str, np.ndarray],
    node_counts: dict[str, np.ndarray],
    node_bases: dict[str, np.ndarray],
    links: list[IndicatorLink],
    rules: DisclosureRules,
    audit: _Audit,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    lv = [lvl[0] for lvl in index.levels].index(name)
    codes = index.levels[lv][2]
    source = layer.frame.assign(area_id=layer.frame["area_id"].astype("str")).set_index("area_id")
    ids = pd.Index(source.index)
    nodes = index.offset[lv] + codes.get_indexer(ids)
    published = tree.published[nodes]
    assert tree.cut is not None
    cut = tree.cut[nodes]
    n = tree.n_units[nodes]
    counts = _node_counts(nodes, node_states, node_counts, node_bases)
    _check_against_units(
        name, layer.frame, ids, {"n_units": n, **{c: v[0] for c, v in counts.items()}}
    )
    out = gpd.GeoDataFrame(
        {
            "area_id": ids.to_numpy(dtype=object).astype(str),
            "area_name": source["area_name"].astype("str").to_numpy(),
        },
        geometry=source.geometry.to_numpy(),
        crs=28992,
    )
    merged = cut & ~published
    out["status"] = _status(published, merged)
    publish_columns(
        out,
        links,
        published=published,
        n=n,
        counts=counts,
        rules=rules,
        rounded=rules.is_rounded(name),
        source=source.reset_index(),
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    publish_hotspots(source.reset_index(), out, published, rules, 1, n)
    main = (
        table.groupby([col, "region_id"])
        .size()
        .rename("units")
        .reset_index()
        .sort_values([col, "units", "region_id"], ascending=[True, False, True])
        .drop_duplicates(col)
        .set_index(col)["region_id"]
    )
    region_id = main.reindex(ids).fillna("").astype("str").to_numpy()
    out["region_id"] = np.where(merged, region_id, "")
    for i in np.flatnonzero(~published):
        if merged[i]:
            why = f"a region crosses it; in region {region_id[i]}"
            audit.append((name, ids[i], STATUS_MERGED, "", why))
        elif n[i] < rules.min_units:
            why = "no units" if n[i] == 0 else f"fewer than {rules.min_units} units"
            audit.append((name, ids[i], STATUS_SUPPRESSED, "", why))
    return out, _layer_summary(out, rules.is_rounded(name))


def _extra_layer(
    name: str,
    col: str,
    layer: LayerInput,
    table: pd.DataFrame,
    index: _Index,
    tree: Tree,
    node_states: dict[str, np.ndarray],
    numerators: dict[str, str],
    bases: dict[str, str],
    links: list[IndicatorLink],
    rules: DisclosureRules,
    audit: _Audit,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    source = layer.frame.assign(area_id=layer.frame["area_id"].astype("str")).set_index("area_id")
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
    node_bases = dict.fromkeys(bases, tree.n_units)
    counts = _inherited(ids, per, keys, table, node_states, node_bases, numerators, bases, n)
    _check_against_units(
        name, layer.frame, ids, {"n_units": n, **{c: v[0] for c, v in counts.items()}}
    )
    out = gpd.GeoDataFrame(
        {
            "area_id": ids.to_numpy(dtype=object).astype(str),
            "area_name": source["area_name"].astype("str").to_numpy(),
        },
        geometry=source.geometry.to_numpy(),
        crs=28992,
    )
    out["status"] = _status(published, merged)
    publish_columns(
        out,
        links,
        published=published,
        n=n,
        counts=counts,
        rules=rules,
        rounded=rules.is_rounded(name),
        source=source.reset_index(),
        band_for_hidden=NOT_PUBLISHED_BAND,
    )
    publish_hotspots(source.reset_index(), out, published, rules, 1, n)
    for i in np.flatnonzero(~published):
        if merged[i]:
            why = "a region crosses its boundary"
        else:
            why = "no units" if n[i] == 0 else f"fewer than {rules.min_units} units"
        audit.append((name, ids[i], STATUS_MERGED if merged[i] else STATUS_SUPPRESSED, "", why))
    return out, _layer_summary(out, rules.is_rounded(name))


def _region_audit(plan: RegionPlan) -> list[tuple[str, str, str, str, str]]:
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


def _composition(
    plan: RegionPlan, nest: list[str], area_cols: list[str], extra_cols: list[str]
) -> pd.DataFrame:
    pieces = plan.pieces
    out = pd.DataFrame(
        {
            "region_id": pieces["region_id"].astype("str").to_numpy(),
            "h3_cell": [h3i.int_to_str(int(c)) for c in pieces["cell"]],
        }
    )
    for col in area_cols:
        out[col] = pieces[col].astype("str").to_numpy()
    if extra_cols:
        parts = pieces[_NEST0].str.split(_SEP, expand=True)
        for j, col in enumerate(extra_cols):
            out[col] = parts[j + 1].astype("str").to_numpy()
    return out.sort_values(["region_id", "h3_cell"], kind="stable").reset_index(drop=True)
