"""The risk map's controls as a person uses them, in headless Chromium with networking off.

Issue 15: only the shown theme is drawn (lazily), an indicator picker, search, a side panel,
context labels, a phone layout and a print page. Needs Debian's ``chromium`` and playwright.
"""

from __future__ import annotations

import numpy as np
import pytest

from map_browser_support import BROWSER_MARKS, choose, tooltip_of_uncovered, uncovered_centre
from test_maps import XSS, make_release
from zicht.maps import write_map
from zicht.maps._browser import COUNT_LEAFLET_LAYERS, open_offline

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def release():
    return make_release(rings=3)[0]


@pytest.fixture(scope="module")
def map_path(release, tmp_path_factory):
    return write_map(release, tmp_path_factory.mktemp("controls") / "risk_map.html")


@pytest.fixture
def page(map_path, browser):
    with open_offline(
        map_path, browser=browser, width=1280, height=860, init_script=COUNT_LEAFLET_LAYERS
    ) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=10_000)
        yield seen
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


# ---------------------------------------------------------------- item 7: only the shown theme


def test_only_the_shown_geography_is_built_at_load(page, release):
    p = page.page
    h3 = release.layers["h3"]
    assert p.locator("path.zicht-area").count() == len(h3)
    # Every Leaflet layer the page built (a path per feature; one tooltip per layer): the
    # areas of one geography and the context features, not one layer per area and theme.
    features = len(h3) + sum(len(c) for c in release.context.values())
    built = p.evaluate("() => window.zichtLayersBuilt")
    assert features <= built <= features + 12, built
    themes = len(release.indicators) + 1
    assert built < len(h3) * themes


def test_another_theme_of_the_same_geography_restyles_the_same_paths(page, release):
    p = page.page
    first = p.locator("path.zicht-published").first
    first.evaluate("el => el.setAttribute('data-probe', 'kept')")
    before = first.get_attribute("fill")
    choose(p, "H3-cellen", "Vacancy rate (%)")
    assert p.locator("path[data-probe=kept]").count() == 1  # the same element, restyled
    assert p.locator("path.zicht-area").count() == len(release.layers["h3"])
    fills = set(
        p.eval_on_selector_all("path.zicht-published", "ps => ps.map(x => x.getAttribute('fill'))")
    )
    assert len(fills) > 1 and fills != {before}


