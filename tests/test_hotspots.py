"""Gi* and local Moran's I against esda, hand oracles and exact permutation nulls."""

from __future__ import annotations

import contextlib
import itertools
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import h3
import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from esda.moran import Moran_Local
from libpysal.graph import Graph
from libpysal.weights import DistanceBand
from scipy import stats

from zicht._errors import ConfigError, SchemaError
from zicht.stats import (
    CLUSTER_LABELS,
    HOTSPOT_LABELS,
    adjust_pvalues,
    confidence_bins,
    gi_star,
    h3_graph,
    local_moran,
    polygon_graph,
)

CENTRE = h3.latlng_to_cell(52.0907, 5.1214, 9)
POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)])
SIX_Y = np.array([2, 3, 3.2, 5, 8, 7])

SETTING_KEYS = {
    "method",
    "weights",
    "k",
    "kernel",
    "permutations",
    "seed",
    "alternative",
    "correction",
    "alpha",
}


@contextlib.contextmanager
def quiet_esda() -> Iterator[None]:
    """Silence esda's deprecation and numba-fallback warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def six_graph() -> Graph:
    return Graph.from_W(DistanceBand(POINTS, threshold=15))


@pytest.fixture(scope="module")
def columbus() -> tuple[gpd.GeoDataFrame, Graph]:
    frame = gpd.read_file(libpysal.examples.get_path("columbus.shp")).set_index("POLYID")
    frame = frame.set_crs("EPSG:3857", allow_override=True)  # planar, units irrelevant
    return frame, polygon_graph(frame, "queen")


def gal_graph(name: str) -> Graph:
    w = libpysal.io.open(libpysal.examples.get_path(name)).read()
    return Graph.from_W(w)


def rosette_with_island() -> tuple[list[int], int]:
    centre = h3.str_to_int(CENTRE)
    outer = sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1) if c != CENTRE)
    island = h3.str_to_int(h3.latlng_to_cell(53.2, 6.56, 9))
    return [centre, *outer, island], island


# --------------------------------------------------------------------------------------
# Gi*: hand oracle
# --------------------------------------------------------------------------------------


def test_gi_star_rosette_hand_oracle() -> None:
    """7-cell rosette + 1 island; values centre 8, ring 1, island 2.

    n = 8, sum = 16, mean = 2, S^2 = 74/8 - 4 = 5.25.
    Outer cell: neighbours = centre + 2 ring cells, + self: W = 4, local sum = 8+1+1+1 = 11,
      z = (11 - 2*4) / (sqrt(5.25) * sqrt((8*4 - 16)/7)) = 3 / sqrt(12).
    Centre: W = 7, local sum = 14, z = (14 - 14) / ... = 0.
    Island: isolated.
    """
    cells, island = rosette_with_island()
    values = pd.Series([8.0, 1, 1, 1, 1, 1, 1, 2.0], index=cells)
    graph = h3_graph(cells, k=1)
    result = gi_star(values, graph, permutations=0, seed=None, alpha=0.05, correction="fdr_bh")
    frame = result.frame
    assert list(frame.columns) == ["statistic", "z", "p", "q", "label", "bin"]
    assert frame.index.tolist() == cells
    np.testing.assert_allclose(frame["z"].iloc[1:7], 3 / np.sqrt(12), rtol=1e-12)
    np.testing.assert_allclose(frame["statistic"].iloc[1:7], 11 / 16, rtol=1e-12)
    assert frame["z"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert frame["statistic"].iloc[0] == pytest.approx(14 / 16)
    # p two-sided: 2 * (1 - Phi(0.8660254)) = 0.386476
    np.testing.assert_allclose(frame["p"].iloc[1:7], 0.38647623, rtol=1e-6)
    assert frame.loc[island, "label"] == "isolated"
    assert frame.loc[island, "bin"] == 0
    assert frame.loc[island, ["statistic", "z", "p", "q"]].isna().all()
    assert result.settings["n_tests"] == 7
    assert result.settings["n_isolated"] == 1


def test_gi_star_settings_are_complete_and_json() -> None:
    cells, _ = rosette_with_island()
    values = pd.Series(np.arange(8.0), index=cells, name="rate_eb_spatial")
    result = gi_star(values, h3_graph(cells, k=1), permutations=99, seed=7)
    assert set(result.settings) >= SETTING_KEYS
    json.dumps(result.settings)
    assert result.settings["weights"] == "h3_kring"
    assert result.settings["k"] == 1
    assert result.settings["kernel"] == "binary"
    assert result.settings["seed"] == 7
    assert result.settings["permutations"] == 99
    assert result.settings["alternative"] == "two-sided"
    assert result.settings["correction"] == "fdr_bh"
    assert result.settings["variable"] == "rate_eb_spatial"


def test_gi_star_labels_are_in_vocabulary_and_bins_match() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 8)]
    rng = np.random.default_rng(1)
    values = pd.Series(rng.poisson(2, len(cells)).astype(float), index=cells)
    centre_zone = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 2)]
    values[centre_zone] += 8
    result = gi_star(values, h3_graph(cells, k=1), permutations=0, alpha=0.1)
    frame = result.frame
    assert set(frame["label"].astype(str)) <= set(HOTSPOT_LABELS)
    assert list(frame["label"].cat.categories) == list(HOTSPOT_LABELS)
    expected = {3: "hot_99", 2: "hot_95", 1: "hot_90", 0: "not_significant"}
    expected.update({-1: "cold_90", -2: "cold_95", -3: "cold_99"})
    assert (frame["label"].astype(str) == frame["bin"].map(expected)).all()
    assert frame.loc[h3.str_to_int(CENTRE), "label"] == "hot_99"
    # bins follow q, not p
    hot = frame[frame["bin"] > 0]
    assert (hot["q"] < 0.1).all()


def test_values_are_realigned_by_id_and_checked() -> None:
    cells, _ = rosette_with_island()
    graph = h3_graph(cells, k=1)
    values = pd.Series([8.0, 1, 1, 1, 1, 1, 1, 2.0], index=cells)
    shuffled = values.iloc[::-1]
    a = gi_star(values, graph, permutations=0).frame
    b = gi_star(shuffled, graph, permutations=0).frame
    pd.testing.assert_frame_equal(a, b)
    c = gi_star(values.to_numpy(), graph, permutations=0).frame
    pd.testing.assert_frame_equal(a, c)
    with pytest.raises(SchemaError, match="have no value"):
        gi_star(values.iloc[1:], graph, permutations=0)
    with pytest.raises(SchemaError, match="belong to no graph unit"):
        gi_star(pd.concat([values, pd.Series([1.0], index=[5])]), graph, permutations=0)
    with pytest.raises(SchemaError, match="missing or infinite"):
        gi_star(values.where(values != 2.0), graph, permutations=0)
    with pytest.raises(SchemaError, match="as long as the graph"):
        gi_star(np.ones(3), graph, permutations=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"permutations": -1},
        {"permutations": 9.5},
        {"seed": -3},
        {"alternative": "directed"},
        {"correction": "holm"},
        {"alpha": 0.2},
        {"alpha": 0.0},
    ],
)
def test_bad_settings_raise_config_error(kwargs: dict) -> None:
    cells, _ = rosette_with_island()
    with pytest.raises(ConfigError):
        gi_star(np.ones(8), h3_graph(cells, k=1), **kwargs)


def test_constant_values_give_nothing_significant() -> None:
    cells, _ = rosette_with_island()
    graph = h3_graph(cells, k=1)
    for permutations in (0, 99):
        frame = gi_star(np.full(8, 3.0), graph, permutations=permutations, seed=1).frame
        assert (frame["label"].iloc[:7] == "not_significant").all()
        np.testing.assert_allclose(frame["p"].iloc[:7], 1.0)


# --------------------------------------------------------------------------------------
# Gi*: esda references
# --------------------------------------------------------------------------------------


def test_gi_star_six_points_matches_esda_literal_and_live(six_graph: Graph) -> None:
    frame = gi_star(SIX_Y, six_graph, permutations=0, correction="none").frame
    # esda's documented values (G_Local docstring / tests/test_getisord.py, star=True, B)
    literal = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
    np.testing.assert_allclose(frame["z"], literal, atol=1e-8)
    with quiet_esda():
        ref = G_Local(SIX_Y, six_graph, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(frame["z"], ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(frame["statistic"], ref.Gs, rtol=1e-12)
    # two-sided: twice esda's one-sided p_norm
    np.testing.assert_allclose(frame["p"], 2 * ref.p_norm, rtol=1e-12)


@pytest.mark.parametrize(("dataset", "column"), [("stl", "HR8893"), ("desmith", "z")])
def test_gi_star_matches_esda_on_bundled_datasets(dataset: str, column: str) -> None:
    if dataset == "stl":
        y = pd.read_csv(libpysal.examples.get_path("stl_hom.csv"))[column].to_numpy()
        graph = gal_graph("stl.gal")
    else:
        y = np.array(libpysal.io.open(libpysal.examples.get_path("desmith.txt")).by_col[column])
        graph = gal_graph("desmith.gal")
    frame = gi_star(y, graph, permutations=0, correction="none").frame
    with quiet_esda():
        ref = G_Local(y, graph, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(frame["z"], ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(frame["statistic"], ref.Gs, rtol=1e-12)


def test_gi_star_columbus_matches_esda(columbus: tuple[gpd.GeoDataFrame, Graph]) -> None:
    frame, graph = columbus
    result = gi_star(frame["CRIME"], graph, permutations=0, correction="none").frame
    with quiet_esda():
        ref = G_Local(frame["CRIME"].to_numpy(), graph, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(result["z"], ref.Zs, rtol=0, atol=1e-9)


def test_esda_row_standardised_gi_star_is_deflated(six_graph: Graph) -> None:
    """esda's default transform="R" shrinks |z|: zicht does not follow it."""
    frame = gi_star(SIX_Y, six_graph, permutations=0, correction="none").frame
    with quiet_esda():
        row_std = G_Local(SIX_Y, six_graph, transform="R", star=True, permutations=0)
    assert (np.abs(row_std.Zs) <= np.abs(frame["z"].to_numpy()) + 1e-12).all()
    assert np.abs(row_std.Zs[5]) < 0.7 * np.abs(frame["z"].iloc[5])
    # on the six points, unit 5 is a 95 % hot spot only with the correct (binary) weights
    assert 2 * stats.norm.sf(row_std.Zs[5]) > 0.05
    assert frame["p"].iloc[5] < 0.05


