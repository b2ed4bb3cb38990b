"""Offline HTML pages for park boundaries: the edit map (Leaflet.draw) and the diff map.

Both pages are one self-contained file like the risk maps: Leaflet is inlined by
:mod:`zicht.maps` (``leaflet_js``, ``leaflet_css``), Leaflet.draw 1.0.4 is inlined from the
copy that the ``django-leaflet`` package installs (its stylesheet's sprite images as ``data:``
URIs), the data is script-safe JSON, and the page is checked for network references before it
is written.
Every text from the data is escaped in the page's script before it reaches the DOM.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from zicht._errors import ConfigError, ZichtError
from zicht.maps import check_offline, leaflet_css, leaflet_js, script_json

__all__ = [
    "leaflet_draw_css",
    "leaflet_draw_js",
    "render_diff_map",
    "render_edit_map",
]

#: Installed packages that ship Leaflet.draw, and the folder inside them, in order of preference.
_DRAW_SOURCES = (
    ("leaflet", ("static", "leaflet", "draw")),  # django-leaflet: Leaflet.draw 1.0.4
    ("flask_admin", ("static", "vendor", "leaflet")),  # Flask-Admin: Leaflet.draw 0.4.14
)
_MIME = {".png": "image/png", ".svg": "image/svg+xml"}
#: Online background tiles, only when asked for (they need internet when the map is opened).
TILES = {
    "pdok": (
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
        "Kaartgegevens &copy; Kadaster / PDOK",
    ),
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
}


@functools.cache
def _draw_dir() -> Path:
    for package, parts in _DRAW_SOURCES:
        # find_spec on a top-level package does not import it (django-leaflet's needs Django
        # settings to import); only its files are read.
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
        script = folder / "leaflet.draw.js"
        if script.is_file() and "Leaflet.draw" in script.read_text(encoding="utf-8")[:300]:
            return folder
    raise ZichtError(
        "the park edit map inlines Leaflet.draw from an installed package, and none was found: "
        "pip install django-leaflet (it is a zicht dependency; reinstall with "
        "pip install -e '.[dev]')"
    )


@functools.cache
def leaflet_draw_js() -> str:
    """Return Leaflet.draw's minified JavaScript from the installed package.

    Returns
    -------
    str
        ``leaflet.draw.js`` with its copyright header.

    Raises
    ------
    ZichtError
        If no installed package ships Leaflet.draw.
    """
    text = (_draw_dir() / "leaflet.draw.js").read_text(encoding="utf-8")
    if "</script" in text.lower():  # pragma: no cover - would end the inline script early
        raise ZichtError("leaflet.draw.js contains '</script' and cannot be inlined")
    return text


@functools.cache
def leaflet_draw_css() -> str:
    """Return Leaflet.draw's stylesheet with its sprite images inlined as ``data:`` URIs."""
    folder = _draw_dir()
    css = (folder / "leaflet.draw.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = folder / "images" / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f'url("data:{_MIME[image.suffix]};base64,{encoded}")'

    return re.sub(r"url\(\s*['\"]?images/([\w.-]+\.(?:png|svg))['\"]?\s*\)", inline, css)


def _draw_script_urls() -> tuple[str, ...]:
    """Return the URLs in Leaflet.draw's own text (licence header, an error message): no loads."""
    return tuple(sorted(set(re.findall(r"https?://[^\s'\"<>)]+", leaflet_draw_js()))))


def _features(frame: gpd.GeoDataFrame | None, columns: list[str]) -> dict[str, Any]:
    """GeoJSON (WGS84, 7 decimals ≈ 1 cm) of ``frame`` with only ``columns`` as properties."""
    if frame is None or frame.empty:
        return {"type": "FeatureCollection", "features": []}
    keep = [c for c in columns if c in frame]
    out = frame[[*keep, frame.geometry.name]].to_crs(4326)
    for col in keep:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].astype("object").where(out[col].notna(), "").astype("str")
    out = out.set_geometry(out.geometry.set_precision(1e-7))
    document: dict[str, Any] = json.loads(out.to_json(na="null", drop_id=True))
    return document


