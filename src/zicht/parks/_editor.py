"""The park boundary editor: one offline HTML page to edit, draw, check and export boundaries.

Leaflet-Geoman (free, MIT, inlined from ``zicht/assets/geoman``) edits polygons,
multipolygons and holes: move, add and remove vertices, cut a hole or split a part off, drag,
rotate, delete; the page adds splitting a park into its parts and merging two parks, a park
list with search, checks before export, trace layers with snapping, and Dutch words by
default (:mod:`zicht._strings`, catalogue ``parks``).

The round trip is lossless: the page carries the RD New coordinates of every vertex, and the
exported GeoJSON keeps them (``rd_coordinates``) for every vertex that was not moved, so
:func:`zicht.parks.read_boundary_file` restores them exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import shapely

from zicht._errors import ConfigError, CRSError
from zicht._strings import LANGUAGES, catalogue, text
from zicht._validate import is_rd
from zicht.maps import check_offline
from zicht.parks._html import _asset, features, fill, offline_allowed, page, tiles
from zicht.parks._rule import describe_record
from zicht.parks._typology import PARK_TYPES
from zicht.schemas import RD_NEW

__all__ = ["EditContext", "TraceLayer", "render_edit_map"]

TRACE_KINDS = ("polygon", "line", "point")


@dataclass(frozen=True)
class TraceLayer:
    """A reference layer in the editor to trace boundaries against.

    Attributes
    ----------
    label
        Catalogue key of its name (``"trace_parcels"`` …) or a literal name.
    frame
        The features, any declared CRS (shown in WGS84, rounded to about 1 cm).
    kind
        ``"polygon"``, ``"line"`` or ``"point"``.
    snap
        Vertices snap to it while editing (when it is visible).
    visible
        Shown when the page opens.
    style
        Leaflet path options (colour, weight …).
    """

    label: str
    frame: gpd.GeoDataFrame
    kind: str = "polygon"
    snap: bool = True
    visible: bool = True
    style: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in TRACE_KINDS:
            raise ConfigError(f"a trace layer's kind is one of {TRACE_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class EditContext:
    """What the editor shows around the parks.

    Attributes
    ----------
    points
        Known park locations (``park_id``, ``name``, ``location_trusted``).
    gemeenten
        The gemeenten of the area (``code``, ``name``); a park outside all of them is a
        problem the page reports.
    trace
        Layers to trace against (:class:`TraceLayer`), e.g. from
        :func:`zicht.parks.edit_context`.
    min_area_m2
        Parks smaller than this are reported as too small (as on import).
    """

    points: gpd.GeoDataFrame | None = None
    gemeenten: gpd.GeoDataFrame | None = None
    trace: Sequence[TraceLayer] = ()
    min_area_m2: float = 1_000.0


_PARK_COLUMNS = ["park_id", "name", "source", "note", "park_type", "rule_id", "rule_text"]

_PANEL = """
<div id="panel">
  <h1>{edit_title}</h1>
  <div class="zicht-note" id="meta"></div>
  <div class="zicht-note" id="online-status"></div>
  <h2>{list_heading}</h2>
  <label for="park-search">{list_search}</label>
  <input type="search" id="park-search" autocomplete="off">
  <div class="zicht-note" id="park-count"></div>
  <div class="zicht-note" id="park-view"></div>
  <button id="all-parks" type="button" hidden>{button_all_parks}</button>
  <div class="zicht-list-wrap"><table class="zicht-list"><thead><tr><th>{col_name}</th>
  <th>{col_type}</th><th>{col_rule}</th><th>{col_version}</th></tr></thead>
  <tbody id="park-rows"></tbody></table></div>
  <h2>{selected_heading}</h2>
  <div class="zicht-note" id="none-selected">{none_selected}</div>
  <div id="selected" hidden>
    <label for="park-id">{field_park_id}</label><input type="text" id="park-id">
    <label for="park-name">{field_name}</label><input type="text" id="park-name">
    <label for="park-type">{field_type}</label><select id="park-type"></select>
    <div class="zicht-note">{field_source}: <span id="park-source"></span> ·
      {field_area}: <span id="park-area"></span></div>
    <div class="zicht-note">{field_rule}: <span id="park-rule"></span></div>
    <button id="edit-one" type="button">{button_edit_shape}</button>
    <button id="split" type="button">{button_split}</button>
    <button id="merge" type="button">{button_merge}</button>
    <button id="delete" type="button">{button_delete}</button>
    <div class="zicht-note" id="merge-status"></div>
  </div>
  <h2>{check_heading}</h2>
  <div id="check-status"></div>
  <ul id="problems"></ul>
  <button id="check" type="button">{button_check}</button>
  <h2>{export_heading}</h2>
  <div class="zicht-note">{export_next}</div>
  <label for="export-author">{field_author}</label>
  <input type="text" id="export-author" autocomplete="name">
  <label for="export-reason">{field_reason}</label>
  <input type="text" id="export-reason">
  <button id="export" type="button">{button_export}</button>
  <button id="export-anyway" type="button" hidden>{button_export_anyway}</button>
  <div id="export-status" role="status"></div>
  <p class="zicht-next" id="export-where" hidden>{export_where}</p>
  <details class="zicht-note" id="export-admin"><summary>{export_admin}</summary>
    <p>{export_admin_command}</p><p id="export-vertices"></p>
    <textarea id="export-text" readonly aria-label="GeoJSON"></textarea></details>
  <h2>{trace_heading}</h2>
  <ul id="trace-layers"></ul>
  <h2>{help_heading}</h2>
  <ol class="zicht-note"><li>{help_1}</li><li>{help_2}</li><li>{help_3}</li><li>{help_4}</li></ol>
  <div class="zicht-note">{legend}</div>
