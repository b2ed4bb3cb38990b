"""The per-feature attacks of the checker.

Thresholds, rounding, exact small counts from a feature's own figures, group disclosure,
the company rules, and hot-spot windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from zicht.check._cellkey import check_perturbed, count_bounds
from zicht.check._files import PublishedLayer, score_columns
from zicht.check._report import CheckReport


def _preimage(values: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.ceil(values - base / 2.0)
    hi = np.ceil(values + base / 2.0) - 1
    return np.maximum(lo, 0), hi


def _decimals_ok(values: np.ndarray, decimals: int) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(np.abs(np.round(finite, decimals) - finite) < 1e-9))


def _count_interval(
    n_pub: np.ndarray,
    k_pub: np.ndarray,
    r_pub: np.ndarray,
    *,
    rounded: bool,
    base: int,
    min_units: int,
    decimals: int,
    per: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the interval of counts an attacker reads from a feature's own figures."""
    size = len(n_pub)
    if rounded and base > 1:
        n_lo, n_hi = _preimage(n_pub, base)
        n_lo = np.maximum(n_lo, min_units)
    else:
        n_lo, n_hi = n_pub.copy(), n_pub.copy()
    k_lo = np.zeros(size)
    k_hi = n_hi.copy()
    has_k = np.isfinite(k_pub)
    if rounded and base > 1:
        lo, hi = _preimage(k_pub[has_k], base)
        k_lo[has_k], k_hi[has_k] = lo, hi
    else:
        k_lo[has_k], k_hi[has_k] = k_pub[has_k], k_pub[has_k]
        if base > 1:
            # On exact layers a small count, or a total that protects another, is shown
            # rounded: any multiple of the base may stand for a count that rounds to it.
            maybe = has_k & (k_pub % base == 0)
            lo, hi = _preimage(k_pub[maybe], base)
            k_lo[maybe], k_hi[maybe] = lo, hi
    bounds = (n_lo, n_hi, k_lo, k_hi)
    return _narrow_by_rate(bounds, (n_pub, k_pub, r_pub), decimals=decimals, per=per)


