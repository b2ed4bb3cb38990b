"""Write the worked-examples gallery: a screenshot of every example's map and docs/examples.md.

Run by ``make gallery`` after ``make examples``; reads each example's configuration and the
run summary its run wrote to ``out/examples/<theme>/``, so the page shows what the last run
really produced.

    python scripts/gallery.py holiday_parks real_estate drugs care_providers youth
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image
from pyproj import Transformer

from zicht.config import load_config
from zicht.maps import screenshot_map

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "examples.md"
IMAGES = ROOT / "docs" / "img" / "examples"

INTRO = """# Worked examples

One worked example per theme of Zicht op Ondermijning. Each is a folder under
[`examples/`](../examples/) with a TOML configuration, a README (the research question, the
problem owner, the indicators and why they are place-based, the publication rules, the
follow-up steps for a municipality) and a deterministic generator of **synthetic** unit data
that plants a known pattern. Each runs on the shipped real CBS boundaries with one command,
writes a release that `zicht check` attacks and passes, and an offline map; its test
(`tests/test_example_<theme>.py`) asserts that the planted pattern is found in the published
output and that nothing below the thresholds is published.

    make examples            # all five, from a fresh clone
    make example-youth       # one of them
    make gallery             # the pictures and the figures on this page

Per example two pictures of its map as it opens offline in headless Chromium: the study area
as the map opens, and a detail centred on the planted pattern (its location read from the
generator's `planted.json`). The figures are read from each run's `run_summary.json` by
`scripts/gallery.py` (this page is generated).
"""

WIDTH, HEIGHT = 1600, 900
TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)


def planted_focus(theme: str) -> tuple[float, float, int] | None:
    """Return ``(lon, lat, zoom)`` of what the example planted, from its planted.json."""
    path = ROOT / "examples" / theme / "data" / "planted.json"
    planted = json.loads(path.read_text(encoding="utf-8"))
    for key in ("plant", "planted", "park"):
        spot = planted.get(key)
        if not isinstance(spot, dict):
            continue
        xy = spot.get("centre_rd") or spot.get("point_rd")
        if xy:
            lon, lat = TO_WGS84.transform(*xy)
            radius = float(spot.get("radius_m", 400.0))
            return lon, lat, 13 if radius >= 1_000 else 14
    return None


def _shrink(path: Path) -> Path:
    """Store a screenshot as a 256-colour palette PNG (a map has few colours)."""
    with Image.open(path) as picture:
        small = picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def _layer_rows(summary: dict) -> list[str]:
    rows = [
        "| layer | features | published | merged into a region | suppressed |",
        "|---|---|---|---|---|",
    ]
    for name, layer in summary["layers"].items():
        merged = layer.get("merged", 0)
        rows.append(
            f"| {name} | {layer['features']:,} | {layer['published']:,} | {merged:,} | "
            f"{layer['suppressed']:,} |"
        )
    return rows


def section(theme: str) -> list[str]:
    """Return the gallery section of one example (and write its screenshot)."""
    out = ROOT / "out" / "examples" / theme
    config = load_config(ROOT / "examples" / theme / "config.toml")
    summary = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))
    html = out / "risk_map.html"
    image = _shrink(screenshot_map(html, IMAGES / f"{theme}.png", width=WIDTH, height=HEIGHT))
    focus = planted_focus(theme)
    detail = (
        _shrink(
            screenshot_map(
                html, IMAGES / f"{theme}_detail.png", width=WIDTH, height=HEIGHT, focus=focus
            )
        )
        if focus is not None
        else None
    )
    hot = summary.get("hotspot_cells") or {}
    hot_text = ", ".join(
        f"{(label or 'not tested').replace('_', ' ')}: {n:,}" for label, n in sorted(hot.items())
    )
    lines = [
        f"## {config.run_title}",
        "",
        f"[README](../examples/{theme}/README.md) · [config](../examples/{theme}/config.toml) · "
        f"`make example-{theme}`",
        "",
        f"> {config.question.question}",
        "",
        f"Problem owner: {config.question.problem_owner or '—'}. Study area: "
        f"{config.study_area}. Unit level: {config.inputs.units.level}. "
        f"Rules: at least {config.rules.min_units} units per published area, counts rounded to "
        f"{config.rules.rounding_base}"
        + (
            f", at least {config.rules.min_companies} companies and dominance "
            f"({config.rules.dominance_n}, {config.rules.dominance_pct:g} %)"
            if config.inputs.units.level == "company"
            else ""
        )
        + ".",
        "",
        f"![{theme} map](img/examples/{image.name})",
        "",
        *(
            [
                f"Detail around what was planted ({focus[1]:.4f} N, {focus[0]:.4f} E):",
                "",
                f"![{theme} map, detail around the planted pattern](img/examples/{detail.name})",
                "",
            ]
            if detail is not None and focus is not None
            else []
        ),
        f"Units: {summary['units_in']:,} in, {summary['units_joined']:,} joined"
        + "".join(f"; {n:,} not joined: {why}" for why, n in summary["units_not_joined"].items())
        + ".",
        "",
        *_layer_rows(summary),
        "",
    ]
    if hot_text:
        lines += [f"Published H3 cells by hot-spot class: {hot_text}.", ""]
    return lines


def main(themes: list[str]) -> int:
    """Write the screenshots and the page for ``themes``."""
    lines = [INTRO]
    for theme in themes:
        lines += section(theme)
        print(f"gallery: {theme}")
    PAGE.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
