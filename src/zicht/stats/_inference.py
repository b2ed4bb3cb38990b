"""Inference machinery shared by the local statistics: permutations and p-value adjustment.

Conditional permutation
-----------------------
For unit ``i`` with off-diagonal weights ``w_i1 .. w_ic``, conditional randomisation keeps
``x_i`` in place and gives the ``c`` neighbour slots a random sample, without
replacement, of the other ``n - 1`` values. Gi* and local Moran's I are both monotone in
the weighted neighbour sum ``s_i = sum_j w_ij x_j`` (Gi* increasing; Moran increasing or
decreasing with the sign of ``x_i - mean``), so the two-sided pseudo p-value of either
statistic equals that of ``s_i`` and only ``s_i`` needs simulating.

The engine draws ``B`` ordered samples of ``c_max + 1`` distinct positions from all ``n``
units, once, shared by every unit (esda's ``crand`` shares its draws the same way). For
unit ``i`` a draw is used as follows: its first ``c`` positions, except that if ``i``
itself is among them it is replaced by position ``c + 1``. This gives exactly a uniform
sample of ``c`` of the other ``n - 1`` units (the first ``c`` entries of a random
permutation of the others), so every unit's reference distribution is the exact
conditional-permutation distribution. Because the draw does not depend on ``i`` except in
the rare draws that hit ``i`` (about ``B * c`` unit-draw pairs in total), all units that
share the same multiset of weights share one reference distribution: it is computed once,
sorted, and every unit is ranked in it with a binary search; the few draws that hit a
unit are corrected afterwards. The cost is ``O(B c_max + n log B)`` for binary weights
instead of esda's ``O(n B c)``.

The Monte-Carlo error is therefore common to the units of one weight pattern (esda's is
almost so); each unit's p-value is still a valid pseudo p-value.

Two-sided pseudo p-value
------------------------
``p = min(1, 2 * (min(n_ge, n_le) + 1) / (B + 1))`` where ``n_ge``/``n_le`` count the
simulated sums at least / at most as large as the observed one (ties count on both
sides). It is the doubled one-sided pseudo p-value of the tail the observation lies in:
valid (never below the nominal level under the null), symmetric in the two tails, and it
does not need the null distribution to be symmetric, unlike the "folded" version that
measures distance from the simulated mean. esda's default ("directed") is the one-sided
value without the doubling, i.e. half of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ALTERNATIVES",
    "CORRECTIONS",
    "PermutationCounts",
    "adjust_pvalues",
    "analytic_pvalues",
    "permutation_counts",
    "permutation_pvalues",
]

#: Alternatives accepted by the statistics.
ALTERNATIVES = ("two-sided", "greater", "less")

#: Multiple-testing corrections.
CORRECTIONS = ("fdr_bh", "bonferroni", "none")

# Relative tolerance within which a simulated sum counts as a tie with the observed one:
# sums of the same values added in another order differ in the last bits.
_TIE_RTOL = 1e-10

# Units per block in the general (non-constant weights) path: bounds the B x block matrix.
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class PermutationCounts:
    """How many simulated neighbour sums are at least / at most the observed one."""

    n_ge: np.ndarray
    n_le: np.ndarray
    permutations: int


def analytic_pvalues(z: np.ndarray, alternative: str) -> np.ndarray:
    """Return normal p-values of z-scores (NaN stays NaN)."""
    if alternative == "two-sided":
        return np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
    if alternative == "greater":
        return stats.norm.sf(z)
    return stats.norm.cdf(z)


def permutation_pvalues(counts: PermutationCounts, alternative: str) -> np.ndarray:
    """Pseudo p-values from permutation counts (see the module notes)."""
    b1 = counts.permutations + 1.0
    if alternative == "greater":
        return (counts.n_ge + 1.0) / b1
    if alternative == "less":
        return (counts.n_le + 1.0) / b1
    return np.minimum(1.0, 2.0 * (np.minimum(counts.n_ge, counts.n_le) + 1.0) / b1)


def _draw_positions(n: int, size: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct positions in ``range(n)``."""
    if size > n:
        raise ValueError(f"cannot draw {size} distinct units from {n}")
    draws = np.empty((permutations, size), dtype=np.int64)
    for b in range(permutations):
        draws[b] = rng.choice(n, size=size, replace=False, shuffle=True)
    return draws


