"""The demo's own map as an official reads it: Dutch words, English on request.

Runs the shipped demo configuration (``geodata/demo.toml``, what ``zicht demo`` runs) and opens
the map offline in Debian's Chromium. Needs ``chromium`` and ``playwright``; skipped with the
reason when either is missing.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from map_browser_support import BROWSER_MARKS, choose, tooltip_of_uncovered
from zicht.maps._browser import COUNT_LEAFLET_LAYERS, MARK_READY, open_offline

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

#: English words the map page used to show (issue 15), each a whole word or phrase.
OLD_ENGLISH = (
    "Hot spot",
    "Hot spots",
    "Cold spot",
    "confidence",
    "Not significant",
    "Merged",
    "publishable",
    "Not publishable",
    "fewer than",
    "Data date",
    "Units",
    "boundaries",
    "Synthetic",
    "SYNTHETIC",
    "generated",
    "Purpose",
    "Suggested follow-up",
    "No value",
    "no value",
    "classes",
    "Quantiles",
    "permutations",
    "H3 cells",
    "Regions",
    "Parks",
    "Composite",
    "rank",
    "highest",
    "unstable",
    "smoothed",
    "empirical-Bayes",
    "addresses",
    "density",
    "distance",
    "created",
    "inlined",
    "works offline",
    "rules",
    "rounded",
    "weights",
    "tested",
    "h3_kring",
    "Registration mismatch",
    "Vacancy",
    "Industrial",
    "holiday park",
    "Background",
    "H3 res",
    "not published",
)
#: Dutch words of the catalogue that an English page must not show.
DUTCH = (
    "Hotspot,",
    "betrouwbaar",
    "Gegevens:",
    "eenheden",
    "H3-cellen",
    "Buurtgrenzen",
    "Niet opvallend",
    "SYNTHETISCHE",
    "Samengevoegd",
    "Gearceerd",
    "klassen",
    "permutaties",
    "kaart gemaakt op",
)


def _run(tmp_path_factory, language: str):
    from zicht.config import load_config
    from zicht.config._run import DEMO_CONFIG_PATH
    from zicht.pipeline import run

    config = load_config(DEMO_CONFIG_PATH)
    config = replace(config, map=replace(config.map, language=language))
    return run(config, tmp_path_factory.mktemp(f"demo-{language}"))


@pytest.fixture(scope="module")
def demo(demo_release):
    return demo_release[1]  # the demo in Dutch (its default), run once for the session


def visible_text(page) -> str:
    """Everything a reader can bring into view: the page, every legend section, tooltips."""
    page.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)
    parts = [page.inner_text("body")]
    # Each theme's legend section, and its folded follow-up steps, as the reader opens them.
    parts += page.eval_on_selector_all(
        ".zicht-legend-theme",
        "els => els.map(el => { el.hidden = false;"
        " el.querySelectorAll('details').forEach(d => d.open = true);"
        " return el.innerText; })",
    )
    for status in ("published", "merged", "suppressed"):
        text = _tooltip_of(page, f"path.zicht-{status}")
        if text:
            parts.append(text)
    return "\n".join(parts)


def _tooltip_of(page, selector: str) -> str | None:
    return tooltip_of_uncovered(page, selector, limit=200)


def english_words_in(text: str) -> list[str]:
    return [w for w in OLD_ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def test_the_word_check_finds_english():
    # The check below means something only if it finds the old English words.
    assert english_words_in("H3 cells: Hot spots (Getis-Ord Gi*) · Units: 10–49") == [
        "Hot spots",
        "Units",
        "H3 cells",
    ]
    assert english_words_in("Vakantieparken · Gegevens: grenzen 2014 (buurten)") == []


def test_every_word_of_the_demo_map_is_dutch(demo, browser):
    with open_offline(demo.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        assert page.get_attribute("html", "lang") == "nl"
        text = visible_text(page)
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])
    assert english_words_in(text) == []
    # the plain-words explanations and real dates are there
    assert "een groep buurcellen waar het percentage hoger ligt dan toeval verklaart" in text
    assert "Betrouwbaarheid:" in text and "Gestreept omlijnd:" in text
    assert re.search(r"grenzen 2014 \(buurten\), 2022 \(wijken, gemeenten\)", text)
    assert re.search(r"kaart gemaakt op \d{4}-\d{2}-\d{2}", text)
    assert ".json" not in text and ".gpkg" not in text
    assert "SYNTHETISCHE GEGEVENS" in text
    assert "Aantal eenheden:" in text  # a tooltip was read


def test_language_en_gives_an_english_map(tmp_path_factory, browser):
    result = _run(tmp_path_factory, "en")
    with open_offline(result.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        assert page.get_attribute("html", "lang") == "en"
        text = visible_text(page)
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])
    found = [w for w in DUTCH if w in text]
    assert found == []
    for english in ("Hot spots (Getis-Ord Gi*)", "SYNTHETIC DATA", "Units:", "map made on"):
        assert english in text, english


# --- context: where an area lies, names on the map, an online background offline (item 3)


def _opened(page) -> None:
    page.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)


def _label_texts(page) -> list[str]:
    return page.eval_on_selector_all(".zicht-label span", "els => els.map(e => e.textContent)")


def _overlapping_labels(page) -> list[list[str]]:
    """Pairs of shown labels whose text boxes overlap on the screen."""
    return page.evaluate(
        """() => {
          const boxes = [...document.querySelectorAll('.zicht-label span')]
            .map(e => [e.textContent, e.getBoundingClientRect()]);
          const pairs = [];
          boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
            if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) {
              pairs.push([a, b]);
            }
          }));
          return pairs;
        }"""
    )


def test_every_cell_and_buurt_says_its_buurt_and_gemeente(demo, browser):
    with open_offline(demo.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        _opened(page)
        missing = page.evaluate(
            "() => ['a:h3', 'a:region', 'a:buurt'].map(key => zicht.data[key].features"
            ".filter(f => !(f.properties.w || '').includes('Gemeente: Ede')).length)"
        )
        assert missing == [0, 0, 0]
        cell = _tooltip_of(page, "path.zicht-published")
        assert cell is not None and re.search(
            r"Buurt: [^·\n]+ · Wijk: [^·\n]+ · Gemeente: Ede", cell
        )
        buurt_theme = page.evaluate(
            "() => Object.keys(zicht.config.themes).find("
            "k => zicht.config.themes[k].data === 'a:buurt')"
        )
        page.mouse.move(1, 1)
        page.wait_for_function("!document.querySelector('.leaflet-tooltip')", timeout=3_000)
        page.evaluate("key => zicht.showTheme(key)", buurt_theme)
        buurt = _tooltip_of(page, "path.zicht-published")
        assert buurt is not None and "Gemeente: Ede" in buurt and "Buurt: " not in buurt
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_names_of_gemeente_wijken_and_buurten_show_at_suitable_zooms(demo, browser):
    with open_offline(demo.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        _opened(page)
        opening = _label_texts(page)
        assert "Ede" in opening  # the gemeente
        assert {"Lunteren", "Bennekom", "Otterlo"} <= set(opening)  # wijken
        assert len(opening) < 30  # not all 71 buurten piled up at the opening zoom
        assert _overlapping_labels(page) == []
        assert page.locator(".zicht-label[tabindex], .zicht-label [tabindex]").count() == 0
        page.evaluate("() => { zicht.map.setView([52.035, 5.665], 14.5, {animate: false}); }")
        close = _label_texts(page)
        assert "Ede" not in close  # the gemeente's name gives way to the buurten
        assert {"Stationsbuurt", "Indische buurt"} <= set(close)
        assert _overlapping_labels(page) == []
        # Ctrl+F finds a buurt by name once it is in view
        assert "Indische buurt" in page.inner_text("body")
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_the_online_background_offline_says_so_and_the_map_still_works(demo, browser, tmp_path):
    from zicht.maps import write_map

    path = write_map(demo.release, tmp_path / "risk_map.html", tiles="pdok")
    with open_offline(path, browser=browser, width=1280, height=860) as seen:
        page = seen.page
        _opened(page)
        note = page.locator(".zicht-tiles-note")
        note.wait_for(state="visible", timeout=10_000)
        assert "Achtergrondkaart niet bereikbaar" in note.inner_text()
        assert page.locator("path.zicht-published").count() > 100
        tiles = "https://service.pdok.nl/brt/achtergrondkaart/"
        assert seen.blocked and all(url.startswith(tiles) for url in seen.blocked)
        assert all(entry.startswith(tiles) for entry in seen.failed)
        # Chromium logs each tile it could not load; nothing else may go wrong (no script error).
        others = [e for e in seen.errors if "Failed to load resource" not in e]
        assert len(others) < len(seen.errors) and others == [], seen.errors


# --- phone and paper (item 8), accessible (item 9)

#: Everything that lies over the map and takes a tap away from it.
_COVERS = ".zicht-controls, .zicht-legend, .zicht-footer, .zicht-panel, .leaflet-control"


def map_share(page) -> float:
    """Share of the window where a tap reaches the map itself, on a grid of points 8 px apart."""
    return page.evaluate(
        """covers => {
          const map = document.querySelector('.folium-map');
          let free = 0, all = 0;
          for (let y = 2; y < innerHeight; y += 8) {
            for (let x = 2; x < innerWidth; x += 8) {
              all += 1;
              const el = document.elementFromPoint(x, y);
              if (el && map.contains(el) && !el.closest(covers)) { free += 1; }
            }
          }
          return free / all;
        }""",
        _COVERS,
    )


def test_the_check_of_the_map_share_sees_a_cover(demo, browser):
    # The share means something only if it drops when something covers the map.
    with open_offline(demo.paths["map"], browser=browser, width=390, height=844) as seen:
        page = seen.page
        _opened(page)
        before = map_share(page)
        page.evaluate(
            "() => { const d = document.createElement('div'); d.className = 'zicht-panel';"
            # 60 % high whatever the phone layout caps a panel at
            " d.style.cssText = 'position:fixed;left:0;top:0;width:100%;height:60%;"
            "max-height:none;z-index:2000';"
            " document.body.appendChild(d); }"
        )
        assert map_share(page) < min(0.45, before - 0.3)


def _legend_settles(page, *, is_open: bool) -> None:
    """Wait for the legend's fold: <details> dispatches its toggle event after the tap returns."""
    page.wait_for_function(
        "(want) => document.querySelector('#zicht-legend').open === want",
        arg=is_open,
        timeout=10_000,
    )


