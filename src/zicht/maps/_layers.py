"""Prepare a release for drawing: validated layers, themes, context and feature data.

Everything the HTML map and the static PNGs draw passes through :func:`prepare_release`. It
keeps only what may be shown: the published geographies with their statuses, the values of
published features, and a whitelist of columns of the public context layers. Geometry is
simplified and quantised once, in :mod:`zicht.maps._geometry`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import CRSError, DisclosureError, InputError, SchemaError
from zicht._validate import is_rd
from zicht.maps._context import layer_labels, where_texts
from zicht.maps._geometry import to_web_geometry
from zicht.maps._themes import (
    STATUS_MERGED,
    MapOptions,
    Theme,
    check_statuses,
    choropleth_theme,
    geography_title,
    hotspot_method_text,
    label_kind,
    label_theme,
    title_with_unit,
)
from zicht.maps._words import say
from zicht.publish import NOT_PUBLISHED_BAND, STATUS_PUBLISHED, Release
from zicht.schemas import RD_NEW

__all__ = [
    "ContextLayer",
    "Geography",
    "PageShare",
    "PreparedRelease",
    "SharedRelease",
    "area_feature_strings",
    "area_features_json",
    "context_feature_strings",
    "context_features_json",
    "prepare_release",
    "share_release",
]

_REQUIRED = ("area_id", "area_name", "status", "n_units_band")
_ORDER = ("h3", "region", "buurt", "wijk", "gemeente", "park")
_PARK_NAMES = ("parks", "park")
# Context layers are public, but may carry more than the map needs (addresses of parks,
# websites): only these columns are read, as (id column, name column).
_CONTEXT_COLUMNS = {"park": ("park_id", "name"), "area": ("area_id", "area_name")}
# Context layers with a title of their own in map.toml (``context_<key>``).
_CONTEXT_TITLES = {
    "buurt": "buurt",
    "wijk": "wijk",
    "gemeente": "gemeente",
    "parks": "park",
    "park": "park",
}
# Buffer around the study area within which context features are drawn, in metres.
_CONTEXT_MARGIN_M = 1_000.0
# Label columns that make a hot-spot theme, with their q-value column and metadata key.
_LABEL_THEMES = (("hotspot_label", "hotspot_q", "hotspot"), ("moran_label", "moran_q", "moran"))


@dataclass(frozen=True)
class Geography:
    """A published release layer, ready to draw.

    Parameters
    ----------
    name
        Release layer name.
    title
        Human title (``"H3 cells"``).
    frame
        The release layer, in EPSG:28992.
    web_geometry
        Simplified, quantised WGS84 geometry aligned to ``frame``.
    themes
        The ways to colour it.
    rank_interval
        Central share of the composite's rank interval, for the tooltips (0.90 → "90 %").
    language
        The language of the page, for the texts written with the features.
    where
        Per feature: the escaped names of the buurt, wijk and gemeente it lies in (empty when
        the release has no such context layers).
    features
        Per feature, its GeoJSON text when it was written once for a larger release (pages
        per gemeente, :class:`PageShare`); ``None``: written from this geography.
    """

    name: str
    title: str
    frame: gpd.GeoDataFrame
    web_geometry: np.ndarray
    themes: tuple[Theme, ...]
    rank_interval: float = 0.90
    language: str = "nl"
    where: tuple[str, ...] = ()
    features: tuple[str, ...] | None = None

    @property
    def statuses(self) -> pd.Series:
        """The ``status`` of each feature."""
        return self.frame["status"].astype("str")


@dataclass(frozen=True)
class ContextLayer:
    """A public reference layer, reduced to identifiers and names.

    Parameters
    ----------
    name
        Context layer name (``"buurt"``, ``"parks"`` …).
    title
        Human title.
    kind
        ``"park"`` or ``"area"``.
    ids, names
        Raw identifiers and names, aligned to the geometry.
    geometry
        Geometry in EPSG:28992.
    web_geometry
        Simplified, quantised WGS84 geometry.
    features
        Per feature, its GeoJSON text when written once for a larger release; ``None``:
        written from this layer.
    labels
        Per feature, its name label (``zicht.maps._context.layer_labels``) when computed once
        for a larger release; ``None``: computed from this layer.
    drawn_from
        The data key of the published layer whose features are these outlines (``"a:buurt"``),
        so that the page draws them from that layer instead of embedding them twice; ``None``:
        the outlines are embedded.
    """

    name: str
    title: str
    kind: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    geometry: gpd.GeoSeries
    web_geometry: np.ndarray
    features: tuple[str, ...] | None = None
    labels: tuple[Any, ...] | None = None
    drawn_from: str | None = None

    def subset(self, rows: np.ndarray) -> ContextLayer:
        """Return the layer reduced to the features at positions ``rows``, in that order."""
        take = list(rows.tolist())
        return replace(
            self,
            ids=tuple(self.ids[i] for i in take),
            names=tuple(self.names[i] for i in take),
            geometry=self.geometry.iloc[rows].reset_index(drop=True),
            web_geometry=self.web_geometry[rows],
            features=None if self.features is None else tuple(self.features[i] for i in take),
            labels=None if self.labels is None else tuple(self.labels[i] for i in take),
        )


@dataclass(frozen=True)
class PreparedRelease:
    """A release reduced to what the maps draw.

    Parameters
    ----------
    geographies
        Published layers in drawing order.
    context
        Public reference layers clipped to the study area.
    bounds_wgs84
        ``(south, west, north, east)`` of the published layers.
    language
        The language of every word drawn (``"nl"`` or ``"en"``).
    """

    geographies: tuple[Geography, ...]
    context: tuple[ContextLayer, ...]
    bounds_wgs84: tuple[float, float, float, float]
    language: str = "nl"

    @property
    def themes(self) -> tuple[Theme, ...]:
        """Every theme, in layer-control order; the first is shown when the map opens."""
        return tuple(t for g in self.geographies for t in g.themes)


def _layer_order(names: list[str]) -> list[str]:
    known = [n for n in _ORDER if n in names]
    return known + [n for n in names if n not in _ORDER]


def _validate_layers(release: Release) -> None:
    schema: list[str] = []
    crs: list[str] = []
    for name, frame in release.layers.items():
        missing = [c for c in _REQUIRED if c not in frame]
        missing += [m.column for m in release.indicators if m.column not in frame]
        if missing:
            schema.append(f"layer {name!r} lacks columns {missing}")
        if not is_rd(frame.crs):
            crs.append(f"layer {name!r} must be in {RD_NEW}, got {frame.crs}")
        if "status" in frame:
            schema.extend(check_statuses(frame, name))
    if schema:
        raise SchemaError("the release cannot be mapped: " + "; ".join(schema + crs))
    if crs:
        raise CRSError("the release cannot be mapped: " + "; ".join(crs))
    _validate_context(release)
    if not release.layers or all(len(f) == 0 for f in release.layers.values()):
        raise InputError("the release has no published layer with features: nothing to map")
    _refuse_unpublished_values(release)


def _refuse_unpublished_values(release: Release) -> None:
    """Defence in depth: a feature that is not published must carry no value."""
    leaks = []
    for name, frame in release.layers.items():
        hidden = frame["status"].astype("str") != STATUS_PUBLISHED
        columns = [m.column for m in release.indicators] + ["n_units"]
        columns += [c for c in ("hotspot_z", "hotspot_p", "hotspot_q") if c in frame]
        for column in columns:
            if column in frame:
                n = int((hidden & frame[column].notna()).sum())
                if n:
                    leaks.append(f"layer {name!r}, column {column!r}: {n} feature(s)")
    if leaks:
        raise DisclosureError(
            "the release carries values on features that are not published; "
            "no map is written: " + "; ".join(leaks)
        )


def _themes_for(
    name: str, frame: gpd.GeoDataFrame, release: Release, options: MapOptions, start: int
) -> list[Theme]:
    themes: list[Theme] = []
    published = frame["status"].astype("str") == STATUS_PUBLISHED
    for column, q_column, metadata_key in _LABEL_THEMES:
        if column not in frame:
            continue
        settings = release.metadata.get(metadata_key)
        settings = settings if isinstance(settings, Mapping) else None
        method = str((settings or {}).get("method", ""))
        kind = label_kind(frame.loc[published, column], column, method)
        default = "gi_star" if kind == "hotspot" else "local_moran"
        language = options.language
        tested = _tested_title(settings, release, language)
        note = hotspot_method_text(settings, default, tested, language)
        key = f"t{start + len(themes)}"
        themes.append(label_theme(key, name, frame, column, q_column, kind, note, language))
    for meta in release.indicators:
        key = f"t{start + len(themes)}"
        themes.append(choropleth_theme(key, name, frame, meta, options))
    return themes


def _tested_title(
    settings: Mapping[str, Any] | None, release: Release, language: str
) -> str | None:
    """Title of the indicator a hot-spot test was run on, from the recorded settings."""
    if not settings:
        return None
    column = settings.get("indicator") or settings.get("variable")
    if not column:
        return None
    titles = {m.column: title_with_unit(m, language) for m in release.indicators}
    return titles.get(str(column), str(column))


def _context_kind(name: str) -> str:
    return "park" if name.lower() in _PARK_NAMES else "area"


def _validate_context(release: Release) -> None:
    schema: list[str] = []
    crs: list[str] = []
    for name, frame in release.context.items():
        if frame.crs is None:
            crs.append(f"context layer {name!r} has no CRS; set it before publishing")
        kind = _context_kind(name)
        if kind == "area" and set(frame.geom_type.dropna()) & {"Point", "MultiPoint"}:
            # Points other than park locations could be unit-level locations (addresses).
            schema.append(
                f"context layer {name!r} holds points; only park locations may be points on "
                "a map (name the layer 'parks'), other context layers must be areas"
            )
        missing = [c for c in _CONTEXT_COLUMNS[kind] if c not in frame]
        if missing:
            schema.append(f"context layer {name!r} lacks columns {missing}")
    if schema:
        raise SchemaError("the release cannot be mapped: " + "; ".join(schema + crs))
    if crs:
        raise CRSError("the release cannot be mapped: " + "; ".join(crs))


def _context_layers(
    release: Release,
    study_area: shapely.Geometry,
    options: MapOptions,
    kept: dict[str, np.ndarray] | None = None,
) -> list[ContextLayer]:
    """Return the context layers near the study area; ``kept`` gets each one's positions."""
    layers = []
    for name, frame in release.context.items():
        kind = _context_kind(name)
        id_col, name_col = _CONTEXT_COLUMNS[kind]
        rd = frame.geometry.to_crs(RD_NEW)
        keep = rd.intersects(study_area).to_numpy() & ~rd.is_empty.to_numpy()
        if not keep.any():
            continue
        if kept is not None:
            kept[name] = np.flatnonzero(keep)
        reduced = gpd.GeoDataFrame(geometry=rd[keep].values, crs=RD_NEW)
        own = _CONTEXT_TITLES.get(name.lower())
        layers.append(
            ContextLayer(
                name=name,
                title=say(options.language, f"context_{own}") if own else name,
                kind=kind,
                ids=tuple(_text(v) for v in frame.loc[keep, id_col]),
                names=tuple(_text(v) for v in frame.loc[keep, name_col]),
                geometry=reduced.geometry,
                web_geometry=to_web_geometry(reduced, options.simplify_m),
            )
        )
    return layers


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


