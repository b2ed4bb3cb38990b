"""The park pages as files: offline, escaped, Dutch first, and carrying RD New losslessly.

The editor at work is tested in Chromium (``test_parks_browser.py``); here the page is read
as text and its data as JSON.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from zicht import ConfigError, CRSError
from zicht.maps._assets import find_network_references
from zicht.parks import (
    GEOMAN_VERSION,
    DeriveRule,
    EditContext,
    TraceLayer,
    compare_boundaries,
    diff_parks,
    edit_context,
    render_compare_map,
    render_diff_map,
    render_edit_map,
)
from zicht.parks._html import geoman_css, offline_allowed

X0, Y0 = 180_000.0, 455_000.0
XSS = "</script><script>alert('park')</script>"


def parks(**extra) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"park_id": ["A", "B"], "name": ["Park A", "Park B"], "source": "derived",
         "park_type": ["camping", "bungalowpark"]},
        geometry=[
            shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 200.123456, Y0 + 150.000001)]),
            shapely.box(X0 + 500, Y0, X0 + 700, Y0 + 150),
        ],
        crs=28992,
    )  # fmt: skip
    for key, value in extra.items():
        frame[key] = value
    return frame


def page_data(page: str) -> dict:
    match = re.search(r"const DATA = (\{.*?\});\n", page, flags=re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))


def test_editor_is_offline_inlines_geoman_and_escapes_names():
    frame = parks()
    frame.loc[0, "name"] = XSS
    page = render_edit_map(frame, meta={"parent_version": "v1", "store": "/s/parks.gpkg"})
    assert find_network_references(page, allowed=offline_allowed(editor=True)) == []
    assert f"Leaflet-Geoman free {GEOMAN_VERSION}" in page and "map.pm.addControls" in page
    assert XSS not in page and "<script src" not in page.lower() and "<link" not in page.lower()
    assert page.count("<script>") == 3  # Leaflet, Geoman, the page's own
    data = page_data(page)
    assert data["meta"] == {"parent_version": "v1", "store": "/s/parks.gpkg"}
    assert data["parks"]["features"][0]["properties"]["name"] == XSS  # as data, escaped in JS


def test_geoman_icons_are_data_uris_only():
    css = geoman_css()
    assert "url(%23" not in css and "url('data:image/svg+xml," not in css
    assert css.count("data:image/svg+xml;base64,") == 13


def test_editor_carries_every_vertex_in_rd_new_exactly_and_wgs84_at_full_precision():
    frame = parks()
    data = page_data(render_edit_map(frame))
    for feature, rd, geom in zip(data["parks"]["features"], data["rd"], frame.geometry,
                                 strict=True):  # fmt: skip
        assert rd == json.loads(json.dumps(shapely.geometry.mapping(geom)["coordinates"]))
        wgs = gpd.GeoSeries([geom], crs=28992).to_crs(4326).iloc[0]
        got = shapely.geometry.shape(feature["geometry"])
        assert shapely.equals_exact(got, wgs, tolerance=0.0)  # no rounding to 1e-7


def test_editor_is_dutch_by_default_and_english_on_request():
    nl = render_edit_map(parks())
    assert '<html lang="nl">' in nl and "Download het bestand" in nl and "Zoek op naam" in nl
    assert page_data(nl)["park_types"][2] == {"key": "camping", "label": "camping, kampeerterrein"}
    en = render_edit_map(parks(), language="en")
    assert '<html lang="en">' in en and "Download the file" in en and "Download het" not in en
    with pytest.raises(ConfigError, match="language"):
        render_edit_map(parks(), language="de")
    with pytest.raises(CRSError):
        render_edit_map(parks().set_crs(None, allow_override=True))


def test_the_rule_of_a_park_is_shown_in_the_pages_language():
    rule = DeriveRule(classes={"camping": {"min_objects": 8}})
    records = [rule.record("camping", "only pitches"), "not a record"]
    frame = parks(rule_json=records, rule_text=[rule.describe("camping"), "hand-written note"])
    for language, start in (("nl", "Een park is een cluster van ten minste 8 "),
                            ("en", "A park is a cluster of at least 8 ")):  # fmt: skip
        features = page_data(render_edit_map(frame, language=language))["parks"]["features"]
        shown = [f["properties"]["rule_text"] for f in features]
        assert shown[0].startswith(start) and shown[0].endswith(f"id {rule.rule_id}.")
        assert "Type: camping." in shown[0]
        assert shown[1] == "hand-written note"  # no record: the stored text as it is
    assert shown[0] == rule.describe("camping")  # English: exactly the stored sentence


def test_online_backgrounds_only_when_asked_and_only_pdok_hosts():
    offline = page_data(render_edit_map(parks()))
    assert offline["tiles"] is None
    page = render_edit_map(parks(), tiles_name="pdok")
    labels = [t["label"] for t in page_data(page)["tiles"]]
    assert labels == ["Topografie PDOK BRT (online)", "Luchtfoto PDOK (online)"]
    assert all(t["url"].startswith("https://service.pdok.nl/") for t in page_data(page)["tiles"])
    with pytest.raises(ConfigError):
        render_edit_map(parks(), tiles_name="google")


def test_trace_layers_and_gemeenten_reach_the_page(geodata):
    context = edit_context(geodata, parks())
    labels = [layer.label for layer in context.trace]
    assert labels == ["trace_parcels", "trace_buildings", "trace_fences", "trace_addresses",
                      "trace_roads", "trace_water"]  # fmt: skip
    counts = {layer.label: len(layer.frame) for layer in context.trace}
    # Oracle: the current BGT buildings within 1.5 km of the parks, counted apart.
    pand = gpd.read_file(geodata / "bgt" / "bgt_otterlo_pand.gpkg")
    pand = pand[pand["eindRegistratie"].isna()]
    near = pand.distance(parks().geometry.union_all()) <= 1_500
    assert counts["trace_buildings"] == int(near.sum()) > 50
    parcels = gpd.read_file(geodata / "brk" / "otterlo_brk_perceel_sample.gpkg")
    assert counts["trace_parcels"] == int((parcels.distance(parks().union_all()) <= 1_500).sum())
    assert counts["trace_parcels"] >= 1 and counts["trace_addresses"] > 50
    assert list(context.gemeenten["code"]) == ["GM0228"]
    data = page_data(render_edit_map(parks(), context=context))
    snap = {t["label"]: t["snap"] for t in data["trace"]}
    assert snap["BRK-percelen (Kadaster)"] and snap["BGT-panden (Kadaster)"]
    assert not snap["BGT-water (Kadaster)"]
    # Far from Otterlo the layers are empty, and the page says so (not an error).
    far = parks().translate(-100_000, 0)
    assert all(len(layer.frame) == 0 for layer in edit_context(geodata, far).trace)


def test_a_trace_layer_kind_is_checked():
    with pytest.raises(ConfigError, match="kind"):
        TraceLayer("x", parks(), kind="raster")
    page = render_edit_map(parks(), context=EditContext(trace=[TraceLayer("Mijn laag", parks())]))
    assert page_data(page)["trace"][0]["label"] == "Mijn laag"


def test_diff_map_is_offline_dutch_and_escaped():
    a = parks()
    b = parks().iloc[:1].copy()
    b.loc[0, "name"] = XSS
    page = render_diff_map(diff_parks(a, b, label_a="v1", label_b="v2"))
    assert find_network_references(page) == []
    assert XSS not in page and '"change":"removed"' in page and '"change":"changed"' in page
    assert "Gewijzigde parken" in page and "marge 1 mm" in page


def test_compare_map_is_offline_and_carries_the_pieces():
    a = parks()
    b = parks().iloc[:1].copy()
    b["geometry"] = [shapely.box(X0 + 100, Y0, X0 + 300, Y0 + 150)]
    b["name"] = [XSS]
    page = render_compare_map(compare_boundaries(a, b))
    assert find_network_references(page) == []
    assert XSS not in page
    pieces = {f["properties"]["piece"] for f in page_data(page)["pieces"]["features"]}
    assert pieces == {"both", "only_a", "only_b"}
