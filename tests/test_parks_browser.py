"""The park editor as its users work it: headless Chromium, networking off, real mouse events.

A user drags a vertex of an existing derived (MultiPolygon) park, exports, imports without
naming the store, and the diff shows exactly that park changed; a round trip without edits
changes nothing and saves no version; a new park with a hole is drawn and cut with the
toolbar; a two-part park with a hole is split and merged again, losslessly; every toolbar mode
toggles without a JavaScript error; the checks flag what is wrong before export; the page
works at phone size; an online background that cannot be reached is reported, not thrown.
"""

from __future__ import annotations

import re
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops
from scipy.spatial import cKDTree
from typer.testing import CliRunner

from parks_browser_support import (
    centre,
    choose,
    chromium,
    click_polygon,
    drag,
    editor,
    export,
    screen_xy,
    set_view,
    toolbar,
    unavailable,
    vertex_markers,
)
from zicht.cli import app
from zicht.parks import (
    EditContext,
    diff_parks,
    list_park_versions,
    load_park_version,
    read_boundary_file,
    read_gemeenten,
    render_edit_map,
)

_REASON = unavailable()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]
runner = CliRunner()


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["parks", *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    """v1 derived from the synthetic Ede study, once for the module."""
    root = tmp_path_factory.mktemp("derived")
    path = root / "parks.gpkg"
    cli("derive", "--gemeente", "GM0228", "--store", str(path), "--out", str(root / "d"))
    return path


@pytest.fixture
def store(derived, tmp_path):
    """A fresh copy of the store with v1, and its editor page."""
    path = tmp_path / "store" / "parks.gpkg"
    path.parent.mkdir()
    shutil.copy(derived, path)
    page = tmp_path / "edit.html"
    cli("edit-map", "--store", str(path), "--out", str(page))
    return path, page


def test_drag_one_vertex_of_a_derived_multipolygon_park_changes_exactly_that_park(
    store, browser, tmp_path, monkeypatch
):
    path, page_path = store
    before, _ = load_park_version(path, "v1")
    assert (before.geometry.geom_type == "MultiPolygon").all()
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "Dikkenberg")
        assert page.input_value("#park-name") == "Recreatiepark De Dikkenberg"
        page.click("#edit-one")
        handles = vertex_markers(page)
        assert handles.count() > 20  # every vertex of the MultiPolygon has a handle
        x, y = centre(handles.nth(5).bounding_box())
        drag(page, x, y, 45, 30)
        page.click("#edit-one")
        assert "bewerkt" in page.inner_text("#park-rows")
        exported, doc = export(page, tmp_path)
        assert seen.page_errors == [] and seen.console_errors == [] and seen.blocked == []
    assert doc["zicht"]["rd_vertices_converted"] == 1  # the one vertex that moved
    # Import from another folder without --store: the file names its store.
    monkeypatch.chdir(tmp_path)
    out = cli("import", str(exported), "--author", "Ann", "--reason", "moved one vertex")
    assert "named in the file" in out and "1 changed, 3 unchanged" in out
    v2, info = load_park_version(path)
    assert (info.version_id, info.parent_version, info.author) == ("v2", "v1", "Ann")
    cli("diff", "v1", "v2", "--store", str(path), "--out", str(tmp_path / "diff"))
    table = pd.read_csv(tmp_path / "diff" / "diff_v1_v2.csv").set_index("park_id")
    changed = table[table["change"] != "unchanged"]
    assert list(changed.index) == ["P0079"]
    assert abs(changed.loc["P0079", "area_change_m2"]) > 10
    assert changed.loc["P0079", "max_shift_m"] > 5
    moved = v2.set_index("park_id")
    assert moved.loc["P0079", "source"] == "edited"
    assert moved.loc["P0079", "park_type"] == before.set_index("park_id").loc["P0079", "park_type"]


