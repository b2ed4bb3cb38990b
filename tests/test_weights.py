"""Spatial graphs: H3 k-rings, kernels, polygons, islands, and the recorded spec."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from zicht._errors import ConfigError, CRSError, GeometryError, SchemaError
from zicht.stats import graph_arrays, graph_spec, h3_graph, isolated_ids, polygon_graph

CENTRE = h3.latlng_to_cell(52.0907, 5.1214, 9)  # Utrecht, Domtoren


def rosette() -> list[int]:
    centre = h3.str_to_int(CENTRE)
    return [centre, *sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1) if c != CENTRE)]


def test_rosette_k1_cardinalities_and_ids_kept_as_int64() -> None:
    cells = rosette()
    graph = h3_graph(pd.Series(cells, dtype="int64"), k=1)
    assert graph.unique_ids.dtype == np.int64
    assert graph.unique_ids.tolist() == cells
    # the centre touches all six; each outer cell touches the centre and two outer cells
    assert graph.cardinalities.tolist() == [6, 3, 3, 3, 3, 3, 3]
    assert graph.n_edges == 6 + 6 * 3
    assert set(graph.adjacency.to_numpy()) == {1.0}
    assert graph.asymmetry().empty


def test_string_ids_are_kept_and_match_int_graph() -> None:
    cells = rosette()
    as_str = [h3.int_to_str(c) for c in cells]
    g_int = h3_graph(cells, k=1)
    g_str = h3_graph(as_str, k=1)
    assert list(g_str.unique_ids) == as_str
    np.testing.assert_array_equal(g_int.sparse.toarray(), g_str.sparse.toarray())


def test_matches_libpysal_build_h3_on_a_larger_disk() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 6)]
    rng = np.random.default_rng(3)
    cells = [c for c in cells if rng.random() > 0.2]  # holes make boundary cases
    for k in (1, 2):
        ours = h3_graph(cells, k=k)
        ref = Graph.build_h3([h3.int_to_str(c) for c in cells], order=k, weight="binary")
        assert (ours.sparse != ref.sparse).nnz == 0


def test_island_is_a_zero_weight_self_loop_and_reported() -> None:
    far = h3.str_to_int(h3.latlng_to_cell(53.2, 6.56, 9))  # Groningen
    graph = h3_graph([*rosette(), far], k=1)
    assert isolated_ids(graph).tolist() == [far]
    assert graph.cardinalities.iloc[-1] == 0
    assert graph_spec(graph)["n_isolated"] == 1
    assert graph.adjacency.loc[(far, far)] == 0.0


@pytest.mark.parametrize(
    ("kernel", "ring1", "ring2"),
    [
        ("uniform", 1.0, 1.0),
        ("triangular", 1 - 1 / 3, 1 - 2 / 3),
        ("quadratic", 1 - 1 / 9, 1 - 4 / 9),
        ("quartic", (1 - 1 / 9) ** 2, (1 - 4 / 9) ** 2),
        ("gaussian", np.exp(-1 / 18), np.exp(-4 / 18)),
    ],
)
def test_kernel_weights_by_ring_distance(kernel: str, ring1: float, ring2: float) -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 2)]
    graph = h3_graph(cells, k=2, kernel=kernel)
    centre = h3.str_to_int(CENTRE)
    row = graph.adjacency.loc[centre]
    distance = np.array([h3.grid_distance(CENTRE, h3.int_to_str(int(c))) for c in row.index])
    np.testing.assert_allclose(row[distance == 1], ring1)
    np.testing.assert_allclose(row[distance == 2], ring2)
    assert len(row) == 18
    spec = graph_spec(graph)
    assert (spec["weights"], spec["k"], spec["kernel"]) == ("h3_kring", 2, kernel)


@pytest.mark.parametrize(
    ("cells", "match"),
    [
        ([123, 456], "not H3 cell ids"),
        (["zzz"], "hexadecimal"),
        ([CENTRE, CENTRE], "duplicate"),
        ([CENTRE, h3.cell_to_parent(CENTRE, 8)], "mix resolutions"),
        ([CENTRE, None], "missing"),
        ([], "no cells"),
    ],
)
def test_bad_cells_raise_schema_error(cells: list, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        h3_graph(cells, k=1)


@pytest.mark.parametrize(("k", "kernel"), [(0, "binary"), (11, "binary"), (1.5, "binary"),
                                            (1, "epanechnikov")])  # fmt: skip
def test_bad_settings_raise_config_error(k: object, kernel: str) -> None:
    with pytest.raises(ConfigError):
        h3_graph(rosette(), k=k, kernel=kernel)  # type: ignore[arg-type]


def squares() -> gpd.GeoDataFrame:
    # a 3 x 3 block of unit squares plus one far away
    geoms = [box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)] + [box(50, 50, 51, 51)]
    ids = [f"BU{i:08d}" for i in range(10)]
    return gpd.GeoDataFrame(geometry=geoms, index=pd.Index(ids, name="buurt"), crs="EPSG:28992")


def test_queen_and_rook_on_a_grid() -> None:
    frame = squares()
    queen = polygon_graph(frame, "queen")
    rook = polygon_graph(frame, "rook")
    assert queen.cardinalities.tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3, 0]
    assert rook.cardinalities.tolist() == [2, 3, 2, 3, 4, 3, 2, 3, 2, 0]
    assert list(queen.unique_ids) == list(frame.index)
    assert isolated_ids(rook).tolist() == ["BU00000009"]
    assert graph_spec(queen)["weights"] == "queen"


def test_knn_and_distance_band() -> None:
    frame = squares()
    knn = polygon_graph(frame, "knn", k=2)
    assert set(knn.cardinalities) == {2}
    band = polygon_graph(frame, "distance_band", threshold=1.01)
    assert band.cardinalities.tolist() == [2, 3, 2, 3, 4, 3, 2, 3, 2, 0]
    assert graph_spec(band)["threshold"] == pytest.approx(1.01)


def test_polygon_graph_refuses_bad_input() -> None:
    frame = squares()
    with pytest.raises(CRSError, match="projected"):
        polygon_graph(frame.to_crs(4326), "knn", k=2)
    with pytest.raises(CRSError, match="no CRS"):
        polygon_graph(frame.set_crs(None, allow_override=True), "queen")
    with pytest.raises(SchemaError, match="duplicate"):
        polygon_graph(pd.concat([frame, frame.iloc[:1]]), "queen")
    broken = frame.copy()
    broken.loc["BU00000000", "geometry"] = None
    with pytest.raises(GeometryError, match="empty"):
        polygon_graph(broken, "queen")
    with pytest.raises(ConfigError, match="threshold"):
        polygon_graph(frame, "distance_band")
    with pytest.raises(ConfigError, match="k applies"):
        polygon_graph(frame, "queen", k=3)


def test_graph_arrays_of_a_foreign_graph_with_unsorted_ids() -> None:
    ids = np.array([30, 10, 20])
    graph = Graph.from_arrays(ids[[0, 0, 1, 2]], ids[[1, 2, 0, 0]], [1.0, 2.0, 1.0, 2.0])
    arrays = graph_arrays(graph)
    np.testing.assert_array_equal(arrays.matrix().toarray(), graph.sparse.toarray())
    assert graph_spec(graph)["weights"] == "custom"


@pytest.mark.parametrize(("k", "kernel"), [(1, "binary"), (3, "gaussian")])
def test_ij_fast_path_equals_exact_per_cell_path(k: int, kernel: str) -> None:
    from zicht.stats._weights import _neighbours_by_disk, _neighbours_by_ij

    cells = np.array([h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 12)], dtype=np.int64)
    cells = cells[np.random.default_rng(1).random(len(cells)) > 0.1]
    fast = _neighbours_by_ij(cells, k)
    assert fast is not None
    exact = _neighbours_by_disk(cells, k, need_distance=kernel != "binary")
    for a, b in zip(fast, exact, strict=True):
        np.testing.assert_array_equal(a, b)


def test_cells_around_a_pentagon_fall_back_to_exact_rings() -> None:
    pentagon = next(iter(h3.get_pentagons(7)))
    cells = [h3.str_to_int(c) for c in h3.grid_disk(pentagon, 4)]
    graph = h3_graph(cells, k=2)
    ref = Graph.build_h3([h3.int_to_str(c) for c in cells], order=2, weight="binary")
    assert (graph.sparse != ref.sparse).nnz == 0
    assert graph.cardinalities.loc[h3.str_to_int(pentagon)] == 5 + 10  # a pentagon has 5 sides
