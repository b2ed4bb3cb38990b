"""The space-time cube and its Gi*, as ArcGIS Pro's *Emerging Hot Spot Analysis* defines it.

A cube holds one value per location (row) and time step (column). The space-time Gi* of
the bin ``(i, t)`` sums the bins of ``i`` and of its spatial neighbours at step ``t`` and at
the ``time_steps`` steps before it (ArcGIS's *Neighborhood Time Step*, default 1: "for each
of these bins, bins at the same location from the N previous time steps are included").
Near the first step fewer earlier steps exist; the window is cut off there. The mean and
standard deviation the local sum is compared with come from the *global window*: the
whole cube (ArcGIS's default ``ENTIRE_CUBE``), the bins of the neighbourhood's steps
(``NEIGHBORHOOD_TIME_STEP``) or those of step ``t`` alone (``INDIVIDUAL_TIME_STEP``).
p-values are analytic and two-sided, corrected for the false discovery rate over every
bin of the cube that was tested, and binned into ArcGIS's ``Gi_Bin`` (-3..3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from zicht._errors import ConfigError, SchemaError
from zicht.stats._emerging import (
    EMERGING_CATEGORIES,
    EmergingResult,
    emerging_categories,
    mann_kendall,
)
from zicht.stats._hotspots import confidence_bins
from zicht.stats._inference import CORRECTIONS, adjust_pvalues
from zicht.stats._weights import graph_arrays, graph_spec

__all__ = [
    "GLOBAL_WINDOWS",
    "SpaceTimeGiResult",
    "emerging_hotspot_analysis",
    "space_time_gi_star",
]

#: Where the space-time Gi* takes its global mean and spread from.
GLOBAL_WINDOWS = ("cube", "neighbourhood", "step")

_MAX_ALPHA = 0.10
_MIN_STEPS = 3


@dataclass(frozen=True)
class SpaceTimeGiResult:
    """Space-time Gi* of every bin of a cube.

    Attributes
    ----------
    z, p, q
        One row per location (the graph's ids), one column per step: the Gi* z-score,
        its two-sided p-value and the p-value adjusted over all tested bins.
    bins
        ArcGIS ``Gi_Bin`` per bin (-3..3; 0 not significant or not tested).
    isolated
        Per location: True when it has no spatial neighbour (never tested).
    settings
        ``method``, ``time_steps``, ``global_window``, ``correction``, ``alpha``,
        ``n_bins``, ``n_tests`` and the graph's description.
    """

    z: pd.DataFrame
    p: pd.DataFrame
    q: pd.DataFrame
    bins: pd.DataFrame
    isolated: pd.Series
    settings: dict[str, Any] = field(default_factory=dict)


def _check(values: Any, time_steps: int, global_window: str, correction: str, alpha: float) -> None:
    if not isinstance(values, pd.DataFrame):
        raise SchemaError("values must be a DataFrame: one row per location, one column per step")
    if values.columns.has_duplicates:
        raise SchemaError("the time-step columns must be unique")
    if isinstance(time_steps, bool) or not isinstance(time_steps, int) or time_steps < 0:
        raise ConfigError(f"time_steps must be a whole number >= 0, got {time_steps!r}")
    if global_window not in GLOBAL_WINDOWS:
        raise ConfigError(f"global_window must be one of {GLOBAL_WINDOWS}, got {global_window!r}")
    if correction not in CORRECTIONS:
        raise ConfigError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    if not 0 < alpha <= _MAX_ALPHA:
        raise ConfigError(f"alpha must be in (0, {_MAX_ALPHA}], got {alpha!r}")


def _aligned(values: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    missing = ids.difference(values.index)
    extra = values.index.difference(ids)
    if len(missing) or len(extra) or values.index.has_duplicates:
        raise SchemaError(
            "the cube's locations must be exactly the graph's ids: "
            f"{len(missing)} graph ids without a row (e.g. {missing[:3].tolist()}), "
            f"{len(extra)} rows not in the graph (e.g. {extra[:3].tolist()})"
        )
    x = values.reindex(ids).to_numpy(dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise SchemaError(
            f"the cube has {int(bad.sum())} empty or non-finite bins, e.g. location "
            f"{_plain(ids[row])!r} in step {_plain(values.columns[col])!r}; "
            "fill them (a count of 0) first"
        )
    return x


def _window_moments(x: np.ndarray, t: int, first: int, global_window: str) -> tuple[float, ...]:
    if global_window == "cube":
        window = x
    elif global_window == "neighbourhood":
        window = x[:, first : t + 1]
    else:
        window = x[:, t : t + 1]
    return float(window.mean()), float(window.std()), float(window.size)


def space_time_gi_star(
    values: pd.DataFrame,
    graph: Graph,
    *,
    time_steps: int = 1,
    global_window: str = "cube",
    correction: str = "fdr_bh",
    alpha: float = 0.05,
) -> SpaceTimeGiResult:
    """Space-time Getis-Ord Gi* on a cube, with neighbours in space and earlier steps.

    For the bin ``(i, t)`` the neighbourhood is ``{i} ∪ N(i)`` at the steps
    ``max(0, t - time_steps) .. t``, with the graph's weights (self weight 1) repeated at
    every step. With the global window's mean ``x̄``, population spread ``S`` and bin
    count ``n``, ``W`` the sum and ``S1`` the sum of squares of the neighbourhood's
    weights, ``z = (Σ w x − x̄ W) / (S √((n S1 − W²)/(n − 1)))`` (Ord & Getis 1995 on the
    cube's bins).

    Parameters
    ----------
    values
        One row per location (index = the graph's ids, any order), one column per time
        step in chronological order; every bin a finite number (a count of 0 where
        nothing happened).
    graph
        Spatial graph of the locations (see :mod:`zicht.stats`).
    time_steps
        ArcGIS's *Neighborhood Time Step*: how many earlier steps join the neighbourhood
        (default 1; 0 = spatial neighbours only).
    global_window
        ``"cube"`` (default, ArcGIS ``ENTIRE_CUBE``), ``"neighbourhood"``
        (``NEIGHBORHOOD_TIME_STEP``) or ``"step"`` (``INDIVIDUAL_TIME_STEP``).
    correction
        ``"fdr_bh"`` (default, over every tested bin of the cube), ``"bonferroni"`` or
        ``"none"``.
    alpha
        Significance level of the bins, at most 0.10.

    Returns
    -------
    SpaceTimeGiResult

    Raises
    ------
    SchemaError
        The cube does not match the graph, or has empty bins.
    ConfigError
        A setting is not allowed.

    Examples
    --------
    >>> import h3
    >>> from zicht.stats import h3_graph
    >>> centre = h3.latlng_to_cell(52.09, 5.12, 9)
    >>> cells = [h3.str_to_int(c) for c in h3.grid_disk(centre, 3)]
    >>> cube = pd.DataFrame(1.0, index=cells, columns=[2021, 2022, 2023])
    >>> cube.loc[[h3.str_to_int(c) for c in h3.grid_disk(centre, 1)], 2023] = 6.0
    >>> result = space_time_gi_star(cube, h3_graph(cells, k=1))
    >>> result.bins.loc[h3.str_to_int(centre)].tolist()
    [0, 0, 3]
    """
    _check(values, time_steps, global_window, correction, alpha)
    arrays = graph_arrays(graph)
    x = _aligned(values, arrays.ids)
    n_loc, n_steps = x.shape
    isolated = arrays.cardinality == 0
    self_weight = np.where(arrays.self_weight != 0, arrays.self_weight, 1.0)
    spatial = arrays.matrix()
    w_sum_1 = np.asarray(spatial.sum(axis=1)).ravel() + self_weight
    w_sq_1 = np.asarray(spatial.multiply(spatial).sum(axis=1)).ravel() + self_weight**2
    # local sum of each step: the weighted sum over the focal location and its neighbours
    step_sums = spatial @ x + self_weight[:, None] * x

    z = np.full((n_loc, n_steps), np.nan)
    for t in range(n_steps):
        first = max(0, t - time_steps)
        lags = t - first + 1
        local = step_sums[:, first : t + 1].sum(axis=1)
        w_sum, w_sq = lags * w_sum_1, lags * w_sq_1
        mean, spread, n = _window_moments(x, t, first, global_window)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt((n * w_sq - w_sum**2) / (n - 1)) if n > 1 else np.nan
            z[:, t] = (local - mean * w_sum) / (spread * scale) if spread > 0 else 0.0
    z[~np.isfinite(z)] = np.nan
    z[isolated] = np.nan
    p = 2.0 * stats.norm.sf(np.abs(z))
    q = adjust_pvalues(p.ravel(), correction).reshape(p.shape)
    bins = confidence_bins(q, np.nan_to_num(np.sign(z)), alpha)

    index = arrays.ids.rename("unit_id")
    steps = list(values.columns)

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=index, columns=steps)

    settings: dict[str, Any] = {
        "method": "space_time_gi_star",
        "description": "space-time Getis-Ord Gi* (ArcGIS Pro Emerging Hot Spot Analysis)",
        "time_steps": int(time_steps),
        "global_window": global_window,
        "correction": correction,
        "correction_scope": "all bins of the cube",
        "alpha": float(alpha),
        "p_values": "analytic, two-sided",
        "n_bins": int(x.size),
        "n_tests": int(np.isfinite(p).sum()),
        **graph_spec(graph),
    }
    return SpaceTimeGiResult(
        z=frame(z),
        p=frame(p),
        q=frame(q),
        bins=frame(bins.astype(np.int8)),
        isolated=pd.Series(isolated, index=index, name="isolated"),
        settings=settings,
    )


def emerging_hotspot_analysis(
    values: pd.DataFrame,
    graph: Graph,
    *,
    time_steps: int = 1,
    global_window: str = "cube",
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
) -> EmergingResult:
    """ArcGIS Pro's *Emerging Hot Spot Analysis* on a space-time cube.

    :func:`space_time_gi_star` on every bin (neighbours in space and in the
    ``time_steps`` earlier steps, FDR over the cube), a Mann-Kendall trend test on each
    location's series of Gi* z-scores, and the categories of
    :func:`zicht.stats.emerging_categories` (ArcGIS's 8 hot, 8 cold and "no pattern",
    plus ``isolated`` for a location without spatial neighbours). docs/hotspots.md says
    where each rule comes from and where sfdep differs.

    Parameters
    ----------
    values
        One row per location (index = the graph's ids), one column per time step in
        chronological order; at least 3 steps.
    graph
        Spatial graph of the locations.
    time_steps, global_window, correction, alpha
        See :func:`space_time_gi_star`.
    trend_alpha
        Significance level of the Mann-Kendall test on the z-scores (default 0.05).

    Returns
    -------
    EmergingResult
        ``frame`` (``category``, ``trend_s``, ``trend_tau``, ``trend_p``, ``hot_steps``,
        ``cold_steps``, ``final_label``), ``z`` and ``bins`` per location and step, and
        the settings.

    Examples
    --------
    >>> import h3
    >>> from zicht.stats import h3_graph
    >>> centre = h3.latlng_to_cell(52.09, 5.12, 9)
    >>> cells = [h3.str_to_int(c) for c in h3.grid_disk(centre, 5)]
    >>> cube = pd.DataFrame(1.0, index=cells, columns=range(2019, 2025))
    >>> cube.loc[[h3.str_to_int(c) for c in h3.grid_disk(centre, 1)], [2023, 2024]] = 9.0
    >>> result = emerging_hotspot_analysis(cube, h3_graph(cells, k=1))
    >>> result.frame.loc[h3.str_to_int(centre), "category"]
    'consecutive_hot'
    """
    if isinstance(values, pd.DataFrame) and values.shape[1] < _MIN_STEPS:
        raise SchemaError(
            f"emerging hot spots need at least {_MIN_STEPS} time steps, got {values.shape[1]}"
        )
    if not 0 < trend_alpha < 1:
        raise ConfigError(f"trend_alpha must be in (0, 1), got {trend_alpha!r}")
    cube = space_time_gi_star(
        values, graph, time_steps=time_steps, global_window=global_window,
        correction=correction, alpha=alpha,
    )  # fmt: skip
    bins = cube.bins.to_numpy()
    s, tau, p = mann_kendall(cube.z.to_numpy())
    with np.errstate(invalid="ignore"):
        trend = np.where(p < trend_alpha, np.sign(s), 0).astype(np.int64)
    category = emerging_categories(bins, trend, isolated=cube.isolated.to_numpy())
    final = np.where(bins[:, -1] > 0, "hot", np.where(bins[:, -1] < 0, "cold", "not_significant"))
    final[cube.isolated.to_numpy()] = "isolated"
    frame = pd.DataFrame(
        {
            "category": pd.Categorical(category, categories=EMERGING_CATEGORIES),
            "trend_s": s,
            "trend_tau": tau,
            "trend_p": p,
            "hot_steps": (bins > 0).sum(axis=1),
            "cold_steps": (bins < 0).sum(axis=1),
            "final_label": final,
        },
        index=cube.z.index,
    )
    settings = dict(cube.settings)
    settings.update(
        {
            "method": "emerging_hotspot_analysis",
            "per_step_method": "space_time_gi_star",
            "steps": [_plain(step) for step in values.columns],
            "trend_test": "mann_kendall on the Gi* z-scores",
            "trend_alpha": float(trend_alpha),
        }
    )
    return EmergingResult(frame=frame, z=cube.z, bins=cube.bins, settings=settings)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
