/* zicht — shared start of the park pages (editor, diff map, comparison): helpers, the map,
 * the optional online backgrounds (a message instead of an error when they cannot be reached)
 * and the known park locations. Every string a person reads comes from DATA.t. */
"use strict";
const T = DATA.t;
function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;",
    ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}
function fmt(key, fields) {
  return String(T[key]).replace(/\{(\w+)\}/g, (m, k) => (fields && k in fields ? fields[k] : m));
}
// A count's own form: the key's "_one" variant (catalogue) when there is exactly one.
function fmtN(key, n, fields) {
  return fmt(n === 1 && (key + "_one") in T ? key + "_one" : key, Object.assign({n: n}, fields));
}
function el(id) { return document.getElementById(id); }
function text(id, value) { const node = el(id); if (node) { node.textContent = value; } }

const map = L.map("map", {zoomSnap: 0.25});
window.zichtMap = map;
L.control.scale({position: "bottomleft", imperial: false}).addTo(map);
const small = window.matchMedia("(max-width: 760px)").matches;

// ---------------------------------------------------------------- backgrounds
const bases = {};
const overlays = {};
bases[T.background_none] = L.layerGroup().addTo(map);
if (DATA.tiles) {
  let warned = false;
  DATA.tiles.forEach((tile, i) => {
    const layer = L.tileLayer(tile.url, {attribution: tile.attribution, maxZoom: 20,
      maxNativeZoom: tile.max_native_zoom || 19});
    layer.on("tileerror", () => {
      if (!warned) { warned = true; text("online-status", T.online_unavailable); }
    });
    layer.on("tileload", () => {
      if (!warned) { text("online-status", T.online_ok); }
    });
    bases[tile.label] = layer;
    if (i === 0) { map.removeLayer(bases[T.background_none]); layer.addTo(map); }
  });
}
if (DATA.points.features.length) {
  overlays[T.layer_points] = L.geoJSON(DATA.points, {
    pmIgnore: true, snapIgnore: true,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 5, weight: 1.5,
      pmIgnore: true, snapIgnore: true,
      color: f.properties.location_trusted ? "#00441b" : "#b35806",
      fillColor: f.properties.location_trusted ? "#5aae61" : "#fdb863", fillOpacity: 0.9}),
    onEachFeature: (f, layer) => layer.bindTooltip(() => esc(f.properties.name) + " (" +
      esc(f.properties.park_id) + ")" + (f.properties.location_trusted ? "" :
      "<br><i>" + esc(T.point_untrusted) + "</i>")),
  }).addTo(map);
}

function finishLayers() {
  L.control.layers(bases, overlays, {collapsed: small, position: "topright"}).addTo(map);
}
