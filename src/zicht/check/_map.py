"""The map page, read as a hostile reader would: only what the map writer emits.

The checker does not trust the HTML map because the manifest lists its hash. It parses the
page and fails on anything the writer (:mod:`zicht.maps`) does not emit:

* **scripts**: a ``<script>`` is Leaflet byte for byte (from ``xstatic-leaflet``), folium's
  two-line prelude, or the page script, which must consist of folium's ``L.map(…)`` call,
  the writer's own assets (``zicht/assets/maps/*.js``, verbatim) and its setup template
  (``zicht/assets/maps/setup.js.jinja``) with three JSON objects in its holes. Any other
  statement (``fetch("https://…")``) is reported with where it starts;
* **markup**: elements that run or load something (``iframe``, ``img``, ``object``, ``a
  href``, SVG ``use``/``image``/``foreignObject``, ``form``, ``base``, ``link``, a
  ``meta`` refresh …), event attributes (``on…``), URLs in attributes or styles. HTML in the
  embedded texts (tooltips) may use only the writer's ``<b>``/``<br>``-kind tags, bare;
* **values**: each map layer's number for each area equals the published CSV's (to the six
  significant digits the writer keeps), no value or text is shown for an area that is not
  published, every area on the map is one of the layer's, with the layer's status, and each
  shown value text carries its own value;
* **words**: every word the page can show (markup text, every text in the embedded data)
  comes from the published files (manifest, CSVs, the GeoPackage's context layers), the
  string catalogue or the writer's own assets. A tooltip changed to "SECRET 7 of 243"
  fails on "SECRET".

What the writer emits is read from its own asset files, so a change to the page script or
its words does not need a change here; a change to the structure of the embedded data
(theme ``c``/``t``/``v`` lists, features' ``h``/``s``) does.
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from importlib import import_module
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from zicht._strings import catalogue, domains
from zicht.check._files import ReleaseFiles
from zicht.check._report import CheckReport

__all__ = ["check_maps"]

CHECK = "map page"

# Elements that run, load, navigate or embed: never emitted by the writer.
_ACTIVE = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "img", "image",
    "picture", "source", "audio", "video", "track", "link", "base", "form", "portal",
    "foreignobject", "use", "animate", "set", "animatemotion", "animatetransform", "template",
    "noscript", "math", "canvas", "dialog", "area", "map",
}  # fmt: skip
_URL_ATTRS = {
    "href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data",
    "background", "ping", "lowsrc", "dynsrc", "codebase", "cite", "manifest", "itemtype",
}  # fmt: skip
_FRAGMENT_TAGS = {"b", "br", "strong", "em", "i", "small", "sub", "sup", "span"}
_BAD_VALUE = re.compile(r"javascript:|vbscript:|data:text|expression\s*\(", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(?!['\"]?(?:data:image/|#))", re.IGNORECASE)
# A word: letters, or an identifier joined by underscores (cell_key_secret_env is one word).
_WORD = re.compile(r"[^\W\d]{3,}")
_NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")
_GROUPED = re.compile(r"(?<=\d)[\u202f\u00a0\u2009 ](?=\d{3}\b)")
_CLASSES = re.compile(r"zicht-[\w-]*(?: zicht-[\w-]*)*")
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([\d., ]+\)")
_PRELUDE = re.compile(r"\s*L_NO_TOUCH = (?:true|false);\s*L_DISABLE_3D = (?:true|false);\s*")
_NUM = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
_FOLIUM_MAP = re.compile(
    r"var (map_\w+) = L\.map\(\s*\"\1\",\s*\{\s*center:\s*\[\s*" + _NUM + r",\s*" + _NUM
    + r"\s*\],\s*crs:\s*L\.CRS\.EPSG3857,\s*\.\.\.\{(?:\s*\"\w+\":\s*(?:true|false|null|"
    + _NUM + r"|\"[\w .-]*\"),)*\s*\}\s*\}\s*\);"
)  # fmt: skip
_HOLE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
# The two online backgrounds the writer can be asked for (zicht.maps.TILES).
_TILE_PREFIXES = (
    "https://service.pdok.nl/",
    "https://www.kadaster.nl",
    "https://tile.openstreetmap.org/",
    "https://www.openstreetmap.org/copyright",
)


# ----------------------------------------------------------------------------- the writer


@functools.cache
def _assets() -> tuple[tuple[str, ...], str]:
    """Return the writer's page scripts (verbatim) and its setup template."""
    folder = files("zicht").joinpath("assets", "maps")
    scripts = tuple(
        p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".js")
    )
    setup = folder.joinpath("setup.js.jinja").read_text(encoding="utf-8")
    return scripts, setup


