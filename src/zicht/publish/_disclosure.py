"""The disclosure rules on arrays: primary rules, rounding, and secondary protection in a tree.

Everything here works on plain numpy arrays so the same code serves one layer (the
aggregated path of :func:`zicht.publish.publish_release`) and the whole nested family of
regions, buurten, wijken and gemeenten (the unit path).

**Attack model.** The secondary protection assumes an attacker who knows the rules and:

* treats every published population (``n_units``) as exact, and subtracts published
  totals from each other (a parent minus its published children leaves the *residual*
  of the children that carry no value);
* knows every indicator count as an interval: exact where the count is exact or where an
  exact rate pins it, the rounding interval ``[K - 2, K + 2]`` where the count is rounded
  (base 5), ``[0, n]`` where it is not shown;
* propagates those intervals through every published sum (a parent equals the sum of its
  children) until nothing narrows any more.

A leak is a count from 1 to ``min_units - 1`` that collapses to one value, a residual whose
exact count is that small, or a share above the group-disclosure limit that becomes
certain. The protection repairs each leak by giving up the least information (rounding
an exact sibling's rate, then hiding a value) and propagates again until none is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zicht.publish._rules import DisclosureRules

__all__ = [
    "EXACT",
    "HIDDEN",
    "ROUNDED",
    "Tree",
    "preimage",
    "primary_indicator_state",
    "protect_indicator",
    "protect_population",
    "publish_counts",
    "round_half_up",
]

EXACT = np.int8(0)
ROUNDED = np.int8(1)
HIDDEN = np.int8(2)


def round_half_up(values: np.ndarray, base: int) -> np.ndarray:
    """Round non-negative integers to the nearest multiple of ``base`` (halves up)."""
    values = np.asarray(values, dtype=np.int64)
    if base <= 1:
        return values.copy()
    return (np.floor(values / base + 0.5) * base).astype(np.int64)


def preimage(rounded: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Integers that round to ``rounded``: the closed interval ``[lo, hi]`` (lo >= 0)."""
    rounded = np.asarray(rounded, dtype=np.int64)
    if base <= 1:
        return rounded.copy(), rounded.copy()
    lo = np.ceil(rounded - base / 2).astype(np.int64)
    hi = (np.ceil(rounded + base / 2) - 1).astype(np.int64)
    return np.maximum(lo, 0), hi