def test_a_round_trip_without_edits_changes_nothing_and_saves_no_version(store, browser, tmp_path):
    path, page_path = store
    with editor(browser, page_path) as seen:
        exported, doc = export(seen.page, tmp_path)
        assert seen.page_errors == [] and seen.console_errors == []
    assert doc["zicht"]["rd_vertices_converted"] == 0
    out = cli("import", str(exported), "--author", "Ann", "--reason", "nothing")
    assert "0 added, 0 removed, 0 changed, 4 unchanged" in out
    assert "no new version saved" in out
    assert list(list_park_versions(path)["version_id"]) == ["v1"]
    # To the millimetre, in fact exactly: every coordinate comes back as stored.
    frame, _ = read_boundary_file(exported)
    stored, _ = load_park_version(path, "v1")
    got = frame.set_index("park_id").geometry
    for pid, geom in zip(stored["park_id"], stored.geometry, strict=True):
        assert shapely.equals_exact(got[pid], geom, tolerance=0.0), pid


def _empty_spot(path) -> tuple[float, float]:
    """A point of gemeente Ede 3 km from every derived park (lat, lon)."""
    ede = read_gemeenten(_geodata(), ["GM0228"])
    point = ede.geometry.iloc[0].representative_point()
    parks, _ = load_park_version(path, "v1")
    assert parks.distance(point).min() > 2_000
    wgs = gpd.GeoSeries([point], crs=28992).to_crs(4326).iloc[0]
    return wgs.y, wgs.x


def _geodata():
    from zicht.ingest import default_geodata_dir

    return default_geodata_dir()


def test_draw_a_new_park_with_a_hole(store, browser, tmp_path):
    path, page_path = store
    lat, lon = _empty_spot(path)
    with editor(browser, page_path) as seen:
        page = seen.page
        set_view(page, lat, lon, 16)
        cx, cy = screen_xy(page, lat, lon)
        toolbar(page, "polygon")
        click_polygon(page, [(cx - 120, cy - 90), (cx + 120, cy - 90), (cx + 130, cy + 90),
                             (cx - 110, cy + 100)])  # fmt: skip
        assert page.input_value("#park-id") == "NIEUW-1"
        page.fill("#park-name", "Getekend park met vijver")
        toolbar(page, "cut")
        click_polygon(page, [(cx - 30, cy - 30), (cx + 30, cy - 30), (cx + 30, cy + 30),
                             (cx - 30, cy + 30)])  # fmt: skip
        assert page.inner_text("#check-status") == "Geen problemen gevonden."
        exported, doc = export(page, tmp_path)
        assert seen.page_errors == [] and seen.console_errors == []
    drawn = [f for f in doc["features"] if f["properties"]["source"] == "drawn"]
    assert len(drawn) == 1 and drawn[0]["properties"]["name"] == "Getekend park met vijver"
    frame, _ = read_boundary_file(exported)
    park = frame.set_index("park_id").geometry["NIEUW-1"]
    part = park.geoms[0] if park.geom_type == "MultiPolygon" else park
    assert shapely.get_num_interior_rings(part) == 1
    hole = shapely.Polygon(part.interiors[0])
    assert 0.05 < hole.area / park.area < 0.2
    out = cli("import", str(exported), "--dry-run")
    assert "5 parks, valid" in out


def _literal_park(tmp_path) -> tuple[gpd.GeoDataFrame, EditContext]:
    """One park of two parts, the first with a hole, in the middle of gemeente Ede."""
    ede = read_gemeenten(_geodata(), ["GM0228"])
    p = ede.geometry.iloc[0].representative_point()
    x, y = p.x, p.y
    first = shapely.Polygon(
        [(x, y), (x + 300, y), (x + 300, y + 200), (x, y + 200)],
        [[(x + 100, y + 60), (x + 180, y + 60), (x + 180, y + 140), (x + 100, y + 140)]],
    )
    second = shapely.box(x + 420, y, x + 620, y + 150)
    parks = gpd.GeoDataFrame(
        {"park_id": ["L1"], "name": ["Twee delen"], "source": ["derived"],
         "park_type": ["bungalowpark"]},
        geometry=[shapely.MultiPolygon([first, second])],
        crs=28992,
    )  # fmt: skip
    return parks, EditContext(gemeenten=ede[["code", "name", "geometry"]])


