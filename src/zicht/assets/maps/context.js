/* zicht risk map: names on the map, and a note when the online background cannot be reached.
 *
 * labels: [lat, lon, name, minZoom, maxZoom, level] per buurt, wijk and gemeente (public
 * names). A label is shown between its zooms: from the zoom at which its area is wide enough
 * to hold the name, until the finer level takes over, and where it does not overlap a label of a
 * coarser level or a larger area. Names are set as text, never as HTML. */
function zichtContext(z, settings) {
  "use strict";
  const map = z.map;
  const group = L.layerGroup();
  // Coarser levels first, and within a level the larger areas (lower minZoom) first: where
  // two labels would overlap, the first one keeps its place.
  const RANK = {gemeente: 0, wijk: 1, buurt: 2};
  const CHAR = {gemeente: 10.5, wijk: 7.6, buurt: 6.6};  // px per character of each level
  const labels = settings.labels.map(([lat, lon, name, min, max, level]) => {
    const text = document.createElement("span");
    text.textContent = name;
    const icon = L.divIcon({html: text, className: "zicht-label zicht-label-" + level,
                            iconSize: null});
    const marker = L.marker([lat, lon], {icon: icon, pane: "zichtLabels", interactive: false,
                                         keyboard: false});
    return {min: min, max: max, marker: marker, rank: RANK[level] || 0,
            half: [(CHAR[level] || 7) * name.length / 2 + 3, 9]};
  });
  labels.sort((a, b) => (a.rank - b.rank) || (a.min - b.min));
  function update() {
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.1);
    const kept = [];
    labels.forEach((label) => {
      let show = zoom >= label.min && zoom <= label.max && view.contains(label.marker.getLatLng());
      if (show) {
        const p = map.latLngToContainerPoint(label.marker.getLatLng());
        const box = [p.x - label.half[0], p.y - label.half[1], p.x + label.half[0],
                     p.y + label.half[1]];
        show = !kept.some((k) => box[0] < k[2] && k[0] < box[2] && box[1] < k[3] && k[1] < box[3]);
        if (show) { kept.push(box); }
      }
      if (show && !group.hasLayer(label.marker)) { group.addLayer(label.marker); }
      if (!show && group.hasLayer(label.marker)) { group.removeLayer(label.marker); }
    });
  }
  group.addTo(map);
  map.on("zoomend moveend", update);
  update();

  // An online background that does not load (offline, blocked) is said in one line; the map
  // itself needs no network and stays as it is.
  let note = null;
  function unreachable() {
    if (note) { return; }
    note = L.control({position: "bottomright"});
    note.onAdd = () => {
      const div = L.DomUtil.create("div", "zicht-tiles-note");
      div.setAttribute("role", "status");
      div.textContent = settings.tilesUnreachable;
      return div;
    };
    note.addTo(map);
  }
  map.eachLayer((layer) => {
    if (layer instanceof L.TileLayer) { layer.on("tileerror", unreachable); }
  });
  z.labels = {layer: group, update: update, shown: () => group.getLayers().length};
  zichtPhone(z, settings);
  zichtPaper(z);
  zichtPatterns(z, settings.patterns);
  return z.labels;
}

/* On a phone the controls and the legend start folded; a tap on their title opens them. */
function zichtPhone(z, settings) {
  "use strict";
  const controls = document.getElementById("zicht-controls");
  const legend = document.getElementById("zicht-legend");
  const phone = window.matchMedia("(max-width: 600px)");
  // Landmarks, so that every part of the page is in one (WCAG 1.3.1, axe "region").
  const marks = [[z.map.getContainer(), "main", settings.mapLabel],
                 [controls, "region", settings.controlsToggle],
                 [document.getElementById("zicht-footer"), "contentinfo", null]];
  marks.forEach(([el, role, label]) => {
    if (!el) { return; }
    el.setAttribute("role", role);
    if (label) { el.setAttribute("aria-label", label); }
  });
  if (legend) {
    // A <details> may not take a role: the legend goes into an <aside>, its title into an <h2>
    // (the headings then run h1, h2, h3).
    const aside = document.createElement("aside");
    aside.setAttribute("aria-label", settings.legendLabel);
    legend.parentNode.insertBefore(aside, legend);
    aside.appendChild(legend);
    const summary = legend.querySelector(":scope > summary");
    if (summary) {
      const heading = document.createElement("h2");
      heading.className = "zicht-legend-title";
      while (summary.firstChild) { heading.appendChild(summary.firstChild); }
      summary.appendChild(heading);
    }
  }
  if (controls) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "zicht-controls-toggle";
    toggle.setAttribute("data-testid", "controls-toggle");
    toggle.textContent = settings.controlsToggle;
    controls.prepend(toggle);
    toggle.addEventListener("click", () => {
      const folded = controls.classList.toggle("zicht-folded");
      toggle.setAttribute("aria-expanded", String(!folded));
      // On a phone one of the two is open at a time, so the map keeps half the screen.
      if (!folded && legend && phone.matches) { legend.open = false; }
    });
    toggle.setAttribute("aria-expanded", "true");
  }
  if (legend && controls) {
    legend.addEventListener("toggle", () => {
      if (legend.open && phone.matches && !controls.classList.contains("zicht-folded")) {
        controls.classList.add("zicht-folded");
        controls.querySelector(".zicht-controls-toggle").setAttribute("aria-expanded", "false");
      }
    });
  }
  function fold() {
    if (controls) {
      controls.classList.add("zicht-folded");
      controls.querySelector(".zicht-controls-toggle").setAttribute("aria-expanded", "false");
    }
    if (legend) { legend.open = false; }
  }
  // An area chosen on a phone (a tap, a search hit, also a public outline without a panel):
  // the controls and the legend fold, so the area zoomed to lies free under the bar and above
  // the panel's sheet. The chosen area is the one outlined "zicht-chosen".
  const panel = document.getElementById("zicht-panel");
  if (panel) {
    new MutationObserver(() => { if (!panel.hidden && phone.matches) { fold(); } })
      .observe(panel, {attributes: true, attributeFilter: ["hidden"]});
  }
  const outlines = z.map.getPane("zichtOutlines");
  if (outlines) {
    const chosen = (node) => node.nodeType === 1 && (node.classList.contains("zicht-chosen") ||
      node.querySelector(".zicht-chosen") !== null);
    new MutationObserver((records) => {
      if (phone.matches && records.some((r) => [...r.addedNodes].some(chosen))) { fold(); }
    }).observe(outlines, {childList: true, subtree: true});
  }
  zichtFooterSpace();
  if (phone.matches) {
    fold();
    z.fit();
  }
}