@dataclass(frozen=True)
class SharedRelease:
    """The work done once for a whole release, for pages that each draw a part of it.

    Parameters
    ----------
    geographies
        Per release layer: the whole layer, prepared without themes, with its web geometry,
        the names of where each feature lies and each feature's GeoJSON.
    context
        The context layers of the whole release, with their name labels and GeoJSON.
    context_rows
        Per context layer: the positions in the release's context frame of its features
        (empty geometries are left out).
    """

    geographies: Mapping[str, Geography]
    context: tuple[ContextLayer, ...]
    context_rows: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class PageShare:
    """Which part of a :class:`SharedRelease` one page draws.

    Parameters
    ----------
    shared
        The work done once.
    rows
        Per release layer of the page: the positions of its features in the shared layer,
        aligned to the page's frame.
    context_rows
        Per context layer: the positions of the page's features in the shared layer.
    outlines_from_layers
        Draw the outlines of a context layer that is also a published layer of the page
        (buurten) from that layer's features instead of embedding them twice.
    """

    shared: SharedRelease
    rows: Mapping[str, np.ndarray]
    context_rows: Mapping[str, np.ndarray]
    outlines_from_layers: bool = True


def _geography(
    name: str,
    frame: gpd.GeoDataFrame,
    release: Release,
    options: MapOptions,
    themes: tuple[Theme, ...],
    share: PageShare | None,
) -> Geography:
    whole = share.shared.geographies.get(name) if share is not None else None
    if whole is None or share is None:
        web = to_web_geometry(frame, options.simplify_m)
        where: tuple[str, ...] = ()
        features = None
    else:
        rows = share.rows[name]
        web = whole.web_geometry[rows]
        where = tuple(whole.where[i] for i in rows.tolist()) if whole.where else ()
        features = None if whole.features is None else tuple(whole.features[i] for i in rows)
    return Geography(
        name=name,
        title=geography_title(name, options.language),
        frame=frame,
        web_geometry=web,
        themes=themes,
        rank_interval=_rank_interval(release, name),
        language=options.language,
        where=where,
        features=features,
    )