def test_a_two_part_park_with_a_hole_splits_merges_and_edits_its_second_part(browser, tmp_path):
    parks, context = _literal_park(tmp_path)
    page_path = tmp_path / "literal.html"
    page_path.write_text(render_edit_map(parks, context=context), encoding="utf-8")
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "Twee")
        assert not page.is_disabled("#split")
        page.click("#split")
        assert page.locator("#park-rows tr").count() == 2
        page.click("#merge")
        second = page.evaluate(
            "() => { const l = window.zichtEditor.parks.getLayers()"
            ".find(l => window.zichtEditor.props(l).park_id === 'L1-2');"
            " const c = window.zichtMap.latLngToContainerPoint(l.getBounds().getCenter());"
            " const r = document.getElementById('map').getBoundingClientRect();"
            " return [c.x + r.left, c.y + r.top]; }"
        )
        page.mouse.click(*second)
        assert "samengevoegd" in page.inner_text("#merge-status")
        page.fill("#park-id", "L1")
        page.fill("#park-name", "Twee delen")
        merged, _ = export(page, tmp_path)
        page.click("#edit-one")
        # The handle farthest east belongs to the second part: drag it further east.
        boxes = [vertex_markers(page).nth(i).bounding_box() for i in
                 range(vertex_markers(page).count())]  # fmt: skip
        east = max(boxes, key=lambda b: b["x"])
        drag(page, *centre(east), 40, 0)
        page.click("#edit-one")
        moved, _ = export(page, tmp_path)
        assert seen.page_errors == [] and seen.console_errors == []
    back, _ = read_boundary_file(merged)
    assert len(back) == 1
    # Split and merged again: the same parts, every vertex exactly where it was.
    assert shapely.equals_exact(
        shapely.normalize(back.geometry.iloc[0]),
        shapely.normalize(parks.geometry.iloc[0]),
        tolerance=0.0,
    )
    after, meta = read_boundary_file(moved)
    assert meta["rd_vertices"]["converted"] == 1
    first_before, second_before = parks.geometry.iloc[0].geoms
    parts = sorted(after.geometry.iloc[0].geoms, key=lambda g: g.centroid.x)
    assert shapely.equals_exact(shapely.normalize(parts[0]), shapely.normalize(first_before), 0.0)
    assert parts[1].area > second_before.area + 100  # the east edge moved out


def test_every_tool_toggles_and_cancels_without_a_javascript_error(store, browser):
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        for tool in ("polygon", "rectangle", "edit", "drag", "cut", "delete", "rotate"):
            toolbar(page, tool)
            toolbar(page, tool)
        toolbar(page, "polygon")
        page.mouse.click(500, 400)
        page.mouse.click(560, 420)
        page.locator(".leaflet-pm-actions-container .action-cancel:visible").first.click()
        toolbar(page, "edit")
        page.keyboard.press("Escape")
        toolbar(page, "edit")
        choose(page, "Breyenburg")
        page.click("#edit-one")
        page.click("#edit-one")
        page.click("#check")
        assert seen.page_errors == [] and seen.console_errors == [], seen.page_errors
        assert page.locator("#park-rows tr").count() == 1  # the search still filters


def _problem_parks() -> tuple[gpd.GeoDataFrame, EditContext, tuple[float, float]]:
    ede = read_gemeenten(_geodata(), ["GM0228"])
    p = ede.geometry.iloc[0].representative_point()
    x, y = p.x, p.y
    boxes = {
        "A": shapely.box(x, y, x + 200, y + 200),
        "B": shapely.box(x + 150, y, x + 350, y + 200),  # overlaps A
        "C": shapely.box(x + 600, y, x + 620, y + 20),  # 400 m²: too small
        "D": shapely.box(x + 900, y, x + 1100, y + 200),  # a box to twist
    }
    # E lies 150 m inside the gemeente's border, where that is nearest to the others.
    edge = shapely.ops.nearest_points(p, ede.geometry.iloc[0].boundary)[1]
    ux, uy = (edge.x - x) / p.distance(edge), (edge.y - y) / p.distance(edge)
    ex, ey = edge.x - 150 * ux, edge.y - 150 * uy
    boxes["E"] = shapely.box(ex - 50, ey - 50, ex + 50, ey + 50)
    parks = gpd.GeoDataFrame(
        {"park_id": list(boxes), "name": [f"Park {k}" for k in boxes], "source": "drawn"},
        geometry=list(boxes.values()),
        crs=28992,
    )
    return parks, EditContext(gemeenten=ede[["code", "name", "geometry"]]), (ux, uy)


