"""Hiding that names nothing: a value hidden by a disclosing rule never stands alone.

Part of :func:`zicht.publish.publish_release` on the unit path. A value hidden by group
disclosure (a share beyond the limit) or by the company rules (too few companies, one or
two dominating) says *why* it is hidden: next to a published population of 10–41
addresses, a hidden count can only mean that (almost) all of them have the attribute; next
to 10–22 companies, a hidden conviction count can only mean one or two companies. Such a
value is protected when a non-disclosing reason could equally have hidden it: secondary
suppression. So every value hidden by a disclosing rule must have a *partner*: another
hidden value of the same count on a different set of units that shares a published sum
with it (one contains the other, or both lie in a common published feature, or both are
top-level features of the same geography, none of which a published feature contains;
the published feature may be any one around both, not only the lowest: a gemeente around
two buurten of different wijken). Where none exists, the partner that costs least is
hidden too: the wijk around a buurt, else the smallest region inside the same published
feature that no area shows on its own (one of several regions of a buurt, so no area
loses its value), else the feature of the same level with the fewest units there. The
same holds for a value hidden by secondary protection that stands alone: it protects a
rounded value, which an attacker cannot tell from one hidden by group disclosure.

``zicht check`` attacks the result with its own code (:mod:`zicht.check._reasons`): from
the published figures and the rules it infers which rules could have hidden each value,
and fails a value that only a disclosing rule could have hidden.
"""

from __future__ import annotations

import numpy as np

from zicht.publish._disclosure import HIDDEN, Tree

__all__ = ["PARTNER_REASON", "protect_reasons"]

PARTNER_REASON = "secondary: hidden with another hidden value, so neither says why"


def _effective(tree: Tree) -> tuple[np.ndarray, np.ndarray]:
    """Per node: its highest published ancestor with the same units, and the container.

    The first is the node an attacker sees (a buurt of one region *is* that region); the
    second is the lowest published ancestor with more units (``-1`` for none).
    """
    n, published = tree.n_units, tree.published
    same = np.arange(tree.n_nodes)
    container = np.full(tree.n_nodes, -1, dtype=np.int64)
    for lv in range(tree.anc.shape[1]):
        up = tree.anc[:, lv]
        ok = (up >= 0) & (container < 0)
        ok[ok] = published[up[ok]]
        grows = ok.copy()
        grows[ok] = n[up[ok]] > n[ok]
        container[grows] = up[grows]
        equal = ok & ~grows
        same[equal] = up[equal]
    return same, container


