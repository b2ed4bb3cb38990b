"""What the integer-programming attacker adds from the rules (issue 17, items 3 and 8).

Two readings of a release that go beyond its counts and raw rates, each its own code (it
shares none with zicht), used by ``tests/ilp_attacker.py``:

**Reasons for hiding.** A hidden count next to a published population was hidden by some
rule, and the attacker knows the rules. Per hidden value it lists the rules that *could*
have hidden it, read from the published files and the units' membership only:

* secondary suppression, when another hidden value of the same count, on another set of
  units, shares a published sum with it (one contains the other, both lie in one published
  feature, or both are top-level features of one layer): then any value is possible.
  Features of one set of units (a buurt of one region and its H3 cell) show one value, so
  a partner of one of them is a partner of all;
* a union of regions, for a feature outside the nested family (an H3 cell, a park) whose
  units lie in several regions: any value is possible;
* a small count, when small counts are suppressed: ``1 ≤ k ≤ min_units − 1``;
* group disclosure: ``k > group_max_pct · n`` (and, with ``group_low``, ``k`` below the
  low limit);
* the company rules (a company run): ``k ≥ 1`` (with one company per unit: one or two,
  but the hull below with group disclosure is ``1 … n``).

When neither of the first two is possible, the count lies in the union of what the others
allow; the attacker adds the smallest interval around that union (a convex hull, so the
model stays linear and the attacker sound, if weaker where two rules are far apart). A
reading that the true value breaks (a lone value hidden for a reason the attacker cannot
see) would mislead, not disclose: it is left out and counted (``Attack.misled``).

**Smoothed rates.** A global empirical-Bayes rate is ``m + w (k/n − m)`` with
``w = V / (V + m/n)``, where ``m`` and ``V`` (the prior: the overall rate and the
between-area variance) are moments of the whole layer. We give the attacker the prior
exactly (a reader can estimate it from a few features whose raw rate and smoothed rate are
both exact; we assume it published). Then a smoothed rate, rounded to ``rate_decimals``,
is an interval on ``k`` over the exact population, unless it is the smoothed rate of the
published (rounded) figures, as the release makes it where the count is rounded. Spatially
smoothed rates are computed from published figures only and add nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

#: Layers of the nested family; the others (h3, parks) are unions of whole regions.
NESTED_KEYS = ("region_pieces", "buurt_code", "wijk_code", "gemeente_code")


def prior(k: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """The moments of the global empirical-Bayes estimator over features with units."""
    ok = n > 0
    if not ok.any():
        return 0.0, 0.0
    e, b = k[ok].astype(float), n[ok].astype(float)
    mean = e.sum() / b.sum()
    variance = (b * (e / b - mean) ** 2).sum() / b.sum() - mean / b.mean()
    return float(mean), float(max(variance, 0.0))


def smoothed(k: np.ndarray, n: np.ndarray, moments: tuple[float, float]) -> np.ndarray:
    """The global empirical-Bayes rate (per 1) of ``k`` over ``n`` under ``moments``."""
    mean, variance = moments
    with np.errstate(divide="ignore", invalid="ignore"):
        if variance == 0.0:
            return np.where(n > 0, mean, np.nan)
        w = variance / (variance + mean / n)
        return np.where(n > 0, mean + w * (k / n - mean), np.nan)


def smoothed_bounds(
    meta: dict[str, Any],
    frame: pd.DataFrame,
    count: str,
    n: np.ndarray,
    moments: tuple[float, float],
    decimals: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Bounds on the count from one ``eb_global`` rate column (``None``: nothing to add)."""
    mean, variance = moments
    if variance == 0.0 or meta["column"] not in frame:
        return None
    per = float(meta.get("per", 100.0))
    s = pd.to_numeric(frame[meta["column"]], errors="coerce").to_numpy(dtype=float)
    k_pub = pd.to_numeric(frame.get(count), errors="coerce").to_numpy(dtype=float)
    n_pub = pd.to_numeric(frame["n_units"], errors="coerce").to_numpy(dtype=float)
    from_published = np.round(per * smoothed(np.nan_to_num(k_pub), n_pub, moments), decimals)
    use = np.isfinite(s) & (n > 0) & ~np.isclose(from_published, s, atol=1e-9)
    lo, hi = np.zeros(len(n)), n.astype(float)
    if not use.any():
        return lo, hi
    half = 0.5 * 10.0 ** (-decimals)
    nn = n[use].astype(float)
    w = variance / (variance + mean / nn)
    # k/n = m + (s/per − m) / w is increasing in s
    k_lo = nn * (mean + ((s[use] - half) / per - mean) / w)
    k_hi = nn * (mean + ((s[use] + half) / per - mean) / w)
    slack = 1e-6 * np.maximum(nn, 1.0)
    lo[use] = np.maximum(np.ceil(k_lo - slack), 0)
    hi[use] = np.minimum(np.floor(k_hi + slack), nn)
    return lo, hi


