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
