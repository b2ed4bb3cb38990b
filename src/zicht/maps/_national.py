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
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import InputError
from zicht.maps._assets import script_json
from zicht.maps._layers import PageShare, SharedRelease, share_release
from zicht.maps._options import MapOptions
from zicht.maps._words import say
from zicht.maps._write import write_page
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


_NONE = np.empty(0, dtype=np.int64)


def _region_groups(release: Release, owners: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per gemeente code: the regions that its merged features are published through."""
    if "region" not in release.layers:
        return {}
    links = pd.concat(
        [
            pd.DataFrame({"code": owners[name], "region": frame["region_id"].to_numpy()})
            for name, frame in release.layers.items()
            if name != "region" and "region_id" in frame
        ]
        or [pd.DataFrame({"code": [], "region": []})]
    ).dropna()
    ids = release.layers["region"]["area_id"].astype(str).to_numpy()
    regions = pd.DataFrame({"region": ids, "row": np.arange(len(ids))})
    links = links.assign(region=links["region"].astype(str)).drop_duplicates()
    joined = links.merge(regions, on="region")
    return {str(code): np.unique(rows.to_numpy()) for code, rows in joined.groupby("code")["row"]}


def _part(release: Release, rows: dict[str, np.ndarray], metadata: dict) -> Release:
    """Return the release of one page: the features at ``rows`` of each layer, in order."""
    layers = {name: release.layers[name].iloc[r] for name, r in rows.items() if len(r)}
    # The context is the shared one (zicht.maps._layers.PageShare), checked once.
    return dataclasses.replace(release, layers=layers, metadata=metadata, context={})


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
    options = options or MapOptions()
    gemeenten = release.layers["gemeente"]
    owner = {n: _owner(f, gemeenten) for n, f in release.layers.items()}
    owners = {n: _groups(o) for n, o in owner.items()}
    regions = _region_groups(release, owner)
    # Context layers (buurt outlines, parks) too: each page gets those of its gemeente; the
    # overview keeps only the parks, not the country's 12,000 buurt outlines.
    context_owner = {n: _groups(_owner(f, gemeenten)) for n, f in release.context.items()}
    shared = share_release(release, options, script_json)
    names = pd.Series(
        gemeenten["area_name"].astype(str).to_numpy(), index=gemeenten["area_id"].astype(str)
    ).sort_values()
    meta = dict(release.metadata)
    meta["map_layers"] = [n for n in meta.get("map_layers") or [] if n in OVERVIEW_LAYERS]
    overview = PageShare(
        shared,
        rows={n: np.arange(len(f)) for n, f in release.layers.items() if n in OVERVIEW_LAYERS},
        context_rows={
            n: np.arange(len(f)) for n, f in release.context.items() if n in ("parks", "park")
        },
    )
    paths = {
        "map": write_page(
            _part(release, dict(overview.rows), meta),
            out / "risk_map.html",
            tiles=tiles,
            options=options,
            extra_html=_links_html(names, options.language),
            share=overview,
        )
    }
    pages = _Pages(
        release=release,
        shared=shared,
        owners=owners,
        regions=regions,
        context_owner=context_owner,
        folder=out / "gemeenten",
        tiles=tiles,
        options=options,
        back=_back_html(options.language),
    )
    for code, path in _write_all(pages, list(names.items())):
        paths[f"map_{code}"] = path
    return paths


@dataclasses.dataclass(frozen=True)
class _Pages:
    """Everything a gemeente page is written from: the release, the shared work, the parts."""

    release: Release
    shared: SharedRelease
    owners: dict[str, dict[str, np.ndarray]]
    regions: dict[str, np.ndarray]
    context_owner: dict[str, dict[str, np.ndarray]]
    folder: Path
    tiles: str | None
    options: MapOptions
    back: str

    def write(self, code: str, name: str) -> Path:
        """Write the page of gemeente ``code`` (named ``name``)."""
        release = self.release
        rows = {n: self.owners[n].get(code, _NONE) for n in release.layers}
        if "region" in rows:
            rows["region"] = np.union1d(rows["region"], self.regions.get(code, _NONE))
        metadata = dict(release.metadata)
        metadata["title"] = f"{release.metadata.get('title') or ''} — {name}".strip(" —")
        share = PageShare(
            self.shared,
            rows={n: r for n, r in rows.items() if len(r)},
            context_rows={n: g.get(code, _NONE) for n, g in self.context_owner.items()},
        )
        try:
            return write_page(
                _part(release, rows, metadata),
                self.folder / f"{code}.html",
                tiles=self.tiles,
                options=self.options,
                extra_html=self.back,
                share=share,
            )
        except Exception as exc:  # the same error, saying which of 400 pages it stopped
            exc.add_note(f"while writing the map page of gemeente {code} ({name})")
            raise


#: From this many pages on they are written by worker processes, one per core (at most
#: _MAX_WORKERS); below it starting the workers costs more than it saves.
_MIN_PAGES_FOR_WORKERS = 16
_MAX_WORKERS = 2
#: The pages being written, for the worker processes (forked: they share it, not copy it).
_CURRENT: _Pages | None = None


def _write_current(job: tuple[str, str]) -> tuple[str, Path]:
    assert _CURRENT is not None  # set before the workers were forked
    return job[0], _CURRENT.write(*job)


def _workers(n_pages: int) -> int:
    """Return how many worker processes write ``n_pages`` pages (``0``: this process)."""
    if n_pages < _MIN_PAGES_FOR_WORKERS or "fork" not in mp.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(_MAX_WORKERS, cores or 1) if (cores or 1) > 1 else 0


def _write_all(pages: _Pages, jobs: list[tuple[str, str]]) -> list[tuple[str, Path]]:
    """Write every page, in worker processes when it pays; in the order of ``jobs``."""
    global _CURRENT  # read by the forked workers
    workers = _workers(len(jobs))
    if not workers:
        return [(code, pages.write(code, name)) for code, name in jobs]
    _CURRENT = pages
    try:
        # fork: the workers start with the release and the shared work in memory (copy on
        # write); each returns a path only
        context = mp.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(_write_current, jobs, chunksize=4))
    finally:
        _CURRENT = None
