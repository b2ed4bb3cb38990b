"""The synthetic national address set: counts follow CBS, results are deterministic."""

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest

from zicht import ConfigError
from zicht.index import join_partitioned
from zicht.ingest import read_boundaries
from zicht.synthetic.national import NATIONAL_NOTE, _wijk_objects, generate_national, national_files


@pytest.fixture(scope="module")
def flevoland(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    return out, generate_national(out, provinces=["Flevoland"])


def test_dwellings_per_wijk_equal_cbs_dwelling_total(flevoland, geodata):
    out, summary = flevoland
    wijken, _ = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg", level="wijk", layer="NLD_dist"
    )
    wijken = wijken[wijken["province"] == "Flevoland"]
    frame = gpd.read_parquet(national_files(out)[0])
    dwellings = frame[frame["gebruiksdoel"] == "woonfunctie"]
    per_wijk = dwellings["wijk_code_planted"].astype("str").value_counts()
    expected = wijken.set_index("code")["dwelling_total"].astype("int64")
    assert per_wijk.reindex(expected.index).fillna(0).astype("int64").equals(expected)
    assert summary.dwellings == int(expected.sum())
    assert summary.rows == len(frame)
    assert summary.recreational == int((frame["gebruiksdoel"] == "logiesfunctie").sum())
    assert frame["address_id"].is_unique and frame["synthetic"].all()
    assert 0 < summary.missing_location < 0.002 * summary.rows
    assert NATIONAL_NOTE in (out / "manifest.json").read_text()
    assert pq.read_schema(national_files(out)[0]).field("geometry").type.num_fields == 2  # GeoArrow


@pytest.mark.slow
def test_every_placed_point_joins_back_to_its_wijk(flevoland, geodata):
    out, summary = flevoland
    wijken, _ = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg", level="wijk", layer="NLD_dist"
    )
    buurten, _ = read_boundaries(
        geodata / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
        code_prefix="BU0",  # a smaller layer keeps the test fast; Flevoland is BU00..
    )
    keys, report = join_partitioned(
        out / "addresses",
        buurten,
        wijken=wijken,
        allow_mixed_vintages=True,
        columns=["wijk_code_planted"],
    )
    assert report.balanced and report.rows_in == summary.rows
    planted = keys["wijk_code_planted"].astype("str")
    located = keys["h3_r9"].notna() & planted.notna()
    same = keys.loc[located, "wijk_code"].astype("str") == planted[located]
    assert same.mean() > 0.999  # the rest lie on or across a shared edge after rounding to mm


def test_generation_is_deterministic_per_wijk():
    import shapely

    square = shapely.box(150_000, 450_000, 151_000, 451_000)
    a = _wijk_objects("WK999901", square, 500, seed=1)
    b = _wijk_objects("WK999901", square, 500, seed=1)
    c = _wijk_objects("WK999901", square, 500, seed=2)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert (a[1] == 0).sum() == 500  # exactly dwelling_total dwellings
    assert shapely.contains_xy(square, a[0][:, 0], a[0][:, 1]).all()


def test_unknown_province_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown provinces"):
        generate_national(tmp_path, provinces=["Atlantis"])
