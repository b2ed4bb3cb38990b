import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht import ConfigError, CRSError
from zicht.index import (
    REASON_MISSING_LOCATION,
    REASON_OUTSIDE_AREAS,
    assign_areas,
    assign_h3,
    cells_to_polygons,
    h3_to_str,
    join_units,
)


def _points(xys, crs=28992):
    geoms = [None if xy is None else shapely.Point(xy) for xy in xys]
    return gpd.GeoDataFrame({"id": range(len(xys))}, geometry=geoms, crs=crs)


def test_assign_h3_matches_h3_on_wgs84_coordinates():
    pts = _points([(155_000, 463_000), (174_000, 448_000)])
    cells = assign_h3(pts, 9)
    lonlat = pts.to_crs(4326)
    expected = [h3.str_to_int(h3.latlng_to_cell(p.y, p.x, 9)) for p in lonlat.geometry]
    assert cells.tolist() == expected
    assert cells.dtype == "Int64"
    assert list(cells.index) == list(pts.index)


def test_assign_h3_keeps_index_and_marks_missing_locations():
    pts = _points([(155_000, 463_000), None]).set_index(pd.Index([10, 20]))
    cells = assign_h3(pts, 8)
    assert list(cells.index) == [10, 20]
    assert cells.isna().tolist() == [False, True]
    assert h3.get_resolution(h3.int_to_str(int(cells.iloc[0]))) == 8


@pytest.mark.parametrize("res", [6, 13])
def test_assign_h3_refuses_resolution_outside_range(res):
    with pytest.raises(ConfigError, match="7 to 12"):
        assign_h3(_points([(155_000, 463_000)]), res)


def test_assign_h3_refuses_geographic_points():
    pts = _points([(5.6, 52.0)], crs=4326)
    with pytest.raises(CRSError, match="EPSG:28992"):
        assign_h3(pts, 9)


def test_assign_areas_inside_outside_and_on_shared_edge(two_buurten):
    pts = _points([(99_950, 450_050), (100_050, 450_050), (100_000, 450_050), (0, 0), None])
    codes = assign_areas(pts, two_buurten)["buurt_code"]
    # A point on the shared edge gets the smaller code, every time.
    assert codes.iloc[:3].tolist() == ["BU99990101", "BU99990102", "BU99990101"]
    assert codes.iloc[3:].isna().all()


def test_join_units_accounts_for_every_row(two_buurten):
    pts = _points([(99_950, 450_050), (100_050, 450_050), (0, 0), None, None])
    units, report = join_units(pts, two_buurten, resolution=9)
    assert report.rows_in == 5
    assert report.joined == 2
    assert report.not_joined == {REASON_MISSING_LOCATION: 2, REASON_OUTSIDE_AREAS: 1}
    assert report.balanced
    assert units.loc[0, "wijk_code"] == "WK999901"
    assert units.loc[0, "gemeente_code"] == "GM9999"
    assert units["joined"].tolist() == [True, True, False, False, False]
    assert "joined" not in pts  # the input is not mutated


def test_cells_to_polygons_round_trip():
    cell = h3.latlng_to_cell(52.04, 5.66, 9)
    poly = cells_to_polygons(pd.Series([h3.str_to_int(cell)])).iloc[0]
    centre = gpd.GeoSeries([poly.centroid], crs=28992).to_crs(4326).iloc[0]
    assert h3.latlng_to_cell(centre.y, centre.x, 9) == cell
    # h3 measures on a sphere, RD New on the Bessel ellipsoid: they differ by under 1 %
    assert poly.area == pytest.approx(h3.cell_area(cell, unit="m^2"), rel=1e-2)


def test_h3_to_str():
    cell = h3.latlng_to_cell(52.04, 5.66, 9)
    out = h3_to_str(pd.Series([h3.str_to_int(cell), pd.NA], dtype="Int64"))
    assert out.iloc[0] == cell
    assert out.isna().iloc[1]
    assert np.all(out.index == [0, 1])


