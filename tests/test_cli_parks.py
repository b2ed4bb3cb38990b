"""``zicht parks …`` end to end on the shipped data, as a user runs it.

derive → versions → edit-map → (edit) → import → diff → indicators, on gemeente Ede; and the
edit map in headless Chromium: draw a park, export, import the download.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely import affinity
from typer.testing import CliRunner

from zicht.cli import app
from zicht.maps._browser import browser_unavailable_reason, launch_chromium, open_offline
from zicht.parks import list_park_versions, load_park_version

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, ["parks", *args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A store with v1 derived from the synthetic Ede study."""
    root = tmp_path_factory.mktemp("parks")
    store = root / "parks.gpkg"
    result = run(
        "derive",
        "--gemeente",
        "GM0228",
        "--store",
        str(store),
        "--out",
        str(root / "out"),
        "--author",
        "test",
        "--reason",
        "first derivation",
    )
    return root, store, result.output


def _edited_file(store, root, parent="v1"):
    """What a user exports from the edit map: one park moved north, one drawn."""
    parks, _ = load_park_version(store, parent)
    parks = parks.copy()
    parks.loc[0, "geometry"] = affinity.translate(parks.geometry.iloc[0], 0, 60)
    parks.loc[0, "source"] = "edited"
    drawn = gpd.GeoDataFrame(
        {"park_id": ["NEW-1"], "name": ["Nieuw park"], "source": ["drawn"], "note": [""]},
        geometry=[shapely.box(176_000, 452_000, 176_300, 452_250)],
        crs=28992,
    )
    out = gpd.pd.concat([parks[["park_id", "name", "source", "note", "geometry"]], drawn])
    doc = json.loads(gpd.GeoDataFrame(out, crs=28992).to_crs(4326).to_json(drop_id=True))
    doc["zicht"] = {"parent_version": parent}
    path = root / f"edited_from_{parent}.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_derive_stores_v1_and_reports_recovery_and_untrusted_points(workspace):
    root, store, output = workspace
    assert "saved as version v1" in output
    assert "41 only a place centre" in output
    assert "mean_iou" in output
    report = json.loads((root / "out" / "derive_synthetic_report.json").read_text())
    assert report["recovery"]["n_recovered"] == report["recovery"]["n_sites"] >= 3
    assert len(report["park_points"]["untrusted_parks"]) == 41
    parks, info = load_park_version(store, "v1")
    assert info.reason == "first derivation" and (parks["rule_id"] != "").all()


