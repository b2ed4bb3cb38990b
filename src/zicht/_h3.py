"""H3 plumbing: RD New to latitude/longitude, vectorised cell ids, hexagons and strings.

The one place zicht converts RD New to WGS84 for H3. The conversion uses the PROJ
operation geopandas' ``to_crs(4326)`` uses, so ids are identical to a plain
``h3.latlng_to_cell`` on ``to_crs`` output.

PROJ (pyproj 3.7) and h3ronpy hold the GIL while they work: two threads take as long
as one (measured: 2 M points, 2.35 s on one thread, 2.47 s on two). The H3 ids of a
large join therefore run in a pool of worker *processes* (:func:`submit_rd_cells`),
while the calling process goes on with the area lookups; small arrays stay in-process.
This module imports only numpy, pyproj and h3 at the top, so a worker starts light.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import struct
import subprocess
import sys
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h3.api.basic_int as h3i
import numpy as np
from pyproj import Transformer

from zicht.schemas import RD_NEW

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

try:  # vectorised H3 (Rust, identical cell ids); a plain loop when absent
    from h3ronpy.vector import coordinates_to_cells as _h3ronpy_cells
except ImportError:  # pragma: no cover - h3ronpy is a dependency
    _h3ronpy_cells = None

__all__ = [
    "CellsJob",
    "cells_to_polygons",
    "h3_to_str",
    "latlng_to_cells",
    "map_in_threads",
    "rd_cells",
    "rd_to_lnglat",
    "stop_workers",
    "submit_rd_cells",
]

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


def rd_cells(x: np.ndarray, y: np.ndarray, resolution: int) -> np.ndarray:
    """H3 ids of RD New points, in this process (0 where x or y is not finite).

    Parameters
    ----------
    x, y
        RD New coordinates in metres; NaN where a row has no location.
    resolution
        H3 resolution.

    Returns
    -------
    numpy.ndarray
        int64 H3 ids.
    """
    has = np.isfinite(x) & np.isfinite(y)
    cells = np.zeros(len(x), dtype=np.int64)
    if has.any():
        lon, lat = rd_to_lnglat(x[has], y[has])
        cells[has] = latlng_to_cells(lat, lon, resolution)
    return cells


#: Worker processes for H3 ids (one per core, as the thread pool).
_WORKERS = _THREADS
#: Arrays shorter than this stay in-process: sending them costs more than it saves.
_POOL_MIN_ROWS = 50_000
#: ... and, while no worker runs yet, shorter than this (starting two costs about 0.3 s).
_START_MIN_ROWS = 250_000
_STARTED = False
#: Rows per task sent to a worker process.
_PROC_CHUNK = 250_000
#: Why the worker processes are not used (set once they failed), or None.
_PROCS_OFF: str | None = None
_IDLE: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
_SENDERS: ThreadPoolExecutor | None = None
_HEADER = struct.Struct("<qq")  # rows, resolution


class _Worker:
    """One worker process: ``python -c`` running :func:`_serve` over its stdin/stdout.

    A plain subprocess, not :mod:`multiprocessing`: it never imports the caller's main
    script (a script without ``if __name__ == "__main__"`` stays safe), only numpy,
    pyproj, h3 and this module.
    """

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[1])  # the zicht this process runs
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"import {__name__} as m; m._serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def cells(self, x: np.ndarray, y: np.ndarray, resolution: int) -> np.ndarray:
        """Send one chunk, wait for its ids (pipe I/O releases the GIL)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(_HEADER.pack(len(x), resolution))
        self.proc.stdin.write(memoryview(x))
        self.proc.stdin.write(memoryview(y))
        self.proc.stdin.flush()
        out = np.empty(len(x), dtype=np.int64)
        if not _read_into(self.proc.stdout, memoryview(out).cast("B")):
            code = self.proc.poll()
            raise OSError(f"an H3 worker process ended (exit status {code})")
        return out

    def discard(self) -> None:
        """End a worker that failed: kill it and close this process's ends of its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        _let_go(self.proc.stdin, self.proc.stdout)


def _read_into(stream: Any, view: memoryview) -> bool:
    """Fill ``view`` from ``stream``; False if the stream ends first."""
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])
        if not n:
            return False
        got += n
    return True


def _serve() -> None:  # pragma: no cover - runs in the worker process
    """Worker process loop: read chunks from stdin, write their H3 ids to stdout."""
    global _THREADS
    _THREADS = 1  # the process is the unit of parallel work here
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the ids
    header = bytearray(_HEADER.size)
    while _read_into(source, memoryview(header)):
        n, resolution = _HEADER.unpack(header)
        xy = np.empty(2 * n, dtype=np.float64)
        if not _read_into(source, memoryview(xy).cast("B")):
            return
        sink.write(memoryview(rd_cells(xy[:n], xy[n:], int(resolution))))
        sink.flush()


def _on_worker(x: np.ndarray, y: np.ndarray, resolution: int) -> np.ndarray:
    """One chunk on an idle worker process (started when none is idle)."""
    try:
        worker = _IDLE.get_nowait()
    except queue.Empty:
        worker = _Worker()
    try:
        result = worker.cells(x, y, resolution)
    except BaseException:
        worker.discard()  # a failed worker is not put back, nor left with open pipes
        raise
    _IDLE.put(worker)
    return result


def _senders() -> ThreadPoolExecutor | None:
    """Threads that feed the worker processes, or None where none can run."""
    global _SENDERS
    if _PROCS_OFF is not None or _WORKERS < 2 or multiprocessing.current_process().daemon:
        return None  # e.g. a dask worker: already one process per core
    with _POOL_LOCK:
        if _SENDERS is None:
            _SENDERS = ThreadPoolExecutor(_WORKERS, thread_name_prefix="zicht-h3-send")
        return _SENDERS


def _peak_rss(pid: int) -> int:
    """Peak resident set size of a live process in bytes (Linux ``VmHWM``), 0 if unknown."""
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _forget_workers() -> None:
    """In a forked child: the parent's workers, pipes and pool threads are the parent's.

    The child lets go of its copies of the idle workers' pipes, so that a worker still
    ends when the parent closes its input, and the copies are not left unclosed at exit.
    Each copy is pointed at ``/dev/null`` before it is closed: a half-written chunk in the
    copied buffer then goes nowhere instead of into the parent's worker.
    """
    global _IDLE, _SENDERS, _STARTED, _POOL, _POOL_LOCK
    while True:
        try:
            worker = _IDLE.get_nowait()
        except queue.Empty:
            break
        _let_go(worker.proc.stdin, worker.proc.stdout)
    _IDLE, _SENDERS, _STARTED = queue.SimpleQueue(), None, False
    _POOL, _POOL_LOCK = None, threading.Lock()  # a forked pool has no threads left


def _let_go(*streams: Any) -> None:
    """Close this process's copies of pipe streams without writing to the pipe."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for stream in streams:
            if stream is not None and not stream.closed:
                os.dup2(null, stream.fileno())
                stream.close()
    finally:
        os.close(null)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


