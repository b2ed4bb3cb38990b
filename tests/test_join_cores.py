"""The join's H3 ids in worker processes equal the plain per-point answers, edges included.

PROJ and h3 hold the GIL, so zicht sends large arrays to worker processes
(``zicht._h3.submit_rd_cells``). These tests force that route on small sets and compare
every id with ``to_crs(4326)`` + ``h3.latlng_to_cell`` point by point, on points placed
on and a hair either side of H3 cell edges and vertices, and every buurt with a plain
``sjoin``.
"""

from __future__ import annotations

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import zicht._h3 as h3_plumbing
from zicht.index import join_partitioned, prepare_join


@pytest.fixture(scope="module")
def ede_buurten():
    from conftest import shipped_buurten

    return shipped_buurten(code_prefix="BU0228")


def _reference_cells(x: np.ndarray, y: np.ndarray, res: int) -> list[int]:
    """What a user writes: geopandas to_crs(4326), then h3 one point at a time."""
    pts = gpd.GeoSeries(shapely.points(x, y), crs=28992).to_crs(4326)
    return [
        0 if p is None or p.is_empty or not np.isfinite(p.x) else h3i.latlng_to_cell(p.y, p.x, res)
        for p in pts
    ]


def _near_cell_edges(res: int, n_cells: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """RD points on H3 cell vertices and edge points, and 1 µm to 1 cm either side."""
    rng = np.random.default_rng(seed)
    to_rd = Transformer.from_crs(4326, 28992, always_xy=True)
    centre = h3i.latlng_to_cell(52.1, 5.3, res)
    cells = list(h3i.grid_disk(centre, 3))[:n_cells]
    lat, lng = [], []
    for cell in cells:
        ring = np.array(h3i.cell_to_boundary(cell))
        nxt = np.roll(ring, -1, axis=0)
        for t in (0.0, 0.5, rng.uniform(0, 1)):  # vertex, midpoint, anywhere on the edge
            p = ring + t * (nxt - ring)
            lat.extend(p[:, 0])
            lng.extend(p[:, 1])
    x, y = (np.asarray(v) for v in to_rd.transform(np.array(lng), np.array(lat)))
    offsets = np.concatenate([[0.0], 10.0 ** -np.arange(2, 7)])  # 1 cm … 1 µm
    dx = np.concatenate([offsets, -offsets[1:], np.zeros(2 * len(offsets) - 2)])
    dy = np.concatenate([np.zeros(2 * len(offsets) - 1), offsets[1:], -offsets[1:]])
    return (x[:, None] + dx).ravel(), (y[:, None] + dy).ravel()


@pytest.fixture
def worker_processes(monkeypatch):
    """Send even small arrays to the worker processes, in small chunks."""
    monkeypatch.setattr(h3_plumbing, "_POOL_MIN_ROWS", 1)
    monkeypatch.setattr(h3_plumbing, "_START_MIN_ROWS", 1)
    monkeypatch.setattr(h3_plumbing, "_PROC_CHUNK", 997)
    monkeypatch.setattr(h3_plumbing, "_WORKERS", 2)
    monkeypatch.setattr(h3_plumbing, "_PROCS_OFF", None)


@pytest.mark.parametrize("res", [7, 9, 12])
def test_worker_processes_give_the_plain_h3_ids_on_cell_edges(worker_processes, res):
    x, y = _near_cell_edges(res, 12, seed=res)
    x[::37] = np.nan  # rows without a location
    job = h3_plumbing.submit_rd_cells(x, y, res)
    assert job.in_processes
    got = job.result()
    groups = got.reshape(-1, 21)  # each edge point and its 20 neighbours, 1 µm to 1 cm off
    assert (np.array([len(set(g) - {0}) for g in groups]) > 1).mean() > 0.5  # truly on edges
    assert got.tolist() == _reference_cells(x, y, res)
    assert np.array_equal(got, h3_plumbing.rd_cells(x, y, res))  # in-process, one chunk


def test_a_failed_worker_falls_back_to_this_process_and_says_so(worker_processes, monkeypatch):
    failed = []

    def broken(self, x, y, resolution):
        failed.append(self)
        raise OSError("an H3 worker process ended (exit status -9)")

    monkeypatch.setattr(h3_plumbing._Worker, "cells", broken)
    x, y = _near_cell_edges(9, 4, seed=1)
    job = h3_plumbing.submit_rd_cells(x, y, 9)
    with pytest.warns(RuntimeWarning, match="worker processes failed"):
        got = job.result()
    assert got.tolist() == _reference_cells(x, y, 9)
    assert not h3_plumbing.submit_rd_cells(x, y, 9).in_processes  # off from now on
    # the failed workers are ended, not left running with open pipes (ResourceWarning at exit)
    assert failed
    for worker in failed:
        assert worker.proc.returncode is not None
        assert worker.proc.stdin.closed and worker.proc.stdout.closed


def test_partitioned_join_in_worker_processes_equals_sjoin_and_h3(
    worker_processes, monkeypatch, tmp_path, ede_buurten
):
    rng = np.random.default_rng(5)
    edges = shapely.get_coordinates(ede_buurten.geometry.boundary.to_numpy())
    on_edges = edges[rng.choice(len(edges), 400, replace=False)]  # on buurt boundaries
    minx, miny, maxx, maxy = ede_buurten.total_bounds
    inside = np.column_stack([rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)])
    xy = np.vstack([on_edges, inside])
    geoms = list(shapely.points(xy))
    geoms[7] = None  # a row without a location
    units = gpd.GeoDataFrame(
        {"address_id": [f"A{i:05d}" for i in range(len(xy))]}, geometry=geoms, crs=28992
    )
    units.iloc[:1500].to_parquet(tmp_path / "a.parquet")
    units.iloc[1500:].to_parquet(tmp_path / "b.parquet", geometry_encoding="geoarrow")
    sent = []
    real = h3_plumbing._on_worker

    def on_worker(x, y, resolution):
        sent.append(len(x))
        return real(x, y, resolution)

    monkeypatch.setattr(h3_plumbing, "_on_worker", on_worker)
    out, report = join_partitioned(tmp_path, prepare_join(ede_buurten), resolution=9)
    assert sum(sent) == len(units) and len(sent) > 2  # every row went to a worker
    assert report.balanced and report.rows_in == len(units)
    joined = gpd.sjoin(units, ede_buurten[["code", "geometry"]], how="left")
    expected_buurt = joined["code"].groupby(level=0).min().reindex(units.index)
    got = out["buurt_code"].astype("string").fillna("-").tolist()
    assert got == expected_buurt.astype("string").fillna("-").tolist()
    x = np.where(units.geometry.isna(), np.nan, units.geometry.x)
    y = np.where(units.geometry.isna(), np.nan, units.geometry.y)
    expected_h3 = _reference_cells(x, y, 9)
    assert out["h3_r9"].fillna(0).astype("int64").tolist() == expected_h3


