"""The pipeline's statistics step: indicators per area, hot spots, the layers to publish.

Part of :mod:`zicht.pipeline` (split off to keep each module under the line cap):
:func:`_compute_layer` computes the declared indicators of one layer from the joined units,
:func:`_hotspots` tests the hot-spot indicator on the H3 layer, and :func:`_h3_layer` and
:func:`_polygon_layer` give disclosure control each layer with its geometry.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.config import RunConfig, StatsConfig
from zicht.index import cells_to_polygons, h3_to_str
from zicht.indicators import IndicatorSpec, compute_indicators, indicators_from_counts
from zicht.publish import UnitTable
from zicht.schemas import RD_NEW, IndicatorMeta
from zicht.stats import gi_star, h3_graph, polygon_graph, smooth_rates

#: Area key column of the units per published layer (``h3`` is set by the resolution).
_LAYER_KEYS = {
    "buurt": "buurt_code",
    "wijk": "wijk_area_code",
    "gemeente": "gemeente_code",
    "park": "park_id",
}


def _needs(specs: tuple[IndicatorSpec, ...], what: str) -> bool:
    if what == "centre":
        return any(not s.counted and s.at == "centre" for s in specs)
    return any(s.smoothing == "eb_spatial" for s in specs)


def _area_boundaries(name: str, layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    return layers[name][["code", "name", "geometry"]].set_index("code")


def _compute_layer(
    name: str,
    config: RunConfig,
    joined: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    atoms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the declared indicators of layer ``name`` from the units or their counts.

    With ``atoms`` (:func:`_atoms`: the units counted per cell and area), the indicators
    come from the counts per area (:func:`zicht.indicators.indicators_from_counts`) and the
    per-unit table ``joined`` is not read; the values are the same.
    """
    specs = list(config.indicators)
    features = {"parks": layers["all_parks"]}
    key = f"h3_r{config.resolution}" if name == "h3" else _LAYER_KEYS[name]
    source = joined if atoms is None else atoms
    keyed = source[source[key].notna()]
    if name == "h3":
        keyed = keyed.assign(**{key: keyed[key].astype("int64")})
    centres = graph = None
    if name == "h3":
        cells = pd.Series(np.unique(keyed[key].to_numpy(dtype="int64")))
        cells.index = cells.to_numpy()
        if _needs(config.indicators, "centre"):
            centres = cells_to_polygons(cells).centroid
        if _needs(config.indicators, "graph"):
            graph = h3_graph(cells.to_numpy(), k=config.stats.k)
    else:
        areas = _area_boundaries(name, layers)
        present = areas.loc[areas.index.isin(keyed[key].unique())]
        if _needs(config.indicators, "centre"):
            centres = present.geometry.representative_point()
        if _needs(config.indicators, "graph"):
            graph = polygon_graph(present)
    options = {"features": features, "centres": centres, "graph": graph}
    if atoms is None:
        stats = compute_indicators(keyed, key, specs, **options, min_base=config.rules.min_units)
    else:
        counts = keyed.groupby(key, sort=True)[_count_columns(atoms)].sum()
        stats = indicators_from_counts(counts, specs, **options, min_base=config.rules.min_units)
    if name == "h3":
        stats.index = stats.index.astype("int64")
    return stats


def _count_columns(atoms: pd.DataFrame) -> list[str]:
    return [c for c in atoms.columns if str(c).startswith("n_")]


