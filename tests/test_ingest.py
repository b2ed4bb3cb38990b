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
        geometry=[shapely.box(150_000, 450_000, 150_100, 450_100)] * 3,
        crs=28992,
    )
    path = tmp_path / "bad.gpkg"
    frame.to_file(path)
    with pytest.raises(SchemaError, match="name_column = 'label' is not a column"):
        read_boundaries(path, level="wijk", name_column="label")
    with pytest.raises(SchemaError, match="2 problem") as err:
        read_boundaries(path, level="wijk")  # "naam" is found as the name column
    assert "do not match" in str(err.value)
    assert "duplicate" in str(err.value)


def test_read_boundaries_turns_cbs_sentinels_into_missing(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["GM0001", "GM0002"], "name": ["a", "b"], "population": [-99999999, 120]},
        geometry=[
            shapely.box(150_000, 450_000, 150_100, 450_100),
            shapely.box(150_100, 450_000, 150_200, 450_100),
        ],
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


# --- every format the issue lists ------------------------------------------------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from zicht.index._assign import join_parcels, join_units  # noqa: E402
from zicht.ingest._readers import read_addresses, read_parcels, write_layer  # noqa: E402


@pytest.fixture(scope="module")
def ede_wijken():
    from conftest import GEODATA

    wijken, _ = read_boundaries(
        GEODATA / "cbs" / "wijken_gemeenten_2022.gpkg",
        level="wijk",
        layer="NLD_dist",
        code_prefix="WK0228",
    )
    return wijken