def test_checks_flag_overlap_size_self_intersection_and_outside_and_block_export(browser, tmp_path):
    parks, context, (ux, uy) = _problem_parks()
    page_path = tmp_path / "problems.html"
    page_path.write_text(render_edit_map(parks, context=context), encoding="utf-8")
    with editor(browser, page_path) as seen:
        page = seen.page
        checks = page.eval_on_selector_all("#problems li", "els => els.map(e => e.dataset.check)")
        assert sorted(checks) == ["overlap", "too_small"]
        choose(page, "Park D")
        page.click("#edit-one")
        boxes = [vertex_markers(page).nth(i).bounding_box() for i in range(4)]
        west = sorted(boxes, key=lambda b: b["x"])[:2]
        sw = max(west, key=lambda b: b["y"])  # the south-west corner (lowest on screen)
        width = max(b["x"] for b in boxes) - min(b["x"] for b in boxes)
        drag(page, *centre(sw), width * 1.5, -width / 3)  # across the east edge
        page.click("#edit-one")
        page.wait_for_timeout(400)
        checks = page.eval_on_selector_all("#problems li", "els => els.map(e => e.dataset.check)")
        assert "self_intersection" in checks
        # Drag park E 600 m outwards, across the gemeente's border, with the drag tool.
        e = parks.geometry.iloc[4].centroid
        set_view(page, *_lat_lon(e), 15)
        ex, ey = screen_xy(page, *_lat_lon(e))
        far = shapely.Point(e.x + 600 * ux, e.y + 600 * uy)
        fx, fy = screen_xy(page, *_lat_lon(far))
        toolbar(page, "drag")
        drag(page, ex, ey, fx - ex, fy - ey)
        toolbar(page, "drag")
        page.click("#check")
        problems = page.eval_on_selector_all(
            "#problems li", "els => els.map(e => [e.dataset.check, e.textContent])"
        )
        assert ["outside", "E: ligt (deels) buiten de gemeente(n) van het gebied"] in problems
        page.click("#export")
        assert "Niet gedownload: los eerst de 4 problemen op" in page.inner_text("#export-status")
        assert page.is_visible("#export-anyway")
        exported, doc = export(page, tmp_path, "#export-anyway")
        assert seen.page_errors == [] and seen.console_errors == []
    assert len(doc["features"]) == 5
    # The import refuses it and lists the problems, as the page did.
    out = cli("import", str(exported), "--store", str(tmp_path / "s.gpkg"), "--dry-run", code=6)
    assert "invalid polygon" in out and "area" in out


def _lat_lon(point: shapely.Point) -> tuple[float, float]:
    wgs = gpd.GeoSeries([point], crs=28992).to_crs(4326).iloc[0]
    return wgs.y, wgs.x


def _park_boxes(page) -> list[dict]:
    """Every park's box on the screen, in map container pixels."""
    return page.evaluate(
        "() => window.zichtEditor.parks.getLayers().map(l => {"
        " const b = l.getBounds(), m = window.zichtEditor.map;"
        " const a = m.latLngToContainerPoint(b.getNorthWest()),"
        " z = m.latLngToContainerPoint(b.getSouthEast());"
        " return {x: a.x, y: a.y, width: z.x - a.x, height: z.y - a.y}; })"
    )


def test_the_editor_opens_on_a_park_large_enough_to_edit(store, browser):
    """The four Ede parks lie 15 km apart: fitted all together each was about 50 px wide."""
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        map_box = page.locator("#map").bounding_box()
        tools = page.locator(".leaflet-top.leaflet-left").bounding_box()
        layers = page.locator(".leaflet-control-layers").bounding_box()
        in_view = [
            b
            for b in _park_boxes(page)
            if b["x"] >= tools["x"] + tools["width"]
            and b["x"] + b["width"] <= layers["x"]
            and b["y"] >= 0
            and b["y"] + b["height"] <= map_box["height"]
        ]
        assert in_view and max(b["width"] for b in in_view) >= 100, _park_boxes(page)
        # the panel says which park the map shows, and brings all into view on request
        assert page.inner_text("#park-view").startswith("De kaart toont Bungalowpark De Tong")
        page.get_by_role("button", name="Alle parken in beeld").click()
        assert all(
            b["x"] >= 0
            and b["x"] + b["width"] <= map_box["width"]
            and b["y"] >= 0
            and b["y"] + b["height"] <= map_box["height"]
            for b in _park_boxes(page)
        ), _park_boxes(page)
        assert seen.page_errors == [] and seen.console_errors == [] and seen.blocked == []


