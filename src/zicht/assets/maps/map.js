/* zicht risk map: draws the shown theme only, and the controls around it.
 *
 * The page embeds each published geography's features once (data["a:<name>"]) and, per theme,
 * the class, text and value of every feature (config.themes[key].c/t/v). The Leaflet layer of
 * a geography is built the first time one of its themes is shown and kept; switching to
 * another theme of the same geography only restyles it. Every text from the data is either
 * escaped HTML written by zicht (tooltips) or set as textContent (controls). */
function zichtMap(map, data, config) {
  "use strict";
  const panes = [["zichtAreas", 410], ["zichtOutlines", 420], ["zichtParks", 430],
                 ["zichtLabels", 440]];
  panes.forEach(([name, z]) => { map.createPane(name).style.zIndex = z; });
  map.getPane("zichtLabels").style.pointerEvents = "none";
  L.control.scale({position: "bottomright", imperial: false}).addTo(map);
  const built = {};        // data key -> L.geoJSON, built on first use
  const listeners = [];    // called with the theme key after every switch
  const clicks = [];       // called with the theme key and the properties of a clicked area
  let current = null;      // key of the shown theme
  let shown = null;        // the L.geoJSON on the map

  function theme() { return config.themes[current]; }

  function areaStyle(p) {
    const t = theme();
    const style = {weight: 0.6, color: "#4d4d4d", opacity: 0.9, fillOpacity: config.fillOpacity};
    if (p.s === "published") {
      const k = t.c[p.k];
      style.fillColor = k >= 0 ? t.colours[k] : config.noValueColour;
      style.className = "zicht-area zicht-published";
    } else if (p.s === "merged") {
      Object.assign(style, {fillColor: "#ffffff", fillOpacity: 0.3, color: "#6a3d9a",
                            dashArray: "3 3", className: "zicht-area zicht-merged"});
    } else {
      Object.assign(style, {fillColor: config.suppressedColour,
                            className: "zicht-area zicht-suppressed"});
    }
    return style;
  }

  // A published area without a class in the shown theme (no value, or a hot-spot label that
  // is not shown) is cross-hatched (CSS: path.zicht-no-value), as its legend swatch; the
  // class follows the theme, so it is set on every switch.
  function markNoValue(layer) {
    const t = theme();
    layer.eachLayer((path) => {
      const p = path.feature.properties;
      if (path._path) {
        path._path.classList.toggle("zicht-no-value", p.s === "published" && !(t.c[p.k] >= 0));
      }
    });
  }

  // A merged cell's region as a person reads it ("Gebied van 23 cellen in …"), else its code.
  function regionName(code) {
    const regions = config.panel && config.panel.areas["a:region"];
    const at = regions && regions.t ? regions.i.indexOf(code) : -1;
    return at >= 0 ? regions.t[at] : code;
  }

  function areaTooltip(p) {
    const t = theme();
    let text = p.h;
    if (p.w) { text += "<br>" + p.w; }
    if (p.s === "published") {
      text += "<br>" + t.title + ": " + (t.t[p.k] || config.noValueText);
      if (p.x) { text += "<br>" + p.x; }
    } else {
      text += "<br><i>" + (config.statusText[p.s] || config.statusText.suppressed) + "</i>";
      if (p.r) { text += "<br>" + config.regionLabel + ": " + regionName(p.r); }
    }
    return text + "<br>" + config.bandLabel + ": " + p.b;
  }

  function geographyLayer(key) {
    if (built[key]) { return built[key]; }
    data[key].features.forEach((feature, i) => { feature.properties.k = i; });
    const layer = L.geoJSON(data[key], {
      pane: "zichtAreas",
      style: (feature) => areaStyle(feature.properties),
    });
    // One tooltip and one set of listeners for the whole geography, not one per area: the
    // page builds a Leaflet layer per area only, and opens faster.
    layer.bindTooltip((path) => areaTooltip(path.feature.properties),
                      {sticky: true, className: "zicht-tooltip"});
    layer.on("mouseover", (e) => {
      e.layer.setStyle({weight: 2.5, color: "#000000"});
      e.layer.bringToFront();
    });
    layer.on("mouseout", (e) => { layer.resetStyle(e.layer); });
    layer.on("click", (e) => {
      // The panel now says what the tooltip said: the tooltip goes, until the next hover.
      layer.closeTooltip();
      clicks.forEach((f) => f(current, e.layer.feature.properties));
    });
    built[key] = layer;
    return layer;
  }

  function contextLayer(key) {
    const ctx = config.contexts[key];
    const pane = ctx.park ? "zichtParks" : "zichtOutlines";
    // Outlines of a published layer (buurten) are drawn from its features: not embedded twice.
    const layer = L.geoJSON(data[ctx.data || key], {
      pane: pane,
      // Boundary lines lie above the areas: they let clicks and hovers through to the area
      // under them (whose tooltip names its buurt, wijk and gemeente).
      interactive: Boolean(ctx.park),
      // Park points are circle markers with their own style (set in pointToLayer).
      style: (feature) => (feature.geometry.type.endsWith("Point") ? {}
        : Object.assign({className: ctx.className}, ctx.style)),
      pointToLayer: (feature, latlng) => L.circleMarker(
        latlng, Object.assign({pane: pane, className: ctx.className}, config.parkPoint)),
    });
    if (ctx.park) {
      layer.bindTooltip((path) => path.feature.properties.h,
                        {sticky: true, className: "zicht-tooltip"});
    }
    return layer;
  }

  function showLegend(key) {
    document.querySelectorAll(".zicht-legend-theme").forEach((el) => {
      el.hidden = el.dataset.theme !== key;
    });
  }

  function showTheme(key) {
    if (!config.themes[key]) { return; }
    current = key;
    // A tooltip open on the old theme names the old values: it goes with the switch.
    if (shown) { shown.closeTooltip(); }
    const fresh = !built[config.themes[key].data];
    const layer = geographyLayer(config.themes[key].data);
    if (layer !== shown) {
      if (shown) { map.removeLayer(shown); }
      layer.addTo(map);
      shown = layer;
    }
    // A geography built before keeps the colours of the theme it showed last: restyle it.
    if (!fresh) { layer.setStyle((feature) => areaStyle(feature.properties)); }
    markNoValue(layer);
    showLegend(key);
    showChoice(key);
    listeners.forEach((f) => f(key));
  }

  // The view first, so that every path is projected once, at the zoom it is shown.
  fit();
  const overlays = {};
  Object.keys(config.contexts).forEach((key) => {
    const layer = contextLayer(key).addTo(map);
    overlays[config.contexts[key].name] = layer;
  });
  if (config.tiles) {
    const tiles = L.tileLayer(config.tiles.url, {attribution: config.tiles.attr,
                                                 maxZoom: config.tiles.maxZoom});
    overlays[config.tiles.name] = tiles;
    if (config.tiles.show) { tiles.addTo(map); }
  }
  const layerList = L.control.layers(null, overlays, {position: "topright", collapsed: true});
  layerList.addTo(map);

  // Two selects: the indicator (its column) and the level (the geography's data key).
  const picker = document.getElementById("zicht-picker");
  const level = document.getElementById("zicht-level");
  function themeAt(col, data) {
    return Object.keys(config.themes).find((k) => config.themes[k].col === col
                                                   && config.themes[k].data === data);
  }
  function showChoice(key) {
    const t = config.themes[key];
    if (picker && picker.value !== t.col) { picker.value = t.col; }
    if (!level) { return; }
    // The levels on which the chosen indicator has values; the others are hidden.
    [...level.options].forEach((o) => {
      const offered = Boolean(themeAt(t.col, o.value));
      o.hidden = !offered;
      o.disabled = !offered;
    });
    if (level.value !== t.data) { level.value = t.data; }
  }
  if (picker) {
    picker.addEventListener("change", () => {
      // The same level if the indicator is there, else the first level that has it.
      const col = picker.value;
      showTheme(themeAt(col, theme().data)
                || Object.keys(config.themes).find((k) => config.themes[k].col === col));
    });
  }
  if (level) {
    level.addEventListener("change", () => {
      // The same indicator if the level has it, else the level's headline rate.
      const own = Object.keys(config.themes).filter((k) => config.themes[k].data === level.value);
      const lead = (config.panel.areas[level.value] || {}).lead;
      showTheme(themeAt(theme().col, level.value) || (own.includes(lead) ? lead : own[0]));
    });
  }

  // Fit the study area into the part of the map the legend and the controls leave free.
  function fit() {
    const size = map.getSize();
    const legend = document.getElementById("zicht-legend");
    const controls = document.getElementById("zicht-controls");
    const left = legend && legend.offsetWidth + 30 < size.x / 2 ? legend.offsetWidth + 20 : 10;
    const top = controls && controls.offsetHeight + 20 < size.y / 3
      ? controls.offsetHeight + 20 : 10;
    map.fitBounds(config.bounds,
                  {paddingTopLeft: [left, top], paddingBottomRight: [10, 24], animate: false});
  }
  showTheme(config.initial);

  // The page's map and controls, for tests and for people who embed the map.
  window.zicht = {
    map: map,
    data: data,
    config: config,
    showTheme: showTheme,
    showLegend: showLegend,
    current: () => current,
    tooltip: areaTooltip,
    layer: () => shown,
    onChange: (f) => { listeners.push(f); },
    onClick: (f) => { clicks.push(f); },
    fit: fit,
  };
  // The side panel of a clicked area, and the search box that opens it (panel.js, search.js).
  window.zicht.panel = zichtPanel(window.zicht);
  window.zicht.search = zichtSearch(window.zicht, window.zicht.panel);
  // A [years] run: the year selector and the series in the panel (years.js).
  window.zicht.years = zichtYears(window.zicht);
  if (window.zicht.years) { window.zicht.years.restore(); }
  return window.zicht;
}
