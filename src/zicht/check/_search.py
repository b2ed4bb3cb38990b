"""The exact search of :mod:`zicht.check`: every small union of atoms the published totals give.

Written apart from the publisher, like the rest of the checker. A union of atoms is
derivable when its indicator vector lies in the span of the known features, i.e. when it is
orthogonal to their null space. :func:`exact_search` settles the atoms that a known feature
pins down alone, then searches every connected group of what is left: every union of small
atoms (a total from 1 to ``min_units - 1``) is tested, depth first, up to ``max_nodes``
unions per group.

The walk (:func:`_dfs`) is defined as a depth-first search over the unions in a fixed order
(a union's children add one later candidate each; the children of a union are tested
together, the last child is walked first) that stops after ``max_nodes`` tested unions or
at the twentieth hit. It is computed level by level as arrays: how many unions lie below
each node depends only on the next candidate and the total so far, so the node where the
walk stops is found from those counts without walking, and the unions tested before it are
formed and tested together, a level at a time. The result (the number of unions tested and
the hits, in their order) is that of the walk one union at a time (tests/test_check.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zicht.check._leaks import Atoms, Finding, atom_label, incidence

__all__ = ["exact_search"]

#: Children formed and tested together, and null-space columns tested at a time; the sums of
#: the first ``_HEAD`` columns are kept per node, the others summed along the path when needed.
_CHUNK, _COLUMNS, _HEAD = 50_000, 8, 2
#: A union is orthogonal to the null space when every coordinate is below this.
_ZERO = 1e-7
#: The walk reports at most this many hits per group.
_MAX_HITS = 20


def exact_search(
    atoms: Atoms,
    known: dict[str, set[str]],
    quantity: str,
    *,
    min_units: int,
    max_atoms: int = 600,
    max_nodes: int = 200_000,
) -> tuple[list[Finding], dict[str, int]]:
    """Find every derivable union of atoms whose value is from 1 to ``min_units - 1``.

    A union of atoms is derivable when its indicator vector lies in the span of the known
    features. First every atom that a known feature pins down alone (the feature minus
    atoms already pinned) is settled; then, per connected group of what is left, the null
    space of the features is computed and every union of small atoms (total below the
    threshold) is tested. Groups larger than ``max_atoms`` and searches beyond
    ``max_nodes`` are counted as not searched.
    """
    q_all = atoms.n if quantity == "n_units" else atoms.values[quantity]
    feat, atom, labels = incidence(atoms, known)
    stats = {"pinned_atoms": 0, "groups": 0, "searched": 0, "skipped": 0, "candidates": 0}
    findings: list[Finding] = []
    if len(feat) == 0:
        return findings, stats
    settled = _pinned(feat, atom, len(atoms.n), len(labels))
    stats["pinned_atoms"] = int(settled.sum())
    # an atom is only a leak when it is not itself inside nothing known (always true here)
    small = settled & (q_all >= 1) & (q_all < min_units)
    for a in np.flatnonzero(small):
        findings.append(
            Finding(
                "exact: pinned by published totals",
                "all layers",
                atom_label(atoms, int(a)),
                int(atoms.n[a]),
                int(q_all[a]),
                quantity,
            )
        )
    open_edge = ~settled[atom]
    if not open_edge.any():
        return findings, stats
    for members, matrix in _groups(feat[open_edge], atom[open_edge], max_atoms, stats):
        _, sv, vt = np.linalg.svd(matrix)
        rank = int((sv > 1e-9).sum())
        null = vt[rank:].T  # atoms × null dimension
        q = q_all[members]
        cand = np.flatnonzero((q >= 1) & (q < min_units))
        nodes, hits = _dfs(cand, q, null, min_units, max_nodes)
        stats["searched"] += 1
        stats["candidates"] += nodes
        if nodes >= max_nodes:
            stats["skipped"] += 1
        for chosen in hits:
            where = " + ".join(atom_label(atoms, members[i]) for i in chosen[:3])
            findings.append(
                Finding(
                    "exact: union derivable from published totals",
                    "all layers",
                    where,
                    int(atoms.n[members[chosen]].sum()),
                    int(q[chosen].sum()),
                    quantity,
                )
            )
    return findings, stats


def _pinned(feat: np.ndarray, atom: np.ndarray, n_atoms: int, n_features: int) -> np.ndarray:
    """Atoms a known feature pins down alone, repeatedly (a feature minus the settled atoms)."""
    settled = np.zeros(n_atoms, dtype=bool)
    while True:
        open_edge = ~settled[atom]
        left = np.bincount(feat[open_edge], minlength=n_features)
        single = np.flatnonzero(left == 1)
        if len(single) == 0:
            return settled
        hit = open_edge & np.isin(feat, single)
        settled[np.unique(atom[hit])] = True


def _groups(f_open: np.ndarray, a_open: np.ndarray, max_atoms: int, stats: dict[str, int]):
    """Yield every connected group of open atoms (ascending) with its feature × atom matrix.

    Groups of more than ``max_atoms`` atoms are counted as skipped and not yielded. The
    edges are sorted by group once, so each group costs its own size only.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    fa, fi = np.unique(f_open, return_inverse=True)
    aa, ai = np.unique(a_open, return_inverse=True)
    fi, ai = fi.ravel(), ai.ravel()
    graph = sparse.coo_matrix(
        (np.ones(len(fi)), (fi, len(fa) + ai)), shape=(len(fa) + len(aa),) * 2
    )
    _, comp = connected_components(graph, directed=False)
    atom_comp = comp[len(fa) :]
    by_atom = np.argsort(atom_comp, kind="stable")  # open atoms of each group, ascending
    atom_cuts = np.searchsorted(atom_comp[by_atom], np.unique(atom_comp), side="left")
    atom_ends = np.r_[atom_cuts[1:], len(by_atom)]
    edge_comp = atom_comp[ai]
    by_edge = np.argsort(edge_comp, kind="stable")  # edges of each group, in edge order
    edge_sorted = edge_comp[by_edge]
    for c, lo, hi in zip(np.unique(atom_comp), atom_cuts, atom_ends, strict=True):
        local = by_atom[lo:hi]  # positions in aa, ascending
        stats["groups"] += 1
        if len(local) > max_atoms:
            stats["skipped"] += 1
            continue
        rows = by_edge[np.searchsorted(edge_sorted, c) : np.searchsorted(edge_sorted, c, "right")]
        f_ids = np.unique(fi[rows])
        matrix = np.zeros((len(f_ids), len(local)))
        matrix[np.searchsorted(f_ids, fi[rows]), np.searchsorted(local, ai[rows])] = 1.0
        yield aa[local], matrix