def test_a_park_chosen_in_the_list_lies_clear_of_the_labelled_tools(store, browser):
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        tools = page.locator(".leaflet-top.leaflet-left").bounding_box()
        for name in ("Dikkenberg", "Breyenburg", "Berkenrhode", "Tong"):
            choose(page, name)
            # the chosen park is the one drawn with the heavy outline
            box = page.evaluate(
                "() => { const m = window.zichtEditor.map, b = window.zichtEditor.parks"
                ".getLayers().find(l => l.options.weight === 4).getBounds();"
                " const a = m.latLngToContainerPoint(b.getNorthWest()),"
                " z = m.latLngToContainerPoint(b.getSouthEast());"
                " return {x: a.x, y: a.y, width: z.x - a.x, height: z.y - a.y}; }"
            )
            assert box["x"] >= tools["x"] + tools["width"], (name, box, tools)
        assert seen.page_errors == [] and seen.console_errors == []


def test_every_park_is_in_sight_with_all_parks_in_view(store, browser):
    """No park is hidden under the open layer list (top right) or the tool bar (left)."""
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        page.click("#all-parks")
        covers = [
            page.locator(s).bounding_box()
            for s in (".leaflet-control-layers", ".leaflet-top.leaflet-left")
        ]
        parks = page.evaluate(
            "() => window.zichtEditor.parks.getLayers().map(l => {"
            " const b = l.getBounds(), m = window.zichtEditor.map;"
            " const a = m.latLngToContainerPoint(b.getNorthWest()),"
            " z = m.latLngToContainerPoint(b.getSouthEast());"
            " return {x: a.x, y: a.y, width: z.x - a.x, height: z.y - a.y}; })"
        )
        assert len(parks) == 4

        def meets(a, b):
            return (
                a["x"] < b["x"] + b["width"]
                and b["x"] < a["x"] + a["width"]
                and a["y"] < b["y"] + b["height"]
                and b["y"] < a["y"] + a["height"]
            )

        hidden = [(p, c) for p in parks for c in covers if meets(p, c)]
        assert hidden == [], hidden


def test_the_editor_works_at_phone_size(store, browser, tmp_path):
    _, page_path = store
    with editor(browser, page_path, width=390, height=844) as seen:
        page = seen.page
        map_box = page.locator("#map").bounding_box()
        panel = page.locator("#panel").bounding_box()
        assert map_box["width"] == 390 and map_box["height"] > 350
        assert panel["y"] >= map_box["y"] + map_box["height"] - 1 and panel["width"] == 390
        page.fill("#park-search", "tong")
        assert page.locator("#park-rows tr").count() == 1
        page.click("#park-rows tr")
        page.locator("#edit-one").scroll_into_view_if_needed()
        assert page.is_visible("#edit-one") and page.is_visible("#park-name")
        _, doc = export(page, tmp_path)
        assert len(doc["features"]) == 4
        assert seen.page_errors == [] and seen.console_errors == []


def test_an_online_background_that_cannot_be_reached_is_reported_not_thrown(store, tmp_path,
                                                                           browser):  # fmt: skip
    path, _ = store
    page_path = tmp_path / "online.html"
    cli("edit-map", "--store", str(path), "--out", str(page_path), "--tiles", "pdok")
    with editor(browser, page_path) as seen:
        seen.page.wait_for_function(
            "() => document.getElementById('online-status').textContent.length > 0",
            timeout=10_000,
        )
        assert "niet bereikbaar" in seen.page.inner_text("#online-status")
        assert any("service.pdok.nl" in url for url in seen.blocked)
        assert seen.page_errors == []
        _, doc = export(seen.page, tmp_path)
        assert len(doc["features"]) == 4


