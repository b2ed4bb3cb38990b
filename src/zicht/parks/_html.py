"""Offline HTML pages for park boundaries: shared pieces, the diff map and the comparison map.

Every page is one self-contained file like the risk maps: Leaflet is inlined by
:mod:`zicht.maps`, the editor's Leaflet-Geoman and the pages' own script and stylesheet come
from the package assets (``zicht/assets/geoman``, ``zicht/assets/parks``), the data is
script-safe JSON, and the page is checked for network references before it is written. Every
word a person reads comes from the string catalogue ``parks`` (Dutch first); every text from the
data is escaped in the page's script before it reaches the DOM.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import urllib.parse
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import geopandas as gpd
import pandas as pd

from zicht._errors import ConfigError, ZichtError
from zicht._strings import catalogue, text
from zicht.maps import check_offline, leaflet_css, leaflet_js, script_json

__all__ = [
    "GEOMAN_VERSION",
    "TILES",
    "geoman_css",
    "geoman_js",
    "page",
    "render_compare_map",
    "render_diff_map",
]

#: Online backgrounds, only when asked for (they need internet when the page is opened): the
#: catalogue key of the label, the URL template, the attribution and the deepest native zoom.
TILES: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "pdok": (
        (
            "background_topo",
            "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/"
            "{z}/{x}/{y}.png",
            "Kaartgegevens &copy; Kadaster / PDOK",
            19,
        ),
        (
            "background_aerial",
            "https://service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0/Actueel_orthoHR/EPSG:3857/"
            "{z}/{x}/{y}.jpeg",
            "Luchtfoto &copy; Beeldmateriaal Nederland / PDOK",
            19,
        ),
    ),
    "osm": (
        (
            "background_osm",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors",
            19,
        ),
    ),
}


def _asset(*parts: str) -> str:
    resource = files("zicht").joinpath("assets", *parts)
    if not resource.is_file():  # pragma: no cover - shipped as package data
        raise ZichtError(f"the package asset zicht/assets/{'/'.join(parts)} is missing")
    content = resource.read_text(encoding="utf-8")
    if "</script" in content.lower():  # pragma: no cover - would end the inline script early
        raise ZichtError(f"zicht/assets/{'/'.join(parts)} contains '</script'")
    return content


#: The Leaflet-Geoman release inlined in the editor (npm @geoman-io/leaflet-geoman-free, MIT).
GEOMAN_VERSION = _asset("geoman", "VERSION").split()[0]


@functools.cache
def geoman_js() -> str:
    """Return Leaflet-Geoman's minified script with a header naming its version and licence.

    Returns
    -------
    str
        ``leaflet-geoman.min.js`` as shipped in ``zicht/assets/geoman``.
    """
    header = (
        f"/* Leaflet-Geoman free {GEOMAN_VERSION} (npm @geoman-io/leaflet-geoman-free), "
        "MIT licence, Copyright (c) 2017 Sumit Kumar; see zicht/assets/geoman/LICENSE */\n"
    )
    return header + _asset("geoman", "leaflet-geoman.min.js")


@functools.cache
def geoman_css() -> str:
    """Return Leaflet-Geoman's stylesheet with its SVG icons as base64 ``data:`` URIs.

    The icons are inline SVG already; as base64 their inner ``url(#…)`` references stay
    inside the image, so the offline check sees only ``data:`` URIs.
    """

    def encode(match: re.Match[str]) -> str:
        svg = urllib.parse.unquote(match.group(1)).encode("utf-8")
        return f'url("data:image/svg+xml;base64,{base64.b64encode(svg).decode("ascii")}")'

    css = _asset("geoman", "leaflet-geoman.css")
    return re.sub(r"url\('data:image/svg\+xml,(.*?)'\)", encode, css, flags=re.DOTALL)


def features(
    frame: gpd.GeoDataFrame | None, columns: list[str], *, precision: float | None = 1e-7
) -> dict[str, Any]:
    """GeoJSON (WGS84) of ``frame`` with only ``columns`` as properties.

    ``precision`` rounds the coordinates (1e-7 degree is about 1 cm, enough to look at);
    ``None`` keeps them at full double precision, as the editor needs them.
    """
    if frame is None or frame.empty:
        return {"type": "FeatureCollection", "features": []}
    keep = [c for c in columns if c in frame]
    out = frame[[*keep, frame.geometry.name]].to_crs(4326)
    for col in keep:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].astype("object").where(out[col].notna(), "").astype("str")
    if precision is not None:
        out = out.set_geometry(out.geometry.set_precision(precision))
    document: dict[str, Any] = json.loads(out.to_json(na="null", drop_id=True))
    return document


def tiles(name: str | None, language: str) -> list[dict[str, Any]] | None:
    """Return the online background layers asked for, or ``None`` (offline, the default).

    Raises
    ------
    ConfigError
        If ``name`` is not a known background.
    """
    if name is None:
        return None
    if name not in TILES:
        raise ConfigError(f"tiles must be None (offline) or one of {sorted(TILES)}, got {name!r}")
    return [
        {"label": text("parks", label, language), "url": url, "attribution": attribution,
         "max_native_zoom": zoom}
        for label, url, attribution, zoom in TILES[name]
    ]  # fmt: skip


def fill(template: str, language: str) -> str:
    """Fill ``{key}`` fields of an HTML template with escaped catalogue strings."""
    strings = catalogue("parks", language)
    return re.sub(r"\{(\w+)\}", lambda m: html.escape(strings[m.group(1)]), template)


def page(
    title: str, panel: str, data: Mapping[str, Any], script: str, *, editor: bool = False
) -> str:
    """Assemble one offline page: Leaflet (+ Geoman for the editor), the panel, data, script."""
    language = str(data.get("language", "nl"))
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{leaflet_css()}</style>\n"
        + (f"<style>{geoman_css()}</style>\n" if editor else "")
        + f"<style>{_asset('parks', 'pages.css')}</style>\n"
        f"<script>{leaflet_js()}</script>\n"
        + (f"<script>{geoman_js()}</script>\n" if editor else "")
        + '</head>\n<body>\n<div id="map"></div>\n'
        + panel
        + "\n<script>\n"
        + f"const DATA = {script_json(dict(data))};\n"
        + script
        + "</script>\n</body>\n</html>\n"
    )


def offline_allowed(editor: bool) -> tuple[str, ...]:
    """URLs that only appear as text in the inlined libraries (licence headers, messages)."""
    if not editor:
        return ()
    return tuple(sorted(set(re.findall(r"https?://[^\s'\"<>)]+", geoman_js()))))


_DIFF_PANEL = """
<div id="panel">
  <h1>{diff_title}</h1>
  <div class="zicht-note" id="meta"></div>
  <h2>{diff_changes}</h2>
  <div id="legend"></div>
  <h2>{diff_changed_heading}</h2>
  <table class="zicht-diff"><thead><tr><th>{col_park}</th><th>{col_change}</th>
  <th>{col_area_change}</th><th>{col_addresses_in}</th><th>{col_addresses_out}</th>
  <th>{col_parcels_in}</th><th>{col_parcels_out}</th></tr></thead>
  <tbody id="diff-rows"></tbody></table>
  <p class="zicht-note">{diff_note}</p>
</div>
"""


def render_diff_map(
    diff: Any,
    *,
    points: gpd.GeoDataFrame | None = None,
    tiles_name: str | None = None,
    language: str = "nl",
) -> str:
    """Render a :class:`~zicht.parks.ParkDiff` as one offline HTML page.

    Parameters
    ----------
    diff
        The comparison, from :func:`zicht.parks.diff_parks`.
    points
        Known park locations for reference.
    tiles_name
        ``None`` (offline, default), ``"pdok"`` or ``"osm"``.
    language
        ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    str
        The page.
    """
    records = json.loads(diff.table.to_json(orient="records"))
    removed_ids = set(diff.table.loc[diff.table["change"] == "removed", "park_id"])
    a = diff.a
    summary = {k: diff.summary.get(k, 0) for k in ("added", "removed", "changed", "unchanged")}
    data = {
        "a": features(a, ["park_id", "name"]),
        "b": features(diff.b, ["park_id", "name"]),
        "removed": features(a[a["park_id"].isin(removed_ids)], ["park_id", "name"]),
        "table": records,
        "summary": diff.summary,
        "label_a": diff.label_a,
        "label_b": diff.label_b,
        "points": features(points, ["park_id", "name", "location_trusted"]),
        "tiles": tiles(tiles_name, language),
        "language": language,
        "t": dict(catalogue("parks", language)),
        "meta_text": text(
            "parks",
            "diff_meta",
            language,
            a=diff.label_a,
            b=diff.label_b,
            tolerance_mm=f"{1000 * diff.summary.get('tolerance_m', 0.001):g}",
            **summary,
        ),
    }
    body = page(
        text("parks", "diff_title", language),
        fill(_DIFF_PANEL, language),
        data,
        _asset("parks", "common.js") + _asset("parks", "diff_map.js"),
    )
    check_offline(body)
    return body


_COMPARE_PANEL = """
<div id="panel">
  <h1>{compare_title}</h1>
  <div class="zicht-note" id="meta"></div>
  <div id="legend"></div>
  <h2>{compare_table_heading}</h2>
  <table class="zicht-diff"><thead><tr><th>{col_park}</th><th>{col_change}</th>
  <th>{col_iou}</th></tr></thead><tbody id="compare-rows"></tbody></table>
  <p class="zicht-note">{compare_note}</p>
</div>
"""


def render_compare_map(
    comparison: Any, *, tiles_name: str | None = None, language: str = "nl"
) -> str:
    """Render a :class:`~zicht.parks.BoundaryComparison` as one offline HTML page.

    The map shows where the two sets agree (in both), and what lies only in the derived or
    only in the registered set; the table gives the IoU per matched park and the parks that
    are only in one set.

    Parameters
    ----------
    comparison
        From :func:`zicht.parks.compare_boundaries`.
    tiles_name
        ``None`` (offline, default), ``"pdok"`` or ``"osm"``.
    language
        ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    str
        The page.
    """
    s = comparison.summary
    data = {
        "a": features(comparison.a, ["park_id", "name", "park_type"]),
        "b": features(comparison.b, ["park_id", "name", "park_type"]),
        "pieces": features(comparison.pieces, ["piece"]),
        "table": json.loads(comparison.table.to_json(orient="records")),
        "label_a": comparison.label_a,
        "label_b": comparison.label_b,
        "points": {"type": "FeatureCollection", "features": []},
        "tiles": tiles(tiles_name, language),
        "language": language,
        "t": dict(catalogue("parks", language)),
        "meta_text": text(
            "parks",
            "compare_meta",
            language,
            a=comparison.label_a,
            b=comparison.label_b,
            matched=s["n_matched"],
            mean_iou=s["mean_iou"],
            only_a=s["n_only_a"],
            only_b=s["n_only_b"],
        ),
    }
    body = page(
        text("parks", "compare_title", language),
        fill(_COMPARE_PANEL, language),
        data,
        _asset("parks", "common.js") + _asset("parks", "compare_map.js"),
    )
    check_offline(body)
    return body
