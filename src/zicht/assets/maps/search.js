/* zicht risk map: the search box. It finds a buurt, wijk, gemeente or park by name or code
 * among the names the page already holds (the published geographies and the public
 * boundary layers; no value), zooms there and opens the area's panel. Offline: the index
 * is built from the page's own data when the box is first used. */
function zichtSearch(z, panel) {
  "use strict";
  const P = z.config.panel;
  const W = P.words;
  const input = document.getElementById("zicht-search");
  const list = document.getElementById("zicht-search-results");
  const status = document.getElementById("zicht-search-status");
  const MAX = 8;
  let index = null;   // [{key, k, name, code, kind, text}], built on first use
  let hits = [];
  let active = -1;

  const decoder = document.createElement("textarea");
  function plain(escaped) { decoder.innerHTML = escaped || ""; return decoder.value; }
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, " ").trim();
  }

  function build() {
    const seen = new Set();
    const out = [];
    // Published geographies first (a hit opens the panel), then the public outlines.
    const keys = Object.keys(P.areas).sort((a, b) => (a[0] === "a" ? 0 : 1) - (b[0] === "a" ? 0 : 1));
    keys.forEach((key) => {
      const area = P.areas[key];
      if (!area.search || !z.data[key]) { return; }
      area.i.forEach((code, k) => {
        const name = plain(area.n[k]);
        const id = plain(code);
        const seenKey = id + "|" + name;
        if (seen.has(seenKey)) { return; }
        seen.add(seenKey);
        out.push({key: key, k: k, name: name || id, code: id, kind: plain(area.kind),
                  folded: fold(name), foldedCode: fold(id)});
      });
    });
    return out;
  }

  function score(entry, query) {
    if (entry.foldedCode === query) { return 0; }
    if (entry.folded === query) { return 1; }
    if (entry.folded.startsWith(query) || entry.foldedCode.startsWith(query)) { return 2; }
    if ((" " + entry.folded).includes(" " + query)) { return 3; }
    if (entry.folded.includes(query) || entry.foldedCode.includes(query)) { return 4; }
    return -1;
  }

  function find(text) {
    if (!index) { index = build(); }
    const query = fold(text);
    if (!query) { return []; }
    const found = [];
    index.forEach((entry) => {
      const s = score(entry, query);
      if (s >= 0) { found.push([s, entry]); }
    });
    found.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name, "nl"));
    return found.slice(0, MAX).map((f) => f[1]);
  }

  function say(text) { if (status) { status.textContent = text; } }

  function showList() {
    list.textContent = "";
    hits.forEach((entry, i) => {
      const li = document.createElement("li");
      li.id = "zicht-search-hit-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      const name = document.createElement("span");
      name.className = "zicht-hit-name";
      name.textContent = entry.name;
      const what = document.createElement("span");
      what.className = "zicht-hit-kind";
      what.textContent = entry.kind + (entry.code && entry.code !== entry.name ? " · " + entry.code : "");
      li.append(name, what);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); go(entry); });
      list.appendChild(li);
    });
    if (!hits.length && input.value.trim()) {
      const li = document.createElement("li");
      li.className = "zicht-hit-none";
      li.textContent = plain(W.search_none);
      list.appendChild(li);
    }
    const shown = list.childElementCount > 0;
    list.hidden = !shown;
    input.setAttribute("aria-expanded", shown ? "true" : "false");
    if (active >= 0) { input.setAttribute("aria-activedescendant", "zicht-search-hit-" + active); } else { input.removeAttribute("aria-activedescendant"); }
  }

  function hide() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function go(entry) {
    hits = [];
    active = -1;
    input.value = entry.name;
    hide();
    if (panel) { panel.show(entry.key, entry.k, true); }
    say(plain(W.search_zoomed).replace("{name}", entry.name));
  }

  if (!input || !list) { return {find: find}; }
  input.addEventListener("input", () => {
    hits = find(input.value);
    active = -1;
    showList();
    if (input.value.trim()) {
      say(hits.length ? plain(W.search_found).replace("{n}", hits.length) : plain(W.search_none));
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!hits.length) { return; }
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      showList();
    } else if (e.key === "Enter") {
      if (!hits.length) { hits = find(input.value); }
      if (hits.length) { e.preventDefault(); go(hits[Math.max(active, 0)]); }
    } else if (e.key === "Escape") {
      hide();
    }
  });
  input.addEventListener("blur", hide);
  return {find: find, go: go};
}