def _perturbed_interval(
    n_pub: np.ndarray,
    k_pub: np.ndarray,
    r_pub: np.ndarray,
    *,
    d: int,
    min_units: int,
    decimals: int,
    per: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the count interval of a cell-key release: what the table can turn into a figure."""
    n_lo, n_hi = count_bounds(n_pub, d)
    n_lo = np.maximum(n_lo, min_units)
    has_k = np.isfinite(k_pub)
    k_lo = np.zeros(len(n_pub))
    k_hi = n_hi.copy()
    k_lo[has_k], k_hi[has_k] = count_bounds(k_pub[has_k], d)
    bounds = (n_lo, n_hi, k_lo, k_hi)
    return _narrow_by_rate(bounds, (n_pub, k_pub, r_pub), decimals=decimals, per=per)


def _narrow_by_rate(
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    figures: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    decimals: int,
    per: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Narrow the count interval by the published rate, for every population it allows."""
    n_lo, n_hi, k_lo, k_hi = bounds
    n_pub, k_pub, r_pub = figures
    size = len(n_lo)
    has_k = np.isfinite(k_pub)
    half = 0.5 * 10.0 ** (-decimals) + 1e-9
    has_r = np.isfinite(r_pub)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_rounded = np.round(per * k_pub / n_pub, decimals)
    informative = has_r & ~(has_k & np.isclose(from_rounded, r_pub, atol=1e-9))
    out_lo = np.full(size, np.inf)
    out_hi = np.full(size, -np.inf)
    widths = (n_hi - n_lo)[np.isfinite(n_hi - n_lo)]
    span = int(widths.max()) + 1 if len(widths) else 1
    for step in range(max(span, 1)):
        n = n_lo + step
        valid = n <= n_hi
        lo = k_lo.copy()
        hi = np.minimum(k_hi, n)
        r_lo = np.ceil((r_pub - half) * n / per - 1e-9)
        r_hi = np.floor((r_pub + half) * n / per + 1e-9)
        lo = np.where(informative, np.maximum(lo, r_lo), lo)
        hi = np.where(informative, np.minimum(hi, r_hi), hi)
        ok = valid & (lo <= hi)
        out_lo = np.where(ok, np.minimum(out_lo, lo), out_lo)
        out_hi = np.where(ok, np.maximum(out_hi, hi), out_hi)
    empty = out_lo > out_hi
    out_lo[empty] = k_lo[empty]
    out_hi[empty] = k_hi[empty]
    return out_lo, out_hi


class FeatureSums:
    """Sums over the units of every feature of a layer (in the order of ``ids``).

    The units' features are factorized once; every sum is then a ``bincount`` (the same
    values as a groupby of the units by feature, reindexed to ``ids``: integer sums are
    exact, other values are summed by groupby as before).
    """

    def __init__(self, member: pd.Series, ids: pd.Series) -> None:
        self.member, self.ids = member, ids
        self.codes, uniques = pd.factorize(member.to_numpy(dtype=object))
        self.size = len(uniques)
        self.at = pd.Index(uniques).get_indexer(pd.Index(ids))
        self.blank = pd.Index(uniques).get_indexer([""])[0]  # the units in no feature

    def _aligned(self, per: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.at), dtype=per.dtype)
        ok = self.at >= 0
        out[ok] = per[self.at[ok]]
        return out

    def counts(self) -> np.ndarray:
        """Units per feature (units in no feature counted nowhere)."""
        per = np.bincount(self.codes, minlength=self.size).astype(np.int64)
        if self.blank >= 0:
            per[self.blank] = 0
        return self._aligned(per)

    def total(self, values: pd.Series) -> np.ndarray:
        """Sum of ``values`` (one per unit, no missing value) per feature."""
        data = values.to_numpy()
        if data.dtype.kind in "iub":
            per = np.bincount(self.codes, weights=data, minlength=self.size)
            return self._aligned(per).astype(np.int64 if data.dtype.kind == "b" else data.dtype)
        return values.groupby(self.member).sum().reindex(self.ids, fill_value=0).to_numpy()


@dataclass(frozen=True)
class _Layer:
    """One published layer beside the truth from the units: what every check reads."""

    layer: PublishedLayer
    member: pd.Series
    units: pd.DataFrame
    rules: dict[str, Any]
    report: CheckReport
    published: np.ndarray
    truth_n: np.ndarray
    n_pub: np.ndarray
    sums: FeatureSums

    @property
    def where(self) -> str:
        return self.layer.label

    @property
    def ids(self) -> pd.Series:
        return self.layer.frame["area_id"]

    @property
    def thr(self) -> int:
        return int(self.rules["min_units"])


