/* zicht — the park boundary editor (runs inside the page written by zicht.parks.render_edit_map).
 *
 * Editing is done by Leaflet-Geoman (inlined before this script): vertices are moved, added
 * (click a middle marker) and removed (right-click), parts are cut (cut tool: a hole inside,
 * or a cut across splits a part off), parks are dragged, rotated and removed. Snapping works on
 * every visible trace layer (BRK parcels, BGT buildings, fences, BAG points).
 *
 * Lossless round trip: the page knows the RD New coordinates of every vertex it was given. On
 * export, a vertex that was not moved keeps them exactly (feature member "rd_coordinates");
 * only moved and new vertices are null there, and zicht converts their WGS84 position (full
 * double precision) to RD New on import.
 *
 * Every string a person reads comes from DATA.t (the catalogue zicht/assets/strings/parks.toml),
 * and every text from the data is escaped or set as textContent.
 */
map.pm.setLang(DATA.language === "nl" ? "nl" : "en");
const GEMEENTE_STYLE = {color: "#555", weight: 1.5, dashArray: "6 4", fill: false};
const gemeenten = L.geoJSON(DATA.gemeenten, {style: GEMEENTE_STYLE, interactive: false,
  pmIgnore: true, snapIgnore: true}).addTo(map);
overlays[T.layer_gemeenten] = gemeenten;
const traceStatus = [];
DATA.trace.forEach(tr => {
  const n = tr.fc.features.length;
  traceStatus.push({label: tr.label, n: n, snap: tr.snap});
  if (!n) { return; }
  const options = {pmIgnore: true, snapIgnore: !tr.snap, interactive: false,
    style: () => tr.style};
  if (tr.kind === "point") {
    options.pointToLayer = (f, latlng) => L.circleMarker(latlng, Object.assign({radius: 2.5,
      pmIgnore: true, snapIgnore: !tr.snap, interactive: false}, tr.style));
  }
  const layer = L.geoJSON(tr.fc, options);
  if (tr.visible) { layer.addTo(map); }
  overlays[tr.label] = layer;
});
// ---------------------------------------------------------------- RD New coordinates
// Keyed by the WGS84 position to 1e-10 degree (about 10 micrometre): a vertex the user did not
// move is found again, whichever tool rebuilt the polygon around it.
const RD = new Map();
function key(lng, lat) { return lng.toFixed(10) + "," + lat.toFixed(10); }
function remember(wgs, rd) {
  if (typeof wgs[0] === "number") { RD.set(key(wgs[0], wgs[1]), rd); return; }
  wgs.forEach((w, i) => remember(w, rd[i]));
}
DATA.parks.features.forEach((f, i) => remember(f.geometry.coordinates, DATA.rd[i]));
function rdOf(coords, counter) {
  if (typeof coords[0] === "number") {
    const hit = RD.get(key(coords[0], coords[1]));
    if (hit) { counter.kept += 1; return hit; }
    counter.converted += 1;
    return null;
  }
  const out = coords.map(c => rdOf(c, counter));
  const n = coords.length;
  if (typeof coords[0][0] === "number" && n > 1 && coords[0][0] === coords[n - 1][0] &&
      coords[0][1] === coords[n - 1][1]) {
    // a ring's closing position repeats its first vertex: one vertex, counted once
    if (out[n - 1]) { counter.kept -= 1; } else { counter.converted -= 1; }
  }
  return out;
}

// ---------------------------------------------------------------- the parks
const parks = L.featureGroup().addTo(map);
overlays[T.layer_parks] = parks;
const COLOURS = {derived: "#1b7837", supplier: "#2166ac", edited: "#e08214", drawn: "#8073ac"};
function styleOf(p, chosen) {
  return {color: COLOURS[p.source] || "#444", weight: chosen ? 4 : 2, fillOpacity: 0.15};
}
let selected = null, newCount = 0, mergeFrom = null;
function props(layer) { return layer.feature.properties; }
function adopt(layer, properties) {
  layer.feature = {type: "Feature", properties: Object.assign({}, properties)};
  layer.setStyle(styleOf(layer.feature.properties, false));
  layer.bindTooltip(() => esc(props(layer).name) + " (" + esc(props(layer).park_id) + ")");
  layer.on("click", () => (mergeFrom ? mergeInto(layer) : select(layer, false)));
  layer.on("pm:edit", () => touched(layer));
  if (!parks.hasLayer(layer)) { parks.addLayer(layer); }
  return layer;
}
function touched(layer) {
  const p = props(layer);
  if (p.source !== "drawn") { p.source = "edited"; }
  layer.setStyle(styleOf(p, layer === selected));
  changed();
}
L.geoJSON(DATA.parks).eachLayer(layer => adopt(layer, layer.feature.properties));

