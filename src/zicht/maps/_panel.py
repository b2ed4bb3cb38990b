"""What the search box and the side panel of the risk map know, beyond the drawn themes.

The page's script (``assets/maps/search.js`` and ``panel.js``) finds an area by name or code,
zooms there and shows a panel with the area's published values, how it compares and ranks,
and why the indicator is there. This module writes what they need and nothing more:

* per geography, the escaped name and code of each feature (aligned to its GeoJSON) and,
  where the release has a ``gemeente`` layer, the gemeente each feature lies in;
* per public context layer of areas (buurt, wijk, gemeente outlines), the same names and codes;
* per theme, the purpose and suggested follow-up steps of its indicator (from the metadata);
* the panel's and the search box's words, from the string catalogue ``map_controls``.

No value is written here: the panel reads the values of the themes
(:func:`zicht.maps._controls.theme_config`), which carry published values only, so a suppressed
area's value cannot reach the search index, the panel, the ranked list or the download.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zicht._strings import catalogue
from zicht.maps._layers import Geography, PreparedRelease, _local_name
from zicht.maps._themes import format_value
from zicht.maps._words import say
from zicht.publish import STATUS_PUBLISHED, Release

__all__ = ["panel_config", "panel_html", "search_html"]

#: Geographies whose areas the search box offers (H3 cells and merged regions have no names
#: a person would type).
_SEARCHED = ("buurt", "wijk", "gemeente", "park")
_GEMEENTE = "gemeente"
#: Geographies whose areas are named by their code (and the buurt they lie in).
_CODED = ("h3", "region")


def _esc(values: Any) -> list[str]:
    return [html.escape("" if v is None else str(v)) for v in values]


def _kind_word(name: str, language: str) -> str:
    own = {"parks": "park"}.get(name.lower(), name.lower())
    if own in ("h3", "region"):
        return catalogue("map_controls", language)[f"kind_{own}"]
    return catalogue("map", language).get(f"context_{own}", name)


def _inside(geography: Geography, targets: Any) -> list[int]:
    """Return per feature the index of the target holding its inner point, ``-1`` for none."""
    points = shapely.point_on_surface(geography.frame.geometry.to_numpy())
    tree = shapely.STRtree(np.asarray(targets))
    found = np.full(len(points), -1, dtype=np.int64)
    where, which = tree.query(points, predicate="within")
    found[where] = which
    return found.tolist()


def _buurten(prepared: PreparedRelease) -> tuple[str, Any] | None:
    """Return the data key and geometry of the buurten: the published layer, else outlines."""
    for geography in prepared.geographies:
        if geography.name == "buurt":
            return "a:buurt", geography.frame.geometry.to_numpy()
    for layer in prepared.context:
        if layer.name.lower() == "buurt":
            return f"c:{layer.name}", layer.geometry.to_numpy()
    return None


def _notes(prepared: PreparedRelease, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Per theme key: the escaped purpose and follow-up steps of its indicator."""
    notes = metadata.get("indicator_notes")
    out: dict[str, Any] = {}
    if not isinstance(notes, Mapping):
        return out
    for theme in prepared.themes:
        note = notes.get(theme.column)
        if not isinstance(note, Mapping):
            continue
        steps = [s for s in note.get("follow_up") or [] if s]
        if note.get("purpose") or steps:
            out[theme.key] = {"p": html.escape(str(note.get("purpose") or "")), "f": _esc(steps)}
    return out


def _middles(prepared: PreparedRelease, release: Release) -> dict[str, dict[str, Any]]:
    """Per choropleth theme: the median of its published values (escaped text) and their count."""
    metas = {m.column: m for m in release.indicators}
    out: dict[str, dict[str, Any]] = {}
    for geography in prepared.geographies:
        published = (geography.statuses == STATUS_PUBLISHED).to_numpy()
        for theme in geography.themes:
            meta = metas.get(theme.column)
            if theme.kind != "choropleth" or meta is None:
                continue
            numbers = pd.to_numeric(geography.frame[theme.column], errors="coerce")
            values = numbers.to_numpy("float64")[published]
            values = values[np.isfinite(values)]
            if len(values):
                text = format_value(
                    float(np.median(values)), meta.kind, meta.unit, prepared.language
                )
                out[theme.key] = {"t": html.escape(text), "n": len(values)}
    return out


