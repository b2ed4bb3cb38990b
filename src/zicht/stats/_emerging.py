"""Emerging hot spots: how Gi* hot and cold spots develop over the years.

For an indicator with several time steps (years), :func:`emerging_hotspots` runs
:func:`zicht.stats.gi_star` on every step (same graph, same settings, the
multiple-testing correction applied per step), then classifies each unit by its history
of significant hot/cold spots and by a Mann-Kendall trend test on its Gi* z-scores, with
the categories of ArcGIS Pro's *Emerging Hot Spot Analysis*:

=====================  ==========================================================
category               rule (``T`` steps, the last one is "final")
=====================  ==========================================================
intensifying_hot       hot in >= 90 % of the steps including the final one, z-scores
                       rising significantly (Mann-Kendall)
persistent_hot         hot in >= 90 % of the steps including the final one, no
                       significant trend
diminishing_hot        hot in >= 90 % of the steps including the final one, z-scores
                       falling significantly
new_hot                hot in the final step and never before
consecutive_hot        a run of >= 2 hot steps at the end, never hot before the run,
                       hot in < 90 % of the steps
oscillating_hot        hot in the final step, < 90 % hot, and a cold spot in some
                       earlier step
sporadic_hot           hot in the final step, < 90 % hot, hot on and off before,
                       never cold
historical_hot         not hot in the final step, but hot in >= 90 % of the steps
no_pattern             none of the above
isolated               no neighbours
=====================  ==========================================================

``*_cold`` are the mirror images (``intensifying_cold``: z-scores falling significantly).
The rules are tried in the order of the table; ArcGIS documents the categories but not
which wins when two could apply (a unit that was cold and is now hot for the first time
is ``new_hot`` here, not ``oscillating_hot``).

Differences from ArcGIS: the Gi* of a step uses spatial neighbours only (ArcGIS can add
neighbours from earlier time steps), and the Mann-Kendall p-value is exact for series of
up to 10 steps without ties (ArcGIS uses the normal approximation throughout, which is
poor for the 4 to 10 yearly steps typical of registered crime).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from zicht._errors import ConfigError, SchemaError
from zicht.stats._hotspots import HotspotResult, gi_star
from zicht.stats._weights import graph_arrays

__all__ = [
    "EMERGING_CATEGORIES",
    "EmergingResult",
    "emerging_categories",
    "emerging_hotspots",
    "mann_kendall",
]

#: Categories of :func:`emerging_hotspots`.
EMERGING_CATEGORIES = (
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "new_cold",
    "consecutive_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "sporadic_cold",
    "oscillating_cold",
    "historical_cold",
    "no_pattern",
    "isolated",
)

_MIN_STEPS = 3
_EXACT_MAX_STEPS = 10
_SHARE = 0.9
_MK_BLOCK = 50_000


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot-spot categories with the yearly statistics behind them.

    Attributes
    ----------
    frame
        One row per unit: ``category``, ``trend_s`` (Mann-Kendall S), ``trend_tau``,
        ``trend_p`` (two-sided), ``hot_steps``, ``cold_steps``, ``final_label``.
    z
        Gi* z-score per unit (rows) and step (columns).
    bins
        Gi* confidence bin (-3..3) per unit and step, after the correction.
    settings
        The Gi* settings of every step plus ``steps``, ``trend_alpha`` and ``method``.
    """

    frame: pd.DataFrame
    z: pd.DataFrame
    bins: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


