"""The published columns of one layer.

Which count each indicator rests on (:class:`IndicatorLink`), counts and rates under the
rules, and hot-spot columns only where their window is published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.publish._disclosure import (
    HIDDEN,
    ROUNDED,
    publish_counts,
)
from zicht.publish._model import NOT_PUBLISHABLE_LABEL, STATISTIC_PREFIXES, LayerInput, units_band
from zicht.publish._rules import DisclosureRules
from zicht.publish._windows import published_window_rates
from zicht.schemas import IndicatorMeta, parse_rate_column

__all__ = [
    "Counts",
    "FeatureCounts",
    "IndicatorLink",
    "count_bases",
    "link_indicators",
    "publish_columns",
    "publish_hotspots",
]


def _hotspot_window_ok(
    area_ids: pd.Series, published: np.ndarray, k: int, empty: np.ndarray
) -> np.ndarray:
    """Return where every cell with units in the H3 k-ring window is published.

    Cells without units hold nothing to protect. Non-H3 layers: true everywhere only when
    every feature with units is published (their window is unknown here).
    """
    import h3

    ids = area_ids.astype("str").to_numpy()
    valid = np.fromiter((h3.is_valid_cell(i) for i in ids), dtype=bool, count=len(ids))
    if not valid.all():
        return np.full(len(ids), bool((published | empty).all())) & published
    ok_cells = set(ids[published | empty])
    out = np.zeros(len(ids), dtype=bool)
    for i, cell in enumerate(ids):
        if published[i]:
            out[i] = all(c in ok_cells for c in h3.grid_disk(cell, k))
    return out


def publish_hotspots(
    source: pd.DataFrame,
    out: gpd.GeoDataFrame,
    published: np.ndarray,
    rules: DisclosureRules,
    k: int,
    n_units: np.ndarray | None = None,
    tested: str | None = None,
) -> int:
    """Copy local-statistic columns onto published features; scores only where safe.

    Classes (``*_label``, ``*_bin``) go on every published feature that shows the tested
    value (``tested``, the column the statistic tested, when the layer has it): a feature
    whose tested value is withheld gets no class either, so that no map says "cold spot"
    beside "no value". Scores (z, p, q, I …) go only where, besides, every cell with units
    in the window is published, rounded. Returns the number of published features whose
    scores were withheld.
    """
    present = [c for c in source.columns if str(c).startswith(STATISTIC_PREFIXES)]
    if not present:
        return 0
    classes = [c for c in present if str(c).endswith(("_label", "_bin"))]
    scores = [c for c in present if c not in classes]
    classed = published.copy()
    if tested is not None and tested in out:
        classed &= pd.to_numeric(out[tested], errors="coerce").notna().to_numpy()
    scores_ok = classed.copy()
    if rules.hotspot_scores == "labels":
        scores_ok[:] = False
    elif scores:
        empty = np.zeros(len(published), dtype=bool) if n_units is None else n_units == 0
        scores_ok = _hotspot_window_ok(out["area_id"], published, k, empty) & classed
    for col in classes:
        values = source[col]
        if str(col).endswith("_label"):
            labels = values.astype("object").where(classed, None).astype("str")
            labels[~classed] = NOT_PUBLISHABLE_LABEL
            out[col] = labels.to_numpy()
        else:
            out[col] = pd.to_numeric(values, errors="coerce").where(classed).to_numpy()
    for col in scores:
        decimals = rules.p_decimals if str(col).endswith(("_p", "_q")) else rules.z_decimals
        numeric = pd.to_numeric(source[col], errors="coerce").astype("float64").to_numpy()
        out[col] = np.where(scores_ok, np.round(numeric, decimals), np.nan)
    return int((published & ~scores_ok).sum()) if scores else 0


def hotspot_tested_of(metadata: Mapping[str, Any]) -> str | None:
    """Return the column the hot-spot statistic tested, as ``metadata["hotspot"]`` says."""
    hotspot = metadata.get("hotspot") if isinstance(metadata, Mapping) else None
    tested = hotspot.get("indicator") if isinstance(hotspot, Mapping) else None
    return tested if isinstance(tested, str) and tested else None


def hotspot_k_of(layer: LayerInput, metadata: Mapping[str, Any]) -> int:
    if layer.hotspot_k is not None:
        return int(layer.hotspot_k)
    hotspot = metadata.get("hotspot") if isinstance(metadata, Mapping) else None
    if isinstance(hotspot, Mapping) and isinstance(hotspot.get("k"), int | np.integer):
        return int(hotspot["k"])
    return 1


@dataclass(frozen=True)
class IndicatorLink:
    """How a published column relates to the counts (resolved from the metadata).

    ``role`` is ``"count"``, ``"rate"`` (``count`` per ``per`` units of ``base``,
    optionally ``smoothing``) or ``"value"`` (published as given).
    """

    column: str
    role: str
    count: str | None = None
    base: str = "n_units"
    per: float = 100.0
    smoothing: str | None = None


def link_indicators(metas: tuple[IndicatorMeta, ...], available: set[str]) -> list[IndicatorLink]:
    """Resolve every indicator column to a count, a rate of a count, or a plain value.

    Parameters
    ----------
    metas
        The published columns.
    available
        Count columns that can be computed (frame columns or unit-table numerators).

    Returns
    -------
    list of IndicatorLink
        One per meta, in order.
    """
    counts = {m.column for m in metas if m.kind == "count"}
    ids = {c[2:] for c in counts | available if c.startswith("n_")}
    links = []
    for meta in metas:
        if meta.kind == "count":
            links.append(IndicatorLink(meta.column, "count", count=meta.column))
            continue
        if meta.kind != "rate":
            links.append(IndicatorLink(meta.column, "value"))
            continue
        parsed = parse_rate_column(meta.column, ids)
        if meta.numerator:
            count = meta.numerator
            per, smoothing = (parsed[1], parsed[2]) if parsed else (100.0, None)
        elif parsed:
            count = f"n_{parsed[0]}"
            per, smoothing = parsed[1], parsed[2]
        else:
            links.append(IndicatorLink(meta.column, "value"))
            continue
        if count not in counts and count not in available:
            links.append(IndicatorLink(meta.column, "value"))
            continue
        base = meta.base or (f"{count}_base" if f"{count}_base" in available else "n_units")
        links.append(IndicatorLink(meta.column, "rate", count, base, per, smoothing))
    return links


def count_bases(links: list[IndicatorLink]) -> dict[str, str]:
    """Return the base column of every count (its rates' denominator, else ``n_units``)."""
    out: dict[str, str] = {}
    for link in links:
        if link.count is None:
            continue
        if link.role == "rate":
            out[link.count] = link.base
        else:
            out.setdefault(link.count, "n_units")
    return out


#: Per count column: its (count, base, state) on every node or feature.
Counts = Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class FeatureCounts:
    """The features of one layer before their columns are written.

    ``published`` marks the features that carry values, ``n`` holds their units and
    ``counts`` maps each count column to ``(count, base, state)`` per feature.
    """

    published: np.ndarray
    n: np.ndarray
    counts: Counts


def publish_columns(
    out: gpd.GeoDataFrame,
    links: list[IndicatorLink],
    features: FeatureCounts,
    *,
    rules: DisclosureRules,
    rounded: bool,
    source: pd.DataFrame | None,
    band_for_hidden: str | None = None,
    h3_k: int | None = None,
) -> None:
    """Add ``n_units``, ``n_units_band`` and every indicator column to ``out`` (in place).

    ``features`` holds what is published and the counts per feature; ``source`` (aligned to
    ``out``) holds the values of ``"value"`` columns, and says by its column which layers
    carry a spatially smoothed rate (recomputed here from published values, over ``h3_k``
    rings on the H3 layer, touching or overlapping neighbours elsewhere).
    """
    published, n, counts = features.published, features.n, features.counts
    size = len(n)
    zeros = np.zeros(size, dtype=np.int8)
    n_pub = publish_counts(n, zeros, rounded=rounded, base=rules.rounding_base)
    n_pub[~published] = np.nan
    out["n_units"] = pd.array(n_pub, dtype="Int64")
    band = units_band(pd.Series(n), rules.min_units).to_numpy(dtype=object)
    if band_for_hidden is not None:
        band[~published] = band_for_hidden
    out["n_units_band"] = band.astype(str)
    thr = rules.min_units
    for link in links:
        if link.role == "value" or link.count is None:
            values = (
                pd.to_numeric(source[link.column], errors="coerce").to_numpy(dtype=float)
                if source is not None and link.column in source
                else np.full(size, np.nan)
            )
            out[link.column] = np.where(published, values, np.nan)
            continue
        k, base, state = counts[link.count]
        state = np.where(published, state, HIDDEN).astype(np.int8)
        k_pub = publish_counts(k, state, rounded=rounded, base=rules.rounding_base)
        if link.role == "count":
            out[link.column] = k_pub
            continue
        hidden = (state == HIDDEN) | (base < thr)
        if link.base == "n_units":
            base_pub = n_pub
        else:
            base_pub = publish_counts(base, zeros, rounded=rounded, base=rules.rounding_base)
        if link.smoothing is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                exact = np.where(base > 0, link.per * k / base, np.nan)
                fuzzy = np.where(base_pub > 0, link.per * k_pub / base_pub, np.nan)
        elif link.smoothing == "eb_global":
            from zicht.stats import eb_global_rates

            exact = link.per * eb_global_rates(k, base)
            # the rounded figures are smoothed towards the moments of the exact ones
            fuzzy = link.per * eb_global_rates(
                np.nan_to_num(k_pub), np.nan_to_num(base_pub), reference=(k, base)
            )
        elif source is not None and link.column in source:
            # a window statistic: from the published figures of published features only
            usable = published & (state != HIDDEN) & (base >= thr)
            exact = fuzzy = published_window_rates(
                out, usable, k_pub, base_pub, per=link.per, h3_k=h3_k
            )
        else:
            exact = fuzzy = np.full(size, np.nan)
        value = np.where(state == ROUNDED, fuzzy, exact)
        value = np.round(value, rules.rate_decimals)
        value[hidden] = np.nan
        out[link.column] = value
