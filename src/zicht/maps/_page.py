"""The page around the map: legend, footer, styles, and the script that draws the layers.

Every text from the data or the metadata is HTML-escaped here, and the layer data is written
once per geography as script-safe JSON; the layers of the layer control only refer to it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from zicht._strings import text
from zicht.maps._assets import LEAFLET_VERSION, script_json
from zicht.maps._controls import asset, context_names, theme_config
from zicht.maps._layers import (
    PreparedRelease,
    area_features_json,
    context_features_json,
    css_name,
)
from zicht.maps._panel import panel_config
from zicht.maps._themes import STATUS_MERGED, Theme, geography_title
from zicht.maps._words import say
from zicht.publish import STATUS_SUPPRESSED, Release

__all__ = [
    "CSS",
    "HATCH_SVG",
    "SETUP_JS",
    "config",
    "data_json",
    "dates_text",
    "escape",
    "footer_html",
    "legend_html",
    "provenance",
    "status_texts",
]

_SUPPRESSED_STYLE = "#d9d9d9"
_CONTEXT_STYLES: Mapping[str, Mapping[str, Any]] = {
    "buurt": {"color": "#3d3d3d", "weight": 1.0, "opacity": 0.75, "fill": False},
    "wijk": {"color": "#262626", "weight": 1.8, "opacity": 0.8, "fill": False},
    "gemeente": {"color": "#000000", "weight": 3.2, "opacity": 0.9, "fill": False},
    "park": {"color": "#00441b", "weight": 2.0, "opacity": 0.95, "fill": False, "dashArray": "5 3"},
    "area": {"color": "#3d3d3d", "weight": 1.2, "opacity": 0.8, "fill": False},
}
_PARK_POINT = {
    "radius": 5,
    "color": "#00441b",
    "weight": 1.5,
    "fillColor": "#5aae61",
    "fillOpacity": 0.95,
}


# The script that hands the data and the settings to zichtMap (assets/maps/map.js); an asset,
# so that `zicht check` knows the page's script from the same file.
SETUP_JS = "\n" + asset("setup.js.jinja")


def status_texts(release: Release, language: str = "nl") -> dict[str, str]:
    """Return the raw text shown instead of a value, per status that is not published."""
    min_units = release.rules.min_units
    return {
        STATUS_SUPPRESSED: say(language, "status_suppressed", min_units=min_units),
        STATUS_MERGED: say(language, "status_merged"),
    }


def config(
    prepared: PreparedRelease,
    release: Release,
    *,
    tiles: Mapping[str, Any] | None,
    initial: str,
) -> dict[str, Any]:
    """Return the drawing settings of the map script; its texts are already escaped.

    ``tiles`` is the chosen online background (``None``: offline), ``initial`` the key of the
    theme the page opens on.
    """
    language = prepared.language
    contexts = {}
    names = context_names(prepared.context, language)
    for layer in prepared.context:
        style_key = layer.name.lower() if layer.name.lower() in _CONTEXT_STYLES else layer.kind
        contexts[f"c:{layer.name}"] = {
            "name": names[f"c:{layer.name}"],
            "park": layer.kind == "park",
            "style": dict(_CONTEXT_STYLES[style_key]),
            "className": f"zicht-context zicht-context-{css_name(layer.name)}",
        }
        if layer.drawn_from:  # the outlines are the features of a published layer
            contexts[f"c:{layer.name}"]["data"] = layer.drawn_from
    south, west, north, east = prepared.bounds_wgs84
    return {
        "bounds": [[south, west], [north, east]],
        "themes": theme_config(prepared),
        "initial": initial,
        "contexts": contexts,
        "statusText": {k: html.escape(v) for k, v in status_texts(release, language).items()},
        "bandLabel": html.escape(say(language, "tooltip_units")),
        "regionLabel": html.escape(say(language, "tooltip_region")),
        "noValueText": html.escape(say(language, "legend_no_value").lower()),
        "noValueColour": "#ffffff",
        "suppressedColour": _SUPPRESSED_STYLE,
        "fillOpacity": 0.7 if tiles else 0.85,
        "parkPoint": _PARK_POINT,
        "panel": panel_config(prepared, release),
    }


def data_json(prepared: PreparedRelease) -> str:
    """Return every layer's GeoJSON in one script-safe object, keyed ``a:<name>``/``c:<name>``.

    A context layer drawn from a published layer's features (``drawn_from``) is not embedded
    a second time.
    """
    parts = [
        f"{script_json('a:' + g.name)}:{area_features_json(g, script_json)}"
        for g in prepared.geographies
    ]
    parts += [
        f"{script_json('c:' + c.name)}:{context_features_json(c, script_json)}"
        for c in prepared.context
        if not c.drawn_from
    ]
    return "{" + ",".join(parts) + "}"


def escape(value: Any) -> str:
    """HTML-escape any value as text (``None`` becomes empty)."""
    return html.escape("" if value is None else str(value))


def legend_html(prepared: PreparedRelease, release: Release, default: str | None = None) -> str:
    """Return the legend: one section per theme, the dates of the data, the synthetic note.

    The section of theme ``default`` (a theme key; the first theme when None) is shown.
    Every word is in the prepared release's language.
    """
    metadata = release.metadata
    language = prepared.language
    default = default or prepared.themes[0].key
    sections = []
    for geography in prepared.geographies:
        for theme in geography.themes:
            rows, notes = _legend_rows(geography, theme, release, language)
            hidden = "" if theme.key == default else " hidden"
            explain = "".join(f'<p class="zicht-explain">{escape(n)}</p>' for n in notes)
            sections.append(
                f'<section class="zicht-legend-theme" data-theme="{theme.key}"{hidden}>'
                f"<h3>{escape(geography.title)}: {escape(theme.title)}</h3>"
                f'<ul>{"".join(rows)}</ul>{explain}<p class="zicht-method">{escape(theme.note)}</p>'
                f"{_indicator_note(metadata, theme.column, language)}</section>"
            )
    lines = []
    if metadata.get("not_for_publication"):
        # rules below the publication floors ([rules] purpose = "internal")
        mark = escape(text("common", "not_for_publication", language))
        lines.append(f'<span class="zicht-synthetic zicht-internal">{mark}</span>')
    dates = dates_text(metadata, language)
    if dates:
        lines.append(escape(dates))
    if metadata.get("synthetic"):
        warning = text("common", "synthetic_warning", language)
        lines.append(f'<span class="zicht-synthetic">{escape(warning)}</span>')
    title = escape(metadata.get("title") or say(language, "page_title"))
    return (
        # <details>: a click on the title folds the legend away, without any script.
        f'<details class="zicht-legend" id="zicht-legend" open><summary>{title}</summary>'
        + "".join(sections)
        + "".join(f'<p class="zicht-meta">{line}</p>' for line in lines)
        + "</details>"
    )


def _legend_rows(
    geography: Any, theme: Theme, release: Release, language: str
) -> tuple[list[str], list[str]]:
    """Return the swatches of one theme's legend and the sentences that explain them."""
    statuses = set(geography.statuses)
    rows = [
        f'<li><span class="zicht-swatch" style="background:{e.colour}"></span>'
        f"{escape(e.label)}</li>"
        for e in theme.entries
    ]
    notes = []
    if theme.kind == "hotspot":
        notes += [say(language, "explain_hotspot"), say(language, "explain_confidence")]
    elif theme.kind == "moran":
        notes.append(say(language, "explain_moran"))
    if (theme.class_index[(geography.statuses == "published").to_numpy()] < 0).any():
        rows.append(
            '<li><span class="zicht-swatch zicht-swatch-no-value"></span>'
            f"{escape(say(language, 'legend_no_value'))}</li>"
        )
    if STATUS_SUPPRESSED in statuses:
        label = status_texts(release, language)[STATUS_SUPPRESSED]
        rows.append(
            f'<li><span class="zicht-swatch zicht-swatch-suppressed"></span>{escape(label)}</li>'
        )
        notes.append(say(language, "explain_suppressed", min_units=release.rules.min_units))
    if STATUS_MERGED in statuses:
        rows.append(
            '<li><span class="zicht-swatch zicht-swatch-merged"></span>'
            f"{escape(say(language, 'legend_merged'))}</li>"
        )
        notes.append(say(language, "explain_merged"))
    return rows, notes


