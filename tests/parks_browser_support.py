"""Open the park editor in headless Chromium, offline, and work it with the mouse.

The system Chromium (``/usr/bin/chromium``, never a downloaded build) through playwright, with
playwright's own headless defaults (no sandbox, no background networking, no component
updates, no sync); every request that is not the page itself is aborted and recorded. Used by
the browser tests and by ``scripts/park_screenshots.py``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        return "Chromium is not installed (apt-get install chromium)"
    if find_spec("playwright") is None:
        return "the Python package playwright is not installed"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.is_file() else shutil.which("chromium"))
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Seen:
    page: Any
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@contextmanager
def editor(browser: Any, path: Path, width: int = 1280, height: int = 860) -> Iterator[Seen]:
    """Open ``path`` with networking off; wait until the editor is ready."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, offline=True, accept_downloads=True
    )
    target = path.resolve().as_uri()
    try:
        page = context.new_page()
        seen = Seen(page=page)

        def route(r: Any) -> None:
            if r.request.url == target or r.request.url.startswith("data:"):
                r.continue_()
            else:
                seen.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("pageerror", lambda exc: seen.page_errors.append(str(exc)))
        page.on(
            "console",
            lambda m: seen.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.goto(target, wait_until="load")
        page.wait_for_function("() => window.zichtEditor !== undefined", timeout=10_000)
        yield seen
    finally:
        context.close()


def set_view(page: Any, lat: float, lon: float, zoom: float) -> None:
    page.evaluate("([a, o, z]) => { window.zichtMap.setView([a, o], z, {animate: false}); }",
                  [lat, lon, zoom])  # fmt: skip
    page.wait_for_timeout(300)


def screen_xy(page: Any, lat: float, lon: float) -> tuple[float, float]:
    """Page coordinates (CSS px) of a map position."""
    x, y = page.evaluate(
        """([a, o]) => {
          const p = window.zichtMap.latLngToContainerPoint([a, o]);
          const r = document.getElementById('map').getBoundingClientRect();
          return [p.x + r.left, p.y + r.top];
        }""",
        [lat, lon],
    )
    return float(x), float(y)


def drag(page: Any, x: float, y: float, dx: float, dy: float) -> None:
    """Press the mouse at (x, y), move by (dx, dy) in steps, release: a real drag."""
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()
    page.wait_for_timeout(200)


def vertex_markers(page: Any) -> Any:
    """The vertex handles Geoman shows for the shape being edited (not the middle markers)."""
    return page.locator(".leaflet-marker-pane .marker-icon:not(.marker-icon-middle)")


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def choose(page: Any, query: str) -> None:
    """Type in the park list's search box and click the first park it shows."""
    page.fill("#park-search", query)
    page.click("#park-rows tr >> nth=0")
    page.wait_for_timeout(400)


def export(page: Any, folder: Path, button: str = "#export") -> tuple[Path, dict[str, Any]]:
    """Press export, save the download into ``folder``; return the file and its content."""
    with page.expect_download(timeout=10_000) as download:
        page.click(button)
    n = len(list(folder.glob("export_*_*")))
    path = folder / f"export_{n + 1}_{download.value.suggested_filename}"
    download.value.save_as(path)
    return path, json.loads(path.read_text(encoding="utf-8"))


def toolbar(page: Any, name: str) -> None:
    """Click a Geoman toolbar button: polygon, rectangle, edit, drag, cut, delete, rotate."""
    page.click(f".leaflet-pm-toolbar .leaflet-pm-icon-{name}")
    page.wait_for_timeout(150)


def click_polygon(page: Any, points: list[tuple[float, float]]) -> None:
    """Click the vertices of a polygon and close it on the first one (draw or cut mode)."""
    for x, y in points:
        page.mouse.click(x, y)
        page.wait_for_timeout(80)
    page.mouse.click(*points[0])
    page.wait_for_timeout(300)
