"""Spatial graphs for the hot-spot statistics.

Every builder returns a :class:`libpysal.graph.Graph` whose ``unique_ids`` are the
caller's unit ids in the caller's order, without self-loops (libpysal's convention;
Gi* adds the focal unit itself). Units without neighbours ("islands") are kept as
libpysal encodes them, a zero-weight self-loop, and :func:`isolated_ids` lists them.

The builders remember how they built each graph, so that every statistic can record
the weights it used (:func:`graph_spec`). A graph made elsewhere is described as
``"custom"``.

Weights
-------
``h3_graph``
    k-ring contiguity on H3 cells: every cell within grid distance ``k``. Binary, or a
    distance-decay kernel of the ring distance ``d`` (the kernels CARTO offers for its
    ``GETIS_ORD_H3``), with ``u = d / (k + 1)`` so that the outermost ring keeps a
    positive weight and the kernel is 1 at ``d = 0``:

    ============  ====================
    kernel        weight
    ============  ====================
    binary        1
    uniform       1
    triangular    1 - u
    quadratic     1 - u**2
    quartic       (1 - u**2)**2
    gaussian      exp(-u**2 / 2)
    ============  ====================

    Constant factors (3/4, 15/16, ...) of the textbook kernels are left out: Gi* z-scores
    do not change when all weights are multiplied by the same constant.
``polygon_graph``
    queen or rook contiguity, k nearest neighbours or a distance band on polygons (the
    last two between centroids, in a projected CRS).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

import geopandas as gpd
import h3
import h3.api.basic_int as h3int
import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import sparse

from zicht._errors import ConfigError, CRSError, GeometryError, SchemaError
from zicht._validate import Problems
from zicht.schemas import RD_NEW
from zicht.stats._methods import H3_KERNELS, POLYGON_METHODS

__all__ = [
    "H3_KERNELS",
    "POLYGON_METHODS",
    "graph_arrays",
    "graph_spec",
    "h3_graph",
    "isolated_ids",
    "polygon_graph",
]


_MAX_K = 10


@dataclass(frozen=True)
class _GraphArrays:
    """Positional CSR view of a graph, self-loops split off.

    ``indptr``/``indices``/``data`` hold the off-diagonal weights (row ``i`` = unit
    ``i`` of ``ids``), ``self_weight`` the diagonal (0 when the graph has none).
    """

    ids: pd.Index
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    self_weight: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def cardinality(self) -> np.ndarray:
        return np.diff(self.indptr)

    def matrix(self) -> sparse.csr_array:
        """Off-diagonal weights as a CSR array."""
        return sparse.csr_array((self.data, self.indices, self.indptr), shape=(self.n, self.n))


# Graphs are unhashable, so the registry is keyed by id() and guarded by a weak reference:
# an entry is dropped when its graph is garbage collected, and a recycled id() never
# matches because the stored reference then points to nothing (or to another object).
_REGISTRY: dict[int, tuple[weakref.ref[Graph], dict[str, Any], _GraphArrays | None]] = {}


def _remember(graph: Graph, spec: dict[str, Any], arrays: _GraphArrays | None = None) -> None:
    key = id(graph)
    _REGISTRY[key] = (weakref.ref(graph, lambda _ref: _REGISTRY.pop(key, None)), spec, arrays)


def _lookup(graph: Graph) -> tuple[dict[str, Any] | None, _GraphArrays | None]:
    entry = _REGISTRY.get(id(graph))
    if entry is None or entry[0]() is not graph:
        return None, None
    return entry[1], entry[2]


def graph_spec(graph: Graph) -> dict[str, Any]:
    """Describe how a graph was built, for the record of a statistic.

    Parameters
    ----------
    graph
        A graph from :func:`h3_graph` or :func:`polygon_graph`, or any libpysal Graph.

    Returns
    -------
    dict
        JSON-serialisable: ``weights`` (``"h3_kring"``, ``"queen"``, ``"rook"``, ``"knn"``,
        ``"distance_band"`` or ``"custom"``), ``k``, ``kernel``, ``threshold``,
        ``n_units`` and ``n_isolated``.

    Examples
    --------
    >>> import h3
    >>> cells = h3.grid_disk(h3.latlng_to_cell(52.09, 5.12, 9), 1)
    >>> graph_spec(h3_graph(cells, k=1))["weights"]
    'h3_kring'
    """
    spec, _ = _lookup(graph)
    if spec is None:
        spec = {"weights": "custom", "k": None, "kernel": None, "threshold": None}
    arrays = graph_arrays(graph)
    out = dict(spec)
    out["n_units"] = int(arrays.n)
    out["n_isolated"] = int((arrays.cardinality == 0).sum())
    return out


def isolated_ids(graph: Graph) -> pd.Index:
    """Ids of the units without any neighbour ("islands").

    Parameters
    ----------
    graph
        Any libpysal Graph.

    Returns
    -------
    pandas.Index
        Subset of ``graph.unique_ids``, in graph order.
    """
    arrays = graph_arrays(graph)
    return arrays.ids[arrays.cardinality == 0]


def graph_arrays(graph: Graph) -> _GraphArrays:
    """Return the positional CSR arrays of ``graph``, cached per graph object.

    Built from the adjacency's MultiIndex codes rather than ``Graph.sparse`` (which goes
    through a pandas sparse pivot), so that a national H3 graph converts in well under a
    second. The statistics use this; most callers never need it.

    Parameters
    ----------
    graph
        Any libpysal Graph.

    Returns
    -------
    _GraphArrays
        ``ids`` (the graph's ids), ``indptr``/``indices``/``data`` (off-diagonal weights,
        row ``i`` = unit ``i``) and ``self_weight`` (the diagonal, 0 where absent).

    Raises
    ------
    SchemaError
        ``graph`` is not a libpysal Graph.
    """
    if not isinstance(graph, Graph):
        raise SchemaError(
            f"expected a libpysal.graph.Graph, got {type(graph).__name__}; "
            "build one with zicht.stats.h3_graph or zicht.stats.polygon_graph"
        )
    spec, arrays = _lookup(graph)
    if arrays is not None:
        return arrays
    adjacency = graph.adjacency
    ids = pd.Index(graph.unique_ids)
    index = cast(pd.MultiIndex, adjacency.index)
    focal = ids.get_indexer(index.levels[0])[index.codes[0]]
    neighbor = ids.get_indexer(index.levels[1])[index.codes[1]]
    weight = adjacency.to_numpy(dtype=np.float64)
    if (focal < 0).any() or (neighbor < 0).any():
        raise SchemaError("graph has neighbours that are not among its focal ids")
    n = len(ids)
    on_diagonal = focal == neighbor
    self_weight = np.zeros(n)
    np.add.at(self_weight, focal[on_diagonal], weight[on_diagonal])
    keep = ~on_diagonal & (weight != 0)
    focal, neighbor, weight = focal[keep], neighbor[keep], weight[keep]
    order = np.lexsort((neighbor, focal))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(focal, minlength=n), out=indptr[1:])
    arrays = _GraphArrays(
        ids=ids,
        indptr=indptr,
        indices=neighbor[order].astype(np.int64),
        data=weight[order],
        self_weight=self_weight,
    )
    _remember(graph, spec if spec is not None else _custom_spec(), arrays)
    return arrays


def _custom_spec() -> dict[str, Any]:
    return {"weights": "custom", "k": None, "kernel": None, "threshold": None}


def _graph_from_positions(
    ids: pd.Index,
    focal: np.ndarray,
    neighbor: np.ndarray,
    weight: np.ndarray,
    *,
    presorted: bool = False,
) -> tuple[Graph, _GraphArrays]:
    """Build a canonically sorted Graph from positional edges (no self-loops)."""
    n = len(ids)
    if not presorted:
        order = np.lexsort((neighbor, focal))
        focal, neighbor, weight = focal[order], neighbor[order], weight[order]
    cardinality = np.bincount(focal, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(cardinality, out=indptr[1:])
    arrays = _GraphArrays(
        ids=ids,
        indptr=indptr,
        indices=neighbor.astype(np.int64),
        data=weight.astype(np.float64),
        self_weight=np.zeros(n),
    )
    # libpysal encodes an island as a zero-weight self-loop; insert those in order.
    islands = np.flatnonzero(cardinality == 0)
    if islands.size:
        focal = np.insert(focal, indptr[islands], islands)
        neighbor = np.insert(neighbor, indptr[islands], islands)
        weight = np.insert(weight, indptr[islands], 0.0)
    level = ids.rename(None)
    index = pd.MultiIndex(
        levels=[level, level],
        codes=[focal, neighbor],
        names=["focal", "neighbor"],
        verify_integrity=False,
    )
    adjacency = pd.Series(weight, index=index, name="weight")
    return Graph(adjacency, transformation="O", is_sorted=True), arrays


# --------------------------------------------------------------------------------------
# H3
# --------------------------------------------------------------------------------------


def _cells_to_int(cells: Any) -> tuple[pd.Index, np.ndarray]:
    """Validate H3 cell ids; return them as given (an Index) and as int64."""
    values = cells.to_numpy() if isinstance(cells, pd.Series | pd.Index) else np.asarray(cells)
    if values.ndim != 1:
        raise SchemaError(f"H3 cells must be one-dimensional, got shape {values.shape}")
    problems = Problems("H3 cells for the spatial graph")
    if len(values) == 0:
        problems.add("no cells given")
        problems.raise_if_any(SchemaError)
    if values.dtype.kind in "iu":
        as_int = values.astype(np.int64)
        ids = pd.Index(as_int)
    else:
        series = pd.Series(values, dtype=object)
        missing = series.isna()
        if missing.any():
            problems.add(f"{int(missing.sum())} missing cell id(s); drop them first")
            problems.raise_if_any(SchemaError)
        if not all(isinstance(v, str) for v in values):
            problems.add("cell ids must all be int64 (h3 v4 ints) or all hexadecimal strings")
            problems.raise_if_any(SchemaError)
        try:
            as_int = np.fromiter((h3.str_to_int(v) for v in values), np.int64, len(values))
        except (ValueError, TypeError) as exc:
            problems.add(f"a cell id is not hexadecimal H3 text ({exc})")
            problems.raise_if_any(SchemaError)
            raise  # pragma: no cover - raise_if_any raised
        ids = pd.Index(values.astype(object) if values.dtype.kind != "O" else values)
    mode = (as_int >> 59) & 0xF
    bad = (as_int <= 0) | (mode != 1)
    if bad.any():
        examples = ", ".join(str(v) for v in ids[bad][:3])
        problems.add(f"{int(bad.sum())} value(s) are not H3 cell ids (e.g. {examples})")
    else:
        resolution = (as_int >> 52) & 0xF
        if resolution.min() != resolution.max():
            resolutions = np.unique(resolution)
            problems.add(
                f"cells mix resolutions {resolutions.tolist()}; k-rings need one resolution"
            )
    duplicated = ids.duplicated()
    if duplicated.any():
        examples = ", ".join(str(v) for v in ids[duplicated][:3])
        problems.add(f"{int(duplicated.sum())} duplicate cell id(s) (e.g. {examples})")
    problems.raise_if_any(SchemaError)
    return ids, as_int


def _kernel_weight(distance: np.ndarray, k: int, kernel: str) -> np.ndarray:
    u = distance / (k + 1.0)
    if kernel in ("binary", "uniform"):
        return np.ones_like(u)
    if kernel == "triangular":
        return 1.0 - u
    if kernel == "quadratic":
        return 1.0 - u**2
    if kernel == "quartic":
        return (1.0 - u**2) ** 2
    return np.exp(-(u**2) / 2.0)  # gaussian


def _flatten(groups: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter(map(len, groups), np.int64, len(groups))
    flat = np.fromiter(chain.from_iterable(groups), np.int64, int(lengths.sum()))
    return lengths, flat


def _ring(cell: int, r: int) -> list[int]:
    try:
        return h3int.grid_ring(cell, r)
    except h3.H3BaseException:  # pragma: no cover - only next to one of the 12 pentagons
        return [c for c in h3int.grid_disk(cell, r) if h3int.grid_distance(cell, c) == r]


def _lookup_positions(
    as_int: np.ndarray, wanted: np.ndarray, sorter: np.ndarray | None = None
) -> np.ndarray:
    """Position of each ``wanted`` cell in ``as_int``, -1 where absent."""
    if sorter is None:
        sorter = np.argsort(as_int, kind="stable")
    sorted_cells = as_int[sorter]
    slot = np.minimum(np.searchsorted(sorted_cells, wanted), len(sorted_cells) - 1)
    return np.where(sorted_cells[slot] == wanted, sorter[slot], -1)


def _neighbours_by_disk(as_int: np.ndarray, k: int, need_distance: bool) -> tuple[np.ndarray, ...]:
    """Positional edges from per-cell ``grid_disk``/``grid_ring`` calls (always exact)."""
    cells = as_int.tolist()
    positions = np.arange(len(cells))
    if not need_distance:
        lengths, flat = _flatten([h3int.grid_disk(c, k) for c in cells])
        focal = np.repeat(positions, lengths)
        keep = flat != as_int[focal]
        focal, flat, distance = focal[keep], flat[keep], np.ones(int(keep.sum()))
    else:
        parts = []
        for r in range(1, k + 1):
            lengths, flat = _flatten([_ring(c, r) for c in cells])
            parts.append((np.repeat(positions, lengths), flat, np.full(len(flat), float(r))))
        focal, flat, distance = (np.concatenate(a) for a in zip(*parts, strict=True))
    neighbour = _lookup_positions(as_int, flat)
    present = neighbour >= 0
    focal, neighbour, distance = focal[present], neighbour[present], distance[present]
    order = np.lexsort((neighbour, focal))
    return focal[order], neighbour[order], distance[order]


def _hex_offsets(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IJ offsets of the cells at grid distance 1..k, and their distance.

    In H3's local IJ coordinates the six neighbours of (i, j) are (i±1, j), (i, j±1) and
    (i+1, j+1), (i-1, j-1), so the grid distance of an offset is max(|di|, |dj|, |di-dj|).
    """
    grid_i, grid_j = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    di, dj = grid_i.ravel(), grid_j.ravel()
    distance = np.maximum(np.maximum(np.abs(di), np.abs(dj)), np.abs(di - dj))
    keep = (distance >= 1) & (distance <= k)
    return di[keep], dj[keep], distance[keep].astype(np.float64)