# --- fast paths give the plain answers -------------------------------------------------

import pickle  # noqa: E402

import h3.api.basic_int as h3i  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zicht import SchemaError  # noqa: E402
from zicht.index import (  # noqa: E402
    MISMATCH_BUURT_WIJK,
    REASON_INVALID_GEOMETRY,
    REASON_OUTSIDE_WIJK,
    JoinReport,
    apportion_parcels,
    area_index,
    assign_parcel_areas,
    assign_parks,
    join_dask,
    join_parcels,
    join_partitioned,
    link_addresses_to_parcels,
    prepare_join,
)


@pytest.fixture(scope="module")
def ede_buurten():
    from conftest import shipped_buurten

    return shipped_buurten(code_prefix="BU0228")


def _sjoin_smallest(points, areas):
    """The plain route: geopandas sjoin, smallest code per point."""
    joined = gpd.sjoin(points, areas[["code", "geometry"]], how="left", predicate="intersects")
    return joined["code"].groupby(level=0).min().reindex(points.index)


def _edge_points(areas, rng, n):
    """Points exactly on area vertices and on edges, plus random ones in the bounds."""
    coords = shapely.get_coordinates(areas.geometry.boundary.to_numpy())
    on_vertices = coords[rng.choice(len(coords), n, replace=False)]
    a = coords[:-1][rng.choice(len(coords) - 1, n)]
    minx, miny, maxx, maxy = areas.total_bounds
    random = np.column_stack([rng.uniform(minx, maxx, n * 10), rng.uniform(miny, maxy, n * 10)])
    return np.vstack([on_vertices, a, random])


@pytest.mark.parametrize("cell_m", [10.0, 50.0, 400.0])
def test_raster_index_equals_sjoin_on_real_buurten_including_edges(ede_buurten, cell_m):
    rng = np.random.default_rng(7)
    xy = _edge_points(ede_buurten, rng, 500)
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=28992)
    expected = _sjoin_smallest(pts, ede_buurten)
    got = assign_areas(pts, area_index(ede_buurten, cell_m=cell_m))["buurt_code"]
    assert got.fillna("-").tolist() == expected.fillna("-").tolist()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(99_880, 100_120), st.integers(449_980, 450_120)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([1.0, 7.0, 25.0, 100.0]),
)
def test_raster_index_equals_sjoin_on_a_grid_of_edges(two_buurten, xys, cell_m):
    # Integer coordinates land on the shared edge x = 100 000 and on the outer edges often.
    pts = gpd.GeoDataFrame(geometry=shapely.points(np.array(xys, dtype=float)), crs=28992)
    expected = _sjoin_smallest(pts, two_buurten)
    got = assign_areas(pts, area_index(two_buurten, cell_m=cell_m))["buurt_code"]
    assert got.fillna("-").tolist() == expected.fillna("-").tolist()


def test_overlapping_areas_take_the_smallest_code_everywhere():
    areas = gpd.GeoDataFrame(
        {"code": ["BU00010002", "BU00010001"]},
        geometry=[
            shapely.box(150_000, 450_000, 150_300, 450_300),
            shapely.box(150_100, 450_100, 150_200, 450_200),
        ],
        crs=28992,
    )
    pts = gpd.GeoDataFrame(
        geometry=shapely.points([(150_150, 450_150), (150_050, 450_050), (150_100, 450_150)]),
        crs=28992,
    )
    for cell_m in (5.0, 50.0):
        codes = assign_areas(pts, area_index(areas, cell_m=cell_m))["buurt_code"].tolist()
        assert codes == ["BU00010001", "BU00010002", "BU00010001"]


