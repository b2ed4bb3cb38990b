"""The unit path of :func:`zicht.publish.publish_release`: regions, nesting and protection.

From the unit table this module decides which levels the regions nest in
(:meth:`UnitTable.nested_for`, from the layers it is given), builds the pieces
``(H3 cell, buurt)``, merges them into regions (:mod:`zicht.publish._regions`), builds the
tree region → buurt → wijk → gemeente (:mod:`zicht.publish._tree`), applies the primary
rules to every node, protects populations and indicators against differencing
(:mod:`zicht.publish._disclosure`) and has the published layers assembled
(:mod:`zicht.publish._layers`). Layers that are not part of the tree (the H3 layer, parks)
are unions of whole regions; their values add nothing an attacker could use (a
multi-region feature carries an exact value only when all its regions do).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import DisclosureError, SchemaError
from zicht._validate import is_rd
from zicht.publish._columns import Counts, IndicatorLink, count_bases, link_indicators
from zicht.publish._disclosure import (
    HIDDEN,
    Tree,
    protect_indicator,
    protect_population,
)
from zicht.publish._layers import (
    BuiltLayer,
    LayerContext,
    build_layers,
    region_audit,
    region_composition,
)
from zicht.publish._loss import information_loss, true_figures
from zicht.publish._model import AUDIT_COLUMNS, LayerInput, UnitTable
from zicht.publish._reasons import protect_reasons
from zicht.publish._region_shapes import cover_areas_with_cells
from zicht.publish._regions import RegionOptions, RegionPlan, build_regions
from zicht.publish._rules import DisclosureRules
from zicht.publish._tree import (
    NEST0,
    SEP,
    Audit,
    NodeIndex,
    build_tree,
    cell_resolution,
    indicator_basis,
    node_sums,
    primary_states,
    summarise_indicator,
)
from zicht.schemas import RD_NEW, IndicatorMeta

__all__ = ["publish_units"]


@dataclass(frozen=True)
class _Protected:
    """Every indicator on every node after the primary and secondary rules."""

    nodes: Counts
    audit: Audit
    summary: dict[str, dict[str, int]]


def publish_units(
    layers: list[LayerInput],
    metas: tuple[IndicatorMeta, ...],
    units: UnitTable,
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
    options: RegionOptions | None,
    withhold: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Publish ``layers`` from the unit table; see :func:`zicht.publish.publish_release`."""
    started = time.perf_counter()
    options = options or RegionOptions()
    units = units.nested_for([x.name for x in layers])
    by_name = _check_layers(layers, units)
    links, bases = _links(metas, units)
    table, numerators, dropped = _unit_frame(units, metas, links, bases)
    resolution = cell_resolution(table["cell"])
    nest = _nest(units)
    if units.extra:
        area_cols, extra_cols = list(units.areas.values()), list(units.extra.values())
        table[NEST0] = table[area_cols[0]].str.cat([table[c] for c in extra_cols], sep=SEP)
    pieces = _pieces(table, units, by_name, options, resolution)
    whole = _whole_keys(pieces, units)
    plan = build_regions(
        pieces.assign(_whole=whole) if whole is not None else pieces,
        min_units=rules.min_units,
        nest=nest,
        options=options,
        whole="_whole" if whole is not None else None,
        protect=_protected_levels(units, by_name),
    )
    table["region_id"] = _region_of_units(table, plan, nest[0])

    tree, index = build_tree(
        table, plan, list(units.areas), list(units.areas.values()), by_name, rules
    )
    withheld = _withhold(tree, index, table, withhold or {})
    population_actions = protect_population(tree, rules.min_units)
    protected = _protect_indicators(table, index, tree, metas, rules, numerators, bases)
    ctx = LayerContext(
        units=units,
        table=table,
        plan=plan,
        index=index,
        tree=tree,
        nodes=protected.nodes,
        numerators=numerators,
        bases=bases,
        links=links,
        rules=rules,
        layers=by_name,
        metadata=metadata,
        resolution=resolution,
    )
    built = build_layers(ctx)
    audit = [*withheld, *protected.audit, *(row for b in built.values() for row in b.audit)]
    for suppressed, why in population_actions:
        layer, area = index.label(int(suppressed))
        audit.append((layer, area, "secondary_suppressed", "", why))
    audit.extend(region_audit(plan))
    audit_frame = pd.DataFrame(audit, columns=AUDIT_COLUMNS)
    disclosure = _disclosure(ctx, protected, built, len(population_actions), dropped)
    frames = {name: layer.frame for name, layer in built.items()}
    disclosure["loss"] = information_loss(frames, true_figures(ctx), ctx.links, rules, audit_frame)
    disclosure["seconds"] = round(time.perf_counter() - started, 3)
    return frames, audit_frame, region_composition(ctx), disclosure