def permutation_counts(
    x: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
) -> PermutationCounts:
    """Conditional-permutation counts of the weighted neighbour sums.

    Parameters
    ----------
    x
        Values, one per unit.
    indptr, indices, data
        CSR off-diagonal weights (no self-loops); rows with no entries are islands and
        get counts of 0 (the caller sets their p-values to NaN).
    permutations
        Number of draws ``B``.
    rng
        Seeded generator.

    Returns
    -------
    PermutationCounts
    """
    n = len(x)
    cardinality = np.diff(indptr)
    c_max = int(cardinality.max()) if n else 0
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    if c_max == 0 or permutations == 0:
        return PermutationCounts(n_ge, n_le, permutations)
    if c_max + 1 > n:
        raise ValueError(
            f"a unit has {c_max} neighbours out of {n} units; permutations need c < n - 1"
        )

    rows = np.repeat(np.arange(n), cardinality)
    observed = np.bincount(rows, weights=data * x[indices], minlength=n)
    abs_scale = np.bincount(rows, weights=np.abs(data), minlength=n) * float(np.abs(x).max())
    tol = _TIE_RTOL * np.maximum(abs_scale, np.finfo(float).tiny)

    draws = _draw_positions(n, c_max + 1, permutations, rng)
    x_draw = x[draws]  # (B, c_max + 1)

    signature, group = _weight_signatures(indptr, data, cardinality, c_max)
    tested = cardinality > 0
    unit_ids = np.flatnonzero(tested)
    unit_group = group[unit_ids]

    order = np.argsort(unit_group, kind="stable")
    sorted_units = unit_ids[order]
    bounds = np.searchsorted(unit_group[order], np.arange(signature.shape[0] + 1))
    block = max(1, _BLOCK_BYTES // (8 * permutations))
    for start in range(0, signature.shape[0], block):
        stop = min(signature.shape[0], start + block)
        # reference[b, g]: simulated sum of draw b with weight pattern g (slots 0..c-1)
        reference = x_draw[:, :c_max] @ signature[start:stop].T
        for g in range(start, stop):
            members = sorted_units[bounds[g] : bounds[g + 1]]
            ref = reference[:, g - start]
            obs = observed[members]
            t = tol[members]
            if len(members) >= 16:
                ref_sorted = np.sort(ref)
                n_ge[members] = permutations - np.searchsorted(ref_sorted, obs - t, side="left")
                n_le[members] = np.searchsorted(ref_sorted, obs + t, side="right")
            else:
                n_ge[members] = (ref[:, None] >= (obs - t)[None, :]).sum(axis=0)
                n_le[members] = (ref[:, None] <= (obs + t)[None, :]).sum(axis=0)

    # Correct the draws that picked the focal unit itself among its first c slots: there
    # slot ``m`` holds x_i, which is replaced by the value in slot c (see module notes).
    b_idx, m_idx = (a.ravel() for a in np.indices((permutations, c_max)))
    hit_unit = draws[b_idx, m_idx]
    card_hit = cardinality[hit_unit]
    valid = m_idx < card_hit
    b_idx, m_idx, hit_unit, card_hit = b_idx[valid], m_idx[valid], hit_unit[valid], card_hit[valid]
    if hit_unit.size:
        g_hit = group[hit_unit]
        sig = signature[g_hit]  # (H, c_max)
        old = np.einsum("hc,hc->h", x_draw[b_idx, :c_max], sig)
        weight_m = sig[np.arange(len(m_idx)), m_idx]
        new = old + weight_m * (x_draw[b_idx, card_hit] - x[hit_unit])
        obs = observed[hit_unit]
        t = tol[hit_unit]
        delta_ge = (new >= obs - t).astype(np.int64) - (old >= obs - t)
        delta_le = (new <= obs + t).astype(np.int64) - (old <= obs + t)
        np.add.at(n_ge, hit_unit, delta_ge)
        np.add.at(n_le, hit_unit, delta_le)
    n_ge[~tested] = 0
    n_le[~tested] = 0
    return PermutationCounts(n_ge, n_le, permutations)


def _weight_signatures(
    indptr: np.ndarray, data: np.ndarray, cardinality: np.ndarray, c_max: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct sorted weight patterns (padded with 0) and each unit's pattern number.

    Binary graphs are grouped by cardinality, graphs whose rows each hold one weight
    (row-standardised binary graphs) by (cardinality, weight), others by their weights
    in descending order. The order of the weights over the slots does not matter because
    the slots of a draw are exchangeable. Islands get pattern 0 (they are never used).
    """
    n = len(cardinality)
    if data.min() == data.max():
        present, group = np.unique(cardinality, return_inverse=True)
        slots = np.arange(c_max)[None, :] < present[:, None]
        return np.where(slots, data[0], 0.0), group.ravel()
    nonempty = cardinality > 0
    starts = indptr[:-1][nonempty]
    row_max = np.zeros(n)
    row_min = np.zeros(n)
    row_max[nonempty] = np.maximum.reduceat(data, starts)
    row_min[nonempty] = np.minimum.reduceat(data, starts)
    if (row_max == row_min).all():
        values, value_code = np.unique(row_max, return_inverse=True)
        combined = cardinality.astype(np.int64) * len(values) + value_code.ravel()
        present, group = np.unique(combined, return_inverse=True)
        card, code = np.divmod(present, len(values))
        slots = np.arange(c_max)[None, :] < card[:, None]
        return np.where(slots, values[code][:, None], 0.0), group.ravel()
    rows = np.repeat(np.arange(n), cardinality)
    slot = np.arange(len(data)) - indptr[rows]
    # descending weights within each row, padding (-inf, then 0) at the end
    padded = np.full((n, c_max), -np.inf)
    padded[rows, slot] = data
    padded = -np.sort(-padded, axis=1)
    padded[np.isinf(padded)] = 0.0
    return _unique_rows(padded)


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_inverse=True)`` by hashing, verified.

    Equal rows give bit-equal projections; rows that share a projection are checked
    against their group's first row, and any collision falls back to ``np.unique``.
    """
    projection = rows @ np.random.default_rng(0).uniform(1.0, 2.0, rows.shape[1])
    group, _ = pd.factorize(projection)
    # factorize numbers groups in order of appearance: a first occurrence is a new maximum
    running_max = np.maximum.accumulate(group)
    first = np.flatnonzero(np.r_[True, group[1:] > running_max[:-1]])
    unique = rows[first]
    if not np.array_equal(unique[group], rows):
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        return unique, inverse.ravel()
    return unique, group.astype(np.int64)


def adjust_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values for multiple testing; NaN entries are not tests and stay NaN.

    Parameters
    ----------
    p
        p-values, NaN for units that were not tested (islands).
    method
        ``"fdr_bh"`` (Benjamini-Hochberg q-values), ``"bonferroni"`` or ``"none"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, capped at 1.

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, np.nan, 0.03]), "fdr_bh").round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    tested = ~np.isnan(p)
    m = int(tested.sum())
    if m == 0:
        return out
    if method == "none":
        out[tested] = p[tested]
    elif method == "bonferroni":
        out[tested] = np.minimum(1.0, p[tested] * m)
    elif method == "fdr_bh":
        out[tested] = stats.false_discovery_control(p[tested], method="bh")
    else:
        raise ValueError(f"unknown correction {method!r}; use one of {CORRECTIONS}")
    return out