def test_islands_get_nan_not_esdas_pseudo_p() -> None:
    cells, island = rosette_with_island()
    graph = h3_graph(cells, k=1)
    y = np.array([8.0, 1, 1, 1, 1, 1, 1, 2.0])
    with quiet_esda():
        ref = G_Local(y, graph, transform="B", star=True, permutations=999, seed=1)
    # esda gives the island the smallest pseudo p-value there is: "significant"
    assert ref.p_sim[-1] == pytest.approx(0.001)
    with quiet_esda():
        moran_ref = Moran_Local(y, graph, permutations=999, seed=1)
    assert moran_ref.p_sim[-1] == pytest.approx(0.001)
    for result in (
        gi_star(y, graph, permutations=999, seed=1, correction="none"),
        local_moran(y, graph, permutations=999, seed=1, correction="none"),
    ):
        assert np.isnan(result.frame.loc[island, "p"])
        assert result.frame.loc[island, "label"] == "isolated"


# --------------------------------------------------------------------------------------
# Permutation inference
# --------------------------------------------------------------------------------------


def exact_two_sided(
    x: np.ndarray, neighbours: list[int], i: int, weights: np.ndarray | None = None
) -> float:
    """Enumerate every ordered draw of c of the other units (the conditional null)."""
    c = len(neighbours)
    w = np.ones(c) if weights is None else np.asarray(weights, dtype=float)
    observed = float(np.dot(w, x[neighbours]))
    others = np.delete(x, i)
    sums = np.array(
        [np.dot(w, others[list(draw)]) for draw in itertools.permutations(range(len(others)), c)]
    )
    upper = np.mean(sums >= observed - 1e-9)
    lower = np.mean(sums <= observed + 1e-9)
    return min(1.0, 2 * min(upper, lower))