def _tiles(tiles: str | None) -> tuple[dict[str, str] | None, tuple[str, ...]]:
    if tiles is None:
        return None, ()
    if tiles not in TILES:
        raise ConfigError(f"tiles must be None (offline) or one of {sorted(TILES)}, got {tiles!r}")
    url, attribution = TILES[tiles]
    return {"url": url, "attribution": attribution}, (url.split("{")[0],)


_BASE_CSS = """
html, body { height: 100%; margin: 0; font: 13px/1.4 system-ui, sans-serif; }
#map { position: absolute; top: 0; bottom: 0; left: 0; right: 340px; background: #f4f4f0; }
#panel { position: absolute; top: 0; bottom: 0; right: 0; width: 340px; overflow: auto;
         box-sizing: border-box; padding: 10px 12px; border-left: 1px solid #bbb;
         background: #fff; }
#panel h1 { font-size: 16px; margin: 0 0 6px; }
#panel h2 { font-size: 13px; margin: 12px 0 4px; }
#panel label { display: block; margin: 4px 0 2px; }
#panel input[type=text] { width: 100%; box-sizing: border-box; }
#panel textarea { width: 100%; height: 120px; box-sizing: border-box; font: 11px monospace; }
#panel button { margin: 6px 6px 0 0; }
.zicht-note { color: #555; font-size: 12px; }
.zicht-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px;
                border: 2px solid; vertical-align: middle; }
table.zicht-diff { border-collapse: collapse; font-size: 11px; width: 100%; }
table.zicht-diff td, table.zicht-diff th { border-bottom: 1px solid #ddd; padding: 2px 3px;
                                           text-align: right; }
table.zicht-diff td:first-child, table.zicht-diff th:first-child { text-align: left; }
"""

_COMMON_JS = """
function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;",
    ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}
function text(id, value) { document.getElementById(id).textContent = value; }
const map = L.map("map", {zoomSnap: 0.25});
L.control.scale({position: "bottomleft", imperial: false}).addTo(map);
const overlays = {};
if (DATA.tiles) {
  overlays["Background (online)"] = L.tileLayer(DATA.tiles.url,
    {attribution: DATA.tiles.attribution, maxZoom: 19}).addTo(map);
}
const CONTEXT_STYLE = {color: "#777", weight: 1, fillOpacity: 0.15, opacity: 0.8};
Object.entries(DATA.context).forEach(([name, fc]) => {
  overlays[esc(name)] = L.geoJSON(fc, {style: CONTEXT_STYLE, interactive: false}).addTo(map);
});
if (DATA.points.features.length) {
  overlays["Known park locations"] = L.geoJSON(DATA.points, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 5, weight: 1.5,
      color: f.properties.location_trusted ? "#00441b" : "#b35806",
      fillColor: f.properties.location_trusted ? "#5aae61" : "#fdb863", fillOpacity: 0.9}),
    onEachFeature: (f, layer) => layer.bindTooltip(() => esc(f.properties.name) + " (" +
      esc(f.properties.park_id) + ")" + (f.properties.location_trusted ? "" :
      "<br><i>only the place centre is known: not trusted</i>")),
  }).addTo(map);
}
"""

