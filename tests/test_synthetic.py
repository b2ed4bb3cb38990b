import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht.synthetic import (
    sample_points_in_polygon,
    synthesize_addresses,
    synthesize_risk_signals,
)


def _wijken():
    return gpd.GeoDataFrame(
        {"code": ["WK999901", "WK999902"], "dwelling_total": [300, 120]},
        geometry=[shapely.box(0, 0, 2000, 2000), shapely.box(2000, 0, 4000, 2000)],
        crs=28992,
    )


def _parks():
    return gpd.GeoDataFrame(
        {"park_id": ["P0001", "P0002"], "location_trusted": [True, False]},
        geometry=[shapely.Point(1000, 1000), shapely.Point(3000, 1000)],
        crs=28992,
    )


def test_points_fall_inside_the_polygon():
    poly = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])
    xy = sample_points_in_polygon(poly, 500, np.random.default_rng(1))
    assert xy.shape == (500, 2)
    assert shapely.contains_xy(poly, xy[:, 0], xy[:, 1]).all()


def test_dwellings_per_wijk_follow_the_totals_exactly():
    addresses = synthesize_addresses(_wijken(), _parks(), seed=3, missing_location_share=0)
    homes = addresses[addresses["gebruiksdoel"] == "woonfunctie"]
    per_wijk = gpd.sjoin(homes, _wijken(), predicate="within")["code"].value_counts()
    assert per_wijk.to_dict() == {"WK999901": 300, "WK999902": 120}
    # recreational homes only around the trusted park
    rec = addresses[addresses["gebruiksdoel"] == "logiesfunctie"]
    assert len(rec) >= 80
    assert set(rec["park_id_planted"]) == {"P0001"}
    assert rec.distance(shapely.Point(1000, 1000)).max() <= 300 + 1e-6
    assert addresses["synthetic"].all()
    assert addresses["address_id"].is_unique


def test_generation_is_deterministic_and_seed_dependent():
    a = synthesize_addresses(_wijken(), _parks(), seed=7)
    b = synthesize_addresses(_wijken(), _parks(), seed=7)
    c = synthesize_addresses(_wijken(), _parks(), seed=8)
    assert a.geometry.equals(b.geometry)
    assert not a.geometry.equals(c.geometry)
    sa = synthesize_risk_signals(a, seed=1)
    sb = synthesize_risk_signals(b, seed=1)
    pd.testing.assert_frame_equal(sa, sb)


def test_risk_signals_vary_in_space():
    wijken = gpd.GeoDataFrame(
        {"code": ["WK999901"], "dwelling_total": [20_000]},
        geometry=[shapely.box(0, 0, 10_000, 10_000)],
        crs=28992,
    )
    parks = _parks().iloc[:0]
    addresses = synthesize_addresses(wijken, parks, seed=5, missing_location_share=0)
    signals = synthesize_risk_signals(addresses, seed=6, hotspot_scale_m=500)
    cell = (addresses.geometry.x // 1000).astype(int) * 10 + (addresses.geometry.y // 1000).astype(
        int
    )
    rates = signals.groupby(cell.to_numpy())["registration_mismatch"].mean()
    assert rates.max() > 3 * rates.median()  # planted hot spots stand out
    assert signals.index.equals(addresses.index)