def test_permutation_p_matches_exact_enumeration_rosette() -> None:
    cells, _ = rosette_with_island()
    graph = h3_graph(cells, k=1)
    x = np.array([9.0, 5, 1, 2, 0, 3, 7, 4])
    permutations = 20000
    frame = gi_star(x, graph, permutations=permutations, seed=11, correction="none").frame
    adjacency = graph.adjacency
    for pos, cell in enumerate(cells[:7]):
        neighbours = [cells.index(c) for c in adjacency.loc[cell].index]
        exact = exact_two_sided(x, neighbours, pos)
        # Monte-Carlo error of a doubled proportion from 20000 draws: sd <= 0.0071
        assert frame["p"].iloc[pos] == pytest.approx(exact, abs=0.03), (pos, exact)


def test_permutation_p_with_kernel_weights_matches_exact_enumeration() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]
    # 7 cells, k=2 with a triangular kernel: the centre has 6 ring-1 neighbours; the
    # outer cells have 2 ring-1 and 3 ring-2 neighbours plus the centre (ring 1)
    graph = h3_graph(cells, k=2, kernel="triangular")
    x = np.array([6.0, 1, 0, 2, 5, 3, 8])
    frame = gi_star(x, graph, permutations=20000, seed=5, correction="none").frame
    adjacency = graph.adjacency
    for pos in (1, 4):
        row = adjacency.loc[cells[pos]]
        neighbours = [cells.index(c) for c in row.index]
        exact = exact_two_sided(x, neighbours, pos, weights=row.to_numpy())
        assert frame["p"].iloc[pos] == pytest.approx(exact, abs=0.03), (pos, exact)