def test_stopped_workers_report_their_peaks_and_start_again(worker_processes):
    x, y = _near_cell_edges(9, 4, seed=2)
    first = h3_plumbing.submit_rd_cells(x, y, 9).result()
    peaks = h3_plumbing.stop_workers()
    assert 1 <= len(peaks) <= 2 and all(p >= 0 for p in peaks)
    assert h3_plumbing.stop_workers() == []  # none left idle
    again = h3_plumbing.submit_rd_cells(x, y, 9)
    assert again.in_processes and np.array_equal(again.result(), first)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_workers(worker_processes):
    import os

    x, y = _near_cell_edges(9, 4, seed=3)
    expected = h3_plumbing.submit_rd_cells(x, y, 9).result()  # the parent's workers run
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: must not talk to the parent's workers over their pipes
        ok = h3_plumbing._IDLE.empty()
        job = h3_plumbing.submit_rd_cells(x, y, 9)
        ok = ok and job.in_processes and np.array_equal(job.result(), expected)
        ok = ok and len(h3_plumbing.map_in_threads(len, 10, np.arange(10), chunk=3)) == 4
        h3_plumbing.stop_workers()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert np.array_equal(h3_plumbing.submit_rd_cells(x, y, 9).result(), expected)


def test_stop_workers_ends_a_worker_whose_input_a_fork_holds_open(worker_processes, monkeypatch):
    import subprocess

    h3_plumbing.submit_rd_cells(*_near_cell_edges(9, 2, seed=4), 9).result()
    worker = h3_plumbing._IDLE.get_nowait()
    h3_plumbing._IDLE.put(worker)
    waits = []
    real_wait = type(worker.proc).wait

    def wait(self, timeout=None):
        waits.append(timeout)
        if timeout is not None:  # as if a forked child kept the pipe open
            raise subprocess.TimeoutExpired(self.args, timeout)
        return real_wait(self)

    monkeypatch.setattr(type(worker.proc), "wait", wait)
    h3_plumbing.stop_workers()
    assert worker.proc.poll() is not None  # killed, not left running
    assert None in waits


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_live_forked_child_does_not_keep_the_parents_workers_running(worker_processes):
    import os

    h3_plumbing.submit_rd_cells(*_near_cell_edges(9, 2, seed=5), 9).result()
    worker = h3_plumbing._IDLE.get_nowait()
    h3_plumbing._IDLE.put(worker)
    fds = (worker.proc.stdin.fileno(), worker.proc.stdout.fileno())
    read, write = os.pipe()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child lives on while the parent stops its workers
        closed = []
        for fd in fds:
            try:
                os.fstat(fd)
                closed.append(False)
            except OSError:
                closed.append(True)
        os.write(write, b"1" if all(closed) else b"0")
        os.read(go_read, 1)
        os._exit(0)
    try:
        assert os.read(read, 1) == b"1"  # the child let go of its copies of the pipes
        worker.proc.stdin.close()  # the parent ends its input: the worker must end
        assert worker.proc.wait(timeout=10) is not None
    finally:
        os.write(go_write, b"x")
        os.waitpid(pid, 0)
        h3_plumbing.stop_workers()