_EDIT_JS = """
const drawn = L.featureGroup().addTo(map);
overlays["Park boundaries (editable)"] = drawn;
const STYLE = {derived: "#1b7837", supplier: "#2166ac", edited: "#e08214", drawn: "#8073ac"};
function styleOf(p) { return {color: STYLE[p.source] || "#444", weight: 2, fillOpacity: 0.15}; }
let selected = null, newCount = 0;
function select(layer) {
  if (selected) { selected.setStyle({weight: 2}); }
  selected = layer;
  layer.setStyle({weight: 4});
  document.getElementById("park-id").value = layer.feature.properties.park_id;
  document.getElementById("park-name").value = layer.feature.properties.name;
  text("park-source", layer.feature.properties.source);
}
function adopt(layer, props) {
  layer.feature = {type: "Feature", properties: Object.assign({}, props)};
  layer.setStyle(styleOf(layer.feature.properties));
  layer.bindTooltip(() => esc(layer.feature.properties.name) + " (" +
    esc(layer.feature.properties.park_id) + ", " + esc(layer.feature.properties.source) + ")");
  layer.on("click", () => select(layer));
  drawn.addLayer(layer);
}
L.geoJSON(DATA.parks).eachLayer(layer => adopt(layer, layer.feature.properties));
function count() { text("park-count", drawn.getLayers().length + " park(s)"); }
count();
map.addControl(new L.Control.Draw({
  position: "topleft",
  edit: {featureGroup: drawn},
  draw: {polygon: {allowIntersection: false, showArea: true}, rectangle: {showArea: false},
         polyline: false, circle: false, marker: false, circlemarker: false},
}));
map.on(L.Draw.Event.CREATED, e => {
  newCount += 1;
  adopt(e.layer, {park_id: "NEW-" + newCount, name: "New park " + newCount, source: "drawn",
                  note: ""});
  select(e.layer); count();
});
map.on(L.Draw.Event.EDITED, e => {
  e.layers.eachLayer(layer => {
    const p = layer.feature.properties;
    if (p.source !== "drawn") { p.source = "edited"; }
    layer.setStyle(styleOf(p));
  });
});
map.on(L.Draw.Event.DELETED, e => { selected = null; count(); });
document.getElementById("park-id").addEventListener("input", ev => {
  if (selected) { selected.feature.properties.park_id = ev.target.value.trim(); }
});
document.getElementById("park-name").addEventListener("input", ev => {
  if (selected) { selected.feature.properties.name = ev.target.value.trim(); }
});
function exportGeoJSON() {
  const features = [];
  drawn.eachLayer(layer => {
    const f = layer.toGeoJSON(8);
    f.properties = Object.assign({}, layer.feature.properties);
    features.push(f);
  });
  const doc = {type: "FeatureCollection", name: "park_boundaries",
    zicht: Object.assign({}, DATA.meta, {exported: new Date().toISOString()}),
    features: features};
  const textOut = JSON.stringify(doc);
  document.getElementById("export-text").value = textOut;
  const blob = new Blob([textOut], {type: "application/geo+json"});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = DATA.filename;
  document.body.appendChild(a); a.click(); a.remove();
  text("export-status", features.length + " park(s) exported as " + DATA.filename);
  return doc;
}
document.getElementById("export").addEventListener("click", exportGeoJSON);
L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
const bounds = drawn.getLayers().length ? drawn.getBounds() : null;
if (bounds && bounds.isValid()) { map.fitBounds(bounds.pad(0.1)); }
else { map.setView([52.1, 5.3], 8); }
"""

_EDIT_PANEL = """
<div id="panel">
  <h1>zicht — park boundaries</h1>
  <div class="zicht-note" id="meta"></div>
  <div><b id="park-count"></b></div>
  <h2>Selected park</h2>
  <div class="zicht-note">Click a boundary to select it.</div>
  <label for="park-id">park_id</label><input type="text" id="park-id">
  <label for="park-name">name</label><input type="text" id="park-name">
  <div class="zicht-note">source: <span id="park-source"></span></div>
  <h2>Export</h2>
  <button id="export" type="button">Export GeoJSON</button>
  <div class="zicht-note" id="export-status"></div>
  <textarea id="export-text" readonly></textarea>
  <h2>How</h2>
  <ol class="zicht-note">
    <li>Adjust a boundary with the edit tool (pencil), draw a new park with the polygon or
        rectangle tool, delete one with the bin; save each step in the toolbar.</li>
    <li>Give a new park its park_id and name in the fields above.</li>
    <li>Export, then validate and store it:<br>
        <code>zicht parks import FILE --store STORE --author NAME --reason WHY</code></li>
  </ol>
  <div class="zicht-note">Colours: green derived, blue supplier, orange edited, purple drawn.
  Green dots: known park locations; orange dots: only the place centre is known (not
  trusted).</div>
</div>
"""