@pytest.mark.parametrize("res", [7, 9, 12])
def test_vectorised_h3_equals_the_h3_loop(res):
    rng = np.random.default_rng(res)
    xy = np.column_stack([rng.uniform(10_000, 280_000, 3000), rng.uniform(310_000, 610_000, 3000)])
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=28992)
    lonlat = pts.to_crs(4326)
    expected = [h3i.latlng_to_cell(p.y, p.x, res) for p in lonlat.geometry]
    assert assign_h3(pts, res).tolist() == expected


def test_join_units_reports_non_point_geometry(two_buurten):
    pts = _points([(99_950, 450_050)])
    pts.loc[1, "geometry"] = shapely.box(99_950, 450_050, 99_960, 450_060)
    pts.loc[1, "id"] = 1
    units, report = join_units(pts, two_buurten)
    assert report.not_joined == {REASON_INVALID_GEOMETRY: 1}
    assert report.balanced
    assert units["not_joined_reason"].tolist()[1] == REASON_INVALID_GEOMETRY
    assert JoinReport.from_frame(units).to_dict() == report.to_dict()


def _wijk_layers():
    wijken = gpd.GeoDataFrame(
        {"code": ["WK999901", "WK999902"]},
        geometry=[
            shapely.box(99_900, 450_000, 100_000, 450_100),
            shapely.box(100_000, 450_000, 100_050, 450_100),
        ],
        crs=28992,
    )
    gemeenten = gpd.GeoDataFrame(
        {"code": ["GM9999"]}, geometry=[shapely.box(99_900, 450_000, 100_100, 450_100)], crs=28992
    )
    return wijken, gemeenten


def test_join_units_with_own_wijk_layer_refuses_mixed_vintages(two_buurten):
    wijken, gemeenten = _wijk_layers()
    pts = _points([(99_950, 450_050), (100_025, 450_050), (100_075, 450_050)])
    with pytest.raises(SchemaError, match="two boundary vintages are mixed"):
        join_units(pts, two_buurten, wijken=wijken)
    units, report = join_units(
        pts, two_buurten, wijken=wijken, gemeenten=gemeenten, allow_mixed_vintages=True
    )
    # BU99990102 names WK999901, but its points lie in WK999902 (or no wijk): counted.
    assert units["wijk_code"].fillna("-").tolist() == ["WK999901", "WK999902", "-"]
    assert report.not_joined == {REASON_OUTSIDE_WIJK: 1}
    assert report.mismatched == {MISMATCH_BUURT_WIJK: 1}
    assert units["levels_nest"].tolist() == [True, False, True]
    assert report.nesting is not None and report.nesting.buurt_outside_wijk == 1
    assert report.balanced
    assert JoinReport.from_frame(units, report.nesting).to_dict() == report.to_dict()


def test_parks_are_assigned_with_the_smallest_id_on_overlap(two_buurten):
    parks = gpd.GeoDataFrame(
        {"park_id": ["P0002", "P0001"], "name": ["b", "a"]},
        geometry=[
            shapely.box(99_900, 450_000, 99_980, 450_100),
            shapely.box(99_960, 450_000, 100_000, 450_100),
        ],
        crs=28992,
    )
    pts = _points([(99_910, 450_050), (99_970, 450_050), (100_050, 450_050), None])
    assert assign_parks(pts, parks).fillna("-").tolist() == ["P0002", "P0001", "-", "-"]
    units, report = join_units(pts, two_buurten, parks=parks)
    assert units["park_id"].fillna("-").tolist() == ["P0002", "P0001", "-", "-"]
    assert report.joined == 3 and report.balanced


def test_area_index_pickles_for_dask_workers(two_buurten):
    index = area_index(two_buurten)
    back = pickle.loads(pickle.dumps(index))
    pts = _points([(99_950, 450_050), (100_000, 450_050)])
    assert assign_areas(pts, back)["buurt_code"].tolist() == ["BU99990101", "BU99990101"]