_BOUNDARY_LAYERS = ("buurt", "wijk", "gemeente")


def dates_text(metadata: Mapping[str, Any], language: str = "nl") -> str:
    """Say the dates of the data: boundary vintages, the unit data, the day of the run.

    Read from the release metadata: ``inputs.<layer>.year`` of the boundary layers,
    ``units_date`` (``"generated"`` or the date of the unit table) and ``created``. A release
    without them shows its ``data_date`` as given.
    """
    parts = []
    inputs = metadata.get("inputs")
    years: dict[str, list[str]] = {}
    if isinstance(inputs, Mapping):
        for layer in _BOUNDARY_LAYERS:
            entry = inputs.get(layer)
            year = entry.get("year") if isinstance(entry, Mapping) else None
            if year:
                years.setdefault(str(year), []).append(geography_title(layer, language).lower())
    if years:
        listed = ", ".join(f"{year} ({', '.join(names)})" for year, names in sorted(years.items()))
        parts.append(say(language, "dates_boundaries", years=listed))
    units_date = metadata.get("units_date")
    if units_date == "generated":
        parts.append(say(language, "dates_units_synthetic"))
    elif units_date:
        parts.append(say(language, "dates_units_file", date=str(units_date)[:10]))
    if metadata.get("created") and parts:
        parts.append(say(language, "dates_run", date=str(metadata["created"])[:10]))
    if not parts and metadata.get("data_date"):
        parts.append(str(metadata["data_date"]))
    return say(language, "dates", parts="; ".join(parts)) if parts else ""


