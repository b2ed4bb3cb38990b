"""The demo map's pickers and side panel as an official of Ede uses them (issue 15 review).

Runs the shipped demo (``zicht demo``, once a session) and opens its map offline in Debian's
Chromium at 1280 x 860: pick an indicator and a level, search a buurt, click a cell and a
merged area. Every figure the test expects is computed here from the release's CSV files,
from published values only (the demo has no gemeente layer).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from map_browser_support import BROWSER_MARKS, choose, uncovered_centre
from zicht.maps._browser import open_offline
from zicht.maps._themes import format_value

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

#: The width of a closed select's text next to its arrow and padding, in CSS pixels.
_TEXT_FITS = """(el) => { const style = getComputedStyle(el);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  return [el.selectedOptions[0].text, pen.measureText(el.selectedOptions[0].text).width + 28,
          el.clientWidth]; }"""


@pytest.fixture
def page(demo_release, browser):
    result = demo_release[1]
    with open_offline(result.paths["map"], browser=browser, width=1280, height=860) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)
        yield seen.page
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def _csv(demo_release, name: str) -> pd.DataFrame:
    return pd.read_csv(demo_release[0] / f"{name}.csv", dtype={"area_id": str})


def test_the_closed_pickers_show_the_whole_indicator_and_its_level(page):
    picker, level = page.get_by_test_id("indicator-picker"), page.get_by_test_id("level-picker")
    titles = picker.evaluate("el => [...el.options].map((o) => o.text)")
    assert len(titles) == len(set(titles)) >= 10  # each indicator once, not once per level
    cut = []
    for title in titles:
        picker.select_option(label=title)
        text, needed, width = picker.evaluate(_TEXT_FITS)
        assert text == title
        if needed > width:
            cut.append((title, round(needed), width))
        # the level is in view beside it, one of the levels that have this indicator
        shown, _, _ = level.evaluate(_TEXT_FITS)
        assert shown in ("H3-cellen", "Samengevoegde gebieden", "Buurten")
    assert cut == []
    # The rate exists on three levels; switching the level keeps the indicator.
    rate = "Leegstand (percentage, %)"
    key = choose(page, "Buurten", rate)
    assert page.evaluate("(k) => zicht.config.themes[k].data", key) == "a:buurt"
    assert picker.evaluate("el => el.selectedOptions[0].text") == rate
    legend = page.locator(".zicht-legend-theme:not([hidden])").inner_text()
    assert legend.startswith(f"Buurten: {rate}")


def test_a_buurt_stands_beside_the_study_area_summed_from_published_values(page, demo_release):
    buurten = _csv(demo_release, "buurt")
    published = buurten[buurten["status"] == "published"]
    name = "De Velden en Beken"
    row = published.set_index("area_name").loc[name]
    box = page.get_by_test_id("search")
    box.fill(name)
    box.press("Enter")
    panel = page.get_by_test_id("area-panel")
    assert panel.locator("h2").inner_text() == name
    table = panel.locator("table.zicht-panel-values")
    assert table.locator("thead").inner_text().strip().split("\t")[2] == "Studiegebied: Ede"
    # The study area's rate: published vacant addresses over published addresses of the
    # buurten that show all three (the demo's basis, named in the note below the table).
    both = published[
        published["rate_vacant_pct"].notna()
        & published["n_vacant"].notna()
        & published["n_units"].notna()
    ]
    rate = 100 * both["n_vacant"].sum() / both["n_units"].sum()
    cells = (
        table.locator("tr", has_text="Leegstand (percentage, %)").inner_text().strip().split("\t")
    )
    assert cells[1] == format_value(row["rate_vacant_pct"], "rate", "%")
    assert cells[2] == format_value(rate, "rate", "%")
    count = published["n_vacant"].dropna().sum()
    cells = table.locator("tr", has_text="Leegstand (adressen)").inner_text().strip().split("\t")
    assert cells[2] == format_value(count, "count", "addresses")
    # What does not add up says so, and so does the missing gemeente layer.
    cells = (
        table.locator("tr", has_text="Afstand tot een vakantiepark")
        .inner_text()
        .strip()
        .split("\t")
    )
    assert cells[2] == "niet beschikbaar"
    note = panel.locator(".zicht-study-note").inner_text()
    assert f"{len(both)} van de {len(buurten)} buurten" in note
    assert "verborgen waarde nooit" in note
    assert "Geen gemeentecijfer: deze kaart heeft geen gemeentelaag met cijfers." in note
    assert "Middelste" not in panel.inner_text()


def _click_first(page, selector: str) -> None:
    at = uncovered_centre(page, selector)
    assert at is not None, selector
    page.mouse.click(*at)


def test_a_cell_and_a_merged_area_are_headed_by_the_place_they_lie_in(page, demo_release):
    names = _csv(demo_release, "buurt").set_index("area_id")["area_name"]
    pieces = pd.read_csv(demo_release[0] / "region_pieces.csv", dtype=str)
    panel = page.get_by_test_id("area-panel")
    _click_first(page, "path.zicht-published")
    heading = panel.locator("h2").inner_text()
    kind = panel.locator(".zicht-panel-kind").inner_text()
    code = re.search(r"H3-cel · (\w+) ·", kind).group(1)  # the code, in small print
    assert re.fullmatch(r"Cel in [^,]+, Ede", heading), heading
    assert code not in heading
    # The cell's buurt as its tooltip names it (the inner point's buurt).
    where = page.evaluate(
        "(code) => { const a = zicht.config.panel.areas['a:h3'];"
        " return zicht.data['a:h3'].features[a.i.indexOf(code)].properties.w; }",
        code,
    )
    assert heading == f"Cel in {re.search(r'Buurt: ([^·]+) ·', where).group(1).strip()}, Ede"
    panel.locator(".zicht-panel-close").click()
    choose(page, "Samengevoegde gebieden", "Leegstand (percentage, %)")
    _click_first(page, "path.zicht-published")
    heading = panel.locator("h2").inner_text()
    region = re.search(r"Samengevoegd gebied · (\S+) ·", panel.inner_text()).group(1)
    cells = pieces.loc[pieces["region_id"] == region]
    buurt = names[cells["buurt_code"].iloc[0]]
    size = f"{len(cells)} cellen" if len(cells) > 1 else "1 cel"
    assert heading == f"Gebied van {size} in {buurt}, Ede", (region, heading)
    assert "BU" not in heading and "89" not in heading


def test_a_cell_without_its_tested_value_shows_no_hot_or_cold_class(page, demo_release):
    # The demo has published cells whose tested rate is withheld; the reviewer found
    # "Coldspot" beside "geen waarde" on one. Zoom to one, hover it, click it.
    h3 = _csv(demo_release, "h3")
    manifest = json.loads((demo_release[0] / "manifest.json").read_text(encoding="utf-8"))
    tested = manifest["metadata"]["hotspot"]["indicator"]
    hidden = h3[(h3["status"] == "published") & h3[tested].isna()]
    assert len(hidden) > 0
    code = hidden["area_id"].iloc[0]
    at = page.evaluate(
        """(code) => { const k = zicht.config.panel.areas["a:h3"].i.indexOf(code);
          let found = null;
          zicht.layer().eachLayer((l) => { if (l.feature.properties.k === k) { found = l; } });
          zicht.map.setView(found.getBounds().getCenter(), 16, {animate: false});
          const pt = zicht.map.latLngToContainerPoint(found.getBounds().getCenter());
          const box = zicht.map.getContainer().getBoundingClientRect();
          return [box.left + pt.x, box.top + pt.y]; }""",
        code,
    )
    assert page.evaluate("() => zicht.config.themes[zicht.current()].kind") == "hotspot"
    page.mouse.move(*at)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible", timeout=3_000)
    assert code in tip.inner_text()
    assert "Hotspots (Getis-Ord Gi*): geen waarde" in tip.inner_text()
    page.mouse.click(*at)
    row = page.get_by_test_id("area-panel").locator("tr", has_text="Hotspots (Getis-Ord Gi*)")
    assert row.inner_text().strip().split("\t")[1] == "geen waarde"
    words = page.get_by_test_id("area-panel").inner_text()
    shown = words.split("Alle h3-cellen")[0]  # the panel's own figures, not the ranking below
    for word in ("Coldspot", "Hotspot,", "Niet opvallend"):
        assert word not in shown, word


def test_a_merged_cell_names_its_region_by_place_and_opens_it(page, demo_release):
    h3 = _csv(demo_release, "h3")
    merged = h3[h3["status"] == "merged"].iloc[0]
    at = page.evaluate(
        """(code) => { const k = zicht.config.panel.areas["a:h3"].i.indexOf(code);
          let found = null;
          zicht.layer().eachLayer((l) => { if (l.feature.properties.k === k) { found = l; } });
          zicht.map.setView(found.getBounds().getCenter(), 16, {animate: false});
          const pt = zicht.map.latLngToContainerPoint(found.getBounds().getCenter());
          const box = zicht.map.getContainer().getBoundingClientRect();
          return [box.left + pt.x, box.top + pt.y]; }""",
        merged["area_id"],
    )
    page.mouse.move(*at)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible", timeout=3_000)
    assert re.search(r"Valt in gebied: Gebied van \d+ cel(len)? in [^\n]+, Ede", tip.inner_text())
    assert merged["region_id"] not in tip.inner_text()
    page.mouse.click(*at)
    panel = page.get_by_test_id("area-panel")
    assert "Samengevoegd tot een groter gebied" in panel.inner_text()
    panel.get_by_role("button", name="Toon dit samengevoegde gebied").click()
    # the region's own panel: headed by its place, its code in small print
    kind = panel.locator(".zicht-panel-kind").inner_text()
    assert merged["region_id"] in kind
    assert re.fullmatch(
        r"Gebied van \d+ cel(len)? in [^\n]+, Ede", panel.locator("h2").inner_text()
    )
