"""Rates on small counts: raw, global and spatial empirical-Bayes smoothed.

A rate of 2 incidents on 3 addresses is not comparable with 200 on 300: small
denominators make extreme rates by chance, and a hot-spot test on raw rates then finds
noise. Empirical-Bayes (EB) smoothing shrinks each rate towards a reference rate, the
more so the smaller its denominator (Marshall 1991; Anselin, Lozano & Koschinsky 2006):

``r_i* = m_i + (r_i - m_i) * v_i / (v_i + m_i / b_i)``

* ``eb_global``: ``m`` is the overall rate ``sum e / sum b`` and ``v`` the global
  moment estimate ``sum b_i (r_i - m)^2 / sum b - m / mean(b)`` (esda's
  ``Empirical_Bayes``);
* ``eb_spatial``: ``m_i`` and ``v_i`` are computed over the unit and its neighbours in a
  graph (binary, the unit included), as esda's ``Spatial_Empirical_Bayes``.

Test ``eb_global`` rates for hot spots: ``eb_spatial`` borrows strength from the very
neighbours that Gi* sums, so testing it smooths twice and inflates significance; it is
for mapping.

A negative variance estimate means the rates vary less than chance alone would make
them; it is set to 0, so those rates shrink fully to the reference. esda does that for
the spatial version but not the global one (where it then gives weights outside [0, 1]);
zicht clips both.

:func:`smooth_rates` returns a Series named after the method (``rate_raw``, ``rate_eb_global``,
``rate_eb_spatial``) whose ``attrs["zicht_rate"]`` records the method, so that
:func:`zicht.stats.gi_star` can write down which rate it tested. :func:`eb_global_rates` is
the global estimator on plain arrays, which the publisher uses to recompute smoothed rates
from the counts it publishes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from zicht._errors import ConfigError, SchemaError
from zicht._validate import Problems
from zicht.stats._weights import graph_arrays

__all__ = ["RATE_METHODS", "eb_global_rates", "rate_description", "smooth_rates"]

#: Methods accepted by :func:`smooth_rates`.
RATE_METHODS = ("raw", "eb_global", "eb_spatial")

_DESCRIPTIONS = {
    "raw": "raw rate (events / base)",
    "eb_global": "global empirical-Bayes smoothed rate (Marshall 1991)",
    "eb_spatial": "spatial empirical-Bayes smoothed rate (unit and neighbours as reference)",
}


def rate_description(values: Any) -> dict[str, Any] | None:
    """Return the rate record of a Series made by :func:`smooth_rates`, or None."""
    attrs = getattr(values, "attrs", None) or {}
    record = attrs.get("zicht_rate")
    return dict(record) if isinstance(record, dict) else None


def _aligned(events: pd.Series, base: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    problems = Problems("events and base for rates")
    for name, series in (("events", events), ("base", base)):
        if not isinstance(series, pd.Series):
            raise SchemaError(f"{name} must be a pandas Series indexed by unit id")
        if series.index.has_duplicates:
            problems.add(f"{name}: {int(series.index.duplicated().sum())} duplicate id(s)")
    problems.raise_if_any(SchemaError)
    if not events.index.equals(base.index):
        only_events = events.index.difference(base.index)
        only_base = base.index.difference(events.index)
        if len(only_events) or len(only_base):
            raise SchemaError(
                f"events and base cover different units ({len(only_events)} only in events, "
                f"{len(only_base)} only in base); align them first"
            )
        base = base.reindex(events.index)
    try:
        e = events.to_numpy(dtype=np.float64)
        b = base.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise SchemaError("events and base must be numeric") from None
    if not np.isfinite(e).all():
        problems.add(f"events: {int((~np.isfinite(e)).sum())} missing or infinite value(s)")
    elif (e < 0).any():
        problems.add(f"events: {int((e < 0).sum())} negative count(s)")
    if not np.isfinite(b).all():
        problems.add(f"base: {int((~np.isfinite(b)).sum())} missing or infinite value(s)")
    elif (b <= 0).any():
        problems.add(
            f"base: {int((b <= 0).sum())} unit(s) with a base of 0 or less have no rate; "
            "drop them (and build the graph on the rest)"
        )
    problems.raise_if_any(SchemaError)
    return e, b


def smooth_rates(
    events: pd.Series,
    base: pd.Series,
    *,
    method: str = "eb_global",
    graph: Graph | None = None,
    per: float = 1.0,
) -> pd.Series:
    """Compute raw or empirical-Bayes smoothed rates.

    Parameters
    ----------
    events
        Event counts (registered incidents, ...) indexed by unit id.
    base
        Population at risk (addresses, inhabitants) on the same index, all > 0.
    method
        ``"raw"``, ``"eb_global"`` (default) or ``"eb_spatial"`` (needs ``graph``).
    graph
        Neighbours for ``"eb_spatial"`` (weights are read as binary); its ids must be the
        units of ``events``.
    per
        Multiplier of the result, e.g. 1000 for a rate per 1000 addresses.

    Returns
    -------
    pandas.Series
        Named ``rate_<method>``, indexed like ``events``; ``attrs["zicht_rate"]`` holds
        ``{"method", "per", "description"}``.

    Examples
    --------
    >>> events = pd.Series([0, 1, 30, 2], index=list("abcd"))
    >>> base = pd.Series([5, 10, 300, 40], index=list("abcd"))
    >>> smooth_rates(events, base, method="raw", per=100).round(1).tolist()
    [0.0, 10.0, 10.0, 5.0]
    >>> smooth_rates(events, base, method="eb_global").name
    'rate_eb_global'
    """
    if method not in RATE_METHODS:
        raise ConfigError(f"method must be one of {RATE_METHODS}, got {method!r}")
    if not np.isfinite(per) or per <= 0:
        raise ConfigError(f"per must be a positive number, got {per!r}")
    if method == "eb_spatial" and graph is None:
        raise ConfigError("method 'eb_spatial' needs a graph of the units' neighbours")
    e, b = _aligned(events, base)
    rate = e / b
    if method == "raw":
        smoothed = rate
    elif method == "eb_global":
        smoothed = eb_global_rates(e, b)
    else:
        assert graph is not None  # checked above
        smoothed = _eb_spatial(e, b, events.index, graph)
    out = pd.Series(smoothed * per, index=events.index, name=f"rate_{method}")
    out.attrs["zicht_rate"] = {
        "method": method,
        "per": float(per),
        "description": _DESCRIPTIONS[method],
    }
    return out


def _eb_global_moments(events: np.ndarray, base: np.ndarray) -> tuple[float, float]:
    """Mean and between-area variance (clipped at 0) over the areas with a base above 0."""
    ok = base > 0
    if not ok.any():
        return 0.0, 0.0
    e, b = events[ok].astype(float), base[ok].astype(float)
    mean = e.sum() / b.sum()
    variance = (b * (e / b - mean) ** 2).sum() / b.sum() - mean / b.mean()
    return float(mean), float(max(variance, 0.0))


def eb_global_rates(
    events: np.ndarray,
    base: np.ndarray,
    *,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Global empirical-Bayes smoothed rates of plain arrays (the estimator of ``eb_global``).

    The core of :func:`smooth_rates` with ``method="eb_global"``, without its checks: areas
    with a base of 0 get no rate (NaN) instead of an error, and the reference rate and
    variance may come from other figures than the ones smoothed. The publisher uses that to
    smooth rounded counts with the moments of the exact ones.

    Parameters
    ----------
    events
        Event counts per area (non-negative).
    base
        Population at risk per area, aligned to ``events``.
    reference
        ``(events, base)`` to estimate the overall rate and the between-area variance from;
        defaults to ``events`` and ``base`` themselves.

    Returns
    -------
    numpy.ndarray
        Smoothed rates per 1 (multiply by 100 for per cent), NaN where ``base`` is 0.

    Examples
    --------
    >>> eb_global_rates(np.array([0, 8, 30, 2]), np.array([40, 20, 300, 0])).round(3).tolist()
    [0.036, 0.252, 0.1, nan]
    """
    events = np.asarray(events)
    base = np.asarray(base)
    ref = (events, base) if reference is None else tuple(np.asarray(r) for r in reference)
    mean, variance = _eb_global_moments(*ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = events / base
        if variance == 0.0:
            return np.where(base > 0, mean, np.nan)
        weight = variance / (variance + mean / base)
        return np.where(base > 0, mean + weight * (rate - mean), np.nan)


def _eb_spatial(e: np.ndarray, b: np.ndarray, ids: pd.Index, graph: Graph) -> np.ndarray:
    arrays = graph_arrays(graph)
    if not arrays.ids.equals(ids):
        if len(arrays.ids) != len(ids) or len(arrays.ids.difference(ids)):
            raise SchemaError(
                "the graph's ids are not the units of events/base; build the graph on the "
                "same units"
            )
        position = arrays.ids.get_indexer(ids)
    else:
        position = np.arange(len(ids))
    # work in graph order, then map back
    e_g = np.empty_like(e)
    b_g = np.empty_like(b)
    e_g[position] = e
    b_g[position] = b
    n = arrays.n
    rows = np.repeat(np.arange(n), arrays.cardinality)
    cols = arrays.indices
    count = arrays.cardinality + 1.0
    e_local = np.bincount(rows, weights=e_g[cols], minlength=n) + e_g
    b_local = np.bincount(rows, weights=b_g[cols], minlength=n) + b_g
    mean = e_local / b_local
    rate = e_g / b_g
    spread = np.bincount(rows, weights=b_g[cols] * (rate[cols] - mean[rows]) ** 2, minlength=n)
    spread += b_g * (rate - mean) ** 2
    variance = spread / b_local - mean / (b_local / count)
    variance = np.maximum(variance, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(variance > 0, variance / (variance + mean / b_g), 0.0)
    smoothed = mean + (rate - mean) * weight
    return smoothed[position]
