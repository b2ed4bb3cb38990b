"""A hot-spot cell without a class looks like its legend entry, not like "niet opvallend".

A tiny literal release (tests/test_maps.py) whose every fifth published H3 cell has no
hot-spot label it may show; the map is opened offline in headless Chromium, the hot-spot
theme chosen as a person does, and the test reads the pixels the page drew: a cell without a
class and the legend's "Geen waarde" swatch are both grey cross-hatching on white, and neither
looks like a "niet opvallend" cell (#f7f7f7).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from map_browser_support import BROWSER_MARKS, choose
from test_maps import GI_LABELS, make_release
from zicht.maps import write_map
from zicht.maps._browser import open_offline

pytestmark = BROWSER_MARKS

#: Every fifth cell has no label the map may show ("": not tested, or withheld).
LABELS = [("" if i % 5 == 2 else GI_LABELS[i % 7]) for i in range(37)]


@pytest.fixture(scope="module")
def release():
    release = make_release(rings=3, extra_columns={"hotspot_label": LABELS})[0]
    h3 = release.layers["h3"]
    published = h3["status"] == "published"
    assert (published & (h3["hotspot_label"] == "")).sum() >= 3
    assert (published & (h3["hotspot_label"] == "not_significant")).sum() >= 2
    return release


@pytest.fixture
def page(release, tmp_path, browser):
    path = write_map(release, tmp_path / "risk_map.html")
    with open_offline(path, browser=browser, width=1280, height=860) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=10_000)
        yield seen.page
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])


def _pixels(page, box: dict) -> np.ndarray:
    """The RGB pixels the page shows inside ``box`` (a bounding box), as drawn."""
    from PIL import Image

    shot = page.screenshot(clip=box)
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=float)


def _darkest(pixels: np.ndarray) -> np.ndarray:
    """The mean colour of the darkest tenth of the pixels (the hatching's lines)."""
    flat = pixels.reshape(-1, 3)
    order = np.argsort(flat.mean(axis=1))
    return flat[order[: max(1, len(order) // 10)]].mean(axis=0)


def _inner(page, handle, size: float = 14) -> dict:
    """A square of ``size`` px at the centre of a path (inside the hexagon)."""
    b = handle.bounding_box()
    cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    return {"x": cx - size / 2, "y": cy - size / 2, "width": size, "height": size}


def test_a_cell_without_a_class_is_hatched_like_its_legend_entry(page, release):
    shown = choose(page, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    h3 = release.layers["h3"]
    published = h3[h3["status"] == "published"]
    without = int((published["hotspot_label"] == "").sum())
    # the page marks exactly the published cells without a class
    assert page.locator("path.zicht-published.zicht-no-value").count() == without
    legend = page.locator(f'.zicht-legend-theme[data-theme="{shown}"]')
    row = legend.locator("li", has_text="Geen waarde")
    assert row.count() == 1
    swatch = row.locator(".zicht-swatch")
    calm_row = legend.locator("li", has_text="Niet opvallend")
    calm_swatch = calm_row.locator(".zicht-swatch")

    # the cell: grey lines on white, no longer a flat near-white like "niet opvallend"
    cell = page.locator("path.zicht-published.zicht-no-value").first
    cell.scroll_into_view_if_needed()
    drawn = _pixels(page, _inner(page, cell))
    calm = [
        h
        for h in page.locator("path.zicht-published:not(.zicht-no-value)").element_handles()
        if page.evaluate("el => getComputedStyle(el).fill", h) == "rgb(247, 247, 247)"
    ]
    assert calm, "no 'niet opvallend' cell drawn"
    assert page.evaluate("el => getComputedStyle(el).fill", cell.element_handle()) != (
        "rgb(247, 247, 247)"
    )
    plain = _pixels(page, _inner(page, calm[0]))
    assert plain.std() < 3 and plain.min() > 200  # flat and light: "niet opvallend"
    dark = (drawn.mean(axis=2) < 170).mean()
    light = (drawn.mean(axis=2) > 225).mean()
    assert dark > 0.08 and light > 0.3, (dark, light)  # hatched: lines and white between
    assert abs(drawn.mean() - plain.mean()) > 8

    # the legend: the same lines on the same white, and "niet opvallend" flat
    key = _pixels(page, swatch.bounding_box())[2:-2, 2:-2]  # inside the border
    calm_key = _pixels(page, calm_swatch.bounding_box())[2:-2, 2:-2]
    assert (key.mean(axis=2) < 170).mean() > 0.08 and (key.mean(axis=2) > 225).mean() > 0.3
    assert calm_key.std() < 3
    # the same grey lines (the map's a little lighter: its fill is not quite opaque)
    line, key_line = (_darkest(a) for a in (drawn, key))
    assert np.abs(line - key_line).max() < 40, (line, key_line)
    assert np.ptp(line) < 6 and np.ptp(key_line) < 6  # grey, neither red nor blue

    # the tooltip of such a cell says "geen waarde", the legend's words
    cell.hover(position={"x": 1, "y": 1}, force=True)
    box = cell.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator(".zicht-tooltip")
    tip.wait_for(timeout=5_000)
    assert "geen waarde" in tip.inner_text()


def test_the_hatching_follows_the_theme(page):
    choose(page, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    assert page.locator("path.zicht-no-value").count() > 0
    choose(page, "H3-cellen", "Vacancy rate (%)")  # every published cell has a rate
    assert page.locator("path.zicht-no-value").count() == 0
    choose(page, "H3-cellen", "Hotspots (Getis-Ord Gi*)")
    assert page.locator("path.zicht-no-value").count() > 0
