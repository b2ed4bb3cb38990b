"""The checker's array paths give what its first, one-feature-at-a-time code gave (issue 19).

The national release made the checker the largest stage of a run; the steps below were
rewritten as array operations. Each is compared here with the code it replaced, kept in
this file as the reference, on random families of features (nested, crossing, repeated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zicht.check import _leaks
from zicht.check._leaks import Atoms, laminar_blocks


def _redundant_one_by_one(candidates, sub_of, size, feat, atom):
    """The first ``_redundant``: one candidate at a time, with Python sets."""
    if len(sub_of) == 0:
        return set()
    subs = pd.Series(sub_of.index.get_level_values(0), index=sub_of.index.get_level_values(1))
    nested = set(sub_of.index)
    atoms_of = pd.Series(atom).groupby(feat).apply(lambda s: set(s.to_numpy().tolist()))
    out = set()
    for f in candidates:
        if f not in subs.index:
            continue
        inner = np.atleast_1d(subs.loc[f]).tolist()
        maximal = [g for g in inner if not any((g, h) in nested for h in inner if h != g)]
        covered: set[int] = set()
        total = 0
        for g in maximal:
            covered |= atoms_of[g]
            total += len(atoms_of[g])
        if total == size[f] and len(covered) == size[f]:
            out.add(f)
    return out


def _duplicates_by_hash(feat, atom, n_feat):
    """The first duplicate test: a hash of each feature's sorted atoms."""
    sig = pd.Series(atom).groupby(feat).apply(lambda s: hash(s.to_numpy().tobytes()))
    return sig.duplicated().reindex(range(n_feat), fill_value=False).to_numpy()


def _family(rng):
    """Atoms in up to four layers: nested blocks, some split across (crossing), repeats."""
    n = int(rng.integers(5, 120))
    blank = rng.choice([0.0, 0.02, 0.1])
    coarse = rng.integers(0, max(1, n // 20), n)
    fine = coarse * 100 + rng.integers(0, 4, n)
    other = np.where(rng.random(n) < 0.2, rng.integers(0, 5, n), fine)  # crossing pieces
    same = coarse.copy()  # a layer repeating another: duplicates
    layers = {"a": coarse, "b": fine, "c": other, "d": same}
    membership = pd.DataFrame(
        {
            k: np.where(rng.random(n) < blank, "", pd.Series(v).astype(str).radd(f"{k}").to_numpy())
            for k, v in layers.items()
        }
    )
    atoms = Atoms(keys=membership, n=rng.integers(1, 15, n), values={})
    keep = rng.choice([0.8, 1.0])
    known = {
        k: {x for x in set(membership[k]) if x and rng.random() < keep} for k in membership.columns
    }
    return atoms, known


def _compare(seed):
    """Compare both steps on one random family; return (redundant, duplicates) found."""
    rng = np.random.default_rng(seed)
    atoms, known = _family(rng)
    feat, atom, labels = _leaks.incidence(atoms, known)
    if not len(feat):
        return 0, 0
    n_feat = len(labels)
    size = np.bincount(feat, minlength=n_feat)
    order = np.lexsort((atom, feat))
    feat, atom = feat[order], atom[order]
    dup = _leaks._duplicates(feat, atom, n_feat)
    assert (dup == _duplicates_by_hash(feat, atom, n_feat)).all()
    keep = ~dup[feat]
    feat, atom = feat[keep], atom[keep]
    sub_of = _leaks._containment(feat, atom, size)
    crossing = _leaks._crossing(feat, atom, size, sub_of)
    candidates = {f for pair in crossing for f in pair} | set(range(0, n_feat, 3))
    got = _leaks._redundant(candidates, sub_of, size, feat, atom)
    assert got == _redundant_one_by_one(candidates, sub_of, size, feat, atom)
    return len(got), int(dup.sum())


def test_redundant_and_duplicates_equal_the_first_code():
    found = [_compare(seed) for seed in range(60)]
    # the families hold both kinds, so both steps were compared where they act
    assert sum(r > 0 for r, _ in found) >= 5
    assert sum(d > 0 for _, d in found) >= 5


def test_a_feature_split_exactly_by_its_parts_is_redundant():
    # b1 = a1 + a2 exactly and c1 crosses b1; without b1, c1 holds a2 and nothing crosses
    membership = pd.DataFrame(
        {
            "a": ["a1", "a1", "a2", "a2", ""],
            "b": ["b1", "b1", "b1", "b1", ""],
            "c": ["", "", "c1", "c1", "c1"],
        }
    )
    atoms = Atoms(keys=membership, n=np.array([3, 4, 5, 6, 7]), values={})
    known = {"a": {"a1", "a2"}, "b": {"b1"}, "c": {"c1"}}
    _, stats = laminar_blocks(atoms, known, "n_units", min_units=10)
    assert stats["redundant"] == 1
    assert stats["crossing"] == 0


def _explained_one_by_one(s, hidden, containers, layers_of):
    """The first test of the reasons-for-hiding attack: every other hidden set in turn."""
    mine = containers[s]
    for g in hidden:
        if g == s:
            continue
        theirs = containers[g]
        if g in mine or s in theirs or mine & theirs:
            return True
        if not mine and not theirs and layers_of[s] & layers_of[g]:
            return True
    return False


def test_the_explained_hidden_sets_equal_the_pairwise_test():
    from zicht.check._reasons import _explained_sets

    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 25))
        containers = {
            s: {int(c) for c in rng.choice(n, int(rng.integers(0, 3))) if c > s} for s in range(n)
        }
        layers_of = {s: {str(x) for x in rng.choice(4, int(rng.integers(1, 3)))} for s in range(n)}
        hidden = {int(s) for s in rng.choice(n, int(rng.integers(0, n + 1)))}
        want = {s for s in hidden if _explained_one_by_one(s, hidden, containers, layers_of)}
        assert _explained_sets(hidden, containers, layers_of) == want


