"""The unit path of :func:`zicht.publish.publish_release`: regions, nesting and protection.

From the unit table this module builds the pieces ``(H3 cell, buurt)``, merges them into
regions (:mod:`zicht.publish`), builds the tree region → buurt → wijk → gemeente
(:mod:`zicht._publish_tree`), applies the primary rules to every node, protects populations
and indicators against differencing (:mod:`zicht.publish._disclosure`) and has the published layers
assembled (:mod:`zicht._publish_layers`). Layers that are not part of the tree (the H3
layer, parks) are unions of whole regions; their values add nothing an attacker could use
(a multi-region feature carries an exact value only when all its regions do).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import DisclosureError, SchemaError
from zicht.publish._columns import IndicatorLink, count_bases, link_indicators
from zicht.publish._disclosure import (
    HIDDEN,
    protect_indicator,
    protect_population,
)
from zicht.publish._layers import (
    area_layer,
    extra_layer,
    h3_layer,
    region_audit,
    region_composition,
    region_layer,
)
from zicht.publish._model import AUDIT_COLUMNS, LayerInput, UnitTable
from zicht.publish._regions import RegionOptions, RegionPlan, build_regions, cover_areas_with_cells
from zicht.publish._rules import DisclosureRules
from zicht.publish._tree import (
    NEST0,
    SEP,
    build_tree,
    cell_resolution,
    indicator_basis,
    node_sums,
    primary_states,
    summarise_indicator,
)
from zicht.schemas import IndicatorMeta

__all__ = ["publish_units"]


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
    resolution = cell_resolution(table["cell"])
    nest = [NEST0, *area_cols] if extra_cols else area_cols
    if extra_cols:
        table[NEST0] = table[area_cols[0]].str.cat([table[c] for c in extra_cols], sep=SEP)
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

    tree, index = build_tree(table, plan, area_names, area_cols, by_name, rules)
    population_actions = protect_population(tree, rules.min_units)

    node_states: dict[str, np.ndarray] = {}
    node_counts: dict[str, np.ndarray] = {}
    audit: list[tuple[str, str, str, str, str]] = []
    indicator_summary: dict[str, dict[str, int]] = {}
    node_bases: dict[str, np.ndarray] = {}
    for column, base_col in bases.items():
        unit_col = numerators[column]
        basis = indicator_basis(metas, column)
        k = node_sums(table, index, tree, unit_col)
        base = (
            tree.n_units
            if base_col == "n_units"
            else node_sums(table, index, tree, numerators[base_col])
        )
        state, reason = primary_states(table, index, tree, k, base, unit_col, basis, units, rules)
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
        indicator_summary[column] = summarise_indicator(state, protection, tree)
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
        frame, summary, w = h3_layer(
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
    out["region"], summaries["region"] = region_layer(
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
            out[name], summaries[name] = area_layer(
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
            out[name], summaries[name] = extra_layer(
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
    audit.extend(region_audit(plan))
    audit_frame = pd.DataFrame(audit, columns=AUDIT_COLUMNS)
    composition = region_composition(plan, nest, area_cols, extra_cols)
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