def test_on_a_phone_the_map_keeps_half_the_screen_and_the_rest_opens_by_tap(demo, browser):
    with open_offline(
        demo.paths["map"], browser=browser, width=390, height=844, is_mobile=True, has_touch=True
    ) as seen:
        page = seen.page
        _opened(page)
        picker = page.get_by_test_id("indicator-picker")
        legend = page.locator("#zicht-legend")
        assert map_share(page) >= 0.8  # folded: a bar on top, the legend's title below
        assert not picker.is_visible()
        assert legend.get_attribute("open") is None
        # the study area is in view, not under the legend or the controls
        assert page.locator("path.zicht-published").count() > 100
        toggle = page.get_by_test_id("controls-toggle")
        assert toggle.bounding_box()["height"] >= 44
        toggle.tap()
        picker.wait_for(state="visible")
        assert picker.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        assert map_share(page) >= 0.5
        toggle.tap()
        picker.wait_for(state="hidden")
        assert not picker.is_visible()
        summary = legend.locator(":scope > summary")
        assert summary.bounding_box()["height"] >= 44
        summary.tap()
        _legend_settles(page, is_open=True)
        assert legend.get_attribute("open") is not None
        assert legend.locator(".zicht-legend-theme:not([hidden]) li").first.is_visible()
        assert map_share(page) >= 0.5
        # one of the two at a time: opening the picker folds the legend, and back
        toggle.tap()
        _legend_settles(page, is_open=False)
        picker.wait_for(state="visible")
        assert picker.is_visible() and legend.get_attribute("open") is None
        assert map_share(page) >= 0.5
        summary.tap()
        _legend_settles(page, is_open=True)
        picker.wait_for(state="hidden")
        assert legend.get_attribute("open") is not None and not picker.is_visible()
        assert map_share(page) >= 0.5
        summary.tap()
        _legend_settles(page, is_open=False)
        assert legend.get_attribute("open") is None
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_on_a_phone_a_search_hit_lies_free_and_the_footer_reads_whole(demo, browser):
    with open_offline(
        demo.paths["map"], browser=browser, width=390, height=844, is_mobile=True, has_touch=True
    ) as seen:
        page = seen.page
        _opened(page)
        # The footer wraps inside the window (one line was cut off at 390 px), and what sits
        # at the bottom (the legend's title) stays above it.
        footer = _box(page, ".zicht-footer")
        assert page.evaluate(
            "() => { const f = document.querySelector('.zicht-footer');"
            " return f.scrollWidth <= f.clientWidth && f.scrollHeight <= f.clientHeight; }"
        )
        assert footer["x"] >= 0 and footer["x"] + footer["width"] <= 390
        assert footer["y"] + footer["height"] <= 844
        assert _box(page, "#zicht-legend")["y"] + _box(page, "#zicht-legend")["height"] <= (
            footer["y"] + 0.5
        )
        # Type a name, choose the hit: the area it zooms to is not under the box.
        page.get_by_test_id("controls-toggle").tap()
        page.get_by_test_id("search").fill("Indische buurt")
        page.locator(".zicht-search-results li").first.tap()
        page.get_by_test_id("area-panel").wait_for(state="visible")
        chosen = _box(page, "path.zicht-chosen")
        controls = _box(page, "#zicht-controls")
        panel = _box(page, "#zicht-panel")
        assert chosen["y"] >= controls["y"] + controls["height"], (chosen, controls)
        assert chosen["y"] + chosen["height"] <= panel["y"], (chosen, panel)
        assert chosen["x"] >= 0 and chosen["x"] + chosen["width"] <= 390
        assert map_share(page) >= 0.5
        # a wijk is a public outline here (no values, no panel): it too lies free of the box
        page.get_by_test_id("area-panel").locator(".zicht-panel-close").tap()
        page.get_by_test_id("controls-toggle").tap()
        page.get_by_test_id("search").fill("Ede-West")
        hit = page.locator(".zicht-search-results li", has_text="Wijk")
        hit.first.tap()
        page.wait_for_timeout(200)
        chosen = _box(page, "path.zicht-chosen")
        controls = _box(page, "#zicht-controls")
        assert chosen["y"] >= controls["y"] + controls["height"], (chosen, controls)
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def _box(page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize(("width", "height", "landscape"), [(1123, 794, True), (794, 1123, False)])
def test_the_page_prints_on_one_a4_with_title_legend_beside_the_map_and_no_controls(
    demo, browser, width, height, landscape
):
    # The window is an A4 page in CSS pixels (96 per inch), as the print preview lays it out.
    with open_offline(demo.paths["map"], browser=browser, width=width, height=height) as seen:
        page = seen.page
        _opened(page)
        page.emulate_media(media="print")
        for hidden in ("#zicht-controls", ".leaflet-control-zoom", ".leaflet-control-layers"):
            assert not page.locator(hidden).is_visible(), hidden
        title = page.locator(".zicht-print-title")
        assert title.is_visible() and title.inner_text().startswith("Zicht op Ondermijning")
        assert "Hotspots" in title.inner_text()  # the shown theme
        the_map, legend = _box(page, ".folium-map"), _box(page, "#zicht-legend")
        assert legend["x"] >= the_map["x"] + the_map["width"]  # beside the map
        assert legend["y"] < the_map["y"] + the_map["height"] / 2
        text = page.inner_text("#zicht-legend")
        assert "SYNTHETISCHE GEGEVENS" in text and "kaart gemaakt op" in text
        assert "Hotspot, 95 % betrouwbaar" in text
        footer = page.locator("#zicht-footer")
        assert footer.is_visible() and "regels:" in footer.inner_text()
        # the study area is fitted into the printed map
        cells = page.evaluate(
            "() => { const b = zicht.layer().getBounds(), m = zicht.map.getBounds();"
            " return m.contains(b); }"
        )
        assert cells
        pdf = page.pdf(format="A4", landscape=landscape, print_background=True)
        assert _pdf_pages(pdf) == 1
        page.emulate_media(media="screen")
        assert page.locator("#zicht-controls").is_visible()
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_hot_and_cold_differ_without_colour(demo, browser):
    with open_offline(demo.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        _opened(page)
        counts = page.evaluate(
            "() => ({hot: document.querySelectorAll('path.zicht-hot').length,"
            " cold: document.querySelectorAll('path.zicht-cold').length,"
            " hotFill: (document.querySelector('path.zicht-hot') || {style: {}}).style.fill,"
            " coldFill: (document.querySelector('path.zicht-cold') || {style: {}}).style.fill})"
        )
        labels = demo.release.layers["h3"]["hotspot_label"].astype(str)
        assert counts["hot"] == labels.str.startswith("hot").sum() > 0
        assert counts["cold"] == labels.str.startswith("cold").sum() > 0
        assert "zicht-p-hot" in counts["hotFill"] and "zicht-p-cold" in counts["coldFill"]
        swatches = page.eval_on_selector_all(
            ".zicht-legend-theme:not([hidden]) .zicht-swatch",
            "els => els.map(e => getComputedStyle(e).backgroundImage)",
        )
        assert any("radial-gradient" in s for s in swatches)
        assert any("repeating-linear-gradient" in s for s in swatches)
        # another theme has no pattern left over
        page.evaluate(
            "() => zicht.showTheme(Object.keys(zicht.config.themes).find("
            "k => zicht.config.themes[k].kind === 'choropleth' && "
            "zicht.config.themes[k].data === 'a:h3'))"
        )
        assert page.locator("path.zicht-hot, path.zicht-cold").count() == 0
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_axe_finds_no_serious_violation_and_the_picker_is_near(demo, browser):
    from axe_playwright_python.sync_playwright import Axe  # a dev dependency

    with open_offline(demo.paths["map"], browser=browser, width=1280, height=860) as seen:
        page = seen.page
        _opened(page)
        found = Axe().run(page)
        violations = found.response["violations"]
        serious = [
            (v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
        moderate = sorted(v["id"] for v in violations)
        assert moderate == [], moderate
        reached = []
        for _ in range(5):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.getAttribute('data-testid')"))
        assert {"indicator-picker", "search"} <= set(reached)
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


#: The demo map must be usable within this (the issue's target, < 1 s on an idle machine, is
#: benchmarks/bench_maps.py's; CI shares its cores, so the bound here is generous). The old
#: page, which built every theme at load, took 2.4 s and more.
READY_WITHIN_S = 3.0


def test_the_demo_map_is_interactive_within_a_generous_bound(demo, browser):
    started = time.perf_counter()
    with open_offline(
        demo.paths["map"],
        browser=browser,
        width=1280,
        height=860,
        init_script=COUNT_LEAFLET_LAYERS + MARK_READY,
    ) as seen:
        page = seen.page
        page.wait_for_function("() => window.zichtReady !== undefined", timeout=30_000)
        ready = page.evaluate("() => window.zichtReady") / 1000
        wall = time.perf_counter() - started
        drawn = page.evaluate("() => window.zichtAreasAtReady")
        built = page.evaluate("() => window.zichtLayersBuilt")
        # Usable: the pickers switch to an indicator on another level, drawn in a moment.
        before = time.perf_counter()
        other = choose(page, "Buurten", "Leegstand (percentage, %)")
        assert page.evaluate("(k) => zicht.config.themes[k].data", other) == "a:buurt"
        switched = time.perf_counter() - before
        features = page.evaluate(
            "() => Object.values(zicht.data).reduce((n, d) => n + d.features.length, 0)"
        )
        print(
            f"demo map: interactive after {ready:.2f} s (page clock; {wall:.2f} s with the"
            f" browser context), {drawn} areas drawn, {built} Leaflet layers built of"
            f" {features} features; a switch of geography took {switched:.2f} s"
        )
        assert drawn > 100
        # Built lazily: about one layer per feature of the shown geography and the outlines,
        # not one per feature and theme (the old page built 25 475).
        assert built <= features + 50, built
        assert ready < READY_WITHIN_S, f"{ready:.2f} s"
        assert switched < READY_WITHIN_S, f"{switched:.2f} s"
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])
