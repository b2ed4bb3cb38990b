/* zicht — the diff map of two park versions (zicht.parks.render_diff_map). */
const COLOURS = {added: "#1a9850", removed: "#d73027", changed: "#fc8d59", unchanged: "#4575b4"};
const rows = {};
DATA.table.forEach(r => { rows[r.park_id] = r; });
function tip(id) {
  const r = rows[id];
  if (!r) { return esc(id); }
  let t = "<b>" + esc(r.name_b || r.name_a) + "</b> (" + esc(id) + ")<br>" +
    esc(T["change_" + r.change]) + "<br>" + esc(fmt("tip_area", {a: r.area_a_m2, b: r.area_b_m2}));
  if (r.addresses_in != null) {
    t += "<br>" + esc(fmt("tip_addresses", {a: r.addresses_in, b: r.addresses_out}));
  }
  if (r.parcels_in != null) {
    t += "<br>" + esc(fmt("tip_parcels", {a: r.parcels_in, b: r.parcels_out}));
  }
  return t;
}
const onEach = (f, l) => l.bindTooltip(() => tip(f.properties.park_id));
const layerA = L.geoJSON(DATA.a, {style: {color: "#555", weight: 2, dashArray: "5 4",
  fill: false}, onEachFeature: onEach});
const layerB = L.geoJSON(DATA.b, {style: f => {
  const r = rows[f.properties.park_id];
  const c = COLOURS[r ? r.change : "unchanged"];
  return {color: c, weight: 2, fillColor: c, fillOpacity: 0.3};
}, onEachFeature: onEach});
const removed = L.geoJSON(DATA.removed, {style: {color: COLOURS.removed, weight: 2,
  fillColor: COLOURS.removed, fillOpacity: 0.3}, onEachFeature: onEach});
overlays[fmt("diff_layer_b", {b: DATA.label_b})] = layerB.addTo(map);
overlays[fmt("diff_layer_removed", {b: DATA.label_b})] = removed.addTo(map);
overlays[fmt("diff_layer_a", {a: DATA.label_a})] = layerA.addTo(map);
finishLayers();
const all = L.featureGroup([layerA, layerB, removed]);
if (all.getBounds().isValid()) { map.fitBounds(all.getBounds().pad(0.1)); }
else { map.setView([52.1, 5.3], 8); }
const legend = el("legend");
Object.entries(COLOURS).forEach(([k, c]) => {
  const li = document.createElement("div");
  const sw = document.createElement("span"); sw.className = "zicht-swatch";
  sw.style.borderColor = c; sw.style.background = c;
  li.appendChild(sw);
  li.appendChild(document.createTextNode(T["change_" + k] + ": " + (DATA.summary[k] || 0)));
  legend.appendChild(li);
});
const body = el("diff-rows");
DATA.table.filter(r => r.change !== "unchanged").forEach(r => {
  const tr = document.createElement("tr");
  [r.park_id, T["change_" + r.change], r.area_change_m2, r.addresses_in, r.addresses_out,
   r.parcels_in, r.parcels_out].forEach(v => {
    const td = document.createElement("td"); td.textContent = v == null ? "–" : v;
    tr.appendChild(td);
  });
  body.appendChild(tr);
});
text("meta", DATA.meta_text);