@pytest.mark.filterwarnings("ignore:with .* permutations")
def test_permutations_reproducible_with_seed() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 5)]
    rng = np.random.default_rng(0)
    values = pd.Series(rng.gamma(2, 2, len(cells)), index=cells)
    graph = h3_graph(cells, k=1)
    a = gi_star(values, graph, permutations=199, seed=42).frame
    b = gi_star(values, graph, permutations=199, seed=42).frame
    c = gi_star(values, graph, permutations=199, seed=43).frame
    pd.testing.assert_frame_equal(a, b)
    assert not a["p"].equals(c["p"])
    unseeded = gi_star(values, graph, permutations=19)
    assert isinstance(unseeded.settings["seed"], int)
    again = gi_star(values, graph, permutations=19, seed=unseeded.settings["seed"])
    pd.testing.assert_frame_equal(unseeded.frame, again.frame)


def test_permutation_agrees_with_esda_on_columbus(columbus) -> None:
    frame, graph = columbus
    y = frame["CRIME"].to_numpy()
    ours = gi_star(y, graph, permutations=9999, seed=3, correction="none").frame
    with quiet_esda():
        ref = G_Local(y, graph, transform="B", star=True, permutations=9999, seed=3)
    # esda's p_sim is one-sided ("directed"): double it for the two-sided comparison
    esda_two_sided = np.minimum(1, 2 * ref.p_sim)
    np.testing.assert_allclose(ours["p"], esda_two_sided, atol=0.03)
    # the same units are significant at 5 %, except ones within Monte-Carlo error of 0.05
    ours_sig = ours["p"].to_numpy() < 0.05
    esda_sig = esda_two_sided < 0.05
    borderline = np.abs(esda_two_sided - 0.05) < 0.015
    assert (ours_sig == esda_sig)[~borderline].all()
    assert ours_sig.sum() >= 5


def test_permutation_p_close_to_conditional_normal_approximation() -> None:
    """With many units the conditional null of a neighbour sum is nearly normal.

    Conditional randomisation keeps x_i fixed, so Gi*'s permutation p-value judges the
    neighbours only: compare with the normal approximation of a sum of c draws without
    replacement from the other n - 1 values (not with Gi*'s analytic z, whose null also
    lets x_i vary; the two differ a lot at k = 1).
    """
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 12)]
    rng = np.random.default_rng(2)
    x = rng.normal(10, 2, len(cells))
    graph = h3_graph(cells, k=1)
    perm = gi_star(x, graph, permutations=9999, seed=9, correction="none").frame
    n = len(x)
    adjacency = graph.adjacency
    approx = []
    for pos, cell in enumerate(cells):
        neighbours = [cells.index(c) for c in adjacency.loc[cell].index]
        c = len(neighbours)
        others = np.delete(x, pos)
        mean, var = others.mean(), others.var()
        sd = np.sqrt(c * var * (n - 1 - c) / (n - 2))
        z = (x[neighbours].sum() - c * mean) / sd
        approx.append(2 * stats.norm.sf(abs(z)))
    assert np.median(np.abs(perm["p"].to_numpy() - np.array(approx))) < 0.01
    # and the permutation p-value is not Gi*'s analytic one
    analytic = gi_star(x, graph, permutations=0, correction="none").frame
    assert np.median(np.abs(perm["p"] - analytic["p"])) > 0.05


