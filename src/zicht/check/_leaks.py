"""Differencing attacks for :mod:`zicht.check`, written apart from the publisher.

Nothing here imports from zicht: the checker must not trust the code it checks. Units are
grouped into *atoms* (units that lie in the same published feature of every layer); a
feature is a set of atoms. Three attacks are run on a quantity (population or the count of
an indicator), given which features' values the attacker knows exactly:

* **pairs** — for every pair of layers, every known feature minus the known features of the
  other layer that lie inside it, and the union of the features a straddling feature
  touches minus everything known inside that union;
* **laminar family** — when the known features of all layers (after dropping features that
  are exact sums of smaller known ones) are nested or disjoint, every derivable set is a
  union of *residual blocks* (a feature minus its largest known sub-features), so checking
  the blocks is complete;
* **interval propagation** — every feature's count is known as an interval (exact, a
  rounding interval, or ``[0, n]``); intervals are narrowed through every published sum
  until stable, and any count that collapses to a small value is a leak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Atoms",
    "Finding",
    "Propagation",
    "atom_label",
    "incidence",
    "laminar_blocks",
    "pair_differences",
    "propagate_intervals",
]


@dataclass(frozen=True)
class Finding:
    """A derivable set of units whose value breaks a rule."""

    attack: str
    layers: str
    features: str
    units: int
    value: int
    what: str


@dataclass
class Atoms:
    """Units grouped by their feature in every layer.

    Attributes
    ----------
    keys
        One column per layer with the feature id of each atom (``""``: in no published
        feature of that layer).
    n
        Units per atom.
    values
        Named per-atom sums (indicator counts).
    """

    keys: pd.DataFrame
    n: np.ndarray
    values: dict[str, np.ndarray]

    @classmethod
    def from_units(cls, membership: pd.DataFrame, values: dict[str, np.ndarray]) -> Atoms:
        """Group units (rows of ``membership``) into atoms."""
        codes = [pd.factorize(membership[c])[0] for c in membership.columns]
        if not codes:
            return cls(membership.iloc[:0], np.zeros(0, dtype=np.int64), {})
        key = pd.MultiIndex.from_arrays(codes) if len(codes) > 1 else pd.Index(codes[0])
        atom = pd.factorize(key)[0]
        uniq, where = np.unique(atom, return_index=True)
        keys = membership.iloc[where].reset_index(drop=True)
        n = np.bincount(atom, minlength=len(uniq)).astype(np.int64)
        sums = {
            name: np.bincount(atom, weights=v, minlength=len(uniq)).astype(np.int64)
            for name, v in values.items()
        }
        return cls(keys=keys, n=n, values=sums)


def _features(keys: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Feature code of every atom (``-1`` where none) and the feature ids."""
    codes, ids = pd.factorize(keys)
    codes = codes.astype(np.int64)
    empty = ids.get_indexer([""])
    if len(empty) and empty[0] >= 0:
        codes[codes == empty[0]] = -1
    return codes, ids


def _check(
    q: np.ndarray,
    n: np.ndarray,
    min_units: int,
    group_pct: float | None,
    group_low: bool,
) -> np.ndarray:
    bad = (q >= 1) & (q < min_units)
    if group_pct is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(n > 0, 100.0 * q / np.maximum(n, 1), 0.0)
        bad |= (n > 0) & (share > group_pct)
        if group_low:
            bad |= (n > 0) & (share < 100.0 - group_pct)
    return bad


