/* zicht risk map of one year of a [years] run: the year selector and each area's series.
 *
 * config.years (zicht.maps._years) holds the run's years, this page's year, and per data key,
 * indicator and area id the area's PUBLISHED value of every year (null where that year did
 * not publish it) and its trend in words; H3 cells also their emerging hot-spot category.
 * The selector opens the other year's page (../<year>/risk_map.html, offline) on the same
 * layer, view and area (#t=theme&v=lat,lng,zoom&a=key~id). chart() draws the series as a
 * small inline SVG for the side panel: a year without a published value has no point. */
function zichtYears(z) {
  "use strict";
  const Y = z.config.years;
  if (!Y) { return null; }
  const W = Y.words;
  function fill(word, fields) {
    return word.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? fields[name] : m));
  }

  function view() {
    const c = z.map.getCenter();
    let out = `#t=${encodeURIComponent(z.current())}`
      + `&v=${c.lat.toFixed(6)},${c.lng.toFixed(6)},${z.map.getZoom()}`;
    const open = z.panel && z.panel.open();
    if (open) {
      out += `&a=${encodeURIComponent(open.key)}~${encodeURIComponent(z.config.panel.areas[open.key].i[open.k])}`;
    }
    return out;
  }
  const select = document.getElementById("zicht-year");
  if (select) {
    select.addEventListener("change", () => {
      window.location.href = `../${Number(select.value)}/risk_map.html${view()}`;
    });
  }

  // The view the other year's page was left in.
  function restore() {
    const found = /^#t=([^&]*)&v=(-?[\d.]+),(-?[\d.]+),([\d.]+)(?:&a=([^~&]*)~([^&]*))?$/.exec(window.location.hash);
    if (!found) { return; }
    const theme = decodeURIComponent(found[1]);
    if (z.config.themes[theme]) { z.showTheme(theme); }
    z.map.setView([Number(found[2]), Number(found[3])], Number(found[4]), {animate: false});
    if (found[5] && z.panel) {
      const key = decodeURIComponent(found[5]);
      const area = z.config.panel.areas[key];
      const k = area ? area.i.indexOf(decodeURIComponent(found[6])) : -1;
      if (k >= 0) { z.panel.show(key, k, false); }
    }
  }

  function chart(key, k) {
    // The shown layer's series, else the first trended indicator of this geography.
    const cols = Y.series[key] || {};
    const shownCol = z.config.themes[z.current()].col;
    const col = shownCol in cols ? shownCol : Object.keys(cols)[0];
    const own = Object.values(z.config.themes).find((t) => t.data === key && t.col === col);
    const area = z.config.panel.areas[key];
    const bySeries = cols[col];
    const row = bySeries && area ? bySeries[area.i[k]] : null;
    if (!row) { return ""; }
    const values = row.slice(0, Y.years.length);
    const shown = values.filter((v) => v !== null);
    const w = 240, h = 90, left = 8, right = 8, top = 10, bottom = 22;
    const lo = Math.min(...shown, 0), hi = Math.max(...shown, 1e-12);
    const x = (i) => left + (Y.years.length > 1 ? i * (w - left - right) / (Y.years.length - 1) : 0);
    const y = (v) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo || 1));
    let path = "", pen = false, marks = "";
    values.forEach((v, i) => {
      const year = Y.years[i];
      const label = `<text x="${x(i).toFixed(1)}" y="${h - 6}" text-anchor="middle"`
        + `${year === Y.current ? ' font-weight="bold"' : ""}>${year}</text>`;
      if (v === null) {
        pen = false;
        marks += `<g class="zicht-year-hidden" data-year="${year}"><title>${fill(W.map_hidden_year, {year: year})}</title>${label}</g>`;
        return;
      }
      path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
      marks += `<g class="zicht-year-value" data-year="${year}"><title>${year}: ${v}</title>`
        + `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"></circle>${label}</g>`;
    });
    const title = own ? own.title : "";
    const cat = key === "a:h3" ? Y.category[area.i[k]] : "";
    return `<figure class="zicht-years-chart" data-testid="years-chart">`
      + `<figcaption>${fill(W.map_chart, {title: title})}</figcaption>`
      + `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">`
      + `<path d="${path}" fill="none" stroke="#b30000" stroke-width="1.5"></path>${marks}</svg>`
      + `<p class="zicht-years-trend">${fill(W.map_trend, {trend: row[Y.years.length]})}</p>`
      + (cat ? `<p class="zicht-years-category">${fill(W.map_category, {category: cat})}</p>` : "")
      + "</figure>";
  }
  return {chart: chart, restore: restore, view: view};
}