@functools.cache
def _leaflet() -> str | None:
    try:
        package = import_module("xstatic.pkg.leaflet")
    except ImportError:  # pragma: no cover - a declared dependency of the maps
        return None
    return (Path(package.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")


@functools.cache
def _asset_words() -> frozenset[str]:
    folder = files("zicht").joinpath("assets", "maps")
    found: set[str] = set()
    for p in folder.iterdir():
        if p.name.endswith((".js", ".css", ".jinja")):
            found |= _words(p.read_text(encoding="utf-8"))
    for domain in domains():
        for language in ("nl", "en"):
            for value in catalogue(domain, language).values():
                found |= _words(value)
    return frozenset(found)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


# ----------------------------------------------------------------------------- parsing


class _Page(HTMLParser):
    """Every element with its attributes, every script and style body, every text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]], int]] = []
        self.scripts: list[tuple[list[tuple[str, str | None]], str, int]] = []
        self.styles: list[str] = []
        self.texts: list[str] = []
        self._open: tuple[str, list[tuple[str, str | None]], int] | None = None
        self._body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in ("script", "style"):
            self._open, self._body = (tag, attrs, line), []
            if tag == "style":
                self.elements.append((tag, attrs, line))
            return
        self.elements.append((tag, attrs, line))

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            name, attrs, line = self._open
            body = "".join(self._body)
            if name == "script":
                self.scripts.append((attrs, body, line))
            else:
                self.styles.append(body)
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._body.append(data)
        elif data.strip():
            self.texts.append(data)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


# ----------------------------------------------------------------------------- markup


def _markup(
    page: _Page,
    where: str,
    report: CheckReport,
    *,
    fragment: bool = False,
    pages: frozenset[str] = frozenset(),
) -> None:
    """Report active elements, events and links; ``<a href>`` may name one of ``pages``."""
    for tag, attrs, line in page.elements:
        at = f"{where} line {line}" if not fragment else where
        if tag in _ACTIVE or (tag == "meta" and _refresh(attrs)):
            report.add(CHECK, at, f"element <{tag}> that the map writer does not emit")
        elif fragment and tag not in _FRAGMENT_TAGS:
            report.add(CHECK, at, f"element <{tag}> in an embedded text")
        for name, value in attrs:
            value = value or ""
            if fragment:
                report.add(CHECK, at, f"attribute {name}= in an embedded text")
            elif name.startswith("on"):
                report.add(CHECK, at, f"event attribute {name}= on <{tag}>")
            elif tag == "a" and name == "href" and value in pages:
                continue  # the overview's link to a gemeente page of this release, and back
            elif name in _URL_ATTRS and not value.startswith("#"):
                report.add(CHECK, at, f"<{tag} {name}={value[:60]!r}>: a link or resource")
            elif _BAD_VALUE.search(value) or (name == "style" and _CSS_URL.search(value)):
                report.add(CHECK, at, f"<{tag} {name}=…> carries {value[:60]!r}")
    if fragment and page.scripts:
        report.add(CHECK, where, "a <script> in an embedded text")


def _refresh(attrs: list[tuple[str, str | None]]) -> bool:
    return any(k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs)


def _styles(page: _Page, where: str, report: CheckReport) -> None:
    for body in page.styles:
        found = _style_loads(body)
        if found is not None:
            report.add(CHECK, where, f"a style that loads or runs something: {found!r}")


@functools.lru_cache(maxsize=32)
def _style_loads(body: str) -> str | None:
    """Return what a style body loads or runs, or ``None`` (pages repeat the same styles)."""
    if "@import" in body.lower() or _CSS_URL.search(body) or _BAD_VALUE.search(body):
        return (re.search(r"@import|url\([^)]{0,60}|expression\(", body, re.I) or [""])[0]
    return None


# ----------------------------------------------------------------------------- scripts


def _scripts(page: _Page, where: str, report: CheckReport) -> list[dict[str, Any]]:
    """Check every script; return the JSON objects of the page script (data, config, tiles)."""
    leaflet = _leaflet()
    payloads: list[dict[str, Any]] = []
    for attrs, body, line in page.scripts:
        at = f"{where} line {line}"
        if attrs:
            report.add(CHECK, at, f"<script {' '.join(k for k, _ in attrs)}>: attributes")
        if body == leaflet or _PRELUDE.fullmatch(body):
            continue
        found, problem = _page_script(body)
        if problem:
            report.add(CHECK, at, problem)
        payloads.extend(found)
    if not payloads:
        report.add(CHECK, where, "no page script with the map's data")
    return payloads


def _page_script(body: str) -> tuple[list[dict[str, Any]], str]:
    """Consume the page script piece by piece; return its JSON and what did not fit."""
    scripts, setup = _assets()
    pos, found = 0, []
    while True:
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if pos >= len(body):
            return found, ""
        match = _FOLIUM_MAP.match(body, pos)
        if match:
            pos = match.end()
            continue
        piece = next((s for s in scripts if s and body.startswith(s, pos)), None)
        if piece is not None:
            pos += len(piece)
            continue
        end, holes = _fill(setup, body, pos)
        if end is None:
            end, holes = _call(body, pos)
        if end is None:
            snippet = body[pos : pos + 80].replace("\n", " ")
            return found, f"script that the map writer does not emit, at {pos}: {snippet!r}"
        found.append(holes)
        pos = end


@functools.cache
def _functions() -> frozenset[str]:
    """Return the functions the writer's script assets declare (``function zichtContext(``)."""
    scripts, _ = _assets()
    return frozenset(
        m for s in scripts for m in re.findall(r"^function ([A-Za-z_$][\w$]*)\(", s, re.M)
    )


# What a call may pass besides JSON: the page's own objects and plain literals.
_CALL_ARG = re.compile(r"(?:window\.zicht|map_\w+|zicht_\w+|true|false|null)\b")


def _skip(body: str, pos: int) -> int:
    while pos < len(body) and body[pos].isspace():
        pos += 1
    return pos


def _call(body: str, pos: int) -> tuple[int | None, dict[str, Any]]:
    """Match ``f(window.zicht, {…});``: a call of an asset's function with names and JSON."""
    name = _NAME.match(body, pos)
    if name is None or name.group(0) not in _functions():
        return None, {}
    function, decoder, args = name.group(0), json.JSONDecoder(), {}
    pos = _skip(body, name.end())
    if not body.startswith("(", pos):
        return None, {}
    pos, i = _skip(body, pos + 1), 0
    while not body.startswith(")", pos):
        if i:
            if not body.startswith(",", pos):
                return None, {}
            pos = _skip(body, pos + 1)
        word = _CALL_ARG.match(body, pos)
        if word is not None:
            pos = word.end()
        else:
            try:
                args[f"{function}[{i}]"], pos = decoder.raw_decode(body, pos)
            except json.JSONDecodeError:
                return None, {}
        pos, i = _skip(body, pos), i + 1
    pos = _skip(body, pos + 1)
    return (pos + 1, args) if body.startswith(";", pos) else (None, {})


def _fill(template: str, body: str, pos: int) -> tuple[int | None, dict[str, Any]]:
    """Match the setup template at ``pos``: literal text, names and JSON in its holes."""
    decoder = json.JSONDecoder()
    holes: dict[str, Any] = {}
    parts = _HOLE.split(template.strip())
    for i, part in enumerate(parts):
        while i % 2 and pos < len(body) and body[pos].isspace():
            pos += 1
        if i % 2 == 0:
            pattern = r"\s*".join(re.escape(w) for w in part.split())
            match = re.compile(r"\s*" + pattern).match(body, pos)
            if match is None:
                return None, {}
            pos = match.end()
        elif part.endswith("_json"):
            try:
                holes[part.rsplit(".", 1)[-1]], pos = decoder.raw_decode(body, pos)
            except json.JSONDecodeError:
                return None, {}
        else:
            match = _NAME.match(body, pos)
            if match is None:
                return None, {}
            pos = match.end()
    return pos, holes


# ----------------------------------------------------------------------------- the data


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in ``value`` with its path (``a.b[2]``), geometries left out."""
    return iter(_flat(value, path))


def _flat(value: Any, path: str = "", out: list[tuple[str, str]] | None = None) -> list:
    """Return :func:`_strings` as a list, in the same order.

    One walk of a page's data, appended to one list: nested generators cost a step per
    level for every string (20 M steps for the ~400 gemeente pages of a 2 M run, walked
    twice).
    """
    out = [] if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "geometry":
                _flat(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                out.append((f"{path}[{i}]", v))
            elif isinstance(v, (dict, list)):
                _flat(v, f"{path}[{i}]", out)
    elif isinstance(value, str):
        out.append((path, value))
    return out


# The words of GeoJSON itself (the type of each feature collection, feature and geometry).
_GEOJSON = {"featurecollection", "feature", "point", "multipoint", "linestring",
            "multilinestring", "polygon", "multipolygon", "geometrycollection"}  # fmt: skip


def _vocabulary(release: ReleaseFiles) -> set[str]:
    words = set(_asset_words()) | _GEOJSON
    words |= {w for _, s in _strings(release.manifest) for w in _words(s)}
    frames = [layer.frame for layer in release.layers]
    if release.pieces is not None:
        frames.append(release.pieces)
    frames += list(_context_tables(release.path))
    for frame in frames:
        words |= {w for c in frame.columns for w in _words(str(c))}
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                for value in frame[column].dropna().astype(str).unique():
                    words |= _words(value)
    return words


def _context_tables(path: Path) -> Iterable[pd.DataFrame]:
    gpkg = path / "release.gpkg"
    if not gpkg.is_file():
        return []
    import pyogrio

    names = [str(n) for n, _ in pyogrio.list_layers(gpkg) if str(n).startswith("context_")]
    return [pyogrio.read_dataframe(gpkg, layer=n, read_geometry=False) for n in names]


def _texts(
    objects: Iterable[tuple[str, list[tuple[str, str]]]],
    markup: list[str],
    vocabulary: set[str],
    unknown: dict[str, set[str]] | None = None,
) -> Iterator[tuple[str, str]]:
    """Every word the page shows that no published file, catalogue or asset has.

    ``objects`` are the page's JSON objects, each as its strings (:func:`_flat`);
    ``unknown`` keeps each text's words outside ``vocabulary`` for the other pages of the
    release (the pages repeat the same value texts, names and words).
    """
    unknown = {} if unknown is None else unknown
    seen: set[str] = set()
    for where, strings in objects:
        if where == "tiles_json":
            continue  # the chosen background's name and attribution: its URLs are checked
        for path, text in strings:
            words = unknown.get(text)
            if words is None:
                words = unknown[text] = _unknown_words(text, vocabulary)
            if words:
                for word in words - seen:
                    seen.add(word)
                    yield path, word
    for text in markup:
        for word in _words(text) - vocabulary - seen:
            seen.add(word)
            yield "markup", word


def _unknown_words(text: str, vocabulary: set[str]) -> set[str]:
    """Return the words an embedded text shows that are not in ``vocabulary``."""
    if _COLOUR.fullmatch(text.strip()) or _CLASSES.fullmatch(text.strip()):
        return set()  # a colour, or class names in the writer's zicht- namespace
    shown = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return _words(shown) - vocabulary


# The names of the context labels: context.js (byte-checked) sets them with textContent, so a
# published name like "<img …>" is shown as those characters. A label must be the name of a
# published area (a layer's or a context layer's); any other label is reported, and checked
# as markup like every other embedded text.
_LABEL = re.compile(r"zichtContext\[\d+\]\.labels\[\d+\]\[2\]")


def _fragments(
    objects: Iterable[tuple[str, list[tuple[str, str]]]],
    report: CheckReport,
    names: frozenset[str],
    found: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Check every embedded text as markup, and every context label's name.

    ``found`` keeps what each text was found to carry, for the other pages of the release.
    """
    found = {} if found is None else found
    for _, strings in objects:
        for path, text in strings:
            if "labels" in path and _LABEL.fullmatch(path):
                if text in names:
                    continue
                report.add(CHECK, path, f"the label {text[:60]!r} names no published area")
            if "<" in text or "&" in text:
                details = found.get(text)
                if details is None:
                    details = found[text] = _fragment_findings(text)
                for detail in details:
                    report.add(CHECK, path, detail)


# The bare tags an embedded text may use, exactly as the writer writes them.
_BARE = re.compile(r"</?(?:" + "|".join(sorted(_FRAGMENT_TAGS)) + r")>|<br ?/>")


def _fragment_findings(text: str) -> tuple[str, ...]:
    """Return what :func:`_markup` reports for one embedded text (its path the place).

    A text whose every ``<`` opens one of the writer's bare tags (``<b>``, ``</b>``,
    ``<br>`` …) holds only those elements, with no attribute and no script: it has nothing
    to report, and is not parsed.
    """
    if "<" not in _BARE.sub("", text):
        return ()
    collected = CheckReport(release="")
    _markup(_parse(text), "", collected, fragment=True)
    return tuple(v.detail for v in collected.violations)


def _area_names(release: ReleaseFiles) -> frozenset[str]:
    """Return the names of the published areas: of every layer and every context layer."""
    names: set[str] = set()
    frames = [layer.frame for layer in release.layers]
    for frame in [*frames, *_context_tables(release.path)]:
        for column in ("area_name", "name"):
            if column in frame.columns:
                names |= set(frame[column].dropna().astype(str))
    return frozenset(names)


def _tiles(tiles: Any, where: str, report: CheckReport) -> None:
    if tiles is None:
        return
    for path, text in _strings(tiles, "tiles"):
        for url in re.findall(r"(?:https?:)?//[^\s'\"<>)]+", text):
            if not url.startswith(_TILE_PREFIXES):
                report.add(CHECK, f"{where}: {path}", f"a URL the map writer does not emit: {url}")


# ----------------------------------------------------------------------------- the values


def _feature_ids(data: dict[str, Any], config: dict[str, Any], key: str) -> list[str] | None:
    features = data.get(key, {}).get("features")
    if not isinstance(features, list):
        return None
    areas = (config.get("panel") or {}).get("areas") or {}
    ids = (areas.get(key) or {}).get("i")
    if isinstance(ids, list) and len(ids) == len(features):
        return [html.unescape(str(i)) for i in ids]
    out = []
    for f in features:
        header = str((f.get("properties") or {}).get("h", ""))
        out.append(html.unescape(re.split(r"<br\s*/?>", header)[-1]).strip())
    return out


class _Columns:
    """Each published layer's columns as dicts by area, made once for all pages of a release.

    The ~400 gemeente pages of a national run each show a part of the same layers: a dict
    per page and theme of the country's 255,000 cells made the check take hours.
    """

    def __init__(self) -> None:
        self._made: dict[tuple[str, str, str], dict[Any, Any] | None] = {}

    def get(self, layer: Any, column: str) -> dict[Any, Any] | None:
        """Return ``column`` of ``layer`` keyed by ``area_id``; ``None`` if it has none."""
        key = (layer.release, layer.name, column)
        if key not in self._made:
            frame = layer.frame.set_index("area_id")
            self._made[key] = frame[column].to_dict() if column in frame else None
        return self._made[key]

    def numbers(self, layer: Any, column: str) -> dict[Any, Any] | None:
        """Return :meth:`get` with each value as ``pd.to_numeric(value, errors="coerce")``.

        A column of numbers is returned as it is (``pd.to_numeric`` returns a number
        unchanged): converting each shown value of every page took a second per million
        points.
        """
        key = (layer.release, layer.name, f"{column}\0numbers")
        if key not in self._made:
            values = self.get(layer, column)
            if values is not None and layer.frame[column].dtype.kind not in "biuf":
                values = {k: pd.to_numeric(v, errors="coerce") for k, v in values.items()}
            self._made[key] = values
        return self._made[key]


def _values(
    data: dict[str, Any],
    config: dict[str, Any],
    release: ReleaseFiles,
    language: str,
    where: str,
    report: CheckReport,
    columns: _Columns | None = None,
) -> int:
    """Compare every shown value with the published CSV; return how many were compared."""
    columns = columns or _Columns()
    layers = {f"a:{layer.name}": layer for layer in release.layers}
    for key in data:
        if key.startswith("a:") and key not in layers:
            report.add(CHECK, f"{where}: {key}", "a map layer that is not a published layer")
    themes = config.get("themes")
    if not isinstance(themes, dict):
        report.add(CHECK, where, "the page's settings carry no themes: not as the writer emits")
        return 0
    compared = 0
    for theme_key, theme in themes.items():
        layer = layers.get(str(theme.get("data")))
        ids = _feature_ids(data, config, str(theme.get("data")))
        if layer is None or ids is None:
            report.add(CHECK, f"{where}: theme {theme_key}", "shows no published layer")
            continue
        statuses = columns.get(layer, "status") or {}
        shown = columns.numbers(layer, str(theme.get("col", "")))
        at = f"{where}: {layer.name}"
        compared += _theme(theme, statuses, shown, ids, language, at, report)
    for key, layer in layers.items():
        ids = _feature_ids(data, config, key)
        features = data.get(key, {}).get("features") or []
        statuses = columns.get(layer, "status") or {}  # one look-up each
        for i, area in enumerate(ids or []):
            status = (features[i].get("properties") or {}).get("s")
            if area not in statuses:
                report.add(CHECK, f"{where}: {layer.name} {area}", "an area the layer lacks")
            elif status is not None and status != str(statuses[area]):
                published = statuses[area]
                detail = f"status {status!r} on the map, {published!r} published"
                report.add(CHECK, f"{where}: {layer.name} {area}", detail)
    return compared


def _theme(
    theme: dict[str, Any],
    statuses: dict[Any, Any],
    shown: dict[Any, Any] | None,
    ids: list[str],
    language: str,
    where: str,
    report: CheckReport,
) -> int:
    column = str(theme.get("col", ""))
    values, texts, classes = theme.get("v") or [], theme.get("t") or [], theme.get("c") or []
    n_colours = len(theme.get("colours") or [])
    if not (len(values) == len(texts) == len(classes) == len(ids)):
        report.add(CHECK, f"{where} {column}", "value lists do not match the areas")
        return 0
    compared = 0
    # plain dicts (made once, _Columns): a scalar look-up in the frame per area cost a
    # second per demo map
    for area, value, text, cls in zip(ids, values, texts, classes, strict=True):
        at = f"{where} {area} {column}"
        if area not in statuses:
            continue  # reported once per area
        published = str(statuses[area]) == "published"
        if not published and (value is not None or text or cls != -1):
            report.add(CHECK, at, "a value or text shown for an area that is not published")
            continue
        if not -1 <= int(cls) < max(n_colours, 1):
            report.add(CHECK, at, f"class {cls} of {n_colours}")
        if value is None:
            continue
        true = shown[area] if shown is not None else None  # numbers (_values)
        if (
            true is None
            or not math.isfinite(float(true))
            or not math.isclose(
                float(value), float(f"{float(true):.6g}"), rel_tol=1e-9, abs_tol=1e-12
            )
        ):
            report.add(CHECK, at, f"shows {value}, the published value is {true}")
        elif not _text_carries(str(text), float(true), language):
            report.add(CHECK, at, f"text {html.unescape(str(text))!r} is not the value {true}")
        compared += 1
    return compared


def _text_carries(text: str, value: float, language: str) -> bool:
    """Whether every number in a value's text is that value, rounded as shown."""
    plain = _GROUPED.sub("", html.unescape(text))  # 2\u202f839 m: one number
    for token in _NUMBER.findall(plain):
        thousands, decimal = (".", ",") if language == "nl" else (",", ".")
        number = token.replace(thousands, "").replace(decimal, ".")
        try:
            shown = float(number)
        except ValueError:
            return False
        decimals = len(number.split(".")[1]) if "." in number else 0
        if abs(abs(value) - shown) > 0.5 * 10**-decimals + 1e-9:
            return False
    return True


# ----------------------------------------------------------------------------- main


def _language(page: _Page) -> str:
    for tag, attrs, _ in page.elements:
        if tag == "html":
            return next((v for k, v in attrs if k == "lang" and v), "nl") or "nl"
    return "nl"


def check_maps(release: ReleaseFiles, report: CheckReport) -> None:
    """Check every HTML page of the release folder (see the module).

    Parameters
    ----------
    release
        The release as the checker read it.
    report
        Where violations go.
    """
    # the overview and the gemeente pages (gemeenten/<code>.html) of a national run
    pages = sorted(release.path.rglob("*.html"))
    vocabulary: set[str] | None = None
    columns = _Columns()
    names: frozenset[str] | None = None
    unknown: dict[str, set[str]] = {}  # each text's unknown words, for every page
    fragments: dict[str, tuple[str, ...]] = {}  # what each embedded text carries
    seen_from: dict[Path, frozenset[str]] = {}  # every page's link, from each folder
    for file in pages:
        where = file.relative_to(release.path).as_posix()
        text = file.read_text(encoding="utf-8", errors="replace")
        page = _parse(text)
        if file.parent not in seen_from:
            seen_from[file.parent] = frozenset(
                Path(os.path.relpath(other, file.parent)).as_posix() for other in pages
            )
        others = seen_from[file.parent] - {file.name}  # the page itself is no link
        _markup(page, where, report, pages=others)
        _styles(page, where, report)
        payloads = _scripts(page, where, report)
        language = _language(page)
        objects = [(f"{k}", _flat(v, f"{k}")) for p in payloads for k, v in p.items()]
        names = names if names is not None else _area_names(release)
        _fragments(objects, report, names, fragments)
        vocabulary = vocabulary if vocabulary is not None else _vocabulary(release)
        for path, word in _texts(objects, page.texts, vocabulary, unknown):
            report.add(CHECK, f"{where}: {path}", f"the word {word!r} is in no published file")
        compared = 0
        for p in payloads:
            _tiles(p.get("tiles_json"), where, report)
            data, config = p.get("data_json"), p.get("config_json")
            if isinstance(data, dict) and isinstance(config, dict):
                compared += _values(data, config, release, language, where, report, columns)
        report.tried.append(
            f"{where}: every script against the writer's assets, every element and link, "
            f"every word against the published files, {compared:,} shown values against the CSVs"
        )