@pytest.mark.filterwarnings("ignore:with 999 permutations")
def test_permutation_null_is_uniform_under_no_pattern() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 20)]
    rng = np.random.default_rng(4)
    values = pd.Series(rng.exponential(1.0, len(cells)), index=cells)
    frame = gi_star(values, h3_graph(cells, k=1), permutations=999, seed=1).frame
    share = (frame["p"] < 0.05).mean()
    assert 0.03 < share < 0.07
    assert (frame["label"] == "not_significant").mean() > 0.99  # FDR keeps it quiet


# --------------------------------------------------------------------------------------
# Multiple testing and bins
# --------------------------------------------------------------------------------------


def test_benjamini_hochberg_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan])
    # sorted 0.01, 0.03, 0.04, 0.2 with m = 4: 0.04, 0.06, 0.0533, 0.2 -> monotone
    q = adjust_pvalues(p, "fdr_bh")
    np.testing.assert_allclose(q[:4], [0.04, 0.0533333333, 0.0533333333, 0.2])
    assert np.isnan(q[4])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni")[:4], [0.04, 0.16, 0.12, 0.8])
    np.testing.assert_allclose(adjust_pvalues(p, "none")[:4], p[:4])


def test_bins_after_correction_and_alpha() -> None:
    q = np.array([0.005, 0.02, 0.07, 0.2, np.nan, 0.005])
    direction = np.array([1, -1, 1, 1, 0, -1])
    np.testing.assert_array_equal(confidence_bins(q, direction, 0.10), [3, -2, 1, 0, 0, -3])
    np.testing.assert_array_equal(confidence_bins(q, direction, 0.05), [3, -2, 0, 0, 0, -3])


def test_correction_changes_the_labels_not_the_p() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 6)]
    rng = np.random.default_rng(8)
    values = pd.Series(rng.poisson(3, len(cells)).astype(float), index=cells)
    values[[h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]] += 3
    graph = h3_graph(cells, k=1)
    none = gi_star(values, graph, permutations=0, correction="none").frame
    fdr = gi_star(values, graph, permutations=0, correction="fdr_bh").frame
    bonf = gi_star(values, graph, permutations=0, correction="bonferroni").frame
    pd.testing.assert_series_equal(none["p"], fdr["p"])
    assert (none["bin"] != 0).sum() >= (fdr["bin"] != 0).sum() >= (bonf["bin"] != 0).sum()
    assert (fdr["q"] >= fdr["p"] - 1e-15).all()


# --------------------------------------------------------------------------------------
# Local Moran
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dataset", "column"), [("stl", "HR8893"), ("desmith", "z")])
def test_local_moran_statistic_and_moments_match_esda(dataset: str, column: str) -> None:
    if dataset == "stl":
        y = pd.read_csv(libpysal.examples.get_path("stl_hom.csv"))[column].to_numpy()
        graph = gal_graph("stl.gal")
    else:
        y = np.array(libpysal.io.open(libpysal.examples.get_path("desmith.txt")).by_col[column])
        graph = gal_graph("desmith.gal")
    n = len(y)
    with quiet_esda():
        ref = Moran_Local(y, graph, transformation="r", permutations=0)
    for null, (e_ref, v_ref) in {
        "conditional": (ref.EIc, ref.VIc),
        "total": (ref.EI, ref.VI),
    }.items():
        frame = local_moran(y, graph, permutations=0, correction="none", null=null).frame
        # esda's Is carries (n - 1) / n; its moments are those of Anselin's I_i
        np.testing.assert_allclose(frame["statistic"] * (n - 1) / n, ref.Is, rtol=1e-10)
        z_ref = (frame["statistic"] - e_ref) / np.sqrt(v_ref)
        np.testing.assert_allclose(frame["z"], z_ref, rtol=1e-10)
    quadrant_code = {"HH": 1, "LH": 2, "LL": 3, "HL": 4}
    np.testing.assert_array_equal(frame["quadrant"].map(quadrant_code).astype(int), ref.q)


