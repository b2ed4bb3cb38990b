"""What the exported-map browser tests share: their marks and hovering a map area.

The Chromium itself is the ``browser`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest

from zicht.maps._browser import browser_unavailable_reason

REASON = browser_unavailable_reason()
#: ``pytestmark`` of a map browser test: marked ``browser``, skipped with the reason without one.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]


def uncovered_centre(page, selector: str, limit: int | None = None) -> tuple[float, float] | None:
    """The centre of the first element matching ``selector`` that nothing covers, or None."""
    paths = page.locator(selector)
    count = paths.count() if limit is None else min(paths.count(), limit)
    for i in range(count):
        box = paths.nth(i).bounding_box()
        if not box:
            continue
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = page.evaluate(
            "([x, y, i, sel]) => document.elementFromPoint(x, y) === "
            "document.querySelectorAll(sel)[i]",
            [x, y, i, selector],
        )
        if on_top:
            return x, y
    return None


def tooltip_of_uncovered(page, selector: str, limit: int | None = None) -> str | None:
    """Hover the first element matching ``selector`` whose centre is not covered.

    Returns the tooltip's text, or None when none of the first ``limit`` (all, by default)
    matches is shown uncovered.
    """
    at = uncovered_centre(page, selector, limit)
    if at is None:
        return None
    # Leave the last feature and let its tooltip fade out (Leaflet removes it after 200 ms).
    page.mouse.move(1, 1)
    page.wait_for_function("!document.querySelector('.leaflet-tooltip')", timeout=3_000)
    page.mouse.move(*at)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=3_000)
    return tooltip.inner_text()


def choose(page, level: str, indicator: str) -> str:
    """Pick an indicator and then its level in the two pickers, as a person does.

    Returns the key of the theme the map shows then.
    """
    page.get_by_test_id("indicator-picker").select_option(label=indicator)
    page.get_by_test_id("level-picker").select_option(label=level)
    return page.evaluate("() => zicht.current()")
