"""Emerging hot spots: Mann-Kendall and the ArcGIS categories."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from zicht._errors import SchemaError
from zicht.stats import (
    EMERGING_CATEGORIES,
    emerging_categories,
    emerging_hotspots,
    h3_graph,
    mann_kendall,
)

CENTRE = h3.latlng_to_cell(52.0907, 5.1214, 9)


def test_mann_kendall_exact_small_series_matches_scipy_kendalltau() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 7))
    _, tau, p = mann_kendall(x)
    time = np.arange(7)
    for row in range(50):
        ref = stats.kendalltau(time, x[row], method="exact")
        assert tau[row] == pytest.approx(ref.statistic)
        assert p[row] == pytest.approx(ref.pvalue)


def test_mann_kendall_normal_approximation_for_long_series() -> None:
    x = np.array([[1.0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12]])
    s, _, p = mann_kendall(x)
    n = 12
    # by hand: S = pairs - 2 * inversions = 66 - 2 * 5 = 56; continuity corrected
    assert s[0] == 56
    z = (56 - 1) / np.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    assert p[0] == pytest.approx(2 * stats.norm.sf(z))


def test_mann_kendall_ties_and_nan() -> None:
    s, _, p = mann_kendall(np.array([[1.0, 1, 2, 2, 3], [1.0, np.nan, 2, 3, 4]]))
    # tie-corrected variance: 5*4*15/18 - 2 * (2*1*9)/18 = 16.667 - 2 = 14.667
    assert s[0] == 8
    assert p[0] == pytest.approx(2 * stats.norm.sf(7 / np.sqrt(50 / 3 - 2)))
    assert np.isnan(p[1])


@pytest.mark.parametrize(
    ("history", "trend", "expected"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 0, "new_hot"),
        ([-2, 0, 0, 0, 0, 0, 0, 0, 0, 2], 0, "new_hot"),  # first ever hot wins
        ([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], 0, "consecutive_hot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 1, "intensifying_hot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 0, "persistent_hot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], -1, "diminishing_hot"),
        ([3, 3, 3, 3, 0, 3, 3, 3, 3, 3], 0, "persistent_hot"),  # 90 %
        ([3, 3, 3, 0, 0, 3, 3, 3, 3, 3], 0, "sporadic_hot"),  # 80 %
        ([1, 0, 2, 0, 0, 0, 1, 0, 0, 2], 0, "sporadic_hot"),
        ([1, 0, -2, 0, 0, 0, 1, 0, 0, 2], 0, "oscillating_hot"),
        ([0, 0, 2, 0, 0, 0, 0, 0, 2, 2], 0, "sporadic_hot"),  # hot before the run
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 0], 0, "historical_hot"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, -1], 0, "new_cold"),
        ([0, 0, 0, 0, 0, 0, 0, -1, -1, -1], 0, "consecutive_cold"),
        ([-3] * 10, -1, "intensifying_cold"),
        ([-3] * 10, 0, "persistent_cold"),
        ([-3] * 10, 1, "diminishing_cold"),
        ([-1, 0, -1, 0, 0, 0, 0, 0, 0, -1], 0, "sporadic_cold"),
        ([-1, 0, 2, 0, 0, 0, 0, 0, 0, -1], 0, "oscillating_cold"),
        ([-3] * 9 + [0], 0, "historical_cold"),
        ([0, 2, 0, 0, 0, 0, 0, 0, 0, 0], 0, "no_pattern"),
    ],
)
def test_categories_follow_the_arcgis_rules(history: list[int], trend: int, expected: str) -> None:
    category = emerging_categories(np.array([history]), np.array([trend]))
    assert category.tolist() == [expected]


def test_emerging_hotspots_on_a_planted_pattern() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 9)]
    rng = np.random.default_rng(3)
    years = [2018, 2019, 2020, 2021, 2022, 2023]
    values = pd.DataFrame(rng.poisson(2.0, (len(cells), len(years))).astype(float),
                          index=cells, columns=years)  # fmt: skip
    growing = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]
    values.loc[growing, 2022] += 8
    values.loc[growing, 2023] += 10
    island = h3.str_to_int(h3.latlng_to_cell(53.2, 6.56, 9))
    values.loc[island] = 1.0
    result = emerging_hotspots(values.iloc[::-1], h3_graph([*cells, island], k=1))
    frame = result.frame
    centre = h3.str_to_int(CENTRE)
    assert frame.loc[centre, "category"] == "consecutive_hot"
    assert frame.loc[island, "category"] == "isolated"
    assert set(frame["category"].astype(str)) <= set(EMERGING_CATEGORIES)
    assert list(result.z.columns) == years
    assert result.settings["steps"] == years
    assert result.settings["method"] == "emerging_hotspots"
    assert (frame["category"] == "no_pattern").mean() > 0.8


def test_emerging_needs_three_steps() -> None:
    cells = [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)]
    values = pd.DataFrame(np.ones((7, 2)), index=cells, columns=[2023, 2024])
    with pytest.raises(SchemaError, match="at least 3"):
        emerging_hotspots(values, h3_graph(cells, k=1))