def _sorted_codes(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Code of every atom's feature in the sorted feature ids (``-1`` where none), the ids."""
    ids, codes = np.unique(keys.to_numpy(dtype=object).astype(str), return_inverse=True)
    codes = codes.astype(np.int64).ravel()
    if len(ids) and ids[0] == "":  # '' sorts first: in no feature of the layer
        return codes - 1, ids[1:]
    return codes, ids


def _sums(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per ``index`` (``0 … size-1``)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


@dataclass(frozen=True)
class _Side:
    """The pairs of features of two layers seen from one of them (*this*, the *other*)."""

    this: np.ndarray  # code in this layer of every (this, other) pair with units (-1: none)
    other: np.ndarray
    n: np.ndarray
    q: np.ndarray
    ids: np.ndarray  # this layer's feature ids, sorted
    other_ids: np.ndarray
    n_this: int
    n_other: int
    known_this: np.ndarray  # bool per feature
    known_other: np.ndarray

    def touches(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per other-layer feature: how many of this layer's (or '') it touches, whether ''."""
        rows = self.other >= 0
        o, t = self.other[rows], self.this[rows]
        size = np.bincount(o, minlength=self.n_other)
        blank = np.zeros(self.n_other, dtype=bool)
        blank[o[t < 0]] = True
        return o, t, size, blank

    def per_this(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the sums of n and q over the given pairs, per feature of this layer."""
        return _sums(self.this[rows], self.n[rows], self.n_this), _sums(
            self.this[rows], self.q[rows], self.n_this
        )


def pair_differences(
    atoms: Atoms,
    layer_a: str,
    layer_b: str,
    known: dict[str, set[str]],
    quantity: str,
    *,
    min_units: int,
    group_pct: float | None = None,
    group_low: bool = False,
) -> tuple[list[Finding], int]:
    """Contained and cover differences between two layers.

    Returns the findings and the number of differences tried.
    """
    q_all = atoms.n if quantity == "n_units" else atoms.values[quantity]
    code_a, ids_a = _sorted_codes(atoms.keys[layer_a])
    code_b, ids_b = _sorted_codes(atoms.keys[layer_b])
    keep = (code_a >= 0) | (code_b >= 0)
    width = len(ids_b) + 1
    combos, where = np.unique((code_a[keep] + 1) * width + code_b[keep] + 1, return_inverse=True)
    where = where.ravel()
    pair_a, pair_b = combos // width - 1, combos % width - 1
    pair_n = _sums(where, np.asarray(atoms.n)[keep], len(combos))
    pair_q = _sums(where, np.asarray(q_all, dtype=np.int64)[keep], len(combos))
    findings: list[Finding] = []
    tried = 0
    sides = (
        (layer_a, layer_b, pair_a, pair_b, ids_a, ids_b),
        (layer_b, layer_a, pair_b, pair_a, ids_b, ids_a),
    )
    for name_this, name_other, this, other, ids_this, ids_other in sides:
        side = _Side(
            this,
            other,
            pair_n,
            pair_q,
            ids_this,
            ids_other,
            len(ids_this),
            len(ids_other),
            np.isin(ids_this, list(known.get(name_this, set()))),
            np.isin(ids_other, list(known.get(name_other, set()))),
        )
        for attack, (labels, nn, qq) in (
            ("feature minus the features inside it", _contained(side)),
            ("features around a straddling feature minus what lies inside", _covers(side)),
        ):
            tried += len(labels)
            bad = _check(qq, nn, min_units, group_pct, group_low) & (nn > 0)
            findings += [
                Finding(attack, f"{name_this} / {name_other}", str(lab), int(n_), int(q_), quantity)
                for lab, n_, q_ in zip(labels[bad], nn[bad], qq[bad], strict=True)
            ]
    return findings, tried


_NONE = (np.array([], dtype=object), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _contained(side: _Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each known feature minus the known features of the other layer that lie inside it."""
    _, _, size, blank = side.touches()
    inside = (size == 1) & ~blank & side.known_other
    if not inside.any():
        return _NONE
    sub_rows = (side.other >= 0) & inside[side.other]
    sub_n, sub_q = side.per_this(sub_rows)
    has_sub = np.zeros(side.n_this, dtype=bool)
    has_sub[side.this[sub_rows]] = True
    total_n, total_q = side.per_this(side.this >= 0)
    cand = np.flatnonzero(has_sub & side.known_this)
    return side.ids[cand], total_n[cand] - sub_n[cand], total_q[cand] - sub_q[cand]


def _covers(side: _Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subtract what is known inside the features a straddling feature touches."""
    o, t, size, blank = side.touches()
    straddle = (size > 1) & ~blank & side.known_other
    if not straddle.any():
        return _NONE
    # straddling known features whose every touched feature of this layer is known
    unknown = np.zeros(side.n_other, dtype=bool)
    unknown[o[straddle[o] & ~side.known_this[np.maximum(t, 0)]]] = True
    ok = straddle & ~unknown
    cover = ok[o]
    s, a = o[cover], t[cover]
    if not len(s):
        return _NONE
    # each feature of this layer minus the known other-layer features wholly inside it
    single = (size == 1) & ~blank & side.known_other
    total_n, total_q = side.per_this(side.this >= 0)
    sub_n, sub_q = side.per_this((side.other >= 0) & single[side.other])
    x_n = _sums(s, (total_n - sub_n)[a], side.n_other)
    x_q = _sums(s, (total_q - sub_q)[a], side.n_other)
    # straddling features t whose cover lies inside the cover of s (s itself too)
    order = np.argsort(a, kind="stable")
    start = np.searchsorted(a[order], a, "left")
    count = np.searchsorted(a[order], a, "right") - start
    right = np.repeat(start - np.cumsum(count) + count, count) + np.arange(count.sum())
    joined, shared = np.unique(
        np.repeat(s, count) * side.n_other + s[order][right], return_counts=True
    )
    js, jt = joined // side.n_other, joined % side.n_other
    inside = shared == size[jt]
    rows = side.other >= 0
    value_n = _sums(side.other[rows], side.n[rows], side.n_other)
    value_q = _sums(side.other[rows], side.q[rows], side.n_other)
    x_n -= _sums(js[inside], value_n[jt[inside]], side.n_other)
    x_q -= _sums(js[inside], value_q[jt[inside]], side.n_other)
    found = np.flatnonzero(ok)
    labels = np.array([f"around {i}" for i in side.other_ids[found]], dtype=object)
    return labels, x_n[found], x_q[found]


def incidence(atoms: Atoms, known: dict[str, set[str]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(feature, atom) pairs of the known features of all layers; feature labels."""
    feats: list[np.ndarray] = []
    atom_ids: list[np.ndarray] = []
    labels: list[str] = []
    base = 0
    for layer in atoms.keys.columns:
        names = known.get(layer, set())
        if not names:
            continue
        codes, ids = _features(atoms.keys[layer])
        ok_ids = np.flatnonzero(ids.isin(list(names)))
        mapping = np.full(len(ids), -1, dtype=np.int64)
        mapping[ok_ids] = base + np.arange(len(ok_ids))
        labels.extend(f"{layer}:{ids[i]}" for i in ok_ids)
        base += len(ok_ids)
        has = codes >= 0
        f = np.full(len(codes), -1, dtype=np.int64)
        f[has] = mapping[codes[has]]
        keep = f >= 0
        feats.append(f[keep])
        atom_ids.append(np.flatnonzero(keep))
    if not feats:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), labels
    return np.concatenate(feats), np.concatenate(atom_ids), labels


def laminar_blocks(
    atoms: Atoms,
    known: dict[str, set[str]],
    quantity: str,
    *,
    min_units: int,
    group_pct: float | None = None,
    group_low: bool = False,
) -> tuple[list[Finding], dict[str, int]]:
    """Check every residual block when the known features form a laminar family.

    Returns the findings and figures: features, duplicates and redundant features
    dropped, crossing pairs left (``0`` means the check was complete), blocks checked.
    """
    q_all = atoms.n if quantity == "n_units" else atoms.values[quantity]
    feat, atom, labels = incidence(atoms, known)
    stats = {"features": len(labels), "duplicates": 0, "redundant": 0, "crossing": 0, "blocks": 0}
    if len(feat) == 0:
        return [], stats
    n_feat = len(labels)
    size = np.bincount(feat, minlength=n_feat)
    # Identical features carry the same value: keep the first of each.
    order = np.lexsort((atom, feat))
    feat, atom = feat[order], atom[order]
    dup = _duplicates(feat, atom, n_feat)
    stats["duplicates"] = int(dup.sum())
    alive = ~dup
    keep = alive[feat]
    feat, atom = feat[keep], atom[keep]
    sub_of = _containment(feat, atom, size)
    crossing = _crossing(feat, atom, size, sub_of)
    if crossing:
        redundant = _redundant({f for pair in crossing for f in pair}, sub_of, size, feat, atom)
        stats["redundant"] = len(redundant)
        if redundant:
            keep = ~np.isin(feat, list(redundant))
            feat, atom = feat[keep], atom[keep]
            sub_of = _containment(feat, atom, size)
            crossing = _crossing(feat, atom, size, sub_of)
    stats["crossing"] = len(crossing)
    if crossing:
        return [], stats
    # Each atom belongs to the block of the smallest known feature holding it.
    order = np.lexsort((feat, size[feat], atom))
    feat_s, atom_s = feat[order], atom[order]
    first = np.r_[True, atom_s[1:] != atom_s[:-1]]
    owner = pd.Series(feat_s[first], index=atom_s[first])
    has_sub = pd.Series(sub_of).groupby(level=1).size() if len(sub_of) else pd.Series(dtype=int)
    block_n = pd.Series(atoms.n[owner.index], index=owner.index).groupby(owner.to_numpy()).sum()
    block_q = pd.Series(q_all[owner.index], index=owner.index).groupby(owner.to_numpy()).sum()
    parents = block_n.index[block_n.index.isin(has_sub.index)]
    stats["blocks"] = len(parents)
    bad = _check(
        block_q[parents].to_numpy(), block_n[parents].to_numpy(), min_units, group_pct, group_low
    )
    # Blocks that are empty are fine; features with no known sub-feature are their own block.
    findings = [
        Finding(
            "residual of a published total (laminar family)",
            "all layers",
            labels[f],
            int(block_n[f]),
            int(block_q[f]),
            quantity,
        )
        for f in parents[bad]
    ]
    return findings, stats


def _containment(feat: np.ndarray, atom: np.ndarray, size: np.ndarray) -> pd.Series:
    """Pairs ``(small, big)`` of known features with small ⊊ big (index), value unused."""
    frame = pd.DataFrame({"f": feat, "a": atom})
    pairs = frame.merge(frame, on="a", suffixes=("_s", "_b"))
    pairs = pairs[pairs["f_s"] != pairs["f_b"]]
    shared = pairs.groupby(["f_s", "f_b"]).size()
    small = shared.index.get_level_values(0).to_numpy()
    big = shared.index.get_level_values(1).to_numpy()
    inside = (shared.to_numpy() == size[small]) & (size[small] < size[big])
    return pd.Series(True, index=shared.index[inside]).rename_axis(["small", "big"])


def _crossing(
    feat: np.ndarray, atom: np.ndarray, size: np.ndarray, sub_of: pd.Series
) -> list[tuple[int, int]]:
    frame = pd.DataFrame({"f": feat, "a": atom})
    pairs = frame.merge(frame, on="a", suffixes=("_s", "_b"))
    pairs = pairs[pairs["f_s"] < pairs["f_b"]][["f_s", "f_b"]].drop_duplicates()
    nested = set(sub_of.index)
    return [
        (int(a), int(b))
        for a, b in zip(pairs["f_s"], pairs["f_b"], strict=True)
        if (a, b) not in nested and (b, a) not in nested
    ]


def _duplicates(feat: np.ndarray, atom: np.ndarray, n_feat: int) -> np.ndarray:
    """Features (sorted by feature, then atom) with the same atoms as an earlier feature."""
    cuts = np.flatnonzero(np.r_[True, feat[1:] != feat[:-1]])
    ends = np.r_[cuts[1:], len(feat)]
    sets = pd.Series([atom[a:b].tobytes() for a, b in zip(cuts, ends, strict=True)])
    dup = np.zeros(n_feat, dtype=bool)
    dup[feat[cuts]] = sets.duplicated().to_numpy()
    return dup


def _redundant(
    candidates: set[int], sub_of: pd.Series, size: np.ndarray, feat: np.ndarray, atom: np.ndarray
) -> set[int]:
    """Features that are exactly the disjoint union of known features inside them.

    Of each candidate ``f``, its maximal known sub-features (those inside no other
    sub-feature of ``f``) must hold ``size[f]`` atoms in all and between them every atom
    of ``f`` once.
    """
    if len(sub_of) == 0:
        return set()
    pairs = pd.DataFrame(
        {
            "g": sub_of.index.get_level_values(0).to_numpy(),
            "f": sub_of.index.get_level_values(1).to_numpy(),
        }
    )
    pairs = pairs[pairs["f"].isin(list(candidates))]
    inner = pd.DataFrame(
        {
            "g": sub_of.index.get_level_values(0).to_numpy(),
            "h": sub_of.index.get_level_values(1).to_numpy(),
        }
    )
    # g ⊊ h ⊊ f: g is not maximal in f
    chain = inner.merge(pairs.rename(columns={"g": "h"}), on="h")[["g", "f"]]
    chain = chain.drop_duplicates().assign(_inside=True)
    pairs = pairs.merge(chain, on=["g", "f"], how="left")
    maximal = pairs[pairs["_inside"].isna()][["g", "f"]]
    if maximal.empty:
        return set()
    total = pd.Series(size[maximal["g"].to_numpy()]).groupby(maximal["f"].to_numpy()).sum()
    members = pd.DataFrame({"g": feat, "a": atom}).merge(maximal, on="g")
    covered = members.drop_duplicates(["f", "a"]).groupby("f").size()
    f = total.index.to_numpy()
    ok = (total.to_numpy() == size[f]) & (covered.reindex(f).to_numpy() == size[f])
    return {int(x) for x in f[ok]}


@dataclass(frozen=True)
class Propagation:
    """What interval propagation found.

    Attributes
    ----------
    findings
        Counts pinned to a small value, group shares derivable.
    rounds
        Rounds until the intervals were stable (or a contradiction stopped them).
    contradiction
        ``""``, or the published sum whose interval became empty: the figures cannot all
        hold for the units given (the units are not those of every release), and nothing
        is derived from them.
    """

    findings: list[Finding]
    rounds: int
    contradiction: str = ""


def _exact_dtype(cap: int, terms: int) -> type | np.dtype:
    """int64 while every sum of ``terms`` values up to ``cap`` fits, else Python ints."""
    return np.dtype(np.int64) if (cap + 1) * (terms + 1) < 2**62 else object


def _sum_at(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact per-index sums (no float weights, no silent overflow)."""
    out = np.zeros(size, dtype=values.dtype)
    if values.dtype == object:
        out[:] = 0
    np.add.at(out, index, values)
    return out


def _incidence_by_row(atoms: Atoms, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(feature row, atom) pairs: which atoms make up each published feature."""
    cons_parts: list[np.ndarray] = []
    atom_parts: list[np.ndarray] = []
    row_of = pd.Series(
        np.arange(len(features)),
        index=pd.MultiIndex.from_frame(features[["layer", "area_id"]].astype(str)),
    )
    for layer in features["layer"].unique():
        ids = atoms.keys[layer].to_numpy().astype(str)
        key = pd.MultiIndex.from_arrays([np.full(len(ids), layer), ids])
        rows = row_of.reindex(key).to_numpy()
        ok = ~np.isnan(rows)
        cons_parts.append(rows[ok].astype(np.int64))
        atom_parts.append(np.flatnonzero(ok))
    if not cons_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(cons_parts), np.concatenate(atom_parts)


def propagate_intervals(
    atoms: Atoms,
    features: pd.DataFrame,
    quantity: str,
    *,
    min_units: int,
    group_pct: float,
    group_low: bool,
    max_rounds: int = 500,
) -> Propagation:
    """Narrow every count through every published sum; report what collapses.

    ``features`` has ``layer``, ``area_id``, ``lo``, ``hi`` (the count interval the
    attacker reads from the feature) and ``n_hi`` (an upper bound on its population).
    Every bound is an exact integer: int64 while no sum can overflow, Python ints beyond.
    """
    cons, part = _incidence_by_row(atoms, features)
    m = len(features)
    n_hi_f = np.asarray([int(v) for v in features["n_hi"]], dtype=object)
    cap = int(max(n_hi_f.max(), 0)) if m else 0
    dtype = _exact_dtype(cap, len(atoms.n))
    n_hi_f = n_hi_f.astype(dtype)
    atom_hi = np.full(len(atoms.n), cap, dtype=dtype)
    np.minimum.at(atom_hi, part, n_hi_f[cons])
    lo = np.zeros(len(atoms.n), dtype=dtype)
    hi = atom_hi.copy()
    f_lo = np.asarray([int(v) for v in features["lo"]], dtype=object).astype(dtype)
    f_hi = np.asarray([int(v) for v in features["hi"]], dtype=object).astype(dtype)
    rounds, contradiction = 0, ""
    for rounds in range(1, max_rounds + 1):  # noqa: B007
        s_lo = _sum_at(cons, lo[part], m)
        s_hi = _sum_at(cons, hi[part], m)
        new_f_lo = np.maximum(f_lo, s_lo)
        new_f_hi = np.minimum(f_hi, s_hi)
        new_lo = lo.copy()
        new_hi = hi.copy()
        np.maximum.at(new_lo, part, new_f_lo[cons] - (s_hi[cons] - hi[part]))
        np.minimum.at(new_hi, part, new_f_hi[cons] - (s_lo[cons] - lo[part]))
        empty = np.flatnonzero(new_f_lo > new_f_hi)
        if len(empty) or (new_lo > new_hi).any():
            contradiction = _contradiction(features, empty, f_lo, f_hi, s_lo, s_hi)
            break
        if (
            np.array_equal(new_lo, lo)
            and np.array_equal(new_hi, hi)
            and np.array_equal(new_f_lo, f_lo)
            and np.array_equal(new_f_hi, f_hi)
        ):
            break
        lo, hi, f_lo, f_hi = new_lo, new_hi, new_f_lo, new_f_hi
    if contradiction:
        return Propagation([], rounds, contradiction)
    limits = (min_units, group_pct, group_low)
    findings = _atom_findings(atoms, quantity, (lo, hi, atom_hi), limits)
    findings += _feature_findings(features, quantity, (f_lo, f_hi), limits)
    return Propagation(findings, rounds)


def _contradiction(
    features: pd.DataFrame,
    empty: np.ndarray,
    f_lo: np.ndarray,
    f_hi: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
) -> str:
    if not len(empty):
        return "a unit's interval became empty"
    i = int(empty[0])
    row = features.iloc[i]
    return (
        f"{row['layer']}:{row['area_id']} is published as {int(f_lo[i])}..{int(f_hi[i])} "
        f"but its parts sum to {int(s_lo[i])}..{int(s_hi[i])}"
    )


def _atom_findings(
    atoms: Atoms,
    quantity: str,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray],
    limits: tuple[int, float, bool],
) -> list[Finding]:
    """Atoms whose count is pinned to a small value, or whose group share is derivable."""
    lo, hi, atom_hi = (np.asarray(b, dtype=float) for b in bounds)
    min_units, group_pct, group_low = limits
    n_true = atoms.n
    pinned = (lo == hi) & (lo >= 1) & (lo < min_units)
    # the bounds are exact integers far below 2**53: these float comparisons are exact
    group = lo > group_pct / 100.0 * atom_hi
    if group_low:
        group |= hi < (100.0 - group_pct) / 100.0 * np.maximum(n_true, 0)
    return [
        Finding(
            "interval propagation: "
            + ("count pinned by published sums" if pinned[a] else "group share derivable"),
            "all layers",
            atom_label(atoms, int(a)),
            int(n_true[a]),
            int(atoms.values[quantity][a]),
            quantity,
        )
        for a in np.flatnonzero(pinned | group)
    ]


def _feature_findings(
    features: pd.DataFrame,
    quantity: str,
    bounds: tuple[np.ndarray, np.ndarray],
    limits: tuple[int, float, bool],
) -> list[Finding]:
    """Find published features narrowed to a small count or a derivable share."""
    f_lo, f_hi = (np.asarray(b, dtype=float) for b in bounds)
    min_units, group_pct, _ = limits
    f_pinned = (f_lo == f_hi) & (f_lo >= 1) & (f_lo < min_units)
    f_group = f_lo > group_pct / 100.0 * features["n_hi"].to_numpy(dtype=float)
    findings = []
    for i in np.flatnonzero(f_pinned | f_group):
        row = features.iloc[i]
        what = "count pinned by published sums" if f_pinned[i] else "group share derivable"
        findings.append(
            Finding(
                f"interval propagation: {what}",
                str(row["layer"]),
                str(row["area_id"]),
                int(row.get("n_true", -1)),
                int(f_lo[i]),
                quantity,
            )
        )
    return findings


def atom_label(atoms: Atoms, a: int) -> str:
    return ", ".join(f"{c}={v}" for c, v in atoms.keys.iloc[a].items() if isinstance(v, str) and v)
