"""Risk Terrain Modeling risk factors: distance to the nearest feature and kernel density."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht import ConfigError, InputError
from zicht.indicators import IndicatorSpec, compute_indicators, distance_to_nearest, kernel_density


def test_distance_to_nearest_by_hand():
    places = np.array([[0.0, 0.0], [10.0, 0.0], [np.nan, np.nan]])
    features = np.array([[3.0, 4.0], [10.0, 1.0], [np.nan, 5.0]])
    out = distance_to_nearest(places, features)
    assert out[:2].tolist() == pytest.approx([5.0, 1.0])
    assert np.isnan(out[2])
    assert np.isnan(distance_to_nearest(places, np.empty((0, 2)))).all()


def test_uniform_density_counts_features_in_the_disc():
    place = np.array([[0.0, 0.0]])
    features = np.array([[0.0, 0.0], [300.0, 0.0], [0.0, -499.0], [600.0, 0.0]])
    density = kernel_density(place, features, 500.0, "uniform")
    assert density[0] == pytest.approx(3 / (np.pi * 0.5**2))  # 3 features on 0.785 km²


def test_quartic_density_by_hand():
    place = np.array([[0.0, 0.0]])
    features = np.array([[0.0, 0.0], [250.0, 0.0], [500.0, 0.0]])
    r = 500.0
    expected = 3 / (np.pi * r**2) * (1 + (1 - 0.25) ** 2 + 0) * 1e6
    assert kernel_density(place, features, r)[0] == pytest.approx(expected)


def test_quartic_kernel_integrates_to_one():
    # A feature at the origin, density summed over a fine grid of places times the cell area.
    step = 10.0
    grid = np.arange(-600, 601, step)
    xx, yy = np.meshgrid(grid, grid)
    places = np.column_stack([xx.ravel(), yy.ravel()])
    density = kernel_density(places, np.array([[0.0, 0.0]]), 400.0)
    assert (density * step**2 / 1e6).sum() == pytest.approx(1.0, rel=1e-3)


def test_chunked_density_equals_the_density_of_all_places_at_once():
    rng = np.random.default_rng(20)
    places = rng.uniform(0, 5_000, size=(2_001, 2))
    places[7] = np.nan  # a place without coordinates stays NaN in every chunk
    features = rng.uniform(0, 5_000, size=(300, 2))
    whole = kernel_density(places, features, 600.0, chunk_size=10_000)
    for size in (1, 97, 1_000):
        chunked = kernel_density(places, features, 600.0, chunk_size=size)
        np.testing.assert_allclose(chunked, whole, rtol=1e-12, equal_nan=True)
    assert np.isnan(whole[7]) and (whole[np.arange(len(whole)) != 7] >= 0).all()
    with pytest.raises(ConfigError, match="chunk_size"):
        kernel_density(places, features, 600.0, chunk_size=0)


def test_density_refuses_bad_settings():
    with pytest.raises(ConfigError, match="quartic"):
        kernel_density(np.zeros((1, 2)), np.zeros((1, 2)), 100.0, "gaussian")
    with pytest.raises(ConfigError, match="positive"):
        kernel_density(np.zeros((1, 2)), np.zeros((1, 2)), 0.0)


def _units() -> gpd.GeoDataFrame:
    xy = [(0, 0), (100, 0), (0, 100), (1000, 0), (1100, 0)]
    return gpd.GeoDataFrame(
        {
            "area": ["a", "a", "a", "b", "b"],
            "use": ["industrie", "woon", "woon", "woon", "woon"],
        },
        geometry=[shapely.Point(x, y) for x, y in xy],
        crs=28992,
    )


def test_proximity_is_the_mean_over_the_area_units():
    spec = IndicatorSpec(
        "industry_distance", "Industry", {"column": "use", "equals": "industrie"}, kind="proximity"
    )
    out = compute_indicators(_units(), "area", [spec])
    assert out.loc["a", "dist_industry_distance_m"] == pytest.approx((0 + 100 + 100) / 3)
    assert out.loc["b", "dist_industry_distance_m"] == pytest.approx((1000 + 1100) / 2)


def test_density_over_a_denominator_and_at_area_centres():
    spec = IndicatorSpec(
        "industry",
        "Industry",
        {"column": "use", "equals": "industrie"},
        kind="density",
        radius_m=200.0,
        kernel="uniform",
        denominator={"column": "use", "equals": "woon"},
    )
    out = compute_indicators(_units(), "area", [spec])
    # the two dwellings of area a are 100 m from the one industrial building
    assert out.loc["a", "density_industry_per_km2"] == pytest.approx(1 / (np.pi * 0.2**2))
    assert out.loc["b", "density_industry_per_km2"] == 0.0
    parks = gpd.GeoDataFrame(
        {"ok": [True, False]}, geometry=[shapely.Point(0, 50), shapely.Point(1000, 0)], crs=28992
    )
    at_centre = IndicatorSpec("park", "Park", "ok", kind="proximity", features="parks", at="centre")
    centres = gpd.GeoSeries(
        [shapely.Point(0, 0), shapely.Point(1050, 0)], index=["a", "b"], crs=28992
    )
    out = compute_indicators(
        _units(), "area", [at_centre], features={"parks": parks}, centres=centres
    )
    assert out["dist_park_m"].tolist() == pytest.approx([50.0, np.hypot(1050, 50)])


def test_centre_values_are_refused_for_confidential_features():
    with pytest.raises(ConfigError, match="public features only"):
        IndicatorSpec("v", "V", "vacant", kind="proximity", at="centre")


def test_no_feature_is_an_input_error():
    spec = IndicatorSpec("x", "X", {"column": "use", "equals": "kantoor"}, kind="proximity")
    with pytest.raises(InputError, match="no units feature"):
        compute_indicators(_units(), "area", [spec])


def test_a_missing_feature_layer_is_named():
    spec = IndicatorSpec("p", "P", "ok", kind="proximity", features="parks")
    with pytest.raises(Exception, match="feature layer 'parks'"):
        compute_indicators(pd.DataFrame(_units()), "area", [spec])
