"""Attack the magnitudes (sums and means of an amount) of a written release.

The checker's own code, sharing nothing with the publisher: from the units file it
recomputes every published sum or mean and the contributions of every contributor, and
fails a release where

* a published value differs from the units (beyond its declared decimals);
* a published area's contributions break the rules: a non-zero sum on fewer than
  ``min_companies`` contributors, the ``dominance_n`` largest above ``dominance_pct`` per
  cent, or the p% rule (the total minus the two largest below ``p_pct`` per cent of the
  largest);
* a set an attacker derives by subtraction breaks them: every published total minus the
  largest published totals inside it (the union of the areas hidden together), with the
  contributions of one contributor added up over that union. Where the published totals
  inside one are not disjoint, each difference with one of them is tested instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zicht.check._report import CheckReport

__all__ = ["check_magnitudes", "rule_broken"]


def rule_broken(values: np.ndarray, rules: dict[str, Any]) -> str | None:
    """Return the magnitude rule that per-contributor ``values`` break, or ``None``."""
    x = np.sort(np.asarray(values, dtype=float)[np.asarray(values, dtype=float) > 0])[::-1]
    total = x.sum()
    if total <= 0:
        return None
    if x.size < int(rules.get("min_companies", 3)):
        return f"{x.size} contributor(s)"
    n = int(rules.get("dominance_n", 2))
    k = float(rules.get("dominance_pct", 85.0))
    if x[:n].sum() > k / 100 * total * (1 + 1e-12):
        return f"{n} largest contributors hold {100 * x[:n].sum() / total:.1f} % (> {k:g} %)"
    p = float(rules.get("p_pct", 10.0))
    if total - x[:2].sum() < p / 100 * x[0] * (1 - 1e-12):
        return f"p% rule: the rest is {total - x[:2].sum():.4g}, below {p:g} % of the largest"
    return None


def _contributions(rows: np.ndarray, who: np.ndarray, amount: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"who": who[rows], "amount": amount[rows]})
    return frame.groupby("who")["amount"].sum().to_numpy()


def check_magnitudes(
    layers: list[Any],
    membership: pd.DataFrame,
    units: pd.DataFrame,
    manifest: dict[str, Any],
    rules: dict[str, Any],
    report: CheckReport,
) -> None:
    """Check every magnitude column of ``layers`` against the units and the rules.

    Parameters
    ----------
    layers
        The release's published layers (``label``, ``frame``).
    membership
        Per layer label the published feature of every unit (``""`` where none).
    units
        The units file.
    manifest
        The release manifest; ``disclosure.magnitudes`` declares the columns.
    rules
        The rules the release is judged by.
    report
        Where violations go.
    """
    declared = dict((manifest.get("disclosure") or {}).get("magnitudes") or {})
    for column, spec in declared.items():
        needed = [c for c in (spec.get("amount"), spec.get("contributor"), spec.get("per")) if c]
        missing = [c for c in needed if c not in units]
        if missing:
            report.add("magnitudes", column, f"units file lacks columns {missing}")
            continue
        _check_column(column, spec, layers, membership, units, rules, report)


def _check_column(
    column: str,
    spec: dict[str, Any],
    layers: list[Any],
    membership: pd.DataFrame,
    units: pd.DataFrame,
    rules: dict[str, Any],
    report: CheckReport,
) -> None:
    amount = pd.to_numeric(units[spec["amount"]], errors="coerce").fillna(0.0).to_numpy(float)
    who = units[spec["contributor"]].astype(str).to_numpy() if spec.get("contributor") else None
    if who is None:
        who = np.arange(len(units)).astype(str)
    if spec.get("per"):
        weight = pd.to_numeric(units[spec["per"]], errors="coerce").fillna(0.0).to_numpy(float)
    else:
        weight = np.ones(len(units))
    decimals = int(spec.get("decimals", 0))
    features: list[tuple[str, str, np.ndarray]] = []
    for layer in layers:
        if column not in layer.frame or layer.label not in membership:
            continue
        member = membership[layer.label].to_numpy()
        shown = layer.frame[pd.to_numeric(layer.frame[column], errors="coerce").notna()]
        for area, value in zip(shown["area_id"], shown[column], strict=True):
            rows = np.flatnonzero(member == area)
            total = amount[rows].sum()
            truth = total if spec.get("kind") == "sum" else total / max(weight[rows].sum(), 1e-300)
            if abs(float(value) - truth) > 0.5 * 10.0**-decimals + 1e-9 * abs(truth):
                report.add(
                    "magnitudes",
                    f"{layer.label}:{area}",
                    f"{column} = {value} but the units give {truth:.6g}",
                )
            broken = rule_broken(_contributions(rows, who, amount), rules)
            if broken:
                report.add("magnitudes", f"{layer.label}:{area}", f"{column}: {broken}")
            features.append((layer.label, str(area), rows))
    unions = _derived_unions(features, len(units))
    for name, rows in unions:
        broken = rule_broken(_contributions(rows, who, amount), rules)
        if broken:
            report.add("magnitudes", name, f"{column}, the areas hidden together: {broken}")
    report.tried.append(
        f"{column}: {len(features)} published values against the units and the p% / "
        f"dominance rules; {len(unions)} derived unions (a total minus its published parts)"
    )


def _derived_unions(
    features: list[tuple[str, str, np.ndarray]], n_units: int
) -> list[tuple[str, np.ndarray]]:
    """Every published total minus the largest published totals inside it."""
    sets = [frozenset(rows.tolist()) for _, _, rows in features]
    out = []
    for i, (label, area, rows) in enumerate(features):
        inside = [j for j, s in enumerate(sets) if j != i and s < sets[i] and s]
        maximal = [j for j in inside if not any(sets[j] < sets[m] for m in inside if m != j)]
        covered = np.zeros(n_units, dtype=bool)
        disjoint = True
        for j in maximal:
            part = features[j][2]
            disjoint &= not covered[part].any()
            covered[part] = True
        if not maximal:
            continue
        if disjoint:
            rest = rows[~covered[rows]]
            if rest.size:
                out.append((f"{label}:{area} minus {len(maximal)} published parts", rest))
            continue
        for j in maximal:
            rest = np.setdiff1d(rows, features[j][2])
            out.append((f"{label}:{area} minus {features[j][0]}:{features[j][1]}", rest))
    return out