map.pm.addControls({
  position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
  drawCircle: false, drawText: false, drawRectangle: true, drawPolygon: true, editMode: true,
  dragMode: true, cutPolygon: true, removalMode: true, rotateMode: true,
});
// Every tool says what it does: a visible Dutch label (on a wide screen), the same words as
// its accessible name and as its tooltip.
const TOOLS = ["drawPolygon", "drawRectangle", "editMode", "dragMode", "cutPolygon",
  "rotateMode", "removalMode"];
TOOLS.forEach(name => {
  const button = map.pm.Toolbar.buttons[name];
  const node = button && button.buttonsDomNode;
  const link = node && node.querySelector("a.leaflet-buttons-control-button");
  if (!link) { return; }
  const label = T["tool_" + name];
  link.setAttribute("aria-label", label);
  link.title = label;
  node.title = label;
  link.classList.add("zicht-labelled");
  const span = document.createElement("span");
  span.className = "zicht-tool-label";
  span.textContent = label;
  link.appendChild(span);
});
document.querySelectorAll(".leaflet-pm-toolbar").forEach(bar => {
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", T.tools_label);
});
map.pm.setGlobalOptions({snappable: true, snapDistance: 12, layerGroup: parks,
  pathOptions: {color: COLOURS.drawn, weight: 2, fillOpacity: 0.15}});
map.on("pm:create", e => {
  newCount += 1;
  adopt(e.layer, {park_id: "NIEUW-" + newCount, name: fmt("new_park_name", {n: newCount}),
    source: "drawn", park_type: "", note: "", rule_id: "", rule_name: "", rule_text: ""});
  select(e.layer, false);
  changed();
});
map.on("pm:cut", e => {
  const p = Object.assign({}, props(e.originalLayer));
  if (p.source !== "drawn") { p.source = "edited"; }
  parks.removeLayer(e.originalLayer);
  const results = e.layer instanceof L.LayerGroup ? e.layer.getLayers() : [e.layer];
  results.forEach((layer, i) => {
    const q = Object.assign({}, p);
    if (i > 0) { q.park_id = p.park_id + "-" + (i + 1); q.name = p.name + " (" + (i + 1) + ")"; }
    adopt(layer, q);
  });
  if (selected === e.originalLayer) { select(results[0] || null, false); }
  changed();
});
map.on("pm:remove", e => {
  parks.removeLayer(e.layer);
  if (selected === e.layer) { select(null, false); }
  changed();
});

