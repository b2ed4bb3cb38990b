"""The space-time cube: space-time Gi* and ArcGIS Pro's emerging hot-spot categories."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from zicht._errors import ConfigError, SchemaError
from zicht.stats import (
    EMERGING_CATEGORIES,
    emerging_hotspot_analysis,
    gi_star,
    h3_graph,
    space_time_gi_star,
)

ORIGIN = h3.latlng_to_cell(52.0907, 5.1214, 8)
T = 10
HI, LO = 30.0, 1.0


def _at(steps: list[int] | range, value: float) -> list[float | None]:
    series: list[float | None] = [None] * T
    for t in steps:
        series[t] = value
    return series


# One planted series per category: the patch (a cell and its 6 neighbours) takes the
# value where it is given, Poisson(10) noise elsewhere. With ArcGIS's default
# neighbourhood time step of 1 a step's bin also sees the step before, so a high step is
# followed by one more hot bin (historical_hot: high in steps 0-7, hot in 0-8, not in 9).
PLANTS: dict[str, list[float | None]] = {
    "new_hot": _at([9], HI),
    "consecutive_hot": _at([7, 8, 9], HI),
    "intensifying_hot": list(np.linspace(20, 40, T)),
    "persistent_hot": [HI] * T,
    "diminishing_hot": list(np.linspace(40, 20, T)),
    "sporadic_hot": _at([1, 5, 9], HI),
    "oscillating_hot": [None, None, LO, None, None, HI, None, None, None, HI],
    "historical_hot": _at(range(8), HI),
    "new_cold": _at([9], LO),
    "consecutive_cold": _at([7, 8, 9], LO),
    "intensifying_cold": list(np.linspace(5, 0, T)),
    "persistent_cold": [LO] * T,
    "diminishing_cold": list(np.linspace(0, 5, T)),
    "sporadic_cold": _at([1, 5, 9], LO),
    "oscillating_cold": [None, None, HI, None, None, LO, None, None, None, LO],
    "historical_cold": _at(range(8), LO),
}


def _planted_cube() -> tuple[pd.DataFrame, dict[str, int], list[int]]:
    cells = sorted(h3.grid_disk(ORIGIN, 17))
    centres: list[str] = []
    for cell in cells:
        if h3.grid_distance(ORIGIN, cell) <= 14 and all(
            h3.grid_distance(cell, other) >= 5 for other in centres
        ):
            centres.append(cell)
    centres = centres[: len(PLANTS)]
    ids = [h3.str_to_int(c) for c in cells]
    rng = np.random.default_rng(18)
    cube = pd.DataFrame(rng.poisson(10.0, (len(ids), T)).astype(float), index=ids,
                        columns=range(2015, 2015 + T))  # fmt: skip
    where = {}
    for (name, series), centre in zip(PLANTS.items(), centres, strict=True):
        rows = cube.index.get_indexer([h3.str_to_int(c) for c in h3.grid_disk(centre, 1)])
        where[name] = h3.str_to_int(centre)
        for t, value in enumerate(series):
            if value is not None:
                cube.iloc[rows, t] = value
    far = [h3.str_to_int(c) for c in cells if min(h3.grid_distance(c, x) for x in centres) >= 3]
    return cube, where, far


def test_every_arcgis_category_is_found_where_it_was_planted() -> None:
    cube, where, far = _planted_cube()
    result = emerging_hotspot_analysis(cube, h3_graph(list(cube.index), k=1))
    found = {name: result.frame.loc[cell, "category"] for name, cell in where.items()}
    assert found == {name: name for name in PLANTS}
    # and nothing far from the patches: the noise alone is no pattern
    assert (result.frame.loc[far, "category"] == "no_pattern").all()
    assert len(far) > 500
    assert set(PLANTS) | {"no_pattern", "isolated"} == set(EMERGING_CATEGORIES)
    assert result.settings["time_steps"] == 1
    assert result.settings["global_window"] == "cube"


def _brute_force_z(x: np.ndarray, neighbours: list[set[int]], lag: int, window: str) -> np.ndarray:
    """The space-time Gi* written out bin by bin from its definition."""
    n_loc, n_steps = x.shape
    z = np.zeros_like(x)
    for t in range(n_steps):
        first = max(0, t - lag)
        for i in range(n_loc):
            bins = [(j, s) for j in {i} | neighbours[i] for s in range(first, t + 1)]
            glob = {"cube": x, "neighbourhood": x[:, first : t + 1], "step": x[:, t : t + 1]}
            g = glob[window]
            n, mean, spread = g.size, g.mean(), g.std()
            w = len(bins)
            local = sum(x[j, s] for j, s in bins)
            z[i, t] = (local - mean * w) / (spread * np.sqrt((n * w - w * w) / (n - 1)))
    return z


@pytest.mark.parametrize("window", ["cube", "neighbourhood", "step"])
@pytest.mark.parametrize("lag", [0, 1, 2])
def test_space_time_gi_star_equals_its_definition(lag: int, window: str) -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 3))
    ids = [h3.str_to_int(c) for c in cells]
    graph = h3_graph(ids, k=1)
    neighbours = [
        {ids.index(h3.str_to_int(n)) for n in h3.grid_ring(c, 1) if n in cells} for c in cells
    ]
    x = np.random.default_rng(lag).poisson(3.0, (len(ids), 5)).astype(float)
    cube = pd.DataFrame(x, index=ids, columns=[2020, 2021, 2022, 2023, 2024])
    result = space_time_gi_star(cube.iloc[::-1], graph, time_steps=lag, global_window=window)
    expected = _brute_force_z(x, neighbours, lag, window)
    np.testing.assert_allclose(result.z.loc[ids].to_numpy(), expected, rtol=1e-12)
    # FDR over every bin of the cube at once
    p = 2 * stats.norm.sf(np.abs(expected)).ravel()
    q = stats.false_discovery_control(p, method="bh")
    np.testing.assert_allclose(result.q.loc[ids].to_numpy().ravel(), q, rtol=1e-12)


def test_without_time_neighbours_each_step_is_the_spatial_gi_star() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(ORIGIN, 4)]
    x = np.random.default_rng(1).poisson(2.0, (len(cells), 4)).astype(float)
    cube = pd.DataFrame(x, index=cells, columns=[1, 2, 3, 4])
    graph = h3_graph(cells, k=1)
    result = space_time_gi_star(cube, graph, time_steps=0, global_window="step")
    for step in cube.columns:
        spatial = gi_star(cube[step], graph, permutations=0)
        np.testing.assert_allclose(result.z[step], spatial.frame["z"], rtol=1e-12)


def test_a_location_without_neighbours_is_isolated_and_not_tested() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(ORIGIN, 2)]
    island = h3.str_to_int(h3.latlng_to_cell(53.2, 6.56, 8))
    cube = pd.DataFrame(np.arange(20 * 4, dtype=float).reshape(20, 4) % 7,
                        index=[*cells, island], columns=[1, 2, 3, 4])  # fmt: skip
    result = emerging_hotspot_analysis(cube, h3_graph([*cells, island], k=1))
    assert result.frame.loc[island, "category"] == "isolated"
    assert result.z.loc[island].isna().all()
    assert result.settings["n_tests"] == 19 * 4


def test_bad_cubes_are_refused_with_what_is_wrong() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(ORIGIN, 1)]
    graph = h3_graph(cells, k=1)
    cube = pd.DataFrame(1.0, index=cells, columns=[2021, 2022, 2023])
    cube.iloc[2, 1] = np.nan
    with pytest.raises(SchemaError, match=rf"location {cells[2]}.*step 2022"):
        space_time_gi_star(cube, graph)
    with pytest.raises(SchemaError, match="1 graph ids without a row"):
        space_time_gi_star(cube.iloc[1:].fillna(0), graph)
    with pytest.raises(SchemaError, match="at least 3 time steps"):
        emerging_hotspot_analysis(cube.iloc[:, :2], graph)
    with pytest.raises(ConfigError, match="global_window"):
        space_time_gi_star(cube.fillna(0), graph, global_window="slice")
    with pytest.raises(ConfigError, match="time_steps"):
        space_time_gi_star(cube.fillna(0), graph, time_steps=-1)