def test_the_user_workflow_edit_import_diff_indicators(workspace):
    root, store, _ = workspace
    listing = run("versions", "--store", str(store)).output
    assert "v1" in listing
    run("edit-map", "--store", str(store), "--out", str(root / "edit.html"))
    assert "L.Control.Draw" in (root / "edit.html").read_text(encoding="utf-8")

    edited = _edited_file(store, root)
    run("import", str(edited), "--store", str(store), "--dry-run")
    assert len(list_park_versions(store)) == 1
    missing = run("import", str(edited), "--store", str(store), code=4)
    assert "author is required" in missing.output
    run("import", str(edited), "--store", str(store), "--author", "Ann", "--reason", "moved")
    v2, info = load_park_version(store)
    assert (info.version_id, info.parent_version, info.author) == ("v2", "v1", "Ann")
    moved = v2.set_index("park_id")
    first = load_park_version(store, "v1")[0].iloc[0]
    # The rule record of an edited park is carried over from its parent.
    assert moved.loc[first.park_id, "rule_id"] == first.rule_id
    assert moved.loc["NEW-1", "source"] == "drawn" and moved.loc["NEW-1", "rule_id"] == ""

    diff = run("diff", "v1", "v2", "--store", str(store), "--out", str(root / "diff")).output
    assert "added" in diff and "changed" in diff
    table = gpd.pd.read_csv(root / "diff" / "diff_v1_v2.csv").set_index("park_id")
    assert table.loc["NEW-1", "change"] == "added"
    assert table.loc[first.park_id, "change"] == "changed"
    assert (root / "diff" / "diff_v1_v2.html").stat().st_size > 100_000

    out = root / "indicators"
    run(
        "indicators",
        "--store",
        str(store),
        "--version",
        "v2",
        "--out",
        str(out),
        "--min-units",
        "150",
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["metadata"]["park_version"]["version_id"] == "v2"
    assert manifest["layers"]["park"]["suppressed"] >= 1  # NEW-1 holds few addresses
    assert (out / "park_map.html").exists()


def test_import_lists_every_problem_and_saves_nothing(workspace):
    root, store, _ = workspace
    before = len(list_park_versions(store))
    parks, _ = load_park_version(store, "v1")
    bad = parks[["park_id", "name", "source", "geometry"]].copy()
    bad.loc[1, "park_id"] = bad.loc[0, "park_id"]
    bad.loc[2, "name"] = ""
    bad.loc[3, "geometry"] = bad.geometry.iloc[0]
    path = root / "bad.geojson"
    bad.to_crs(4326).to_file(path, driver="GeoJSON")
    result = run(
        "import", str(path), "--store", str(store), "--author", "x", "--reason", "y", code=6
    )
    for check in ("park_id", "name", "overlap"):
        assert check in result.output
    assert "nothing was saved" in result.output
    assert len(list_park_versions(store)) == before


def test_derive_on_the_real_otterlo_data(tmp_path):
    result = run(
        "derive",
        "--source",
        "otterlo",
        "--store",
        str(tmp_path / "o.gpkg"),
        "--out",
        str(tmp_path),
    )
    assert "real BGT buildings around Otterlo" in result.output
    report = json.loads((tmp_path / "derive_otterlo_report.json").read_text())
    assert report["objects_in"] > 400 and report["parks_accepted"] >= 1


def test_unknown_source_and_version_fail_with_their_exit_codes(workspace, tmp_path):
    _, store, _ = workspace
    run("derive", "--source", "moon", "--out", str(tmp_path), code=2)
    assert (
        "no version 'v99'"
        in run("edit-map", "--store", str(store), "--version", "v99", code=3).output
    )


_REASON = browser_unavailable_reason()


@pytest.mark.browser
@pytest.mark.skipif(_REASON is not None, reason=_REASON or "")
def test_edit_map_in_chromium_draws_exports_and_imports(workspace, tmp_path):
    _, store, _ = workspace
    page_path = tmp_path / "edit.html"
    run("edit-map", "--store", str(store), "--version", "v1", "--out", str(page_path))
    with launch_chromium() as browser, open_offline(page_path, browser=browser) as seen:
        page = seen.page
        page.wait_for_selector(".leaflet-draw-toolbar", timeout=10_000)
        assert page.locator(".leaflet-draw-draw-polygon").count() == 1
        assert page.locator(".leaflet-draw-edit-edit").count() == 1
        page.click(".leaflet-draw-draw-rectangle")
        page.mouse.move(120, 650)
        page.mouse.down()
        page.mouse.move(170, 700, steps=5)
        page.mouse.up()
        page.fill("#park-name", "Getekend park")
        with page.expect_download() as download:
            page.click("#export")
        exported = tmp_path / download.value.suggested_filename
        download.value.save_as(exported)
        assert seen.blocked == [] and seen.failed == [] and seen.errors == []
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["zicht"]["parent_version"] == "v1"
    drawn = [f for f in doc["features"] if f["properties"]["source"] == "drawn"]
    assert len(drawn) == 1 and drawn[0]["properties"]["name"] == "Getekend park"
    assert drawn[0]["geometry"]["type"] == "Polygon"
    # The export validates (the drawn box lies inside the country, clear of the parks).
    run("import", str(exported), "--store", str(store), "--dry-run")