// ---------------------------------------------------------------- geometry helpers
function partsOf(layer) {
  const ll = layer.getLatLngs();
  if (!ll.length) { return []; }
  return L.LineUtil.isFlat(ll[0]) ? [ll] : ll;
}
function projector(lat0) {
  const k = Math.cos(lat0 * Math.PI / 180);
  return ll => [ll.lng * 111319.49 * k, ll.lat * 110946.26];
}
function ringArea(xy) {
  let s = 0;
  for (let i = 0, j = xy.length - 1; i < xy.length; j = i++) {
    s += (xy[j][0] + xy[i][0]) * (xy[j][1] - xy[i][1]);
  }
  return Math.abs(s / 2);
}
function areaOf(layer, proj) {
  let total = 0;
  partsOf(layer).forEach(part => part.forEach((ring, r) => {
    const a = ringArea(ring.map(proj));
    total += r === 0 ? a : -a;
  }));
  return total;
}
function segmentsOf(layer, proj, owner) {
  const segs = [];
  partsOf(layer).forEach((part, pi) => part.forEach((ring, ri) => {
    const xy = ring.map(proj);
    for (let i = 0; i < xy.length; i++) {
      const a = xy[i], b = xy[(i + 1) % xy.length];
      segs.push({a: a, b: b, ring: pi + ":" + ri, i: i, n: xy.length, owner: owner,
        minx: Math.min(a[0], b[0]), maxx: Math.max(a[0], b[0]),
        miny: Math.min(a[1], b[1]), maxy: Math.max(a[1], b[1])});
    }
  }));
  return segs;
}
const EPS = 1e-4;  // m²: cross products below this are collinear (shared edges after snapping)
function orient(p, q, r) {
  const v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
  return Math.abs(v) < EPS ? 0 : Math.sign(v);
}
function crosses(s, t) {
  const o1 = orient(s.a, s.b, t.a), o2 = orient(s.a, s.b, t.b);
  const o3 = orient(t.a, t.b, s.a), o4 = orient(t.a, t.b, s.b);
  return o1 * o2 < 0 && o3 * o4 < 0;
}
function adjacent(s, t) {
  if (s.owner !== t.owner || s.ring !== t.ring) { return false; }
  const d = Math.abs(s.i - t.i);
  return d === 1 || d === s.n - 1;
}
// Pairs of segments whose boxes overlap, by a sweep over x.
function sweep(segs, visit) {
  segs.sort((s, t) => s.minx - t.minx);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    for (let j = i + 1; j < segs.length && segs[j].minx <= s.maxx; j++) {
      const t = segs[j];
      if (t.miny <= s.maxy && t.maxy >= s.miny && visit(s, t)) { return true; }
    }
  }
  return false;
}
function pointInRing(pt, xy) {
  let inside = false;
  for (let i = 0, j = xy.length - 1; i < xy.length; j = i++) {
    if ((xy[i][1] > pt[1]) !== (xy[j][1] > pt[1]) &&
        pt[0] < (xy[j][0] - xy[i][0]) * (pt[1] - xy[i][1]) / (xy[j][1] - xy[i][1]) + xy[i][0]) {
      inside = !inside;
    }
  }
  return inside;
}
function distToSegment(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}
function inside(pt, rings, tol) {
  // Strictly inside a polygon given as projected parts [[outer, hole…], …], not on its edge.
  if (tol > 0 && nearEdge(pt, rings, tol)) { return false; }
  return rings.some(part => pointInRing(pt, part[0]) &&
    !part.slice(1).some(hole => pointInRing(pt, hole)));
}
function projectedParts(layer, proj) {
  return partsOf(layer).map(part => part.map(ring => ring.map(proj)));
}