</div>
"""


def _rd_coordinates(parks: gpd.GeoDataFrame) -> list[Any]:
    """Return the RD New coordinates of every park, nested like its GeoJSON geometry."""
    rd = parks.to_crs(RD_NEW) if not is_rd(parks.crs) else parks
    return [shapely.geometry.mapping(g)["coordinates"] for g in rd.geometry]


def _park_features(parks: gpd.GeoDataFrame, language: str) -> dict[str, Any]:
    """Return the parks at full double precision, with the columns the page shows.

    The rule is shown in the page's language, written again from its stored record
    (``rule_json``); the stored ``rule_text`` is kept where there is no record.
    """
    frame = parks.copy()
    for col in _PARK_COLUMNS:
        if col not in frame:
            frame[col] = ""
    if "rule_json" in frame:
        frame["rule_name"] = [_rule_name(v) for v in frame["rule_json"]]
        shown = [describe_record(str(v), language) for v in frame["rule_json"].fillna("")]
        stored = frame["rule_text"].fillna("").astype("str")
        frame["rule_text"] = [new or old for new, old in zip(shown, stored, strict=True)]
    else:
        frame["rule_name"] = ""
    return features(frame, [*_PARK_COLUMNS, "rule_name"], precision=None)


def _rule_name(rule_json: Any) -> str:
    try:
        return str(json.loads(str(rule_json)).get("name", ""))
    except (ValueError, AttributeError):
        return ""


def _trace(context: EditContext, language: str) -> list[dict[str, Any]]:
    strings = catalogue("parks", language)
    return [
        {
            "label": strings.get(layer.label, layer.label),
            "kind": layer.kind,
            "snap": layer.snap,
            "visible": layer.visible,
            "style": dict(layer.style),
            "fc": features(layer.frame[[layer.frame.geometry.name]], []),
        }
        for layer in context.trace
    ]


def render_edit_map(
    parks: gpd.GeoDataFrame,
    *,
    meta: Mapping[str, Any] | None = None,
    context: EditContext | None = None,
    tiles_name: str | None = None,
    filename: str = "park_boundaries_edited.geojson",
    language: str = "nl",
) -> str:
    """Render the offline editor of a boundary set as one HTML page.

    Parameters
    ----------
    parks
        The boundaries to edit (``park_id``, ``name``, ``source``; optional ``park_type``,
        ``rule_id``, ``rule_json``, ``rule_text``, ``note``), in a declared CRS.
    meta
        Carried into the exported GeoJSON's ``zicht`` member (``parent_version``, ``store``),
        so that ``zicht parks import`` knows where the file came from.
    context
        Park locations, gemeenten and trace layers (:class:`EditContext`).
    tiles_name
        ``None`` (offline, default), ``"pdok"`` (PDOK topographic map and aerial photo) or
        ``"osm"``: online backgrounds; without internet the page says so and keeps working.
    filename
        Name of the downloaded GeoJSON.
    language
        ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    str
        The page; it loads nothing over the network unless ``tiles_name`` is given.

    Raises
    ------
    CRSError
        If ``parks`` has no CRS.
    ConfigError
        If the language or the background is unknown.
    ZichtError
        If the page would load anything it should not.
    """
    if parks.crs is None:
        raise CRSError(f"the parks to edit have no CRS; set it ({RD_NEW} expected)")
    if language not in LANGUAGES:
        raise ConfigError(f"language must be one of {LANGUAGES}, got {language!r}")
    context = context or EditContext()
    meta = dict(meta or {})
    version = meta.get("parent_version") or text("parks", "version_unsaved", language)
    gemeenten = context.gemeenten
    wgs = parks.to_crs(4326)
    data = {
        "parks": _park_features(parks, language),
        "rd": _rd_coordinates(parks),
        "trace": _trace(context, language),
        "gemeenten": features(gemeenten, ["code", "name"]) if gemeenten is not None else
        features(None, []),
        "points": features(context.points, ["park_id", "name", "location_trusted"]),
        "tiles": tiles(tiles_name, language),
        "meta": meta,
        "center_lat": float(wgs.geometry.union_all().centroid.y) if len(wgs) else 52.2,
        "checks": {"min_area_m2": context.min_area_m2, "gemeente_tolerance_m": 5.0,
                   "edge_tolerance_m": 0.05},
        "park_types": [
            {"key": key, "label": text("parks", f"type_{key}", language)} for key in PARK_TYPES
        ],
        "language": language,
        "t": dict(catalogue("parks", language)),
        "meta_text": text(
            "parks",
            "edit_meta_one" if len(parks) == 1 else "edit_meta",
            language,
            version=version,
            n=len(parks),
            store=meta.get("store") or "–",
            date=datetime.now(UTC).date().isoformat(),
        ),
        "filename": filename,
    }  # fmt: skip
    body = page(
        text("parks", "edit_title", language),
        fill(_PANEL, language),
        data,
        _asset("parks", "common.js") + _asset("parks", "edit_map.js"),
        editor=True,
    )
    check_offline(body, allowed=offline_allowed(editor=True))
    return body
