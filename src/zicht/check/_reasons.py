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
* **a union of regions**: a feature outside the nested family (an H3 cell, a park, a wijk
  by location whose buurten do not nest in it) made of several regions is hidden when one
  of them is not exact;
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
    """One row per published feature: its layer, id, units and a key of its unit set.

    Per layer, the features in sorted order of their ids; the key is the number of units
    and two sums over their row numbers (exact: integers far below 2**53).
    """
    idx = np.arange(len(membership), dtype=np.float64)
    idx2 = (idx * 7919.0) % 104729.0
    rows = []
    for label in labels:
        member = membership[label].to_numpy(dtype=object)
        keep = member != ""
        codes, ids = pd.factorize(member[keep], sort=True)
        size = len(ids)
        rows.append(
            pd.DataFrame(
                {
                    "area_id": np.asarray(ids, dtype=object),
                    "n": np.bincount(codes, minlength=size).astype(np.int64),
                    "s": np.bincount(codes, weights=idx[keep], minlength=size),
                    "s2": np.bincount(codes, weights=idx2[keep], minlength=size),
                    "layer": label,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["set"] = pd.factorize(
            pd.MultiIndex.from_frame(out[["n", "s", "s2"]].astype("float64"))
        )[0]
    return out


def _containers(
    membership: pd.DataFrame, labels: Sequence[str], sets: pd.DataFrame
) -> dict[int, set[int]]:
    """For every set, the sets of published features that strictly contain it.

    A feature of layer ``a`` lies in a feature of layer ``b`` when all its units share one
    feature of ``b`` (not none); its set is contained when that feature has more units.
    """
    out: dict[int, set[int]] = {int(s): set() for s in sets["set"].unique()}
    lookup = {
        label: pd.Series(part["set"].to_numpy(), index=part["area_id"].to_numpy())
        for label, part in sets.groupby("layer", sort=False)
    }
    size = sets.drop_duplicates("set").set_index("set")["n"]
    columns = {label: membership[label].to_numpy(dtype=object) for label in labels}
    for a in labels:
        keep = columns[a] != ""
        if not keep.any() or a not in lookup:
            continue
        ca, a_ids = pd.factorize(columns[a][keep])
        for b in labels:
            if a == b or b not in lookup:  # a layer without a published feature
                continue
            cb, b_ids = pd.factorize(columns[b][keep])
            lo = np.full(len(a_ids), np.iinfo(np.int64).max)
            hi = np.full(len(a_ids), -1)
            np.minimum.at(lo, ca, cb)
            np.maximum.at(hi, ca, cb)
            one = np.flatnonzero(lo == hi)
            outer = np.asarray(b_ids, dtype=object)[lo[one]]
            real = outer != ""
            small = lookup[a].reindex(np.asarray(a_ids, dtype=object)[one[real]]).to_numpy()
            big = lookup[b].reindex(outer[real]).to_numpy()
            grows = size.reindex(big).to_numpy() > size.reindex(small).to_numpy()
            for sm, bg in zip(small[grows], big[grows], strict=True):
                out[int(sm)].add(int(bg))
    return out


def _union_layers(
    main: Sequence[PublishedLayer], membership: pd.DataFrame, piece_keys: Sequence[str]
) -> set[str]:
    """Labels of the layers outside the nested family: unions of whole regions.

    A layer named outside :data:`_NESTED` (the H3 layer, parks), and a layer with a nested
    name whose unit key is one the regions' pieces carry besides the cell and the finest
    area (the 2022 wijken by location of the national run, ``wijk_area_code``), provided
    the units show it: no region has units in two of its features (or in one and none).
    """
    extra = set(piece_keys[2:])
    out = {x.label for x in main if x.label not in _NESTED}
    if "region" not in membership:
        return out
    for x in main:
        if x.label in _NESTED and x.label != "region" and x.unit_key in extra:
            pair = membership[["region", x.label]]
            pair = pair[pair["region"] != ""]
            if len(pair) and (pair.groupby("region")[x.label].nunique() <= 1).all():
                out.add(x.label)
    return out


def _multi_region(membership: pd.DataFrame, unions: set[str]) -> set[tuple[str, str]]:
    """Features of the union layers whose units lie in several regions."""
    if "region" not in membership:
        return set()
    out = set()
    for label in sorted(unions):
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
    manifest: dict[str, Any],
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
    manifest
        The release's manifest: its ``indicators`` (``column``, ``role``, ``basis``) and
        ``piece_keys`` (the keys of the regions' pieces: ``h3_cell``, the finest area, then
        the keys of the layers outside the nested family).
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
    indicators = list(manifest.get("indicators", []))
    piece_keys = list(manifest.get("piece_keys", []))
    labels = [x.label for x in main]
    sets = _signatures(membership, labels)
    if not len(sets):
        return 0
    multi = _multi_region(membership, _union_layers(main, membership, piece_keys))
    layers_of: dict[int, set[str]] = {}
    set_ids = sets["set"].to_numpy().tolist()
    layer_names = sets["layer"].astype(str).tolist()
    for set_id, layer_name in zip(set_ids, layer_names, strict=True):
        layers_of.setdefault(set_id, set()).add(layer_name)
    keys = zip(layer_names, sets["area_id"].tolist(), strict=True)
    set_of = dict(zip(keys, set_ids, strict=True))
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