// ---------------------------------------------------------------- validation
// One projection for the whole page (the study area spans little latitude): local metres.
const PROJ = projector(DATA.center_lat);
const gemeenteAreas = [];
gemeenten.eachLayer(layer => {
  if (!layer.getLatLngs) { return; }
  const b = layer.getBounds();
  gemeenteAreas.push({rings: projectedParts(layer, PROJ), sw: PROJ(b.getSouthWest()),
    ne: PROJ(b.getNorthEast())});
});
function nearEdge(pt, rings, tol) {
  return rings.some(part => part.some(r => r.some((v, i) =>
    distToSegment(pt, v, r[(i + 1) % r.length]) < tol)));
}
function outsideGemeenten(layer) {
  if (!gemeenteAreas.length) { return false; }
  const tol = DATA.checks.gemeente_tolerance_m;
  return partsOf(layer).some(part => part[0].some(ll => {
    const pt = PROJ(ll);
    const near = gemeenteAreas.filter(g => pt[0] >= g.sw[0] - tol && pt[0] <= g.ne[0] + tol &&
      pt[1] >= g.sw[1] - tol && pt[1] <= g.ne[1] + tol);
    return !near.some(g => inside(pt, g.rings, 0)) && !near.some(g => nearEdge(pt, g.rings, tol));
  }));
}
function validate() {
  const problems = [];
  const layers = parks.getLayers();
  const seen = {id: {}, name: {}};
  const proj = PROJ;
  layers.forEach(layer => {
    const p = props(layer);
    ["park_id", "name"].forEach(field => {
      const v = String(p[field] || "").trim();
      const label = field === "park_id" ? T.field_park_id : T.field_name;
      if (!v) { problems.push({park: p.park_id, check: "empty", text: fmt("check_empty",
        {field: label})}); return; }
      const k = v.toLowerCase();
      if (seen[field === "park_id" ? "id" : "name"][k]) {
        problems.push({park: p.park_id, check: "duplicate", text: fmt("check_duplicate",
          {field: label, value: v})});
      }
      seen[field === "park_id" ? "id" : "name"][k] = true;
    });
    if (!partsOf(layer).length || partsOf(layer).some(part => part[0].length < 3)) {
      problems.push({park: p.park_id, check: "geometry", text: T.check_geometry});
      return;
    }
    const segs = segmentsOf(layer, proj, p.park_id);
    if (sweep(segs, (s, t) => !adjacent(s, t) && crosses(s, t))) {
      problems.push({park: p.park_id, check: "self_intersection", text: T.check_self_intersection});
    }
    const area = areaOf(layer, proj);
    if (area < DATA.checks.min_area_m2) {
      problems.push({park: p.park_id, check: "too_small", text: fmt("check_too_small",
        {area: Math.round(area).toLocaleString(DATA.language), min: DATA.checks.min_area_m2})});
    }
    if (outsideGemeenten(layer)) {
      problems.push({park: p.park_id, check: "outside", text: T.check_outside});
    }
  });
  for (let i = 0; i < layers.length; i++) {
    for (let j = i + 1; j < layers.length; j++) {
      const a = layers[i], b = layers[j];
      if (!a.getBounds().intersects(b.getBounds())) { continue; }
      if (overlaps(a, b, proj)) {
        problems.push({park: props(a).park_id, check: "overlap", text: fmt("check_overlap",
          {other: props(b).park_id})});
      }
    }
  }
  return problems;
}
function overlaps(a, b, proj) {
  const segs = segmentsOf(a, proj, "a").concat(segmentsOf(b, proj, "b"));
  if (sweep(segs, (s, t) => s.owner !== t.owner && crosses(s, t))) { return true; }
  const pa = projectedParts(a, proj), pb = projectedParts(b, proj);
  const tol = DATA.checks.edge_tolerance_m;
  return pa.some(part => part[0].some(pt => inside(pt, pb, tol))) ||
    pb.some(part => part[0].some(pt => inside(pt, pa, tol)));
}
function showProblems(problems) {
  const list = el("problems");
  list.textContent = "";
  problems.forEach(pr => {
    const li = document.createElement("li");
    li.dataset.check = pr.check;
    li.textContent = (pr.park ? pr.park + ": " : "") + pr.text;
    li.addEventListener("click", () => {
      const layer = parks.getLayers().find(l => props(l).park_id === pr.park);
      if (layer) { select(layer, true); }
    });
    list.appendChild(li);
  });
  text("check-status", problems.length ? fmtN("check_n_problems", problems.length) :
    T.check_ok);
  el("check-status").className = problems.length ? "zicht-bad" : "zicht-good";
  return problems;
}

// ---------------------------------------------------------------- the park list
const TYPE_LABEL = {};
DATA.park_types.forEach(t => { TYPE_LABEL[t.key] = t.label; });
function versionOf(p) {
  if (p.source === "drawn") { return T.version_new; }
  const v = DATA.meta.parent_version || T.version_unsaved;
  return p.source === "edited" ? fmt("version_edited", {version: v}) : v;
}
function renderList() {
  const query = el("park-search").value.trim().toLowerCase();
  const body = el("park-rows");
  body.textContent = "";
  let shown = 0;
  const layers = parks.getLayers().slice().sort((a, b) =>
    String(props(a).name).localeCompare(String(props(b).name), DATA.language));
  layers.forEach(layer => {
    const p = props(layer);
    const type = TYPE_LABEL[p.park_type] || T.type_unknown;
    const rule = p.rule_id ? (p.rule_name || "") + " " + p.rule_id : "–";
    const hay = [p.park_id, p.name, type, rule].join(" ").toLowerCase();
    if (query && !hay.includes(query)) { return; }
    shown += 1;
    const tr = document.createElement("tr");
    tr.dataset.parkId = p.park_id;
    if (layer === selected) { tr.className = "zicht-selected"; }
    const first = document.createElement("td");
    const strong = document.createElement("b");
    strong.textContent = p.name;
    const sub = document.createElement("div");
    sub.className = "zicht-note";
    sub.textContent = p.park_id;
    first.append(strong, sub);
    tr.appendChild(first);
    [type, rule, versionOf(p)].forEach(v => {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    });
    tr.addEventListener("click", () => select(layer, true));
    body.appendChild(tr);
  });
  text("park-count", fmtN("list_count", parks.getLayers().length, {shown: shown}));
}
el("park-search").addEventListener("input", renderList);

