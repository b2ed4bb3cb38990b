"""What the attacker can bound for the largest contributor of a magnitude (issue 17.4, 17.8).

Its own code (it shares none with zicht), used by ``tests/ilp_attacker.py``. A magnitude is
a sum (or a mean over the units) of an amount per area; the rules protect the largest
contributor of every area against the second largest, who knows its own contributions
(the p% rule: the rest of the total is at least ``p_pct`` per cent of the largest).

**The model.** A linear programme per target, ``scipy.optimize.linprog`` (HiGHS). One
variable ``y ≥ 0`` per contributor and *atom* (the units in the same published feature of
every magnitude layer) where that contributor has units: the attacker knows where every
company is (the trade register says so), not what it claims. Every published value
bounds the sum of its atoms: a sum to within half its last decimal; a mean over the units
times the exact population likewise (a mean per another column, whose total is not
published, gives nothing here). The coalition of the second largest contributor of the
target knows its own ``y`` everywhere.

**What it proves.** For every feature of every magnitude layer (published or not) whose
total is positive: the largest ``x1`` the published values allow the target's largest
contributor, ``ub``. The policy is kept when ``ub ≥ (1 + p/100) · x1``: the runner-up
cannot estimate the largest to within p per cent, through any difference of published
values. Otherwise the finding is ``largest contributor within p%``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog


def _atoms(release: Any, layers: list[str]) -> np.ndarray:
    key = pd.DataFrame({name: release.membership(name).to_numpy() for name in layers})
    return pd.MultiIndex.from_frame(key).factorize()[0]


def attack_magnitudes(release: Any) -> tuple[list[tuple[str, str, int, float, float]], int]:
    """Return the targets pinned within p% (column, feature, contributors, x1, ub), and solves.

    ``release`` is the attacker's reading of a release (``ilp_attacker.Release``).
    """
    declared = dict((release.manifest.get("disclosure") or {}).get("magnitudes") or {})
    p = float(release.manifest["rules"].get("p_pct", 10.0)) / 100.0
    findings, solves = [], 0
    units = release.units
    for column, spec in declared.items():
        if spec.get("amount") not in units:
            continue
        layers = [n for n, f in release.layers.items() if column in f]
        if not layers:
            continue
        amount = pd.to_numeric(units[spec["amount"]], errors="coerce").fillna(0.0).to_numpy()
        who = (
            units[spec["contributor"]].astype(str).to_numpy()
            if spec.get("contributor") in units
            else units["unit_id"].astype(str).to_numpy()
        )
        atom = _atoms(release, layers)
        pairs = pd.DataFrame({"who": who, "atom": atom, "amount": amount})
        var = pairs.groupby(["who", "atom"], sort=True)["amount"].sum()
        var_who = var.index.get_level_values("who").to_numpy()
        var_atom = var.index.get_level_values("atom").to_numpy()
        truth = var.to_numpy()
        a, lo, hi = _published_sums(release, layers, column, spec, atom, var_atom)
        for name in layers:
            feature = release.all_features(name).to_numpy()
            atoms_of = pd.DataFrame({"f": feature, "atom": atom})
            atoms_of = atoms_of[atoms_of["f"] != ""].drop_duplicates()
            for f, group in atoms_of.groupby("f"):
                # only whole atoms: a feature that cuts an atom is not a target here
                rows = np.isin(var_atom, group["atom"].to_numpy())
                if not rows.any() or truth[rows].sum() <= 0:
                    continue
                per_who = pd.Series(truth[rows]).groupby(var_who[rows]).sum()
                per_who = per_who.sort_values(ascending=False)
                first = per_who.index[0]
                x1 = float(per_who.iloc[0])
                fixed = var_who == per_who.index[1] if len(per_who) > 1 else np.zeros_like(rows)
                target = rows & (var_who == first)
                ub = _maximise(target, a, lo, hi, fixed, truth)
                solves += 1
                if ub < (1.0 + p) * x1 - 1e-6 * max(x1, 1.0):
                    findings.append((column, f"{name}:{f}", len(per_who), x1, ub))
    return findings, solves


def _published_sums(
    release: Any,
    layers: list[str],
    column: str,
    spec: dict[str, Any],
    atom: np.ndarray,
    var_atom: np.ndarray,
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Rows over the variables for every published value, with their bounds."""
    half = 0.5 * 10.0 ** (-int(spec.get("decimals", 0))) + 1e-9
    rows, lo, hi = [], [], []
    n_atoms = int(atom.max()) + 1 if len(atom) else 0
    for name in layers:
        frame = release.layers[name].set_index("area_id")
        value = pd.to_numeric(frame[column], errors="coerce")
        member = release.membership(name).to_numpy()
        for f, v in value[value.notna()].items():
            inside = np.zeros(n_atoms, dtype=bool)
            inside[atom[member == f]] = True
            n = int((member == f).sum())
            if spec.get("kind") == "sum":
                lo.append(v - half)
                hi.append(v + half)
            elif spec.get("kind") == "mean" and not spec.get("per"):
                lo.append((v - half) * n)
                hi.append((v + half) * n)
            else:
                continue
            rows.append(inside[var_atom].astype(float))
    if not rows:
        return sparse.csr_matrix((0, len(var_atom))), np.zeros(0), np.zeros(0)
    return sparse.csr_matrix(np.vstack(rows)), np.asarray(lo), np.asarray(hi)


def _maximise(
    target: np.ndarray,
    a: sparse.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    fixed: np.ndarray,
    truth: np.ndarray,
) -> float:
    """The largest sum of the ``target`` variables under the published values."""
    bounds = [(t, t) if f else (0.0, None) for f, t in zip(fixed, truth, strict=True)]
    if a.shape[0]:
        a_ub = sparse.vstack([a, -a], format="csr")
        b_ub = np.concatenate([hi, -lo])
    else:
        a_ub, b_ub = None, None
    res = linprog(-target.astype(float), A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status == 3:  # unbounded: nothing published caps it
        return float("inf")
    if res.status != 0:
        raise AssertionError(f"the magnitude attacker's model has no solution: {res.message}")
    return float(-res.fun)
