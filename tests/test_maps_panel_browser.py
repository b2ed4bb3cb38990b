"""Search, the side panel and its download, as an official uses them (issue 15 items 4, 5, 10).

In headless Chromium with networking off: type a buurt's name or code in the search box,
click an area, click "Download" and read the file. The release has a buurt too small to
publish, with a rate no other area has: its value must appear nowhere (page, search hits,
panel, ranked list, download), while its name stays findable.
"""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import numpy as np
import pytest
import shapely

from map_browser_support import BROWSER_MARKS
from test_maps import INDICATORS, METADATA, addresses_in, hex_cells
from zicht.maps import write_map
from zicht.maps._browser import open_offline
from zicht.publish import DisclosureRules, LayerInput, publish_release

pytestmark = BROWSER_MARKS

FORMULA = '=HYPERLINK("http://example.org","x")'
SMALL = "Kleine Geheime Buurt"
# 5 of 6 addresses vacant: 83.33 %, a value no published buurt comes near (about 30 %).
SECRET_FORMS = ("83.3", "83,3", "83%", "83 %")


def _buurten(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """West and east halves, and a small buurt in the middle of the west half."""
    xmin, ymin, xmax, ymax = cells.total_bounds
    xmid, ymid = round((xmin + xmax) / 2), round((ymin + ymax) / 2)
    small = shapely.box(xmin + 100, ymid - 60, xmin + 220, ymid + 60)
    west = shapely.box(xmin - 200, ymin - 200, xmid, ymax + 200).difference(small)
    return gpd.GeoDataFrame(
        {
            "area_id": ["BU02280001", "BU02280002", "BU02280003"],
            "area_name": [FORMULA, "Ede & Veldhuizen", SMALL],
        },
        geometry=[west, shapely.box(xmid, ymin - 200, xmax + 200, ymax + 200), small],
        crs=28992,
    )


def _wijk(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A public wijk outline over the north half (no published figures of its own)."""
    xmin, ymin, xmax, ymax = cells.total_bounds
    return gpd.GeoDataFrame(
        {"area_id": ["WK022800"], "area_name": ["Ede-Zuid Éénhoorn"]},
        geometry=[shapely.box(xmin, (ymin + ymax) / 2 + 300, xmax, ymax)],
        crs=28992,
    )


def _counts(areas: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    joined = gpd.sjoin(units, areas, predicate="within")
    per = joined.groupby("area_id").agg(n_units=("vacant", "size"), n_vacant=("vacant", "sum"))
    out = areas.merge(per, left_on="area_id", right_index=True, how="left")
    out = out.fillna({"n_units": 0, "n_vacant": 0})
    out["n_units"] = out["n_units"].astype("int64")
    out["n_vacant"] = out["n_vacant"].astype("int64")
    out["pct_vacant"] = 100 * out["n_vacant"] / out["n_units"].clip(lower=1)
    return out


@pytest.fixture(scope="module")
def release():
    cells = hex_cells(3)
    units = addresses_in(cells, 1200, 7)
    buurten = _buurten(cells)
    small = buurten.geometry.iloc[2]
    units = units[~units.within(small)].reset_index(drop=True)
    # The small buurt: 6 addresses, 5 of them vacant (below the threshold of 10).
    inner = small.representative_point()
    planted = gpd.GeoDataFrame(
        {"vacant": [True] * 5 + [False]},
        geometry=[shapely.Point(inner.x + d, inner.y) for d in range(-3, 3)],
        crs=28992,
    )
    units = gpd.GeoDataFrame(
        {"vacant": np.concatenate([units["vacant"], planted["vacant"]])},
        geometry=list(units.geometry) + list(planted.geometry),
        crs=28992,
    )
    h3_frame = _counts(cells, units)
    h3_frame["area_name"] = h3_frame["area_id"]
    gemeente = gpd.GeoDataFrame(
        {"area_id": ["GM0228"], "area_name": ["Ede"]},
        geometry=[shapely.box(*cells.total_bounds).buffer(500)],
        crs=28992,
    )
    return publish_release(
        [
            LayerInput("h3", h3_frame),
            LayerInput("buurt", _counts(buurten, units)),
            LayerInput("gemeente", _counts(gemeente, units)),
        ],
        INDICATORS,
        rules=DisclosureRules(min_units=10, rounding_base=5),
        context={"buurt": buurten, "wijk": _wijk(cells)},
        metadata={
            **METADATA,
            "indicator_notes": {
                "pct_vacant": {
                    "purpose": "Leegstand wijst op <b>panden</b> die misbruikt kunnen worden.",
                    "follow_up": ["Vraag de wijkagent", "Kijk in de BAG"],
                }
            },
        },
    )


@pytest.fixture(scope="module")
def map_path(release, tmp_path_factory):
    return write_map(release, tmp_path_factory.mktemp("panel") / "risk_map.html")


@pytest.fixture
def page(map_path, browser):
    with open_offline(map_path, browser=browser, width=1280, height=860) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=10_000)
        dialogs = []
        seen.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield seen
        assert (seen.blocked, seen.failed, seen.errors, dialogs) == ([], [], [], [])


def _view(p) -> tuple[list[float], float]:
    return p.evaluate(
        "() => { const b = zicht.map.getBounds();"
        " return [[b.getSouth(), b.getWest(), b.getNorth(), b.getEast()], zicht.map.getZoom()]; }"
    )


def _download(p) -> list[list[str]]:
    with p.expect_download() as info:
        p.get_by_test_id("download").click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: a spreadsheet reads é right
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_release_has_the_small_buurt_suppressed(release):
    buurt = release.layers["buurt"].set_index("area_id")
    assert buurt.loc["BU02280003", "status"] == "suppressed"
    assert buurt.loc["BU02280003", ["pct_vacant", "n_vacant"]].isna().all()
    published = buurt.loc[buurt["status"] == "published", "pct_vacant"]
    assert published.between(10, 60).all()  # no published value looks like the secret one


def test_search_by_name_zooms_to_the_buurt_and_opens_its_panel(page, release):
    p = page.page
    before_box, before_zoom = _view(p)
    box = p.get_by_test_id("search")
    box.fill("veldhuiz")  # part of a name, any case, as a person types it
    hits = p.locator("#zicht-search-results li")
    assert hits.count() == 1
    assert "Ede & Veldhuizen" in hits.first.inner_text()
    box.press("Enter")
    panel = p.get_by_test_id("area-panel")
    assert panel.is_visible()
    assert panel.locator("h2").inner_text() == "Ede & Veldhuizen"
    assert panel.evaluate("el => el.scrollTop") == 0  # opens at its title
    (south, west, north, east), zoom = _view(p)
    buurt = release.layers["buurt"].set_index("area_id").loc[["BU02280002"]].to_crs(4326)
    bw, bs, be, bn = buurt.total_bounds
    assert south <= bs and west <= bw and north >= bn and east >= be  # the buurt is in view
    assert (north - south) < (before_box[2] - before_box[0]) or zoom > before_zoom
    # The panel beside the study area and the gemeente: its rate, the middle buurt, Ede.
    table = panel.locator("table.zicht-panel-values")
    head = table.locator("thead").inner_text().strip().split("\t")
    assert head[2:] == ["Studiegebied", "Gemeente: Ede"]  # no study_area in its metadata
    row = table.locator("tr", has_text="Vacancy rate (%)").inner_text().strip().split("\t")
    rates = release.layers["buurt"].set_index("area_id")["pct_vacant"]
    ede = release.layers["gemeente"].iloc[0]
    assert row[1].startswith(f"{rates['BU02280002']:.1f}".replace(".", ","))
    # The study area is the one gemeente: its published figure, counted from its counts.
    study = 100 * ede["n_vacant"] / ede["n_units"]
    assert row[2].startswith(f"{study:.1f}".replace(".", ","))
    assert row[3].startswith(f"{ede['pct_vacant']:.1f}".replace(".", ","))
    note = panel.locator(".zicht-study-note").inner_text()
    assert "1 van de 1 gemeenten" in note and "gemeentecijfer" not in note
    assert "Plek " in panel.inner_text() and " van 2 " in panel.inner_text()
    # Purpose and follow-up from the metadata, as text (the <b> is not markup).
    assert "Leegstand wijst op <b>panden</b>" in panel.inner_text()
    assert panel.locator("li", has_text="Kijk in de BAG").count() == 1
    assert panel.locator("b", has_text="panden").count() == 0


def test_search_by_code_shows_a_hostile_name_as_text(page):
    p = page.page
    box = p.get_by_test_id("search")
    box.fill("bu02280001")
    hit = p.locator("#zicht-search-results li").first
    assert FORMULA in hit.inner_text()
    box.fill("BU0228000")
    assert p.locator("#zicht-search-results li").count() == 3
    box.fill("geen-buurt-zo")
    assert p.locator("#zicht-search-results li").inner_text() == "Niets gevonden"


def test_clicking_an_area_ranks_it_and_the_list_opens_another(page, release):
    p = page.page
    p.get_by_test_id("search").fill("Veldhuizen")
    p.get_by_test_id("search").press("Enter")
    panel = p.get_by_test_id("area-panel")
    panel.locator(".zicht-panel-close").click()
    assert not panel.is_visible()
    # Click the east buurt on the map itself.
    p.mouse.click(*_centre_of(p, "BU02280002"))
    assert panel.is_visible()
    assert panel.locator("h2").inner_text() == "Ede & Veldhuizen"
    ranked = panel.locator(".zicht-ranking li")
    assert ranked.count() == 2  # the two published buurten; the small one has no value
    assert "1 gebieden zonder waarde" in panel.inner_text()
    ranked.filter(has_text=FORMULA).locator("button").click()
    assert panel.locator("h2").inner_text() == FORMULA


def _centre_of(p, code: str) -> tuple[float, float]:
    return p.evaluate(
        """(code) => {
          const key = zicht.config.themes[zicht.current()].data;
          const k = zicht.config.panel.areas[key].i.indexOf(code);
          let found = null;
          zicht.layer().eachLayer((l) => { if (l.feature.properties.k === k) { found = l; } });
          const pt = zicht.map.latLngToContainerPoint(found.getBounds().getCenter());
          const box = zicht.map.getContainer().getBoundingClientRect();
          return [box.left + pt.x, box.top + pt.y];
        }""",
        code,
    )


def test_download_is_the_ranking_as_safe_csv(page, release):
    p = page.page
    p.get_by_test_id("search").fill("Veldhuizen")
    p.get_by_test_id("search").press("Enter")
    rows = _download(p)
    assert rows[0] == [
        "rang",
        "code",
        "naam",
        "soort gebied",
        "kaartlaag",
        "waarde",
        "waarde als tekst",
        "status",
    ]
    body = {r[1]: r for r in rows[1:]}
    assert set(body) == {"BU02280001", "BU02280002", "BU02280003"}
    rates = release.layers["buurt"].set_index("area_id")["pct_vacant"]
    for code in ("BU02280001", "BU02280002"):
        assert float(body[code][5]) == pytest.approx(rates[code], rel=1e-5)
        assert body[code][7] == "getoond"
    assert body["BU02280001"][2] == "'" + FORMULA  # a spreadsheet shows it, does not run it
    assert body["BU02280003"][2] == SMALL
    assert body["BU02280003"][5:7] == ["", ""]
    assert body["BU02280003"][7].startswith("Niet getoond")
    assert [body[c][0] for c in ("BU02280001", "BU02280002")] in (["1", "2"], ["2", "1"])


def test_a_suppressed_buurt_is_findable_but_its_value_is_nowhere(page, map_path):
    html = map_path.read_text(encoding="utf-8")
    assert SMALL in html  # the name is public, and findable
    for form in SECRET_FORMS:
        assert form not in html, form
    p = page.page
    box = p.get_by_test_id("search")
    box.fill("geheime")
    hits = p.locator("#zicht-search-results")
    assert SMALL in hits.inner_text()
    seen = [hits.inner_text()]
    box.press("Enter")
    panel = p.get_by_test_id("area-panel")
    assert panel.locator("h2").inner_text() == SMALL
    assert "Niet getoond: minder dan 10 eenheden" in panel.inner_text()
    seen.append(panel.inner_text())
    # every tooltip of the shown layer, as a hover would show it
    seen += p.evaluate(
        "() => { const out = []; zicht.layer().eachLayer((l) => {"
        " out.push(zicht.tooltip(l.feature.properties)); }); return out; }"
    )
    p.mouse.move(*_centre_of(p, "BU02280003"))
    tip = p.locator(".leaflet-tooltip")
    assert SMALL in tip.inner_text() and "Niet getoond" in tip.inner_text()
    seen.append(tip.inner_text())
    seen.append(p.evaluate("() => document.documentElement.outerHTML"))
    seen += [",".join(r) for r in _download(p)]
    for form in SECRET_FORMS:
        assert not any(form in text for text in seen), form


def test_a_clicked_cell_is_headed_by_its_buurt_and_gemeente(page, release):
    p = page.page
    assert p.evaluate("() => zicht.config.themes[zicht.current()].data") == "a:h3"
    code, xy = p.evaluate(
        """() => { const area = zicht.config.panel.areas["a:h3"];
          const buurt = zicht.config.panel.areas[zicht.config.panel.buurt];
          let found = null;
          zicht.layer().eachLayer((l) => { const k = l.feature.properties.k;
            if (!found && l.feature.properties.s === "published"
                && buurt.i[area.in[k]] === "BU02280002") { found = l; } });
          const pt = zicht.map.latLngToContainerPoint(found.getBounds().getCenter());
          const box = zicht.map.getContainer().getBoundingClientRect();
          return [area.i[found.feature.properties.k], [box.left + pt.x, box.top + pt.y]]; }"""
    )
    p.mouse.click(*xy)
    panel = p.get_by_test_id("area-panel")
    # Headed by where it lies, the code in small print below.
    assert panel.locator("h2").inner_text() == "Cel in Ede & Veldhuizen, Ede"
    assert panel.locator(".zicht-panel-kind").inner_text().startswith(f"H3-cel · {code} ·")
    current = panel.locator(".zicht-ranking li.zicht-current")
    assert current.inner_text().split("\n")[1] == f"{code} · Ede & Veldhuizen"
    cells = release.layers["h3"]
    assert panel.locator(".zicht-ranking li").count() == int(cells["pct_vacant"].notna().sum())


def test_search_finds_a_wijk_outline_without_accents_and_zooms_to_it(page, release):
    p = page.page
    box = p.get_by_test_id("search")
    box.fill("eenhoorn")  # typed without the accents of "Éénhoorn"
    hit = p.locator("#zicht-search-results li")
    assert hit.count() == 1
    assert "Ede-Zuid Éénhoorn" in hit.inner_text() and "Wijk · WK022800" in hit.inner_text()
    hit.click()
    wijk = release.context["wijk"].to_crs(4326).total_bounds
    (south, west, north, east), _ = _view(p)
    assert south <= wijk[1] and west <= wijk[0] and north >= wijk[3] and east >= wijk[2]
    assert p.locator("path.zicht-chosen").count() == 1  # its outline is drawn
    assert not p.get_by_test_id("area-panel").is_visible()  # a wijk without figures
    assert p.locator("#zicht-search-status").inner_text() == "Ingezoomd op Ede-Zuid Éénhoorn"


def test_a_merged_cell_leads_to_its_region_and_the_regions_value(browser, tmp_path):
    cells = hex_cells(2)
    h3_frame = _counts(cells, addresses_in(cells, 900, 3))
    h3_frame["area_name"] = h3_frame["area_id"]
    small = h3_frame.index[:3]
    h3_frame.loc[small, "n_units"] = [2, 3, 4]  # below the threshold: no value of their own
    h3_frame.loc[small, "n_vacant"] = 1
    region = _counts(
        gpd.GeoDataFrame(
            {"area_id": ["R1"], "area_name": ["R1"]},
            geometry=[h3_frame.geometry.loc[small].union_all()],
            crs=28992,
        ),
        addresses_in(cells, 900, 3),
    )
    release = publish_release(
        [LayerInput("h3", h3_frame), LayerInput("region", region)], INDICATORS, metadata=METADATA
    )
    layer = release.layers["h3"]
    layer.loc[small, "status"] = "merged"  # as the unit-table path marks them
    layer["region_id"] = ""
    layer.loc[small, "region_id"] = "R1"
    path = write_map(release, tmp_path / "m.html")
    with open_offline(path, browser=browser, width=1280, height=860) as seen:
        p = seen.page
        p.wait_for_selector("path.zicht-merged", state="attached", timeout=10_000)
        code = layer.loc[small[0], "area_id"]
        p.mouse.click(*_centre_of(p, code))
        panel = p.get_by_test_id("area-panel")
        assert "Samengevoegd tot een groter gebied" in panel.inner_text()
        assert panel.locator("table").count() == 0  # no value of its own
        panel.get_by_role("button", name="Toon dit samengevoegde gebied").click()
        assert panel.locator("h2").inner_text() == "Samengevoegd gebied R1"
        rate = release.layers["region"]["pct_vacant"].iloc[0]
        row = panel.locator("tr", has_text="Vacancy rate (%)").inner_text()
        assert f"{rate:.1f}".replace(".", ",") in row
        assert p.evaluate("() => zicht.config.themes[zicht.current()].data") == "a:region"
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_a_click_on_a_boundary_line_opens_the_area_under_it(page, release):
    """Outlines are drawn above the areas; a click on their stroke still reaches the area."""
    p = page.page
    buurt = release.layers["buurt"].set_index("area_id").geometry
    line = buurt["BU02280001"].intersection(buurt["BU02280002"])  # their shared border
    lat_lng = gpd.GeoSeries([line.interpolate(0.5, normalized=True)], crs=28992).to_crs(4326)
    at = p.evaluate(
        """([lat, lng]) => {
          const pt = zicht.map.latLngToContainerPoint([lat, lng]);
          const box = zicht.map.getContainer().getBoundingClientRect();
          return [box.left + pt.x, box.top + pt.y];
        }""",
        [lat_lng.iloc[0].y, lat_lng.iloc[0].x],
    )
    target = p.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('class')", at)
    p.mouse.click(*at)
    panel = p.get_by_test_id("area-panel")
    assert panel.is_visible(), f"the click hit {target!r}"