@atexit.register
def stop_workers() -> list[int]:
    """End zicht's idle H3 worker processes (they start again when needed).

    Their CPU time then counts in ``resource.getrusage(RUSAGE_CHILDREN)``.

    Returns
    -------
    list of int
        Peak resident set size of each worker in bytes (0 where the OS does not say).
    """
    global _STARTED
    _STARTED = False
    peaks = []
    while True:
        try:
            worker = _IDLE.get_nowait()
        except queue.Empty:
            return peaks
        peaks.append(_peak_rss(worker.proc.pid))
        if worker.proc.stdin is not None:
            worker.proc.stdin.close()  # the worker ends at end of input
        try:
            worker.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a forked child still holds its input open
            worker.proc.kill()
            worker.proc.wait()
        if worker.proc.stdout is not None:
            worker.proc.stdout.close()


class CellsJob:
    """H3 ids of RD New points, under way in zicht's worker processes.

    Made by :func:`submit_rd_cells`; :meth:`result` waits for them. The ids are those of
    :func:`rd_cells` on the whole array, whatever the chunking.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, resolution: int) -> None:
        self._x, self._y, self._resolution = x, y, resolution
        self._futures: list[Future] = []
        self._cells: np.ndarray | None = None
        global _STARTED
        least = _POOL_MIN_ROWS if _STARTED else max(_POOL_MIN_ROWS, _START_MIN_ROWS)
        senders = _senders() if len(x) >= least else None
        if senders is None:
            return  # computed in this process when asked for
        _STARTED = True
        for s in range(0, len(x), _PROC_CHUNK):
            chunk = (x[s : s + _PROC_CHUNK], y[s : s + _PROC_CHUNK], resolution)
            self._futures.append(senders.submit(_on_worker, *chunk))

    @property
    def in_processes(self) -> bool:
        """True when the ids are computed in worker processes."""
        return bool(self._futures)

    def _give_up(self, exc: BaseException) -> None:
        global _PROCS_OFF
        _PROCS_OFF = f"{type(exc).__name__}: {exc}"
        for future in self._futures:
            future.cancel()
        self._futures = []
        warnings.warn(
            f"zicht's H3 worker processes failed ({_PROCS_OFF}); H3 ids are computed in "
            "this process from now on (same ids, one core)",
            RuntimeWarning,
            stacklevel=3,
        )

    def result(self) -> np.ndarray:
        """Return the int64 H3 ids (0 where a row has no location), waiting if needed."""
        if self._cells is None:
            try:
                parts = [future.result() for future in self._futures]
            except (OSError, ValueError) as exc:
                self._give_up(exc)
                parts = []
            if parts:
                self._cells = np.concatenate(parts)
            else:
                self._cells = rd_cells(self._x, self._y, self._resolution)
            self._x = self._y = None  # type: ignore[assignment]
        return self._cells


def submit_rd_cells(x: np.ndarray, y: np.ndarray, resolution: int) -> CellsJob:
    """Start computing the H3 ids of RD New points; the caller goes on meanwhile.

    Large arrays go, in chunks, to zicht's worker processes (one per core; PROJ and h3
    hold the GIL, so threads cannot share that work); small ones are computed in this
    process when :meth:`CellsJob.result` is called. The ids equal :func:`rd_cells`'.

    Parameters
    ----------
    x, y
        RD New coordinates in metres; NaN where a row has no location.
    resolution
        H3 resolution.

    Returns
    -------
    CellsJob
        Call ``.result()`` for the ids.
    """
    return CellsJob(
        np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float), resolution
    )


def h3_to_str(cells: pd.Series) -> pd.Series:
    """Convert 64-bit H3 ids to their hexadecimal string form (for export).

    Examples
    --------
    >>> h3_to_str(pd.Series([617700169958293503], dtype="Int64")).tolist()
    ['8928308280fffff']
    """
    import pandas as pd
    import pyarrow as pa

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
    import geopandas as gpd
    import pandas as pd
    import shapely

    ids = np.asarray(cells, dtype="int64")
    rings = [h3i.cell_to_boundary(int(c)) for c in ids]
    polygons = [shapely.Polygon([(lng, lat) for lat, lng in ring]) for ring in rings]
    index = cells.index if isinstance(cells, pd.Series) else None
    return gpd.GeoSeries(polygons, index=index, crs="EPSG:4326").to_crs(RD_NEW)
