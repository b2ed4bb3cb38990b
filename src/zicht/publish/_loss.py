"""Information loss: what disclosure control cost, measured against the unprotected figures.

Part of :func:`zicht.publish.publish_release` on the unit path. For every published layer and
every count and rate, it compares the protected layer with the true figures of its features
(recomputed from the unit table, never written anywhere) and keeps only aggregates:

* the share of units that lie in features with a published value;
* the features without a value, by reason (merged into a region, suppressed, a hidden value
  on a published feature and why);
* the mean absolute and relative deviation of the published values from the true ones;
* the Hellinger distance between the protected and the unprotected map of each count (the
  distribution of the count over the layer's features, as CBS's *sdcSpatial* compares a
  protected with a raw density map).

So that no loss figure gives a hidden value back, each is an aggregate over a whole layer
and is reported only when enough features make it up (:data:`LOSS_MIN_FEATURES` features
with a value, and as many whose published value differs from the truth for a deviation),
shares in whole per cent only when one per cent of the layer's units is at least the
threshold, and every figure coarsely rounded. See ``docs/publication.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from zicht.publish._columns import IndicatorLink
from zicht.publish._layers import LayerContext
from zicht.publish._model import STATUS_MERGED, STATUS_PUBLISHED, STATUS_SUPPRESSED
from zicht.publish._rules import DisclosureRules

__all__ = ["LOSS_MIN_FEATURES", "information_loss", "true_figures", "withheld_reason"]

_AS_REGION = "as its region "

#: A loss figure is an aggregate over at least this many features (else it is not reported).
LOSS_MIN_FEATURES = 10

#: Why a feature shows no value of an indicator (the keys of ``withheld``).
REASONS = (
    "merged",
    "suppressed",
    "small count",
    "group disclosure",
    "company rules",
    "secondary",
    "union of regions not exact",
    "base below threshold",
    "other",
)


def withheld_reason(text: str) -> str:
    """Return the reason class of an audit reason (one of :data:`REASONS`).

    Parameters
    ----------
    text
        The ``reason`` of an ``indicator_suppressed`` audit row.

    Returns
    -------
    str
        Its class.
    """
    low = text.lower()
    if low.startswith("secondary"):
        return "secondary"
    if "group disclosure" in low:
        return "group disclosure"
    if "compan" in low or "dominan" in low:
        return "company rules"
    if "count below" in low:
        return "small count"
    if "regions, not all exact" in low:
        return "union of regions not exact"
    return "other"


def information_loss(
    layers: Mapping[str, pd.DataFrame],
    truth: Mapping[str, pd.DataFrame],
    links: list[IndicatorLink],
    rules: DisclosureRules,
    audit: pd.DataFrame,
) -> dict[str, Any]:
    """Measure the information loss of every layer and indicator.

    Parameters
    ----------
    layers
        The protected layers, by name (``area_id``, ``status``, ``n_units`` and the
        published columns).
    truth
        Per layer, the true figures of its features: indexed by ``area_id``, with
        ``n_units`` and, per count column, its count and (``<count>__base``) its base.
    links
        How every published column relates to the counts.
    rules
        The disclosure rules (the threshold sets what may be reported).
    audit
        The audit rows (their reasons classify the hidden values).

    Returns
    -------
    dict
        ``min_features`` and, per layer and published column, the aggregate measures.
    """
    hidden = audit[audit["action"] == "indicator_suppressed"]
    text = {
        (str(r.layer), str(r.area_id), str(r.indicator)): str(r.reason)
        for r in hidden.itertuples(index=False)
    }
    why = {}
    for (layer, area, column), reason in text.items():
        if reason.startswith(_AS_REGION):  # a feature of one region shows that region's value
            reason = text.get(("region", reason[len(_AS_REGION) :], column), reason)
        why[(layer, area, column)] = withheld_reason(reason)
    out: dict[str, Any] = {}
    for name, frame in layers.items():
        if name not in truth:
            continue
        true = truth[name].reindex(frame["area_id"].astype("str"), fill_value=0)
        columns = {}
        for link in links:
            if link.role not in ("count", "rate") or link.column not in frame:
                continue
            if link.role == "rate" and link.smoothing is not None:
                continue  # a smoothed rate has no single true value to compare with
            columns[link.column] = _column_loss(name, frame, true, link, rules, why)
        out[name] = {
            "units": _share_text(true["n_units"].to_numpy(), frame, rules),
            "columns": columns,
        }
    return {"min_features": LOSS_MIN_FEATURES, "layers": out}


def _share_text(n_true: np.ndarray, frame: pd.DataFrame, rules: DisclosureRules) -> int | None:
    """Return the per cent of the layer's units in published features, if it may be shown."""
    return _units_pct(n_true, (frame["status"] == STATUS_PUBLISHED).to_numpy(), rules)


def _units_pct(n_true: np.ndarray, shown: np.ndarray, rules: DisclosureRules) -> int | None:
    """Whole per cent of the units in ``shown`` features.

    Reported only where one per cent of the layer's units is at least ``min_units``, so
    that no population below the threshold can be read from the share.
    """
    total = float(n_true.sum())
    if total < 100 * rules.min_units or len(n_true) < LOSS_MIN_FEATURES:
        return None
    return round(100.0 * float(n_true[shown].sum()) / total)


