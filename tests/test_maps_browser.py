"""The exported map as a person sees it: headless Chromium, networking off.

Needs Debian's ``chromium`` and the Python ``playwright`` package (never ``playwright
install``); skipped with the reason when either is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

from map_browser_support import BROWSER_MARKS, choose, tooltip_of_uncovered
from test_maps import XSS, make_release, municipality_release
from zicht.maps import write_map
from zicht.maps._browser import open_offline

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def release():
    return make_release(rings=3)[0]


@pytest.fixture(scope="module")
def page(release, browser, tmp_path_factory):
    path = write_map(release, tmp_path_factory.mktemp("browser") / "risk_map.html")
    with open_offline(path, browser=browser) as seen:
        dialogs: list[str] = []
        seen.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=10_000)
        seen.dialogs = dialogs  # type: ignore[attr-defined]
        yield seen


def counts(page) -> dict[str, int]:
    return {
        status: page.locator(f"path.zicht-{status}").count()
        for status in ("published", "suppressed", "merged")
    }


def hover_centre_of(page, selector: str) -> str:
    """Hover the first matching element whose centre is not covered; return the tooltip."""
    text = tooltip_of_uncovered(page, selector)
    if text is None:
        raise AssertionError(f"no uncovered element matches {selector}")
    return text


def test_opens_offline_without_errors_or_requests(page):
    assert page.blocked == []
    assert page.failed == []
    assert page.errors == []
    assert page.dialogs == []


def test_draws_every_published_feature(page, release):
    statuses = release.layers["h3"]["status"].value_counts().to_dict()
    assert counts(page.page) == {
        "published": statuses["published"],
        "suppressed": statuses["suppressed"],
        "merged": 0,
    }
    drawn = page.page.eval_on_selector_all(
        "path.zicht-area", "paths => paths.filter(p => p.getBBox().width > 0).length"
    )
    assert drawn == len(release.layers["h3"])
    assert page.page.locator("path.zicht-context-buurt").count() == 2
    assert page.page.locator("path.zicht-context-parks").count() == 2


def test_legend_footer_and_layer_control(page, release):
    p = page.page
    assert p.locator("#zicht-legend").is_visible()
    visible = p.locator(".zicht-legend-theme:not([hidden])")
    assert visible.count() == 1
    assert "Hotspots" in visible.inner_text()
    assert "Gi*, 999 permutaties, FDR q < 0,05" in visible.inner_text()
    assert "Gegevens: 2024-01-01" in p.locator("#zicht-legend").inner_text()
    assert "run run-0042" in p.locator("#zicht-footer").inner_text()
    picker = p.get_by_test_id("indicator-picker")
    assert picker.is_visible()
    # each indicator once (the hot spots and both indicators), the level in its own picker
    assert picker.locator("option").count() == len(release.indicators) + 1
    levels = p.get_by_test_id("level-picker")
    assert levels.evaluate("el => [...el.options].map((o) => o.text)") == ["H3-cellen", "Buurten"]
    control = p.locator(".leaflet-control-layers")
    assert control.locator("input[type=radio]").count() == 0  # themes are in the picker
    assert control.locator("input[type=checkbox]").count() == 2  # buurt outlines, parks
    # a Dutch map measures in metres only: no second "mi"/"ft" bar over the legend
    scale = p.locator(".leaflet-control-scale-line")
    assert scale.count() == 1
    assert scale.inner_text().strip().endswith("m")


def test_hover_shows_the_tooltip(page, release):
    frame = release.layers["h3"]
    text = hover_centre_of(page.page, "path.zicht-published")
    assert "Hotspots (Getis-Ord Gi*):" in text
    assert "Aantal eenheden: " in text
    assert any(code in text for code in frame["area_id"])
    # the class is always shown; q only where the whole Gi* window is published
    assert "betrouwbaar" in text or "past bij toeval" in text
    text = hover_centre_of(page.page, "path.zicht-suppressed")
    assert "Niet getoond: minder dan 10 eenheden" in text
    assert "Aantal eenheden: < 10" in text
    assert "%" not in text and "betrouwbaar" not in text


def test_hostile_names_show_as_text(page):
    p = page.page
    scripts_before = p.locator("script").count()
    text = hover_centre_of(p, "path.zicht-context-parks")
    assert XSS in text
    assert p.locator(".leaflet-tooltip script").count() == 0
    assert p.locator("script").count() == scripts_before
    assert page.dialogs == []


def test_switching_theme_switches_legend_and_features(page, release):
    p = page.page
    choose(p, "Buurten", "Vacancy rate (%)")
    buurt = release.layers["buurt"]
    assert counts(p)["published"] == int(np.sum(buurt["status"] == "published"))
    visible = p.locator(".zicht-legend-theme:not([hidden])")
    assert visible.count() == 1
    assert "Buurten: Vacancy rate (%)" in visible.inner_text()
    choose(p, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    assert counts(p)["published"] == int(np.sum(release.layers["h3"]["status"] == "published"))
    assert page.errors == []


def test_municipality_sized_map_draws_everything(browser, tmp_path):
    release = municipality_release()
    path = write_map(release, tmp_path / "ede_sized.html")
    with open_offline(path, browser=browser) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)
        statuses = release.layers["h3"]["status"].value_counts().to_dict()
        assert counts(seen.page) == {
            "published": statuses["published"],
            "suppressed": statuses["suppressed"],
            "merged": 0,
        }
        assert seen.page.locator("path.zicht-context-buurt").count() == 71
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def test_harness_sees_network_requests(browser, tmp_path):
    # The checks above mean something only if a page that needs the network fails them.
    path = tmp_path / "cdn.html"
    path.write_text(
        '<!DOCTYPE html><html><head><script src="https://cdn.jsdelivr.net/npm/x.js"></script>'
        '</head><body><img src="images/layers.png"></body></html>',
        encoding="utf-8",
    )
    with open_offline(path, browser=browser) as seen:
        assert "https://cdn.jsdelivr.net/npm/x.js" in seen.blocked
        assert any(url.endswith("images/layers.png") for url in seen.blocked)
        assert seen.failed and seen.errors


@pytest.mark.slow
def test_demo_map_passes_offline(browser, tmp_path):
    # The demo's own map, as `make demo` writes it, opened as a municipality would.
    from zicht.config import RunConfig
    from zicht.pipeline import run_demo

    result = run_demo(RunConfig(), tmp_path)
    path = result.paths["map"]
    assert path.stat().st_size < 5_000_000
    h3_statuses = result.release.layers["h3"]["status"].value_counts().to_dict()
    with open_offline(path, browser=browser) as seen:
        p = seen.page
        p.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])
        assert counts(p)["published"] == h3_statuses.get("published", 0)
        assert counts(p)["suppressed"] == h3_statuses.get("suppressed", 0)
        assert p.locator("#zicht-legend").is_visible()
        assert p.get_by_test_id("indicator-picker").is_visible()
        text = hover_centre_of(p, "path.zicht-published")
        assert "Aantal eenheden: " in text
