"""Open exported maps in headless Chromium, offline: for screenshots and the browser tests.

Uses the system's Chromium (Debian package ``chromium``) through the Python ``playwright``
package; it never downloads a browser (no ``playwright install``). Every request that is not
for the map file itself is aborted and recorded, so a page that needs the network shows it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from zicht._errors import InputError

__all__ = [
    "CHROMIUM_ARGS",
    "COUNT_LEAFLET_LAYERS",
    "MARK_READY",
    "OfflinePage",
    "browser_unavailable_reason",
    "chromium_path",
    "launch_chromium",
    "open_offline",
    "screenshot_map",
]

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: An ``init_script`` for :func:`open_offline` that counts every Leaflet layer the page builds
#: (``window.zichtLayersBuilt``), shown or not, through Leaflet's class init hooks.
COUNT_LEAFLET_LAYERS = """
window.zichtLayersBuilt = 0;
let zichtLeaflet;
Object.defineProperty(window, "L", {
  configurable: true,
  get() { return zichtLeaflet; },
  set(value) {
    zichtLeaflet = value;
    if (value && value.Layer && !value.Layer.zichtCounted) {
      value.Layer.zichtCounted = true;
      value.Layer.addInitHook(function () { window.zichtLayersBuilt += 1; });
    }
  },
});
"""
#: An ``init_script`` for :func:`open_offline` that notes when the map is ready to use: after
#: the ``load`` event, the next frame painted with the first theme's areas in it
#: (``window.zichtReady``, the page's own clock: ms since the start of navigation;
#: ``window.zichtAreasAtReady``, the areas drawn by then). The map script runs before ``load``.
MARK_READY = """
window.addEventListener("load", () => requestAnimationFrame(() => setTimeout(() => {
  window.zichtReady = performance.now();
  window.zichtAreasAtReady = document.querySelectorAll("path.zicht-area").length;
}, 0)));
"""
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> Path | None:
    """Return the system Chromium executable, or ``None`` when it is not installed.

    Returns
    -------
    pathlib.Path or None
        ``/usr/bin/chromium`` on Debian.
    """
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("chromium")
    return Path(found) if found else None


def browser_unavailable_reason() -> str | None:
    """Say why maps cannot be opened in a browser here, or ``None`` when they can.

    Returns
    -------
    str or None
        A reason naming the missing piece and how to install it.
    """
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium)"
    if find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class OfflinePage:
    """An opened page and what happened while it loaded.

    Attributes
    ----------
    page
        The playwright ``Page``.
    blocked
        URLs of requests that were aborted because they needed the network.
    failed
        URLs of requests that failed for any other reason.
    errors
        Uncaught page errors and console errors.
    """

    page: Any
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Start the system Chromium, headless, through playwright.

    Yields
    ------
    playwright.sync_api.Browser
        The browser; closed on exit.

    Raises
    ------
    InputError
        If Chromium or playwright is missing.
    """
    reason = browser_unavailable_reason()
    if reason is not None:
        raise InputError(f"cannot open the map in a browser: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_offline(
    html_path: str | Path,
    *,
    browser: Any = None,
    width: int = 1200,
    height: int = 800,
    init_script: str | None = None,
    **context_options: Any,
) -> Iterator[OfflinePage]:
    """Open a map file in headless Chromium with every network request blocked.

    Parameters
    ----------
    html_path
        The map file.
    browser
        A browser from :func:`launch_chromium` to reuse; by default one is started and
        closed again.
    width, height
        Viewport size in CSS pixels.
    init_script
        JavaScript run in the page before its own scripts (to count or watch what they do).
    **context_options
        Further options of the browser context (``is_mobile``, ``has_touch``,
        ``device_scale_factor`` …).

    Yields
    ------
    OfflinePage
        The loaded page (``load`` event fired) and the requests and errors seen.

    Raises
    ------
    InputError
        If Chromium or playwright is missing.
    """
    if browser is None:
        with (
            launch_chromium() as own,
            open_offline(
                html_path,
                browser=own,
                width=width,
                height=height,
                init_script=init_script,
                **context_options,
            ) as seen,
        ):
            yield seen
        return
    target = Path(html_path).resolve()
    context = browser.new_context(
        viewport={"width": width, "height": height}, offline=True, **context_options
    )
    if init_script is not None:
        context.add_init_script(init_script)
    try:
        page = context.new_page()
        seen = OfflinePage(page=page)

        def route(request_route: Any) -> None:
            url = request_route.request.url
            is_map = url.startswith("file://") and Path(_file_url_path(url)) == target
            if is_map or url.startswith("data:"):
                request_route.continue_()
            else:
                seen.blocked.append(url)
                request_route.abort()

        context.route("**/*", route)
        page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: seen.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        page.on("requestfailed", lambda req: seen.failed.append(req.url))
        page.goto(target.as_uri(), wait_until="load")
        yield seen
    finally:
        context.close()


def _file_url_path(url: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(url).path)


#: Centre the page's Leaflet map (folium names it ``map_<id>``) on ``[lat, lon, zoom]``.
_SET_VIEW = """([lat, lon, zoom]) => {
  const name = Object.keys(window).find((k) => k.startsWith("map_") && window[k] instanceof L.Map);
  if (!name) { throw new Error("no Leaflet map on the page"); }
  window[name].setView([lat, lon], zoom, {animate: false});
}"""


def screenshot_map(
    html_path: str | Path,
    png_path: str | Path,
    *,
    width: int = 1200,
    height: int = 800,
    focus: tuple[float, float, int] | None = None,
) -> Path:
    """Save a screenshot of a map file as it opens offline in headless Chromium.

    Parameters
    ----------
    html_path
        The map file written by :func:`zicht.maps.write_map`.
    png_path
        Output PNG; parent folders are created.
    width, height
        Viewport size in CSS pixels.
    focus
        ``(longitude, latitude, zoom)`` to centre the view on before the picture is taken
        (e.g. a detail around a hot spot); ``None`` keeps the view the page opens with.

    Returns
    -------
    pathlib.Path
        The written PNG.

    Raises
    ------
    InputError
        If Chromium or playwright is missing, or the page needed the network or raised errors.

    Examples
    --------
    >>> screenshot_map("out/demo/risk_map.html", "docs/img/risk_map.png")  # doctest: +SKIP
    PosixPath('docs/img/risk_map.png')
    """
    out = Path(png_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open_offline(html_path, width=width, height=height) as seen:
        seen.page.wait_for_selector("path.zicht-area", state="attached", timeout=10_000)
        if focus is not None:
            lon, lat, zoom = focus
            seen.page.evaluate(_SET_VIEW, [lat, lon, zoom])
            seen.page.wait_for_timeout(300)
        problems = seen.blocked + seen.failed + seen.errors
        if problems:
            raise InputError(f"the map did not open cleanly offline: {problems[:5]}")
        seen.page.screenshot(path=str(out))
    return out
