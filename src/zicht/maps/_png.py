"""Static PNGs of the map layers, drawn with matplotlib (no browser, no pyplot state)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from zicht.maps._context import pattern_config
from zicht.maps._layers import ContextLayer, Geography, PreparedRelease
from zicht.maps._themes import STATUS_MERGED, Theme
from zicht.maps._words import say
from zicht.publish import STATUS_PUBLISHED, STATUS_SUPPRESSED

__all__ = ["png_name", "write_theme_pngs"]

_SUPPRESSED_FACE = "#ededed"
_SUPPRESSED_EDGE = "#8c8c8c"
_MERGED_EDGE = "#6a3d9a"
#: Lines of the cross-hatching of a published area without a class (as the page draws it).
_NO_VALUE_LINE = "#737373"
# Hot dotted, cold striped, as on the HTML map: they differ in greyscale too.
_PATTERN = {"hot": ("..", "#3b0a0a"), "cold": ("---", "#08306b")}
_CONTEXT_LINES = {
    "buurt": ("#3d3d3d", 0.5),
    "wijk": ("#111111", 1.2),
    "gemeente": ("#000000", 1.6),
}


def png_name(theme: Theme) -> str:
    """File name of a theme's PNG: ``<geography>_<column>.png`` in safe characters.

    Parameters
    ----------
    theme
        The theme.

    Returns
    -------
    str
        For example ``"h3_hotspot_label.png"``.
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{theme.geography}_{theme.column}").strip("_")
    return f"{stem or 'layer'}.png"


def _draw_areas(ax: object, geography: Geography, theme: Theme) -> list[Artist]:
    frame = geography.frame
    statuses = geography.statuses.to_numpy()
    published = statuses == STATUS_PUBLISHED
    colours = np.array([e.colour for e in theme.entries] + ["#ffffff"], dtype=object)
    kinds = pattern_config([theme]).get(theme.key) or [""] * len(theme.entries)
    handles: list[Artist] = [
        Patch(
            facecolor=e.colour,
            edgecolor=_PATTERN[kind][1] if kind else "#6f6f6f",
            hatch=_PATTERN[kind][0] if kind else None,
            label=e.label,
        )
        for e, kind in zip(theme.entries, kinds, strict=True)
    ]
    if published.any():
        index = theme.class_index[published]
        shapes = frame.geometry.values[published]
        gpd.GeoSeries(shapes).plot(
            ax=ax, color=list(colours[index]), edgecolor="#4d4d4d", linewidth=0.25
        )
        for c, kind in enumerate(kinds):
            if kind and (index == c).any():
                hatch, colour = _PATTERN[kind]
                gpd.GeoSeries([gpd.GeoSeries(shapes[index == c]).union_all()]).plot(
                    ax=ax, facecolor="none", edgecolor=colour, hatch=hatch, lw=0
                )
        if (index < 0).any():  # cross-hatched, as on the page (#zicht-no-value)
            gpd.GeoSeries([gpd.GeoSeries(shapes[index < 0]).union_all()]).plot(
                ax=ax, facecolor="none", edgecolor=_NO_VALUE_LINE, hatch="xx", lw=0
            )
            label = say(geography.language, "legend_no_value")
            handles.append(
                Patch(facecolor="#ffffff", edgecolor=_NO_VALUE_LINE, hatch="xx", label=label)
            )
    suppressed = statuses == STATUS_SUPPRESSED
    if suppressed.any():
        cells = gpd.GeoSeries(frame.geometry.values[suppressed])
        # Hatch the dissolved area once (hatching thousands of cells is slow), then outline.
        gpd.GeoSeries([cells.union_all()]).plot(
            ax=ax, facecolor=_SUPPRESSED_FACE, edgecolor=_SUPPRESSED_EDGE, hatch="////", lw=0
        )
        cells.plot(ax=ax, facecolor="none", edgecolor=_SUPPRESSED_EDGE, linewidth=0.25)
    merged = statuses == STATUS_MERGED
    if merged.any():
        gpd.GeoSeries(frame.geometry.values[merged]).plot(
            ax=ax, facecolor="#ffffff", edgecolor=_MERGED_EDGE, linestyle="--", linewidth=0.5
        )
    return handles


