"""Fast tests of the offline HTML map and the PNG export (no browser)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from zicht._errors import (
    ConfigError,
    DisclosureError,
    InputError,
    SchemaError,
    ZichtError,
)
from zicht.maps import MapOptions, build_map, write_layer_pngs, write_map
from zicht.maps._assets import (
    check_offline,
    find_network_references,
    leaflet_css,
    leaflet_js,
    script_json,
)
from zicht.maps._geometry import simplify_areas, to_web_geometry
from zicht.maps._themes import format_value, hotspot_method_text
from zicht.publish import DisclosureRules, LayerInput, publish_release
from zicht.schemas import IndicatorMeta

EDE = (52.04, 5.66)
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
GI_LABELS = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
METADATA = {
    "run_id": "run-0042",
    "zicht_version": "0.1.0",
    "created": "2025-01-02T03:04:05Z",
    "data_date": "2024-01-01",
    "hotspot": {"method": "gi_star", "permutations": 999, "correction": "fdr_bh", "alpha": 0.05},
    "synthetic": True,
    "synthetic_note": "counts are made up",
}
INDICATORS = [
    IndicatorMeta("n_vacant", "Vacant addresses", "addresses", "count"),
    IndicatorMeta("pct_vacant", "Vacancy rate", "%", "rate"),
]


# ---------------------------------------------------------------- fixtures


def hex_cells(rings: int, centre: tuple[float, float] = EDE) -> gpd.GeoDataFrame:
    """H3 res-9 cells around ``centre`` in RD New, sorted by id."""
    ids = sorted(h3.grid_disk(h3.latlng_to_cell(*centre, 9), rings))
    polygons = [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in ids]
    return gpd.GeoDataFrame({"area_id": ids}, geometry=polygons, crs=4326).to_crs(28992)


def addresses_in(cells: gpd.GeoDataFrame, n: int, seed: int) -> gpd.GeoDataFrame:
    """Seeded random address points inside the cells (the confidential unit-level data)."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = cells.total_bounds
    points = gpd.GeoSeries(
        gpd.points_from_xy(rng.uniform(xmin, xmax, 4 * n), rng.uniform(ymin, ymax, 4 * n)),
        crs=28992,
    )
    inside = points[points.within(cells.union_all())].iloc[:n].reset_index(drop=True)
    return gpd.GeoDataFrame({"vacant": rng.random(len(inside)) < 0.3}, geometry=inside)


def split_in_two_buurten(cells: gpd.GeoDataFrame, names: tuple[str, str]) -> gpd.GeoDataFrame:
    """Two rectangles splitting the cells' extent in a west and an east half."""
    xmin, ymin, xmax, ymax = cells.total_bounds
    xmid = round((xmin + xmax) / 2)
    return gpd.GeoDataFrame(
        {"area_id": ["BU02280001", "BU02280002"], "area_name": list(names)},
        geometry=[
            shapely.box(xmin - 200, ymin - 200, xmid, ymax + 200),
            shapely.box(xmid, ymin - 200, xmax + 200, ymax + 200),
        ],
        crs=28992,
    )


def parks_layer() -> gpd.GeoDataFrame:
    """One park with a hostile name and confidential-looking extra columns."""
    return gpd.GeoDataFrame(
        {
            "park_id": ["P001", "P002"],
            "name": [XSS, "Recreatiepark De Vlasakker"],
            "street": ["Geheimstraat", "Vlasakkerweg"],
            "postcode": ["6711ZZ", "6712AB"],
            "full_address": ["Geheimstraat 13, 6711ZZ Ede", "Vlasakkerweg 9, 6712AB Ede"],
            "website": ["https://example.org/park", "https://example.org/vlas"],
        },
        geometry=[shapely.Point(5.661, 52.041), shapely.Point(5.652, 52.037)],
        crs=4326,
    )


