"""Maps of a release that open anywhere: one self-contained HTML file, and static PNGs.

:func:`build_map` draws a :class:`~zicht.publish.Release` with folium, but without folium's
CDN assets: Leaflet 1.9.3 is inlined from the ``xstatic-leaflet`` package, no jQuery,
Bootstrap, Font Awesome or d3 is used, and background tiles are off unless asked for.
:func:`write_map` saves the page after checking that it loads nothing over the network.
:func:`write_layer_pngs` draws every map layer with matplotlib for reports.

Every text from the data (area and park names, codes) is HTML-escaped; only published
geographies and the public context layers (boundaries, park locations) are drawn, never
unit-level locations.

Examples
--------
>>> from zicht.maps import build_map, write_map, write_layer_pngs  # doctest: +SKIP
>>> path = write_map(release, "out/demo/risk_map.html")  # doctest: +SKIP
>>> pngs = write_layer_pngs(release, "out/demo/png/")  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from zicht._errors import ConfigError
from zicht.maps._assets import check_offline, leaflet_css, leaflet_js, script_json
from zicht.maps._browser import screenshot_map
from zicht.maps._context import context_css, context_script, label_config, pattern_config
from zicht.maps._controls import controls_css, controls_html, controls_script, opening_themes
from zicht.maps._layers import PageShare, PreparedRelease, prepare_release
from zicht.maps._options import PALETTES, MapOptions
from zicht.maps._page import (
    CSS,
    HATCH_SVG,
    SETUP_JS,
    config,
    data_json,
    dates_text,
    escape,
    footer_html,
    legend_html,
    provenance,
    status_texts,
)
from zicht.maps._png import write_theme_pngs
from zicht.maps._themes import SCHEMES, Theme
from zicht.maps._words import say
from zicht.maps._years import years_html
from zicht.publish import Release

__all__ = [
    "PALETTES",
    "SCHEMES",
    "TILES",
    "MapOptions",
    "build_map",
    "screenshot_map",
    "write_layer_pngs",
    "write_map",
]

# Background tiles, only when asked for: both need internet when the map is opened. "name" is
# the key of the layer's name in the map catalogue (map.toml).
TILES: Mapping[str, Mapping[str, Any]] = {
    "pdok": {
        "name": "tiles_pdok",
        "url": "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
        "attr": 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> / PDOK',
        "links": ("https://service.pdok.nl/", "https://www.kadaster.nl"),
        "max_zoom": 19,
    },
    "osm": {
        "name": "tiles_osm",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
        "links": ("https://tile.openstreetmap.org/", "https://www.openstreetmap.org/copyright"),
        "max_zoom": 19,
    },
}


def _require_release(release: object) -> Release:
    if not isinstance(release, Release):
        raise TypeError(
            "zicht maps are drawn only from a zicht.publish.Release (made by publish_release), "
            f"so that nothing unchecked reaches a map; got {type(release).__name__}"
        )
    return release


def _tile_spec(tiles: str | None) -> Mapping[str, Any] | None:
    if tiles is None:
        return None
    if tiles not in TILES:
        raise ConfigError(
            f"tiles must be None (offline, the default) or one of {sorted(TILES)}, got {tiles!r}"
        )
    return TILES[tiles]


# folium's page, with the language of its words (WCAG 3.1.1).
_PAGE_TEMPLATE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.zicht_language }}">\n'
    "<head>\n"
    "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
    "    {{this.header.render(**kwargs)}}\n"
    "</head>\n"
    "<body>\n"
    "    {{this.html.render(**kwargs)}}\n"
    "</body>\n"
    "<script>\n"
    "    {{this.script.render(**kwargs)}}\n"
    "</script>\n"
    "</html>\n"
)
# folium's viewport forbids zooming the page (maximum-scale=1.0, user-scalable=no); WCAG
# 1.4.4 asks that text can be enlarged.
_FIXED_VIEWPORT = re.compile(r",\s*maximum-scale=[\d.]+|,\s*user-scalable=no")


class _OfflineMap(folium.Map):
    """A folium map that links no CDN asset; Leaflet is inlined by :func:`build_map`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Own empty lists: folium's defaults are CDN links, shared module-wide.
        self.default_js = []
        self.default_css = []

    def render(self, **kwargs: Any) -> None:
        """Render as folium does, with a viewport that lets the page be zoomed."""
        super().render(**kwargs)
        header = cast(Figure, self.get_root()).header
        name = self.get_name()
        if name in header._children:
            text = header._children[name].render()
            header._children[name] = _Raw(_FIXED_VIEWPORT.sub("", text))


