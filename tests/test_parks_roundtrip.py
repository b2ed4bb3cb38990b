"""The lossless round trip: RD New kept through the editor's export, and a diff with a tolerance.

A file like the editor exports (WGS84 at full precision, ``rd_coordinates`` of every vertex
that was not moved) comes back exactly; a moved vertex is converted from WGS84; a vertex
changed outside the editor is taken from WGS84 and counted. The diff calls a park unchanged
when its boundary moved by at most the tolerance (1 mm).
"""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from zicht import InputError
from zicht.parks import (
    diff_parks,
    load_park_version,
    read_boundary_file,
    save_park_version,
)

X0, Y0 = 180_000.123456789, 455_000.987654321


def parks() -> gpd.GeoDataFrame:
    outer = [(X0, Y0), (X0 + 300.5, Y0), (X0 + 300.5, Y0 + 200.25), (X0, Y0 + 200.25)]
    hole = [(X0 + 100, Y0 + 50), (X0 + 150, Y0 + 50), (X0 + 150, Y0 + 90), (X0 + 100, Y0 + 90)]
    return gpd.GeoDataFrame(
        {"park_id": ["A", "B"], "name": ["Park A", "Park B"], "source": "derived",
         "park_type": ["camping", "bungalowpark"]},
        geometry=[
            shapely.MultiPolygon([shapely.Polygon(outer, [hole]),
                                  shapely.box(X0 + 400, Y0, X0 + 450, Y0 + 60)]),
            shapely.MultiPolygon([shapely.box(X0 + 1_000, Y0, X0 + 1_200.7, Y0 + 100.3)]),
        ],
        crs=28992,
    )  # fmt: skip


