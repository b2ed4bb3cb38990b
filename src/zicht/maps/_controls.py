"""The risk map's controls: the lazy theme data, the indicator picker and their script.

The page embeds each published geography's features once and, per theme, only what that
theme shows: the class, the tooltip text and the value of each feature (``None`` where the
feature is not published). ``assets/maps/map.js`` builds the Leaflet layer of a geography the
first time one of its themes is shown, so opening the page draws one theme, not all of them.

Every word the controls show comes from the string catalogue ``map_controls``; every text from
the data is escaped here or set as text (never as HTML) by the script.
"""

from __future__ import annotations

import functools
import html
import math
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from zicht._errors import ZichtError
from zicht._strings import DEFAULT_LANGUAGE, text
from zicht.maps._layers import ContextLayer, Geography, PreparedRelease
from zicht.maps._panel import panel_html, search_html
from zicht.maps._themes import Theme
from zicht.maps._words import say
from zicht.publish import STATUS_PUBLISHED

__all__ = [
    "asset",
    "context_names",
    "controls_css",
    "controls_html",
    "controls_script",
    "opening_themes",
    "shown_themes",
    "theme_config",
]

_SCRIPTS = ("panel.js", "search.js", "years.js", "map.js")


@functools.cache
def asset(name: str) -> str:
    """Return the text of ``zicht/assets/maps/<name>``, refused if it could end a script."""
    resource = files("zicht").joinpath("assets", "maps", name)
    if not resource.is_file():  # pragma: no cover - shipped as package data
        raise ZichtError(f"the package asset zicht/assets/maps/{name} is missing")
    content = resource.read_text(encoding="utf-8")
    if "</script" in content.lower() or "</style" in content.lower():  # pragma: no cover
        raise ZichtError(f"zicht/assets/maps/{name} contains a closing script or style tag")
    return content


def controls_script() -> str:
    """Return the map's own script (``zichtMap`` and the controls), to inline once."""
    return "\n".join(asset(name) for name in _SCRIPTS)


def controls_css() -> str:
    """Return the stylesheet of the controls, the phone layout and the print page."""
    return asset("map.css")


def _has_values(theme: Theme) -> bool:
    return bool((theme.class_index >= 0).any())


def shown_themes(prepared: PreparedRelease) -> tuple[Theme, ...]:
    """Return the themes the picker offers: those with a value on at least one area."""
    return tuple(t for t in prepared.themes if _has_values(t))


#: A geography whose published areas cover less of the study area's bounding box than this
#: share looks empty when the page opens (the parks of a Veluwe map are a few pixels wide).
MIN_OPENING_COVER = 0.02


def _cover(geography: Geography, extent: float) -> float:
    published = (geography.statuses == STATUS_PUBLISHED).to_numpy()
    area = float(geography.frame.geometry.area.to_numpy()[published].sum())
    return area / extent if extent > 0 else 0.0


def opening_themes(prepared: PreparedRelease) -> tuple[Theme, ...]:
    """Return the themes the page may open on: with values, on a geography one can see.

    A geography qualifies when its published areas cover at least ``MIN_OPENING_COVER`` of
    the bounding box of all published areas; if none does, every theme with values does.

    Parameters
    ----------
    prepared
        The prepared release.

    Returns
    -------
    tuple of Theme
        In picker order; the offered themes when no geography is large enough; every theme
        when none has a value.
    """
    offered = shown_themes(prepared)
    if not offered:
        return prepared.themes
    frames = [g.frame.geometry for g in prepared.geographies]
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    west, south = bounds[:, 0].min(), bounds[:, 1].min()
    east, north = bounds[:, 2].max(), bounds[:, 3].max()
    extent = float((east - west) * (north - south))
    large = {g.name for g in prepared.geographies if _cover(g, extent) >= MIN_OPENING_COVER}
    visible = tuple(t for t in offered if t.geography in large)
    return visible or offered


def _values(geography: Geography, theme: Theme) -> list[float | None]:
    """Per feature: the published number a theme shows, ``None`` where there is none."""
    if theme.kind != "choropleth" or theme.column not in geography.frame:
        return [None] * len(geography.frame)
    numbers = pd.to_numeric(geography.frame[theme.column], errors="coerce").to_numpy("float64")
    published = (geography.statuses == STATUS_PUBLISHED).to_numpy()
    # Six significant digits: more than any legend or table shows, and a smaller page.
    return [
        float(f"{v:.6g}") if ok and math.isfinite(v) else None
        for v, ok in zip(numbers, published, strict=True)
    ]