def _shared_context(
    share: PageShare, study_area: shapely.Geometry, published: set[str]
) -> list[ContextLayer]:
    """Return the page's part of the shared context layers, clipped to its study area."""
    layers = []
    for whole in share.shared.context:
        rows = share.context_rows.get(whole.name)
        if rows is None or len(rows) == 0:
            continue
        # positions in the release's context frame → positions in the shared layer
        part = whole.subset(np.flatnonzero(np.isin(share.shared.context_rows[whole.name], rows)))
        geoms = part.geometry.to_numpy()
        keep = shapely.intersects(geoms, study_area) & ~shapely.is_empty(geoms)
        if not keep.any():
            continue
        part = part.subset(np.flatnonzero(keep))
        own = whole.name.lower()
        if share.outlines_from_layers and whole.kind == "area" and own in published:
            part = replace(part, drawn_from=f"a:{own}")
        layers.append(part)
    return layers


def _study_area(geographies: list[Geography]) -> shapely.Geometry:
    # The box of every drawn feature: total_bounds gives it without the union (25 s for
    # the country's 378k geometries).
    bounds = np.array([g.frame.total_bounds for g in geographies])
    study_box = shapely.box(*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0))
    return study_box.buffer(_CONTEXT_MARGIN_M, join_style="mitre")