def _dfs(
    cand: np.ndarray, q: np.ndarray, null: np.ndarray, limit: int, max_nodes: int
) -> tuple[int, list[list[int]]]:
    """Unions of candidate atoms with a total below ``limit`` orthogonal to the null space.

    The depth-first walk of the module docstring: returns the number of unions it tests
    and its hits (lists of ``cand`` values), in its order.
    """
    if null.shape[1] == 0:
        return 0, [[int(i)] for i in cand]
    walk = _Walk(null[cand], q[cand].astype(np.int64), int(limit), max_nodes)
    return walk.run(cand)


class _Walk:
    """The depth-first walk over the unions of candidates, computed a level at a time.

    A node is a union, written as the candidate positions it took (ascending); its
    *children* add one position after its last, keeping the total below the limit. The
    walk expands the nodes in depth-first order, the child with the last position first,
    and tests all children of a node when it expands it. A node's key (``m - position``
    per level, 0 after its depth) orders the nodes as the walk expands them.
    """

    def __init__(self, vec: np.ndarray, qc: np.ndarray, limit: int, max_nodes: int) -> None:
        self.vec, self.qc, self.limit, self.max_nodes = vec, qc, limit, max_nodes
        self.m, self.width = len(qc), max(limit, 1)
        self.children, self.below = _tree_counts(qc, limit, max_nodes)
        # the positions a node of total t may add, ascending
        self.allowed = [np.flatnonzero(qc < limit - total) for total in range(limit)]
        self.last = self._last_expanded()

    def _last_expanded(self) -> np.ndarray | None:
        """Key of the node at which the walk reaches ``max_nodes`` tests, ``None`` if never.

        The walk expands every node up to that one (in its order) and no node after it.
        """
        children, below, qc = self.children, self.below, self.qc
        if below[0, 0] < self.max_nodes:
            return None
        tested, start, total, path = 0, 0, 0, []
        while tested + children[start, total] < self.max_nodes:
            tested += int(children[start, total])
            for j in self.allowed[total][np.searchsorted(self.allowed[total], start) :][::-1]:
                under = int(below[j + 1, total + qc[j]])  # tests made in the child's subtree
                if tested + under >= self.max_nodes:
                    start, total, path = int(j) + 1, total + int(qc[j]), [*path, int(j)]
                    break
                tested += under
        key = np.zeros(self.width, dtype=np.int64)
        key[: len(path)] = self.m - np.asarray(path, dtype=np.int64)
        return key

    def run(self, cand: np.ndarray) -> tuple[int, list[list[int]]]:
        """Walk every level; return the tests made and the hits, as the walk would."""
        start = np.zeros(1, dtype=np.int64)
        total = np.zeros(1, dtype=np.int64)
        paths = np.zeros((1, 0), dtype=np.int64)
        # the sums of the first null-space columns of every node of the level, kept
        head = np.zeros((1, min(_HEAD, self.vec.shape[1])))
        expanded: list[tuple[np.ndarray, np.ndarray]] = []  # paths, number of children
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # parent path, rank, path
        level = 0
        while len(start):
            expanded.append((paths, self.children[start, total]))
            parent, pos, rank = _children(start, total, self.allowed)
            # the walk expands a child when its parent is not on the way to its last node
            # (all of that parent's subtree comes before it), or when it is no later a child
            on_way = self._on_way(paths)
            last_e = 0 if self.last is None else int(self.last[level])
            nxt: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            for lo in range(0, len(parent), _CHUNK):
                p, j = parent[lo : lo + _CHUNK], pos[lo : lo + _CHUNK]
                child_head = head[p] + self.vec[j, : head.shape[1]]
                hit = self._hits(paths, p, j, np.abs(child_head).max(axis=1) < _ZERO)
                if len(hit):
                    path = np.column_stack([paths[p[hit]], j[hit]])
                    found.append((paths[p[hit]], rank[lo : lo + _CHUNK][hit], path))
                inside = np.flatnonzero((p != on_way) | (self.m - j <= last_e))
                nxt.append((p[inside], j[inside], child_head[inside]))
            p = np.concatenate([x[0] for x in nxt]) if nxt else np.empty(0, dtype=np.int64)
            j = np.concatenate([x[1] for x in nxt]) if nxt else np.empty(0, dtype=np.int64)
            head = np.concatenate([x[2] for x in nxt]) if nxt else head[:0]
            start, total = j + 1, total[p] + self.qc[j]
            paths = np.column_stack([paths[p], j])
            level += 1
        return _result(expanded, found, cand, self._keys)

    def _keys(self, paths: np.ndarray) -> np.ndarray:
        """Return the keys of the nodes given by their paths (one row each)."""
        keys = np.zeros((len(paths), self.width), dtype=np.int64)
        keys[:, : paths.shape[1]] = self.m - paths
        return keys

    def _on_way(self, paths: np.ndarray) -> int:
        """Row of the node of this level on the way to the last node (itself included), or -1."""
        if self.last is None:
            return -1
        level = paths.shape[1]
        way = self.m - self.last[:level]
        if level and (self.last[level - 1] == 0):
            return -1  # the last node is shallower than this level
        rows = np.flatnonzero((paths == way[None, :]).all(axis=1))
        return int(rows[0]) if len(rows) else -1

    def _hits(
        self, paths: np.ndarray, p: np.ndarray, j: np.ndarray, head_zero: np.ndarray
    ) -> np.ndarray:
        """Children (rows of ``p``/``j``) whose union is orthogonal to the null space.

        ``head_zero`` tells which children's first columns are below the tolerance; the
        other columns of those are summed in the walk's order (the path, then the new
        position), a few at a time: a child is a hit when every column is below it.
        """
        hit = np.flatnonzero(head_zero)
        for c0 in range(_HEAD, self.vec.shape[1], _COLUMNS):
            if not len(hit):
                break
            block = self.vec[:, c0 : c0 + _COLUMNS]
            acc = np.zeros((len(hit), block.shape[1]))
            for col in range(paths.shape[1]):
                acc = acc + block[paths[p[hit], col]]
            acc = acc + block[j[hit]]
            hit = hit[np.abs(acc).max(axis=1) < _ZERO]
        return hit