def theme_config(prepared: PreparedRelease) -> dict[str, dict[str, Any]]:
    """Return every offered theme's drawing data, keyed by theme key.

    Each entry holds ``data`` (the key of its geography's features), ``geo`` (the geography's
    escaped title), ``title`` (escaped), ``kind``, ``colours`` and, aligned to the features,
    ``c`` (class, ``-1`` for none), ``t`` (escaped value text, empty when not published) and
    ``v`` (the published number of a choropleth, else ``None``).

    Parameters
    ----------
    prepared
        The prepared release.

    Returns
    -------
    dict
        Theme key → drawing data; themes without any value are left out.
    """
    themes: dict[str, dict[str, Any]] = {}
    for geography in prepared.geographies:
        for theme in geography.themes:
            if not _has_values(theme):
                continue
            themes[theme.key] = {
                "data": f"a:{geography.name}",
                "geo": html.escape(geography.title),
                "title": html.escape(theme.title),
                "kind": theme.kind,
                "col": theme.column,
                "colours": [e.colour for e in theme.entries],
                "c": np.asarray(theme.class_index, dtype=np.int64).tolist(),
                "t": [html.escape(v) for v in theme.value_text],
                "v": _values(geography, theme),
            }
    return themes


def _picker_html(prepared: PreparedRelease, default: str, language: str) -> str:
    """Two selects: the indicator (each once, whatever its levels) and the level it is shown on.

    The level select lists every geography with a theme; the script hides those that do not
    have the chosen indicator. Both show their choice when closed (level and indicator).
    """
    offered = [(g, t) for g in prepared.geographies for t in g.themes if _has_values(t)]
    chosen = next(((g, t) for g, t in offered if t.key == default), offered[0] if offered else None)
    titles: dict[str, str] = {}
    for _, theme in offered:
        titles.setdefault(theme.column, theme.title)
    indicators = "".join(
        f'<option value="{html.escape(column)}"'
        f"{' selected' if chosen and column == chosen[1].column else ''}>"
        f"{html.escape(title)}</option>"
        for column, title in titles.items()
    )
    levels = "".join(
        f'<option value="a:{html.escape(g.name)}"'
        f"{' selected' if chosen and g is chosen[0] else ''}>{html.escape(g.title)}</option>"
        for g in prepared.geographies
        if any(geo is g for geo, _ in offered)
    )
    label = html.escape(text("map_controls", "picker_label", language))
    level = html.escape(text("map_controls", "level_label", language))
    return (
        '<div class="zicht-picker-row">'
        f'<label class="zicht-picker-label" for="zicht-picker">{label}</label>'
        '<select id="zicht-picker" class="zicht-picker" data-testid="indicator-picker">'
        f"{indicators}</select></div>"
        '<div class="zicht-level-row">'
        f'<label class="zicht-picker-label" for="zicht-level">{level}</label>'
        '<select id="zicht-level" class="zicht-level" data-testid="level-picker">'
        f"{levels}</select></div>"
    )


def controls_html(
    prepared: PreparedRelease, default: str, *, language: str = DEFAULT_LANGUAGE
) -> str:
    """Return the controls above the map (indicator picker, search) and the side panel.

    Parameters
    ----------
    prepared
        The prepared release.
    default
        Key of the theme the page opens on.
    language
        ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    str
        Escaped HTML, written before the map so that it is first in the Tab order: the
        indicator picker (``data-testid="indicator-picker"``, one option per indicator), the
        level picker (``"level-picker"``: H3 cells, buurten …) and the search box.
    """
    picker = _picker_html(prepared, default, language)
    search = search_html(language)
    return f'<div class="zicht-controls" id="zicht-controls">{picker}{search}</div>' + panel_html(
        language
    )


def context_names(context: tuple[ContextLayer, ...], language: str) -> dict[str, str]:
    """Name each context layer in the layer list, escaped, keyed ``c:<name>``."""
    names = {}
    for layer in context:
        own = layer.name.lower()
        if layer.kind == "park":
            name = say(language, "overlay_parks")
        elif own in ("buurt", "wijk", "gemeente"):
            name = say(language, f"outline_{own}")
        else:
            name = say(language, "outline_other", name=layer.title)
        names[f"c:{layer.name}"] = html.escape(name)
    return names
