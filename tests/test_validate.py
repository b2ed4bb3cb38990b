"""Every bad input the issue lists, and the message a user sees for it."""

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from zicht import CRSError, GeometryError, InputError, SchemaError
from zicht._validate import CODE_PATTERNS, Problems, check_nesting, validate_layer
from zicht.ingest import iter_point_partitions, read_addresses, read_boundaries, read_parcels
from zicht.schemas import ADDRESSES, PARCELS, boundary_schema

BOX = shapely.box(150_000, 450_000, 150_100, 450_100)


def _addresses(xys, crs=28992, ids=None):
    geoms = [None if xy is None else shapely.Point(xy) for xy in xys]
    return gpd.GeoDataFrame(
        {
            "address_id": ids or [f"A{i}" for i in range(len(xys))],
            "object_type": "verblijfsobject",
            "gebruiksdoel": "woonfunctie",
        },
        geometry=geoms,
        crs=crs,
    )


def test_no_crs_is_refused_with_the_fix(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["GM0001"], "name": ["a"]}, geometry=[BOX], crs=28992)
    path = tmp_path / "no_crs.shp"
    frame.to_file(path)
    path.with_suffix(".prj").unlink()  # a shapefile without its .prj has no CRS
    with pytest.raises(CRSError, match=r"declares no CRS.*fit EPSG:28992.*set assume_crs"):
        read_boundaries(path, level="gemeente")
    _, report = read_boundaries(path, level="gemeente", assume_crs="EPSG:28992")
    assert report.notes == ["source declares no CRS; assumed EPSG:28992"]
    with pytest.raises(CRSError, match="declares no CRS"):
        validate_layer(
            _addresses([(150_000, 450_000)]).set_crs(None, allow_override=True),
            ADDRESSES,
            source="test",
        )


def test_metres_labelled_as_degrees():
    frame = _addresses([(155_000, 463_000)], crs=4326)
    with pytest.raises(CRSError, match=r"EPSG:4326 \(degrees\) but .*fit EPSG:28992, not"):
        validate_layer(frame, ADDRESSES, source="test")


def test_degrees_labelled_as_rd_new():
    frame = _addresses([(5.66, 52.04), (5.70, 52.05)], crs=28992)
    with pytest.raises(CRSError, match=r"EPSG:28992 \(metres\) but .* fit EPSG:4326, not the"):
        validate_layer(frame, ADDRESSES, source="test")


def test_web_mercator_declared_as_rd_new_names_the_crs_it_fits():
    # the newcomer's CBS 2017 shapefile: Web Mercator metres under an RD New label
    frame = _addresses([(640_000, 6_800_000), (650_000, 6_810_000)], crs=28992)
    with pytest.raises(CRSError, match="fit EPSG:3857, not the declared EPSG:28992"):
        validate_layer(frame, ADDRESSES, source="test")


def test_swapped_latitude_longitude_is_refused_or_repaired():
    frame = _addresses([(52.04, 5.66), (52.10, 5.70)], crs=4326)
    with pytest.raises(CRSError, match="latitude and longitude look swapped"):
        validate_layer(frame, ADDRESSES, source="test")
    fixed, report = validate_layer(frame, ADDRESSES, source="test", repair=True)
    assert "swapped back" in report.notes[0]
    assert fixed.crs.to_epsg() == 28992
    assert 170_000 < fixed.geometry.x.iloc[0] < 180_000  # Ede, not the sea off Somalia


def test_invalid_geometries_refused_or_repaired_and_counted():
    bowtie = shapely.Polygon(
        [(150_000, 450_000), (150_100, 450_100), (150_100, 450_000), (150_000, 450_100)]
    )
    frame = gpd.GeoDataFrame({"parcel_id": ["p1", "p2"]}, geometry=[bowtie, BOX], crs=28992)
    with pytest.raises(GeometryError, match=r"1 invalid geometries.*Self-intersection"):
        validate_layer(frame, PARCELS, source="test")
    fixed, report = validate_layer(frame, PARCELS, source="test", repair=True)
    assert report.repaired == 1
    assert fixed.is_valid.all()


def test_empty_geometries_refused_or_dropped_from_boundaries():
    frame = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002"], "name": ["a", "b"]},
        geometry=[BOX, shapely.Polygon()],
        crs=28992,
    )
    with pytest.raises(GeometryError, match="1 rows have a missing or empty geometry"):
        validate_layer(frame, boundary_schema("buurt"), source="test")
    kept, report = validate_layer(frame, boundary_schema("buurt"), source="test", repair=True)
    assert len(kept) == 1 and report.dropped == {"empty geometry": 1} and report.rows_kept == 1


def test_duplicate_ids():
    frame = _addresses([(150_000, 450_000)] * 3, ids=["A", "A", "B"])
    with pytest.raises(SchemaError, match=r"1 ids occur more than once \(2 rows\), e.g. \['A'\]"):
        validate_layer(frame, ADDRESSES, source="test")


