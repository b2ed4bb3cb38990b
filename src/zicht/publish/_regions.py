"""Publishable regions: small H3 cells merged into regions that nest inside buurten.

A *piece* is the part of one H3 cell inside one buurt: ``(cell, buurt)``. A region is a set
of pieces of the same buurt whose units number at least the publication threshold, so every
buurt (and every wijk and gemeente) is a union of whole regions and no published total can
cut a region. Differencing between the region layer and the CBS layers is impossible by
construction: whatever one subtracts, the remainder is a union of whole regions.

Pieces are merged, never split, in this order:

1. **Within the buurt.** Each region below the threshold joins the adjacent region of the
   same buurt with the fewest units (ties: the smaller id), so small cells merge with small
   cells first and large cells keep their own value. Empty pieces (cells that overlap the
   buurt but hold no unit) are first given to the nearest occupied region of their buurt,
   so regions are contiguous through empty ground and together cover the buurt.
2. **Fallback to the wijk, then the gemeente.** A buurt with fewer units than the threshold
   cannot hold a region; its region joins an adjacent region of the same wijk (sparse rural
   areas), and, failing that, of the same gemeente. The buurten (wijken) such a region
   crosses are then published only through their regions (status ``merged``).
3. What is still below the threshold (a gemeente with too few units) is suppressed.

Methods: ``"grow"`` (the default, above), ``"parent"`` (coarsen to H3 parents, merging all
siblings of a cell whose sibling group holds a small cell, within the buurt; leftovers
then grow) and ``"maxp"`` (spopt's max-p regionalisation per buurt; for small study areas
only, it needs minutes for a thousand areas). Every method is deterministic: region ids
are ``<code of the area it nests in>-<smallest H3 cell>`` and stay the same across runs
with the same inputs. The regions' shapes (H3 cells over area polygons, each region's
polygon) are drawn in :mod:`zicht.publish._region_shapes`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from zicht._errors import ConfigError, DisclosureError, SchemaError
from zicht.publish._fallback import fallback_groups
from zicht.schemas import RD_NEW

__all__ = [
    "REGION_METHODS",
    "RegionOptions",
    "RegionPlan",
    "build_regions",
]

REGION_METHODS = ("grow", "parent", "maxp")

_TO_RD = Transformer.from_crs("EPSG:4326", RD_NEW, always_xy=True)


@dataclass(frozen=True)
class RegionOptions:
    """How small H3 cells are merged into publishable regions.

    Parameters
    ----------
    method
        ``"grow"`` (merge each small region with its smallest adjacent region in the same
        buurt), ``"parent"`` (coarsen to H3 parents, merging all siblings) or ``"maxp"``
        (spopt max-p per buurt, small study areas only).
    fill_empty
        Give every buurt a complete cover of H3 pieces, also where no unit lives, so
        regions are contiguous and tile the buurt (needs the buurt boundaries).
    min_parent_resolution
        ``"parent"`` only: the coarsest H3 resolution a sibling group may grow to.
    maxp_max_areas
        ``"maxp"`` only: refuse study areas with more occupied pieces than this.
    seed
        ``"maxp"`` only: seed of the heuristic's random construction phase.
    """

    method: str = "grow"
    fill_empty: bool = True
    min_parent_resolution: int = 6
    maxp_max_areas: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in REGION_METHODS:
            raise ConfigError(
                f"regions.method = {self.method!r} is not allowed; use one of {REGION_METHODS}"
            )
        if not 0 <= self.min_parent_resolution <= 15:
            raise ConfigError(
                f"regions.min_parent_resolution must be 0 to 15, got {self.min_parent_resolution}"
            )
        if self.maxp_max_areas < 1:
            raise ConfigError(f"regions.maxp_max_areas must be positive, got {self.maxp_max_areas}")


@dataclass(frozen=True)
class RegionPlan:
    """Which region every piece belongs to, and what the regions are.

    Attributes
    ----------
    pieces
        One row per piece: ``cell`` (64-bit H3 id), the nest columns, ``n_units`` and
        ``region_id``.
    regions
        Indexed by ``region_id``: ``n_units``, ``n_pieces``, ``n_cells``, ``level`` (the
        nest column it nests in: ``"buurt_code"``, ``"wijk_code"`` … or ``""`` when it
        crosses them all) and one column per nest level with the code it nests in
        (missing where it crosses that level).
    nest
        The nest columns, finest first.
    min_units
        The threshold the regions were built for.
    method
        The method used.
    rounds
        Merge rounds run.
    seconds
        Time taken.
    """

    pieces: pd.DataFrame
    regions: pd.DataFrame
    nest: tuple[str, ...]
    min_units: int
    method: str
    rounds: int
    seconds: float
    merges: dict[str, int] = field(default_factory=dict)

    @property
    def below_threshold(self) -> int:
        """Regions with units but fewer than the threshold (they will be suppressed)."""
        n = self.regions["n_units"]
        return int(((n > 0) & (n < self.min_units)).sum())


# ----------------------------------------------------------------------------- adjacency


def _cell_neighbour_pairs(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)`` of adjacent cells among the sorted unique ``cells``."""
    if len(cells) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    rings = [h3i.grid_ring(int(c), 1) for c in cells]
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    flat = np.fromiter((n for ring in rings for n in ring), dtype=np.uint64, count=int(sizes.sum()))
    flat = flat.astype(np.int64)
    src = np.repeat(np.arange(len(cells), dtype=np.int64), sizes)
    pos = np.searchsorted(cells, flat)
    pos = np.clip(pos, 0, len(cells) - 1)
    hit = cells[pos] == flat
    return src[hit], pos[hit]


