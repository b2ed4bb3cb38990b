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
from zicht.indicators import IndicatorSpec, compute_indicators
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
    joined: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
) -> pd.DataFrame:
    specs = list(config.indicators)
    features = {"parks": layers["all_parks"]}
    key = f"h3_r{config.resolution}" if name == "h3" else _LAYER_KEYS[name]
    keyed = joined[joined[key].notna()]
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
    stats = compute_indicators(
        keyed,
        key,
        specs,
        features=features,
        centres=centres,
        graph=graph,
        min_base=config.rules.min_units,
    )
    if name == "h3":
        stats.index = stats.index.astype("int64")
    return stats


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
        **({"note": note} if note else {}),
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