def test_the_diff_of_the_browser_edit_matches_the_api(store, browser, tmp_path):
    """The same edit read back through the API: one park changed, by the dragged vertex."""
    path, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "Tong")
        page.click("#edit-one")
        x, y = centre(vertex_markers(page).nth(2).bounding_box())
        drag(page, x, y, -30, 20)
        exported, _ = export(page, tmp_path)
    frame, meta = read_boundary_file(exported)
    stored, _ = load_park_version(path, "v1")
    diff = diff_parks(stored, frame.assign(park_type=frame["park_type"]))
    assert diff.summary["changed"] == 1 and diff.summary["unchanged"] == 3
    assert diff.table.set_index("park_id").loc["P0196", "change"] == "changed"
    assert meta["rd_vertices"]["converted"] == 1
    assert seen.page_errors == [] and seen.console_errors == [] and seen.blocked == []


@pytest.fixture(scope="module")
def otterlo(tmp_path_factory):
    """v1 derived from the real BGT around Otterlo, with its editor (all trace layers)."""
    root = tmp_path_factory.mktemp("otterlo")
    path = root / "otterlo.gpkg"
    cli("derive", "--source", "otterlo", "--store", str(path), "--out", str(root / "d"))
    page = root / "edit.html"
    cli("edit-map", "--store", str(path), "--out", str(page))
    return path, page


def _rd(frame: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(frame.to_crs(28992).geometry.boundary)


def _drop_near(page, src: np.ndarray, dst: np.ndarray, offset=(5, 4)) -> shapely.Point:
    """Screen positions of two RD points at zoom 19; returns where the mouse lets go (RD)."""
    wgs = gpd.GeoSeries([shapely.Point(src), shapely.Point(dst)], crs=28992).to_crs(4326)
    set_view(page, wgs.iloc[0].y, wgs.iloc[0].x, 19)
    tx, ty = screen_xy(page, wgs.iloc[1].y, wgs.iloc[1].x)
    lat, lon = page.evaluate(
        """([x, y]) => { const r = document.getElementById('map').getBoundingClientRect();
             const ll = window.zichtMap.containerPointToLatLng([x - r.left, y - r.top]);
             return [ll.lat, ll.lng]; }""",
        [tx + offset[0], ty + offset[1]],
    )
    return gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(28992).iloc[0]


def test_vertices_snap_to_bgt_buildings_and_brk_parcels(otterlo, browser, tmp_path):
    """Dragged near a building, a vertex lands on its outline; a new park starts on a parcel."""
    path, page_path = otterlo
    parks, _ = load_park_version(path, "v1")
    pand = gpd.read_file(_geodata() / "bgt" / "bgt_otterlo_pand.gpkg").to_crs(28992)
    perceel = gpd.read_file(_geodata() / "brk" / "otterlo_brk_perceel_sample.gpkg")
    perceel = perceel.to_crs(28992)
    vertices, corners = _rd(parks), _rd(pand)
    distance, nearest = cKDTree(corners).query(vertices)
    i = int(np.flatnonzero((distance > 4) & (distance < 15))[0])  # a corner 4–15 m away
    parcel_corner = _rd(perceel)[0]
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "")
        drop = _drop_near(page, vertices[i], corners[nearest[i]])
        assert pand.boundary.distance(drop).min() > 0.3  # the mouse is let go beside the outline
        page.click("#edit-one")
        x, y = screen_xy(page, *_lat_lon(shapely.Point(vertices[i])))
        tx, ty = screen_xy(page, *_lat_lon(drop))
        drag(page, x, y, tx - x, ty - y)
        page.click("#edit-one")
        # Draw a new park whose first vertex is clicked 5 px beside a parcel corner.
        offsets = [(5, 4), (-5, 4), (5, -4), (-5, -4)]
        start = max((_drop_near(page, parcel_corner, parcel_corner, o) for o in offsets),
                    key=lambda p: perceel.boundary.distance(p).min())  # fmt: skip
        assert perceel.boundary.distance(start).min() > 0.3
        sx, sy = screen_xy(page, *_lat_lon(start))
        toolbar(page, "polygon")
        click_polygon(page, [(sx, sy), (sx + 150, sy + 20), (sx + 140, sy + 160),
                             (sx - 20, sy + 150)])  # fmt: skip
        page.click("#export")  # the sketch is about 800 m²: refused as too small, as it should be
        checks = page.eval_on_selector_all("#problems li", "els => els.map(e => e.dataset.check)")
        assert checks == ["too_small"]
        exported, _ = export(page, tmp_path, "#export-anyway")
        assert seen.page_errors == [] and seen.console_errors == [] and seen.blocked == []
    frame, _ = read_boundary_file(exported)
    frame = frame.set_index("park_id")
    old = {tuple(v) for v in vertices.round(6)}
    moved = [shapely.Point(v) for v in _rd(frame.loc[[parks["park_id"].iloc[0]]])
             if tuple(v.round(6)) not in old]  # fmt: skip
    assert moved and all(pand.boundary.distance(v).min() < 0.01 for v in moved)
    drawn = shapely.get_coordinates(frame.geometry["NIEUW-1"].boundary)
    assert perceel.boundary.distance(shapely.Point(drawn[0])).min() < 0.01