def _atoms(config: RunConfig, units: UnitTable) -> pd.DataFrame | None:
    """Count the joined units per combination of cell and area codes of the published layers.

    One row per distinct (H3 cell, buurt, wijk, gemeente, park …) that holds units, with
    ``n_units`` and the count of every numerator and denominator column of the unit table
    (``n_<id>``, ``n_<id>_base``): all that the indicators of every layer need, in a table
    that grows with the cells, not the units. None when an indicator is averaged over the
    units themselves (a ``density`` or ``proximity`` at the units), which needs the rows.
    """
    if any(not s.counted and s.at != "centre" for s in config.indicators):
        return None
    frame = units.frame
    keys = [f"h3_r{config.resolution}"]
    keys += [k for k in dict.fromkeys(_LAYER_KEYS.values()) if k in frame]
    codes, uniques = [], []
    group = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        code, unique = pd.factorize(frame[key], use_na_sentinel=True)
        codes.append(code)
        uniques.append(unique)
        # combine pairwise and renumber, so the running key never overflows
        group, _ = pd.factorize(group * (len(unique) + 1) + (code + 1))
    n_groups = int(group.max()) + 1 if len(group) else 0
    first = np.full(n_groups, -1, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)  # a row of each group
    atoms = pd.DataFrame(index=pd.RangeIndex(n_groups))
    for key, code, unique in zip(keys, codes, uniques, strict=True):
        at = code[first]
        column = frame[key].iloc[:0]  # the unit column's dtype
        if len(unique):
            column = pd.Series(unique.take(np.maximum(at, 0))).where(at >= 0)
        atoms[key] = column.reset_index(drop=True) if n_groups else column.to_numpy()
    atoms["n_units"] = np.bincount(group, minlength=n_groups).astype("int64")
    for count, column in units.numerators.items():
        values = frame[column].to_numpy(dtype="int64")
        atoms[count] = np.bincount(group, weights=values, minlength=n_groups).astype("int64")
    return atoms


def _hotspots(
    per_cell: pd.DataFrame, spec: IndicatorSpec, stats: StatsConfig
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Test ``spec`` for hot spots on the H3 layer; return the cells with the hot-spot columns.

    A rate or share is tested as the statistics settings say (``stats.rate``: global
    empirical-Bayes smoothed by default, as rates on a handful of units are 0 % or 100 % by
    chance; spatial EB is not offered, as it borrows from the very neighbours Gi* sums);
    any other indicator as its value.
    """
    note = ""
    if spec.kind in ("rate", "share"):
        base = per_cell[spec.base_column]
        ok = base > 0
        per = 100.0 if spec.kind == "share" else float(spec.per)
        method = stats.rate
        tested = smooth_rates(per_cell.loc[ok, spec.count_column], base[ok], method=method, per=per)
        column = spec.rate_column
        if method.startswith("eb") and len(tested) > 1 and np.ptp(tested.to_numpy()) == 0:
            note = (
                f"the cells' {spec.id} rates vary no more than chance would make them, so "
                f"{method} smoothing gives every cell the overall rate and Gi* cannot find a "
                "hot spot; test the raw rate (stats.rate = 'raw') or a coarser resolution"
            )
            warnings.warn(note, UserWarning, stacklevel=2)
    else:
        tested = per_cell[spec.value_column].dropna()
        method = "value"
        column = spec.value_column
    graph = h3_graph(tested.index.to_numpy(dtype="int64"), k=stats.k)
    hot = gi_star(
        tested,
        graph,
        permutations=stats.permutations,
        seed=stats.seed,
        alpha=stats.alpha,
        correction=stats.correction,
    )
    # Cells left out of the test (no denominator) carry no label.
    out = hot.joined_to(per_cell)
    settings = {
        **hot.settings,
        # the report says it in its own language: the key and fields of the report catalogue
        **({"note": note, "note_key": "note_flat_rates"} if note else {}),
        "indicator": column,
        "indicator_id": spec.id,
        "rate": method,
        "layer": "h3",
        "k": stats.k,
    }
    return out, settings


def _h3_layer(stats: pd.DataFrame, resolution: int) -> gpd.GeoDataFrame:
    cells = pd.Series(stats.index.to_numpy(dtype="int64"), index=stats.index)
    frame = stats.reset_index(drop=True)
    frame.insert(0, "area_id", h3_to_str(cells).to_numpy())
    frame.insert(1, "area_name", [f"H3 res {resolution}"] * len(frame))
    return gpd.GeoDataFrame(frame, geometry=cells_to_polygons(cells).to_numpy(), crs=RD_NEW)


def _polygon_layer(
    stats: pd.DataFrame, boundaries: gpd.GeoDataFrame, metas: list[IndicatorMeta]
) -> gpd.GeoDataFrame:
    frame = boundaries[["code", "name", "geometry"]].merge(
        stats, left_on="code", right_index=True, how="left"
    )
    frame = frame.rename(columns={"code": "area_id", "name": "area_name"})
    # An area without units has zero counts; its other values stay missing.
    counts = ["n_units", *(m.column for m in metas if m.kind == "count")]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=RD_NEW)
