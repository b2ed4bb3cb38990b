"""The reasons-for-hiding attack: the fact that a value is hidden must not give it away.

An attacker who knows the rules sees a feature whose population is published but whose
count is not. Which rules could have hidden it? Group disclosure (a share beyond the limit)
and the company rules (too few companies, or one or two dominating) *name* the hidden fact:
next to 10–41 addresses a hidden count then means "(almost) all of them", next to 10–22
companies "one or two". A value is safe only if a rule that names nothing could equally
have hidden it:

* **secondary suppression**: another hidden value of the same count, on a different set of
  units, shares a published sum with it: one contains the other, both lie in a common
  published feature, or both are top-level features of one geography (no published
  feature contains either);
* **a union of regions**: a feature outside the nested family (an H3 cell, a park) made of
  several regions is hidden when one of them is not exact;
* **small counts**, when the rules suppress them (``small_count = "suppress"``): a count of
  1 to ``min_units − 1`` is the ordinary reason, and names no share.

A feature that shows the same units as another (a buurt of one region) is one set: its
value is hidden only if it is hidden everywhere. The attack works on the published files
and the units' membership in published features, with its own code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zicht.check._files import PublishedLayer
from zicht.check._report import CheckReport

__all__ = ["check_reasons"]

#: Layers of the nested family (the others are unions of whole regions).
_NESTED = ("region", "buurt", "wijk", "gemeente")


def _signatures(membership: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """One row per published feature: its layer, id, units and a key of its unit set."""
    idx = np.arange(len(membership), dtype=np.float64)
    rows = []
    for label in labels:
        member = membership[label].to_numpy()
        keep = member != ""
        frame = pd.DataFrame({"area_id": member[keep], "i": idx[keep]})
        frame["i2"] = (frame["i"] * 7919.0) % 104729.0
        grouped = frame.groupby("area_id").agg(n=("i", "size"), s=("i", "sum"), s2=("i2", "sum"))
        grouped["layer"] = label
        rows.append(grouped.reset_index())
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["set"] = pd.factorize(
            pd.MultiIndex.from_frame(out[["n", "s", "s2"]].astype("float64"))
        )[0]
    return out


def _containers(
    membership: pd.DataFrame, labels: Sequence[str], sets: pd.DataFrame
) -> dict[int, set[int]]:
    """For every set, the sets of published features that strictly contain it."""
    set_of = {(r.layer, r.area_id): r.set for r in sets.itertuples(index=False)}
    size = sets.drop_duplicates("set").set_index("set")["n"]
    out: dict[int, set[int]] = {int(s): set() for s in sets["set"].unique()}
    for a in labels:
        for b in labels:
            if a == b:
                continue
            pair = membership.loc[membership[a] != "", [a, b]]
            spread = pair.groupby(a)[b].agg(["nunique", "first"])
            inside = spread[(spread["nunique"] == 1) & (spread["first"] != "")]
            for feature, outer in zip(inside.index, inside["first"], strict=True):
                small, big = set_of[(a, feature)], set_of[(b, outer)]
                if size[big] > size[small]:
                    out[int(small)].add(int(big))
    return out


def _multi_region(membership: pd.DataFrame, labels: Sequence[str]) -> set[tuple[str, str]]:
    """Features outside the nested family whose units lie in several regions."""
    if "region" not in membership:
        return set()
    out = set()
    for label in labels:
        if label in _NESTED:
            continue
        pair = membership.loc[membership[label] != "", [label, "region"]]
        spread = pair.groupby(label)["region"].nunique()
        out |= {(label, str(a)) for a in spread.index[spread > 1]}
    return out


def _explained_sets(
    hidden: set[int],
    containers: dict[int, set[int]],
    layers_of: dict[int, set[str]],
) -> set[int]:
    """Return the hidden sets that another hidden set shares a published sum with.

    A hidden set ``s`` is explained by another hidden set ``g`` when one contains the other,
    both lie in one published feature, or neither lies in any and both are in one layer.
    Counted once over all hidden sets instead of once per pair.
    """
    in_hidden = {c for s in hidden for c in containers[s]}  # sets holding a hidden set
    shared: dict[int, int] = {}  # container → hidden sets inside it
    bare: dict[str, int] = {}  # layer → hidden sets inside no published feature
    for s in hidden:
        for c in containers[s]:
            shared[c] = shared.get(c, 0) + 1
        if not containers[s]:
            for layer in layers_of[s]:
                bare[layer] = bare.get(layer, 0) + 1
    out = set()
    for s in hidden:
        mine = containers[s]
        if (
            s in in_hidden
            or mine & hidden
            or any(shared[c] > 1 for c in mine)
            or (not mine and any(bare[layer] > 1 for layer in layers_of[s]))
        ):
            out.add(s)
    return out


@dataclass
class _Hidden:
    """The sets of units whose value of one count is hidden next to a published population."""

    hidden: set[int] = field(default_factory=set)
    structural: set[int] = field(default_factory=set)
    where: dict[int, list[str]] = field(default_factory=dict)
    size: dict[int, int] = field(default_factory=dict)


def _hidden_sets(
    main: Sequence[PublishedLayer],
    column: str,
    set_of: dict[tuple[str, str], int],
    multi: set[tuple[str, str]],
) -> _Hidden:
    """Collect the sets whose value of ``column`` is hidden next to a published population.

    A value shown on the same units elsewhere is published, so that set is not hidden.
    """
    out = _Hidden()
    shown: set[int] = set()
    for layer in main:
        if column not in layer.frame:
            continue
        frame = layer.frame[layer.published]
        value = pd.to_numeric(frame[column], errors="coerce")
        n_pub = pd.to_numeric(frame["n_units"], errors="coerce")
        for area, v, n in zip(frame["area_id"], value, n_pub, strict=True):
            s = set_of.get((layer.label, str(area)))
            if s is None or not np.isfinite(n):
                continue
            if np.isfinite(v):
                shown.add(s)
                continue
            out.hidden.add(s)
            out.where.setdefault(s, []).append(f"{layer.label}:{area}")
            out.size.setdefault(s, int(n))
            if (layer.label, str(area)) in multi:
                out.structural.add(s)
    out.hidden -= shown
    return out


def check_reasons(
    layers: Sequence[PublishedLayer],
    membership: pd.DataFrame,
    indicators: Sequence[dict[str, Any]],
    rules: dict[str, Any],
    report: CheckReport,
) -> int:
    """Fail every hidden value that only a rule naming the hidden fact could have hidden.

    Parameters
    ----------
    layers
        The published layers of the release (not those of ``--against``).
    membership
        Per unit and layer label, the published feature it lies in (``""`` for none).
    indicators
        The manifest's indicators (``column``, ``role``, ``basis``).
    rules
        The rules the release is judged by.
    report
        Where violations go.

    Returns
    -------
    int
        The hidden values examined.
    """
    main = [x for x in layers if x.release == "" and x.label in membership]
    labels = [x.label for x in main]
    sets = _signatures(membership, labels)
    if not len(sets):
        return 0
    multi = _multi_region(membership, labels)
    layers_of: dict[int, set[str]] = {}
    for r in sets.itertuples(index=False):
        layers_of.setdefault(int(r.set), set()).add(str(r.layer))
    set_of = {(r.layer, r.area_id): int(r.set) for r in sets.itertuples(index=False)}
    counts = [x for x in indicators if x.get("role") == "count"]
    found = {ind["column"]: _hidden_sets(main, ind["column"], set_of, multi) for ind in counts}
    examined = sum(len(h.hidden) for h in found.values())
    # containment only matters for the hidden sets: read it from their units alone
    ids = {label: set() for label in labels}
    for h in found.values():
        for name in (n for s in h.hidden for n in h.where[s]):
            label, _, area = name.rpartition(":")
            ids[label].add(area)
    rows = np.zeros(len(membership), dtype=bool)
    for label, wanted in ids.items():
        rows |= membership[label].isin(wanted).to_numpy()
    containers = _containers(membership[rows], labels, sets)
    if rules.get("small_count") == "suppress":
        found = {}  # a small count is a reason that names no share
    for ind in counts:
        h = found.get(ind["column"])
        if h is None:
            continue
        explained = _explained_sets(h.hidden, containers, layers_of)
        for s in sorted(h.hidden - h.structural - explained):
            reasons = ["group disclosure"]
            if ind.get("basis") == "companies":
                reasons.append("the company rules")
            report.add(
                "reasons for hiding",
                f"{' = '.join(h.where[s])} {ind['column']}",
                f"hidden next to a published population of {h.size[s]}, and only "
                f"{' or '.join(reasons)} could have hidden it (no other hidden value shares "
                "a published sum with it): the hiding itself names the value",
            )
    report.tried.append(
        f"reasons for hiding: {examined} hidden counts on features with a published "
        "population, each tested for a rule that names nothing (secondary suppression, a "
        "union of regions, a small count)"
    )
    return examined