def make_release(
    rings: int = 3,
    *,
    seed: int = 7,
    n_addresses: int = 1200,
    buurt_names: tuple[str, str] = (XSS, "Ede & Veldhuizen"),
    metadata: dict | None = None,
    with_buurt_layer: bool = True,
    extra_columns: dict | None = None,
):
    """A tiny literal release around Ede: H3 cells and two buurten built from addresses."""
    cells = hex_cells(rings)
    units = addresses_in(cells, n_addresses, seed)
    joined = gpd.sjoin(units, cells, predicate="within")
    counts = joined.groupby("area_id").agg(n_units=("vacant", "size"), n_vacant=("vacant", "sum"))
    h3_frame = cells.merge(counts, left_on="area_id", right_index=True, how="left")
    h3_frame = h3_frame.fillna({"n_units": 0, "n_vacant": 0})
    h3_frame["n_units"] = h3_frame["n_units"].astype("int64")
    # A few cells below the threshold, whatever the seed did.
    h3_frame.loc[h3_frame.index[:4], "n_units"] = [0, 3, 7, 9]
    h3_frame["n_vacant"] = np.minimum(h3_frame["n_vacant"], h3_frame["n_units"]).astype("int64")
    h3_frame["pct_vacant"] = 100 * h3_frame["n_vacant"] / h3_frame["n_units"].clip(lower=1)
    h3_frame["area_name"] = h3_frame["area_id"]
    h3_frame["hotspot_label"] = [GI_LABELS[i % 7] for i in range(len(h3_frame))]
    h3_frame["hotspot_q"] = np.linspace(0.0004, 0.2, len(h3_frame))
    h3_frame["hotspot_z"] = np.linspace(-3, 3, len(h3_frame))
    for column, values in (extra_columns or {}).items():
        h3_frame[column] = values
    buurten = split_in_two_buurten(cells, buurt_names)
    layers = [LayerInput("h3", h3_frame)]
    if with_buurt_layer:
        in_buurt = gpd.sjoin(units, buurten, predicate="within")
        per_buurt = in_buurt.groupby("area_id").agg(
            n_units=("vacant", "size"), n_vacant=("vacant", "sum")
        )
        buurt_frame = buurten.merge(per_buurt, left_on="area_id", right_index=True)
        buurt_frame["pct_vacant"] = 100 * buurt_frame["n_vacant"] / buurt_frame["n_units"]
        layers.append(LayerInput("buurt", buurt_frame))
    release = publish_release(
        layers,
        INDICATORS,
        rules=DisclosureRules(min_units=10, rounding_base=5),
        context={"buurt": buurten, "parks": parks_layer()},
        metadata=METADATA if metadata is None else metadata,
    )
    return release, units


@pytest.fixture(scope="module")
def small():
    return make_release()


@pytest.fixture(scope="module")
def small_html(small, tmp_path_factory):
    release, _ = small
    path = write_map(release, tmp_path_factory.mktemp("map") / "risk_map.html")
    return path.read_text(encoding="utf-8")


def embedded_data(page: str) -> dict:
    """The layer data the page draws (the JSON in the setup script)."""
    match = re.search(r"const data = (\{.*?\});\n  const config = ", page, re.DOTALL)
    assert match, "no embedded layer data found"
    return json.loads(match.group(1))


def embedded_config(page: str) -> dict:
    """The drawing settings of the page (themes, contexts, texts)."""
    match = re.search(r"\n  const config = (\{.*?\});\n  config.tiles = ", page, re.DOTALL)
    assert match, "no embedded settings found"
    return json.loads(match.group(1))


def coordinates(geometry: dict) -> np.ndarray:
    return shapely.get_coordinates(shapely.from_geojson(json.dumps(geometry)))


# ---------------------------------------------------------------- structural safety


@pytest.mark.parametrize(
    "not_a_release",
    [None, {"layers": {}}, gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=28992)],
)
def test_only_a_release_is_accepted(not_a_release, tmp_path):
    for call in (
        lambda: build_map(not_a_release),
        lambda: write_map(not_a_release, tmp_path / "m.html"),
        lambda: write_layer_pngs(not_a_release, tmp_path),
    ):
        with pytest.raises(TypeError, match=r"only from a zicht\.publish\.Release"):
            call()
    assert not (tmp_path / "m.html").exists()