_DIFF_JS = """
const COLOURS = {added: "#1a9850", removed: "#d73027", changed: "#fc8d59", unchanged: "#4575b4"};
const rows = {};
DATA.table.forEach(r => { rows[r.park_id] = r; });
function tip(id) {
  const r = rows[id]; if (!r) { return esc(id); }
  let t = "<b>" + esc(r.name_b || r.name_a) + "</b> (" + esc(id) + ")<br>" + esc(r.change) +
    "<br>area " + esc(r.area_a_m2) + " → " + esc(r.area_b_m2) + " m²";
  if (r.addresses_in != null) { t += "<br>addresses in/out: " + esc(r.addresses_in) + " / " +
    esc(r.addresses_out); }
  if (r.parcels_in != null) { t += "<br>parcels in/out: " + esc(r.parcels_in) + " / " +
    esc(r.parcels_out); }
  return t;
}
const layerA = L.geoJSON(DATA.a, {style: {color: "#555", weight: 2, dashArray: "5 4",
  fill: false}, onEachFeature: (f, l) => l.bindTooltip(() => tip(f.properties.park_id))});
const layerB = L.geoJSON(DATA.b, {style: f => {
    const r = rows[f.properties.park_id];
    const c = COLOURS[r ? r.change : "unchanged"];
    return {color: c, weight: 2, fillColor: c, fillOpacity: 0.3};
  }, onEachFeature: (f, l) => l.bindTooltip(() => tip(f.properties.park_id))});
const removed = L.geoJSON(DATA.removed, {style: {color: COLOURS.removed, weight: 2,
  fillColor: COLOURS.removed, fillOpacity: 0.3},
  onEachFeature: (f, l) => l.bindTooltip(() => tip(f.properties.park_id))});
overlays[esc(DATA.label_b) + ": parks by change"] = layerB.addTo(map);
overlays["removed in " + esc(DATA.label_b)] = removed.addTo(map);
overlays[esc(DATA.label_a) + ": outlines (dashed)"] = layerA.addTo(map);
L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
const all = L.featureGroup([layerA, layerB, removed]);
if (all.getBounds().isValid()) { map.fitBounds(all.getBounds().pad(0.1)); }
else { map.setView([52.1, 5.3], 8); }
const legend = document.getElementById("legend");
Object.entries(COLOURS).forEach(([k, c]) => {
  const n = DATA.summary[k] || 0;
  const li = document.createElement("div");
  const sw = document.createElement("span"); sw.className = "zicht-swatch";
  sw.style.borderColor = c; sw.style.background = c;
  li.appendChild(sw); li.appendChild(document.createTextNode(k + ": " + n));
  legend.appendChild(li);
});
const body = document.getElementById("diff-rows");
DATA.table.filter(r => r.change !== "unchanged").forEach(r => {
  const tr = document.createElement("tr");
  [r.park_id, r.change, r.area_change_m2, r.addresses_in, r.addresses_out, r.parcels_in,
   r.parcels_out].forEach(v => {
    const td = document.createElement("td"); td.textContent = v == null ? "–" : v;
    tr.appendChild(td);
  });
  body.appendChild(tr);
});
"""

_DIFF_PANEL = """
<div id="panel">
  <h1>zicht — park boundaries compared</h1>
  <div class="zicht-note" id="meta"></div>
  <h2>Changes</h2>
  <div id="legend"></div>
  <h2>Parks that changed</h2>
  <table class="zicht-diff"><thead><tr><th>park</th><th>change</th><th>Δ m²</th>
  <th>addr in</th><th>addr out</th><th>parc in</th><th>parc out</th></tr></thead>
  <tbody id="diff-rows"></tbody></table>
  <p class="zicht-note">A working map for the people who define park boundaries, not a
  publication: address and parcel counts are register counts (addresses synthetic in the
  demo), shown to judge a boundary change.</p>
</div>
"""


def _page(
    title: str, extra_css: str, extra_js: str, panel: str, data: dict[str, Any], script: str
) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f"<style>{leaflet_css()}</style>\n"
        + (f"<style>{extra_css}</style>\n" if extra_css else "")
        + f"<style>{_BASE_CSS}</style>\n"
        f"<script>{leaflet_js()}</script>\n"
        + (f"<script>{extra_js}</script>\n" if extra_js else "")
        + '</head>\n<body>\n<div id="map"></div>\n'
        + panel
        + "\n<script>\n"
        + f"const DATA = {script_json(data)};\n"
        + _COMMON_JS
        + script
        + "document.getElementById('meta').textContent = DATA.meta_text;\n"
        + "</script>\n</body>\n</html>\n"
    )


