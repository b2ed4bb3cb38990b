"""H3 plumbing: RD New to latitude/longitude, vectorised cell ids, hexagons and strings.

The one place zicht converts RD New to WGS84 for H3. The conversion uses the PROJ
operation geopandas' ``to_crs(4326)`` uses, so ids are identical to a plain
``h3.latlng_to_cell`` on ``to_crs`` output; both steps run in threads on large arrays
(PROJ and h3ronpy release the GIL).
"""

from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import Transformer

from zicht.schemas import RD_NEW

try:  # vectorised H3 (Rust, identical cell ids); a plain loop when absent
    from h3ronpy.vector import coordinates_to_cells as _h3ronpy_cells
except ImportError:  # pragma: no cover - h3ronpy is a dependency
    _h3ronpy_cells = None

__all__ = ["cells_to_polygons", "h3_to_str", "latlng_to_cells", "map_in_threads", "rd_to_lnglat"]

_THREADS = max(1, min(os.cpu_count() or 1, 8))
_CHUNK = 500_000
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
#: Transformers ready for use; a PROJ object must never be used by two threads at once,
#: so each task takes one from the queue and puts it back (they are costly to create).
_TRANSFORMERS: queue.SimpleQueue[Transformer] = queue.SimpleQueue()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_THREADS, thread_name_prefix="zicht-h3")
        return _POOL


def map_in_threads(func: Any, n: int, *arrays: np.ndarray, chunk: int | None = None) -> list[Any]:
    """Apply ``func`` to row chunks of ``arrays`` on zicht's thread pool, in order.

    For work that releases the GIL (PROJ, h3ronpy, shapely, most numpy), so both cores
    of a two-core machine are busy. Called from inside a pool thread it runs the chunks
    in that thread (nested calls never wait on the pool they occupy).

    Parameters
    ----------
    func
        Called as ``func(*chunk_arrays)`` once per chunk of rows.
    n
        Number of rows (the common length of ``arrays``).
    *arrays
        Arrays cut into the same row chunks.
    chunk
        Rows per chunk (default 500,000; smaller for costly rows such as polygons).

    Returns
    -------
    list
        ``func``'s results, one per chunk, in row order.
    """
    size = chunk or _CHUNK
    chunks = [tuple(a[s : s + size] for a in arrays) for s in range(0, n, size)]
    nested = threading.current_thread().name.startswith("zicht-h3")
    if _THREADS == 1 or len(chunks) <= 1 or nested:
        return [func(*c) for c in chunks]
    return list(_pool().map(lambda c: func(*c), chunks))


def rd_to_lnglat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert RD New x/y to WGS84 longitude/latitude (the one place zicht does this).

    The PROJ operation is the one geopandas' ``to_crs(4326)`` picks, so results are
    bit-identical to it; large arrays are converted in threads.

    Parameters
    ----------
    x, y
        RD New coordinates in metres (NaN allowed).

    Returns
    -------
    tuple of numpy.ndarray
        Longitude and latitude in degrees.
    """

    def convert(cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            tf = _TRANSFORMERS.get_nowait()
        except queue.Empty:
            tf = Transformer.from_crs(RD_NEW, "EPSG:4326", always_xy=True)
        try:
            lon, lat = tf.transform(cx, cy)
        finally:
            _TRANSFORMERS.put(tf)
        return np.asarray(lon), np.asarray(lat)

    x = np.ascontiguousarray(x, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    parts = map_in_threads(convert, len(x), x, y)
    if not parts:
        return np.empty(0), np.empty(0)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def latlng_to_cells(lat: np.ndarray, lng: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cells of finite coordinates as int64 (vectorised when h3ronpy is present)."""
    if _h3ronpy_cells is None:  # pragma: no cover
        return np.fromiter(
            (
                h3i.latlng_to_cell(a, b, resolution)
                for a, b in zip(lat.tolist(), lng.tolist(), strict=True)
            ),
            dtype=np.int64,
            count=len(lat),
        )

    def cells(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(_h3ronpy_cells(a, b, resolution)).astype(np.int64)

    parts = map_in_threads(cells, len(lat), lat, lng)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def h3_to_str(cells: pd.Series) -> pd.Series:
    """Convert 64-bit H3 ids to their hexadecimal string form (for export).

    Examples
    --------
    >>> h3_to_str(pd.Series([617700169958293503], dtype="Int64")).tolist()
    ['8928308280fffff']
    """
    values = pd.Series(cells)
    present = values.notna().to_numpy()
    ints = values[present].astype("int64").to_numpy()
    uniq, inverse = np.unique(ints, return_inverse=True)
    labels = pa.array([h3i.int_to_str(int(c)) for c in uniq], type=pa.string())
    index = np.full(len(values), -1, dtype=np.int64)
    index[present] = inverse
    taken = labels.take(pa.array(index, mask=index < 0))
    return pd.Series(pd.array(taken, dtype="str"), index=values.index, name=values.name)


def cells_to_polygons(cells: pd.Series | np.ndarray) -> gpd.GeoSeries:
    """Return the hexagon of every H3 cell as a polygon in EPSG:28992.

    Parameters
    ----------
    cells
        64-bit H3 ids.

    Returns
    -------
    geopandas.GeoSeries
        Polygons in RD New, aligned to ``cells`` (index kept when a Series is given).
    """
    ids = np.asarray(cells, dtype="int64")
    rings = [h3i.cell_to_boundary(int(c)) for c in ids]
    polygons = [shapely.Polygon([(lng, lat) for lat, lng in ring]) for ring in rings]
    index = cells.index if isinstance(cells, pd.Series) else None
    return gpd.GeoSeries(polygons, index=index, crs="EPSG:4326").to_crs(RD_NEW)