def test_local_moran_permutation_agrees_with_esda(columbus) -> None:
    frame, graph = columbus
    y = frame["CRIME"].to_numpy()
    ours = local_moran(y, graph, permutations=9999, seed=2, correction="none").frame
    with quiet_esda():
        ref = Moran_Local(y, graph, transformation="r", permutations=9999, seed=2)
    np.testing.assert_allclose(ours["p"], np.minimum(1, 2 * ref.p_sim), atol=0.03)
    assert set(ours["label"].astype(str)) <= set(CLUSTER_LABELS)
    hh = ours[ours["label"] == "HH"]
    assert len(hh) >= 3


def test_local_moran_labels_and_islands() -> None:
    cells, island = rosette_with_island()
    big = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 3)]
    cells = [*big, island]
    values = pd.Series(1.0, index=cells)
    values[[h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]] = 9.0
    # 37 tests: a p-value of 2/(B+1) survives Benjamini-Hochberg only with B large enough
    result = local_moran(values, h3_graph(cells, k=1), permutations=9999, seed=1)
    frame = result.frame
    assert list(frame.columns) == ["statistic", "z", "p", "q", "quadrant", "label"]
    assert frame.loc[h3.str_to_int(CENTRE), "label"] == "HH"
    assert frame.loc[island, "label"] == "isolated"
    assert frame.loc[island, ["statistic", "z", "p", "q"]].isna().all()
    assert result.settings["method"] == "local_moran"
    assert result.settings["weights_transform"] == "r"
    json.dumps(result.settings)


def test_local_moran_permutation_p_matches_exact_enumeration() -> None:
    cells, _ = rosette_with_island()
    graph = h3_graph(cells[:7], k=1)
    x = np.array([9.0, 5, 1, 2, 0, 3, 7])
    frame = local_moran(x, graph, permutations=20000, seed=4, correction="none").frame
    adjacency = graph.adjacency
    for pos, cell in enumerate(cells[:7]):
        neighbours = [cells.index(c) for c in adjacency.loc[cell].index]
        # row-standardised weights are equal within a row: the same test as the plain sum
        exact = exact_two_sided(x, neighbours, pos)
        assert frame["p"].iloc[pos] == pytest.approx(exact, abs=0.03), (pos, exact)


def test_one_sided_alternatives() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 6)]
    values = pd.Series(1.0, index=cells)
    values[[h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]] = 6.0
    graph = h3_graph(cells, k=1)
    two = gi_star(values, graph, permutations=0, correction="none").frame
    greater = gi_star(values, graph, permutations=0, correction="none", alternative="greater")
    less = gi_star(values, graph, permutations=0, correction="none", alternative="less")
    centre = h3.str_to_int(CENTRE)
    assert greater.frame.loc[centre, "p"] == pytest.approx(two.loc[centre, "p"] / 2)
    assert less.frame.loc[centre, "p"] == pytest.approx(1 - two.loc[centre, "p"] / 2)
    assert (greater.frame["bin"] >= 0).all()
    assert greater.settings["alternative"] == "greater"