def _units(n, seed, missing=3):
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(99_850, 100_150, n), rng.uniform(449_950, 450_150, n)])
    geoms = list(shapely.points(xy))
    for i in range(missing):
        geoms[i * 7] = None
    return gpd.GeoDataFrame(
        {"address_id": [f"A{seed}-{i}" for i in range(n)]}, geometry=geoms, crs=28992
    )


def test_partitioned_join_equals_the_in_memory_join(tmp_path, two_buurten):
    parts = [_units(200, 1), _units(150, 2)]
    parts[0].to_parquet(tmp_path / "part-0.parquet")  # WKB
    parts[1].to_parquet(tmp_path / "part-1.parquet", geometry_encoding="geoarrow")
    whole = pd.concat(parts, ignore_index=True)
    expected, expected_report = join_units(whole, two_buurten)
    got, report = join_partitioned(tmp_path, two_buurten, repair=True)
    assert report.to_dict() == expected_report.to_dict()
    for column in ("address_id", "h3_r9", "buurt_code", "wijk_code", "gemeente_code", "joined"):
        left = got[column].astype("string").fillna("-").tolist()
        right = expected[column].astype("string").fillna("-").tolist()
        assert left == right, column


def test_join_on_both_cores_equals_the_join_in_one_chunk(monkeypatch, ede_buurten):
    # The per-row work runs in row chunks on a thread pool; small chunks force many chunks
    # (and the nested PROJ/H3 calls inside a pool thread) on a small set.
    import zicht._h3 as h3_plumbing
    from zicht.index._join import join_arrays

    rng = np.random.default_rng(11)
    xy = _edge_points(ede_buurten, rng, 300)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    x[::50] = np.nan  # rows without a location
    present = np.ones(len(x), dtype=bool)
    present[::100] = False
    layers = prepare_join(ede_buurten, parks=ede_buurten.rename(columns={"code": "park_id"}))
    monkeypatch.setattr(h3_plumbing, "_THREADS", 1)
    whole, whole_report = join_arrays(x, y, present, layers, 9)
    monkeypatch.setattr(h3_plumbing, "_THREADS", 2)
    monkeypatch.setattr(h3_plumbing, "_CHUNK", 97)
    seen: set[str] = set()
    real_lookup = type(layers.buurt).lookup

    def lookup(self, cx, cy):
        seen.add(__import__("threading").current_thread().name)
        return real_lookup(self, cx, cy)

    monkeypatch.setattr(type(layers.buurt), "lookup", lookup)
    chunked, chunked_report = join_arrays(x, y, present, layers, 9)
    assert any(name.startswith("zicht-h3") for name in seen)  # it did run on the pool
    assert chunked_report.to_dict() == whole_report.to_dict()
    assert np.array_equal(chunked.h3, whole.h3)
    assert np.array_equal(chunked.reason, whole.reason)
    for level in ("buurt", "wijk", "gemeente", "park"):
        assert np.array_equal(chunked.ranks[level], whole.ranks[level]), level


def test_dask_join_equals_the_in_memory_join(tmp_path, two_buurten):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    whole = pd.concat([_units(120, 3), _units(80, 4)], ignore_index=True)
    expected, expected_report = join_units(whole, two_buurten)
    ddf = dask_geopandas.from_geopandas(whole, npartitions=3)
    layers = prepare_join(two_buurten)
    result = join_dask(ddf, layers).compute(scheduler="sync")
    for column in ("h3_r9", "buurt_code", "wijk_code", "gemeente_code", "joined"):
        assert result[column].astype("string").fillna("-").tolist() == (
            expected[column].astype("string").fillna("-").tolist()
        )
    assert JoinReport.from_frame(result).to_dict() == expected_report.to_dict()


# --- parcels -------------------------------------------------------------------------


def _parcels(boxes):
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"K{i}" for i in range(len(boxes))],
            "value": [10.0 * (i + 1) for i in range(len(boxes))],
        },
        geometry=[shapely.box(*b) for b in boxes],
        crs=28992,
    )