def prepare_release(
    release: Release, options: MapOptions, *, share: PageShare | None = None
) -> PreparedRelease:
    """Validate a release and compute everything the maps draw.

    Parameters
    ----------
    release
        The release to draw.
    options
        Classification, palette and simplification.
    share
        When the release is one page's part of a larger release: the work done once for
        the larger release (web geometry, where texts, GeoJSON, context and labels), and
        which of its features the page holds. The themes (classes, values) are the page's.

    Returns
    -------
    PreparedRelease
        Geographies with themes and WGS84 geometry, and the clipped context layers.

    Raises
    ------
    SchemaError, CRSError, InputError
        If a layer lacks columns, is not in EPSG:28992, or nothing can be drawn.
    DisclosureError
        If a feature that is not published carries a value.
    """
    _validate_layers(release)
    geographies: list[Geography] = []
    start = 0
    for name in _layer_order(list(release.layers)):
        frame = release.layers[name]
        if len(frame) == 0:
            continue
        themes = _themes_for(name, frame, release, options, start)
        start += len(themes)
        geographies.append(_geography(name, frame, release, options, tuple(themes), share))
    study_area = _study_area(geographies)
    web_bounds = shapely.total_bounds(np.concatenate([g.web_geometry for g in geographies]))
    west, south, east, north = (float(v) for v in web_bounds)
    if share is None:
        context = tuple(_context_layers(release, study_area, options))
        geographies = [
            replace(g, where=where_texts(g.name, g.frame.geometry, context, options.language))
            for g in geographies
        ]
    else:
        context = tuple(_shared_context(share, study_area, {g.name for g in geographies}))
    return PreparedRelease(
        geographies=tuple(geographies),
        context=context,
        bounds_wgs84=(south, west, north, east),
        language=options.language,
    )


