"""The disclosure tree of the unit path: regions and areas as nodes, their primary states.

Part of :func:`zicht.publish.publish_release` (see :mod:`zicht.publish._units`): numbers the
nodes (regions first, then the areas of every published level), sums unit columns per node,
and applies the primary rules (threshold, small counts, group disclosure, company rules).
"""

from __future__ import annotations

from typing import Any

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from zicht._errors import DisclosureError, SchemaError
from zicht.publish._disclosure import (
    EXACT,
    HIDDEN,
    ROUNDED,
    Tree,
    primary_indicator_state,
)
from zicht.publish._model import LayerInput
from zicht.publish._regions import RegionPlan
from zicht.publish._rules import DisclosureRules
from zicht.schemas import IndicatorMeta

#: Audit rows: layer, area id, action, indicator, reason.
Audit = list[tuple[str, str, str, str, str]]

#: Column of the pieces' finest nest key (the finest area, joined with the extra keys by SEP).
NEST0 = "_nest0"
SEP = "|"


class NodeIndex:
    """Node numbering: regions first, then the areas of every level."""

    def __init__(self, regions: pd.Index, levels: list[tuple[str, str, pd.Index]]) -> None:
        self.regions = regions
        self.levels = levels
        self.offset: list[int] = []
        start = len(regions)
        for _, _, codes in levels:
            self.offset.append(start)
            start += len(codes)
        self.size = start

    def nodes(self, level: int, codes: pd.Series | np.ndarray) -> np.ndarray:
        """Node index of each code at a level (``-1`` where unknown or missing)."""
        idx = self.levels[level][2].get_indexer(pd.Index(np.asarray(codes, dtype=object)))
        return np.where(idx >= 0, idx + self.offset[level], -1)

    def region_nodes(self, region_ids: np.ndarray) -> np.ndarray:
        """Node index of each region id."""
        return self.regions.get_indexer(pd.Index(region_ids))

    def label(self, node: int) -> tuple[str, str]:
        """Layer name and area id of a node."""
        if node < len(self.regions):
            return "region", str(self.regions[node])
        for (name, _, codes), off in zip(self.levels, self.offset, strict=True):
            if node < off + len(codes):
                return name, str(codes[node - off])
        raise IndexError(node)  # pragma: no cover


def build_tree(
    table: pd.DataFrame,
    plan: RegionPlan,
    area_names: list[str],
    area_cols: list[str],
    by_name: dict[str, LayerInput],
    rules: DisclosureRules,
) -> tuple[Tree, NodeIndex]:
    regions = plan.regions
    levels = []
    for name, col in zip(area_names, area_cols, strict=True):
        codes = pd.Index(pd.unique(table[col]))
        if name in by_name:
            extra = pd.Index(by_name[name].frame["area_id"].astype("str")).difference(codes)
            codes = codes.append(extra)
        levels.append((name, col, codes))
    index = NodeIndex(regions.index, levels)
    n_levels = len(levels)
    anc = np.full((index.size, n_levels), -1, dtype=np.int64)
    level = np.full(index.size, -1, dtype=np.int64)
    n_units = np.zeros(index.size, dtype=np.int64)
    published = np.zeros(index.size, dtype=bool)
    exact_layer = np.zeros(index.size, dtype=bool)
    n_regions = len(regions)
    n_units[:n_regions] = regions["n_units"].to_numpy()
    published[:n_regions] = regions["n_units"].to_numpy() >= rules.min_units
    for lv, (_name, col, _codes) in enumerate(levels):
        anc[:n_regions, lv] = index.nodes(lv, regions[col].to_numpy())
    # per unit, whether its region crosses the areas of a level (no code there): found
    # from one lookup of the units' regions, not one text reindex per level
    unit_region = regions.index.get_indexer(pd.Index(table["region_id"].to_numpy()))
    crossing = {
        col: np.r_[pd.isna(regions[col]).to_numpy(), True][unit_region] for col in area_cols
    }
    cut_all = np.zeros(index.size, dtype=bool)
    for lv, (name, col, codes) in enumerate(levels):
        sl = slice(index.offset[lv], index.offset[lv] + len(codes))
        level[sl] = lv
        exact_layer[sl] = not rules.is_rounded(name)
        counts = table.groupby(col).size().reindex(codes, fill_value=0).to_numpy()
        n_units[sl] = counts
        # An area is cut when one of its units lies in a region that crosses it.
        cut_codes = pd.unique(table.loc[crossing[col], col])
        cut = codes.isin(cut_codes)
        cut_all[sl] = cut
        published[sl] = (name in by_name) & ~cut & (counts >= rules.min_units)
        parents = table[[col, *area_cols[lv + 1 :]]].drop_duplicates(col).set_index(col)
        for up in range(lv + 1, n_levels):
            up_codes = parents[area_cols[up]].reindex(codes).to_numpy()
            anc[sl, up] = index.nodes(up, up_codes)
    tree = Tree(
        n_leaves=n_regions,
        anc=anc,
        level=level,
        n_units=n_units,
        published=published,
        exact_layer=exact_layer,
        rounding_base=rules.rounding_base,
        cut=cut_all,
    )
    return tree, index


