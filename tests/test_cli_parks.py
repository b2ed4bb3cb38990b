"""``zicht parks …`` end to end on the shipped data, as a user runs it.

derive → versions → edit-map → (edit) → import → diff → compare → indicators, on gemeente Ede.
The editor itself is worked with the mouse in ``test_parks_browser.py``.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely import affinity
from typer.testing import CliRunner

from zicht.cli import _parks as cli_parks
from zicht.cli import app
from zicht.parks import list_park_versions, load_park_version

runner = CliRunner()


def run(*args: str, code: int = 0, stdin: str | None = None):
    result = runner.invoke(app, ["parks", *args], input=stdin)
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


def _export_like_the_editor(store, path, parent="v1", *, move=None, drawn=False, rd=True):
    """What the editor exports: WGS84 at full precision, RD New of unmoved vertices, meta."""
    parks, _ = load_park_version(store, parent)
    parks = parks.copy()
    moved = set()
    if move is not None:
        parks.loc[0, "geometry"] = affinity.translate(parks.geometry.iloc[0], *move)
        parks.loc[0, "source"] = "edited"
        moved.add(parks.loc[0, "park_id"])
    columns = ["park_id", "name", "source", "park_type", "note", "geometry"]
    frame = parks[columns]
    if drawn:
        new = gpd.GeoDataFrame(
            {"park_id": ["NIEUW-1"], "name": ["Nieuw park"], "source": ["drawn"],
             "park_type": [""], "note": [""]},
            geometry=[shapely.box(176_000, 452_000, 176_300, 452_250)],
            crs=28992,
        )  # fmt: skip
        frame = gpd.pd.concat([frame, new], ignore_index=True)
        moved.add("NIEUW-1")
    frame = gpd.GeoDataFrame(frame, crs=28992)
    doc = json.loads(frame.to_crs(4326).to_json(drop_id=True))
    for feature, pid, geom in zip(doc["features"], frame["park_id"], frame.geometry, strict=True):
        coords = shapely.geometry.mapping(geom)["coordinates"]
        if rd:
            feature["rd_coordinates"] = json.loads(json.dumps(coords)) if pid not in moved else None
    doc["zicht"] = {"parent_version": parent, "store": str(store.resolve())}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_derive_stores_v1_with_types_and_reports_recovery_and_untrusted_points(workspace):
    root, store, output = workspace
    assert "saved as version v1" in output
    assert "41 only a place centre" in output
    assert "mean_iou" in output and "park types (TOP10NL rules)" in output
    report = json.loads((root / "out" / "derive_synthetic_report.json").read_text())
    assert report["recovery"]["n_recovered"] == report["recovery"]["n_sites"] >= 3
    assert report["recovery"]["type_agreement"] == 1.0
    assert len(report["park_points"]["untrusted_parks"]) == 41
    parks, info = load_park_version(store, "v1")
    assert info.reason == "first derivation" and (parks["rule_id"] != "").all()
    # The typology is on every derived park, as part of the rule it records.
    assert parks["park_type"].isin(["bungalowpark", "vakantiepark", "camping", "caravanpark"]).all()
    for park_type, rule_json in zip(parks["park_type"], parks["rule_json"], strict=True):
        assert json.loads(rule_json)["park_type"] == park_type
    planted = gpd.read_file(root / "out" / "planted_sites_synthetic.geojson")
    assert planted["synthetic"].all() and len(planted) == report["recovery"]["n_sites"]


@pytest.mark.slow
def test_the_user_workflow_edit_import_diff_indicators(workspace, tmp_path, monkeypatch):
    root, store, _ = workspace
    assert "v1" in run("versions", "--store", str(store)).output
    page = root / "edit.html"
    run("edit-map", "--store", str(store), "--out", str(page))
    html = page.read_text(encoding="utf-8")
    assert "Leaflet-Geoman free 2.20.2" in html and '<html lang="nl">' in html
    assert json.dumps(str(store.resolve()))[1:-1].replace("/", "\\/") in html

    edited = _export_like_the_editor(store, root / "edited.geojson", move=(0, 60), drawn=True)
    run("import", str(edited), "--dry-run")
    assert len(list_park_versions(store)) == 1
    missing = run("import", str(edited), code=4)
    assert "author is required" in missing.output
    # From another folder and without --store: the file names its store.
    monkeypatch.chdir(tmp_path)
    out = run("import", str(edited), "--author", "Ann", "--reason", "moved").output
    assert "(named in the file)" in out and "1 added, 0 removed, 1 changed" in out
    v2, info = load_park_version(store)
    assert (info.version_id, info.parent_version, info.author, info.reason) == (
        "v2",
        "v1",
        "Ann",
        "moved",
    )
    moved = v2.set_index("park_id")
    first = load_park_version(store, "v1")[0].iloc[0]
    # The rule record and the type of an edited park are carried over from its parent.
    assert moved.loc[first.park_id, "rule_id"] == first.rule_id
    assert moved.loc[first.park_id, "park_type"] == first.park_type
    assert moved.loc["NIEUW-1", "source"] == "drawn" and moved.loc["NIEUW-1", "rule_id"] == ""

    diff = run("diff", "v1", "v2", "--store", str(store), "--out", str(root / "diff")).output
    assert "added" in diff and "changed" in diff
    table = gpd.pd.read_csv(root / "diff" / "diff_v1_v2.csv").set_index("park_id")
    assert table.loc["NIEUW-1", "change"] == "added"
    assert table.loc[first.park_id, "change"] == "changed"
    assert table.loc[first.park_id, "max_shift_m"] == pytest.approx(60, abs=0.01)
    assert (table.drop(index=["NIEUW-1", first.park_id])["change"] == "unchanged").all()
    html = (root / "diff" / "diff_v1_v2.html").read_text(encoding="utf-8")
    assert "parkgrenzen vergeleken" in html

    out = root / "indicators"
    run("indicators", "--store", str(store), "--version", "v2", "--out", str(out),
        "--min-units", "150")  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["metadata"]["park_version"]["version_id"] == "v2"
    assert manifest["layers"]["park"]["suppressed"] >= 1  # NIEUW-1 holds few addresses
    assert (out / "park_map.html").exists()


def test_author_and_reason_are_asked_for_at_a_terminal(workspace, tmp_path, monkeypatch):
    _, store, _ = workspace
    before = len(list_park_versions(store))
    latest = str(list_park_versions(store)["version_id"].iloc[-1])
    edited = _export_like_the_editor(store, tmp_path / "e.geojson", latest, move=(0, -40))
    monkeypatch.setattr(cli_parks, "_interactive", lambda: True)
    out = run("import", str(edited), stdin="Bea\nnorth edge follows the fence\n").output
    assert "Author:" in out and "Reason:" in out
    versions = list_park_versions(store)
    assert len(versions) == before + 1
    assert versions.iloc[-1][["author", "reason", "parent_version"]].tolist() == [
        "Bea",
        "north edge follows the fence",
        latest,
    ]


def test_a_round_trip_without_edits_saves_no_version_and_says_so(workspace, tmp_path):
    _, store, _ = workspace
    n = len(list_park_versions(store))
    latest = str(list_park_versions(store)["version_id"].iloc[-1])
    same = _export_like_the_editor(store, tmp_path / "same.geojson", latest)
    out = run("import", str(same), "--author", "x", "--reason", "y").output
    assert "vertices kept exactly in RD New, 0 moved" in out
    assert "0 changed" in out and f"no change against {latest}: no new version saved" in out
    # Without the RD New coordinates (a file from another tool at full precision), the
    # conversion from WGS84 stays far within the 1 mm tolerance.
    plain = _export_like_the_editor(store, tmp_path / "plain.geojson", latest, rd=False)
    assert (
        "no new version saved" in run("import", str(plain), "--author", "x", "--reason", "y").output
    )
    assert len(list_park_versions(store)) == n


def test_the_store_named_in_the_file_must_exist_and_store_overrides_it(workspace, tmp_path):
    _, store, _ = workspace
    edited = _export_like_the_editor(store, tmp_path / "e.geojson", move=(30, 0))
    doc = json.loads(edited.read_text())
    doc["zicht"]["store"] = str(tmp_path / "elsewhere" / "parks.gpkg")
    edited.write_text(json.dumps(doc))
    missing = run("import", str(edited), "--author", "x", "--reason", "y", code=3)
    assert "elsewhere" in missing.output
    other = tmp_path / "other.gpkg"
    out = run("import", str(edited), "--store", str(other), "--parent", "none",
              "--author", "x", "--reason", "into a new store").output  # fmt: skip
    assert f"store {other}" in out and list(list_park_versions(other)["version_id"]) == ["v1"]


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


def test_compare_with_registered_boundaries(workspace, tmp_path):
    root, store, _ = workspace
    planted = root / "out" / "planted_sites_synthetic.geojson"
    out = run("compare", str(planted), "--store", str(store), "--version", "v1",
              "--out", str(tmp_path)).output  # fmt: skip
    assert "'n_only_a': 0" in out and "'n_only_b': 0" in out and "'n_type_agrees': 4" in out
    table = gpd.pd.read_csv(tmp_path / "compare_v1_planted_sites_synthetic.csv")
    assert (table["kind"] == "match").all() and table["iou"].min() > 0.8
    assert (table["same_type"] == True).all()  # noqa: E712 - empty (NaN) would be truthy
    assert (tmp_path / "compare_v1_planted_sites_synthetic.html").stat().st_size > 50_000
    # A TOP10NL extract: only the park types are kept, the rest is counted.
    sites = gpd.read_file(planted).to_crs(28992)
    top10 = gpd.GeoDataFrame(
        {"identificatie": [f"NL.TOP10NL.{i}" for i in range(len(sites) + 1)],
         "typefunctioneelgebied": ["bungalowpark"] * len(sites) + ["sportterrein, sportcomplex"]},
        geometry=[*sites.geometry, shapely.box(170_000, 450_000, 170_100, 450_100)],
        crs=28992,
    )  # fmt: skip
    top10.to_file(tmp_path / "top10nl.gpkg", driver="GPKG")
    out = run("compare", str(tmp_path / "top10nl.gpkg"), "--store", str(store),
              "--version", "v1", "--out", str(tmp_path)).output  # fmt: skip
    assert "sportterrein" in out and "'kept': " + str(len(sites)) in out


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
    parks, _ = load_park_version(tmp_path / "o.gpkg")
    assert (parks["park_type"] != "").all()
    page = tmp_path / "edit.html"
    out = run("edit-map", "--store", str(tmp_path / "o.gpkg"), "--out", str(page)).output
    assert "BRK parcels (Kadaster): 11" in out and "BAG address points (public, Kadaster)" in out


def test_unknown_source_and_version_fail_with_their_exit_codes(workspace, tmp_path):
    _, store, _ = workspace
    run("derive", "--source", "moon", "--out", str(tmp_path), code=2)
    assert (
        "no version 'v99'"
        in run("edit-map", "--store", str(store), "--version", "v99", code=3).output
    )
