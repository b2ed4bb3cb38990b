"""Where an area lies, in names: tooltips, name labels, and a background that may be offline.

An official finds a place by its name, not by a hex id. This module gives the map

* per feature, the buurt, wijk and gemeente it lies in (its inner point, against the public
  context layers of the release), for the tooltip: ``Buurt: Deelen · Gemeente: Ede``;
* name labels of the buurten, wijken and gemeenten, each shown from the zoom at which its area
  is wide enough on the screen to hold its name (so labels do not pile up), gemeenten and
  wijken hidden again when the buurten take over;
* the script (``assets/maps/context.js``) that draws the labels as text (never as HTML) and,
  when the chosen online background cannot be reached, says so in one line instead of leaving
  grey squares unexplained;
* the page's own layout for a phone and for paper (``assets/maps/page.css``).

Only public boundaries and their names are used; no value is written here.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from zicht._errors import ZichtError
from zicht.maps._themes import GI_CLASSES, MORAN_CLASSES
from zicht.maps._words import say
from zicht.schemas import RD_NEW

__all__ = [
    "LEVELS",
    "context_css",
    "context_script",
    "label_config",
    "layer_labels",
    "pattern_config",
    "where_texts",
]

#: The named context levels, finest first.
LEVELS = ("buurt", "wijk", "gemeente")
#: Web-Mercator metres per pixel at zoom 0 on the equator.
_M_PER_PX_Z0 = 156_543.034
#: Average width of one character of a label, in pixels (11–13 px system font).
_CHAR_PX = 6.8
#: A feature whose inner point lies in no area is named after the nearest within this (m).
_NEAREST_M = 250.0
#: The zoom above which a level's labels give way to the finer level's.
_MAX_ZOOM = {"gemeente": 13.0, "wijk": 15.0, "buurt": 22.0}


def _levels_below(geography: str) -> tuple[str, ...]:
    """Return the context levels that name where a feature of ``geography`` lies."""
    if geography in LEVELS:
        return LEVELS[LEVELS.index(geography) + 1 :]
    return LEVELS


def _by_level(context: Sequence[Any]) -> dict[str, Any]:
    return {c.name.lower(): c for c in context if c.kind == "area" and c.name.lower() in LEVELS}


def where_texts(
    geography: str, geometry: gpd.GeoSeries, context: Sequence[Any], language: str
) -> tuple[str, ...]:
    """Say per feature, as escaped HTML, the buurt, wijk and gemeente its inner point lies in.

    Parameters
    ----------
    geography
        The name of the published layer (``"h3"``, ``"buurt"`` …): a buurt is not told its
        own buurt, only its wijk and gemeente.
    geometry
        The features, in EPSG:28992.
    context
        The prepared public context layers (``buurt``, ``wijk``, ``gemeente`` are used).
    language
        ``"nl"`` or ``"en"``.

    Returns
    -------
    tuple of str
        Aligned to ``geometry``; ``""`` for a feature that lies in none of them.
    """
    layers = _by_level(context)
    levels = [level for level in _levels_below(geography) if level in layers]
    if not levels or len(geometry) == 0:
        return ("",) * len(geometry)
    points = shapely.point_on_surface(geometry.to_numpy())
    parts: list[list[str]] = [[] for _ in range(len(points))]
    for level in levels:
        layer = layers[level]
        tree = shapely.STRtree(layer.geometry.to_numpy())
        kind = say(language, f"context_{level}")
        for feature, area in enumerate(_containing(tree, points).tolist()):
            if area >= 0:
                name = layer.names[area] or layer.ids[area]
                parts[feature].append(f"{html.escape(kind)}: {html.escape(name)}")
    return tuple(" · ".join(p) for p in parts)


def _containing(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Per point: the area it lies in, else the nearest within ``_NEAREST_M``, else ``-1``.

    Boundaries of different vintages (buurten of 2014, gemeenten of 2022) and simplified
    edges leave a cell at the border outside every polygon by some metres: it is named after
    the nearest.
    """
    found = np.full(len(points), -1, dtype=np.int64)
    where, which = tree.query(points, predicate="within")
    # overlapping boundaries: the first one found
    first = np.unique(where, return_index=True)[1]
    found[where[first]] = which[first]
    lost = np.flatnonzero(found < 0)
    if len(lost):
        near_where, near_which = tree.query_nearest(
            points[lost], max_distance=_NEAREST_M, all_matches=False
        )
        found[lost[near_where]] = near_which
    return found