// ---------------------------------------------------------------- selecting and editing one park
function select(layer, zoom) {
  if (selected && parks.hasLayer(selected)) {
    selected.setStyle(styleOf(props(selected), false));
    if (selected.pm && selected.pm.enabled()) { selected.pm.disable(); }
  }
  selected = layer;
  el("selected").hidden = !layer;
  el("none-selected").hidden = !!layer;
  if (layer) {
    layer.setStyle(styleOf(props(layer), true));
    layer.bringToFront();
    const p = props(layer);
    el("park-id").value = p.park_id;
    el("park-name").value = p.name;
    el("park-type").value = p.park_type || "";
    text("park-source", T["source_" + p.source] || p.source);
    text("park-rule", p.rule_text || T.rule_none);
    text("park-area", fmt("area_ha", {ha: (areaOf(layer, PROJ) / 1e4).toLocaleString(
      DATA.language, {maximumFractionDigits: 2})}));
    el("split").disabled = partsOf(layer).length < 2;
    text("edit-one", T.button_edit_shape);
    if (zoom) {  // clear of the labelled tools on the left
      map.fitBounds(layer.getBounds().pad(0.3), {paddingTopLeft: [padding().paddingTopLeft[0], 0]});
    }
  }
  renderList();
}
function field(id, name) {
  el(id).addEventListener("input", ev => {
    if (!selected) { return; }
    props(selected)[name] = ev.target.value.trim();
    changed();
  });
}
field("park-id", "park_id");
field("park-name", "name");
const typeSelect = el("park-type");
[{key: "", label: T.type_unknown}].concat(DATA.park_types).forEach(t => {
  const o = document.createElement("option"); o.value = t.key; o.textContent = t.label;
  typeSelect.appendChild(o);
});
typeSelect.addEventListener("change", ev => {
  if (selected) { props(selected).park_type = ev.target.value; changed(); }
});
el("edit-one").addEventListener("click", () => {
  if (!selected) { return; }
  if (selected.pm.enabled()) {
    selected.pm.disable(); text("edit-one", T.button_edit_shape);
  } else {
    selected.pm.enable({snappable: true, snapDistance: 12});
    text("edit-one", T.button_edit_done);
  }
});
el("split").addEventListener("click", () => {
  if (!selected) { return; }
  const p = props(selected), parts = partsOf(selected);
  if (parts.length < 2) { return; }
  parks.removeLayer(selected);
  const created = parts.map((part, i) => adopt(L.polygon(part), Object.assign({}, p, {
    park_id: p.park_id + "-" + (i + 1), name: p.name + " (" + (i + 1) + ")",
    source: p.source === "drawn" ? "drawn" : "edited"})));
  selected = null;
  select(created[0], false);
  changed();
});
el("merge").addEventListener("click", () => {
  if (!selected) { return; }
  mergeFrom = selected;
  text("merge-status", fmt("merge_pick", {park: props(selected).park_id}));
});
function mergeInto(other) {
  const first = mergeFrom;
  mergeFrom = null;
  text("merge-status", "");
  if (other === first) { return; }
  const p = Object.assign({}, props(first));
  if (p.source !== "drawn") { p.source = "edited"; }
  const merged = L.polygon(partsOf(first).concat(partsOf(other)));
  parks.removeLayer(first);
  parks.removeLayer(other);
  selected = null;
  select(adopt(merged, p), false);
  text("merge-status", fmt("merge_done", {park: p.park_id, other: props(other).park_id}));
  changed();
}
el("delete").addEventListener("click", () => {
  if (!selected) { return; }
  const layer = selected;
  select(null, false);
  parks.removeLayer(layer);
  changed();
});

