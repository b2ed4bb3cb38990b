"""A dashboard for many gemeenten: an overview page that links to one page per gemeente.

The H3 layer of the whole country (hundreds of thousands of hexagons) cannot be one HTML
page of polygons that a browser opens. :func:`write_gemeente_pages` writes instead

* ``risk_map.html``: the overview, with the coarse geographies only (gemeenten and wijken by
  default) and a list of links, one per gemeente;
* ``gemeenten/<code>.html``: per gemeente, every published geography, restricted to the
  features that lie in it (a feature belongs to the gemeente that holds its representative
  point; a merged feature brings the region it is published through).

Every page is a :func:`zicht.maps.write_map` page of a part of the same release, so it shows
only features that passed disclosure control, and each is checked to load nothing over the
network.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import InputError
from zicht.maps._options import MapOptions
from zicht.maps._words import say
from zicht.maps._write import write_map
from zicht.publish import Release
from zicht.schemas import RD_NEW

__all__ = ["OVERVIEW_LAYERS", "write_gemeente_pages"]

#: The geographies of the overview page.
OVERVIEW_LAYERS = ("gemeente", "wijk")


def _owner(frame: gpd.GeoDataFrame, gemeenten: gpd.GeoDataFrame) -> np.ndarray:
    """Return the gemeente code of every feature: the one holding its representative point."""
    points = frame.geometry.to_crs(RD_NEW).representative_point()
    areas = gemeenten.geometry.to_crs(RD_NEW)
    tree = shapely.STRtree(areas.to_numpy())
    hit_point, hit_area = tree.query(points.to_numpy(), predicate="intersects")
    owner = np.full(len(frame), "", dtype=object)
    codes = gemeenten["area_id"].astype(str).to_numpy()
    order = np.lexsort((codes[hit_area], hit_point))  # the smallest code on a shared edge
    first = np.unique(hit_point[order], return_index=True)[1]
    owner[hit_point[order][first]] = codes[hit_area[order][first]]
    return owner


def _groups(owner: np.ndarray) -> dict[str, np.ndarray]:
    """Positions of the features of each gemeente code (grouped once, not per page)."""
    return dict(pd.Series(np.arange(len(owner))).groupby(owner).indices)


def _mask(groups: dict[str, np.ndarray], code: str, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[groups.get(code, np.empty(0, dtype=np.int64))] = True
    return mask


def _part(
    release: Release,
    keep: dict[str, np.ndarray],
    metadata: dict,
    context: dict[str, gpd.GeoDataFrame],
) -> Release:
    layers = {name: release.layers[name][mask] for name, mask in keep.items() if mask.any()}
    return dataclasses.replace(release, layers=layers, metadata=metadata, context=context)


def _context_of(
    release: Release, owner: dict[str, dict[str, np.ndarray]], code: str
) -> dict[str, gpd.GeoDataFrame]:
    return {
        name: frame[_mask(owner[name], code, len(frame))] for name, frame in release.context.items()
    }


def _with_regions(release: Release, keep: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add to ``keep`` the regions that a kept merged feature is published through."""
    if "region" not in release.layers:
        return keep
    wanted: set[str] = set()
    for name, mask in keep.items():
        frame = release.layers[name]
        if name != "region" and "region_id" in frame:
            wanted |= set(frame.loc[mask, "region_id"].dropna().astype(str))
    regions = release.layers["region"]["area_id"].astype(str)
    keep["region"] = keep["region"] | regions.isin(wanted).to_numpy()
    return keep


_NAV_CSS = (
    "<style>#zicht-gemeenten{position:absolute;z-index:1000;left:10px;bottom:40px;"
    "max-height:40vh;overflow:auto;background:#fff;padding:4px 10px;border:1px solid #999;"
    "font:13px sans-serif}#zicht-gemeenten h2{font-size:14px;margin:4px 0}"
    "#zicht-gemeenten ul{margin:0;padding-left:16px}</style>"
)


def _links_html(names: pd.Series, language: str) -> str:
    items = "".join(
        f'<li><a href="gemeenten/{html.escape(code)}.html">{html.escape(str(name))}</a></li>'
        for code, name in names.items()
    )
    title = html.escape(say(language, "gemeente_pages"))
    return (
        f'{_NAV_CSS}<nav id="zicht-gemeenten" aria-label="{title}"><h2>{title}</h2>'
        f"<ul>{items}</ul></nav>"
    )


def _back_html(language: str) -> str:
    back = html.escape(say(language, "back_to_overview"))
    return f'{_NAV_CSS}<nav id="zicht-gemeenten"><a href="../risk_map.html">{back}</a></nav>'


def write_gemeente_pages(
    release: Release,
    out_dir: str | Path,
    *,
    tiles: str | None = None,
    options: MapOptions | None = None,
) -> dict[str, Path]:
    """Write the overview map and one map page per gemeente.

    Parameters
    ----------
    release
        A release with a ``gemeente`` layer.
    out_dir
        The release folder: ``risk_map.html`` and ``gemeenten/<code>.html`` are written there.
    tiles, options
        As :func:`zicht.maps.write_map`.

    Returns
    -------
    dict of pathlib.Path
        ``"map"`` (the overview) and ``"map_<code>"`` per gemeente page.

    Raises
    ------
    InputError
        If the release has no ``gemeente`` layer.
    """
    if "gemeente" not in release.layers:
        raise InputError("pages per gemeente need the gemeente layer: add it to [map] layers")
    out = Path(out_dir)
    gemeenten = release.layers["gemeente"]
    owners = {n: _groups(_owner(f, gemeenten)) for n, f in release.layers.items()}
    # Context layers (buurt outlines, parks) too: each page gets those of its gemeente; the
    # overview keeps only the parks, not the country's 12,000 buurt outlines.
    context_owner = {n: _groups(_owner(f, gemeenten)) for n, f in release.context.items()}
    overview_context = {n: f for n, f in release.context.items() if n in ("parks", "park")}
    language = (options or MapOptions()).language
    names = pd.Series(
        gemeenten["area_name"].astype(str).to_numpy(), index=gemeenten["area_id"].astype(str)
    ).sort_values()
    overview = {n: np.ones(len(f), dtype=bool) for n, f in release.layers.items()}
    overview = {n: m for n, m in overview.items() if n in OVERVIEW_LAYERS}
    meta = dict(release.metadata)
    meta["map_layers"] = [n for n in meta.get("map_layers") or [] if n in OVERVIEW_LAYERS]
    paths = {
        "map": write_map(
            _part(release, overview, meta, overview_context),
            out / "risk_map.html",
            tiles=tiles,
            options=options,
            extra_html=_links_html(names, language),
        )
    }
    for code, name in names.items():
        keep = {n: _mask(owners[n], code, len(f)) for n, f in release.layers.items()}
        keep = _with_regions(release, keep)
        page_meta = dict(release.metadata)
        page_meta["title"] = f"{release.metadata.get('title') or ''} — {name}".strip(" —")
        path = out / "gemeenten" / f"{code}.html"
        paths[f"map_{code}"] = write_map(
            _part(release, keep, page_meta, _context_of(release, context_owner, code)),
            path,
            tiles=tiles,
            options=options,
            extra_html=_back_html(language),
        )
    return paths