def primary_indicator_state(
    n_units: np.ndarray,
    count: np.ndarray,
    rules: DisclosureRules,
    *,
    companies: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """State of one indicator on features whose population is published.

    ``companies`` holds, per feature, the number of companies that contribute and the
    share (%) of the ``rules.dominance_n`` largest; with it the company rules apply too.
    Returns the state (``EXACT``, ``ROUNDED`` or ``HIDDEN``) and the reason for anything
    that is not exact (empty string otherwise).
    """
    min_units, group_max_pct = rules.min_units, rules.group_max_pct
    n = np.asarray(n_units, dtype=np.int64)
    k = np.asarray(count, dtype=np.int64)
    state = np.full(len(n), EXACT, dtype=np.int8)
    reason = np.full(len(n), "", dtype=object)
    share = np.where(n > 0, 100.0 * k / np.maximum(n, 1), 0.0)
    small = (k >= 1) & (k < min_units)
    if rules.small_count == "suppress":
        state[small] = HIDDEN
        reason[small] = f"count below {min_units} (suppressed)"
    else:
        state[small] = ROUNDED
        reason[small] = f"count below {min_units} (shown rounded, rate from rounded figures)"
    group = share > group_max_pct
    if rules.group_low:
        group |= (n > 0) & (share < 100.0 - group_max_pct)
    state[group] = HIDDEN
    reason[group] = f"group disclosure (share beyond {group_max_pct:g} %)"
    if companies is not None:
        contributors, top_share_pct = companies
        few = (k > 0) & (np.asarray(contributors) < rules.min_companies)
        dominant = (k > 0) & (np.asarray(top_share_pct) > rules.dominance_pct)
        state[dominant] = HIDDEN
        reason[dominant] = (
            f"dominance ({rules.dominance_n} largest above {rules.dominance_pct:g} %)"
        )
        state[few] = HIDDEN
        reason[few] = f"fewer than {rules.min_companies} companies"
    return state, reason


def publish_counts(count: np.ndarray, state: np.ndarray, *, rounded: bool, base: int) -> np.ndarray:
    """Return published counts: rounded on rounded layers and where ``ROUNDED``."""
    k = np.asarray(count, dtype=np.int64)
    out = np.where(rounded | (state == ROUNDED), round_half_up(k, base), k).astype(np.float64)
    out[state == HIDDEN] = np.nan
    return out


# ----------------------------------------------------------------------------- the tree


@dataclass
class Tree:
    """Regions (leaves) nested in published areas, for secondary protection.

    Attributes
    ----------
    n_leaves
        Number of regions; nodes ``0 .. n_leaves-1`` are regions, the rest are areas.
    anc
        ``(n_nodes, n_levels)`` ancestor node per area level (``-1`` where there is none,
        where the node does not nest, or at and below the node's own level).
    level
        Level of each node (``-1`` for regions, ``0`` for the finest area level).
    n_units
        Population of each node.
    published
        Whether each node's population is published (changed by
        :func:`protect_population`).
    exact_layer
        Whether each node belongs to a layer whose counts are published exactly.
    rounding_base
        Base the rounded layers use.
    cut
        Whether each area is crossed by a region (then it is published only through its
        regions).
    """

    n_leaves: int
    anc: np.ndarray
    level: np.ndarray
    n_units: np.ndarray
    published: np.ndarray
    exact_layer: np.ndarray
    rounding_base: int
    cut: np.ndarray | None = None

    @property
    def n_nodes(self) -> int:
        """Regions plus areas."""
        return len(self.level)

    def lowest_known_ancestor(self, known: np.ndarray) -> np.ndarray:
        """For every node, its nearest proper ancestor that is ``known`` (or ``-1``)."""
        out = np.full(self.n_nodes, -1, dtype=np.int64)
        for lv in range(self.anc.shape[1]):
            cand = self.anc[:, lv]
            ok = (out < 0) & (cand >= 0)
            ok[ok] = known[cand[ok]]
            out[ok] = cand[ok]
        return out


#: Audit reason of a total withheld so that it does not give its small residual away.
TOTAL_REASON = (
    "secondary: total withheld, its published parts would leave a residual below {min_units} units"
)


def protect_population(
    tree: Tree, min_units: int, *, hide_totals: bool = True
) -> list[tuple[int, str]]:
    """Suppress further nodes until every residual holds 0 or at least ``min_units`` units.

    The residual of a published area is the set of regions under it that are not published
    and not under a published descendant: its population is the area's total minus the
    published children, so it must not be small. Suppresses the published child adding
    the fewest units (regions before areas). Where no child adds units (every child's
    regions are published: a tiny buurt beside big ones) and the area is a total above the
    finest level on a rounded layer (a wijk), the total is withheld instead
    (``hide_totals``); otherwise the child with the fewest units. Changes
    ``tree.published``; returns the secondary suppressions as ``(node, reason)``.
    """
    actions: list[tuple[int, str]] = []
    leaves = np.arange(tree.n_leaves)
    for _ in range(10_000):
        known = tree.published
        lka = tree.lowest_known_ancestor(known)
        unknown_leaves = leaves[~known[: tree.n_leaves] & (lka[: tree.n_leaves] >= 0)]
        block = np.bincount(
            lka[unknown_leaves], weights=tree.n_units[unknown_leaves], minlength=tree.n_nodes
        ).astype(np.int64)
        failing = np.flatnonzero(known & (block > 0) & (block < min_units))
        if len(failing) == 0:
            return actions
        # A node's own residual: for an area, the block under it; for a region, itself.
        own = np.where(np.arange(tree.n_nodes) < tree.n_leaves, tree.n_units, block)
        cand = pd.DataFrame(
            {
                "node": np.arange(tree.n_nodes),
                "parent": lka,
                "is_area": np.arange(tree.n_nodes) >= tree.n_leaves,
                "adds": own,
            }
        )
        cand = cand[known & np.isin(lka, failing)]
        # An area whose regions are all published adds nothing at once (its parts then
        # join the residual one level at a time): what it costs is its own units and those
        # of the cheapest chain of parts down to a region, so the cheapest such sibling goes
        # (not the first in node order: a 110-unit buurt beside 35; nor a small wijk whose
        # smallest buurt holds 4,000 addresses).
        cand = cand.assign(useless=cand["adds"] == 0)
        chain = _chain_costs(tree, known, lka)
        cost = np.where(cand["useless"], chain[cand["node"].to_numpy()], cand["adds"])
        cand = cand.assign(cost=cost)
        cand = cand.sort_values(["parent", "useless", "is_area", "cost", "node"])
        pick = cand.drop_duplicates("parent")
        totals = _totals_to_hide(tree, pick, lka, block, min_units) if hide_totals else set()
        for node, parent in zip(pick["node"], pick["parent"], strict=True):
            if parent in totals:
                tree.published[parent] = False
                actions.append((int(parent), TOTAL_REASON.format(min_units=min_units)))
                continue
            tree.published[node] = False
            actions.append(
                (int(node), f"secondary: protects a residual below {min_units} units in {parent}")
            )
        missing = np.setdiff1d(failing, pick["parent"].to_numpy())
        for node in missing:  # pragma: no cover - a failing residual always has a child
            tree.published[node] = False
            actions.append((int(node), "secondary: residual could not be protected otherwise"))
    raise RuntimeError("population protection did not converge")  # pragma: no cover


def _chain_costs(tree: Tree, known: np.ndarray, lka: np.ndarray) -> np.ndarray:
    """Per node, its units plus those of its cheapest chain of known parts to a region.

    What withholding a known area finally costs when each level below must give up one
    part before a region joins the residual.
    """
    cost = tree.n_units.astype(np.float64)
    best = np.full(tree.n_nodes, np.inf)
    regions = np.flatnonzero(known[: tree.n_leaves] & (lka[: tree.n_leaves] >= 0))
    np.minimum.at(best, lka[regions], cost[regions])
    for lv in range(tree.anc.shape[1]):
        nodes = np.flatnonzero(known & (tree.level == lv))
        cost[nodes] += np.where(np.isfinite(best[nodes]), best[nodes], 0.0)
        up = nodes[lka[nodes] >= 0]
        np.minimum.at(best, lka[up], cost[up])
    return cost


def _totals_to_hide(
    tree: Tree, pick: pd.DataFrame, lka: np.ndarray, block: np.ndarray, min_units: int
) -> set[int]:
    """Return the failing totals to withhold themselves instead of a sibling of their residual.

    A total qualifies when no child would add units at once (``useless``), it lies above
    the finest level on a rounded layer (a wijk, not the exact gemeente), and withholding
    it settles the level above: the residuals that then join their published ancestor
    (all those of one ancestor together) bring it to at least ``min_units``, or there is
    no published ancestor. Otherwise one partner inside serves every level at once.
    """
    parents = pick.loc[pick["useless"], "parent"].to_numpy()
    parents = parents[(tree.level[parents] >= 1) & ~tree.exact_layer[parents]]
    if not len(parents):
        return set()
    up = lka[parents]
    joined = pd.Series(block[parents]).groupby(up).transform("sum").to_numpy()
    safe = np.where(up >= 0, block[np.maximum(up, 0)] + joined, min_units) >= min_units
    return {int(p) for p in parents[safe]}


# ----------------------------------------------------------------------------- intervals


@dataclass
class _Constraints:
    """Sum constraints ``total[c] = sum(part for part in parts of c)`` over interval nodes."""

    total: np.ndarray  # node index of each constraint's total
    cons: np.ndarray  # constraint of each part-edge
    part: np.ndarray  # node index of each part-edge


def _propagate(lo: np.ndarray, hi: np.ndarray, c: _Constraints, max_rounds: int = 200) -> None:
    """Narrow integer intervals in place until every sum constraint is consistent."""
    if len(c.total) == 0:
        return
    m = len(c.total)
    for _ in range(max_rounds):
        s_lo = np.bincount(c.cons, weights=lo[c.part], minlength=m).astype(np.int64)
        s_hi = np.bincount(c.cons, weights=hi[c.part], minlength=m).astype(np.int64)
        new_lo = lo.copy()
        new_hi = hi.copy()
        np.maximum.at(new_lo, c.total, s_lo)
        np.minimum.at(new_hi, c.total, s_hi)
        t_lo, t_hi = new_lo[c.total], new_hi[c.total]
        part_lo = t_lo[c.cons] - (s_hi[c.cons] - hi[c.part])
        part_hi = t_hi[c.cons] - (s_lo[c.cons] - lo[c.part])
        np.maximum.at(new_lo, c.part, part_lo)
        np.minimum.at(new_hi, c.part, part_hi)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            return
        lo[:] = new_lo
        hi[:] = new_hi


@dataclass
class IndicatorProtection:
    """Final states of one indicator on every tree node and what was changed."""

    state: np.ndarray
    actions: list[tuple[int, int, str]]
    rounds: int


def protect_indicator(
    tree: Tree,
    count: np.ndarray,
    state: np.ndarray,
    *,
    min_units: int,
    group_max_pct: float,
    group_low: bool,
    base: np.ndarray | None = None,
) -> IndicatorProtection:
    """Round or hide further values until no small count or group share can be derived.

    Parameters
    ----------
    tree
        The nested regions and areas, with the final population statuses.
    count
        True count of every node.
    state
        Primary state of every node (``HIDDEN`` where the population is not published).
    min_units, group_max_pct, group_low
        The rules.
    base
        Denominator of every node where it is not the population (restricted rates).

    Returns
    -------
    IndicatorProtection
        States after protection and the actions as ``(node, new_state, reason)``.
    """
    state = state.copy()
    state[~tree.published] = HIDDEN
    k = np.asarray(count, dtype=np.int64)
    n = tree.n_units if base is None else np.asarray(base, dtype=np.int64)
    actions: list[tuple[int, int, str]] = []
    structure = _structure(tree)
    for rounds in range(1, 10_000):
        system = _intervals(tree, structure, k, state, n)
        lo, hi = system.lo, system.hi
        _propagate(lo, hi, system.constraints)
        total_n = np.r_[n, system.extra_n]
        total_k = np.r_[k, system.extra_k]
        pinned_small = (lo == hi) & (lo >= 1) & (lo < min_units)
        with np.errstate(invalid="ignore"):
            group = (total_n > 0) & (lo > group_max_pct / 100.0 * total_n)
            if group_low:
                group |= (total_n > 0) & (hi < (100.0 - group_max_pct) / 100.0 * total_n)
        exact_node = np.r_[state == EXACT, np.zeros(len(system.extra_n), dtype=bool)]
        leaks = np.flatnonzero((pinned_small | group) & ~exact_node)
        if len(leaks) == 0:
            return IndicatorProtection(state=state, actions=actions, rounds=rounds)
        pinned = leaks[pinned_small[leaks]]
        if not np.array_equal(lo[pinned], total_k[pinned]):  # pragma: no cover
            raise RuntimeError("interval propagation excluded a true value")
        changed = False
        shielded: set[int] = set()  # totals whose group leaks were repaired this round
        for x in leaks:
            kind = "small" if pinned_small[x] else "group"
            owner = system.extra_of[x][0] if x >= tree.n_nodes else int(structure.parent[x])
            if kind == "group" and owner in shielded:
                continue  # the same share through another set: seen again next round
            fix = _choose_fix(int(x), kind, tree, structure, state, k, system, n)
            if fix is None:
                continue
            node, new_state, why = fix
            if state[node] >= new_state:
                continue
            state[node] = new_state
            actions.append((node, int(new_state), why))
            changed = True
            if kind == "group" and owner >= 0:
                shielded.add(owner)
        if not changed:  # pragma: no cover - the fallback always finds a value to give up
            raise RuntimeError("indicator protection could not repair a leak")
    raise RuntimeError("indicator protection did not converge")  # pragma: no cover


@dataclass
class _Structure:
    """Parent-children lists of the published areas (recomputed when statuses change)."""

    parent: np.ndarray  # lowest published proper ancestor of every node (-1: none)
    children: dict[int, np.ndarray]


def _structure(tree: Tree) -> _Structure:
    parent = tree.lowest_known_ancestor(tree.published)
    # Leaves attach to their lowest published area; unpublished areas are transparent.
    is_leaf = np.arange(tree.n_nodes) < tree.n_leaves
    nodes = np.flatnonzero((parent >= 0) & (is_leaf | tree.published))
    return _Structure(parent=parent, children=_group(nodes, parent[nodes]))


def _group(nodes: np.ndarray, keys: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    nodes, keys = nodes[order], keys[order]
    if len(nodes) == 0:
        return {}
    cuts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[cuts[1:], len(nodes)]
    return {int(keys[a]): nodes[a:b] for a, b in zip(cuts, ends, strict=True)}


@dataclass
class _System:
    """Intervals of every node and of the extra nodes (residuals), and the sums."""

    lo: np.ndarray
    hi: np.ndarray
    constraints: _Constraints
    extra_n: np.ndarray
    extra_k: np.ndarray
    # extra node -> (the total it belongs to, the nodes it is that total minus)
    extra_of: dict[int, tuple[int, np.ndarray]]


def _intervals(
    tree: Tree, structure: _Structure, k: np.ndarray, state: np.ndarray, n: np.ndarray
) -> _System:
    """Own intervals of every node, and the sums that tie them.

    Two kinds of extra nodes stand for sets an attacker can form: per published area, its
    children that are not exact (one level down), and per exact area, its *residual*: the
    area minus its largest exact descendants at any depth (a laminar family's residual).
    """
    lo = np.zeros(tree.n_nodes, dtype=np.int64)
    hi = n.astype(np.int64).copy()
    exact = state == EXACT
    lo[exact] = k[exact]
    hi[exact] = k[exact]
    rounded = state == ROUNDED
    r_lo, r_hi = preimage(round_half_up(k[rounded], tree.rounding_base), tree.rounding_base)
    lo[rounded] = r_lo
    hi[rounded] = np.minimum(r_hi, n[rounded])
    totals: list[int] = []
    parts: list[np.ndarray] = []
    extra_n: list[int] = []
    extra_k: list[int] = []
    extra_of: dict[int, tuple[int, np.ndarray]] = {}
    next_id = tree.n_nodes

    def add_extra(owner: int, members: np.ndarray, minus: np.ndarray) -> int:
        nonlocal next_id
        node = next_id
        next_id += 1
        extra_n.append(int(n[members].sum()))
        extra_k.append(int(k[members].sum()))
        extra_of[node] = (owner, minus)
        return node

    for area, kids in structure.children.items():
        if not tree.published[area]:
            continue
        fuzzy = kids[~exact[kids]]
        if len(fuzzy) and len(fuzzy) < len(kids):
            block = add_extra(area, fuzzy, kids[exact[kids]])
            totals += [area, block]
            parts += [np.r_[kids[exact[kids]], block], fuzzy]
        else:
            totals.append(area)
            parts.append(kids)
    # residuals of exact areas: the area minus its maximal exact descendants
    known = tree.published & exact
    lea = tree.lowest_known_ancestor(known)
    is_leaf = np.arange(tree.n_nodes) < tree.n_leaves
    maximal = _group(np.flatnonzero(known & (lea >= 0)), lea[known & (lea >= 0)])
    rest = np.flatnonzero(is_leaf & ~known & (lea >= 0))
    leaves_of = _group(rest, lea[rest])
    for area, inner in maximal.items():
        if is_leaf[area] or not known[area]:
            continue
        members = leaves_of.get(area, np.empty(0, dtype=np.int64))
        kids = structure.children.get(area, np.empty(0, dtype=np.int64))
        if np.array_equal(np.sort(inner), np.sort(kids[exact[kids]])):
            continue  # the one-level block above is this residual already
        residual = add_extra(area, members, inner)
        totals.append(area)
        parts.append(np.r_[inner, residual])
        if len(members):
            totals.append(residual)
            parts.append(members)
    cons = [np.full(len(p), i, dtype=np.int64) for i, p in enumerate(parts)]
    constraints = _Constraints(
        total=np.asarray(totals, dtype=np.int64),
        cons=np.concatenate(cons) if cons else np.empty(0, dtype=np.int64),
        part=np.concatenate(parts).astype(np.int64) if parts else np.empty(0, dtype=np.int64),
    )
    en = np.asarray(extra_n, dtype=np.int64)
    ek = np.asarray(extra_k, dtype=np.int64)
    return _System(
        lo=np.r_[lo, np.zeros(len(en), dtype=np.int64)],
        hi=np.r_[hi, en],
        constraints=constraints,
        extra_n=en,
        extra_k=ek,
        extra_of=extra_of,
    )


def _choose_fix(
    x: int,
    kind: str,
    tree: Tree,
    structure: _Structure,
    state: np.ndarray,
    k: np.ndarray,
    system: _System,
    n: np.ndarray,
) -> tuple[int, np.int8, str] | None:
    """Choose the cheapest change that widens what is known around leak ``x``."""
    if x >= tree.n_nodes:  # a set the attacker forms: a total minus exact nodes
        parent, siblings = system.extra_of[x]
        own_children = np.empty(0, dtype=np.int64)
    else:
        parent = int(structure.parent[x])
        siblings = structure.children.get(parent, np.empty(0, dtype=np.int64))
        siblings = siblings[siblings != x]
        own_children = structure.children.get(x, np.empty(0, dtype=np.int64))
        if state[x] != HIDDEN:
            why = "secondary: its value and published sums would reveal a small count"
            if kind == "group":
                why = "secondary: published sums would reveal a group share"
            return x, HIDDEN, why
    exact_sib = siblings[state[siblings] == EXACT]
    upper = parent >= 0 and tree.level[parent] >= 1 and not tree.exact_layer[parent]
    if kind == "group" and upper and state[parent] != HIDDEN:
        # a wijk minus its buurten gives a buurt's share away: the wijk's value goes (it
        # is nearly the sum of its buurten), not the value of the largest sibling buurt
        return parent, HIDDEN, "secondary: the total is hidden to protect a part's group share"
    if kind == "small":
        useful = exact_sib[k[exact_sib] > 0]
        if len(useful):
            pick = useful[np.lexsort((useful, k[useful]))[0]]
            return int(pick), ROUNDED, "secondary: rate from rounded figures protects a sibling"
    elif len(exact_sib):
        pick = exact_sib[np.lexsort((exact_sib, -n[exact_sib]))[0]]
        return int(pick), HIDDEN, "secondary: hidden to protect a sibling's group share"
    if parent >= 0 and state[parent] == EXACT and not tree.exact_layer[parent]:
        new = ROUNDED if kind == "small" else HIDDEN
        return parent, new, "secondary: rate from rounded figures protects a child"
    fuzzy_sib = siblings[state[siblings] == ROUNDED]
    if len(fuzzy_sib):
        pick = fuzzy_sib[np.lexsort((fuzzy_sib, -n[fuzzy_sib]))[0]]
        return int(pick), HIDDEN, "secondary: hidden to protect a sibling"
    visible = own_children[state[own_children] != HIDDEN]
    if len(visible):
        pick = visible[np.lexsort((visible, -n[visible]))[0]]
        return int(pick), HIDDEN, "secondary: hidden to protect its parent's total"
    return _fallback(x if x < tree.n_nodes else parent, tree, state, k, n)


def _fallback(
    x: int, tree: Tree, state: np.ndarray, k: np.ndarray, n: np.ndarray
) -> tuple[int, np.int8, str] | None:
    """Give up the cheapest value anywhere in the same tree (always makes progress)."""
    anc = tree.anc
    top = np.where(anc >= 0, anc, -1).max(axis=1)
    root = np.where(top >= 0, top, np.arange(tree.n_nodes))
    same = np.flatnonzero((root == root[x]) & tree.published & (state != HIDDEN))
    same = same[same != x]
    why = "secondary: protects a small count derivable from published sums"
    for layer_exact in (False, True):
        pool = same[tree.exact_layer[same] == layer_exact]
        exact = pool[state[pool] == EXACT]
        if len(exact):
            pick = exact[np.lexsort((exact, n[exact], k[exact]))[0]]
            return int(pick), ROUNDED, why
        fuzzy = pool[state[pool] == ROUNDED]
        if len(fuzzy):
            pick = fuzzy[np.lexsort((fuzzy, n[fuzzy]))[0]]
            return int(pick), HIDDEN, why
    if state[x] != HIDDEN:
        return x, HIDDEN, why
    return None
