"""PostGIS as a real source and sink, against a throwaway server (tests/postgis_fixtures.py)."""

import geopandas as gpd
import pytest
import shapely
import sqlalchemy

from zicht import CRSError, InputError, SchemaError
from zicht.index import join_units
from zicht.ingest import (
    read_addresses,
    read_boundaries,
    read_parcels,
    read_parks,
    write_layer,
)

pytestmark = pytest.mark.postgis


def _scalar(url, sql):
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text(sql)).scalar()
    finally:
        engine.dispose()


def _execute(url, sql):
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(sql))
    finally:
        engine.dispose()


def test_boundaries_round_trip_through_postgis(postgis_url, geodata):
    wijken, _ = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg",
        level="wijk",
        layer="NLD_dist",
        code_prefix="WK0228",
    )
    assert write_layer(wijken, postgis_url, layer="wijken_ede", if_exists="replace") == "wijken_ede"
    assert _scalar(postgis_url, "SELECT count(*) FROM wijken_ede") == 17
    assert _scalar(postgis_url, "SELECT Find_SRID('public', 'wijken_ede', 'geometry')") == 28992
    back, report = read_boundaries(postgis_url, level="wijk", layer="wijken_ede")
    assert report.source.startswith("postgresql://postgres@127.0.0.1")
    assert sorted(back["code"]) == sorted(wijken["code"])
    assert back.crs.to_epsg() == 28992
    assert back["dwelling_total"].sum() == 50743
    assert back.geometry.area.sum() == pytest.approx(wijken.geometry.area.sum())


def test_addresses_parcels_and_parks_from_postgis(postgis_url, geodata):
    addresses, _ = read_addresses(geodata / "bag" / "bagadres-full.csv")
    write_layer(addresses, postgis_url, layer="bag_adressen", if_exists="replace")
    back, report = read_addresses(postgis_url, layers=("bag_adressen",))
    assert report.rows_read == 99
    assert back["address_id"].tolist() == addresses["address_id"].tolist()
    assert back["address_id"].iloc[0] == "0363200000081086"  # leading zero kept

    parcels, _ = read_parcels(geodata / "brk" / "otterlo_brk_perceel_sample.gpkg")
    write_layer(parcels, postgis_url, layer="percelen", if_exists="replace")
    back_parcels, _ = read_parcels(postgis_url, layer="percelen", id_column="parcel_id")
    assert len(back_parcels) == 11
    assert back_parcels.area.sum() == pytest.approx(parcels.area.sum())

    park = gpd.GeoDataFrame(
        {"park_id": ["P0001"], "name": ["Test park"]},
        geometry=[shapely.box(181_000, 456_000, 181_400, 456_400)],
        crs=28992,
    )
    write_layer(park, postgis_url, layer="parken", if_exists="replace")
    parks, _ = read_parks(postgis_url, layer="parken")
    assert parks["park_id"].tolist() == ["P0001"]
    assert parks.geom_type.tolist() == ["Polygon"]


def test_join_results_written_to_postgis_with_string_h3_ids(postgis_url, two_buurten):
    units = gpd.GeoDataFrame(
        {"address_id": ["a", "b", "c"]},
        geometry=[shapely.Point(99_950, 450_050), shapely.Point(100_050, 450_050), None],
        crs=28992,
    )
    joined, report = join_units(units, two_buurten)
    _execute(postgis_url, "CREATE SCHEMA IF NOT EXISTS results")
    write_layer(joined, postgis_url, layer="results.units_joined", if_exists="replace")
    assert _scalar(postgis_url, "SELECT count(*) FROM results.units_joined") == 3
    assert _scalar(postgis_url, "SELECT count(*) FROM results.units_joined WHERE joined") == 2
    first = _scalar(postgis_url, "SELECT h3_r9 FROM results.units_joined WHERE address_id = 'a'")
    assert isinstance(first, str) and first.startswith("89")
    assert report.balanced


def test_postgis_errors_are_clear(postgis_url):
    with pytest.raises(InputError, match="no registered geometry column"):
        read_boundaries(postgis_url, level="wijk", layer="does_not_exist")
    with pytest.raises(InputError, match="plain SQL identifier"):
        read_boundaries(postgis_url, level="wijk", layer="wijken; DROP TABLE x")
    bad = postgis_url.replace("127.0.0.1:", "127.0.0.1:1").rsplit(":", 1)[0] + ":1/nope"
    with pytest.raises(InputError, match="cannot read"):
        read_boundaries(bad, level="wijk", layer="wijken")
    _execute(postgis_url, "DROP TABLE IF EXISTS no_srid")
    _execute(
        postgis_url,
        "CREATE TABLE no_srid (code text, name text, geom geometry(Polygon)); "
        "INSERT INTO no_srid VALUES ('WK022801', 'x', "
        "'POLYGON((174000 448000, 174100 448000, 174100 448100, 174000 448000))')",
    )
    with pytest.raises(CRSError, match="declares no CRS"):
        read_boundaries(postgis_url, level="wijk", layer="no_srid")
    wijk, report = read_boundaries(
        postgis_url, level="wijk", layer="no_srid", assume_crs="EPSG:28992"
    )
    assert len(wijk) == 1 and "assumed EPSG:28992" in report.notes[0]


def test_write_refuses_to_overwrite_by_default(postgis_url, two_buurten):
    write_layer(two_buurten, postgis_url, layer="twice", if_exists="replace")
    with pytest.raises(InputError, match="cannot write twice"):
        write_layer(two_buurten, postgis_url, layer="twice")
    with pytest.raises(SchemaError):
        read_boundaries(postgis_url, level="gemeente", layer="twice")  # buurt codes
