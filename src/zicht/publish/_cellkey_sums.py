"""Secondary protection of a cell-key release: perturbed figures that published sums pin.

Which values are published is decided for rounding, whose intervals line up: a buurt
rounded to 0 and its two regions rounded to 0 say "0 to 2" each and nothing more. Cell-key
noise is drawn per cell, so the intervals of a feature and its parts need not line up: a
buurt published as 0 (true 2, noise −2) next to two regions published as 1 (true 1 each,
noise 0) says the buurt holds 2 and each region 1, because zeros stay zero (a published 1
means at least 1). This module models that attacker on the whole published family and hides
values until nothing is pinned.

**Attack model** (the checker's ``propagate_intervals`` over the same figures). Units that
lie in the same published feature of every layer form an *atom*. A published count ``p``
stands for every true count in ``[max(p − D, 0), p + D]``, at least 1 when ``p ≥ 1``, and
at most the feature's population; a hidden count for ``[0, n]``. Every published feature is
the sum of its atoms. The bounds are narrowed through every sum until nothing changes. A
leak is a feature or an atom pinned to a count from 1 to ``min_units − 1``, or whose share
is certain to pass the group-disclosure limit. Each leak is repaired by hiding one value:
the leaking feature's own, else that of the smallest published feature that shares units
with it; then the propagation runs again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zicht.publish._rules import DisclosureRules

__all__ = ["Family", "protect_perturbed"]


@dataclass(frozen=True)
class Family:
    """The published features of every layer as sums of atoms.

    ``feature_layer`` / ``feature_pos`` name every published feature (its layer and row);
    ``cons`` / ``part`` are the edges feature → atom; ``atom`` is the atom of every unit.
    """

    atom: np.ndarray
    n_atoms: int
    feature_layer: np.ndarray
    feature_pos: np.ndarray
    n_feature: np.ndarray
    cons: np.ndarray
    part: np.ndarray

    @classmethod
    def build(cls, positions: dict[str, np.ndarray]) -> Family:
        """``positions[layer]``: the row of every unit's published feature (-1: none)."""
        names = list(positions)
        stacked = np.stack([positions[x] for x in names], axis=1) if names else np.zeros((0, 0))
        _, first, atom = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        atom = atom.reshape(-1).astype(np.int64)
        n_atoms = len(first)
        layer_of, pos_of, cons, part = [], [], [], []
        offset = 0
        for li, name in enumerate(names):
            at = positions[name][first]  # the feature of every atom in this layer
            rows, feature = np.unique(at[at >= 0], return_inverse=True)
            layer_of.append(np.full(len(rows), li))
            pos_of.append(rows)
            cons.append(offset + feature)
            part.append(np.flatnonzero(at >= 0))
            offset += len(rows)
        cat = lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64)  # noqa: E731
        cons_a, part_a = cat(cons), cat(part)
        n_atom = np.bincount(atom, minlength=n_atoms)
        n_feature = np.bincount(cons_a, weights=n_atom[part_a], minlength=offset)
        return cls(
            atom=atom,
            n_atoms=n_atoms,
            feature_layer=np.array([names[i] for i in cat(layer_of)], dtype=object),
            feature_pos=cat(pos_of),
            n_feature=n_feature.astype(np.int64),
            cons=cons_a,
            part=part_a,
        )


