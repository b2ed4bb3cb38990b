"""Window statistics in the checker: a smoothed rate must follow from published values.

A spatially smoothed rate (``smoothing = "eb_spatial"``) of a feature is a function of the
figures in its window. The publisher computes it from the published figures of the feature
and its published neighbours only; then it tells a reader nothing about a feature that is
not published. This module recomputes every such value with its own code (its own
neighbours, its own estimator), from the published figures alone, and reports any value
that does not follow from them: one computed over a window that holds an unpublished
feature (it names the neighbours when the units show that is what happened), or a value on
a feature whose own figures are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zicht.check._files import PublishedLayer
from zicht.check._report import CheckReport

__all__ = ["check_windows", "eb_spatial", "window_members"]


def eb_spatial(events: np.ndarray, base: np.ndarray, windows: list[np.ndarray]) -> np.ndarray:
    """Spatial empirical-Bayes rates per 1 (Marshall's estimator over each window).

    ``windows[i]`` holds the positions of feature ``i``'s neighbours (not ``i`` itself).
    """
    out = np.full(len(events), np.nan)
    rate = np.divide(events, base, out=np.full(len(events), np.nan), where=base > 0)
    for i, near in enumerate(windows):
        if not base[i] > 0:
            continue
        w = np.concatenate(([i], near))
        b_local = base[w].sum()
        mean = events[w].sum() / b_local
        spread = (base[w] * (rate[w] - mean) ** 2).sum()
        variance = max(spread / b_local - mean / (b_local / len(w)), 0.0)
        weight = variance / (variance + mean / base[i]) if variance > 0 else 0.0
        out[i] = mean + (rate[i] - mean) * weight
    return out


def window_members(layer: PublishedLayer, among: np.ndarray, k: int) -> list[np.ndarray]:
    """Neighbours of every feature among the features ``among`` (positions in the layer).

    H3 cells: the cells within ``k`` steps (by id); polygons: features that touch or
    overlap (queen).
    """
    ids = layer.frame["area_id"].to_numpy(dtype=object).astype(str)
    pool = np.flatnonzero(among)
    if layer.name == "h3":
        import h3

        where = pd.Series(np.arange(len(ids)), index=ids)
        allowed = set(ids[pool])
        return [
            np.array(
                sorted(
                    int(where[c])
                    for c in h3.grid_disk(cell, k)
                    if c != cell and c in allowed and c in where.index
                ),
                dtype=np.int64,
            )
            for cell in ids
        ]
    if layer.geometry is None:
        return [np.empty(0, dtype=np.int64) for _ in ids]
    geoms = layer.geometry.reindex(ids).to_numpy()
    tree = shapely.STRtree(geoms[pool])
    me, other = tree.query(geoms, predicate="intersects")
    pairs = pd.DataFrame({"me": me, "other": pool[other]})
    pairs = pairs[pairs["me"] != pairs["other"]].sort_values(["me", "other"])
    lists = {int(i): g.to_numpy(dtype=np.int64) for i, g in pairs.groupby("me")["other"]}
    return [lists.get(i, np.empty(0, dtype=np.int64)) for i in range(len(ids))]


def check_windows(
    layer: PublishedLayer,
    indicators: list[dict[str, Any]],
    truth: dict[str, np.ndarray],
    rules: dict[str, Any],
    k: int,
    report: CheckReport,
) -> int:
    """Check every spatially smoothed rate of a layer; returns the values checked.

    ``truth`` holds the true ``n_units`` and counts of every feature (from the units), to
    name the unpublished neighbours a wrong value rests on.
    """
    frame = layer.frame
    decimals = int(rules.get("rate_decimals", 1))
    checked = 0
    for meta in indicators:
        col = meta["column"]
        if meta.get("smoothing") != "eb_spatial" or col not in frame:
            continue
        count_col, base_col = meta.get("count_column"), meta.get("base_column", "n_units")
        if count_col not in frame or base_col not in frame:
            report.notes.append(
                f"{layer.label}: {col!r} rests on {base_col!r}, which is not published; "
                "its windows cannot be recomputed"
            )
            continue
        per = float(meta.get("per", 100.0))
        shown = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        events = pd.to_numeric(frame[count_col], errors="coerce").to_numpy(dtype=float)
        base = pd.to_numeric(frame[base_col], errors="coerce").to_numpy(dtype=float)
        usable = layer.published.to_numpy() & np.isfinite(events) & np.isfinite(base) & (base > 0)
        windows = window_members(layer, usable, k)
        expected = per * eb_spatial(np.nan_to_num(events), np.nan_to_num(base), windows)
        expected[~usable] = np.nan
        tolerance = 0.5 * 10.0**-decimals + 1e-6
        has = np.isfinite(shown)
        checked += int(has.sum())
        wrong = has & ~(np.abs(shown - expected) <= tolerance)
        context = _Context(layer, windows, usable, k, per, tolerance)
        leaky = _occupied_rates(context, truth, count_col) if wrong.any() else None
        for i in np.flatnonzero(wrong)[:50]:
            report.add(
                "window statistics",
                f"{layer.label}:{frame['area_id'].iloc[i]}",
                _why(context, i, col, (shown[i], expected[i]), leaky),
            )
        if wrong.sum() > 50:
            report.add("window statistics", layer.label, f"… {int(wrong.sum()) - 50} more")
    return checked


@dataclass(frozen=True)
class _Context:
    """One layer's published windows, for explaining a value that does not follow."""

    layer: PublishedLayer
    windows: list[np.ndarray]
    usable: np.ndarray
    k: int
    per: float
    tolerance: float


def _occupied_rates(
    context: _Context, truth: dict[str, np.ndarray], count_col: str
) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """Rate every feature over all its occupied neighbours with the true figures."""
    n_true, k_true = truth.get("n_units"), truth.get(count_col)
    if n_true is None or k_true is None:
        return None
    occupied = window_members(context.layer, n_true > 0, context.k)
    rates = context.per * eb_spatial(k_true.astype(float), n_true.astype(float), occupied)
    return rates, occupied


def _why(
    context: _Context,
    i: int,
    col: str,
    values: tuple[float, float],
    leaky: tuple[np.ndarray, list[np.ndarray]] | None,
) -> str:
    shown, expected = values
    if not context.usable[i]:
        return f"{col} = {shown:g} is published on a feature whose own count or base is not"
    text = (
        f"{col} = {shown:g} does not follow from the published figures of its window "
        f"(itself and {len(context.windows[i])} published neighbours give {expected:.2f})"
    )
    if leaky is None:
        return text
    rates, occupied = leaky
    hidden = [int(j) for j in occupied[i] if not context.usable[j]]
    if hidden and abs(rates[i] - shown) <= context.tolerance:
        ids = context.layer.frame["area_id"].to_numpy(dtype=object)
        names = ", ".join(str(ids[j]) for j in hidden[:3])
        more = " …" if len(hidden) > 3 else ""
        text += (
            f"; it is the rate over every occupied neighbour, {len(hidden)} of them not "
            f"published ({names}{more})"
        )
    return text