def _result(
    expanded: list[tuple[np.ndarray, np.ndarray]],
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    cand: np.ndarray,
    keys: Any,
) -> tuple[int, list[list[int]]]:
    """Return the walk's count of tests and its first hits, in the order it makes them."""
    tests = sum(int(c.sum()) for _, c in expanded)
    if not found:
        return tests, []
    parent_keys = np.concatenate([keys(f[0]) for f in found])
    ranks = np.concatenate([f[1] for f in found])
    paths = [row for f in found for row in f[2].tolist()]
    order = np.lexsort((ranks, *parent_keys.T[::-1]))  # by parent as walked, then by rank
    hits = [[int(cand[x]) for x in paths[i]] for i in order[:_MAX_HITS]]
    if len(order) < _MAX_HITS:
        return tests, hits
    last = order[_MAX_HITS - 1]  # the walk stops at this hit: tests before its parent + rank
    before = sum(
        int(c[_at_or_before(keys(p), parent_keys[last], strict=True)].sum()) for p, c in expanded
    )
    return before + int(ranks[last]) + 1, hits


def _tree_counts(qc: np.ndarray, limit: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Children and tests below (capped at ``cap``) of a node, by next position and total.

    ``children[s, t]``: the positions from ``s`` on that fit a total ``t``; ``below[s, t]``:
    the children of every node in the subtree of such a node (its descendants).
    """
    m = len(qc)
    totals = np.arange(limit)
    fits = qc[:, None] < (limit - totals)[None, :]
    children = np.zeros((m + 1, limit), dtype=np.int64)
    children[:m] = np.cumsum(fits[::-1], axis=0)[::-1]
    below = np.zeros((m + 1, limit), dtype=np.int64)
    for s in range(m - 1, -1, -1):
        row = below[s + 1].copy()
        ok = fits[s]
        row[ok] += 1 + below[s + 1, totals[ok] + qc[s]]
        below[s] = np.minimum(row, cap)  # only compared with cap: exact below it
    return children, below


def _children(
    start: np.ndarray, total: np.ndarray, allowed: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(parent row, candidate position, rank among its siblings) of every child, by parent."""
    parent, pos, rank = [], [], []
    for t in np.unique(total):
        rows = np.flatnonzero(total == t)
        can = allowed[t]
        first = np.searchsorted(can, start[rows])
        count = len(can) - first
        n = int(count.sum())
        if not n:
            continue
        r = np.arange(n) - np.repeat(np.cumsum(count) - count, count)
        parent.append(np.repeat(rows, count))
        rank.append(r)
        pos.append(can[np.repeat(first, count) + r])
    if not parent:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    order = np.argsort(np.concatenate(parent), kind="stable")
    return tuple(np.concatenate(x)[order] for x in (parent, pos, rank))  # type: ignore[return-value]


def _at_or_before(keys: np.ndarray, ref: np.ndarray | None, *, strict: bool = False) -> np.ndarray:
    """Rows of ``keys`` the walk expands at or before (``strict``: before) the key ``ref``."""
    if ref is None:
        return np.ones(len(keys), dtype=bool)
    diff = keys != ref[None, :]
    first = diff.argmax(axis=1)
    less = keys[np.arange(len(keys)), first] < ref[first]
    same = ~diff.any(axis=1)
    return less & ~same if strict else less | same