/* The footer wraps on a narrow window; what sits at the bottom (legend, scale) stays above it. */
function zichtFooterSpace() {
  "use strict";
  const footer = document.getElementById("zicht-footer");
  if (!footer) { return; }
  const set = () => document.documentElement.style.setProperty(
    "--zicht-footer-height", footer.offsetHeight + "px");
  set();
  window.addEventListener("resize", set);
}

/* Paper: the legend open beside the map, a title on top, the study area fitted to the page. */
function zichtPaper(z) {
  "use strict";
  const legend = document.getElementById("zicht-legend");
  // The page's title as its one heading of level 1, in a banner: read by screen readers,
  // printed above the map, out of sight on the screen (the legend shows the title there).
  const banner = document.createElement("header");
  const title = document.createElement("h1");
  title.className = "zicht-print-title";
  title.textContent = document.title;
  banner.appendChild(title);
  document.body.prepend(banner);
  let wasOpen = null;
  function before() {
    const section = document.querySelector(".zicht-legend-theme:not([hidden]) h3");
    title.textContent = document.title + (section ? " — " + section.textContent : "");
    if (legend && wasOpen === null) { wasOpen = legend.open; legend.open = true; }
    z.map.invalidateSize({animate: false});
    z.map.fitBounds(z.config.bounds, {padding: [8, 8], animate: false});
  }
  function after() {
    if (legend && wasOpen !== null) { legend.open = wasOpen; wasOpen = null; }
    z.map.invalidateSize({animate: false});
    z.fit();
  }
  window.addEventListener("beforeprint", before);
  window.addEventListener("afterprint", after);
  const print = window.matchMedia("print");
  print.addEventListener("change", (event) => { if (event.matches) { before(); } else { after(); } });
  z.paper = {before: before, after: after};
}

/* Hot and cold told apart without colour (WCAG 1.4.1): hot spots and high clusters dotted, cold
 * spots and low clusters striped, on the map and on the legend's swatches. patterns: theme key
 * -> per class "hot", "cold" or "". */
function zichtPatterns(z, patterns) {
  "use strict";
  // The patterns join the hatching's <defs> (the page's inline SVG), in its namespace.
  const hatch = document.getElementById("zicht-hatch");
  if (!hatch) { return; }
  const defs = hatch.parentNode;
  const ns = defs.namespaceURI;
  const made = {};
  function child(parent, tag, attributes) {
    const el = document.createElementNS(ns, tag);
    Object.keys(attributes).forEach((name) => el.setAttribute(name, attributes[name]));
    parent.appendChild(el);
    return el;
  }
  function patternId(kind, colour) {
    const id = "zicht-p-" + kind + "-" + colour.replace(/[^0-9a-fA-F]/g, "");
    if (!made[id]) {
      const pattern = child(defs, "pattern", {id: id, patternUnits: "userSpaceOnUse",
                                              width: "7", height: "7"});
      child(pattern, "rect", {width: "7", height: "7", fill: colour});
      if (kind === "hot") {
        child(pattern, "circle", {cx: "3.5", cy: "3.5", r: "1.4", fill: "#3b0a0a"});
      } else {
        child(pattern, "path", {d: "M0 3.5H7", stroke: "#08306b", "stroke-width": "1.3"});
      }
      made[id] = true;
    }
    return id;
  }
  const SWATCH = {
    hot: ["radial-gradient(circle, #3b0a0a 1.3px, transparent 1.7px)", "6px 6px"],
    cold: ["repeating-linear-gradient(0deg, transparent 0 2px, #08306b 2px 3.2px, " +
           "transparent 3.2px 6px)", "auto"],
  };
  function swatches(key, classes) {
    const items = document.querySelectorAll(
      '.zicht-legend-theme[data-theme="' + key + '"] li .zicht-swatch');
    classes.forEach((kind, i) => {
      if (kind && items[i]) {
        items[i].style.backgroundImage = SWATCH[kind][0];
        items[i].style.backgroundSize = SWATCH[kind][1];
        items[i].classList.add("zicht-swatch-" + kind);
      }
    });
  }
  Object.keys(patterns).forEach((key) => swatches(key, patterns[key]));
  function apply(key) {
    const theme = z.config.themes[key];
    const classes = patterns[key];
    const layer = z.layer();
    if (!theme || !layer) { return; }
    layer.eachLayer((path) => {
      const el = path._path;
      if (!el) { return; }
      el.classList.remove("zicht-hot", "zicht-cold");
      el.style.fill = "";
      const p = path.feature.properties;
      if (!classes || p.s !== "published") { return; }
      const k = theme.c[p.k];
      const kind = k >= 0 ? classes[k] : "";
      if (kind) {
        el.classList.add("zicht-" + kind);
        el.style.fill = "url(#" + patternId(kind, theme.colours[k]) + ")";
      }
    });
  }
  z.onChange(apply);
  apply(z.current());
}
