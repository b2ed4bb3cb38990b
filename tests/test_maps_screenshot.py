"""Screenshots of a map, whole and centred on a detail (the gallery's pictures).

Own module: ``screenshot_map`` starts its own browser, which cannot run beside the
module-scoped one of ``test_maps_browser.py``.
"""

from __future__ import annotations

import pytest

from test_maps import make_release
from zicht.maps import screenshot_map, write_map
from zicht.maps._browser import browser_unavailable_reason

_REASON = browser_unavailable_reason()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]


def test_a_screenshot_can_centre_on_a_detail(tmp_path):
    html = write_map(make_release(rings=2)[0], tmp_path / "map.html")
    whole = screenshot_map(html, tmp_path / "whole.png", width=800, height=500)
    detail = screenshot_map(
        html, tmp_path / "detail.png", width=800, height=500, focus=(5.66, 52.04, 17)
    )
    for picture in (whole, detail):
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert whole.read_bytes() != detail.read_bytes()