def _withhold(
    tree: Tree, index: NodeIndex, table: pd.DataFrame, withhold: Mapping[str, Mapping[str, str]]
) -> Audit:
    """Suppress the features asked for (before secondary protection); one audit row each."""
    audit: Audit = []
    levels = [level[0] for level in index.levels]
    for layer, reasons in withhold.items():
        for area, why in reasons.items():
            if layer == "h3":  # the table holds cells as H3 integers
                cell = int(area, 16) if isinstance(area, str) else int(area)
                regions = table.loc[table["cell"] == cell, "region_id"].unique()
                nodes = index.region_nodes(np.asarray(regions, dtype=object))
            elif layer == "region":
                nodes = index.region_nodes(np.array([area], dtype=object))
            elif layer in levels:
                nodes = index.nodes(levels.index(layer), np.array([area], dtype=object))
            else:
                continue  # a layer this release does not have: nothing to withhold
            nodes = nodes[nodes >= 0]
            if len(nodes):
                tree.published[nodes] = False
                audit.append((layer, str(area), "withheld", "", str(why)))
    return audit


def _protect_indicators(
    table: pd.DataFrame,
    index: NodeIndex,
    tree: Tree,
    metas: tuple[IndicatorMeta, ...],
    rules: DisclosureRules,
    numerators: dict[str, str],
    bases: dict[str, str],
) -> _Protected:
    """Apply the primary rules to every count on every node, then protect it in the tree."""
    nodes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    audit: Audit = []
    summary: dict[str, dict[str, int]] = {}
    for column, base_col in bases.items():
        unit_col = numerators[column]
        basis = indicator_basis(metas, column)
        k = node_sums(table, index, tree, unit_col)
        base = (
            tree.n_units
            if base_col == "n_units"
            else node_sums(table, index, tree, numerators[base_col])
        )
        state, reason = primary_states(table, index, tree, k, base, unit_col, basis, rules)
        protection = protect_indicator(
            tree,
            k,
            state,
            min_units=rules.min_units,
            group_max_pct=rules.group_max_pct,
            group_low=rules.group_low,
            base=base,
        )
        # a value hidden by a disclosing rule gets a hidden partner, so neither says why
        final, partners = protect_reasons(
            tree, protection.state, small_suppressed=rules.small_count == "suppress"
        )
        protection = replace(protection, state=final, actions=[*protection.actions, *partners])
        nodes[column] = (k, base, protection.state)
        summary[column] = summarise_indicator(state, protection, tree)
        # rounded small counts are a presentation rule (counted in the report), not logged
        for changed in np.flatnonzero(tree.published & (state == HIDDEN)):
            layer, area = index.label(int(changed))
            audit.append((layer, area, "indicator_suppressed", column, str(reason[changed])))
        for fixed, new_state, why in protection.actions:
            layer, area = index.label(int(fixed))
            action = "indicator_suppressed" if new_state == HIDDEN else "rate_from_rounded"
            audit.append((layer, area, action, column, why))
    return _Protected(nodes, audit, summary)