def panel_config(prepared: PreparedRelease, release: Release) -> dict[str, Any]:
    """Return what the search box and the side panel need, every text escaped.

    Parameters
    ----------
    prepared
        The prepared release.
    release
        The release (for the purpose and follow-up steps of its indicators).

    Returns
    -------
    dict
        ``areas`` (data key → ``n`` names, ``i`` codes, ``kind``, ``search``; optionally
        ``gm`` and ``in``, the index of the gemeente and the buurt each feature lies in,
        ``coded`` for areas named by their code, and ``lead``, the first rate's theme),
        ``gemeente`` and ``buurt`` (the data keys those indices refer to, or ``None``),
        ``notes`` (theme key →
        ``p`` purpose, ``f`` follow-up steps), ``mid`` (theme key → ``t`` the median of the
        published values as text, ``n`` their number) and ``words``.
    """
    language = prepared.language
    gemeenten = next((g for g in prepared.geographies if g.name == _GEMEENTE), None)
    areas: dict[str, dict[str, Any]] = {}
    kinds = {m.column: m.kind for m in release.indicators}
    buurten = _buurten(prepared)
    for geography in prepared.geographies:
        entry: dict[str, Any] = {
            "n": _esc(_local_name(str(n), language) for n in geography.frame["area_name"]),
            "i": _esc(geography.frame["area_id"]),
            "kind": html.escape(_kind_word(geography.name, language)),
            "search": geography.name in _SEARCHED,
        }
        rates = [t.key for t in geography.themes if kinds.get(t.column) == "rate"]
        if rates:  # the layer a search hit on this geography opens on
            entry["lead"] = rates[0]
        if gemeenten is not None and geography is not gemeenten:
            entry["gm"] = _inside(geography, gemeenten.frame.geometry.to_numpy())
        if geography.name in _CODED:
            # cells and merged regions: named by code, and by the buurt they lie in
            entry["coded"] = True
            if buurten is not None:
                entry["in"] = _inside(geography, buurten[1])
        areas[f"a:{geography.name}"] = entry
    for layer in prepared.context:
        if layer.kind != "area" and layer.name.lower() not in ("parks", "park"):
            continue
        if layer.drawn_from:  # the published layer of these areas is searched instead
            continue
        areas[f"c:{layer.name}"] = {
            "n": _esc(layer.names),
            "i": _esc(layer.ids),
            "kind": html.escape(_kind_word(layer.name, language)),
            "search": True,
        }
    words = {k: html.escape(v) for k, v in catalogue("map_controls", language).items()}
    words["gemeente"] = html.escape(say(language, "context_gemeente"))
    return {
        "areas": areas,
        "gemeente": f"a:{_GEMEENTE}" if gemeenten is not None else None,
        "buurt": buurten[0] if buurten is not None else None,
        "notes": _notes(prepared, release.metadata),
        "mid": _middles(prepared, release),
        "words": words,
        "language": language,
    }


def search_html(language: str) -> str:
    """Return the search box and its (empty) list of results."""
    words = catalogue("map_controls", language)
    label = html.escape(words["search_label"])
    hint = html.escape(words["search_placeholder"])
    return (
        '<div class="zicht-search" role="search">'
        f'<label class="zicht-search-label" for="zicht-search">{label}</label>'
        '<input id="zicht-search" type="search" data-testid="search" autocomplete="off" '
        f'spellcheck="false" placeholder="{hint}" role="combobox" aria-autocomplete="list" '
        'aria-expanded="false" aria-controls="zicht-search-results">'
        '<ul id="zicht-search-results" class="zicht-search-results" role="listbox" hidden></ul>'
        '<span id="zicht-search-status" class="zicht-visually-hidden" aria-live="polite"></span>'
        "</div>"
    )


def panel_html(language: str) -> str:
    """Return the side panel, empty and hidden until an area is chosen."""
    words = catalogue("map_controls", language)
    close = html.escape(words["panel_close"])
    return (
        '<aside id="zicht-panel" class="zicht-panel" data-testid="area-panel" hidden '
        f'aria-labelledby="zicht-panel-title" tabindex="-1">'
        f'<button type="button" class="zicht-panel-close" aria-label="{close}">×</button>'
        '<div class="zicht-panel-body"></div></aside>'
    )
