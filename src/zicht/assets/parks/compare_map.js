/* zicht — derived against registered park boundaries (zicht.parks.render_compare_map). */
const PIECES = {both: "#4575b4", only_a: "#d73027", only_b: "#fdae61"};
const LABEL = {both: T.compare_layer_overlap,
  only_a: fmt("compare_layer_only_a", {a: DATA.label_a}),
  only_b: fmt("compare_layer_only_b", {b: DATA.label_b})};
const byPiece = {both: [], only_a: [], only_b: []};
DATA.pieces.features.forEach(f => byPiece[f.properties.piece].push(f));
const group = L.featureGroup().addTo(map);
Object.entries(PIECES).forEach(([piece, c]) => {
  const layer = L.geoJSON({type: "FeatureCollection", features: byPiece[piece]},
    {style: {color: c, weight: 0, fillColor: c, fillOpacity: 0.55}, interactive: false});
  overlays[LABEL[piece]] = layer.addTo(group);
});
function outline(fc, colour, dash) {
  return L.geoJSON(fc, {style: {color: colour, weight: 1.5, dashArray: dash, fill: false},
    onEachFeature: (f, l) => l.bindTooltip(() => esc(f.properties.name) + " (" +
      esc(f.properties.park_id) + ")" + (f.properties.park_type ? "<br>" +
      esc(f.properties.park_type) : ""))});
}
overlays[DATA.label_a] = outline(DATA.a, "#222", null).addTo(group);
overlays[DATA.label_b] = outline(DATA.b, "#7f3b08", "5 4").addTo(group);
finishLayers();
if (group.getBounds().isValid()) { map.fitBounds(group.getBounds().pad(0.1)); }
else { map.setView([52.1, 5.3], 8); }
const legend = el("legend");
Object.entries(PIECES).forEach(([piece, c]) => {
  const li = document.createElement("div");
  const sw = document.createElement("span"); sw.className = "zicht-swatch";
  sw.style.borderColor = c; sw.style.background = c;
  li.append(sw, document.createTextNode(LABEL[piece]));
  legend.appendChild(li);
});
const KIND = {match: T.kind_match, only_a: fmt("kind_only_a", {a: DATA.label_a}),
  only_b: fmt("kind_only_b", {b: DATA.label_b})};
const body = el("compare-rows");
DATA.table.forEach(r => {
  const tr = document.createElement("tr");
  const name = r.kind === "only_b" ? r.name_b + " (" + r.park_id_b + ")" :
    r.name_a + " (" + r.park_id_a + ")" + (r.kind === "match" ? " ↔ " + r.park_id_b : "");
  [name, KIND[r.kind], r.iou == null ? "–" : r.iou.toFixed(3)].forEach(v => {
    const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
  });
  body.appendChild(tr);
});
text("meta", DATA.meta_text);