def export_like_the_editor(frame: gpd.GeoDataFrame, path, *, unknown=()) -> dict:
    """WGS84 at full precision plus RD New per vertex; ``unknown`` (park, index) are null."""
    doc = json.loads(frame.to_crs(4326).to_json(drop_id=True))
    for feature, pid, geom in zip(doc["features"], frame["park_id"], frame.geometry, strict=True):
        flat = iter(range(10**6))

        def walk(c, pid=pid, flat=flat):
            if isinstance(c[0], float):
                i = next(flat)
                return None if (pid, i) in unknown else list(c)
            return [walk(x) for x in c]

        feature["rd_coordinates"] = walk(json.loads(json.dumps(
            shapely.geometry.mapping(geom)["coordinates"])))  # fmt: skip
    doc["zicht"] = {"parent_version": "v1", "store": "/s.gpkg"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return doc


def test_an_unedited_export_comes_back_exactly(tmp_path):
    frame = parks()
    export_like_the_editor(frame, tmp_path / "x.geojson")
    back, meta = read_boundary_file(tmp_path / "x.geojson")
    assert back.crs.to_epsg() == 28992
    # every vertex once: a ring's closing position repeats its first vertex
    rings = shapely.get_rings(shapely.get_parts(frame.geometry.array))
    n = int(shapely.get_num_coordinates(frame.geometry.array).sum()) - len(rings)
    assert n == 16  # A: 4 + 4 (hole) + 4, B: 4
    assert meta["rd_vertices"] == {"kept": n, "converted": 0, "changed_outside_editor": 0}
    for got, want in zip(back.geometry, frame.geometry, strict=True):
        assert shapely.equals_exact(got, want, tolerance=0.0)
    assert meta["parent_version"] == "v1" and meta["store"] == "/s.gpkg"


def test_a_moved_vertex_is_converted_and_only_that_park_changes(tmp_path):
    frame = parks()
    moved = frame.copy()
    geom = moved.geometry.iloc[1]
    coords = shapely.get_coordinates(geom)
    coords[1] += (7.0, 3.0)  # the north-east corner of B, 7 m east and 3 m north
    moved.loc[1, "geometry"] = shapely.set_coordinates(geom, coords)
    export_like_the_editor(moved, tmp_path / "x.geojson", unknown={("B", 1)})
    back, meta = read_boundary_file(tmp_path / "x.geojson")
    assert meta["rd_vertices"]["converted"] == 1
    # The converted vertex lies where it was put to well within a millimetre (RD New → WGS84 →
    # RD New through pyproj loses about half a millimetre: the inverse datum shift).
    assert shapely.hausdorff_distance(back.geometry.iloc[1], moved.geometry.iloc[1]) < 1e-3
    others = shapely.get_coordinates(back.geometry.iloc[1])[[0, 2, 3, 4]]
    assert (others == shapely.get_coordinates(moved.geometry.iloc[1])[[0, 2, 3, 4]]).all()
    diff = diff_parks(frame, back.assign(park_type=moved["park_type"]))
    table = diff.table.set_index("park_id")
    assert table["change"].to_dict() == {"A": "unchanged", "B": "changed"}
    # By hand: the corner (x1, y1) → (x1 + 7, y1 + 3) adds two triangles.
    w, h = 200.7, 100.3
    assert table.loc["B", "area_change_m2"] == pytest.approx((7 * h + 3 * w) / 2, abs=0.15)
    assert table.loc["B", "max_shift_m"] == pytest.approx((7**2 + 3**2) ** 0.5, abs=1e-3)


def test_moving_the_first_vertex_of_a_ring_is_one_converted_vertex(tmp_path):
    """The first vertex also closes its ring: moved, both positions change, one vertex moved."""
    moved = parks()
    geom = moved.geometry.iloc[1]
    coords = shapely.get_coordinates(geom)
    coords[[0, 4]] += (7.0, 3.0)
    moved.loc[1, "geometry"] = shapely.set_coordinates(geom, coords)
    export_like_the_editor(moved, tmp_path / "x.geojson", unknown={("B", 0), ("B", 4)})
    _, meta = read_boundary_file(tmp_path / "x.geojson")
    assert meta["rd_vertices"] == {"kept": 15, "converted": 1, "changed_outside_editor": 0}


def test_a_vertex_changed_outside_the_editor_takes_its_wgs84_position(tmp_path):
    frame = parks()
    doc = export_like_the_editor(frame, tmp_path / "x.geojson")
    ring = doc["features"][1]["geometry"]["coordinates"][0][0]
    ring[1] = [ring[1][0] + 0.0001, ring[1][1]]  # about 7 m east, in a GIS
    (tmp_path / "x.geojson").write_text(json.dumps(doc))
    back, meta = read_boundary_file(tmp_path / "x.geojson")
    assert meta["rd_vertices"]["changed_outside_editor"] == 1
    to_rd = Transformer.from_crs(4326, 28992, always_xy=True)
    x, y = to_rd.transform(*ring[1])
    assert shapely.get_coordinates(back.geometry.iloc[1])[1] == pytest.approx([x, y], abs=1e-6)


def test_without_rd_coordinates_a_full_precision_file_stays_within_a_millimetre(tmp_path):
    frame = parks()
    frame.to_crs(4326).to_file(tmp_path / "plain.geojson", driver="GeoJSON")
    back, meta = read_boundary_file(tmp_path / "plain.geojson")
    assert "rd_vertices" not in meta and back.crs.to_epsg() == 4326
    rd = back.to_crs(28992)
    shift = max(
        shapely.hausdorff_distance(a.boundary, b.boundary)
        for a, b in zip(rd.geometry, frame.geometry, strict=True)
    )
    assert shift < 1e-3
    assert diff_parks(frame, rd).summary["unchanged"] == 2


def test_the_diff_tolerance_is_a_distance_and_names_and_types_count():
    frame = parks()
    nudged = frame.copy()
    nudged["geometry"] = nudged.geometry.translate(0.0004, 0)  # 0.4 mm
    assert diff_parks(frame, nudged).summary["unchanged"] == 2
    moved = frame.copy()
    moved["geometry"] = moved.geometry.translate(0.002, 0)  # 2 mm
    assert diff_parks(frame, moved).summary["changed"] == 2
    assert diff_parks(frame, moved, tolerance_m=0.005).summary["unchanged"] == 2
    retyped = frame.copy()
    retyped.loc[0, "park_type"] = "vakantiepark"
    table = diff_parks(frame, retyped).table.set_index("park_id")
    assert table.loc["A", "change"] == "changed" and table.loc["A", "max_shift_m"] == 0
    assert diff_parks(frame, retyped.drop(columns="park_type")).summary["unchanged"] == 2


def test_an_old_store_without_park_types_still_loads(tmp_path):
    store = tmp_path / "old.gpkg"
    save_park_version(store, parks(), author="a", reason="first")
    frame = pyogrio.read_dataframe(store, layer="park_boundaries").drop(columns="park_type")
    pyogrio.write_dataframe(frame, store, layer="park_boundaries", driver="GPKG")
    loaded, _ = load_park_version(store)
    assert loaded["park_type"].tolist() == ["", ""]
    with pytest.raises(InputError, match="identical"):
        save_park_version(store, loaded, author="a", reason="again", parent_version="v1")