def _cell_slices(cell_index: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """First piece and number of pieces of every cell (pieces sorted by cell)."""
    start = np.searchsorted(cell_index, np.arange(n_cells + 1))
    return start, np.diff(start)


def _expand_pairs(
    a_cells: np.ndarray, b_cells: np.ndarray, start: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All piece pairs (p, q) with p in cell a and q in cell b, for every (a, b)."""
    na = count[a_cells]
    nb = count[b_cells]
    total = na * nb
    keep = total > 0
    a_cells, b_cells, na, nb, total = a_cells[keep], b_cells[keep], na[keep], nb[keep], total[keep]
    rep = np.repeat(np.arange(len(a_cells)), total)
    offset = np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)
    p = start[a_cells][rep] + offset // nb[rep]
    q = start[b_cells][rep] + offset % nb[rep]
    return p, q


# ----------------------------------------------------------------------------- merging


class _Labels:
    """Region labels of pieces with per-region totals, merged by union-find rounds."""

    def __init__(self, labels: np.ndarray, n_units: np.ndarray, key: np.ndarray) -> None:
        self.labels = labels
        self.n_units = n_units
        self.key = key  # stable per-piece key (cell id); a region's key is its smallest
        self.rounds = 0
        self.relabel()

    def relabel(self) -> None:
        _, self.labels = np.unique(self.labels, return_inverse=True)
        count = int(self.labels.max()) + 1 if len(self.labels) else 0
        self.size = np.bincount(self.labels, weights=self.n_units, minlength=count).astype(np.int64)
        region_key = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(region_key, self.labels, self.key)
        self.region_key = region_key

    def merge(self, a: np.ndarray, b: np.ndarray) -> int:
        """Merge the regions of each pair; return the number of pairs merged."""
        if len(a) == 0:
            return 0
        count = len(self.size)
        graph = sparse.coo_matrix(
            (np.ones(len(a), dtype=np.int8), (a, b)), shape=(count, count)
        ).tocsr()
        _, component = connected_components(graph, directed=False)
        self.labels = component[self.labels]
        self.relabel()
        return len(a)


def _merge_small(
    state: _Labels,
    edge_p: np.ndarray,
    edge_q: np.ndarray,
    group: np.ndarray,
    min_units: int,
    centroid_xy: np.ndarray,
) -> None:
    """Merge regions below ``min_units`` with neighbours of the same ``group`` until none can.

    A small region proposes to its adjacent region (same group) with the fewest units; a
    proposal is accepted when the target already passes the threshold or proposes back.
    Following proposals, unit counts never increase, so every chain ends in a mutual pair
    or a large region and every round makes progress. Small regions with no adjacent
    region of their group join the nearest region of their group (by centroid).
    """
    same = group[edge_p] == group[edge_q]
    edge_p, edge_q = edge_p[same], edge_q[same]
    while True:
        size = state.size
        small = (size > 0) & (size < min_units)
        if not small.any():
            return
        ra, rb = state.labels[edge_p], state.labels[edge_q]
        live = (ra != rb) & (small[ra] | small[rb])
        edge_p, edge_q = edge_p[live], edge_q[live]
        ra, rb = ra[live], rb[live]
        cand = small[ra] & (size[rb] > 0)
        ca, cb = ra[cand], rb[cand]
        if len(ca):
            order = np.lexsort((state.region_key[cb], size[cb], ca))
            ca, cb = ca[order], cb[order]
            first = np.r_[True, ca[1:] != ca[:-1]]
            proposer, target = ca[first], cb[first]
            wants = np.full(len(size), -1, dtype=np.int64)
            wants[proposer] = target
            accept = (size[target] >= min_units) | (wants[target] == proposer)
            if accept.any():
                state.merge(proposer[accept], target[accept])
                state.rounds += 1
                continue
        # No adjacent partner: join the nearest region of the same group.
        if not _merge_stranded(state, group, min_units, centroid_xy):
            return


def _merge_stranded(
    state: _Labels, group: np.ndarray, min_units: int, centroid_xy: np.ndarray
) -> bool:
    size = state.size
    count = len(size)
    weight = np.bincount(state.labels, minlength=count).astype(np.float64)
    cx = np.bincount(state.labels, weights=centroid_xy[:, 0], minlength=count) / weight
    cy = np.bincount(state.labels, weights=centroid_xy[:, 1], minlength=count) / weight
    region_group = np.empty(count, dtype=group.dtype)
    region_group[state.labels] = group
    # A region spans one group at this level (groups only coarsen as levels rise).
    small = np.flatnonzero((size > 0) & (size < min_units))
    # the occupied regions of every group, ascending (sorted once, not grouped per pass)
    occupied = np.flatnonzero(size > 0)
    occupied = occupied[np.argsort(region_group[occupied], kind="stable")]
    occupied_groups = region_group[occupied]
    lo = np.searchsorted(occupied_groups, region_group[small], side="left")
    hi = np.searchsorted(occupied_groups, region_group[small], side="right")
    pairs_a, pairs_b = [], []
    for r, a, b in zip(small, lo, hi, strict=True):
        others = occupied[a:b]
        others = others[others != r]
        if len(others) == 0:
            continue
        d2 = (cx[others] - cx[r]) ** 2 + (cy[others] - cy[r]) ** 2
        best = others[np.lexsort((state.region_key[others], d2))[0]]
        pairs_a.append(r)
        pairs_b.append(best)
    if not pairs_a:
        return False
    # Merge one stranded region per group per pass, so two stranded neighbours do not
    # both jump to a third region when joining each other would do.
    a = np.asarray(pairs_a)
    b = np.asarray(pairs_b)
    _, first = np.unique(region_group[a], return_index=True)
    state.merge(a[first], b[first])
    state.rounds += 1
    return True


def _flood_fill_empty(
    state: _Labels, edge_p: np.ndarray, edge_q: np.ndarray, group: np.ndarray, occupied: np.ndarray
) -> None:
    """Give each empty piece the region of an adjacent occupied region of its group.

    Breadth-first from all occupied pieces at once; a piece reached by several regions in
    the same round takes the one with the smallest key. Empty pieces that no occupied
    region of their group reaches form regions of their own (later merged or left empty).
    """
    same = group[edge_p] == group[edge_q]
    edge_p, edge_q = edge_p[same], edge_q[same]
    assigned = occupied.copy()
    labels = state.labels.copy()
    while True:
        reach = assigned[edge_p] & ~assigned[edge_q]
        if not reach.any():
            break
        src, dst = edge_p[reach], edge_q[reach]
        src_key = state.region_key[labels[src]]
        order = np.lexsort((src_key, dst))
        src, dst = src[order], dst[order]
        first = np.r_[True, dst[1:] != dst[:-1]]
        labels[dst[first]] = labels[src[first]]
        assigned[dst[first]] = True
    # Unreached empty pieces: one region per connected empty patch of their group.
    rest = np.flatnonzero(~assigned)
    if len(rest):
        inside = ~assigned[edge_p] & ~assigned[edge_q]
        count = len(labels)
        graph = sparse.coo_matrix(
            (np.ones(int(inside.sum()), dtype=np.int8), (edge_p[inside], edge_q[inside])),
            shape=(count, count),
        ).tocsr()
        _, comp = connected_components(graph, directed=False)
        labels[rest] = labels.max() + 1 + comp[rest]
    state.labels = labels
    state.relabel()


def _parent_labels(
    cells: np.ndarray, group: np.ndarray, n_units: np.ndarray, min_units: int, coarsest: int
) -> np.ndarray:
    """Labels for the ``"parent"`` method: multi-resolution H3 parents within each group.

    Top-down from ``coarsest``: a sibling group (the pieces under one parent in one group)
    is split into its children only when every non-empty child group reaches the
    threshold; otherwise the whole sibling group is one region.
    """
    if len(cells) == 0:
        return np.empty(0, dtype=np.int64)
    resolution = h3i.get_resolution(int(cells[0]))
    coarsest = min(coarsest, resolution)
    levels = list(range(coarsest, resolution + 1))
    group_codes = pd.factorize(group)[0].astype(np.int64)
    keys = {}
    for level in levels:
        parent = (
            cells
            if level == resolution
            else np.fromiter(
                (h3i.cell_to_parent(int(c), level) for c in cells), dtype=np.uint64
            ).astype(np.int64)
        )
        keys[level] = pd.factorize(pd.MultiIndex.from_arrays([parent, group_codes]))[0]
    total = {lv: np.bincount(k, weights=n_units).astype(np.int64) for lv, k in keys.items()}
    # splittable[level][g]: every non-empty child group of g passes the threshold.
    decided = np.full(len(cells), -1, dtype=np.int64)
    label = np.zeros(len(cells), dtype=np.int64)
    for level in levels:
        k = keys[level]
        if level == resolution:
            split = np.zeros(len(total[level]), dtype=bool)
        else:
            child = keys[level + 1]
            child_total = total[level + 1][child]
            bad = (child_total > 0) & (child_total < min_units)
            has_bad = np.zeros(len(total[level]), dtype=bool)
            np.logical_or.at(has_bad, k, bad)
            split = ~has_bad
        stop = (decided < 0) & ~split[k]
        decided[stop] = level
        label[stop] = k[stop] + level * (len(cells) + 1)
    return pd.factorize(label)[0].astype(np.int64)


def _maxp_labels(
    pieces: pd.DataFrame,
    group: np.ndarray,
    centroid_xy: np.ndarray,
    edge_p: np.ndarray,
    edge_q: np.ndarray,
    min_units: int,
    options: RegionOptions,
) -> np.ndarray:
    """Labels for the ``"maxp"`` method: spopt max-p per group on occupied pieces."""
    from libpysal.weights import W
    from spopt.region import MaxPHeuristic

    occupied = pieces["n_units"].to_numpy() > 0
    if int(occupied.sum()) > options.maxp_max_areas:
        raise ConfigError(
            f"regions.method = 'maxp' is for small study areas: {int(occupied.sum())} occupied "
            f"pieces exceed regions.maxp_max_areas = {options.maxp_max_areas}; use 'grow'"
        )
    labels = np.arange(len(pieces), dtype=np.int64)
    next_label = len(pieces)
    same = (group[edge_p] == group[edge_q]) & occupied[edge_p] & occupied[edge_q]
    ep, eq = edge_p[same], edge_q[same]
    # spopt draws from numpy's global generator: seed it, then restore it
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(options.seed)  # noqa: NPY002
        for g in pd.unique(group[occupied]):
            idx = np.flatnonzero((group == g) & occupied)
            if len(idx) < 2 or pieces["n_units"].to_numpy()[idx].sum() < 2 * min_units:
                continue
            local = {int(p): i for i, p in enumerate(idx)}
            mask = np.isin(ep, idx)
            neighbours: dict[int, list[int]] = {i: [] for i in range(len(idx))}
            for p, q in zip(ep[mask], eq[mask], strict=True):
                if int(q) in local:
                    neighbours[local[int(p)]].append(local[int(q)])
            if any(not v for v in neighbours.values()):
                continue  # islands: max-p cannot place them; leave the group to "grow"
            frame = gpd.GeoDataFrame(
                {
                    "x": centroid_xy[idx, 0],
                    "y": centroid_xy[idx, 1],
                    "n_units": pieces["n_units"].to_numpy()[idx].astype(float),
                },
                geometry=gpd.points_from_xy(centroid_xy[idx, 0], centroid_xy[idx, 1]),
            )
            weights = W({k: sorted(set(v)) for k, v in neighbours.items()}, silence_warnings=True)
            model = MaxPHeuristic(frame, weights, ["x", "y"], "n_units", min_units, top_n=2)
            model.solve()
            got = np.asarray(model.labels_)
            for value in np.unique(got):
                if value <= 0:
                    continue
                labels[idx[got == value]] = next_label
                next_label += 1
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return labels


# ----------------------------------------------------------------------------- public API


def _validate_pieces(pieces: pd.DataFrame, nest: Sequence[str]) -> None:
    problems = []
    missing = [c for c in ("cell", "n_units", *nest) if c not in pieces]
    if missing:
        raise SchemaError(f"pieces lack columns {missing}")
    if pieces[list(nest)].isna().any().any():
        problems.append("nest codes are missing on some pieces")
    if (pieces["n_units"] < 0).any():
        problems.append("n_units is negative on some pieces")
    if pieces.duplicated(["cell", nest[0]]).any():
        problems.append(f"pieces repeat a (cell, {nest[0]}) pair; aggregate them first")
    for finer, coarser in itertools.pairwise(nest):
        spread = pieces.groupby(finer, sort=False)[coarser].nunique()
        if (spread > 1).any():
            bad = spread[spread > 1].index[:3].tolist()
            problems.append(f"{finer} does not nest in {coarser} (e.g. {bad})")
    if problems:
        raise SchemaError("cannot build regions: " + "; ".join(problems))


def _cell_centroids_rd(cells: np.ndarray) -> np.ndarray:
    latlng = np.array([h3i.cell_to_latlng(int(c)) for c in cells], dtype=np.float64)
    if len(latlng) == 0:
        return np.empty((0, 2))
    x, y = _TO_RD.transform(latlng[:, 1], latlng[:, 0])
    return np.column_stack([x, y])


def build_regions(
    pieces: pd.DataFrame,
    *,
    min_units: int,
    nest: Sequence[str] = ("buurt_code", "wijk_code", "gemeente_code"),
    options: RegionOptions | None = None,
    whole: str | None = None,
    protect: Sequence[str] | None = None,
) -> RegionPlan:
    """Merge pieces into regions of at least ``min_units`` units nested in the ``nest`` areas.

    Parameters
    ----------
    pieces
        One row per piece: ``cell`` (64-bit H3 id), one column per nest level with the area
        code, and ``n_units``. Pieces with ``n_units == 0`` are empty ground (see
        :func:`cover_areas_with_cells`); they are given to regions but never decide them.
    min_units
        The publication threshold.
    nest
        Area code columns, finest first; each must nest in the next.
    options
        Method and settings; defaults to :class:`RegionOptions()`.
    whole
        Column of ``pieces`` naming a feature to keep whole (e.g. a park; ``""`` for none):
        after the merge within the finest nest level, the regions of one feature in one
        finest nest area become one region, so a feature inside one area is exactly one
        region (split the finest level by the feature, so no region mixes it with others).
    protect
        Nest columns whose areas that pass on their own (at least ``min_units`` units) no
        region may cross (default: all of ``nest``). The fallback of a small area to the
        next level then merges it only with other small areas; what cannot reach the
        threshold that way stays below it (and is suppressed) instead of cutting a big
        neighbour, which would leave that neighbour without a value of its own.

    Returns
    -------
    RegionPlan
        The region of every piece and the table of regions.

    Raises
    ------
    SchemaError
        If columns are missing, codes do not nest or a ``(cell, area)`` pair repeats.
    ConfigError
        If ``"maxp"`` is asked for a study area that is too large.

    Examples
    --------
    >>> cell = h3i.latlng_to_cell(52.04, 5.66, 9)
    >>> ring = sorted(h3i.grid_disk(cell, 1))
    >>> counts = [40, 3, 4, 30, 2, 50, 25]  # three cells below 10 units
    >>> pieces = pd.DataFrame({"cell": ring, "buurt_code": "BU1", "n_units": counts})
    >>> plan = build_regions(pieces, min_units=10, nest=["buurt_code"])
    >>> sorted(zip(plan.regions["n_units"], plan.regions["n_cells"]))
    [(30, 1), (34, 4), (40, 1), (50, 1)]
    """
    options = options or RegionOptions()
    nest = tuple(nest)
    if min_units < 1:
        raise DisclosureError(f"min_units must be at least 1, got {min_units}")
    _validate_pieces(pieces, nest)
    if whole is not None and whole not in pieces:
        raise SchemaError(f"pieces lack the column {whole!r} named by whole=")
    started = time.perf_counter()
    frame = pieces.sort_values(["cell", nest[0]], kind="stable").reset_index(drop=True)
    cells_all = frame["cell"].to_numpy(dtype=np.int64)
    n_units = frame["n_units"].to_numpy(dtype=np.int64)
    unique_cells, cell_index = np.unique(cells_all, return_inverse=True)
    start, count = _cell_slices(cell_index, len(unique_cells))
    ca, cb = _cell_neighbour_pairs(unique_cells)
    same_a = np.arange(len(unique_cells), dtype=np.int64)
    multi = count > 1
    edge_p, edge_q = _expand_pairs(np.r_[ca, same_a[multi]], np.r_[cb, same_a[multi]], start, count)
    no_loop = edge_p != edge_q
    edge_p, edge_q = edge_p[no_loop], edge_q[no_loop]
    centroid_xy = _cell_centroids_rd(unique_cells)[cell_index]
    groups = [pd.factorize(frame[col])[0].astype(np.int64) for col in nest]
    occupied = n_units > 0

    if options.method == "parent":
        initial = _parent_labels(
            cells_all, groups[0], n_units, min_units, options.min_parent_resolution
        )
        initial = np.where(occupied, initial, initial.max(initial=0) + 1 + np.arange(len(frame)))
    elif options.method == "maxp":
        initial = _maxp_labels(frame, groups[0], centroid_xy, edge_p, edge_q, min_units, options)
    else:
        initial = np.arange(len(frame), dtype=np.int64)
    state = _Labels(initial, n_units, cells_all)
    merges: dict[str, int] = {}
    regions_before = int((state.size > 0).sum())
    if not occupied.all():
        _flood_fill_empty(state, edge_p, edge_q, groups[0], occupied)
    fallback = fallback_groups(groups, n_units, min_units, nest, protect)
    for level, (col, group) in enumerate(zip(nest, fallback, strict=True)):
        before = len(state.size)
        _merge_small(state, edge_p, edge_q, group, min_units, centroid_xy)
        merges[col] = before - len(state.size)
        if level == 0 and whole is not None:
            merges[f"whole:{whole}"] = _merge_whole(state, frame[whole].to_numpy(), group)
    # Empty patches left over inside an occupied group join their nearest region.
    _absorb_empty_patches(state, groups[0], centroid_xy)
    frame["region"] = state.labels
    regions = _region_table(frame, nest)
    frame["region_id"] = regions["region_id"].to_numpy()[state.labels]
    regions = regions.set_index("region_id")
    merges["pieces_in"] = len(frame)
    merges["occupied_regions_before"] = regions_before
    return RegionPlan(
        pieces=frame.drop(columns="region"),
        regions=regions,
        nest=nest,
        min_units=min_units,
        method=options.method,
        rounds=state.rounds,
        seconds=time.perf_counter() - started,
        merges=merges,
    )


def _merge_whole(state: _Labels, feature: np.ndarray, group: np.ndarray) -> int:
    """Join the regions of every feature (non-empty key) per group; return the joins made."""
    keyed = pd.DataFrame({"key": feature, "group": group, "region": state.labels})
    keyed = keyed[keyed["key"].astype("str") != ""].drop_duplicates()
    first = keyed.groupby(["key", "group"], sort=False)["region"].transform("min").to_numpy()
    other = keyed["region"].to_numpy()
    join = first != other
    return state.merge(first[join], other[join])


def _absorb_empty_patches(state: _Labels, group: np.ndarray, centroid_xy: np.ndarray) -> None:
    size = state.size
    count = len(size)
    region_group = np.empty(count, dtype=group.dtype)
    region_group[state.labels] = group
    occupied_groups = np.unique(group[state.n_units > 0])
    empty = np.flatnonzero((size == 0) & np.isin(region_group, occupied_groups))
    if len(empty) == 0:
        return
    weight = np.bincount(state.labels, minlength=count).astype(np.float64)
    cx = np.bincount(state.labels, weights=centroid_xy[:, 0], minlength=count) / weight
    cy = np.bincount(state.labels, weights=centroid_xy[:, 1], minlength=count) / weight
    # Regions with occupied pieces in each group (a fallback region may span groups).
    pairs = pd.DataFrame({"group": group, "region": state.labels})[state.n_units > 0]
    pairs = pairs.drop_duplicates()
    by_group = {g: r.to_numpy() for g, r in pairs.groupby("group", sort=False)["region"]}
    a, b = [], []
    for r in empty:
        others = by_group[region_group[r]]
        d2 = (cx[others] - cx[r]) ** 2 + (cy[others] - cy[r]) ** 2
        a.append(r)
        b.append(others[np.lexsort((state.region_key[others], d2))[0]])
    state.merge(np.asarray(a), np.asarray(b))


def _region_table(frame: pd.DataFrame, nest: tuple[str, ...]) -> pd.DataFrame:
    grouped = frame.groupby("region", sort=True)
    table = pd.DataFrame(
        {
            "n_units": grouped["n_units"].sum().astype("int64"),
            "n_pieces": grouped.size().astype("int64"),
            "n_cells": grouped["cell"].nunique().astype("int64"),
            "min_cell": grouped["cell"].min().astype("int64"),
        }
    )
    level = pd.Series("", index=table.index, dtype="object")
    nest_code = pd.Series("", index=table.index, dtype="object")
    for col in reversed(nest):
        agree = grouped[col].nunique() == 1
        code = grouped[col].first().where(agree)
        table[col] = code.astype("str")
        level = level.where(~agree, col)
        nest_code = nest_code.where(~agree, code)
    table["level"] = level.astype("str")
    cell_hex = [h3i.int_to_str(int(c)) for c in table["min_cell"]]
    prefix = nest_code.fillna("NL").replace("", "NL").astype("str")
    ids = pd.Series([f"{p}-{c}" for p, c in zip(prefix, cell_hex, strict=True)], index=table.index)
    # A coarse cell split between buurten can be the smallest cell of two regions that
    # cross buurten of the same wijk: number those in the (deterministic) region order.
    repeat = ids.groupby(ids).cumcount()
    table["region_id"] = ids.where(repeat == 0, ids + "." + (repeat + 1).astype("str"))
    if table["region_id"].duplicated().any():  # pragma: no cover - numbered above
        raise DisclosureError("region ids are not unique")
    return table.drop(columns="min_cell")