def _draw_context(ax: object, layers: tuple[ContextLayer, ...], language: str) -> list[Artist]:
    handles: list[Artist] = []
    for layer in layers:
        geoms = layer.geometry
        if layer.kind == "park":
            points = geoms[geoms.geom_type.isin(["Point", "MultiPoint"])]
            areas = geoms[~geoms.geom_type.isin(["Point", "MultiPoint"])]
            if len(areas):
                areas.boundary.plot(ax=ax, color="#00441b", linewidth=1.0, linestyle="--")
            if len(points):
                points.plot(ax=ax, color="#5aae61", edgecolor="#00441b", markersize=14, zorder=5)
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markerfacecolor="#5aae61",
                    markeredgecolor="#00441b",
                    label=say(language, "context_park"),
                )
            )
        else:
            colour, width = _CONTEXT_LINES.get(layer.name.lower(), ("#3d3d3d", 0.6))
            geoms.boundary.plot(ax=ax, color=colour, linewidth=width)
            handles.append(Line2D([], [], color=colour, linewidth=width, label=layer.title))
    return handles


def _draw_theme(
    prepared: PreparedRelease,
    geography: Geography,
    theme: Theme,
    *,
    status_texts: dict[str, str],
    footer: str,
    data_date: str,
) -> Figure:
    # A bare Figure keeps the default no-op canvas while drawing (geopandas asks it to redraw
    # after every layer); savefig renders once with Agg.
    figure = Figure(figsize=(11, 7.5), layout="constrained")
    ax, legend_ax = figure.subplots(1, 2, width_ratios=(3, 1.15))
    legend_ax.set_axis_off()
    handles = _draw_areas(ax, geography, theme)
    statuses = set(geography.statuses)
    if STATUS_SUPPRESSED in statuses:
        handles.append(
            Patch(
                facecolor=_SUPPRESSED_FACE,
                edgecolor=_SUPPRESSED_EDGE,
                hatch="////",
                label=status_texts[STATUS_SUPPRESSED],
            )
        )
    if STATUS_MERGED in statuses:
        handles.append(
            Patch(
                facecolor="#ffffff",
                edgecolor=_MERGED_EDGE,
                linestyle="--",
                label=say(prepared.language, "legend_merged"),
            )
        )
    handles += _draw_context(ax, prepared.context, prepared.language)
    xmin, ymin, xmax, ymax = geography.frame.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{geography.title}: {theme.title}", fontsize=13, loc="left")
    for handle in handles:
        handle.set_label("\n".join(textwrap.wrap(str(handle.get_label()), 34)))
    legend = legend_ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=8.5,
        frameon=False,
        title="\n".join(textwrap.wrap(theme.note, 36)),
        title_fontsize=8.5,
        alignment="left",
    )
    legend.get_title().set_fontstyle("italic")
    caption = f"{footer} · {data_date}" if data_date else footer
    figure.supxlabel(
        "\n".join(textwrap.wrap(caption, 160)), x=0.01, ha="left", fontsize=7, color="#333333"
    )
    return figure


def write_theme_pngs(
    prepared: PreparedRelease,
    folder: Path,
    *,
    status_texts: dict[str, str],
    footer: str,
    data_date: str,
    dpi: int,
) -> list[Path]:
    """Write one PNG per theme of a prepared release.

    Parameters
    ----------
    prepared
        The release reduced to what maps draw.
    folder
        Output folder; created if needed.
    status_texts
        Legend text per status (``"Not publishable: fewer than 10 units"``).
    footer
        Provenance line.
    data_date
        The dates of the data in words (``"Gegevens: …"``), or empty.
    dpi
        Resolution.

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for geography in prepared.geographies:
        for theme in geography.themes:
            figure = _draw_theme(
                prepared,
                geography,
                theme,
                status_texts=status_texts,
                footer=footer,
                data_date=data_date,
            )
            path = folder / png_name(theme)
            figure.savefig(path, dpi=dpi, facecolor="white")
            paths.append(path)
    return paths