// ---------------------------------------------------------------- export
function exportDocument() {
  const counter = {kept: 0, converted: 0};
  const features = parks.getLayers().map(layer => {
    const f = layer.toGeoJSON(false);
    const p = props(layer);
    f.properties = {park_id: p.park_id, name: p.name, source: p.source,
      park_type: p.park_type || "", note: p.note || ""};
    f.rd_coordinates = rdOf(f.geometry.coordinates, counter);
    return f;
  });
  const doc = {type: "FeatureCollection", name: "park_boundaries",
    zicht: Object.assign({}, DATA.meta, {exported: new Date().toISOString(),
      author: el("export-author").value.trim(), reason: el("export-reason").value.trim(),
      rd_crs: "EPSG:28992", rd_vertices_kept: counter.kept,
      rd_vertices_converted: counter.converted}),
    features: features};
  return {doc: doc, counter: counter};
}
function download(force) {
  const problems = showProblems(validate());
  el("export-anyway").hidden = !problems.length;
  if (problems.length && !force) {
    text("export-status", fmtN("export_blocked", problems.length));
    el("export-where").hidden = true;
    return null;
  }
  const out = exportDocument();
  const textOut = JSON.stringify(out.doc);
  el("export-text").value = textOut;
  const blob = new Blob([textOut], {type: "application/geo+json"});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = DATA.filename;
  document.body.appendChild(a); a.click(); a.remove();
  text("export-status", fmtN("export_done", out.doc.features.length, {file: DATA.filename}));
  el("export-where").hidden = false;
  text("export-vertices", fmt("export_vertices", {kept: out.counter.kept,
    converted: out.counter.converted}));
  return out.doc;
}
el("export").addEventListener("click", () => download(false));
el("export-anyway").addEventListener("click", () => download(true));
el("check").addEventListener("click", () => showProblems(validate()));

// ---------------------------------------------------------------- after every change
let pending = null;
function changed() {
  renderList();
  if (pending) { clearTimeout(pending); }
  pending = setTimeout(() => { pending = null; showProblems(validate()); }, 150);
  text("export-status", T.export_pending);
}

finishLayers();
const traceList = el("trace-layers");
traceStatus.forEach(s => {
  const li = document.createElement("li");
  li.textContent = s.n ? fmtN(s.snap ? "trace_snap" : "trace_show", s.n, {layer: s.label}) :
    fmt("trace_none", {layer: s.label});
  traceList.appendChild(li);
});
// ---------------------------------------------------------------- the opening view
// All parks, clear of the tool bar (left) and of an open layer list (right). When they lie so
// far apart that a typical park would be a speck there, the map opens on the first park of
// the list instead, large enough to edit; the list and "Alle parken in beeld" lead on.
const MIN_PARK_PX = 100;
function padding() {
  const list = document.querySelector(".leaflet-control-layers-expanded");
  const tools = document.querySelector(".leaflet-top.leaflet-left");
  return {paddingTopLeft: [tools ? tools.offsetWidth + 20 : 60, 20],
    paddingBottomRight: [list ? list.offsetWidth + 20 : 20, 20], animate: false};
}
function showAll() {
  const all = parks.getLayers().length ? parks.getBounds() : null;
  if (all && all.isValid()) { map.fitBounds(all.pad(0.1), padding()); }
  else { map.setView([52.1, 5.3], 8); }
}
function medianWidthPx() {
  const widths = parks.getLayers().map(l => {
    const b = l.getBounds();
    return map.latLngToContainerPoint(b.getNorthEast()).x -
      map.latLngToContainerPoint(b.getSouthWest()).x;
  }).sort((a, b) => a - b);
  return widths.length ? widths[Math.floor(widths.length / 2)] : Infinity;
}
function openingView() {
  showAll();
  const layers = parks.getLayers();
  el("all-parks").hidden = layers.length < 2;
  if (layers.length < 2 || medianWidthPx() >= MIN_PARK_PX) { return; }
  const first = layers.slice().sort((a, b) =>
    String(props(a).name).localeCompare(String(props(b).name), DATA.language))[0];
  map.fitBounds(first.getBounds().pad(0.3), padding());
  text("park-view", fmt("list_view_one", {name: props(first).name}));
}
el("all-parks").addEventListener("click", () => { showAll(); text("park-view", ""); });
openingView();
text("meta", DATA.meta_text);
select(null, false);
showProblems(validate());
text("export-status", "");
window.zichtEditor = {map: map, parks: parks, validate: validate, exportDocument: exportDocument,
  select: select, props: props};