def test_duplicate_ids_over_partitions(tmp_path):
    for name in ("a", "b"):
        _addresses([(150_000, 450_000)], ids=["same"]).to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(SchemaError, match=r"repeat an id, e.g. \['same'\]"):
        list(iter_point_partitions(tmp_path))


def test_missing_required_columns_are_named():
    frame = _addresses([(150_000, 450_000)]).drop(columns=["gebruiksdoel", "address_id"])
    with pytest.raises(SchemaError, match="2 problem") as err:
        validate_layer(frame, ADDRESSES, source="bag.gpkg")
    assert "missing column 'address_id'" in str(err.value)
    assert "missing column 'gebruiksdoel'" in str(err.value)
    assert "addresses (bag.gpkg)" in str(err.value)


@pytest.mark.parametrize(
    ("level", "good", "bad"),
    [
        ("gemeente", ["GM0228", "GM1680"], ["GM228", "0228", "gm0228"]),
        ("wijk", ["WK022801", "WK0363AA"], ["WK02281", "WK0228011", "BU02280101"]),
        ("buurt", ["BU02280101", "BU0363AA01", "BU0363AF0A"], ["BU0228010", "WK02280101"]),
    ],
)
def test_code_patterns_allow_letters_and_refuse_malformed_codes(level, good, bad):
    assert all(CODE_PATTERNS[level].match(c) for c in good)
    assert not any(CODE_PATTERNS[level].match(c) for c in bad)
    frame = gpd.GeoDataFrame(
        {"code": good + bad, "name": "x"},
        geometry=[
            shapely.box(150_000 + i, 450_000, 150_001 + i, 450_001)
            for i in range(len(good) + len(bad))
        ],
        crs=28992,
    )
    with pytest.raises(SchemaError, match=f"{len(bad)} {level} codes do not match"):
        validate_layer(frame, boundary_schema(level), source="test")


def test_points_outside_the_netherlands_refused_or_kept():
    frame = _addresses([(150_000, 450_000), (800_000, 450_000), None])
    with pytest.raises(GeometryError, match="1 rows lie outside the Netherlands"):
        validate_layer(frame, ADDRESSES, source="test")
    kept, report = validate_layer(frame, ADDRESSES, source="test", repair=True)
    assert len(kept) == 3 and report.outside_nl == 1 and report.missing_location == 1


def test_empty_layer(tmp_path, geodata):
    with pytest.raises(InputError, match="the layer is empty"):
        validate_layer(_addresses([]), ADDRESSES, source="test")
    empty = tmp_path / "empty.csv"
    empty.write_text("nummeraanduiding;x;y\n")
    with pytest.raises(InputError, match="empty"):
        read_addresses(empty)


def test_every_problem_is_collected_and_raised_once():
    frame = _addresses([(150_000, 450_000)] * 2, ids=["A", "A"]).drop(columns=["object_type"])
    frame.loc[1, "geometry"] = shapely.box(0, 0, 1, 1)
    with pytest.raises(SchemaError) as err:
        validate_layer(frame, ADDRESSES, source="test")
    message = str(err.value)
    assert "3 problem(s)" in message
    for part in ("missing column 'object_type'", "occur more than once", "expected Point"):
        assert part in message


@pytest.mark.slow
def test_two_boundary_vintages_mixed_are_detected(geodata):
    wijken, _ = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg", level="wijk", layer="NLD_dist"
    )
    buurten, _ = read_boundaries(
        geodata / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    with pytest.raises(SchemaError, match="two boundary vintages are mixed") as err:
        check_nesting(buurten=buurten, wijken=wijken)
    assert "buurt codes name a wijk the wijk layer lacks" in str(err.value)
    report = check_nesting(buurten=buurten, wijken=wijken, allow_mixed=True)
    assert report.mixed and report.buurt_without_wijk > 1000
    # One vintage nests: the 2022 wijken within the 2022 gemeenten.
    gemeenten, _ = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg", level="gemeente", layer="NLD_muni"
    )
    assert not check_nesting(wijken=wijken, gemeenten=gemeenten).mixed


def test_problems_pick_the_most_severe_error_class():
    problems = Problems("layer")
    problems.add("geometry thing", GeometryError)
    problems.add("crs thing", CRSError)
    with pytest.raises(CRSError, match="2 problem"):
        problems.raise_if_any()


def test_parcels_without_crs_in_parquet(tmp_path):
    frame = gpd.GeoDataFrame({"identificatie": ["1"]}, geometry=[BOX], crs=28992)
    path = tmp_path / "p.parquet"
    table = pa.Table.from_pandas(
        pd.DataFrame({"identificatie": ["1"], "geometry": shapely.to_wkb(frame.geometry.array)})
    )
    meta = {
        b"geo": b'{"version": "1.0.0", "primary_column": "geometry", "columns": '
        b'{"geometry": {"encoding": "WKB", "geometry_types": [], "crs": null}}}'
    }
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(CRSError, match="declares no CRS"):
        read_parcels(path)
    parcels, report = read_parcels(path, assume_crs="EPSG:28992")
    assert parcels["parcel_id"].tolist() == ["1"] and "assumed" in report.notes[0]