def check_layer(
    layer: PublishedLayer,
    member: pd.Series,
    units: pd.DataFrame,
    rules: dict[str, Any],
    indicators: list[dict[str, Any]],
    numerators: dict[str, str],
    company: str | None,
    report: CheckReport,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-feature checks; returns each count column's attacker interval."""
    frame = layer.frame
    sums = FeatureSums(member, frame["area_id"])
    seen = _Layer(
        layer=layer,
        member=member,
        units=units,
        rules=rules,
        report=report,
        published=layer.published.to_numpy(),
        truth_n=sums.counts(),
        n_pub=pd.to_numeric(frame["n_units"], errors="coerce").to_numpy(dtype=float),
        sums=sums,
    )
    _check_unpublished(seen, indicators)
    _check_populations(seen)
    decimals = int(rules.get("rate_decimals", 1))
    for meta in indicators:
        col = meta["column"]
        if col in frame and meta.get("role") == "rate":
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            if not _decimals_ok(values, decimals):
                report.add(
                    "rate precision", seen.where, f"{col!r} has more than {decimals} decimals"
                )
    counted = {m.get("count_column") for m in indicators if m.get("role") in ("count", "rate")}
    return {
        count_col: _check_count(seen, indicators, count_col, unit_col, company)
        for count_col, unit_col in numerators.items()
        if count_col in counted
    }


def _check_unpublished(seen: _Layer, indicators: list[dict[str, Any]]) -> None:
    """Report values and hot-spot classes on features that are not published."""
    frame = seen.layer.frame
    value_cols = [
        "n_units",
        *[m["column"] for m in indicators if m["column"] in frame],
        *score_columns(frame),
    ]
    for col in value_cols:
        leak = ~seen.published & frame[col].notna().to_numpy()
        if leak.any():
            seen.report.add(
                "no value unless published", seen.where, f"{int(leak.sum())} features carry {col!r}"
            )
    if "hotspot_label" in frame:
        bad = (
            ~seen.published
            & ~frame["hotspot_label"].isin(["not publishable", ""])
            & frame["hotspot_label"].notna()
        )
        if bad.any():
            seen.report.add(
                "no value unless published",
                seen.where,
                f"{int(bad.sum())} features carry a hot-spot class",
            )


def _check_populations(seen: _Layer) -> None:
    """Check that published features rest on ``min_units`` units and show their count."""
    thr, ids, truth_n = seen.thr, seen.ids, seen.truth_n
    small = seen.published & (truth_n < thr)
    for i in np.flatnonzero(small):
        seen.report.add(
            "threshold", f"{seen.where}:{ids.iloc[i]}", f"published on {truth_n[i]} units (< {thr})"
        )
    if seen.layer.cell_key is not None:
        if seen.layer.record_keys is not None:
            everyone = np.ones(len(seen.member), dtype=bool)
            expected = seen.layer.cell_key.published(
                seen.member, everyone, seen.layer.record_keys, ids
            )
            shown = np.where(seen.published, seen.n_pub, np.nan)
            check_perturbed("n_units", shown, expected, seen.where, seen.report)
        return
    base = int(seen.rules["rounding_base"])
    expected_n = _rounded(truth_n, base) if seen.layer.rounded else truth_n
    wrong = seen.published & np.isfinite(seen.n_pub) & (seen.n_pub != expected_n)
    if wrong.any():
        seen.report.add(
            "values match the units",
            seen.where,
            f"n_units differs from the units for {int(wrong.sum())} features",
        )


def _read_count(
    seen: _Layer, indicators: list[dict[str, Any]], count_col: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the attacker's interval of ``count_col`` per feature and where it is shown."""
    frame, rules = seen.layer.frame, seen.rules
    # the raw rate on the whole population is what can pin a count; smoothed rates and
    # rates on restricted denominators are not modelled (see docs/publication.md)
    raw = [
        m
        for m in indicators
        if m.get("role") == "rate"
        and m.get("count_column") == count_col
        and m.get("base_column", "n_units") == "n_units"
        and not m.get("smoothing")
        and m["column"] in frame
    ]
    rate_cols = [m["column"] for m in raw]
    per = float(raw[0].get("per", 100.0)) if raw else 100.0
    k_pub = (
        pd.to_numeric(frame[count_col], errors="coerce").to_numpy(dtype=float)
        if count_col in frame
        else np.full(len(frame), np.nan)
    )
    r_pub = (
        pd.to_numeric(frame[rate_cols[0]], errors="coerce").to_numpy(dtype=float)
        if rate_cols
        else np.full(len(frame), np.nan)
    )
    if seen.layer.cell_key is not None:
        lo, hi = _perturbed_interval(
            seen.n_pub,
            k_pub,
            r_pub,
            d=seen.layer.cell_key.d,
            min_units=seen.thr,
            decimals=int(rules.get("rate_decimals", 1)),
            per=per,
        )
    else:
        lo, hi = _count_interval(
            seen.n_pub,
            k_pub,
            r_pub,
            rounded=seen.layer.rounded,
            base=int(rules["rounding_base"]),
            min_units=seen.thr,
            decimals=int(rules.get("rate_decimals", 1)),
            per=per,
        )
    lo = np.where(seen.published, lo, 0)
    hi = np.where(seen.published, hi, np.where(np.isfinite(seen.n_pub), seen.n_pub, 0))
    shown = seen.published & (np.isfinite(k_pub) | np.isfinite(r_pub))
    return lo, hi, shown


def _check_count(
    seen: _Layer,
    indicators: list[dict[str, Any]],
    count_col: str,
    unit_col: str,
    company: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Attack one count column of a layer; returns its attacker interval per feature."""
    where, ids, thr, rules, report = seen.where, seen.ids, seen.thr, seen.rules, seen.report
    lo, hi, shown = _read_count(seen, indicators, count_col)
    values = pd.to_numeric(seen.units[unit_col], errors="coerce").fillna(0)
    truth_k = seen.sums.total(values).astype(np.int64)
    outside = shown & ((truth_k < lo) | (truth_k > hi))
    if outside.any():
        report.add(
            "values match the units",
            where,
            f"{count_col!r}: {int(outside.sum())} features show figures the units do not give",
        )
    exact_small = shown & (lo == hi) & (truth_k >= 1) & (truth_k < thr) & (lo == truth_k)
    for i in np.flatnonzero(exact_small):
        report.add(
            "small count shown exactly",
            f"{where}:{ids.iloc[i]}",
            f"{count_col} = {truth_k[i]} can be read from the published figures",
        )
    layer = seen.layer
    if layer.cell_key is not None and layer.record_keys is not None and count_col in layer.frame:
        k_pub = pd.to_numeric(layer.frame[count_col], errors="coerce").to_numpy(dtype=float)
        expected = layer.cell_key.published(
            seen.member, values.to_numpy() > 0, layer.record_keys, ids
        )
        check_perturbed(count_col, np.where(shown, k_pub, np.nan), expected, where, report)
    truth_n = seen.truth_n
    share = np.where(truth_n > 0, 100.0 * truth_k / np.maximum(truth_n, 1), 0.0)
    g = float(rules.get("group_max_pct", 90.0))
    group = shown & (share > g)
    if rules.get("group_low"):
        group |= shown & (truth_n > 0) & (share < 100.0 - g)
    for i in np.flatnonzero(group):
        report.add(
            "group disclosure",
            f"{where}:{ids.iloc[i]}",
            f"{count_col} is {share[i]:.1f} % of {truth_n[i]} units and is published",
        )
    basis = {m.get("basis", "units") for m in indicators if m.get("count_column") == count_col}
    if "companies" in basis and company and company in seen.units:
        _check_companies(seen, unit_col, company, shown, count_col)
    return (
        np.where(np.isfinite(lo), lo, 0).astype(np.int64),
        np.where(np.isfinite(hi), hi, 0).astype(np.int64),
    )


def _rounded(values: np.ndarray, base: int) -> np.ndarray:
    return np.floor(np.asarray(values, dtype=float) / base + 0.5) * base if base > 1 else values


def _check_companies(
    seen: _Layer, unit_col: str, company: str, shown: np.ndarray, count_col: str
) -> None:
    layer, units, rules, report = seen.layer, seen.units, seen.rules, seen.report
    values = pd.to_numeric(units[unit_col], errors="coerce").fillna(0)
    frame = pd.DataFrame(
        {
            "f": seen.member.to_numpy(),
            "c": units[company].astype(str).to_numpy(),
            "v": values.to_numpy(),
        }
    )
    per = frame[(frame["f"] != "") & (frame["v"] > 0)].groupby(["f", "c"])["v"].sum()
    ids = layer.frame["area_id"].to_numpy()
    top_n = int(rules.get("dominance_n", 2))
    for i in np.flatnonzero(shown):
        f = ids[i]
        if f not in per.index.get_level_values(0):
            continue
        contrib = np.sort(per.loc[f].to_numpy())[::-1]
        if len(contrib) < int(rules.get("min_companies", 3)):
            report.add(
                "companies", f"{layer.label}:{f}", f"{count_col} rests on {len(contrib)} companies"
            )
        elif 100.0 * contrib[:top_n].sum() / contrib.sum() > float(
            rules.get("dominance_pct", 85.0)
        ):
            report.add(
                "dominance",
                f"{layer.label}:{f}",
                f"{top_n} largest companies make up more than "
                f"{rules.get('dominance_pct')} % of {count_col}",
            )


def check_classes(layer: PublishedLayer, tested: str | None, report: CheckReport) -> int:
    """No hot-spot class on a published feature whose tested value is withheld.

    A class beside "no value" says what the hidden value is like. Returns the number of
    published features whose class was checked against their tested value.
    """
    frame = layer.frame
    if not tested or tested not in frame or "hotspot_label" not in frame:
        return 0
    labels = frame["hotspot_label"].astype("object")
    classed = labels.notna().to_numpy() & ~labels.isin(["", "not publishable"]).to_numpy()
    hidden = pd.to_numeric(frame[tested], errors="coerce").isna().to_numpy()
    bad = layer.published.to_numpy() & classed & hidden
    if bad.any():
        report.add(
            "no value unless published",
            layer.label,
            f"{int(bad.sum())} features carry a hot-spot class while {tested!r} is withheld",
        )
    return int((layer.published.to_numpy() & classed).sum())


def check_hotspots(layer: PublishedLayer, k: int, truth_n: pd.Series, report: CheckReport) -> int:
    """Scores only where every feature with units in the window is published."""
    present = score_columns(layer.frame)
    if not present or layer.geometry is None:
        return 0
    frame = layer.frame
    has_score = frame[present].notna().any(axis=1).to_numpy()
    if not has_score.any():
        return 0
    ids = pd.Index(frame["area_id"]).append(pd.Index(layer.geometry.index)).unique()
    left, right = _near_pairs(layer.geometry.to_numpy())
    where = ids.get_indexer(layer.geometry.index)
    left, right = where[left], where[right]
    # a feature without a neighbour (no geometry, or an empty one) is its own window
    alone = np.setdiff1d(np.arange(len(ids)), left)
    graph = sparse.csr_matrix(
        (
            np.ones(len(left) + len(alone), dtype=np.int64),
            (np.r_[left, alone], np.r_[right, alone]),
        ),
        shape=(len(ids), len(ids)),
    )
    empty = truth_n.reindex(frame["area_id"]).fillna(0).to_numpy() == 0
    published = np.zeros(len(ids), dtype=bool)  # ids outside the frame count as unpublished
    published[ids.get_indexer(frame["area_id"])] = layer.published.to_numpy() | empty
    # the window after k steps holds an unpublished feature: k products with the graph
    reach = (~published).astype(np.int64)
    for _ in range(max(k, 1)):
        reach = (graph @ reach > 0).astype(np.int64)
    bad_rows = has_score & (reach[ids.get_indexer(frame["area_id"])] > 0)
    bad = frame["area_id"].to_numpy()[bad_rows].tolist()
    # Cells outside the layer (no feature at all) have no units and need no protection.
    for a in bad[:50]:
        report.add(
            "hot-spot scores",
            f"{layer.label}:{a}",
            "z/p/q published while its Gi* window holds an unpublished feature",
        )
    if len(bad) > 50:
        report.add("hot-spot scores", layer.label, f"… {len(bad) - 50} more features")
    return int(has_score.sum())


def _near_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) where feature i intersects feature j buffered by 1 m (as an sjoin would).

    Candidates come from the tree within a little more than 1 m (the buffer lies inside
    that distance); features that touch are pairs as they are, the rest are tested
    against the buffered feature, as before.
    """
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=1.0 + 1e-6)
    touch = shapely.intersects(geoms[left], geoms[right])
    rest = np.flatnonzero(~touch)
    if len(rest):
        near = np.unique(right[rest])
        buffered = np.empty(len(geoms), dtype=object)
        buffered[near] = gpd.GeoSeries(geoms[near]).buffer(1.0).to_numpy()
        touch[rest] = shapely.intersects(geoms[left[rest]], buffered[right[rest]])
    return left[touch], right[touch]