def _disclosure(
    ctx: LayerContext,
    protected: _Protected,
    built: Mapping[str, BuiltLayer],
    population_suppressions: int,
    dropped: int,
) -> dict[str, Any]:
    """Return what disclosure control did, for the release's disclosure record."""
    plan, units, table = ctx.plan, ctx.units, ctx.table
    regions = plan.regions
    occupied = regions["n_units"] > 0
    return {
        "links": [asdict(x) for x in ctx.links],
        "path": "unit table",
        "differencing_verified": True,
        "differencing_note": (
            "every published geography is a union of whole regions (or inherits its values "
            "from them); residuals of every published total were checked"
        ),
        "units_in": len(units.frame),
        "units_without_keys": int(dropped),
        "resolution": ctx.resolution,
        "regions": {
            "method": plan.method,
            "pieces": len(plan.pieces),
            "occupied_pieces": int((plan.pieces["n_units"] > 0).sum()),
            "occupied_cells": int(table["cell"].nunique()),
            "regions": len(regions),
            "regions_with_units": int(occupied.sum()),
            "single_cell_regions": int(((regions["n_cells"] == 1) & occupied).sum()),
            "below_threshold": plan.below_threshold,
            "by_level": {
                str(k): int(v) for k, v in regions.loc[occupied, "level"].value_counts().items()
            },
            "median_units": float(regions.loc[occupied, "n_units"].median())
            if occupied.any()
            else 0.0,
            "merge_rounds": plan.rounds,
            "seconds": round(plan.seconds, 3),
        },
        "secondary_population_suppressions": population_suppressions,
        "indicators": protected.summary,
        "hotspot_scores_withheld": built["h3"].summary["hotspot_scores_withheld"]
        if "h3" in built
        else 0,
        "layers": {name: layer.summary for name, layer in built.items()},
        "unit_keys": {
            "h3": "h3_cell",
            "region": "region_pieces",
            **dict(units.areas),
            **dict(units.extra),
        },
        "piece_keys": ["h3_cell", *ctx.area_cols[:1], *units.extra.values()],
        "numerators": dict(ctx.numerators),
        "company_column": units.company,
    }


def _protected_levels(units: UnitTable, by_name: Mapping[str, LayerInput]) -> list[str]:
    """Return the nest keys whose passing areas no region may cut: the published ones.

    A published area that passes the threshold on its own keeps its value: a small
    neighbour falls back only to other small areas (or stays below the threshold and is
    suppressed). The finest key joined with the extra keys (a buurt split by parks) is
    protected whenever there are extra keys, so no small part cuts a park.
    """
    levels = [NEST0] if units.extra else []
    return levels + [col for name, col in units.areas.items() if name in by_name]


def _nest(units: UnitTable) -> list[str]:
    """Return the keys the regions nest in, finest first (the finest joined with extra keys)."""
    area_cols = list(units.areas.values())
    return [NEST0, *area_cols] if units.extra else area_cols


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
        elif not is_rd(frame.crs):
            problems.append(f"layer {layer.name!r} must be in {RD_NEW}, got {frame.crs}")
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


def _pieces(
    table: pd.DataFrame,
    units: UnitTable,
    by_name: dict[str, LayerInput],
    options: RegionOptions,
    resolution: int,
) -> pd.DataFrame:
    """Return the pieces (cell, finest nest key) with their units, and empty ones to fill."""
    nest = _nest(units)
    area_names, area_cols = list(units.areas), list(units.areas.values())
    extra_cols = list(units.extra.values())
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
        cover[NEST0] = cover[area_cols[0]] + SEP * len(extra_cols)
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
    parts = pieces[NEST0].astype("str").str.split(SEP, regex=False)
    keys = pd.Series("", index=pieces.index, dtype="object")
    for name in units.whole:
        part = parts.str[1 + names.index(name)].fillna("")
        keys = keys.where(part == "", name + "=" + part)
    return keys.to_numpy()


def _region_of_units(table: pd.DataFrame, plan: RegionPlan, nest0: str) -> np.ndarray:
    lookup = plan.pieces.set_index(["cell", nest0])["region_id"]
    key = pd.MultiIndex.from_arrays([table["cell"].to_numpy(), table[nest0].to_numpy()])
    return lookup.reindex(key).to_numpy()
