import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht import DisclosureError
from zicht.export import write_release
from zicht.publish import (
    DisclosureRules,
    IndicatorMeta,
    LayerInput,
    Release,
    publish_release,
    round_to_base,
    units_band,
)

METAS = [
    IndicatorMeta("n_vacant", "Vacancy", "addresses", "count"),
    IndicatorMeta("rate_vacant_pct", "Vacancy rate", "%", "rate"),
]


def _layer(n_units, n_vacant):
    n = len(n_units)
    return gpd.GeoDataFrame(
        {
            "area_id": [f"A{i}" for i in range(n)],
            "area_name": [f"area {i}" for i in range(n)],
            "n_units": n_units,
            "n_vacant": n_vacant,
            "rate_vacant_pct": 100 * np.asarray(n_vacant) / np.maximum(np.asarray(n_units), 1),
            "hotspot_label": ["hot_95"] * n,
            "hotspot_z": [2.5] * n,
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs=28992,
    )


def test_small_areas_are_suppressed_and_counts_rounded():
    release = publish_release([LayerInput("h3", _layer([9, 10, 23], [3, 4, 12]))], METAS)
    frame = release.layers["h3"]
    assert frame["status"].tolist() == ["suppressed", "published", "published"]
    assert frame["n_units"].isna().tolist() == [True, False, False]
    assert frame["n_units"].iloc[2] == 25
    assert frame["n_vacant"].iloc[1:].tolist() == [5, 10]
    assert frame["rate_vacant_pct"].iloc[0] != frame["rate_vacant_pct"].iloc[0]  # NaN
    assert frame["rate_vacant_pct"].iloc[2] == pytest.approx(100 * 12 / 23)  # rate before rounding
    assert frame["hotspot_label"].iloc[0] == "not publishable"
    assert np.isnan(frame["hotspot_z"].iloc[0])
    assert frame["n_units_band"].tolist() == ["< 10", "10–49", "10–49"]
    assert release.audit["area_id"].tolist() == ["A0"]


def test_release_cannot_be_made_by_hand():
    with pytest.raises(DisclosureError, match="publish_release"):
        Release(
            layers={},
            indicators=(),
            context={},
            rules=DisclosureRules(),
            metadata={},
            audit=pd.DataFrame(),
        )


def test_writers_refuse_anything_but_a_release(tmp_path):
    with pytest.raises(TypeError, match="Release"):
        write_release(_layer([10], [1]), tmp_path)


def test_layer_must_be_in_rd_new():
    layer = _layer([10], [1]).to_crs(4326)
    with pytest.raises(DisclosureError, match="28992"):
        publish_release([LayerInput("h3", layer)], METAS)


def test_rules_are_validated():
    with pytest.raises(DisclosureError):
        DisclosureRules(min_units=0)


def test_round_to_base_and_bands():
    assert round_to_base(pd.Series([0, 2, 3, 7, 8, 12]), 5).tolist() == [0, 0, 5, 5, 10, 10]
    assert round_to_base(pd.Series([7]), 1).tolist() == [7]
    assert units_band(pd.Series([0, 10, 49, 50, 3000]), 10).tolist() == [
        "< 10",
        "10–49",
        "10–49",
        "50–99",
        "2500–4999",
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=25),
)
def test_nothing_below_threshold_is_published(sizes, threshold):
    vacant = [s // 3 for s in sizes]
    rules = DisclosureRules(min_units=threshold)
    frame = publish_release([LayerInput("h3", _layer(sizes, vacant))], METAS, rules=rules).layers[
        "h3"
    ]
    small = np.asarray(sizes) < threshold
    assert (frame.loc[small, "status"] == "suppressed").all()
    assert frame.loc[small, ["n_units", "n_vacant", "rate_vacant_pct"]].isna().all().all()
    published = frame[frame["status"] == "published"]
    assert (published["n_units"] % 5 == 0).all()
    assert len(published) == int((~small).sum())


def test_write_release_bundle(tmp_path):
    release = publish_release(
        [LayerInput("h3", _layer([9, 30], [1, 5]))], METAS, metadata={"run_id": "r1"}
    )
    paths = write_release(release, tmp_path)
    back = gpd.read_file(paths["geopackage"], layer="h3")
    assert back["status"].tolist() == ["suppressed", "published"]
    csv = pd.read_csv(paths["csv:h3"])
    assert pd.isna(csv.loc[0, "n_vacant"])
    assert '"run_id": "r1"' in paths["manifest"].read_text()