def share_release(release: Release, options: MapOptions, script_json: Any) -> SharedRelease:
    """Do once, for the whole release, the work that pages of its parts share.

    Parameters
    ----------
    release
        The whole release.
    options
        Classification, palette and simplification (the simplification is used here).
    script_json
        The JSON encoder that is safe inside ``<script>``.

    Returns
    -------
    SharedRelease
        Web geometry, where texts and GeoJSON per feature of every layer; the context layers
        with their labels and GeoJSON.
    """
    _validate_layers(release)
    names = [n for n in _layer_order(list(release.layers)) if len(release.layers[n])]
    whole = [_geography(n, release.layers[n], release, options, (), None) for n in names]
    kept: dict[str, np.ndarray] = {}
    context = tuple(
        replace(
            c,
            labels=tuple(layer_labels(c)),
            features=tuple(context_feature_strings(c, script_json)),
        )
        for c in _context_layers(release, _study_area(whole), options, kept)
    )
    geographies = {}
    for g in whole:
        g = replace(g, where=where_texts(g.name, g.frame.geometry, context, options.language))
        geographies[g.name] = replace(g, features=tuple(area_feature_strings(g, script_json)))
    return SharedRelease(geographies=geographies, context=context, context_rows=kept)


def _header(code: str, name: str) -> str:
    code_html = html.escape(code)
    if name and name != code:
        return f"<b>{html.escape(name)}</b><br>{code_html}"
    return f"<b>{code_html}</b>"


def _feature_strings(geoms: np.ndarray, properties: list[str]) -> list[str]:
    geojson = shapely.to_geojson(geoms)
    return [
        f'{{"type":"Feature","geometry":{g},"properties":{p}}}'
        for g, p in zip(geojson.tolist(), properties, strict=True)
    ]


def _collection(features: Any) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def area_features_json(geography: Geography, script_json: Any) -> str:
    """Serialise a geography as GeoJSON with compact, escaped properties.

    Each feature carries ``h`` (escaped name and code), ``b`` (escaped units band), ``s``
    (status), ``w`` (the escaped buurt, wijk and gemeente it lies in, if known) and, when
    published, ``x`` (the composite's rank and interval, if any). The values of each theme
    are kept apart, per theme (``zicht.maps._controls.theme_config``), so that only the theme
    shown is drawn. Features that are not published carry no value.

    Parameters
    ----------
    geography
        The prepared geography.
    script_json
        The JSON encoder that is safe inside ``<script>``.

    Returns
    -------
    str
        A GeoJSON FeatureCollection.
    """
    if geography.features is not None:
        return _collection(geography.features)
    return _collection(area_feature_strings(geography, script_json))