def _hotspots_by_sjoin(layer, k, truth_n):
    """The first hot-spot window test: an sjoin with every feature buffered by 1 m."""
    import geopandas as gpd

    from zicht.check._files import score_columns

    frame = layer.frame
    has_score = frame[score_columns(frame)].notna().any(axis=1).to_numpy()
    geoms = gpd.GeoDataFrame(
        {"area_id": layer.geometry.index}, geometry=layer.geometry.to_numpy(), crs=28992
    )
    empty = truth_n.reindex(frame["area_id"]).fillna(0).to_numpy() == 0
    published = dict(zip(frame["area_id"], layer.published.to_numpy() | empty, strict=True))
    window = {a: {a} for a in frame["area_id"]}
    near = gpd.sjoin(geoms, geoms.assign(geometry=geoms.buffer(1.0)), predicate="intersects")
    adjacency = near.groupby("area_id_left")["area_id_right"].apply(set).to_dict()
    for _ in range(max(k, 1)):
        window = {a: set().union(*(adjacency.get(b, {b}) for b in w)) for a, w in window.items()}
    return [
        a
        for a, s in zip(frame["area_id"], has_score, strict=True)
        if s and not all(published.get(b, False) for b in window.get(a, ()))
    ]


@pytest.mark.parametrize("seed", range(8))
def test_the_hotspot_windows_equal_the_buffered_sjoin(seed):
    import geopandas as gpd
    import shapely

    from zicht.check._features import check_hotspots
    from zicht.check._files import PublishedLayer
    from zicht.check._report import CheckReport

    rng = np.random.default_rng(seed)
    n = 60
    # squares on a grid: touching, 0.5 m and 0.999 m apart (inside the buffer), 1.2 m (not)
    gap = rng.choice([0.0, 0.0, 0.5, 0.999, 1.2, 5.0], n)
    x = np.cumsum(10 + gap) * (np.arange(n) % 2 == 0) + (np.arange(n) // 10) * 3
    y = (np.arange(n) // 2) * 10.0 + rng.choice([0.0, 0.7, 1.5], n)
    geoms = shapely.box(x, y, x + 10, y + 10)
    geoms[rng.random(n) < 0.05] = shapely.Polygon()  # an empty geometry is its own window
    ids = [f"c{i}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "area_id": ids,
            "status": np.where(rng.random(n) < 0.8, "published", "suppressed"),
            "hotspot_z": np.where(rng.random(n) < 0.7, 1.0, np.nan),
        }
    )
    layer = PublishedLayer("", "h3", frame, gpd.GeoSeries(geoms, index=ids, crs=28992), "", True)
    truth_n = pd.Series(rng.integers(0, 3, n), index=ids)
    for k in (1, 2):
        report = CheckReport(release="r")
        check_hotspots(layer, k, truth_n, report)
        want = _hotspots_by_sjoin(layer, k, truth_n)
        assert [v.where for v in report.violations] == [f"h3:{a}" for a in want[:50]]


def _signatures_by_groupby(membership, labels):
    """The first unit-set keys of the reasons attack: a groupby per layer."""
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
    out = pd.concat(rows, ignore_index=True)
    out["set"] = pd.factorize(pd.MultiIndex.from_frame(out[["n", "s", "s2"]].astype("float64")))[0]
    return out


def _containers_by_groupby(membership, labels, sets):
    """The first containment of the reasons attack: a groupby per pair of layers."""
    set_of = {(r.layer, r.area_id): r.set for r in sets.itertuples(index=False)}
    size = sets.drop_duplicates("set").set_index("set")["n"]
    out = {int(s): set() for s in sets["set"].unique()}
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


@pytest.mark.parametrize("seed", range(10))
def test_the_reasons_sets_and_containers_equal_the_groupby_code(seed):
    from zicht.check._reasons import _containers, _signatures

    rng = np.random.default_rng(seed)
    atoms, _ = _family(rng)
    membership = atoms.keys.loc[np.repeat(np.arange(len(atoms.n)), atoms.n)].reset_index(drop=True)
    labels = list(membership.columns)
    sets = _signatures(membership, labels)
    want = _signatures_by_groupby(membership, labels)
    pd.testing.assert_frame_equal(sets, want[sets.columns], check_dtype=False)
    rows = rng.random(len(membership)) < 0.7  # the attack reads containment on some units
    got = _containers(membership[rows], labels, sets)
    assert got == _containers_by_groupby(membership[rows], labels, sets)
    assert any(got.values())  # some sets lie inside others: the comparison is not empty


def test_the_feature_sums_equal_the_groupby_of_the_units():
    from zicht.check._features import FeatureSums

    rng = np.random.default_rng(11)
    member = pd.Series(rng.choice(["", "a", "b", "c", "d"], 500))
    ids = pd.Series(["d", "b", "x", "a"], name="area_id")  # x has no unit, c is not listed
    sums = FeatureSums(member, ids)
    want_n = member[member != ""].value_counts().reindex(ids, fill_value=0).to_numpy()
    assert (sums.counts() == want_n).all()
    for values in (
        pd.Series(rng.integers(0, 3, 500)),
        pd.Series(rng.random(500) < 0.3),
        pd.Series(rng.integers(0, 3, 500).astype(float)),
    ):
        want = values.groupby(member).sum().reindex(ids, fill_value=0).to_numpy()
        got = sums.total(values)
        assert got.dtype == want.dtype
        assert (got == want).all()
