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
import math
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
from zicht.schemas import parse_rate_column

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


#: A feature whose inner point lies in no target (boundaries of another vintage, simplified
#: edges) is said to lie in the nearest within this distance, as the tooltips do.
_NEAREST_M = 250.0


def _inside(geography: Geography, targets: Any) -> list[int]:
    """Return per feature the index of the target holding its inner point, ``-1`` for none."""
    points = shapely.point_on_surface(geography.frame.geometry.to_numpy())
    tree = shapely.STRtree(np.asarray(targets))
    found = np.full(len(points), -1, dtype=np.int64)
    where, which = tree.query(points, predicate="within")
    found[where] = which
    lost = np.flatnonzero(found < 0)
    if len(lost):
        near_where, near_which = tree.query_nearest(
            points[lost], max_distance=_NEAREST_M, all_matches=False
        )
        found[lost[near_where]] = near_which
    return found.tolist()


def _level(prepared: PreparedRelease, level: str) -> tuple[str, Any, list[str], list[str]] | None:
    """Return the data key, geometry, raw names and codes of a level (``"buurt"`` …).

    The published layer if there is one, else the public outlines.
    """
    for geography in prepared.geographies:
        if geography.name == level:
            ids = [str(i) for i in geography.frame["area_id"]]
            names = [
                _local_name(str(n), prepared.language) or i
                for n, i in zip(geography.frame["area_name"], ids, strict=True)
            ]
            return f"a:{level}", geography.frame.geometry.to_numpy(), names, ids
    for layer in prepared.context:
        if layer.name.lower() == level:
            names = [n or i for n, i in zip(layer.names, layer.ids, strict=True)]
            return f"c:{layer.name}", layer.geometry.to_numpy(), names, list(layer.ids)
    return None


def _buurten(prepared: PreparedRelease) -> tuple[str, Any] | None:
    """Return the data key and geometry of the buurten: the published layer, else outlines."""
    found = _level(prepared, "buurt")
    return None if found is None else (found[0], found[1])


#: A region lies in one buurt when that buurt holds this share of its area (the buurten of a
#: vintage may overlap a little); else in each buurt that holds ``_REGION_SHARE`` of it.
_REGION_WITHIN = 0.8
_REGION_SHARE = 0.2