def area_feature_strings(geography: Geography, script_json: Any) -> list[str]:
    """Return the GeoJSON text of each feature of a geography (see :func:`area_features_json`).

    Parameters
    ----------
    geography
        The prepared geography.
    script_json
        The JSON encoder that is safe inside ``<script>``.

    Returns
    -------
    list of str
        One GeoJSON Feature per feature of the geography, aligned to its frame.
    """
    frame = geography.frame
    ids = [_text(v) for v in frame["area_id"]]
    names = [_local_name(_text(v), geography.language) for v in frame["area_name"]]
    bands = [_local_band(_text(v), geography.language) for v in frame["n_units_band"]]
    statuses = geography.statuses.tolist()
    regions = [_text(v) for v in frame["region_id"]] if "region_id" in frame else None
    extras = composite_texts(frame, geography.rank_interval, geography.language)
    properties = []
    for i, status in enumerate(statuses):
        prop: dict[str, Any] = {"h": _header(ids[i], names[i]), "b": html.escape(bands[i])}
        prop["s"] = status
        if geography.where and geography.where[i]:
            prop["w"] = geography.where[i]
        if status == STATUS_PUBLISHED:
            if extras is not None and extras[i]:
                prop["x"] = html.escape(extras[i])
        elif status == STATUS_MERGED and regions and regions[i]:
            prop["r"] = html.escape(regions[i])
        properties.append(script_json(prop))
    return _feature_strings(geography.web_geometry, properties)


_H3_NAME = re.compile(r"H3 res (\d+)")


def _local_name(name: str, language: str) -> str:
    """Say the name the publisher gives an H3 cell (``"H3 res 9"``) in the page's language."""
    match = _H3_NAME.fullmatch(name)
    return say(language, "h3_cell_name", resolution=match.group(1)) if match else name


def _local_band(band: str, language: str) -> str:
    return say(language, "band_not_published") if band == NOT_PUBLISHED_BAND else band


def context_features_json(layer: ContextLayer, script_json: Any) -> str:
    """Serialise a context layer as GeoJSON whose only property is the escaped tooltip.

    Parameters
    ----------
    layer
        The prepared context layer.
    script_json
        The JSON encoder that is safe inside ``<script>``.

    Returns
    -------
    str
        A GeoJSON FeatureCollection.
    """
    if layer.features is not None:
        return _collection(layer.features)
    return _collection(context_feature_strings(layer, script_json))


def context_feature_strings(layer: ContextLayer, script_json: Any) -> list[str]:
    """Return the GeoJSON text of each feature of a context layer.

    Parameters
    ----------
    layer
        The prepared context layer.
    script_json
        The JSON encoder that is safe inside ``<script>``.

    Returns
    -------
    list of str
        One GeoJSON Feature per feature, aligned to the layer.
    """
    properties = [
        script_json({"h": f"{html.escape(layer.title)}: {_header(code, name)}"})
        for code, name in zip(layer.ids, layer.names, strict=True)
    ]
    return _feature_strings(layer.web_geometry, properties)


def _rank_interval(release: Release, layer: str) -> float:
    """Return the composite's rank-interval share on ``layer`` as recorded (default 0.90)."""
    composite = release.metadata.get("composite")
    layers = composite.get("layers") if isinstance(composite, Mapping) else None
    entry = layers.get(layer) if isinstance(layers, Mapping) else None
    try:
        return float(entry["settings"]["uncertainty"]["interval"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return 0.90


def composite_texts(
    frame: pd.DataFrame, interval: float = 0.90, language: str = "nl"
) -> list[str] | None:
    """Per feature: "Rang in de samengestelde index: 3 (90 % zeker tussen 1 en 7)", or None."""
    columns = ("composite_rank", "composite_rank_lo", "composite_rank_hi")
    if not all(c in frame for c in columns):
        return None
    out = []
    share = f"{interval * 100:.0f} %"
    unstable = frame.get("composite_rank_unstable")
    for i, (rank, lo, hi) in enumerate(zip(*(frame[c] for c in columns), strict=True)):
        if pd.isna(rank):
            out.append("")
            continue
        text = say(language, "composite_rank", rank=int(rank), share=share, lo=int(lo), hi=int(hi))
        if unstable is not None and unstable.iloc[i] == 1:
            text += say(language, "composite_unstable")
        out.append(text)
    return out


def css_name(name: str) -> str:
    """Turn a layer name into a CSS class fragment (``[a-z0-9-]``).

    Parameters
    ----------
    name
        Any layer name.

    Returns
    -------
    str
        Lower-case letters, digits and hyphens.
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "layer"