@pytest.mark.filterwarnings("ignore:with 999 permutations")
def test_esda_ties_make_zero_neighbourhoods_significant_zicht_does_not() -> None:
    """esda's directed p counts the lower tail with a strict '<': ties vanish.

    With sparse counts many cells have neighbours that are all 0; about 13 % of random
    neighbourhoods are all 0 too, so such a cell is no cold spot. esda still gives it
    its smallest possible pseudo p-value (0.001 with 999 permutations).
    """
    cells = [h3.str_to_int(c) for c in h3.grid_disk(h3.latlng_to_cell(52.1, 5.1, 8), 20)]
    graph = h3_graph(cells, k=1)
    y = np.random.default_rng(0).poisson(0.3, len(cells)).astype(float)
    all_zero = (
        np.bincount(
            np.repeat(np.arange(len(y)), graph.cardinalities.to_numpy()),
            weights=y[graph.sparse.indices],
            minlength=len(y),
        )
        == 0
    )
    assert all_zero.sum() > 100
    with quiet_esda():
        ref = G_Local(y, graph, transform="B", star=True, permutations=999, seed=1)
    np.testing.assert_allclose(ref.p_sim[all_zero], 0.001, rtol=1e-6)
    ours = gi_star(y, graph, permutations=999, seed=1).frame
    assert (ours["p"].to_numpy()[all_zero] > 0.2).all()
    assert not ours["label"].to_numpy()[all_zero].astype(str).tolist().count("cold_99")


@pytest.mark.filterwarnings("ignore:with 999 permutations")
def test_cbs_municipalities_queen_end_to_end() -> None:
    path = Path(__file__).resolve().parents[1] / "geodata" / "cbs" / "wijken_gemeenten_2022.gpkg"
    muni = gpd.read_file(path, layer="NLD_muni").set_index("code")
    graph = polygon_graph(muni, "queen")
    density = muni["population"] / muni.area * 1e6
    result = gi_star(density.rename("inhabitants_per_km2"), graph, permutations=999, seed=1)
    assert result.frame.index.equals(muni.index)
    assert result.settings["weights"] == "queen"
    assert result.settings["variable"] == "inhabitants_per_km2"
    with quiet_esda():
        ref = G_Local(density.to_numpy(), graph, transform="B", star=True, permutations=0)
    # Texel, Ameland and Schiermonnikoog touch no other municipality: isolated, never tested
    isolated = result.frame["label"] == "isolated"
    assert {"GM0448", "GM0060", "GM0088"} <= set(result.frame.index[isolated])
    assert result.settings["n_isolated"] == int(isolated.sum())
    np.testing.assert_allclose(result.frame["z"][~isolated], ref.Zs[~isolated], rtol=0, atol=1e-9)
    # the Randstad cities are dense and next to each other
    hot = result.frame.loc[result.frame["bin"] > 0]
    assert "GM0599" in hot.index  # Rotterdam
    assert set(muni.loc[hot.index, "province"]) <= {"Zuid-Holland", "Noord-Holland", "Utrecht"}


def test_warns_when_permutations_cannot_reach_significance_after_fdr() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 20)]
    values = np.random.default_rng(0).exponential(1.0, len(cells))
    graph = h3_graph(cells, k=1)
    with pytest.warns(UserWarning, match=r"at least 51 units reach it.*e\.g\. 9999"):
        result = gi_star(values, graph, permutations=999, seed=1)
    assert result.settings["p_floor"] == pytest.approx(0.002)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gi_star(values, graph, permutations=9999, seed=1)
        gi_star(values, graph, permutations=999, seed=1, correction="none")


def test_weight_patterns_group_equal_rows_only() -> None:
    from zicht.stats._inference import _unique_rows

    rng = np.random.default_rng(0)
    base = rng.random((5, 4))
    rows = base[rng.integers(0, 5, 200)]
    unique, group = _unique_rows(rows)
    np.testing.assert_array_equal(unique[group], rows)
    assert len(unique) == len(np.unique(rows, axis=0))


def test_gi_star_kernel_weights_match_dense_ord_getis_formula() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 4)]
    graph = h3_graph(cells, k=3, kernel="triangular")
    x = np.random.default_rng(6).gamma(2.0, 1.5, len(cells))
    frame = gi_star(x, graph, permutations=0, correction="none").frame
    w = graph.sparse.toarray()
    np.fill_diagonal(w, 1.0)  # Gi*: the cell itself, kernel weight 1 at distance 0
    n = len(x)
    w_sum, s1 = w.sum(axis=1), (w**2).sum(axis=1)
    z = (w @ x - x.mean() * w_sum) / (x.std() * np.sqrt((n * s1 - w_sum**2) / (n - 1)))
    np.testing.assert_allclose(frame["z"], z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(frame["statistic"], (w @ x) / x.sum(), rtol=1e-12)