def _valid(geoms: np.ndarray) -> np.ndarray:
    """Repair the outlines a simplification left invalid (GEOS refuses to intersect them)."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def _covering(geography: Geography, targets: Any) -> tuple[list[int], list[int]]:
    """Return per feature the target holding most of its area (``-1``: none) and a count.

    The count is the number of targets it lies in: 1 when the first holds
    ``_REGION_WITHIN`` of its area, else those holding ``_REGION_SHARE`` of it.
    """
    # Shares need no survey precision: a 10 m simplification makes the overlay cheap.
    geoms = _valid(shapely.simplify(geography.frame.geometry.to_numpy(), 10.0))
    targets = _valid(shapely.simplify(np.asarray(targets), 10.0))
    main = np.full(len(geoms), -1, dtype=np.int64)
    many = np.zeros(len(geoms), dtype=np.int64)
    where, which = shapely.STRtree(targets).query(geoms, predicate="intersects")
    if len(where):
        share = shapely.area(shapely.intersection(geoms[where], targets[which]))
        share = share / np.maximum(shapely.area(geoms[where]), 1e-9)
        order = np.lexsort((-share, where))  # per feature, the largest share first
        first = np.unique(where[order], return_index=True)[1]
        main[where[order][first]] = which[order][first]
        np.add.at(many, where[share >= _REGION_SHARE], 1)
        within = np.zeros(len(geoms), dtype=bool)
        within[where[order][first]] = share[order][first] >= _REGION_WITHIN
        many[within] = 1
    return main.tolist(), many.tolist()


def _place(buurt: str, gemeente: str) -> str:
    return ", ".join(p for p in (buurt, gemeente) if p)


def _headings(prepared: PreparedRelease, geography: Geography) -> list[str]:
    """Per H3 cell or merged region: a heading a person reads, escaped.

    ``"Cel in Otterlo-Centrum, Ede"``, ``"Gebied van 23 cellen in De Klomp buitengebied,
    Ede"``, ``"Gebied van 12 cellen in 3 buurten, Ede"``; the code where nothing is known.
    """
    words = catalogue("map_controls", prepared.language)
    kind = _kind_word(geography.name, prepared.language)
    n = len(geography.frame)
    buurt, gemeente = _level(prepared, "buurt"), _level(prepared, _GEMEENTE)
    if buurt is not None and geography.name == "region":
        in_buurt, spread = _covering(geography, buurt[1])
    elif buurt is not None:
        in_buurt, spread = _inside(geography, buurt[1]), [1] * n
    else:
        in_buurt, spread = [-1] * n, [0] * n
    in_gm = _inside(geography, gemeente[1]) if gemeente is not None else [-1] * n
    cells = (
        pd.to_numeric(geography.frame["n_cells"], errors="coerce").tolist()
        if "n_cells" in geography.frame
        else [None] * n
    )
    out = []
    for i, code in enumerate(geography.frame["area_id"].astype("str")):
        gm = gemeente[2][in_gm[i]] if gemeente is not None and in_gm[i] >= 0 else ""
        if spread[i] > 1:
            place = _place(words["panel_place_buurten"].format(k=spread[i]), gm)
        else:
            place = _place(buurt[2][in_buurt[i]] if buurt and in_buurt[i] >= 0 else "", gm)
        if not place:
            text = f"{kind} {code}"
        elif geography.name == "h3":
            text = words["panel_title_cell"].format(place=place)
        elif cells[i] is not None and np.isfinite(cells[i]) and cells[i] > 0:
            word = words["word_cell" if cells[i] == 1 else "word_cells"]
            text = words["panel_title_region"].format(n=int(cells[i]), cells=word, place=place)
        else:
            text = words["panel_title_region_plain"].format(place=place)
        out.append(html.escape(text))
    return out


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


def _basis(prepared: PreparedRelease) -> Geography | None:
    """Return the geography the study area's figures are summed over.

    The one whose published areas hold the most units (within 1 %), of those the one with
    the fewest areas (the least rounding); ``None`` when no layer publishes ``n_units``.
    """
    held: list[tuple[float, int, Geography]] = []
    for geography in prepared.geographies:
        if "n_units" not in geography.frame:
            continue
        published = (geography.statuses == STATUS_PUBLISHED).to_numpy()
        units = pd.to_numeric(geography.frame["n_units"], errors="coerce").to_numpy("float64")
        held.append((float(np.nansum(units[published])), len(geography.frame), geography))
    if not held or max(h[0] for h in held) <= 0:
        return None
    most = max(h[0] for h in held)
    return min((h for h in held if h[0] >= 0.99 * most), key=lambda h: h[1])[2]


def _study_value(frame: pd.DataFrame, published: np.ndarray, meta: Any) -> tuple[float, int]:
    """Return the study area's figure of a count or rate and the number of areas summed.

    From the published values only; ``nan`` for any other kind (a density, distance, index
    or rank).
    """

    def numbers(column: str) -> np.ndarray:
        if column not in frame:
            return np.full(len(frame), np.nan)
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy("float64")
        return np.where(published, values, np.nan)

    value = numbers(meta.column)
    if meta.kind == "count":
        ok = np.isfinite(value)
        return (float(value[ok].sum()) if ok.any() else math.nan), int(ok.sum())
    link = parse_rate_column(meta.column)
    if meta.kind != "rate" or not (meta.numerator or link):
        return math.nan, 0  # a value published as given (a density, a distance)
    per = link[1] if link else 1000.0 if meta.unit == "‰" or "1000" in meta.unit else 100.0
    base = numbers(meta.base or "n_units")
    count = meta.count_column
    # the published count, else the published rate times its published base
    counted = numbers(count) if count and count in frame else value * base / per
    ok = np.isfinite(value) & np.isfinite(counted) & np.isfinite(base) & (base > 0)
    if not ok.any() or base[ok].sum() <= 0:
        return math.nan, 0
    return per * float(counted[ok].sum()) / float(base[ok].sum()), int(ok.sum())


def _study(prepared: PreparedRelease, release: Release) -> dict[str, Any]:
    """Return the study area's figure of every choropleth theme, from published values only.

    A count is the sum of the published counts of the basis geography (:func:`_basis`); a
    rate (smoothed or not) the sum of its published counts over the sum of their published
    bases, on the areas that show all three. A density, distance, index or rank does not add
    up: it has none (``t`` empty). No hidden value is used, so the figure reveals nothing the
    published files do not.
    """
    basis = _basis(prepared)
    metas = {m.column: m for m in release.indicators}
    language = prepared.language
    figures: dict[str, dict[str, Any]] = {}
    if basis is not None:
        published = (basis.statuses == STATUS_PUBLISHED).to_numpy()
        for geography in prepared.geographies:
            for theme in geography.themes:
                meta = metas.get(theme.column)
                if theme.kind != "choropleth" or meta is None:
                    continue
                value, n = _study_value(basis.frame, published, meta)
                text = format_value(value, meta.kind, meta.unit, language) if n else ""
                figures[theme.key] = {"t": html.escape(text), "n": n}
    return {
        "geo": html.escape(basis.title.lower()) if basis is not None else "",
        "of": len(basis.frame) if basis is not None else 0,
        "name": html.escape(_study_name(prepared, release)),
        "themes": figures,
    }


def _study_name(prepared: PreparedRelease, release: Release) -> str:
    """Return the study area's name when it is one gemeente the page knows (``"Ede"``)."""
    code = str(release.metadata.get("study_area") or "")
    gemeente = _level(prepared, _GEMEENTE)
    if not code or gemeente is None or code not in gemeente[3]:
        return ""
    return gemeente[2][gemeente[3].index(code)]


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
        ``coded`` for areas named by their code, with ``t``, the heading a person reads
        (``"Cel in Otterlo-Centrum, Ede"``), and ``lead``, the first rate's theme),
        ``gemeente`` and ``buurt`` (the data keys those indices refer to, or ``None``),
        ``notes`` (theme key →
        ``p`` purpose, ``f`` follow-up steps), ``study`` (the study area's figures from
        published values only: ``geo`` the geography summed, ``of`` its number of areas,
        ``name`` the study area's name if known, ``themes``: theme key → ``t`` the figure
        as text, empty when there is none, ``n`` the areas summed) and ``words``.
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
            entry["t"] = _headings(prepared, geography)
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
        "study": _study(prepared, release),
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