def _column_loss(
    layer: str,
    frame: pd.DataFrame,
    true: pd.DataFrame,
    link: IndicatorLink,
    rules: DisclosureRules,
    why: Mapping[tuple[str, str, str], str],
) -> dict[str, Any]:
    """Measure the loss of one published column on one layer."""
    n_true = true["n_units"].to_numpy(dtype=float)
    occupied = n_true > 0
    value = pd.to_numeric(frame[link.column], errors="coerce").to_numpy(dtype=float)
    shown = occupied & ~np.isnan(value)
    k_true = true[link.count].to_numpy(dtype=float)
    small_base = np.zeros(len(n_true), dtype=bool)
    if link.role == "rate":
        base = n_true if link.base == "n_units" else true[f"{link.count}__base"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = np.where(base > 0, link.per * k_true / base, np.nan)
        shown &= base > 0
        small_base = base < rules.min_units  # a rate on fewer units than the threshold
    else:
        exact = k_true
    ids = frame["area_id"].astype("str").to_numpy()
    status = frame["status"].astype("str").to_numpy()
    withheld = dict.fromkeys(REASONS, 0)
    for i in np.flatnonzero(occupied & ~shown):
        reason = _reason(layer, ids[i], status[i], link, why)
        withheld["base below threshold" if reason == "other" and small_base[i] else reason] += 1
    out: dict[str, Any] = {
        "features": int(occupied.sum()),
        "with_value": int(shown.sum()),
        "withheld": {k: v for k, v in withheld.items() if v},
        "units_with_value_pct": _units_pct(n_true[occupied], shown[occupied], rules),
    }
    out.update(_deviations(value[shown], exact[shown], link.role))
    if link.role == "count":
        out["hellinger"] = _hellinger(k_true[occupied], np.where(shown, value, 0.0)[occupied])
    return out


def _reason(
    layer: str, area: str, status: str, link: IndicatorLink, why: Mapping[tuple, str]
) -> str:
    if status == STATUS_MERGED:
        return "merged"
    if status == STATUS_SUPPRESSED:
        return "suppressed"
    found = why.get((layer, area, link.column)) or why.get((layer, area, str(link.count)))
    return found or "other"


def _deviations(published: np.ndarray, exact: np.ndarray, role: str) -> dict[str, Any]:
    """Mean absolute and relative deviation, when enough features deviate to hide each one."""
    error = np.abs(published - exact)
    deviating = int((error > 1e-9).sum())
    key = "mean_abs_dev" if role == "count" else "mean_abs_dev_points"
    if len(error) < LOSS_MIN_FEATURES or 0 < deviating < LOSS_MIN_FEATURES:
        return {key: None, "mean_rel_dev_pct": None}
    positive = exact > 0
    relative = (
        round(float(100.0 * np.mean(error[positive] / exact[positive])), 1)
        if positive.sum() >= LOSS_MIN_FEATURES
        else None
    )
    return {key: round(float(error.mean()), 1), "mean_rel_dev_pct": relative}


def _hellinger(true: np.ndarray, published: np.ndarray) -> float | None:
    """Hellinger distance between the true and the published distribution of a count.

    ``sqrt(1 - sum(sqrt(p * q)))`` with ``p`` and ``q`` the count's share per feature;
    0 when the maps agree, 1 when they share nothing. A withheld value counts as 0.
    """
    if len(true) < LOSS_MIN_FEATURES or true.sum() <= 0 or published.sum() <= 0:
        return None
    p = true / true.sum()
    q = published / published.sum()
    affinity = float(np.sqrt(p * q).sum())
    return round(float(np.sqrt(max(0.0, 1.0 - affinity))), 2)


def true_figures(ctx: LayerContext) -> dict[str, pd.DataFrame]:
    """Return the true figures of every feature of every layer, from the unit rows.

    Indexed by ``area_id``: ``n_units``, every count column and, for a count whose rates
    rest on another count, ``<count>__base``. They stay in memory: only the aggregates of
    :func:`information_loss` leave this module.
    """
    import h3.api.basic_int as h3i

    table = ctx.table
    keys: dict[str, pd.Series] = {"region": table["region_id"].astype("str")}
    for name, col in {**ctx.units.areas, **ctx.units.extra}.items():
        if name in ctx.layers and col in table:
            keys[name] = table[col].astype("str")
    values = pd.DataFrame({"n_units": np.ones(len(table), dtype=np.int64)}, index=table.index)
    for count, base in ctx.bases.items():
        values[count] = pd.to_numeric(table[ctx.numerators[count]]).to_numpy()
        if base != "n_units":
            values[f"{count}__base"] = pd.to_numeric(table[ctx.numerators[base]]).to_numpy()
    out = {name: values.groupby(key.to_numpy()).sum() for name, key in keys.items()}
    if "h3" in ctx.layers:
        # summed per 64-bit cell, then named by hex id in the order of the ids (no text per unit)
        per_cell = values.groupby(table["cell"].to_numpy(dtype=np.int64)).sum()
        per_cell.index = pd.Index(
            [h3i.int_to_str(int(c)) for c in per_cell.index], dtype=keys["region"].dtype
        )
        out = {"region": out["region"], "h3": per_cell.sort_index(), **out}
    return out
