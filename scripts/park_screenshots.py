"""Make the screenshots of docs/parks.md by doing the park workflow in headless Chromium.

Derives the parks of gemeente Ede (synthetic study, seed 20240) into a store in a work folder
with a fixed, readable name (``WORK``: the editor's header shows the store's path, so a random
temporary folder would appear in the docs), opens
``zicht parks edit-map`` offline in the system Chromium, chooses a park in the list, drags one
vertex of its MultiPolygon with the mouse, exports it with a name and a reason, imports the file
(``zicht parks import``, which finds the store, the author and the reason in the file), diffs v1
and v2, sketches a park that fails the checks, opens the editor at phone size and compares v1
with the planted footprints (``zicht parks compare``). Every page must open without a JavaScript
error or a network request; the PNGs are reduced to 64 colours to keep the repository small.

Run: ``make screenshot-parks`` (about a minute).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from parks_browser_support import (  # noqa: E402
    Seen,
    centre,
    choose,
    chromium,
    click_polygon,
    drag,
    editor,
    export,
    screen_xy,
    set_view,
    vertex_markers,
)
from zicht.parks import load_park_version  # noqa: E402

OUT = ROOT / "docs" / "img" / "parks"
#: The work folder, emptied before and removed after: the store is WORK/parkgrenzen/parks.gpkg.
WORK = Path(tempfile.gettempdir()) / "gemeente-ede"
ZICHT = str(Path(sys.executable).with_name("zicht"))


def zicht(*args: str) -> str:
    """Run ``zicht parks …`` as a user does; stop on a non-zero exit."""
    done = subprocess.run([ZICHT, "parks", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"zicht parks {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def save(page: Any, name: str, **options: Any) -> Path:
    """Screenshot the page (or ``clip``), reduced to 64 colours."""
    path = OUT / name
    page.screenshot(path=str(path), **options)
    Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)
    print(f"  {path.relative_to(ROOT)}  {path.stat().st_size // 1024} kB")
    return path


def clean(seen: Seen, what: str) -> None:
    """Refuse a screenshot of a page that threw or asked for the network."""
    problems = seen.page_errors + seen.console_errors + seen.blocked
    if problems:
        raise SystemExit(f"{what} did not open cleanly offline: {problems[:5]}")


def edit_one_vertex(browser: Any, page_path: Path, work: Path) -> Path:
    """Choose De Dikkenberg, drag one vertex, export; screenshots of the editor."""
    with editor(browser, page_path) as seen:
        page = seen.page
        save(page, "editor_overview.png")
        choose(page, "Dikkenberg")
        page.click("#edit-one")
        x, y = centre(vertex_markers(page).nth(5).bounding_box())
        drag(page, x, y, 45, 30)
        page.evaluate("() => { document.getElementById('panel').scrollTop = 0; }")
        save(page, "editor_vertex_dragged.png")
        page.click("#edit-one")
        page.fill("#export-author", "Docs")
        page.fill("#export-reason", "one vertex")
        exported, _ = export(page, work)
        page.locator("#export-where").scroll_into_view_if_needed()
        save(page, "editor_export.png")
        # A sketch that breaks the rules: small and over the edited park.
        bx, by = screen_xy(page, *page.evaluate(
            "() => { const c = window.zichtMap.getCenter(); return [c.lat, c.lng]; }"
        ))  # fmt: skip
        page.click(".leaflet-pm-toolbar .leaflet-pm-icon-polygon")
        click_polygon(page, [(bx - 12, by - 8), (bx + 10, by - 10), (bx + 8, by + 10)])
        page.click("#check")
        page.locator("#problems").scroll_into_view_if_needed()
        save(page, "editor_checks.png")
        clean(seen, "the editor")
    return exported


def phone(browser: Any, page_path: Path) -> None:
    """Screenshot the editor at 390 × 844 with a park found by the search box."""
    with editor(browser, page_path, width=390, height=844) as seen:
        seen.page.fill("#park-search", "tong")
        seen.page.click("#park-rows tr")
        seen.page.wait_for_timeout(400)
        save(seen.page, "editor_phone.png")
        clean(seen, "the editor at phone size")


def result_page(browser: Any, path: Path, name: str, focus: tuple[float, float, float]) -> None:
    """Screenshot a diff or compare map once its boundaries are drawn, centred on ``focus``."""
    context = browser.new_context(viewport={"width": 1280, "height": 760}, offline=True)
    try:
        page = context.new_page()
        seen = Seen(page=page)
        page.on("pageerror", lambda exc: seen.page_errors.append(str(exc)))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=10_000)
        set_view(page, *focus)
        save(page, name)
        clean(seen, path.name)
    finally:
        context.close()


def _centre_of(store: Path, park_id: str, zoom: float) -> tuple[float, float, float]:
    parks, _ = load_park_version(store, "v1")
    point = parks.set_index("park_id").to_crs(4326).geometry[park_id].centroid
    return point.y, point.x, zoom


def main() -> None:
    """Derive, edit, import, diff and compare in ``WORK``; write the PNGs."""
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    try:
        _workflow(WORK)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


def _workflow(work: Path) -> None:
    """Derive, edit, import, diff and compare in ``work``; write the PNGs."""
    store = work / "parkgrenzen" / "parks.gpkg"
    zicht("derive", "--gemeente", "GM0228", "--store", str(store), "--out", str(work / "d"))
    page_path = work / "edit_map.html"
    zicht("edit-map", "--store", str(store), "--out", str(page_path))
    with chromium() as browser:
        exported = edit_one_vertex(browser, page_path, work)
        phone(browser, page_path)
        print(zicht("import", str(exported)))  # the file names author and reason
        print(zicht("diff", "v1", "v2", "--store", str(store), "--out", str(work)))
        focus = _centre_of(store, "P0079", 16.5)
        result_page(browser, work / "diff_v1_v2.html", "diff_map.png", focus)
        planted = work / "d" / "planted_sites_synthetic.geojson"
        zicht("compare", str(planted), "--store", str(store), "--version", "v1",
              "--out", str(work))  # fmt: skip
        result_page(browser, work / "compare_v1_planted_sites_synthetic.html",
                    "compare_map.png", focus)  # fmt: skip


if __name__ == "__main__":
    main()