def _centre_of_park(page, park_id: str) -> tuple[float, float]:
    return page.evaluate(
        """(pid) => { const l = window.zichtEditor.parks.getLayers()
             .find(l => window.zichtEditor.props(l).park_id === pid);
           const c = window.zichtMap.latLngToContainerPoint(l.getBounds().getCenter());
           const r = document.getElementById('map').getBoundingClientRect();
           return [c.x + r.left, c.y + r.top]; }""",
        park_id,
    )


def _free_middle_marker(page) -> tuple[float, float]:
    """The centre of the middle marker farthest from every vertex handle (clickable)."""
    handles = np.array([centre(b) for b in page.eval_on_selector_all(
        ".leaflet-marker-pane .marker-icon:not(.marker-icon-middle)",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; })")])  # fmt: skip
    middles = [centre(b) for b in page.eval_on_selector_all(
        ".leaflet-marker-pane .marker-icon-middle",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; })")]  # fmt: skip
    gaps = [np.hypot(*(handles - m).T).min() for m in middles]
    return middles[int(np.argmax(gaps))]


def test_add_and_remove_a_vertex_cut_a_hole_and_delete_a_park(store, browser, tmp_path):
    """The other edits of existing parks: each shows in the diff as the park it touched."""
    path, page_path = store
    before, _ = load_park_version(path, "v1")
    n_vertices = len(shapely.get_coordinates(before.set_index("park_id").geometry["P0079"]))
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "Dikkenberg")
        page.click("#edit-one")
        n = vertex_markers(page).count()
        page.mouse.click(*_free_middle_marker(page))  # a middle marker becomes a vertex
        page.wait_for_timeout(200)
        assert vertex_markers(page).count() == n + 1
        page.mouse.click(*centre(vertex_markers(page).nth(10).bounding_box()), button="right")
        page.wait_for_timeout(200)
        assert vertex_markers(page).count() == n
        page.click("#edit-one")
        choose(page, "Tong")  # cut a pond out of the middle of De Tong
        cx, cy = _centre_of_park(page, "P0196")
        toolbar(page, "cut")
        click_polygon(page, [(cx - 15, cy - 15), (cx + 15, cy - 15), (cx + 15, cy + 15),
                             (cx - 15, cy + 15)])  # fmt: skip
        choose(page, "Breyenburg")  # and remove De Breyenburg with the bin
        bx, by = _centre_of_park(page, "P0218")
        toolbar(page, "delete")
        page.mouse.click(bx, by)
        toolbar(page, "delete")
        exported, _ = export(page, tmp_path)
        assert seen.page_errors == [] and seen.console_errors == [] and seen.blocked == []
    frame, meta = read_boundary_file(exported)
    after = frame.set_index("park_id").geometry
    assert len(shapely.get_coordinates(after["P0079"])) == n_vertices  # one in, one out
    tong = after["P0196"]
    assert sum(shapely.get_num_interior_rings(p) for p in getattr(tong, "geoms", [tong])) == 1
    diff = diff_parks(before, frame)
    changes = diff.table.set_index("park_id")["change"].to_dict()
    assert changes == {"P0079": "changed", "P0142": "unchanged", "P0196": "changed",
                       "P0218": "removed"}  # fmt: skip
    # The new vertex and the four corners of the pond are the only converted ones (its ring's
    # closing position repeats a corner and is not a vertex of its own).
    assert meta["rd_vertices"]["converted"] == 1 + 4


