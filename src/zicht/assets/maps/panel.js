/* zicht risk map: the side panel of an area and the download of what it shows.
 *
 * A click on an area (or a search hit) opens the panel: the area's published values on
 * every map layer of its geography beside the study area's figure (summed from published
 * values only) and its gemeente's (where the page has a gemeente layer), its place on the shown layer and in the composite index (with the interval),
 * why the layer is there and what to do next, and all areas of the layer ranked as a bar
 * chart. "Download" saves that ranking as CSV. The panel reads only what the page already
 * holds for its themes (published values; "" and null elsewhere), and writes only
 * zicht-escaped texts as HTML; numbers are formatted here. */
function zichtPanel(z) {
  "use strict";
  const cfg = z.config;
  const P = cfg.panel;
  const W = P.words;
  const el = document.getElementById("zicht-panel");
  const body = el ? el.querySelector(".zicht-panel-body") : null;
  let open = null;          // {key, k}: the data key and feature index shown in the panel
  let outline = null;       // the chosen area's outline on the map

  function fill(word, fields) {
    return word.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? fields[name] : m));
  }
  // zicht's escaped texts back to plain text, for the CSV (a textarea runs nothing).
  const decoder = document.createElement("textarea");
  function plain(escaped) { decoder.innerHTML = escaped || ""; return decoder.value; }

  // The buurt an H3 cell or merged region lies in, and how a list names an area.
  function inside(key, i) {
    const area = P.areas[key];
    if (!area.in || !P.buurt || area.in[i] < 0) { return ""; }
    const buurt = P.areas[P.buurt];
    return buurt.n[area.in[i]] || buurt.i[area.in[i]];
  }
  function label(key, i) {
    const area = P.areas[key];
    if (!area.coded) { return area.n[i] || area.i[i]; }
    const buurt = inside(key, i);
    return buurt ? `${area.i[i]} · ${buurt}` : area.i[i];
  }

  function themesOf(key) {
    return Object.keys(cfg.themes).filter((t) => cfg.themes[t].data === key);
  }
  function status(key, k) { return z.data[key].features[k].properties.s; }

  // The published numbers of a theme, highest first: [[feature index, value], ...].
  function ranking(theme) {
    const out = [];
    theme.v.forEach((v, k) => { if (v !== null && v !== undefined) { out.push([k, v]); } });
    return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }
  function gemeenteText(theme, key, k) {
    const inside = P.areas[key].gm;
    if (!P.gemeente || !inside || inside[k] < 0) { return null; }
    const same = themesOf(P.gemeente).map((t) => cfg.themes[t]).find((t) => t.col === theme.col);
    return same ? same.t[inside[k]] || "" : null;
  }

  // The area's published value on every layer of its geography, beside the study area's
  // figure (summed from published values only, _panel.py) and its gemeente's, where the page
  // has a gemeente layer. A figure that does not exist says so.
  function valuesTable(key, k) {
    const area = P.areas[key];
    const S = P.study;
    const showGm = Boolean(P.gemeente && area.gm && area.gm[k] >= 0 && key !== P.gemeente);
    let rows = "";
    let missing = false;
    themesOf(key).forEach((tk) => {
      const t = cfg.themes[tk];
      // The composite's interval and stability are said with its rank, above the table.
      if (/_rank_(lo|hi|unstable)$/.test(t.col)) { return; }
      let study = "";
      if (t.kind === "choropleth") {
        study = S.themes[tk] && S.themes[tk].t ? S.themes[tk].t : W.panel_not_available;
        missing = missing || study === W.panel_not_available;
      }
      const gm = showGm ? gemeenteText(t, key, k) : null;
      rows += `<tr${tk === z.current() ? ' class="zicht-current"' : ""}><th scope="row">${t.title}</th>`
        + `<td>${t.t[k] || cfg.noValueText}</td><td>${study}</td>`
        + (showGm ? `<td>${gm || ""}</td>` : "") + "</tr>";
    });
    const gmName = showGm ? P.areas[P.gemeente].n[area.gm[k]] : "";
    const gmHead = showGm ? `<th scope="col">${W.gemeente}: ${gmName}</th>` : "";
    const studyHead = S.name ? `${W.panel_study}: ${S.name}` : W.panel_study;
    return `<table class="zicht-panel-values"><caption>${W.panel_values}</caption><thead><tr>`
      + `<th scope="col">${W.panel_layer}</th><th scope="col">${W.panel_this_area}</th>`
      + `<th scope="col">${studyHead}</th>${gmHead}</tr></thead><tbody>${rows}</tbody></table>`
      + studyNotes(showGm, missing);
  }

  function studyNotes(showGm, missing) {
    const S = P.study;
    const own = S.themes[z.current()];
    let out = S.geo
      ? fill(own && own.n ? W.panel_study_note : W.panel_study_note_plain,
             {n: own ? own.n : 0, of: S.of, geo: S.geo})
      : W.panel_study_none;
    if (missing) { out += " " + W.panel_study_missing; }
    if (!P.gemeente) { out += " " + W.panel_no_gemeente; }
    return `<p class="zicht-explain zicht-study-note">${out}</p>`;
  }

  function notes(themeKey) {
    const note = P.notes[themeKey];
    if (!note) { return ""; }
    let out = note.p ? `<h3>${W.panel_purpose}</h3><p>${note.p}</p>` : "";
    if (note.f.length) {
      out += `<h3>${W.panel_follow_up}</h3><ul>${note.f.map((s) => `<li>${s}</li>`).join("")}</ul>`;
    }
    return out;
  }

  // Every area of the shown layer: ranked by value with a bar, or listed per class.
  function rankingList(key, k) {
    const t = cfg.themes[z.current()];
    const area = P.areas[key];
    let ranked = ranking(t);
    let bars = t.kind === "choropleth" && ranked.length > 0;
    if (!bars) {
      ranked = [];
      t.c.forEach((c, i) => { if (c >= 0 && status(key, i) === "published") { ranked.push([i, c]); } });
      ranked.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    }
    const top = bars ? Math.max(...ranked.map((r) => Math.abs(r[1])), 1e-12) : 1;
    const items = ranked.map(([i, v], place) => {
      const width = bars ? (100 * Math.abs(v) / top).toFixed(1) : 0;
      const bar = bars ? `<span class="zicht-bar" style="width:${width}%"></span>` : "";
      return `<li data-k="${i}"${i === k ? ' class="zicht-current" aria-current="true"' : ""}>`
        + `<button type="button"><span class="zicht-rank">${place + 1}</span>`
        + `<span class="zicht-name">${label(key, i)}</span>`
        + `<span class="zicht-value">${t.t[i] || ""}</span>${bar}</button></li>`;
    }).join("");
    const without = t.c.length - ranked.length;
    const geo = cfg.themes[z.current()].geo.toLowerCase();
    return `<h3>${fill(W.panel_ranking, {geo: geo})}</h3>`
      + (bars ? "" : `<p>${W.panel_classes}</p>`)
      + `<ol class="zicht-ranking">${items}</ol>`
      + (without ? `<p>${fill(W.panel_without, {n: without})}</p>` : "");
  }

  function place(key, k) {
    const t = cfg.themes[z.current()];
    if (t.kind !== "choropleth" || t.v[k] === null) { return ""; }
    const ranked = ranking(t);
    const rank = 1 + ranked.filter((r) => r[1] > t.v[k]).length;
    return `<p class="zicht-panel-rank">${t.title}: ${fill(W.panel_rank, {rank: rank, n: ranked.length})}</p>`;
  }

  // A merged area's value is its region's: a button opens the region's panel.
  function regionAt(region) {
    const regions = P.areas["a:region"];
    return regions ? regions.i.indexOf(region) : -1;
  }
  // A merged cell names its region as a person reads it ("Gebied van 23 cellen in …").
  function regionName(region) {
    const at = regionAt(region);
    return at >= 0 && P.areas["a:region"].t ? P.areas["a:region"].t[at] : region;
  }
  function regionButton(region) {
    const at = regionAt(region);
    if (at < 0 || !themesOf("a:region").length) { return ""; }
    return `<button type="button" class="zicht-go-region" data-k="${at}">`
      + `${fill(W.panel_open_region, {name: regionName(region)})}</button>`;
  }

  function render() {
    if (!open || !body) { return; }
    const {key, k} = open;
    const p = z.data[key].features[k].properties;
    const area = P.areas[key];
    // A cell or merged area is headed by where it lies ("Cel in Otterlo-Centrum, Ede"),
    // any other area by its name; the code follows in small print.
    const title = area.t ? area.t[k] : area.coded ? `${area.kind} ${area.i[k]}` : area.n[k] || area.i[k];
    const buurt = area.t ? "" : inside(key, k);
    let out = `<h2 id="zicht-panel-title">${title}</h2>`
      + `<p class="zicht-panel-kind">${area.kind} · ${area.i[k]} · ${cfg.bandLabel}: ${p.b}</p>`
      + (buurt ? `<p>${fill(W.panel_inside, {kind: P.areas[P.buurt].kind, name: buurt})}</p>` : "");
    if (p.s !== "published") {
      out += `<p class="zicht-panel-status">${cfg.statusText[p.s] || cfg.statusText.suppressed}</p>`
        + (p.r ? `<p>${cfg.regionLabel}: ${regionName(p.r)}</p>` + regionButton(p.r) : "")
        + `<p>${W.panel_not_published}</p>`;
    } else {
      out += place(key, k) + (p.x ? `<p class="zicht-panel-rank">${p.x}</p>` : "")
        + valuesTable(key, k);
    }
    out += (z.years ? z.years.chart(key, k) : "") + notes(z.current()) + rankingList(key, k)
      + `<button type="button" class="zicht-download" data-testid="download">${W.download}</button>`;
    body.innerHTML = out;
    body.querySelectorAll(".zicht-ranking li").forEach((li) => {
      li.querySelector("button").addEventListener("click", () => show(key, Number(li.dataset.k), true));
    });
    body.querySelector(".zicht-download").addEventListener("click", download);
    const region = body.querySelector(".zicht-go-region");
    if (region) {
      region.addEventListener("click", () => show("a:region", Number(region.dataset.k), true));
    }
    // Show the area's place in the ranked list, without scrolling the panel itself.
    const list = body.querySelector(".zicht-ranking");
    const current = list.querySelector(".zicht-current");
    if (current) {
      list.scrollTop = current.offsetTop - list.offsetTop - list.clientHeight / 2;
    }
    el.scrollTop = 0;
  }

  function mark(key, k) {
    if (outline) { z.map.removeLayer(outline); }
    outline = L.geoJSON(z.data[key].features[k], {
      pane: "zichtOutlines", interactive: false,
      style: {color: "#000000", weight: 4, opacity: 1, fill: false, className: "zicht-chosen"},
    }).addTo(z.map);
    return outline.getBounds();
  }

  function show(key, k, zoom) {
    if (!el || !P.areas[key]) { return; }
    const bounds = mark(key, k);
    if (zoom) {
      // Into the part of the map that the legend and the panel leave free.
      const size = z.map.getSize();
      const legend = document.getElementById("zicht-legend");
      const left = legend && legend.offsetWidth + 60 < size.x / 2 ? legend.offsetWidth + 30 : 30;
      const right = size.x > 600 ? Math.min(380, size.x / 3) + 20 : 30;
      const bottom = size.x > 600 ? 30 : size.y * 0.45 + 20;
      z.map.fitBounds(bounds, {maxZoom: 15, animate: false, paddingTopLeft: [left, 70],
                               paddingBottomRight: [right, bottom]});
    }
    if (cfg.themes[z.current()].data !== key) {
      // A hit on another published geography shows it, on the same indicator if it has it.
      const own = themesOf(key);
      if (!own.length) { return; } // a public outline only: no values to show
      const col = cfg.themes[z.current()].col;
      const lead = own.includes(P.areas[key].lead) ? P.areas[key].lead : own[0];
      z.showTheme(own.find((t) => cfg.themes[t].col === col) || lead);
      mark(key, k);
    }
    open = {key: key, k: k};
    el.hidden = false;
    render();
  }

  function close() {
    open = null;
    if (el) { el.hidden = true; }
    if (outline) { z.map.removeLayer(outline); outline = null; }
  }

  // The ranking of the shown layer as CSV: one row per area, published values only.
  function csvCell(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
    return /[",;\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
  function csvText() {
    const tk = z.current();
    const t = cfg.themes[tk];
    const key = t.data;
    const area = P.areas[key];
    const rank = new Map(ranking(t).map(([k], i) => [k, i + 1]));
    const head = [W.csv_rank, W.csv_code, W.csv_name, W.csv_kind, W.csv_layer, W.csv_value,
                  W.csv_value_text, W.csv_status].map(plain);
    const order = t.c.map((c, k) => k).sort((a, b) => (rank.get(a) || Infinity) - (rank.get(b) || Infinity) || a - b);
    const rows = order.map((k) => {
      const p = z.data[key].features[k].properties;
      const published = p.s === "published";
      const shown = published ? W.csv_published : (cfg.statusText[p.s] || cfg.statusText.suppressed);
      return [rank.get(k) || "", plain(area.i[k]), plain(area.n[k]), plain(area.kind),
              plain(t.geo + ": " + t.title), published && t.v[k] !== null ? t.v[k] : "",
              published ? plain(t.t[k]) : "", plain(shown)];
    });
    return [head, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }
  function download() {
    const t = cfg.themes[z.current()];
    const blob = new Blob(["\ufeff" + csvText()], {type: "text/csv;charset=utf-8"});
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `zicht-${t.data.slice(2)}-${z.current()}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  if (el) {
    el.querySelector(".zicht-panel-close").addEventListener("click", close);
    el.addEventListener("keydown", (e) => { if (e.key === "Escape") { close(); } });
  }
  z.onClick((themeKey, p) => show(cfg.themes[themeKey].data, p.k, false));
  z.onChange(() => {
    if (open && cfg.themes[z.current()].data !== open.key) { close(); } else { render(); }
  });
  return {show: show, close: close, csv: csvText, open: () => open};
}