def node_sums(table: pd.DataFrame, index: NodeIndex, tree: Tree, column: str) -> np.ndarray:
    out = np.zeros(tree.n_nodes, dtype=np.int64)
    by_region = table.groupby("region_id")[column].sum()
    out[: tree.n_leaves] = by_region.reindex(index.regions, fill_value=0).to_numpy()
    for lv, (_name, col, codes) in enumerate(index.levels):
        sums = table.groupby(col)[column].sum().reindex(codes, fill_value=0).to_numpy()
        out[index.offset[lv] : index.offset[lv] + len(codes)] = sums
    return out


def _company_stats(
    table: pd.DataFrame, index: NodeIndex, tree: Tree, column: str, top_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Contributors with a non-zero value, and the share of the ``top_n`` largest, per node."""
    contributors = np.zeros(tree.n_nodes, dtype=np.int64)
    top_share = np.zeros(tree.n_nodes, dtype=np.float64)

    def fill(keys: str, codes: pd.Index, offset: int) -> None:
        per = table.groupby([keys, "_company"])[column].sum()
        per = per[per > 0]
        if per.empty:
            return
        frame = per.rename("v").reset_index().sort_values([keys, "v"], ascending=[True, False])
        count = frame.groupby(keys).size()
        total = frame.groupby(keys)["v"].sum()
        top = frame.groupby(keys).head(top_n).groupby(keys)["v"].sum()
        pos = codes.get_indexer(count.index)
        ok = pos >= 0
        contributors[offset + pos[ok]] = count.to_numpy()[ok]
        top_share[offset + pos[ok]] = (100.0 * top / total).to_numpy()[ok]

    fill("region_id", index.regions, 0)
    for lv, (_name, col, codes) in enumerate(index.levels):
        fill(col, codes, index.offset[lv])
    return contributors, top_share


def indicator_basis(metas: tuple[IndicatorMeta, ...], column: str) -> str:
    related = [m for m in metas if m.count_column == column or m.column == column]
    return "companies" if any(m.basis == "companies" for m in related) else "units"


def primary_states(
    table: pd.DataFrame,
    index: NodeIndex,
    tree: Tree,
    k: np.ndarray,
    base: np.ndarray,
    unit_col: str,
    basis: str,
    rules: DisclosureRules,
) -> tuple[np.ndarray, np.ndarray]:
    companies = None
    if basis == "companies":
        companies = _company_stats(table, index, tree, unit_col, rules.dominance_n)
    state, reason = primary_indicator_state(base, k, rules, companies=companies)
    state[~tree.published] = HIDDEN
    return state, reason


def summarise_indicator(primary: np.ndarray, protection: Any, tree: Tree) -> dict[str, int]:
    pub = tree.published
    final = protection.state
    return {
        "values_published_exact": int((pub & (final == EXACT)).sum()),
        "rounded_small_count": int((pub & (primary == ROUNDED)).sum()),
        "hidden_primary": int((pub & (primary == HIDDEN)).sum()),
        "secondary_rounded": int((pub & (primary == EXACT) & (final == ROUNDED)).sum()),
        "secondary_hidden": int((pub & (primary != HIDDEN) & (final == HIDDEN)).sum()),
        "protection_rounds": int(protection.rounds),
    }


def cell_resolution(cells: pd.Series) -> int:
    if cells.empty:
        raise DisclosureError("the unit table has no unit with an H3 cell and area codes")
    res = {h3i.get_resolution(int(c)) for c in pd.unique(cells)[:1000]}
    if len(res) != 1:
        raise SchemaError(f"units are on several H3 resolutions: {sorted(res)}")
    return res.pop()