@cache
def _exact_s_upper_tail(n: int) -> np.ndarray:
    """``P(S >= s)`` for s = -M..M under no trend, no ties (Mahonian numbers)."""
    # counts[k] = permutations of n items with k inversions; S = M - 2 k
    counts = np.array([1.0])
    for m in range(2, n + 1):
        counts = np.convolve(counts, np.ones(m))
    total = math.factorial(n)
    max_s = n * (n - 1) // 2
    # s = max_s - 2k; index by s + max_s (only values of matching parity occur)
    prob = np.zeros(2 * max_s + 1)
    for k, count in enumerate(counts):
        prob[max_s - 2 * k + max_s] = count / total
    return np.cumsum(prob[::-1])[::-1]


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mann-Kendall trend test on every row of a matrix.

    Parameters
    ----------
    series
        Shape ``(units, steps)``; rows with a NaN get NaN results.

    Returns
    -------
    s, tau, p
        The S statistic (positive: rising), Kendall's tau-a and the two-sided p-value:
        exact when the row has at most 10 steps and no ties, else the normal
        approximation with tie-corrected variance and continuity correction.

    Examples
    --------
    >>> s, tau, p = mann_kendall(np.array([[1.0, 2, 3, 4, 5], [3, 1, 2, 5, 4]]))
    >>> s.tolist(), p.round(4).tolist()
    ([10.0, 4.0], [0.0167, 0.4833])
    """
    x = np.asarray(series, dtype=np.float64)
    units, n = x.shape
    i, j = np.triu_indices(n, k=1)
    s = np.empty(units)
    # in blocks, so that the (units, pairs) differences stay small for national grids
    for start in range(0, units, _MK_BLOCK):
        block = x[start : start + _MK_BLOCK]
        s[start : start + _MK_BLOCK] = np.sign(block[:, j] - block[:, i]).sum(axis=1)
    pairs = n * (n - 1) / 2
    tau = s / pairs
    variance = np.full(units, n * (n - 1) * (2 * n + 5) / 18.0)
    ordered = np.sort(x, axis=1)
    has_tie = (np.diff(ordered, axis=1) == 0).any(axis=1)
    for row in np.flatnonzero(has_tie):
        _, counts = np.unique(ordered[row], return_counts=True)
        variance[row] -= (counts * (counts - 1) * (2 * counts + 5)).sum() / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s - np.sign(s)) / np.sqrt(variance)
        p = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
    if n <= _EXACT_MAX_STEPS:
        upper = _exact_s_upper_tail(n)
        max_s = int(pairs)
        exact = ~has_tie & np.isfinite(s)
        index = (np.abs(s[exact]).astype(np.int64)) + max_s
        p[exact] = np.minimum(1.0, 2.0 * upper[index])
    p[variance <= 0] = 1.0
    bad = np.isnan(x).any(axis=1)
    for column in (s, tau, p):
        column[bad] = np.nan
    return s, tau, p


def _classify(hot: np.ndarray, cold: np.ndarray, trend: np.ndarray, sign: int) -> np.ndarray:
    """Category stems ("new", ...) for units whose final step is a ``sign`` spot.

    ``hot`` marks the steps of the same sign as the final one, ``cold`` the opposite;
    ``trend`` is +1/-1 for a significant rising/falling trend, 0 for none.
    """
    n_units, steps = hot.shape
    share = hot.sum(axis=1) >= _SHARE * steps
    before = hot[:, :-1].any(axis=1)
    # length of the run of hot steps that ends at the final step
    reversed_hot = hot[:, ::-1]
    run = np.where(reversed_hot.all(axis=1), steps, np.argmin(reversed_hot, axis=1))
    # every earlier hot step lies before the final run, which is preceded by a non-hot one
    hot_before_run = hot.sum(axis=1) > run
    stem = np.full(n_units, "sporadic", dtype=object)
    stem[cold[:, :-1].any(axis=1)] = "oscillating"
    stem[(run >= 2) & ~hot_before_run] = "consecutive"
    stem[~before] = "new"
    stem[share] = "persistent"
    stem[share & (trend == sign)] = "intensifying"
    stem[share & (trend == -sign)] = "diminishing"
    return stem


def emerging_categories(
    bins: np.ndarray, trend: np.ndarray, isolated: np.ndarray | None = None
) -> np.ndarray:
    """Categories from the Gi* bins of every step and the sign of a significant trend.

    Parameters
    ----------
    bins
        Shape ``(units, steps)``: Gi* confidence bins, > 0 hot, < 0 cold, 0 neither.
    trend
        Per unit: +1 for a significantly rising z-score trend, -1 falling, 0 none.
    isolated
        Per unit: True for units without neighbours.

    Returns
    -------
    numpy.ndarray
        Values of :data:`EMERGING_CATEGORIES` (object dtype).

    Examples
    --------
    >>> emerging_categories(np.array([[0, 0, 0, 2], [1, 0, 2, 3], [3, 3, 3, 3]]),
    ...                     np.array([0, 0, 1])).tolist()
    ['new_hot', 'sporadic_hot', 'intensifying_hot']
    """
    bins = np.asarray(bins)
    trend = np.asarray(trend)
    hot, cold = bins > 0, bins < 0
    steps = bins.shape[1]
    category = np.full(bins.shape[0], "no_pattern", dtype=object)
    final_hot, final_cold = hot[:, -1], cold[:, -1]
    if final_hot.any():
        stem = _classify(hot[final_hot], cold[final_hot], trend[final_hot], +1)
        category[final_hot] = [f"{x}_hot" for x in stem]
    if final_cold.any():
        stem = _classify(cold[final_cold], hot[final_cold], trend[final_cold], -1)
        category[final_cold] = [f"{x}_cold" for x in stem]
    neither = ~final_hot & ~final_cold
    category[neither & (hot.sum(axis=1) >= _SHARE * steps)] = "historical_hot"
    category[neither & (cold.sum(axis=1) >= _SHARE * steps)] = "historical_cold"
    if isolated is not None:
        category[np.asarray(isolated, dtype=bool)] = "isolated"
    return category


def emerging_hotspots(
    values: pd.DataFrame,
    graph: Graph,
    *,
    permutations: int = 0,
    seed: int | None = None,
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
) -> EmergingResult:
    """Classify units into ArcGIS emerging hot-spot categories.

    Parameters
    ----------
    values
        One row per unit (index = the graph's ids, any order) and one column per time
        step, in chronological order (e.g. years 2018..2024); at least 3 steps.
    graph
        Spatial graph for Gi* (see :mod:`zicht.stats`).
    permutations, seed, correction, alpha
        Passed to :func:`zicht.stats.gi_star` for every step (a unit is a hot/cold
        spot in a step when its Gi* bin there is not 0). With permutations, step ``t``
        uses seed ``seed + t``.
    trend_alpha
        Significance level of the Mann-Kendall trend test.

    Returns
    -------
    EmergingResult

    Examples
    --------
    >>> import h3
    >>> from zicht.stats import h3_graph
    >>> cells = [h3.str_to_int(c) for c in h3.grid_disk(h3.latlng_to_cell(52.09, 5.12, 9), 6)]
    >>> rng = np.random.default_rng(0)
    >>> years = pd.DataFrame(rng.poisson(2.0, (len(cells), 5)).astype(float), index=cells,
    ...                      columns=[2020, 2021, 2022, 2023, 2024])
    >>> result = emerging_hotspots(years, h3_graph(cells, k=1))
    >>> result.frame["category"].isin(EMERGING_CATEGORIES).all()
    np.True_
    """
    if not isinstance(values, pd.DataFrame):
        raise SchemaError("values must be a DataFrame: one row per unit, one column per step")
    steps = list(values.columns)
    if len(steps) < _MIN_STEPS:
        raise SchemaError(
            f"emerging hot spots need at least {_MIN_STEPS} time steps, got {len(steps)}"
        )
    if values.columns.has_duplicates:
        raise SchemaError("the time-step columns must be unique")
    if not 0 < trend_alpha < 1:
        raise ConfigError(f"trend_alpha must be in (0, 1), got {trend_alpha!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ConfigError(f"seed must be a non-negative integer or None, got {seed!r}")
    if permutations and seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])

    arrays = graph_arrays(graph)
    results: list[HotspotResult] = []
    for t, step in enumerate(steps):
        results.append(
            gi_star(
                values[step],
                graph,
                permutations=permutations,
                seed=None if seed is None else seed + t,
                correction=correction,
                alpha=alpha,
                variable=str(step),
            )
        )
    index = arrays.ids.rename("unit_id")
    z = pd.DataFrame({step: r.frame["z"] for step, r in zip(steps, results, strict=True)})
    bins = pd.DataFrame({step: r.frame["bin"] for step, r in zip(steps, results, strict=True)})
    z.index = bins.index = index

    bin_matrix = bins.to_numpy()
    s, tau, p = mann_kendall(z.to_numpy())
    with np.errstate(invalid="ignore"):
        trend = np.where(p < trend_alpha, np.sign(s), 0).astype(np.int64)

    category = emerging_categories(bin_matrix, trend, isolated=arrays.cardinality == 0)

    frame = pd.DataFrame(
        {
            "category": pd.Categorical(category, categories=EMERGING_CATEGORIES),
            "trend_s": s,
            "trend_tau": tau,
            "trend_p": p,
            "hot_steps": (bin_matrix > 0).sum(axis=1),
            "cold_steps": (bin_matrix < 0).sum(axis=1),
            "final_label": results[-1].frame["label"].to_numpy(),
        },
        index=index,
    )
    settings = dict(results[-1].settings)
    settings.update(
        {
            "method": "emerging_hotspots",
            "per_step_method": "gi_star",
            "steps": [_plain(step) for step in steps],
            "seed": seed,
            "trend_test": "mann_kendall",
            "trend_alpha": float(trend_alpha),
            "variable": None,
        }
    )
    return EmergingResult(frame=frame, z=z, bins=bins, settings=settings)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