def test_boundaries_from_zipped_shapefile_geojson_and_geoparquet(tmp_path, ede_wijken):
    shp = tmp_path / "wijken.shp"
    ede_wijken[["code", "name", "geometry"]].to_file(shp)
    archive = tmp_path / "wijken.zip"
    import zipfile

    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("wijken.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    from_zip, _ = read_boundaries(f"zip://{archive}", level="wijk")
    geojson = tmp_path / "wijken.geojson"
    ede_wijken[["code", "name", "geometry"]].to_crs(4326).to_file(geojson)
    from_json, _ = read_boundaries(geojson, level="wijk")
    parquet = tmp_path / "wijken.parquet"
    ede_wijken.to_crs(3035).to_parquet(parquet)  # any CRS comes back in RD New
    from_parquet, _ = read_boundaries(parquet, level="wijk")
    for frame in (from_zip, from_json, from_parquet):
        assert frame.crs.to_epsg() == 28992
        assert sorted(frame["code"]) == sorted(ede_wijken["code"])
        assert frame.area.sum() == pytest.approx(ede_wijken.area.sum(), rel=1e-6)


def test_bag_geopackage_layout(geodata):
    addresses, report = read_addresses(geodata / "bag" / "amsterdam_1013_block.gpkg")
    assert report.rows_read == 1904
    assert addresses["object_type"].value_counts().to_dict() == {
        "verblijfsobject": 1836,
        "ligplaats": 67,
        "standplaats": 1,
    }
    assert addresses["address_id"].is_unique
    assert addresses["address_id"].iloc[0].startswith("0363")
    assert addresses["gebruiksdoel"].isna().all()  # this layout has none


@pytest.mark.parametrize("name", ["bagadres-full.csv", "bagadresplus.csv"])
def test_nlextract_csv_layouts(name, geodata):
    from conftest import GEODATA

    path = GEODATA / "bag" / name
    addresses, report = read_addresses(path)
    assert len(addresses) == 99 and report.missing_location == 0
    assert addresses.crs.to_epsg() == 28992
    uses = addresses["gebruiksdoel"].value_counts()
    assert uses["woonfunctie"] == 47 and uses["woonfunctie,bijeenkomstfunctie"] == 3
    assert addresses["object_type"].value_counts()["ligplaats"] == 7


def test_csv_rows_without_coordinates_are_kept_and_reported(tmp_path, geodata):
    text = (geodata / "bag" / "bagadres-full.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(";")
    row = text[1].split(";")
    row[header.index("x")] = ""
    row[header.index("y")] = ""
    path = tmp_path / "bag.csv"
    path.write_text("\n".join([text[0], ";".join(row), *text[2:]]) + "\n", encoding="utf-8")
    addresses, report = read_addresses(path)
    assert report.missing_location == 1 and len(addresses) == 99


def test_addresses_from_geoparquet(tmp_path, geodata):
    addresses, _ = read_addresses(geodata / "bag" / "bagadres-full.csv")
    folder = tmp_path / "parts"
    folder.mkdir()
    addresses.iloc[:50].to_parquet(folder / "a.parquet")
    addresses.iloc[50:].to_parquet(folder / "b.parquet", geometry_encoding="geoarrow")
    back, report = read_addresses(folder)
    assert report.rows_read == 99
    assert sorted(back["address_id"]) == sorted(addresses["address_id"])


def test_kadastrale_kaart_gml_reads_parcel_polygons_not_label_points(geodata):
    gml, _ = read_parcels(geodata / "brk" / "kadastralekaart_perceel.gml")
    gpkg, _ = read_parcels(geodata / "brk" / "otterlo_brk_perceel_sample.gpkg")
    assert (gml.geom_type == "Polygon").all()
    merged = gml.merge(gpkg[["parcel_id", "geometry"]], on="parcel_id", suffixes=("", "_gpkg"))
    assert len(merged) == 11
    assert np.allclose(merged.geometry.area, gpd.GeoSeries(merged["geometry_gpkg"]).area)
    assert (
        gml["kadastrale_grootte_m2"].tolist()
        == gpkg.set_index("parcel_id").loc[gml["parcel_id"], "kadastrale_grootte_m2"].tolist()
    )
    assert not list((geodata / "brk").glob("*.gfs"))  # GDAL wrote no side files


def test_park_polygons_and_points_from_vector_files(tmp_path):
    polygons = gpd.GeoDataFrame(
        {"id": ["P0001", "P0002"], "naam": ["a", "b"]},
        geometry=[
            shapely.box(181_000, 456_000, 181_100, 456_100),
            shapely.box(182_000, 456_000, 182_100, 456_100),
        ],
        crs=28992,
    ).to_crs(4326)
    path = tmp_path / "parks.geojson"
    polygons.to_file(path)
    parks, _ = read_parks(path, id_column="id", name_column="naam")
    assert parks["park_id"].tolist() == ["P0001", "P0002"]
    assert parks.crs.to_epsg() == 28992 and (parks.geom_type == "Polygon").all()
    points_path = tmp_path / "points.gpkg"
    polygons.assign(geometry=polygons.to_crs(28992).centroid.to_crs(4326)).to_file(points_path)
    points, _ = read_parks(points_path, id_column="id", name_column="naam")
    assert (points.geom_type == "Point").all()


def test_write_layer_to_gpkg_and_parquet(tmp_path, two_buurten):
    units = gpd.GeoDataFrame(geometry=[shapely.Point(99_950, 450_050)], crs=28992)
    joined, _ = join_units(units, two_buurten)
    write_layer(joined, tmp_path / "out.gpkg", layer="units")
    back = gpd.read_file(tmp_path / "out.gpkg", layer="units")
    assert back["h3_r9"].iloc[0].startswith("89")  # hexadecimal string at export
    with pytest.raises(InputError, match="already holds layer"):
        write_layer(joined, tmp_path / "out.gpkg", layer="units")
    write_layer(joined, tmp_path / "out.parquet", layer="units")
    with pytest.raises(InputError, match="exists"):
        write_layer(joined, tmp_path / "out.parquet", layer="units")


# --- the join report adds up on every shipped dataset -----------------------------------


@pytest.fixture(scope="module")
def all_buurten():
    from conftest import shipped_buurten

    return shipped_buurten()


@pytest.mark.parametrize(
    "source",
    ["bag/amsterdam_1013_block.gpkg", "bag/bagadres-full.csv", "parks/parks.json"],
)
def test_join_report_adds_up_on_shipped_point_data(source, geodata, all_buurten):
    if source.startswith("parks"):
        units, report_in = read_parks(geodata / source)
    else:
        units, report_in = read_addresses(geodata / source)
    joined, report = join_units(units, all_buurten)
    assert report.balanced and report.rows_in == report_in.rows_kept
    assert report.joined + sum(report.not_joined.values()) == len(units)
    assert report.joined > 0.9 * len(units)
    assert joined["h3_r9"].notna().sum() == len(units) - report.not_joined.get(
        "missing or empty location", 0
    )


@pytest.mark.parametrize(
    "source", ["brk/otterlo_brk_perceel_sample.gpkg", "brk/kadastralekaart_perceel.gml"]
)
def test_join_report_adds_up_on_shipped_parcels(source, geodata, all_buurten):
    parcels, report_in = read_parcels(geodata / source)
    out, pieces, report = join_parcels(parcels, all_buurten)
    assert report.balanced and report.rows_in == report_in.rows_read == 11
    assert report.joined == 11
    assert pieces.groupby("parcel_id")["fraction"].sum().round(12).eq(1).all()
    assert pd.Series(out["buurt_code"]).str.startswith("BU0228").all()  # Otterlo lies in Ede