def _rule_hull(
    n: np.ndarray, rules: dict[str, Any], company: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per feature, the smallest interval around every count a disclosing rule hides."""
    g = float(rules.get("group_max_pct", 90.0)) / 100.0
    nf = n.astype(float)
    # group disclosure: k > g·n (the smallest such k), up to n
    lo = np.floor(g * nf + 1e-9) + 1
    hi = nf.copy()
    if rules.get("group_low"):
        lo[:] = 0  # a share below the low limit: down to 0
    if rules.get("small_count") == "suppress":
        lo = np.minimum(lo, 1)
    if company:  # too few companies or dominance: at least one (with group: 1 … n)
        lo = np.minimum(lo, 1)
    return np.minimum(lo, nf), hi


def reason_bounds(
    layers: dict[str, dict[str, Any]],
    n_atoms: np.ndarray,
    rules: dict[str, Any],
    company: str | None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per layer, bounds on the hidden counts from the rules that could have hidden them.

    ``layers`` maps a layer key to ``m`` (published feature × atom incidence), ``hidden``
    (the published features whose count is hidden), ``nested`` (whether the layer is in the
    nested family) and ``regions`` (per published feature, how many regions its units lie
    in). Features whose count is not hidden get ``[0, n]``.
    """
    keys = list(layers)
    rows = {k: np.flatnonzero(layers[k]["hidden"]) for k in keys}
    out = {
        k: (np.zeros(layers[k]["m"].shape[0]), np.asarray(layers[k]["m"] @ n_atoms, float))
        for k in keys
    }
    if sum(len(r) for r in rows.values()) == 0:
        return out
    h = sparse.vstack([layers[k]["m"][rows[k]] for k in keys], format="csr")
    owner = np.concatenate([np.full(len(rows[k]), i) for i, k in enumerate(keys)])
    p = sparse.vstack([layers[k]["m"] for k in keys], format="csr")
    hs, ps = h @ n_atoms, p @ n_atoms
    hw = h.multiply(n_atoms).tocsr()
    inter = (hw @ p.T).toarray()
    inside = np.isclose(inter, hs[:, None]) & (ps[None, :] > hs[:, None])
    has_container = inside.any(axis=1)
    same = (hw @ h.T).toarray()
    equal = np.isclose(same, hs[:, None]) & np.isclose(same, hs[None, :])
    contain = np.isclose(same, hs[:, None]) | np.isclose(same, hs[None, :])
    common = (inside.astype(np.int64) @ inside.T.astype(np.int64)) > 0
    top = (owner[:, None] == owner[None, :]) & ~has_container[:, None] & ~has_container[None, :]
    partner = (contain | common | top) & ~equal
    np.fill_diagonal(partner, False)
    # features of one set of units (a buurt of one region, its cell) show one value: a
    # reason that fits one of them fits them all
    secondary = (equal.astype(np.int64) @ partner.any(axis=1).astype(np.int64)) > 0
    at = 0
    for k in keys:
        idx = rows[k]
        here = slice(at, at + len(idx))
        at += len(idx)
        info = layers[k]
        structural = np.asarray(info["regions"][idx] > 1, dtype=bool) & (not info["nested"])
        free = secondary[here] | structural
        n = out[k][1][idx]
        lo, hi = _rule_hull(n, rules, company)
        lo[free], hi[free] = 0, n[free]
        out[k][0][idx], out[k][1][idx] = lo, hi
    return out