class _Raw(Element):
    """Markup of zicht's own, written as it is: not compiled and rendered as a jinja template.

    branca's ``Element(text)`` compiles ``text`` as a template on every page (Leaflet's
    150 kB took most of a national page's rendering), and would read ``{{`` in a name as
    template syntax.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the markup unchanged."""
        return self.text


class _RawMacro(MacroElement):
    """A macro element whose rendered script is added as it is, not compiled again.

    branca wraps a macro's output in ``Element(text)``, which compiles it as a jinja
    template: for the map's script that is every layer's data (megabytes) on every page, and
    ``{{`` in a name would be read as template syntax.
    """

    def render(self, **kwargs: Any) -> None:
        """Add the rendered script to the page's scripts."""
        figure = cast(Figure, self.get_root())
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Raw(script(self, kwargs)), name=self.get_name())


class _Setup(_RawMacro):
    """The map's script, the data of every layer and its settings, written once per map."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.library }}" + SETUP_JS + "{% endmacro %}"
    )

    def __init__(self, library: str, data_json: str, config_json: str, tiles_json: str) -> None:
        super().__init__()
        self._name = "zicht"
        self.library = library
        self.data_json = data_json
        self.config_json = config_json
        # The background's URL is written as it is (a constant of TILES, not data), so the
        # offline check sees it and lets it through only when it was asked for.
        self.tiles_json = tiles_json


class _Context(_RawMacro):
    """Name labels of the buurten, wijken and gemeenten, and the note of an offline background."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.library }}\n"
        "zichtContext(window.zicht, {{ this.settings }});{% endmacro %}"
    )

    def __init__(self, prepared: PreparedRelease) -> None:
        super().__init__()
        self._name = "zicht_context"
        self.library = context_script()
        self.settings = script_json(
            {
                "labels": label_config(prepared.context),
                "tilesUnreachable": say(prepared.language, "tiles_unreachable"),
                "controlsToggle": say(prepared.language, "controls_toggle"),
                "mapLabel": say(prepared.language, "map_label"),
                "legendLabel": say(prepared.language, "legend_label"),
                "patterns": pattern_config(prepared.themes),
            }
        )


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _stable_ids(figure: Figure) -> None:
    """Give every element a sequential id, so one release always gives the same file."""
    for number, element in enumerate(_walk(figure)):
        element._id = f"{number:04d}"


def build_map(
    release: Release,
    *,
    tiles: str | None = None,
    options: MapOptions | None = None,
    extra_html: str = "",
    years: Mapping[str, Any] | None = None,
) -> folium.Map:
    """Draw a release as a folium map that needs no network.

    Every theme that has a value (each indicator as a classed choropleth, hot-spot classes,
    Local Moran quadrants) of every published geography is a choice of the indicator picker,
    grouped by geography; one (hot spots of the finest geography, when present) is shown.
    Each geography's features are embedded once and its Leaflet layer is built only when one
    of its themes is shown. Suppressed areas are hatched, merged areas dashed, and neither
    shows a value. Context boundaries and parks are overlays of the layer list.

    Parameters
    ----------
    release
        The release, as returned by :func:`zicht.publish.publish_release`.
    tiles
        ``None`` (default): no background map, nothing is loaded from the network.
        ``"pdok"``: the PDOK BRT-Achtergrondkaart (grey); ``"osm"``: OpenStreetMap. Both
        need internet when the map is opened.
    options
        Classification scheme, number of classes, palette and simplification.
    extra_html
        Trusted HTML of zicht's own (escaped by the caller) added to the page, e.g. the
        links of :func:`zicht.maps.write_gemeente_pages`.
    years
        In a ``[years]`` run, this year's :func:`zicht.maps.years_payload`: a year
        selector linking to the other years' pages, and each area's published series in
        the side panel (docs/years.md).

    Returns
    -------
    folium.Map
        The map; ``m.get_root().render()`` gives the page.

    Raises
    ------
    TypeError
        If ``release`` is not a :class:`~zicht.publish.Release`.
    ConfigError
        If ``tiles`` is not one of the choices.
    SchemaError, CRSError, InputError, DisclosureError
        If the release cannot be drawn safely.

    Examples
    --------
    >>> m = build_map(release)  # doctest: +SKIP
    >>> m.get_root().render()[:15]  # doctest: +SKIP
    '<!DOCTYPE html>'
    """
    return _build_map(
        release, tiles=tiles, options=options, extra_html=extra_html, years=years, share=None
    )