def _min_zoom(width_m: float, latitude: float, text: str) -> float:
    """Return the zoom from which an area ``width_m`` wide holds ``text`` on the screen."""
    needed_px = _CHAR_PX * len(text) + 8
    if not width_m > 0:
        return 99.0
    return math.log2(_M_PER_PX_Z0 * math.cos(math.radians(latitude)) * needed_px / width_m)


def label_config(context: Sequence[Any]) -> list[list[Any]]:
    """Return the name labels of the buurten, wijken and gemeenten of the context layers.

    Parameters
    ----------
    context
        The prepared public context layers. A layer that carries its labels (computed once
        for a larger release) gives those.

    Returns
    -------
    list
        ``[lat, lon, name, min_zoom, max_zoom, level]`` per area with a name, rounded to
        6 decimals and 2; the name is raw text (the script sets it as text, not HTML).
    """
    labels: list[list[Any]] = []
    for layer in _by_level(context).values():
        rows = layer.labels if layer.labels is not None else layer_labels(layer)
        labels.extend(row for row in rows if row is not None)
    return labels


def layer_labels(layer: Any) -> list[list[Any] | None]:
    """Return per feature of a context layer its name label (see :func:`label_config`).

    Parameters
    ----------
    layer
        A prepared context layer.

    Returns
    -------
    list
        Aligned to the layer: ``[lat, lon, name, min_zoom, max_zoom, level]``, or ``None``
        for a feature without a name or of a layer that is not a named level.
    """
    level = layer.name.lower()
    if layer.kind != "area" or level not in LEVELS or len(layer.names) == 0:
        return [None] * len(layer.names)
    rd = np.asarray(layer.geometry.to_numpy(), dtype=object)
    points = gpd.GeoSeries(shapely.point_on_surface(rd), crs=RD_NEW).to_crs(4326)
    lats, lons = points.y.to_numpy().tolist(), points.x.to_numpy().tolist()
    # The side of a square as large as the area, not its box: a long thin buurt holds
    # a short name only.
    width = np.sqrt(shapely.area(rd)).tolist()
    rows: list[list[Any] | None] = []
    for i, name in enumerate(layer.names):
        if not name:
            rows.append(None)
            continue
        lat, lon = lats[i], lons[i]
        zoom = round(_min_zoom(width[i], lat, name), 2)
        rows.append([round(lat, 6), round(lon, 6), name, zoom, _MAX_ZOOM[level], level])
    return rows


#: The classes that are told apart by a pattern as well as by their colour.
_PATTERNS = {
    "hotspot": {
        "hot_99": "hot",
        "hot_95": "hot",
        "hot_90": "hot",
        "cold_90": "cold",
        "cold_95": "cold",
        "cold_99": "cold",
    },
    "moran": {"HH": "hot", "LL": "cold"},
}


def pattern_config(themes: Sequence[Any]) -> dict[str, list[str]]:
    """Return, per hot-spot or Local Moran theme, ``"hot"``, ``"cold"`` or ``""`` per class.

    Hot spots (and high-high clusters) are dotted, cold spots (and low-low clusters) striped,
    so that they differ in greyscale and for every colour vision (hot and cold 95 % are
    the same grey otherwise).

    Parameters
    ----------
    themes
        The prepared themes.

    Returns
    -------
    dict
        Theme key → one entry per legend class, in the legend's order.
    """
    out: dict[str, list[str]] = {}
    for theme in themes:
        table = GI_CLASSES if theme.kind == "hotspot" else MORAN_CLASSES
        if theme.kind not in _PATTERNS:
            continue
        by_colour = {colour: label for label, (colour, _) in table.items()}
        out[theme.key] = [
            _PATTERNS[theme.kind].get(by_colour.get(e.colour, ""), "") for e in theme.entries
        ]
    return out


@functools.cache
def _asset(name: str) -> str:
    content = files("zicht").joinpath("assets", "maps", name).read_text(encoding="utf-8")
    if "</script" in content.lower() or "</style" in content.lower():  # pragma: no cover
        raise ZichtError(f"zicht/assets/maps/{name} contains a closing script or style tag")
    return content


def context_script() -> str:
    """Return the script of the labels and the background note, to inline once."""
    return _asset("context.js")


def context_css() -> str:
    """Return the stylesheet of the labels, the phone layout and the print page."""
    return _asset("page.css")