def test_small_parcels_do_not_vanish():
    # A 2 × 3 m parcel: H3's centre containment gives it no cell; apportioning gives one.
    tiny = _parcels([(174_000, 448_000, 174_002, 448_003)])
    shape = tiny.to_crs(4326).geometry.iloc[0]
    assert h3i.geo_to_cells(shape, 9) == []
    pieces = apportion_parcels(tiny, 9)
    # This one straddles a hexagon edge: two pieces, 2 % and 98 % of its 6 m².
    assert pieces["fraction"].sum() == pytest.approx(1.0)
    assert pieces["area_m2"].sum() == pytest.approx(6.0)
    assert assign_h3(tiny.centroid, 9).iloc[0] in set(pieces["h3_r9"])
    inside = _parcels([(174_050, 448_050, 174_052, 448_053)])
    assert apportion_parcels(inside, 9)["fraction"].tolist() == [1.0]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(174_000, 176_000),
            st.floats(448_000, 450_000),
            st.floats(0.5, 900),
            st.floats(0.5, 900),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([8, 9, 11]),
)
def test_apportioning_conserves_totals(boxes, res):
    parcels = _parcels([(x, y, x + w, y + h) for x, y, w, h in boxes])
    pieces = apportion_parcels(parcels, res)
    sums = pieces.groupby("parcel_id")["fraction"].sum()
    assert set(sums.index) == set(parcels["parcel_id"])  # no parcel vanishes
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-9)
    area = pieces.groupby("parcel_id")["area_m2"].sum().reindex(parcels["parcel_id"])
    assert np.allclose(area.to_numpy(), parcels.area.to_numpy(), rtol=1e-6)
    values = pieces.merge(parcels[["parcel_id", "value"]], on="parcel_id")
    per_cell = (values["value"] * values["fraction"]).groupby(values[f"h3_r{res}"]).sum()
    assert per_cell.sum() == pytest.approx(parcels["value"].sum())


def test_parcel_gets_the_buurt_of_its_largest_overlap(two_buurten):
    parcels = _parcels([(99_990, 450_010, 100_030, 450_020), (99_980, 450_010, 100_020, 450_020)])
    areas = assign_parcel_areas(parcels, two_buurten)
    assert areas["buurt_code"].tolist() == ["BU99990102", "BU99990101"]  # 75 % east; tie → smallest
    assert areas["buurt_share"].tolist() == pytest.approx([0.75, 0.5])


def test_join_parcels_accounts_for_every_parcel_and_links_addresses(two_buurten):
    bowtie = shapely.Polygon(
        [(99_910, 450_010), (99_930, 450_030), (99_930, 450_010), (99_910, 450_030)]
    )
    parcels = _parcels(
        [
            (99_950, 450_040, 99_990, 450_060),
            (100_040, 450_040, 100_060, 450_060),
            (0, 0, 1, 1),
            (1, 1, 2, 2),
        ]
    )
    parcels.loc[2, "geometry"] = bowtie
    parcels.loc[3, "geometry"] = None
    parcels.loc[4] = ["K4", 1.0, shapely.box(300_000, 300_000, 300_010, 300_010)]
    addresses = _points([(99_960, 450_050), (99_970, 450_050), (100_050, 450_050), (0, 0)])
    out, pieces, report = join_parcels(parcels, two_buurten, addresses=addresses)
    assert report.rows_in == 5 and report.balanced
    assert report.not_joined == {
        "missing or empty geometry": 1,
        "invalid geometry": 1,
        "outside every buurt": 1,
    }
    assert out["n_addresses"].tolist() == [2, 1, 0, 0, 0]
    assert out["buurt_code"].fillna("-").tolist() == ["BU99990101", "BU99990102", "-", "-", "-"]
    assert set(pieces["parcel_id"]) == {"K0", "K1", "K4"}
    link = link_addresses_to_parcels(addresses, parcels)
    assert link.fillna("-").tolist() == ["K0", "K0", "K1", "-"]