def _propagate(
    fam: Family, f_lo: np.ndarray, f_hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Narrow feature and atom bounds through every sum; also return each atom's cap."""
    m = len(f_lo)
    cap = np.full(fam.n_atoms, np.iinfo(np.int64).max // 4, dtype=np.int64)
    np.minimum.at(cap, fam.part, fam.n_feature[fam.cons])
    lo, hi = np.zeros(fam.n_atoms, dtype=np.int64), cap.copy()
    for _ in range(1_000):
        s_lo = np.bincount(fam.cons, weights=lo[fam.part], minlength=m).astype(np.int64)
        s_hi = np.bincount(fam.cons, weights=hi[fam.part], minlength=m).astype(np.int64)
        new_f_lo, new_f_hi = np.maximum(f_lo, s_lo), np.minimum(f_hi, s_hi)
        new_lo, new_hi = lo.copy(), hi.copy()
        np.maximum.at(new_lo, fam.part, new_f_lo[fam.cons] - (s_hi[fam.cons] - hi[fam.part]))
        np.minimum.at(new_hi, fam.part, new_f_hi[fam.cons] - (s_lo[fam.cons] - lo[fam.part]))
        same = np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi)
        if same and np.array_equal(new_f_lo, f_lo) and np.array_equal(new_f_hi, f_hi):
            break
        lo, hi, f_lo, f_hi = new_lo, new_hi, new_f_lo, new_f_hi
    return f_lo, f_hi, lo, hi, cap


def _leaks(lo: np.ndarray, hi: np.ndarray, n: np.ndarray, rules: DisclosureRules) -> np.ndarray:
    g = rules.group_max_pct / 100.0
    bad = (lo == hi) & (lo >= 1) & (lo < rules.min_units)
    bad |= (n > 0) & (lo > g * n)
    if rules.group_low:
        bad |= (n > 0) & (hi < (1.0 - g) * n)
    return bad


def protect_perturbed(
    fam: Family,
    perturbed: np.ndarray,
    truth: np.ndarray,
    shown: np.ndarray,
    rules: DisclosureRules,
) -> np.ndarray:
    """Return which published features keep their value of one count (``shown``, repaired).

    Parameters
    ----------
    fam
        The published family.
    perturbed, truth
        Per feature of ``fam``: the perturbed and the true count.
    shown
        Per feature: whether its value of the count is published (before this step).
    rules
        The rules (``cell_key_d``, ``min_units``, group disclosure).

    Returns
    -------
    numpy.ndarray
        ``shown`` with the values that published sums would pin hidden.
    """
    shown = shown.copy()
    d = rules.cell_key_d
    p = np.asarray(perturbed, dtype=np.int64)
    n_f = fam.n_feature
    atoms_of = pd.Series(fam.part).groupby(fam.cons).apply(np.asarray)
    features_of = pd.Series(fam.cons).groupby(fam.part).apply(np.asarray)
    for _ in range(len(shown) + 1):
        f_lo = np.where(shown, np.maximum(p - d, (p >= 1).astype(np.int64)), 0)
        f_hi = np.where(shown, np.minimum(p + d, n_f), n_f)
        f_lo, f_hi, lo, hi, cap = _propagate(fam, f_lo, f_hi)
        if ((truth < f_lo) | (truth > f_hi)).any():  # pragma: no cover - a self-check
            raise RuntimeError("cell-key protection: the bounds exclude a true count")
        bad_f = np.flatnonzero(_leaks(f_lo, f_hi, n_f, rules))
        bad_a = np.flatnonzero(_leaks(lo, hi, cap, rules))
        if not len(bad_f) and not len(bad_a):
            return shown
        hide = _repairs(bad_f, bad_a, shown, n_f, (atoms_of, features_of))
        if not hide:  # pragma: no cover - a pinned value always rests on a shown one
            raise RuntimeError("cell-key protection found a leak it cannot repair")
        shown[hide] = False
    raise RuntimeError("cell-key protection did not converge")  # pragma: no cover


def _repairs(
    bad_f: np.ndarray,
    bad_a: np.ndarray,
    shown: np.ndarray,
    n_f: np.ndarray,
    incidence: tuple[pd.Series, pd.Series],
) -> list[int]:
    """Pick the values to hide this round: one per neighbourhood of leaks, smallest first.

    A hidden value widens the bounds of its feature and of the feature just above it, so
    other leaks there are left for the next round (they may be gone by then).
    """
    atoms_of, features_of = incidence
    leaks = [(int(n_f[x]), 0, int(x)) for x in bad_f]
    leaks += [(int(n_f[features_of[a]].min()), 1, int(a)) for a in bad_a]
    hide: list[int] = []
    touched: set[int] = set()
    for _, is_atom, x in sorted(leaks):
        atoms = {x} if is_atom else set(atoms_of[x].tolist())
        if atoms & touched:
            continue
        if not is_atom and shown[x]:
            pick = x
        else:
            near = np.unique(np.concatenate([features_of[a] for a in atoms]))
            pool = near[(near != (-1 if is_atom else x)) & shown[near]]
            if not len(pool):
                continue
            pick = int(pool[np.lexsort((pool, n_f[pool]))[0]])
        hide.append(pick)
        touched |= set(atoms_of[pick].tolist())
        around = np.unique(np.concatenate([features_of[a] for a in atoms_of[pick]]))
        above = around[n_f[around] > n_f[pick]]
        if len(above):
            parent = int(above[np.lexsort((above, n_f[above]))[0]])
            touched |= set(atoms_of[parent].tolist())
    return hide