def _indicator_note(metadata: Mapping[str, Any], column: str, language: str) -> str:
    """Purpose and suggested follow-up steps of an indicator, from the release metadata."""
    notes = metadata.get("indicator_notes")
    note = notes.get(column) if isinstance(notes, Mapping) else None
    if not isinstance(note, Mapping):
        return ""
    html_parts = []
    if note.get("purpose"):
        purpose = say(language, "purpose", text=note["purpose"])
        html_parts.append(f'<p class="zicht-purpose">{escape(purpose)}</p>')
    steps = [s for s in note.get("follow_up") or [] if s]
    if steps:
        items = "".join(f"<li>{escape(s)}</li>" for s in steps)
        html_parts.append(
            '<details class="zicht-follow-up"><summary>'
            f"{escape(say(language, 'follow_up'))}</summary><ul>{items}</ul></details>"
        )
    return "".join(html_parts)


def provenance(release: Release, language: str = "nl") -> str:
    """Return the raw provenance line: version, run and disclosure rules."""
    metadata = release.metadata
    rules = release.rules
    parts = [say(language, "footer_version", version=metadata.get("zicht_version", "?"))]
    if metadata.get("run_id"):
        parts.append(say(language, "footer_run", run_id=metadata["run_id"]))
    key = "footer_rules_rounded" if rules.rounding_base > 1 else "footer_rules_unrounded"
    parts.append(say(language, key, min_units=rules.min_units, base=rules.rounding_base))
    return " · ".join(parts)


def footer_html(release: Release, language: str = "nl") -> str:
    """Return the provenance footer as escaped HTML."""
    offline = say(language, "footer_offline", version=LEAFLET_VERSION)
    return (
        f'<div class="zicht-footer" id="zicht-footer">'
        f"{escape(provenance(release, language) + ' · ' + offline)}</div>"
    )


CSS = """
.leaflet-control-layers-expanded { max-height: 45vh; max-width: 340px; overflow-y: auto;
  font-size: 12px; }
.zicht-legend { position: absolute; z-index: 1000; left: 10px; bottom: 30px; max-width: 320px;
  max-height: calc(100% - 120px); overflow: auto; padding: 8px 10px; border-radius: 4px;
  background: rgba(255, 255, 255, 0.94); box-shadow: 0 1px 5px rgba(0, 0, 0, 0.4);
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.zicht-legend summary { font-size: 14px; font-weight: 600; margin: 0 0 4px; cursor: pointer; }
.zicht-legend h3 { font-size: 12.5px; margin: 4px 0; }
.zicht-legend ul { list-style: none; margin: 0; padding: 0; }
.zicht-legend li { margin: 1px 0; white-space: nowrap; }
.zicht-legend p { margin: 4px 0 0; }
.zicht-method { color: #333333; font-style: italic; }
.zicht-explain { color: #333333; white-space: normal; }
.zicht-synthetic { color: #b2182b; font-weight: 600; }
.zicht-swatch { display: inline-block; width: 16px; height: 11px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid #6f6f6f; background: #ffffff; }
.zicht-swatch-suppressed { background: repeating-linear-gradient(45deg, #8c8c8c 0 1.5px,
  #ededed 1.5px 5px); }
.zicht-swatch-merged { border: 1.5px dashed #6a3d9a; }
/* No value (published, but no class in this theme): grey cross-hatching on white, as drawn on
   the map (#zicht-no-value); apart from "niet opvallend" (#f7f7f7), "geen buren" (grey) and
   the single hatching of a suppressed area. */
.zicht-swatch-no-value { background:
  repeating-linear-gradient(45deg, #737373 0 1.2px, transparent 1.2px 5px),
  repeating-linear-gradient(-45deg, #737373 0 1.2px, transparent 1.2px 5px), #ffffff; }
.zicht-footer { position: absolute; z-index: 1000; left: 0; bottom: 0;
  max-width: calc(100% - 300px); padding: 2px 8px; background: rgba(255, 255, 255, 0.85);
  font: 11px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #333333; }
.zicht-tooltip { font-size: 12px; }
path.zicht-suppressed { fill: url(#zicht-hatch); }
path.zicht-no-value { fill: url(#zicht-no-value); }
"""

HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">'
    '<defs><pattern id="zicht-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ededed"></rect>'
    '<line x1="1" y1="0" x2="1" y2="6" stroke="#8c8c8c" stroke-width="1.6"></line>'
    "</pattern>"
    '<pattern id="zicht-no-value" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"></rect>'
    '<line x1="1" y1="0" x2="1" y2="6" stroke="#737373" stroke-width="1.6"></line>'
    '<line x1="0" y1="1" x2="6" y2="1" stroke="#737373" stroke-width="1.6"></line>'
    "</pattern></defs></svg>"
)