def _points(points: gpd.GeoDataFrame | None) -> dict[str, Any]:
    return _features(points, ["park_id", "name", "location_trusted"])


def render_edit_map(
    parks: gpd.GeoDataFrame,
    *,
    meta: Mapping[str, Any] | None = None,
    points: gpd.GeoDataFrame | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    tiles: str | None = None,
    filename: str = "park_boundaries_edited.geojson",
) -> str:
    """Render the offline edit map of a boundary set as one HTML page.

    Parameters
    ----------
    parks
        The boundaries to edit (``park_id``, ``name``, ``source``, ``note``), any CRS.
    meta
        Carried into the exported GeoJSON's ``zicht`` member (``parent_version``, ``store``).
    points
        Known park locations (``park_id``, ``name``, ``location_trusted``) for reference.
    context
        Reference layers by name (gemeente boundaries, BGT roads …).
    tiles
        ``None`` (offline, default), ``"pdok"`` or ``"osm"`` (online background).
    filename
        Name of the downloaded GeoJSON.

    Returns
    -------
    str
        The page; it loads nothing over the network unless ``tiles`` is given.

    Raises
    ------
    ZichtError
        If Leaflet.draw is not installed, or the page would load anything it should not.
    """
    tile_spec, allowed = _tiles(tiles)
    meta = dict(meta or {})
    version = meta.get("parent_version") or "(not stored yet)"
    data = {
        "parks": _features(parks, ["park_id", "name", "source", "note"]),
        "points": _points(points),
        "context": {k: _features(v, []) for k, v in (context or {}).items()},
        "tiles": tile_spec,
        "meta": meta,
        "meta_text": f"Version {version} · {len(parks)} parks · written "
        f"{datetime.now(UTC).date().isoformat()}",
        "filename": filename,
    }
    page = _page(
        "zicht — edit park boundaries",
        leaflet_draw_css(),
        leaflet_draw_js(),
        _EDIT_PANEL,
        data,
        _EDIT_JS,
    )
    check_offline(page, allowed=allowed + _draw_script_urls())
    return page


def render_diff_map(
    diff: Any,
    *,
    points: gpd.GeoDataFrame | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    tiles: str | None = None,
) -> str:
    """Render a :class:`~zicht.parks.ParkDiff` as one offline HTML page.

    Parameters
    ----------
    diff
        The comparison, from :func:`zicht.parks.diff_parks`.
    points
        Known park locations for reference.
    context
        Reference layers by name.
    tiles
        ``None`` (offline, default), ``"pdok"`` or ``"osm"``.

    Returns
    -------
    str
        The page.
    """
    tile_spec, allowed = _tiles(tiles)
    records = json.loads(diff.table.to_json(orient="records"))
    removed_ids = set(diff.table.loc[diff.table["change"] == "removed", "park_id"])
    a = diff.a
    data = {
        "a": _features(a, ["park_id", "name"]),
        "b": _features(diff.b, ["park_id", "name"]),
        "removed": _features(a[a["park_id"].isin(removed_ids)], ["park_id", "name"]),
        "table": records,
        "summary": diff.summary,
        "label_a": diff.label_a,
        "label_b": diff.label_b,
        "points": _points(points),
        "context": {k: _features(v, []) for k, v in (context or {}).items()},
        "tiles": tile_spec,
        "meta": {},
        "meta_text": f"{diff.label_a} → {diff.label_b}: {diff.summary.get('added', 0)} added, "
        f"{diff.summary.get('removed', 0)} removed, {diff.summary.get('changed', 0)} changed",
    }
    page = _page("zicht — park boundaries compared", "", "", _DIFF_PANEL, data, _DIFF_JS)
    check_offline(page, allowed=allowed)
    return page