def test_switching_geography_builds_it_once_and_back_reuses_it(page, release):
    p = page.page
    choose(p, "Buurten", "Vacancy rate (%)")
    buurt = release.layers["buurt"]
    assert p.locator("path.zicht-area").count() == len(buurt)
    assert p.locator("path.zicht-published").count() == int(np.sum(buurt["status"] == "published"))
    built = p.evaluate("() => window.zichtLayersBuilt")
    choose(p, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    choose(p, "Buurten", "Vacant addresses (adressen)")
    assert p.evaluate("() => window.zichtLayersBuilt") == built  # nothing built twice


_FILLS = """() => { const t = zicht.config.themes[zicht.current()]; const out = [];
  zicht.layer().eachLayer((l) => { const p = l.feature.properties;
    if (p.s === "published") { out.push([l.options.fillColor, t.c[p.k] >= 0
      ? t.colours[t.c[p.k]] : zicht.config.noValueColour]); } });
  return out; }"""


def test_a_geography_shown_again_takes_the_colours_of_the_new_theme(page, release):
    # Buurten on one indicator, away to the cells, back to the buurten on another: the
    # buurten, built once, must not keep the colours of the indicator they showed first.
    p = page.page
    choose(p, "Buurten", "Vacancy rate (%)")
    first = p.evaluate(_FILLS)
    choose(p, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    choose(p, "Buurten", "Vacant addresses (adressen)")
    fills = p.evaluate(_FILLS)
    assert fills and all(drawn == wanted for drawn, wanted in fills), (first, fills)
    assert (
        p.locator(".zicht-legend-theme:not([hidden])")
        .inner_text()
        .startswith("Buurten: Vacant addresses")
    )


# ---------------------------------------------------------------- the tooltip goes when done


def _tooltips(p) -> list[str]:
    p.wait_for_timeout(250)  # longer than Leaflet's fade
    return p.eval_on_selector_all(".leaflet-tooltip", "els => els.map((el) => el.innerText)")


def test_the_tooltip_goes_after_a_click_and_after_a_theme_switch(page, release):
    p = page.page
    text = tooltip_of_uncovered(p, "path.zicht-published")
    assert text and "Hotspots (Getis-Ord Gi*)" in text
    p.mouse.click(*uncovered_centre(p, "path.zicht-published"))
    assert p.get_by_test_id("area-panel").is_visible()
    assert _tooltips(p) == []  # the panel says it now
    p.get_by_test_id("area-panel").locator(".zicht-panel-close").click()
    # Hover again and switch the indicator from the keyboard, the pointer still on the map.
    assert "Hotspots (Getis-Ord Gi*)" in tooltip_of_uncovered(p, "path.zicht-published")
    picker = p.get_by_test_id("indicator-picker")
    picker.focus()
    choose(p, "H3-cellen", "Vacancy rate (%)")
    assert _tooltips(p) == []  # not the old indicator's words over the new colours
    assert "Vacancy rate (%)" in tooltip_of_uncovered(p, "path.zicht-published")
    choose(p, "Buurten", "Vacant addresses (adressen)")
    # Over the buurten the browser may report the pointer anew: only buurt words, if any.
    assert not any("Vacancy rate (%)" in t for t in _tooltips(p))


# ---------------------------------------------------------------- item 2: the indicator picker

_VIEW = """() => {
  const m = window.zicht.map;
  const c = m.getCenter();
  return [Number(c.lat.toFixed(6)), Number(c.lng.toFixed(6)), m.getZoom()];
}"""


def _settled_view(p) -> list:
    view = p.evaluate(_VIEW)
    for _ in range(20):
        p.wait_for_timeout(150)
        again = p.evaluate(_VIEW)
        if again == view:
            return view
        view = again
    raise AssertionError("the map kept moving")


def _shown(p, testid: str) -> list[str]:
    """The options a person can pick in a picker (hidden ones are not offered)."""
    return p.get_by_test_id(testid).evaluate(
        "el => [...el.options].filter((o) => !o.hidden && !o.disabled).map((o) => o.text)"
    )


def test_each_indicator_is_offered_once_and_the_level_beside_it(page, release):
    p = page.page
    picker, level = p.get_by_test_id("indicator-picker"), p.get_by_test_id("level-picker")
    titles = _shown(p, "indicator-picker")
    assert len(titles) == len(set(titles))  # once, not once per level
    assert titles == ["Hotspots (Getis-Ord Gi*)", "Vacant addresses (adressen)", "Vacancy rate (%)"]
    # The hot spots exist for the cells only; the rate for cells and buurten.
    assert _shown(p, "level-picker") == ["H3-cellen"]
    picker.select_option(label="Vacancy rate (%)")
    assert _shown(p, "level-picker") == ["H3-cellen", "Buurten"]
    assert level.evaluate("el => el.selectedOptions[0].text") == "H3-cellen"  # level kept
    level.select_option(label="Buurten")  # the indicator is kept
    shown = release.layers["buurt"]
    assert p.locator("path.zicht-area").count() == len(shown)
    assert (
        p.locator(".zicht-legend-theme:not([hidden])")
        .inner_text()
        .startswith("Buurten: Vacancy rate (%)")
    )
    # Back to the hot spots: they are the cells', so the level follows.
    picker.select_option(label="Hotspots (Getis-Ord Gi*)")
    assert level.evaluate("el => el.selectedOptions[0].text") == "H3-cellen"
    assert p.locator("path.zicht-area").count() == len(release.layers["h3"])


def test_the_picker_switches_theme_and_keeps_the_view(page, release):
    p = page.page
    opened = p.evaluate(_VIEW)
    p.mouse.move(640, 430)
    p.mouse.wheel(0, -400)  # zoom in on the centre, as a person does
    p.wait_for_timeout(400)
    p.mouse.move(640, 430)
    p.mouse.down()
    p.mouse.move(560, 380, steps=5)
    p.mouse.up()
    view = _settled_view(p)  # after Leaflet's inertia, which glides on after the drag
    assert view[2] > opened[2] and view[:2] != opened[:2]  # zoomed in and panned
    picker = p.get_by_test_id("indicator-picker")
    for group, title in (("Buurten", "Vacancy rate (%)"), ("H3-cellen", "Vacancy rate (%)")):
        choose(p, group, title)
        assert p.evaluate(_VIEW) == view
        legend = p.locator(".zicht-legend-theme:not([hidden])")
        assert f"{group}: {title}" in legend.inner_text()
    assert picker.evaluate("el => el.selectedOptions[0].text") == "Vacancy rate (%)"
    level = p.get_by_test_id("level-picker")
    assert level.evaluate("el => el.selectedOptions[0].text") == "H3-cellen"


# ---------------------------------------------------------------- items 4, 5: names stay text


def test_a_hostile_buurt_name_is_text_in_search_hits_panel_and_ranking(page):
    p = page.page
    dialogs = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    box = p.get_by_test_id("search")
    box.fill("alert")
    assert XSS in p.locator("#zicht-search-results li").first.inner_text()
    box.press("Enter")
    panel = p.get_by_test_id("area-panel")
    assert panel.locator("h2").inner_text() == XSS
    assert XSS in panel.locator(".zicht-ranking").inner_text()
    assert p.locator("#zicht-panel script, #zicht-search-results script").count() == 0
    assert dialogs == []