#: The editor's tools and the words each says (the catalogue's ``tool_*``).
TOOLS = {
    "polygon": "Park tekenen",
    "rectangle": "Rechthoek tekenen",
    "edit": "Punten verplaatsen",
    "drag": "Park verschuiven",
    "cut": "Uitsnijden",
    "rotate": "Draaien",
    "delete": "Park wissen",
}


def test_every_tool_says_what_it_does(store, browser):
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        for icon, words in TOOLS.items():
            link = page.locator(
                f".leaflet-pm-toolbar a.leaflet-buttons-control-button:has(.leaflet-pm-icon-{icon})"
            )
            assert link.inner_text().strip() == words  # visible, beside the icon
            assert link.get_attribute("aria-label") == words
            assert link.get_attribute("title") == words  # the tooltip
        # a tool is found and used by its name, as a screen reader user does
        page.get_by_role("button", name="Park tekenen").click()
        assert page.evaluate("() => window.zichtEditor.map.pm.globalDrawModeEnabled()")
        page.keyboard.press("Escape")
        toolbars = page.get_by_role("toolbar", name="Gereedschap")
        assert toolbars.count() == 2
        assert seen.page_errors == [] and seen.console_errors == []
    with editor(browser, page_path, width=390, height=844) as seen:
        # on a phone the icons only: the words stay the accessible name and the tooltip
        page = seen.page
        link = page.get_by_role("button", name="Park tekenen")
        assert link.bounding_box()["width"] <= 40
        assert link.get_attribute("title") == "Park tekenen"


def test_a_count_of_one_is_singular(store, browser):
    """Ede's parks have one public BAG address point near them: "1 object", not "1 objecten"."""
    _, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        traced = page.inner_text("#trace-layers")
        assert "BAG-adrespunten (openbaar, Kadaster): 1 object, punten springen" in traced
        assert "BGT-panden (Kadaster): 7 objecten" in traced
        assert not re.search(r"(?<!\d)1 (objecten|parken|problemen)", page.inner_text("body"))
        # one problem: a park without a name
        choose(page, "Tong")
        page.fill("#park-name", "")
        page.click("#check")
        assert page.inner_text("#check-status") == "1 probleem: los het op voor het exporteren."
        page.fill("#park-search", "P0196")
        assert page.inner_text("#park-count") == "1 van 4 parken"


def test_the_export_downloads_the_file_and_says_in_dutch_what_to_do(store, browser, tmp_path):
    path, page_path = store
    with editor(browser, page_path) as seen:
        page = seen.page
        choose(page, "Dikkenberg")
        page.fill("#park-name", "Recreatiepark De Dikkenberg (noord)")
        page.fill("#export-author", "Ann de Vries")
        page.fill("#export-reason", "naam volgens het bestemmingsplan")
        exported, doc = export(page, tmp_path)
        assert page.inner_text("#export-status") == (
            f"Gedownload: {exported.name.split('_', 2)[2]}, met 4 parken."
        )
        where = page.locator("#export-where")
        assert where.is_visible() and "map Downloads" in where.inner_text()
        assert "Stuur het naar de beheerder" in where.inner_text()
        # the command is for whoever keeps the store, folded away, not for the user
        assert "zicht parks import" not in page.locator("#panel").inner_text()
        assert not page.locator("#export-admin p").first.is_visible()
        assert seen.page_errors == [] and seen.console_errors == []
    assert (doc["zicht"]["author"], doc["zicht"]["reason"]) == (
        "Ann de Vries",
        "naam volgens het bestemmingsplan",
    )
    # the file is all the administrator needs: no --author, no --reason, no --store
    out = cli("import", str(exported))
    assert "1 changed, 3 unchanged" in out and "author Ann de Vries" in out
    _, info = load_park_version(path)
    assert (info.author, info.reason) == ("Ann de Vries", "naam volgens het bestemmingsplan")