def test_values_on_unpublished_features_are_refused(tmp_path):
    release, _ = make_release(rings=2)
    frame = release.layers["h3"]
    suppressed = frame.index[frame["status"] == "suppressed"][0]
    frame.loc[suppressed, "n_vacant"] = 5  # tampering after publication
    with pytest.raises(DisclosureError, match="n_vacant"):
        write_map(release, tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


def test_an_empty_release_is_refused():
    with pytest.raises(InputError, match="nothing to map"):
        build_map(publish_release([], INDICATORS, metadata=METADATA))


def test_every_schema_problem_is_named_at_once():
    release, _ = make_release(rings=1)
    for frame in release.layers.values():
        del frame["n_units_band"]  # tampering after publication
    release.layers["h3"].loc[0, "status"] = "leaked"
    with pytest.raises(SchemaError) as info:
        build_map(release)
    message = str(info.value)
    assert "layer 'h3' lacks columns ['n_units_band']" in message
    assert "layer 'buurt' lacks columns ['n_units_band']" in message
    assert "['leaked']" in message


def test_unknown_hotspot_labels_are_refused():
    release, _ = make_release(rings=1, extra_columns={"hotspot_label": "very_hot"})
    with pytest.raises(SchemaError, match="very_hot"):
        build_map(release)


def test_context_points_other_than_parks_are_refused():
    release, units = make_release(rings=1)
    addresses = units.assign(area_id="A1", area_name="an address")
    leaky = publish_release(
        [LayerInput("h3", _h3_input(release))],
        INDICATORS,
        context={"addresses": addresses},
        metadata=METADATA,
    )
    with pytest.raises(InputError, match="only park locations may be points"):
        build_map(leaky)


def _h3_input(release) -> gpd.GeoDataFrame:
    frame = release.layers["h3"].copy()
    frame["n_units"] = frame["n_units"].fillna(0).astype("int64")
    for meta in INDICATORS:
        frame[meta.column] = frame[meta.column].fillna(0)
    return frame.drop(columns=["status", "n_units_band"])


# ---------------------------------------------------------------- offline


def test_page_loads_nothing_from_the_network(small_html):
    assert find_network_references(small_html) == []
    lowered = small_html.lower()
    for cdn_asset in ("jquery", "bootstrap", "font-awesome", "fontawesome", "d3.js", "cdn."):
        assert cdn_asset not in lowered.replace(leaflet_js().lower(), "")
    assert "<link" not in lowered
    assert not re.search(r"<script[^>]*\bsrc\s*=", small_html, re.IGNORECASE)
    assert "config.tiles = null;" in small_html  # no background unless asked for
    assert "tile.openstreetmap" not in small_html and "service.pdok" not in small_html


def test_leaflet_is_inlined_byte_for_byte(small_html):
    from xstatic.pkg import leaflet

    shipped = (Path(leaflet.BASE_DIR) / "leaflet.js").read_bytes()
    assert leaflet.VERSION == "1.9.3"
    assert hashlib.sha256(leaflet_js().encode()).digest() == hashlib.sha256(shipped).digest()
    assert f"<script>{leaflet_js()}</script>" in small_html
    assert leaflet_css() in small_html
    assert "url(images/" not in leaflet_css()
    assert leaflet_css().count("data:image/png;base64,") == 3


@pytest.mark.parametrize(
    ("tiles", "url"),
    [
        ("pdok", "https://service.pdok.nl/brt/achtergrondkaart/"),
        ("osm", "https://tile.openstreetmap"),
    ],
)
def test_tiles_only_when_asked(small, tiles, url, tmp_path):
    release, _ = small
    page = write_map(release, tmp_path / "m.html", tiles=tiles).read_text(encoding="utf-8")
    assert url in page
    assert "config.tiles = {" in page
    assert find_network_references(page) != []  # tiles do load over the network …
    check_offline(page, allowed=(url, *_attribution_links(tiles)))  # … but nothing else


def _attribution_links(tiles: str) -> tuple[str, ...]:
    from zicht.maps import TILES

    return tuple(TILES[tiles]["links"])


def test_unknown_tiles_are_a_config_error(small):
    with pytest.raises(ConfigError, match="pdok"):
        build_map(small[0], tiles="google")


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ('<script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>', "resource tag"),
        ('<link rel="stylesheet" href="style.css">', "resource tag"),
        ('<img src="//example.org/a.png">', "resource tag"),
        ("<style>div{background:url(https://x.org/a.png)}</style>", "CSS url()"),
        ('<style>@import "x.css";</style>', "CSS @import"),
        ('<script>fetch("https://x.org/data.json")</script>', "URL in script"),
    ],
)
def test_offline_check_finds_network_loads(page, found):
    problems = find_network_references(page)
    assert problems and problems[0].startswith(found)
    with pytest.raises(ZichtError, match="network"):
        check_offline(page)