def _build_map(
    release: Release,
    *,
    tiles: str | None,
    options: MapOptions | None,
    extra_html: str,
    years: Mapping[str, Any] | None,
    share: PageShare | None,
) -> folium.Map:
    release = _require_release(release)
    tile_spec = _tile_spec(tiles)
    prepared = prepare_release(release, options or MapOptions(), share=share)
    south, west, north, east = prepared.bounds_wgs84
    fmap = _OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=12,
        tiles=None,
        # Quarter zoom steps let the study area fill the window instead of half of it.
        zoom_snap=0.25,
    )
    language = prepared.language
    figure = cast(Figure, fmap.get_root())
    figure._template = _PAGE_TEMPLATE
    figure.zicht_language = language  # type: ignore[attr-defined]
    figure.title = escape(release.metadata.get("title") or say(language, "page_title"))
    figure.header.add_child(_Raw(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    figure.header.add_child(_Raw(f"<script>{leaflet_js()}</script>"), name="leaflet_js")
    figure.header.add_child(_Raw(f"<style>{CSS}</style>"), name="zicht_css")
    figure.header.add_child(_Raw(f"<style>{controls_css()}</style>"), name="zicht_controls_css")
    figure.header.add_child(_Raw(f"<style>{context_css()}</style>"), name="zicht_page_css")
    default = _default_theme(opening_themes(prepared), release)
    # The controls come first in the page, so that they are first in the Tab order.
    figure.html.add_child(
        _Raw(controls_html(prepared, default.key, language=language)), name="zicht_controls"
    )
    figure.html.add_child(_Raw(HATCH_SVG), name="zicht_hatch")
    figure.html.add_child(_Raw(legend_html(prepared, release, default.key)), name="zicht_legend")
    figure.html.add_child(_Raw(footer_html(release, language)), name="zicht_footer")
    if extra_html:
        figure.html.add_child(_Raw(extra_html), name="zicht_extra")
    if years:
        figure.html.add_child(_Raw(years_html(years)), name="zicht_years")

    settings = config(prepared, release, tiles=tile_spec, initial=default.key)
    if years:
        settings["years"] = dict(years)
    tiles_json = json.dumps(_tile_config(tile_spec, language)).replace("<", "\\u003c")
    setup = _Setup(controls_script(), data_json(prepared), script_json(settings), tiles_json)
    fmap.add_child(setup)
    fmap.add_child(_Context(prepared))
    _stable_ids(figure)
    return fmap


def _tile_config(spec: Mapping[str, Any] | None, language: str) -> dict[str, Any] | None:
    """Return the chosen online background as the map script adds it (shown at once)."""
    if spec is None:
        return None
    return {
        "url": spec["url"],
        "attr": spec["attr"],
        "name": html.escape(say(language, spec["name"])),
        "maxZoom": spec["max_zoom"],
        "show": True,
    }


def _default_theme(themes: tuple[Theme, ...] | list[Theme], release: Release) -> Theme:
    """Choose the theme shown when the map opens.

    A hot-spot (or Local Moran) classification if there is one; otherwise, on the first
    geography the run asked for (else the finest), the headline value of the first
    indicator (its smoothed rate, else its rate or value) rather than its count.
    """
    labels = [t for t in themes if t.kind != "choropleth"]
    if labels:
        return labels[0]
    # The geography the run asked for first (``metadata["map_layers"]``), else the finest.
    asked = [str(g) for g in release.metadata.get("map_layers") or []]
    present = {t.geography for t in themes}
    lead_geography = next((g for g in asked if g in present), themes[0].geography)
    first = [t for t in themes if t.geography == lead_geography]
    kinds = {m.column: m.kind for m in release.indicators}
    notes = release.metadata.get("indicator_notes") or {}
    owner = {c: (n.get("indicator") if isinstance(n, Mapping) else None) for c, n in notes.items()}
    lead = owner.get(first[0].column)
    if lead is None:  # no notes: the first rate of the finest geography
        rates = [t for t in first if kinds.get(t.column) == "rate"]
        return rates[0] if rates else first[0]
    group = [t for t in first if owner.get(t.column) == lead]
    rates = [t for t in group if kinds.get(t.column) == "rate"]
    return rates[-1] if rates else group[0]


def write_map(
    release: Release,
    path: str | Path,
    *,
    tiles: str | None = None,
    options: MapOptions | None = None,
    extra_html: str = "",
    years: Mapping[str, Any] | None = None,
) -> Path:
    """Write a release as one self-contained HTML map.

    Parameters
    ----------
    release
        The release, as returned by :func:`zicht.publish.publish_release`.
    path
        Output file; parent folders are created.
    tiles
        ``None`` (default, offline), ``"pdok"`` or ``"osm"``; see :func:`build_map`.
    options
        Classification, palette and simplification; see :class:`MapOptions`.
    extra_html
        Trusted HTML added to the page; see :func:`build_map`.
    years
        The year selector and series of a ``[years]`` run; see :func:`build_map`.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    TypeError
        If ``release`` is not a :class:`~zicht.publish.Release`.
    ZichtError
        If the page would load anything over the network it was not asked to.

    Examples
    --------
    >>> write_map(release, "out/demo/risk_map.html")  # doctest: +SKIP
    PosixPath('out/demo/risk_map.html')
    """
    return write_page(
        release, path, tiles=tiles, options=options, extra_html=extra_html, years=years
    )


def write_page(
    release: Release,
    path: str | Path,
    *,
    tiles: str | None = None,
    options: MapOptions | None = None,
    extra_html: str = "",
    years: Mapping[str, Any] | None = None,
    share: PageShare | None = None,
) -> Path:
    """Write a map page as :func:`write_map` does, reusing the work ``share`` did once."""
    release = _require_release(release)
    tile_spec = _tile_spec(tiles)
    fmap = _build_map(
        release, tiles=tiles, options=options, extra_html=extra_html, years=years, share=share
    )
    page = fmap.get_root().render()
    allowed: tuple[str, ...] = ()
    if tile_spec is not None:
        allowed = (tile_spec["url"].split("{")[0], *tile_spec["links"])
    check_offline(page, allowed=allowed)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def write_layer_pngs(
    release: Release,
    folder: str | Path,
    *,
    options: MapOptions | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Draw every map layer as a static PNG (matplotlib), for reports and the README.

    One file per theme, named ``<geography>_<column>.png`` (e.g. ``h3_hotspot_label.png``),
    with the same classes, colours and hatching as the HTML map, a legend, the method and the
    provenance line.

    Parameters
    ----------
    release
        The release, as returned by :func:`zicht.publish.publish_release`.
    folder
        Output folder; created if needed.
    options
        Classification and palette; see :class:`MapOptions`.
    dpi
        Resolution of the PNGs.

    Returns
    -------
    list of pathlib.Path
        The written files, in layer-control order.

    Raises
    ------
    TypeError
        If ``release`` is not a :class:`~zicht.publish.Release`.

    Examples
    --------
    >>> write_layer_pngs(release, "out/demo/png/")  # doctest: +SKIP
    [PosixPath('out/demo/png/h3_hotspot_label.png'), ...]
    """
    release = _require_release(release)
    # PNGs are drawn from the unsimplified RD geometry; simplification only matters for HTML.
    prepared = prepare_release(release, options or MapOptions())
    return write_theme_pngs(
        prepared,
        Path(folder),
        status_texts=status_texts(release, prepared.language),
        footer=provenance(release, prepared.language),
        data_date=dates_text(release.metadata, prepared.language),
        dpi=dpi,
    )