def protect_reasons(
    tree: Tree, state: np.ndarray, *, small_suppressed: bool = False
) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Hide a partner for every hidden value that stands alone.

    A value hidden by secondary protection that stands alone looks to an attacker like one
    hidden by group disclosure (it protects a rounded value, which the attacker cannot
    tell), so it gets a partner too. With ``small_suppressed`` (``small_count =
    "suppress"``) a hidden count may always be a small count, a reason that names no share,
    and nothing is added.

    Parameters
    ----------
    tree
        The nested regions and areas, with the final population statuses.
    state
        Final state of one count on every node (after the secondary protection).
    small_suppressed
        Whether small counts are suppressed rather than rounded.

    Returns
    -------
    tuple
        The new states and the actions taken as ``(node, HIDDEN, reason)``.
    """
    state = state.copy()
    actions: list[tuple[int, int, str]] = []
    if small_suppressed:
        return state, actions
    same, container = _effective(tree)
    visible = tree.published & (tree.n_units > 0)
    level = tree.level
    for x in np.flatnonzero(visible & (state == HIDDEN)):
        e = same[x]
        if not _hidden_sets(state, same, visible)[x]:
            continue  # shown on a feature of the same units (a buurt of one region)
        if _has_partner(tree, state, same, container, visible, e):
            continue
        shown = visible & (state != HIDDEN) & (same != e)
        up = container[e]
        if up >= 0 and shown[up] and level[up] >= 1 and not tree.exact_layer[up]:
            # the wijk around a buurt: its value is nearly the sum of its buurten, so it
            # costs less than the smallest sibling buurt (often hundreds of units)
            for node in np.flatnonzero(same == same[up]):
                if state[node] != HIDDEN:
                    state[node] = HIDDEN
                    actions.append((int(node), int(HIDDEN), PARTNER_REASON))
            continue
        pick = _cheapest_partner(tree, same, container, shown, e)
        if pick < 0:
            continue  # nothing to pair with: the checker reports it
        for node in np.flatnonzero(same == same[pick]):
            if state[node] != HIDDEN:
                state[node] = HIDDEN
                actions.append((int(node), int(HIDDEN), PARTNER_REASON))
    return state, actions


def _cheapest_partner(
    tree: Tree, same: np.ndarray, container: np.ndarray, shown: np.ndarray, e: int
) -> int:
    """Return the shown value to hide as the partner of node ``e`` (``-1`` for none).

    Any shown feature inside the container of ``e`` shares that published sum with it. A
    region whose units no published area shows on its own (one of several regions of a
    buurt) goes first, the one with the fewest units: hiding it costs no area a value. Then
    the feature of the same level with the fewest units (a passing buurt beside a tiny
    one), then a child or the container. Without a container: the feature of the same
    level, outside every published feature, with the fewest units.
    """
    level, n = tree.level, tree.n_units
    up = container[e]
    if up >= 0:
        inside = shown & (tree.anc[:, level[up]] == up)
        area_group = np.zeros(tree.n_nodes, dtype=bool)
        area_group[same[tree.published & (n > 0) & (level >= 0)]] = True
        cand = np.flatnonzero(inside & (level < 0) & ~area_group[same])
        if len(cand) == 0:
            cand = np.flatnonzero(shown & (container == up) & (level == level[e]))
    else:
        cand = np.flatnonzero(shown & (container < 0) & (level == level[e]))
    if len(cand) == 0:  # a child or the container instead
        cand = np.flatnonzero(shown & ((container == e) | (np.arange(len(same)) == up)))
    if len(cand) == 0:
        return -1
    return int(cand[np.lexsort((cand, n[cand]))[0]])


def _hidden_sets(state: np.ndarray, same: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Visible nodes whose value is hidden on every feature of the same units.

    A region hidden while its buurt of the same units shows the value (rounded) is not
    hidden to an attacker, so it partners nothing.
    """
    hidden = visible & (state == HIDDEN)
    shown = np.zeros(len(state), dtype=bool)
    shown[same[visible & (state != HIDDEN)]] = True
    return hidden & ~shown[same]


def _has_partner(
    tree: Tree,
    state: np.ndarray,
    same: np.ndarray,
    container: np.ndarray,
    visible: np.ndarray,
    e: int,
) -> bool:
    """Whether another hidden value shares a published sum with the units of node ``e``."""
    hidden = _hidden_sets(state, same, visible) & (same != e)
    if not hidden.any():
        return False
    nodes = np.flatnonzero(hidden)
    # siblings: both in one published feature with more units (the lowest or any above
    # it: the gemeente around two buurten of different wijken), or none, on the same level
    up = tree.anc[e][tree.anc[e] >= 0]
    around = up[tree.published[up] & (tree.n_units[up] > tree.n_units[e])]
    if len(around) and np.isin(tree.anc[nodes], around).any():
        return True
    if container[e] < 0 and (container[nodes] < 0)[tree.level[nodes] == tree.level[e]].any():
        return True
    # containment: a hidden ancestor or descendant with other units
    if np.isin(same[up], nodes).any() or np.isin(up, nodes).any():
        return True
    below = (tree.anc[nodes] == e).any(axis=1) | (tree.anc[nodes] == same[e]).any(axis=1)
    return bool(below.any())
