import json

import geopandas as gpd
import pytest
import shapely

from zicht import CRSError, InputError, SchemaError
from zicht.ingest import read_boundaries, read_parks, repair_geometries


def test_read_wijken_ede(geodata):
    wijken, report = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg",
        level="wijk",
        layer="NLD_dist",
        code_prefix="WK0228",
    )
    assert len(wijken) == 17
    assert wijken.crs.to_epsg() == 28992
    assert wijken["dwelling_total"].sum() == 50743
    assert report.rows_read == 3340


def test_read_buurten_2014_topojson_needs_an_explicit_crs(geodata):
    path = geodata / "cbs" / "Buurt_2014_layer_q1e3.json"
    with pytest.raises(CRSError, match="assume_crs"):
        read_boundaries(path, level="buurt", code_column="statcode", name_column="statnaam")
    buurten, report = read_boundaries(
        path,
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
        code_prefix="BU0228",
    )
    assert len(buurten) == 71
    assert buurten.is_valid.all()
    assert report.repaired > 0  # quantisation left some Ede buurten invalid
    assert "assumed EPSG:4326" in report.notes[0]


def test_read_boundaries_collects_schema_problems(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["WK12345", "WK000101", "WK000101"], "naam": ["a", "b", "c"]},
        geometry=[shapely.box(0, 0, 1, 1)] * 3,
        crs=28992,
    )
    path = tmp_path / "bad.gpkg"
    frame.to_file(path)
    with pytest.raises(SchemaError, match="name"):
        read_boundaries(path, level="wijk")
    with pytest.raises(SchemaError, match="2 problem") as err:
        read_boundaries(path, level="wijk", name_column="naam")
    assert "do not match" in str(err.value)
    assert "duplicate" in str(err.value)


def test_read_boundaries_turns_cbs_sentinels_into_missing(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["GM0001", "GM0002"], "name": ["a", "b"], "population": [-99999999, 120]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=28992,
    )
    path = tmp_path / "gm.gpkg"
    frame.to_file(path)
    out, report = read_boundaries(path, level="gemeente")
    assert out["population"].isna().tolist() == [True, False]
    assert report.sentinels == {"population": 1}


def test_read_boundaries_missing_file_and_empty_selection(tmp_path, geodata):
    with pytest.raises(InputError, match="cannot read"):
        read_boundaries(tmp_path / "nope.gpkg", level="wijk")
    with pytest.raises(InputError, match="no wijk"):
        read_boundaries(
            geodata / "cbs" / "wijken_gemeenten_2022.gpkg",
            level="wijk",
            layer="NLD_dist",
            code_prefix="WK9999",
        )


def test_repair_geometries_counts_and_fixes_a_bowtie():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(geometry=[bowtie, shapely.box(0, 0, 1, 1)], crs=28992)
    fixed, n = repair_geometries(frame)
    assert n == 1
    assert fixed.is_valid.all()
    assert fixed.geometry.iloc[0].area == pytest.approx(0.5)
    assert not frame.is_valid.iloc[0]  # input untouched


def test_read_parks_reports_duplicates_and_place_centres(geodata):
    parks, report = read_parks(geodata / "parks" / "parks.json")
    assert report.rows_read == 236
    assert len(parks) == 235  # one record is repeated verbatim in the source
    assert (~parks["location_trusted"]).sum() == 41
    assert parks.crs.to_epsg() == 28992
    assert parks["park_id"].is_unique


def test_read_parks_missing_columns(tmp_path):
    path = tmp_path / "parks.json"
    path.write_text(json.dumps([{"park": "x", "latitude": 52.0}]))
    with pytest.raises(SchemaError, match="longitude"):
        read_parks(path)
