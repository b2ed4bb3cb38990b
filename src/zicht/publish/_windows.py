"""Window statistics on published values only: the spatially smoothed rate.

``rate_<id>_eb_spatial_pct`` of a feature borrows from its neighbours. Computed upstream it
used every occupied neighbour, merged cells of 1–9 persons included, so enumerating what
the published figures allow pinned merged cells. The publisher therefore recomputes it
from what it publishes, and from nothing else: the window of a published feature is the
feature and its *published* neighbours whose count and base are shown, and every figure in
it is the published one (rounded where it is published rounded). The value is then a
function of published values: it tells a reader nothing about a cell that is not published,
nor whether a neighbour that is not published has units at all. ``zicht check`` recomputes
it with its own code and fails a release whose value does not follow from its window.

Neighbours: on the H3 layer the cells within ``k`` steps (``[stats] k``, the hot-spot
window); on polygon layers the features that touch or overlap (``polygon_graph(…,
"intersects")``: queen, and polygons that overlap without a shared vertex).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["published_window_rates"]


def published_window_rates(
    out: gpd.GeoDataFrame,
    usable: np.ndarray,
    events: np.ndarray,
    base: np.ndarray,
    *,
    per: float,
    h3_k: int | None,
) -> np.ndarray:
    """Spatial empirical-Bayes rates over windows of published features.

    Parameters
    ----------
    out
        The layer's features (``area_id``, geometry), in output order.
    usable
        Features whose own count and base are published (the only window members).
    events, base
        The published count and base of every feature (rounded where published rounded).
    per
        Multiplier (100 for per cent).
    h3_k
        Ring size on an H3 layer (``area_id`` are cells); ``None`` for polygons (touch or overlap).

    Returns
    -------
    numpy.ndarray
        The smoothed rate of every usable feature, NaN elsewhere.
    """
    from zicht.stats import h3_graph, polygon_graph, smooth_rates

    result = np.full(len(out), np.nan)
    ok = usable & np.isfinite(events) & np.isfinite(base) & (base > 0)
    if not ok.any():
        return result
    ids = out["area_id"].to_numpy(dtype=object)[ok].astype(str)
    if h3_k is not None:
        import h3.api.basic_int as h3i

        cells = np.array([h3i.str_to_int(c) for c in ids], dtype=np.int64)
        graph = h3_graph(cells, k=h3_k)
        index = pd.Index(cells)
    else:
        frame = gpd.GeoDataFrame(geometry=out.geometry.to_numpy()[ok], index=ids, crs=out.crs)
        graph = polygon_graph(frame, "intersects")
        index = pd.Index(ids)
    smoothed = smooth_rates(
        pd.Series(events[ok], index=index),
        pd.Series(base[ok], index=index),
        method="eb_spatial",
        graph=graph,
        per=per,
    )
    result[ok] = smoothed.to_numpy()
    return result