def test_offline_check_accepts_local_references():
    page = (
        '<style>path{fill:url(#zicht-hatch)} a{background:url("data:image/png;base64,AA")}</style>'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="#x">x</a>'
    )
    assert find_network_references(page) == []


# ---------------------------------------------------------------- escaping


def test_data_texts_are_escaped(small_html):
    assert XSS not in small_html
    assert "<script>alert" not in small_html
    data = embedded_data(small_html)
    headers = [f["properties"]["h"] for layer in data.values() for f in layer["features"]]
    assert any(ESCAPED_XSS in h for h in headers)  # the park and the buurt
    assert any("Ede &amp; Veldhuizen" in h for h in headers)


def test_script_json_cannot_close_the_script():
    text = script_json({"name": "</script><!-- x & y"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!-- x & y"}


def test_urls_in_data_are_inert_text(tmp_path):
    release, _ = make_release(rings=1, buurt_names=("https://cdn.example/x.js", "//evil/y.css"))
    page = write_map(release, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "https://cdn.example" not in page  # written as https:\/\/…, not a reference
    assert find_network_references(page) == []
    headers = [f["properties"]["h"] for f in embedded_data(page)["c:buurt"]["features"]]
    assert any("https://cdn.example/x.js" in h for h in headers)


def test_titles_and_metadata_are_escaped(tmp_path):
    nasty = '<img src=x onerror="alert(2)">'
    metadata = dict(METADATA, run_id=nasty, title=nasty, data_date=nasty)
    release, _ = make_release(rings=1, metadata=metadata)
    hostile = [IndicatorMeta("n_vacant", nasty, nasty, "count")]
    release = publish_release([LayerInput("h3", _h3_input(release))], hostile, metadata=metadata)
    page = write_map(release, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page


# ---------------------------------------------------------------- what is drawn


def test_every_feature_is_drawn_once_and_only_published_ones_carry_values(small, small_html):
    release, _ = small
    data = embedded_data(small_html)
    themes = embedded_config(small_html)["themes"]
    for name, frame in release.layers.items():
        features = data[f"a:{name}"]["features"]
        assert [f["properties"]["s"] for f in features] == frame["status"].tolist()
        own = [t for t in themes.values() if t["data"] == f"a:{name}"]
        assert len(own) == len(INDICATORS) + ("hotspot_label" in frame)
        for i, feature in enumerate(features):
            props = feature["properties"]
            values = [(t["c"][i], t["t"][i], t["v"][i]) for t in own]
            if props["s"] == "published":
                assert all(c >= 0 and text for c, text, _ in values)
            else:
                # code, name, band and where it lies (public boundaries): no value at all
                assert set(props) <= {"h", "b", "s", "w"}
                assert values == [(-1, "", None)] * len(own)


def test_tooltip_texts_hold_value_unit_band_and_q(small, small_html):
    release, _ = small
    frame = release.layers["h3"]
    data = embedded_data(small_html)["a:h3"]["features"]
    themes = [t for t in embedded_config(small_html)["themes"].values() if t["data"] == "a:h3"]
    # q is published only where the whole Gi* window is published (see docs/publication.md)
    with_q = (frame["status"] == "published").to_numpy() & frame["hotspot_q"].notna().to_numpy()
    row = int(np.flatnonzero(with_q)[0])
    props = data[row]["properties"]
    assert frame["area_id"].iloc[row] in props["h"]
    assert props["b"] == frame["n_units_band"].iloc[row].replace("<", "&lt;")
    hotspot, count, rate = (t["t"][row] for t in themes)
    assert re.search(r"(betrouwbaar|past bij toeval) \(q (=|<) 0,\d{3}\)", hotspot)
    assert count.endswith(" adressen")
    assert rate.endswith("%")
    suppressed = int(np.flatnonzero(frame["status"].to_numpy() == "suppressed")[0])
    assert data[suppressed]["properties"]["b"] == "&lt; 10"


def test_legend_names_method_date_and_rules(small_html):
    assert '<html lang="nl">' in small_html
    assert "Gi*, 999 permutaties, FDR q &lt; 0,05" in small_html
    assert "Gegevens: 2024-01-01" in small_html
    assert "Niet getoond: minder dan 10 eenheden" in small_html
    assert "SYNTHETISCHE GEGEVENS: de eenheden op deze kaart zijn verzonnen" in small_html
    footer = re.search(r'<div class="zicht-footer"[^>]*>(.*?)</div>', small_html).group(1)
    for text in ("zicht 0.1.0", "run run-0042", "ten minste 10 eenheden", "afgerond op 5"):
        assert text in footer


def test_picker_offers_each_indicator_once_and_the_levels_apart(small_html):
    picker = re.search(r'<select id="zicht-picker"[^>]*>(.*?)</select>', small_html).group(1)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", picker) == [
        "Hotspots (Getis-Ord Gi*)",
        "Vacant addresses (adressen)",
        "Vacancy rate (%)",
    ]
    level = re.search(r'<select id="zicht-level"[^>]*>(.*?)</select>', small_html).group(1)
    assert re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', level) == [
        ("a:h3", "H3-cellen"),
        ("a:buurt", "Buurten"),
    ]
    settings = embedded_config(small_html)
    offered = {(t["data"], t["col"]) for t in settings["themes"].values()}
    columns = set(re.findall(r'<option value="([^"]+)"', picker))
    assert {col for _, col in offered} == columns  # every theme is one indicator and level
    assert settings["initial"] == "t0"
    opening = settings["themes"]["t0"]
    assert f'<option value="{opening["col"]}" selected>' in picker
    assert f'<option value="{opening["data"]}" selected>' in level
    assert [c["name"] for c in settings["contexts"].values()] == ["Buurtgrenzen", "Vakantieparken"]


def test_language_en_writes_every_word_in_english(small):
    release, _ = small
    page = build_map(release, options=MapOptions(language="en")).get_root().render()
    assert '<html lang="en">' in page
    for text in (
        "Gi*, 999 permutations, FDR q &lt; 0.05",
        "Not shown: fewer than 10 units",
        "SYNTHETIC DATA: the units on this map are made up",
        "at least 10 units",
        "H3 cells: Vacant addresses (addresses)",
    ):
        assert text in page, text
    for dutch in ("eenheden", "Gegevens", "permutaties", "adressen", "H3-cellen"):
        assert dutch not in page, dutch


def test_dates_are_vintages_unit_date_and_run_day_not_file_names():
    from zicht.maps._page import dates_text

    metadata = {
        "data_date": "boundaries: Buurt_2014_layer_q1e3.json; synthetic units generated",
        "inputs": {"buurt": {"year": 2014}, "wijk": {"year": 2022}, "gemeente": {"year": 2022}},
        "units_date": "generated",
        "created": "2026-12-04T13:23:37+00:00",
    }
    assert dates_text(metadata) == (
        "Gegevens: grenzen 2014 (buurten), 2022 (wijken, gemeenten); "
        "eenheden verzonnen bij het maken van de kaart; kaart gemaakt op 2026-12-04"
    )
    metadata["units_date"] = "2026-11-30"
    assert "units: unit table of 2026-11-30" not in dates_text(metadata, "en")
    assert "unit table of 2026-11-30; map made on 2026-12-04" in dates_text(metadata, "en")
    assert ".json" not in dates_text(metadata)


def test_same_release_gives_the_same_file(small, tmp_path):
    release, _ = small
    first = write_map(release, tmp_path / "a.html").read_bytes()
    second = write_map(release, tmp_path / "b.html").read_bytes()
    assert first == second


def test_local_moran_quadrants_and_merged_areas(tmp_path):
    quadrants = ["HH", "LL", "HL", "LH", "not_significant"]
    release, _ = make_release(rings=2, with_buurt_layer=False)
    frame = _h3_input(release)
    frame["hotspot_label"] = [quadrants[i % 5] for i in range(len(frame))]
    settings = {"method": "local_moran", "permutations": 99, "correction": "fdr_bh", "alpha": 0.1}
    moran = publish_release(
        [LayerInput("h3", frame)], INDICATORS, metadata=dict(METADATA, hotspot=settings)
    )
    layer = moran.layers["h3"]
    merged = layer.index[layer["status"] == "suppressed"][:2]
    layer.loc[merged, "status"] = "merged"
    page = write_map(moran, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "H3-cellen: Clusters en uitschieters (Local Moran&#x27;s I)" in page  # legend heading
    assert "Local Moran&#x27;s I, 99 permutaties, FDR q &lt; 0,1" in page
    assert "Hoog tussen hoge buren (cluster)" in page
    assert "Laag tussen hoge buren (uitschieter)" in page
    assert "Hotspot, 99 % betrouwbaar" not in page
    assert "Samengevoegd tot een groter gebied" in page
    statuses = [f["properties"]["s"] for f in embedded_data(page)["a:h3"]["features"]]
    assert statuses.count("merged") == 2


# ---------------------------------------------------------------- no unit-level data


def test_no_unit_level_coordinates_or_columns(small, small_html):
    release, units = small
    page = small_html
    for secret in ("Geheimstraat", "6711ZZ", "Vlasakkerweg 9", "https://example.org"):
        assert secret not in page
    # Every coordinate in the file is a vertex of a published area or a context feature …
    allowed = [release.layers[n].geometry for n in release.layers]
    allowed += [c.to_crs(28992).geometry for c in release.context.values()]
    vertices = np.concatenate([shapely.get_coordinates(s.values) for s in allowed])
    drawn = np.concatenate(
        [
            coordinates(f["geometry"])
            for layer in embedded_data(page).values()
            for f in layer["features"]
        ]
    )
    drawn_rd = gpd.GeoSeries(gpd.points_from_xy(*drawn.T), crs=4326).to_crs(28992)
    drawn_xy = shapely.get_coordinates(drawn_rd.values)
    distance, _ = cKDTree(vertices).query(drawn_xy)
    assert distance.max() < 1.0  # 1 m snapping and 6 decimals
    # … and no address is near any of them.
    address_xy = shapely.get_coordinates(units.geometry.values)
    nearest, _ = cKDTree(drawn_xy).query(address_xy)
    assert nearest.min() > 1.0
    for lng, lat in shapely.get_coordinates(units.to_crs(4326).geometry.values)[:50]:
        assert f"{lng:.6f},{lat:.6f}" not in page


def test_context_is_clipped_to_the_study_area(tmp_path):
    release, _ = make_release(rings=1, with_buurt_layer=False)
    far = gpd.GeoDataFrame(
        {"area_id": ["BU03630000"], "area_name": ["Far away in Amsterdam"]},
        geometry=[shapely.box(120_000, 485_000, 121_000, 486_000)],
        crs=28992,
    )
    near = release.context["buurt"]
    clipped = publish_release(
        [LayerInput("h3", _h3_input(release))],
        INDICATORS,
        context={"buurt": pd.concat([near, far], ignore_index=True)},
        metadata=METADATA,
    )
    page = write_map(clipped, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "Far away" not in page
    assert len(embedded_data(page)["c:buurt"]["features"]) == 2


# ---------------------------------------------------------------- geometry and size


def test_simplified_neighbours_keep_sharing_their_edge():
    rng = np.random.default_rng(3)
    ys = np.linspace(0, 1000, 400)
    wiggle = [(500 + rng.normal(0, 2), y) for y in ys]  # a detailed shared edge
    west = shapely.Polygon([(0, 0), *wiggle, (0, 1000)])
    east = shapely.Polygon([(1000, 0), (1000, 1000), *wiggle[::-1]])
    geoms = np.array([west, east], dtype=object)
    simplified = simplify_areas(geoms, 5.0)
    assert (
        shapely.get_num_coordinates(simplified).sum()
        < 0.3 * shapely.get_num_coordinates(geoms).sum()
    )
    assert bool(shapely.coverage_is_valid(simplified))
    gap = shapely.box(0, 0, 1000, 1000).difference(shapely.union_all(simplified))
    assert gap.area < 1e-6
    frame = gpd.GeoDataFrame(geometry=geoms, crs=28992).set_geometry(
        gpd.GeoSeries(geoms, crs=28992).translate(170_000, 440_000)
    )
    web = to_web_geometry(frame, 5.0)
    shared_west = {tuple(c) for c in shapely.get_coordinates(web[0])}
    shared_east = {tuple(c) for c in shapely.get_coordinates(web[1])}
    assert len(shared_west & shared_east) >= 2  # the shared edge has identical vertices
    assert bool(shapely.coverage_is_valid(web))


def municipality_release():
    """Ede-sized: about 1,500 H3 res-9 cells and 71 detailed buurten (seeded, synthetic)."""
    cells = hex_cells(22)
    rng = np.random.default_rng(11)
    frame = cells.assign(
        area_name=cells["area_id"],
        n_units=rng.integers(0, 120, len(cells)),
        hotspot_label=rng.choice(GI_LABELS, len(cells)),
        hotspot_q=rng.uniform(0, 1, len(cells)),
    )
    frame["n_vacant"] = (frame["n_units"] * rng.uniform(0, 0.3, len(cells))).round().astype(int)
    frame["pct_vacant"] = 100 * frame["n_vacant"] / frame["n_units"].clip(lower=1)
    area = cells.union_all()
    seeds = shapely.MultiPoint(rng.uniform(*np.array(area.bounds).reshape(2, 2), (71, 2)))
    cut = shapely.voronoi_polygons(seeds, extend_to=area.envelope)
    buurt_geoms = [shapely.segmentize(p.intersection(area.envelope), 5.0) for p in cut.geoms]
    buurten = gpd.GeoDataFrame(
        {"area_id": [f"BU0228{i:04d}" for i in range(71)], "area_name": "Buurt"},
        geometry=buurt_geoms,
        crs=28992,
    )
    return publish_release(
        [LayerInput("h3", frame)], INDICATORS, context={"buurt": buurten}, metadata=METADATA
    )


def test_municipality_sized_map_is_small(tmp_path):
    release = municipality_release()
    size = write_map(release, tmp_path / "m.html").stat().st_size
    assert len(release.layers["h3"]) >= 1_500
    assert size < 5_000_000, f"{size / 1e6:.2f} MB"


# ---------------------------------------------------------------- PNG and small helpers


def test_one_png_per_layer(small, tmp_path):
    release, _ = small
    paths = write_layer_pngs(release, tmp_path / "png", dpi=60)
    assert [p.name for p in paths] == [
        "h3_hotspot_label.png",
        "h3_n_vacant.png",
        "h3_pct_vacant.png",
        "buurt_n_vacant.png",
        "buurt_pct_vacant.png",
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_options_are_validated():
    with pytest.raises(ConfigError) as info:
        MapOptions(scheme="jenks?", k=12, palette="jet", simplify_m=-1)
    for text in ("scheme", "k must", "palette", "simplify_m"):
        assert text in str(info.value)


def test_natural_breaks_and_another_palette(small):
    release, _ = small
    page = build_map(release, options=MapOptions(scheme="natural_breaks", k=3, palette="viridis"))
    assert "Natuurlijke grenzen (Fisher-Jenks), 3 klassen" in page.get_root().render()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"method": "gi_star", "permutations": 999, "correction": "fdr_bh", "alpha": 0.05},
            "Gi*, 999 permutations, FDR q < 0.05",
        ),
        ({"method": "local_moran", "permutations": 0, "alpha": 0.1}, "Local Moran's I, analytic"),
        ({"correction": "bonferroni", "alpha": 0.01}, "Gi*, Bonferroni p < 0.01"),
        (None, "Gi*"),
    ],
)
def test_method_text(settings, expected):
    assert hotspot_method_text(settings, "gi_star", language="en").startswith(expected)


def test_method_text_in_dutch_names_the_neighbours_in_words():
    settings = {"permutations": 999, "correction": "fdr_bh", "alpha": 0.05}
    text = hotspot_method_text({**settings, "weights": "h3_kring", "k": 1}, "gi_star")
    assert text == "Gi*, 999 permutaties, FDR q < 0,05, buren: cellen tot 1 ring(en) eromheen"
    assert "h3_kring" not in text


@pytest.mark.parametrize(
    ("value", "kind", "unit", "text"),
    [
        (1250, "count", "addresses", "1\u202f250 adressen"),
        (12.345, "rate", "%", "12,3\u00a0%"),  # the Dutch style of the whole catalogue
        (0.0, "rate", "%", "0\u00a0%"),
        (0.04567, "rate", "per 1000 persons", "0,046 per 1000 personen"),
        (float("nan"), "rate", "%", "geen waarde"),
    ],
)
def test_format_value(value, kind, unit, text):
    assert format_value(value, kind, unit) == text


def test_format_value_in_english():
    assert format_value(1250.5, "rate", "addresses", "en") == "1\u202f250 addresses"
    assert format_value(12.345, "rate", "%", "en") == "12.3%"


def test_without_hot_spots_the_map_opens_on_the_first_rate_not_its_count(small, tmp_path):
    from dataclasses import replace

    release, _ = small
    layers = {
        name: frame.drop(columns=[c for c in frame if c.startswith("hotspot_")])
        for name, frame in release.layers.items()
    }
    notes = {"n_vacant": {"indicator": "vacant"}, "pct_vacant": {"indicator": "vacant"}}
    for metadata in (release.metadata, {**release.metadata, "indicator_notes": notes}):
        plain = replace(release, layers=layers, metadata=metadata)
        page = write_map(plain, tmp_path / "plain.html").read_text(encoding="utf-8")
        shown = re.findall(r'<section class="zicht-legend-theme" data-theme="(t\d+)">', page)
        assert len(shown) == 1
        # the shown legend section is the vacancy rate of the H3 layer, and so is the layer
        section = page.split(f'data-theme="{shown[0]}">', 1)[1].split("</section>", 1)[0]
        assert section.startswith("<h3>H3-cellen: Vacancy rate (%)</h3>")


def test_the_rank_interval_in_tooltips_is_the_one_the_run_used(small):
    from dataclasses import replace

    from zicht.maps._layers import _rank_interval, composite_texts

    frame = pd.DataFrame(
        {
            "composite_rank": [3.0, np.nan],
            "composite_rank_lo": [1.0, np.nan],
            "composite_rank_hi": [7.0, np.nan],
            "composite_rank_unstable": [1.0, np.nan],
        }
    )
    assert composite_texts(frame, 0.8) == [
        "Rang in de samengestelde index: 3 (80 % zeker tussen 1 en 7); onzeker",
        "",
    ]
    assert composite_texts(frame, 0.8, "en")[0] == (
        "Rank in the composite index: 3 (80 % sure between 1 and 7); uncertain"
    )
    release, _ = small
    settings = {"settings": {"uncertainty": {"interval": 0.8}}}
    recorded = replace(
        release, metadata={**release.metadata, "composite": {"layers": {"h3": settings}}}
    )
    assert _rank_interval(recorded, "h3") == 0.8
    assert _rank_interval(recorded, "buurt") == 0.9
    assert _rank_interval(release, "h3") == 0.9
