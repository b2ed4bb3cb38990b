"""Magnitudes under the p% and (n, k) dominance rules, with secondary suppression.

:func:`publish_magnitudes` adds sums and means of an amount (:class:`Magnitude`) to a
release made from the unit table. Magnitudes are published on the nested CBS levels of the
unit table (buurt, wijk, gemeente), where every area is a union of whole areas of the finer
level; other layers (H3 cells, regions, parks) carry no magnitude.

**Primary rules**, on the contributions per contributor of one area (x1 ≥ x2 ≥ … ≥ 0,
total T): the area is published (its counts passed the rules); a non-zero T rests on at
least ``min_companies`` contributors; the ``dominance_n`` largest make up at most
``dominance_pct`` per cent of T; and the p% rule holds, T − x1 − x2 ≥ p/100 · x1 (the second
largest contributor cannot estimate the largest to within p per cent).

**Secondary rules.** An attacker subtracts the published parts of a published total. In a
nested family every set he can form this way is a union of *residual blocks*: the units of
a published area that lie in no published finer area. Each non-empty block that is not the
whole area must pass the primary rules itself, with the contributions of one contributor
added up over the block; this is the combined check on the union of cells hidden together
(one contributor may not dominate the sum of the cells suppressed together). A block that
fails gets a further part hidden: the one with the smallest total that makes the block pass,
or the largest if none does on its own. Both rules are sub-additive, so the union of blocks
that pass passes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from zicht._errors import DisclosureError
from zicht.publish._amounts import Magnitude
from zicht.publish._model import AUDIT_COLUMNS, RELEASE_TOKEN, STATUS_PUBLISHED, Release, UnitTable
from zicht.publish._rules import DisclosureRules

__all__ = ["magnitude_sensitivity", "publish_magnitudes"]


def magnitude_sensitivity(contributions: Sequence[float], rules: DisclosureRules) -> str | None:
    """Return why a total of these contributions may not be published, or ``None``.

    Parameters
    ----------
    contributions
        One non-negative amount per contributor (already added up per contributor).
    rules
        ``min_companies``, ``dominance_n``, ``dominance_pct`` and ``p_pct`` apply.

    Returns
    -------
    str or None
        The rule that fails (``"contributors"``, ``"dominance"``, ``"p%"``), or ``None``.

    Examples
    --------
    >>> rules = DisclosureRules()
    >>> magnitude_sensitivity([50, 30, 20], rules)  # two largest 80 % <= 85 %; 20 >= 5
    >>> magnitude_sensitivity([60, 30, 10], rules)  # two largest 90 % > 85 %
    'dominance'
    >>> internal = DisclosureRules(dominance_pct=100.0, purpose="internal")  # dominance off
    >>> magnitude_sensitivity([50, 46, 3, 1], internal)  # rest 4 < 10 % of 50
    'p%'
    """
    x = np.sort(np.asarray(contributions, dtype=float))[::-1]
    x = x[x > 0]
    total = float(x.sum())
    if total == 0:
        return None
    if len(x) < rules.min_companies:
        return "contributors"
    if float(x[: rules.dominance_n].sum()) > rules.dominance_pct / 100.0 * total * (1 + 1e-12):
        return "dominance"
    rest = total - float(x[:2].sum())
    if rest < rules.p_pct / 100.0 * float(x[0]) * (1 - 1e-12):
        return "p%"
    return None


_REASONS = {
    "contributors": "fewer than {min_companies} contributors",
    "dominance": "dominance: {dominance_n} largest contributors above {dominance_pct:g} %",
    "p%": "p% rule: the second largest contributor estimates the largest within {p_pct:g} %",
}


@dataclass
class _Nest:
    """The nested levels of one magnitude: per unit its node per level, nodes numbered."""

    levels: list[str]
    node: np.ndarray  # (n_units, n_levels) node numbers
    codes: list[np.ndarray]  # per level the code of each node number (offset removed)
    offsets: list[int]
    parent: np.ndarray  # node → node of the next coarser level (-1 at the top)
    level_of: np.ndarray
    size: np.ndarray  # units per node


def _nest(release: Release, units: UnitTable, frame: pd.DataFrame) -> _Nest:
    levels = [name for name in units.areas if name in release.layers]
    node = np.zeros((len(frame), len(levels)), dtype=np.int64)
    codes, offsets, offset = [], [], 0
    for j, name in enumerate(levels):
        values = frame[units.areas[name]].astype(str).to_numpy()
        index, uniques = pd.factorize(values, sort=True)
        node[:, j] = index + offset
        codes.append(np.asarray(uniques, dtype=object))
        offsets.append(offset)
        offset += len(uniques)
    parent = np.full(offset, -1, dtype=np.int64)
    level_of = np.zeros(offset, dtype=np.int64)
    for j in range(len(levels)):
        level_of[offsets[j] : offsets[j] + len(codes[j])] = j
        if j + 1 < len(levels):
            parent[node[:, j]] = node[:, j + 1]
    size = np.bincount(node.ravel(), minlength=offset) if len(frame) else np.zeros(offset, int)
    return _Nest(levels, node, codes, offsets, parent, level_of, size)


def _finest_shown(nest: _Nest, shown: np.ndarray) -> np.ndarray:
    """Per unit the finest shown node of its chain (-1 where none is shown)."""
    block = np.full(len(nest.node), -1, dtype=np.int64)
    for j in reversed(range(len(nest.levels))):
        nodes = nest.node[:, j]
        hit = shown[nodes]
        block[hit] = nodes[hit]
    return block


def _block_contributions(
    block: np.ndarray, who: np.ndarray, amount: np.ndarray
) -> dict[int, np.ndarray]:
    frame = pd.DataFrame({"block": block, "who": who, "amount": amount})
    frame = frame[frame["block"] >= 0]
    sums = frame.groupby(["block", "who"], sort=False)["amount"].sum()
    return {int(b): g.to_numpy() for b, g in sums.groupby(level=0)}


def _nearest_shown_ancestor(nest: _Nest, shown: np.ndarray, node: int) -> int:
    up = nest.parent[node]
    while up >= 0 and not shown[up]:
        up = nest.parent[up]
    return int(up)


def _secondary(
    nest: _Nest,
    shown: np.ndarray,
    who: np.ndarray,
    amount: np.ndarray,
    rules: DisclosureRules,
) -> list[tuple[int, int]]:
    """Hide parts until every residual block passes; returns (hidden node, its parent)."""
    hidden: list[tuple[int, int]] = []
    totals = np.bincount(nest.node.ravel(), weights=np.repeat(amount, len(nest.levels)))
    while True:
        block = _finest_shown(nest, shown)
        contributions = _block_contributions(block, who, amount)
        in_block = np.bincount(block[block >= 0], minlength=len(shown))
        failing = [
            b
            for b, x in sorted(contributions.items())
            if in_block[b] < nest.size[b] and magnitude_sensitivity(x, rules)
        ]
        if not failing:
            return hidden
        top = failing[0]
        parts = [
            q
            for q in np.flatnonzero(shown)
            if q != top and _nearest_shown_ancestor(nest, shown, int(q)) == top
        ]
        if not parts:  # cannot happen: a block short of its area has a shown part
            raise DisclosureError("magnitude protection found no part to hide")
        choice = None
        for q in sorted(parts, key=lambda q: (totals[q], q)):
            joined = pd.DataFrame(
                {
                    "who": who[(block == top) | (block == q)],
                    "amount": amount[(block == top) | (block == q)],
                }
            )
            if magnitude_sensitivity(joined.groupby("who")["amount"].sum().to_numpy(), rules):
                continue
            choice = q
            break
        if choice is None:
            choice = max(parts, key=lambda q: (totals[q], -q))
        shown[choice] = False
        hidden.append((int(choice), int(top)))


def _contributions(frame: pd.DataFrame, magnitude: Magnitude, units: UnitTable) -> np.ndarray:
    contributor = magnitude.contributor or units.company or units.unit_id
    if contributor is None:
        return np.arange(len(frame))
    return frame[contributor].astype(str).to_numpy()


def _amounts(frame: pd.DataFrame, magnitude: Magnitude) -> np.ndarray:
    amount = pd.to_numeric(frame[magnitude.amount], errors="coerce").fillna(0.0).to_numpy(float)
    if (amount < 0).any():
        raise DisclosureError(
            f"magnitude {magnitude.id!r}: column {magnitude.amount!r} has "
            f"{int((amount < 0).sum())} negative amounts; the p% and dominance rules need "
            "amounts of at least 0"
        )
    return amount


def _check_inputs(release: Release, units: UnitTable, magnitudes: Sequence[Magnitude]) -> None:
    problems = []
    if release.regions is None:
        problems.append("the release was made without the unit table")
    columns = set(units.frame.columns)
    for m in magnitudes:
        needed = [m.amount, m.contributor, m.per]
        problems += [
            f"magnitude {m.id!r}: the unit table has no column {c!r}"
            for c in needed
            if c is not None and c not in columns
        ]
    own = {meta.column for meta in release.indicators}
    problems += [f"{m.column!r} is published already" for m in magnitudes if m.column in own]
    if problems:
        raise DisclosureError("cannot publish magnitudes: " + "; ".join(problems))


def _published_nodes(release: Release, nest: _Nest) -> np.ndarray:
    published = np.zeros(len(nest.parent), dtype=bool)
    for j, name in enumerate(nest.levels):
        layer = release.layers[name]
        ok = set(layer.loc[layer["status"] == STATUS_PUBLISHED, "area_id"].astype(str))
        codes = nest.codes[j]
        published[nest.offsets[j] : nest.offsets[j] + len(codes)] = [c in ok for c in codes]
    return published


def _protect_one(
    nest: _Nest,
    published: np.ndarray,
    frame: pd.DataFrame,
    magnitude: Magnitude,
    units: UnitTable,
    rules: DisclosureRules,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """Return (value per node, shown per node, [(node, reason)] hidden by the rules)."""
    who = _contributions(frame, magnitude, units)
    amount = _amounts(frame, magnitude)
    reach = len(nest.levels)
    node_all = nest.node.ravel()
    table = pd.DataFrame(
        {"node": node_all, "who": np.repeat(who, reach), "amount": np.repeat(amount, reach)}
    )
    per_node = table.groupby(["node", "who"], sort=False)["amount"].sum()
    why = {int(b): magnitude_sensitivity(g.to_numpy(), rules) for b, g in per_node.groupby(level=0)}
    texts = {k: v.format(**vars(rules)) for k, v in _REASONS.items()}
    hidden = [(b, texts[r]) for b, r in sorted(why.items()) if r and published[b]]
    totals = np.bincount(node_all, weights=np.repeat(amount, reach), minlength=len(published))
    if magnitude.kind == "mean":
        weight = (
            np.ones(len(frame))
            if magnitude.per is None
            else pd.to_numeric(frame[magnitude.per], errors="coerce").fillna(0.0).to_numpy(float)
        )
        w = np.bincount(node_all, weights=np.repeat(weight, reach), minlength=len(published))
        hidden += [(int(b), "no denominator") for b in np.flatnonzero(published & (w <= 0))]
        with np.errstate(divide="ignore", invalid="ignore"):
            totals = np.where(w > 0, totals / w, np.nan)
    shown = published.copy()
    shown[[b for b, _ in hidden]] = False
    for node, top in _secondary(nest, shown, who, amount, rules):
        code = nest.codes[nest.level_of[top]][top - nest.offsets[nest.level_of[top]]]
        hidden.append((node, f"secondary: the areas hidden together in {code} must pass"))
    values = np.where(shown, np.round(totals, magnitude.decimals), np.nan)
    return values, shown, hidden


def publish_magnitudes(
    release: Release,
    units: UnitTable,
    magnitudes: Sequence[Magnitude],
) -> Release:
    """Add sums and means of amounts to a release made from the unit table.

    Parameters
    ----------
    release
        A release made by :func:`publish_release` with ``units``.
    units
        The same unit table; it holds the amount, ``per`` and contributor columns.
    magnitudes
        The magnitudes to publish (see :class:`Magnitude`).

    Returns
    -------
    Release
        A new release: the same features and values, plus a column per magnitude on the
        nested CBS layers (empty on the others), its audit rows (``magnitude_suppressed``,
        ``secondary_suppressed``) and ``disclosure["magnitudes"]`` with what was hidden.

    Raises
    ------
    DisclosureError
        If a column is missing, an amount is negative or the release was not made from
        the unit table.
    """
    _check_inputs(release, units, magnitudes)
    keys = [units.cell, *units.areas.values()]
    frame = units.frame[units.frame[keys].notna().all(axis=1)]
    nest = _nest(release, units, frame)
    published = _published_nodes(release, nest)
    layers = {name: frame_.copy() for name, frame_ in release.layers.items()}
    audit: list[tuple[str, str, str, str, str]] = []
    summary: dict[str, Any] = {}
    for m in magnitudes:
        values, shown, hidden = _protect_one(nest, published, frame, m, units, rules=release.rules)
        for name, layer in layers.items():
            column = np.full(len(layer), np.nan)
            if name in nest.levels:
                j = nest.levels.index(name)
                lookup = dict(zip(nest.codes[j], range(len(nest.codes[j])), strict=True))
                at = [lookup.get(a, -1) for a in layer["area_id"].astype(str)]
                column = np.array([values[nest.offsets[j] + i] if i >= 0 else np.nan for i in at])
            layer[m.column] = column
        for node, reason in hidden:
            j = int(nest.level_of[node])
            code = str(nest.codes[j][node - nest.offsets[j]])
            action = (
                "secondary_suppressed" if reason.startswith("secondary") else "magnitude_suppressed"
            )
            audit.append((nest.levels[j], code, action, m.column, reason))
        summary[m.column] = _summary(m, nest, published, shown, hidden, units)
    audit_frame = pd.concat(
        [release.audit, pd.DataFrame(audit, columns=AUDIT_COLUMNS)], ignore_index=True
    )
    disclosure = dict(release.disclosure)
    disclosure["magnitudes"] = summary
    return Release(
        layers=MappingProxyType(layers),
        indicators=(*release.indicators, *(m.meta() for m in magnitudes)),
        context=release.context,
        rules=release.rules,
        metadata=release.metadata,
        audit=audit_frame,
        regions=release.regions,
        disclosure=MappingProxyType(disclosure),
        _token=RELEASE_TOKEN,
    )


def _summary(
    m: Magnitude,
    nest: _Nest,
    published: np.ndarray,
    shown: np.ndarray,
    hidden: list[tuple[int, str]],
    units: UnitTable,
) -> dict[str, Any]:
    secondary = {node for node, reason in hidden if reason.startswith("secondary")}
    primary = {node for node, _ in hidden} - secondary
    per_layer: dict[str, dict[str, int]] = {}
    for j, name in enumerate(nest.levels):
        nodes = range(nest.offsets[j], nest.offsets[j] + len(nest.codes[j]))
        per_layer[name] = {
            "published": int(sum(bool(shown[n]) for n in nodes)),
            "primary_hidden": sum(n in primary for n in nodes),
            "secondary_hidden": sum(n in secondary for n in nodes),
            "area_not_published": int(sum(not published[n] for n in nodes)),
        }
    contributor = m.contributor or units.company or units.unit_id
    return {
        "kind": m.kind,
        "amount": m.amount,
        "contributor": contributor,
        "per": m.per,
        "decimals": m.decimals,
        "layers": per_layer,
        "unit_keys": {name: units.areas[name] for name in nest.levels},
    }