def _neighbours_by_ij(as_int: np.ndarray, k: int) -> tuple[np.ndarray, ...] | None:
    """Positional edges from local IJ coordinates, or None when they cannot be trusted.

    One ``cell_to_local_ij`` call per cell is about eight times cheaper than a
    ``grid_disk`` call; the neighbours are then found by integer arithmetic. H3 refuses
    local IJ across a pentagon or too far from the origin; then, or when a sample of
    cells disagrees with ``grid_disk``, the caller falls back to the exact per-cell path.
    """
    origin = int(as_int[len(as_int) // 2])
    try:
        ij = np.array([h3int.cell_to_local_ij(origin, c) for c in as_int.tolist()], np.int64)
    except h3.H3BaseException:
        return None
    i, j = ij[:, 0] - ij[:, 0].min() + k, ij[:, 1] - ij[:, 1].min() + k
    span = int(j.max()) + k + 1
    key = i * span + j
    sorter = np.argsort(key, kind="stable")
    if (np.diff(key[sorter]) == 0).any():
        return None
    di, dj, dist = _hex_offsets(k)
    # (n, offsets) matrix of neighbour positions, -1 where the neighbour is not a unit
    wanted = (i[:, None] + di) * span + (j[:, None] + dj)
    neighbour = _lookup_positions(key, wanted, sorter)
    distance = np.broadcast_to(dist, neighbour.shape)
    order = np.argsort(neighbour, axis=1, kind="stable")  # canonical order within a row
    neighbour = np.take_along_axis(neighbour, order, axis=1)
    distance = np.take_along_axis(distance, order, axis=1)
    present = neighbour >= 0
    focal = np.broadcast_to(np.arange(len(as_int))[:, None], neighbour.shape)[present]
    edges = focal, neighbour[present], distance[present]
    if not _sample_agrees(as_int, k, edges):
        return None
    return edges


def _sample_agrees(as_int: np.ndarray, k: int, edges: tuple[np.ndarray, ...]) -> bool:
    """Check the IJ neighbours of up to 500 evenly spread cells against ``grid_disk``."""
    focal, neighbour, _ = edges
    indptr = np.searchsorted(focal, np.arange(len(as_int) + 1))
    members = set(as_int.tolist())
    for pos in np.linspace(0, len(as_int) - 1, min(500, len(as_int))).astype(int).tolist():
        cell = int(as_int[pos])
        expected = {c for c in h3int.grid_disk(cell, k) if c != cell and c in members}
        found = set(as_int[neighbour[indptr[pos] : indptr[pos + 1]]].tolist())
        if found != expected:
            return False
    return True


def h3_graph(
    cells: Sequence[int] | Sequence[str] | pd.Series | np.ndarray,
    k: int = 1,
    kernel: str = "binary",
) -> Graph:
    """Build the k-ring graph of a set of H3 cells.

    Two cells are neighbours when their grid distance is between 1 and ``k``. Only cells
    in ``cells`` take part: a cell whose ring holds none of the others is an island.

    Parameters
    ----------
    cells
        H3 cell ids of one resolution, as int64 (h3 v4 integers) or hexadecimal strings.
        The graph's ids are these values, in this order and of this type.
    k
        Ring size, 1 to 10.
    kernel
        ``"binary"`` (default) or a distance-decay kernel, one of :data:`H3_KERNELS`
        (see the module notes for the formulas).

    Returns
    -------
    libpysal.graph.Graph
        Weights of the neighbours, no self-loops; islands as zero-weight self-loops.

    Raises
    ------
    SchemaError
        Cells are missing, duplicated, not H3 cells, or of mixed resolutions.
    ConfigError
        ``k`` or ``kernel`` is not allowed.

    Notes
    -----
    Neighbours come from H3 local IJ coordinates (one cheap call per cell, checked
    against ``grid_disk`` on a sample), or from ``grid_disk``/``grid_ring`` per cell
    where local IJ is not available (near pentagons, far outside the Netherlands).
    Both give libpysal's ``Graph.build_h3`` neighbours (tested).

    Examples
    --------
    >>> import h3
    >>> centre = h3.latlng_to_cell(52.09, 5.12, 9)
    >>> rosette = [h3.str_to_int(c) for c in h3.grid_disk(centre, 1)]
    >>> rosette.remove(h3.str_to_int(centre))
    >>> graph = h3_graph([h3.str_to_int(centre), *rosette], k=1)
    >>> graph.cardinalities.tolist()
    [6, 3, 3, 3, 3, 3, 3]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= _MAX_K:
        raise ConfigError(f"k must be an integer from 1 to {_MAX_K}, got {k!r}")
    if kernel not in H3_KERNELS:
        raise ConfigError(f"kernel must be one of {H3_KERNELS}, got {kernel!r}")
    k = int(k)
    ids, as_int = _cells_to_int(cells)
    edges = _neighbours_by_ij(as_int, k)
    if edges is None:
        edges = _neighbours_by_disk(as_int, k, need_distance=kernel not in ("binary", "uniform"))
    focal, neighbour, distance = edges
    graph, arrays = _graph_from_positions(
        ids, focal, neighbour, _kernel_weight(distance, k, kernel), presorted=True
    )
    spec = {"weights": "h3_kring", "k": k, "kernel": kernel, "threshold": None}
    _remember(graph, spec, arrays)
    return graph


# --------------------------------------------------------------------------------------
# Polygons
# --------------------------------------------------------------------------------------


def _intersects_graph(geometry: gpd.GeoSeries) -> Graph:
    """Binary graph of the geometries that touch or overlap one another."""
    import shapely

    geoms = geometry.to_numpy()
    focal, neighbor = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = focal != neighbor
    graph, _ = _graph_from_positions(
        pd.Index(geometry.index), focal[keep], neighbor[keep], np.ones(int(keep.sum()))
    )
    return graph


def _check_polygon_method(method: str, k: int | None, threshold: float | None) -> None:
    """Raise ConfigError unless ``k`` and ``threshold`` fit the polygon ``method``."""
    if method not in POLYGON_METHODS:
        raise ConfigError(f"method must be one of {POLYGON_METHODS}, got {method!r}")
    if method == "knn":
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ConfigError(f"method 'knn' needs an integer k >= 1, got {k!r}")
    elif k is not None:
        raise ConfigError(f"k applies to method 'knn' only, not {method!r}")
    if method == "distance_band":
        if threshold is None or not math.isfinite(threshold) or threshold <= 0:
            raise ConfigError(f"method 'distance_band' needs a threshold > 0, got {threshold!r}")
    elif threshold is not None:
        raise ConfigError(f"threshold applies to method 'distance_band' only, not {method!r}")


def polygon_graph(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    method: str = "queen",
    *,
    k: int | None = None,
    threshold: float | None = None,
) -> Graph:
    """Build a graph on polygons (wijken, buurten, parks).

    Parameters
    ----------
    frame
        Polygons; the index holds the unit ids (unique) and becomes the graph's ids.
    method
        ``"queen"`` (shared edge or corner), ``"rook"`` (shared edge), ``"intersects"``
        (the geometries touch or overlap: queen, and also polygons that overlap without a
        shared vertex, as quantised boundaries do), ``"knn"`` (the ``k`` nearest
        centroids) or ``"distance_band"`` (centroids within ``threshold`` metres, binary).
    k
        Number of neighbours, required for ``"knn"`` only.
    threshold
        Distance in CRS units (metres), required for ``"distance_band"`` only.

    Returns
    -------
    libpysal.graph.Graph
        Binary weights, no self-loops; islands as zero-weight self-loops.

    Raises
    ------
    CRSError
        The layer has no CRS, or a geographic CRS for ``knn``/``distance_band``.
    GeometryError
        Missing or empty geometries.
    SchemaError
        Duplicate ids.
    ConfigError
        Unknown method, or ``k``/``threshold`` missing or misplaced.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> squares = gpd.GeoDataFrame(
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
    ...     index=["a", "b", "c"], crs="EPSG:28992")
    >>> polygon_graph(squares, "rook").cardinalities.tolist()
    [1, 1, 0]
    """
    _check_polygon_method(method, k, threshold)
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    problems = Problems("polygon layer for the spatial graph")
    if geometry.crs is None:
        raise CRSError(f"polygon layer has no CRS; set it (e.g. {RD_NEW}) before building a graph")
    if method in ("knn", "distance_band") and geometry.crs.is_geographic:
        raise CRSError(
            f"method {method!r} measures distances and needs a projected CRS, "
            f"got {geometry.crs.to_string()}; reproject to {RD_NEW} first"
        )
    if geometry.index.has_duplicates:
        problems.add(f"{int(geometry.index.duplicated().sum())} duplicate id(s) in the index")
        problems.raise_if_any(SchemaError)
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        problems.add(f"{int(empty.sum())} missing or empty geometries; drop them first")
        problems.raise_if_any(GeometryError)

    if method in ("queen", "rook"):
        built = Graph.build_contiguity(geometry, rook=method == "rook")
    elif method == "intersects":
        built = _intersects_graph(geometry)
    elif method == "knn":
        assert k is not None  # checked above
        if k >= len(geometry):
            raise ConfigError(f"k={k} must be smaller than the number of units ({len(geometry)})")
        built = Graph.build_knn(geometry.centroid, k=int(k))
    else:
        assert threshold is not None  # checked above
        built = Graph.build_distance_band(geometry.centroid, threshold, binary=True)
    built = built.transform("B")
    spec = {
        "weights": method,
        "k": int(k) if k is not None else None,
        "kernel": "binary",
        "threshold": float(threshold) if threshold is not None else None,
    }
    _remember(built, spec)
    return built
