"""Benchmark: zicht's national join against geopandas sjoin and DuckDB spatial.

Run with ``make bench-join`` (which first generates the synthetic national set with
``make national``), or ``python benchmarks/bench_join.py [--data data/national]``.
``--files N`` joins only the first N province files (a quick run while developing).
Nothing is downloaded: the addresses are ``zicht.national``'s synthetic set (≈ 8.8 million
points placed per wijk from the real CBS 2022 dwelling totals), the boundaries are the
shipped CBS files.

The join (every route, same files, same boundary layers)
    Every address gets its H3 cell at resolution 9 (64-bit id), its buurt code from the
    CBS 2014 buurt layer (the newest buurt geometry shipped), and its wijk code from the
    CBS 2022 wijk layer; the gemeente code derives from the wijk code (one vintage). A
    point on a shared edge takes the smallest code.

Each route runs in a fresh process of its own (one after the other, never two at once),
so its peak memory (``ru_maxrss``) is its own; every clock starts with the boundary
layers read and stops when every key is in memory.

zicht
    ``zicht.index.prepare_join`` (nesting check, raster indexes) and
    ``zicht.index.join_partitioned``: each GeoParquet file read as coordinate arrays;
    RD New → WGS84 (PROJ) and the H3 ids (h3ronpy), which hold the GIL, run in zicht's
    worker processes (one per core) from the moment a file is read, while the process
    itself reads the next files and does the raster lookups.

sjoin (the baseline, as a geopandas user writes it)
    ``geopandas.read_parquet`` of the files; ``to_crs(4326)`` and the vectorised
    ``h3ronpy.vector.coordinates_to_cells``; ``geopandas.sjoin(predicate="intersects")``
    with the buurt layer and with the wijk layer, keeping the smallest code per point.

duckdb (when ``duckdb`` and ``duckdb-extension-spatial`` are installed: the ``bench``
extra; skipped with a message otherwise)
    DuckDB's spatial join (``ST_Intersects`` in a ``LEFT JOIN``, smallest code per
    point) on the GeoParquet files, on every core DuckDB finds; H3 as in the baseline.

The results are compared row by row with zicht's (H3 id, buurt, wijk and gemeente code,
missing where missing); ``identical=true`` only when every route matches every row.
``cpu_use`` is zicht's CPU seconds (its own and its worker processes') over its wall
seconds (above 1: more than one core worked); ``peak_gb`` adds the workers' peaks to the
process's own (an upper bound: the peaks need not coincide). The machine may be shared:
the ratios are measured in one run, under the same load. The last line is machine-readable::

    RESULT rows=<n> seconds=<s> cpu_use=<x> peak_gb=<g> sjoin_seconds=<s> sjoin_peak_gb=<g>
        speedup_sjoin=<x> duckdb_seconds=<s> duckdb_peak_gb=<g> speedup_duckdb=<x>
        targets_met=<b> identical=<b>

(``duckdb_*`` are ``none`` when DuckDB is absent.) Targets: ≥ 5× the sjoin baseline and
≥ 3× DuckDB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._h3 import stop_workers
from zicht.index import join_partitioned, prepare_join
from zicht.ingest import read_boundaries
from zicht.synthetic.national import national_files

ROOT = Path(__file__).resolve().parents[1]
CBS = ROOT / "geodata" / "cbs"
KEYS = ["address_id", "h3_r9", "buurt_code", "wijk_code", "gemeente_code"]
ROUTES = ("zicht", "sjoin", "duckdb")
SPEEDUP_SJOIN, SPEEDUP_DUCKDB = 5.0, 3.0


def peak_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    buurten, _ = read_boundaries(
        CBS / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    wijken, _ = read_boundaries(CBS / "wijken_gemeenten_2022.gpkg", level="wijk", layer="NLD_dist")
    return buurten, wijken


def with_gemeente(frame: pd.DataFrame) -> pd.DataFrame:
    wijk = frame["wijk_code"]
    frame["gemeente_code"] = ("GM" + wijk.str.slice(2, 6)).where(wijk.notna())
    return frame[KEYS]


def h3_of(points: gpd.GeoSeries) -> pd.array:
    """H3 ids as a user writes them: ``to_crs(4326)`` and vectorised h3ronpy."""
    from h3ronpy.vector import coordinates_to_cells

    has = ~(points.isna() | points.is_empty).to_numpy()
    lonlat = points[has].to_crs(4326)
    ids = np.zeros(len(points), dtype=np.int64)
    ids[has] = np.asarray(coordinates_to_cells(lonlat.y.to_numpy(), lonlat.x.to_numpy(), 9))
    out = pd.array(ids, dtype="Int64")
    out[~has] = pd.NA
    return out


def run_zicht(folder: Path, buurten, wijken) -> tuple[pd.DataFrame, str]:
    layers = prepare_join(buurten, wijken=wijken, allow_mixed_vintages=True)
    out, report = join_partitioned(folder, layers, resolution=9)
    note = "" if report.balanced else "the join report does not add up"
    return out[KEYS], note  # codes stay categoricals: the join's own output


def smallest_code(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Plain sjoin: the smallest code among the areas a point intersects."""
    joined = gpd.sjoin(points, areas[["code", "geometry"]], how="left", predicate="intersects")
    codes = joined["code"].groupby(level=0).min()
    return codes.reindex(points.index)


def run_sjoin(folder: Path, buurten, wijken) -> tuple[pd.DataFrame, str]:
    points = gpd.read_parquet(folder, columns=["address_id", "geometry"])
    h3_r9 = h3_of(points.geometry)
    has = ~(points.geometry.isna() | points.geometry.is_empty)
    located = points[has]
    frame = pd.DataFrame(
        {
            "address_id": points["address_id"].to_numpy(),
            "h3_r9": h3_r9,
            "buurt_code": smallest_code(located, buurten).reindex(points.index).to_numpy(),
            "wijk_code": smallest_code(located, wijken).reindex(points.index),
        }
    )
    return with_gemeente(frame), ""


def _duckdb():
    """DuckDB with its spatial extension loaded from the PyPI package, or a reason."""
    try:
        import duckdb
        import duckdb_extension_spatial
    except ImportError:
        return None, "duckdb or duckdb-extension-spatial not installed (pip install 'zicht[bench]')"
    where = Path(duckdb_extension_spatial.__file__).parent
    found = sorted(where.glob(f"extensions/v{duckdb.__version__}/spatial.duckdb_extension"))
    if not found:
        return None, f"duckdb-extension-spatial has no build for duckdb {duckdb.__version__}"
    con = duckdb.connect()
    con.execute(f"LOAD '{found[0]}'")
    return con, ""


def duckdb_codes(con, table: str, areas: gpd.GeoDataFrame) -> pd.Series:
    """Smallest code per point by DuckDB's spatial join (NULL outside every area)."""
    wkb = pd.DataFrame({"code": areas["code"], "wkb": areas.geometry.to_wkb()})
    con.register("areas_in", wkb)
    con.execute(
        "CREATE OR REPLACE TABLE areas AS SELECT code, ST_GeomFromWKB(wkb) AS g FROM areas_in"
    )
    con.unregister("areas_in")
    return con.execute(
        f"SELECT min(a.code) AS code FROM {table} p LEFT JOIN areas a ON ST_Intersects(a.g, p.g) "
        "GROUP BY p.i ORDER BY p.i"
    ).df()["code"]


def run_duckdb(folder: Path, buurten, wijken) -> tuple[pd.DataFrame, str]:
    con, why = _duckdb()
    if con is None:
        return pd.DataFrame(), why
    con.execute(f"SET threads = {os.cpu_count()}")
    con.execute(
        "CREATE TABLE pts AS SELECT row_number() OVER () AS i, address_id, "
        "ST_Point(geometry.x, geometry.y) AS g "  # GeoArrow points come in as x/y structs
        f"FROM read_parquet('{folder}/*.parquet', filename = true, file_row_number = true) "
        "ORDER BY filename, file_row_number"
    )
    xy = con.execute("SELECT ST_X(g) AS x, ST_Y(g) AS y FROM pts ORDER BY i").df()
    located = xy["x"].notna().to_numpy()
    geoms = np.full(len(xy), None, dtype=object)
    geoms[located] = shapely.points(xy["x"].to_numpy()[located], xy["y"].to_numpy()[located])
    points = gpd.GeoSeries(geoms, crs=buurten.crs)
    frame = pd.DataFrame(
        {
            "address_id": con.execute("SELECT address_id FROM pts ORDER BY i").df()["address_id"],
            "h3_r9": h3_of(points),
            "buurt_code": duckdb_codes(con, "pts", buurten).to_numpy(),
            "wijk_code": duckdb_codes(con, "pts", wijken),
        }
    )
    return with_gemeente(frame), ""


def child(route: str, folder: Path, out: Path) -> int:
    """Run one route in this (fresh) process; write its keys and a JSON line of figures."""
    buurten, wijken = boundaries()  # outside the clock
    wall, cpu = time.perf_counter(), time.process_time()
    frame, note = {"zicht": run_zicht, "sjoin": run_sjoin, "duckdb": run_duckdb}[route](
        folder, buurten, wijken
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # zicht's H3 worker processes: their CPU and peak memory count too (ended after the
    # clock, so that the OS reports their CPU time; their peaks are added up).
    worker_peaks = stop_workers()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    if len(frame):
        frame.to_parquet(out)
    peak = peak_gb() + sum(worker_peaks) / 1e9
    figures = {"seconds": wall, "cpu": cpu, "peak_gb": peak, "rows": len(frame)}
    figures["workers"] = len(worker_peaks)
    print(json.dumps(figures | {"note": note}))
    return 0


def same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Row-wise equality where missing equals missing."""
    left = pd.Series(a).reset_index(drop=True).astype("string").fillna("<missing>")
    right = pd.Series(b).reset_index(drop=True).astype("string").fillna("<missing>")
    return (left == right).to_numpy(dtype=bool)


def compare(ours: pd.DataFrame, theirs: pd.DataFrame, route: str) -> bool:
    if len(ours) != len(theirs):
        print(f"{route}: {len(theirs)} rows, zicht {len(ours)}")
        return False
    identical = True
    for column in KEYS:
        ok = same(ours[column], theirs[column])
        if not ok.all():
            bad = np.flatnonzero(~ok)[:3]
            print(
                f"{route} {column}: {int((~ok).sum())} rows differ, e.g. "
                f"{ours.loc[bad, ['address_id', column]].to_dict('records')} vs "
                f"{theirs.loc[bad, column].tolist()}"
            )
            identical = False
    return identical


def run_route(route: str, folder: Path, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", route, "--out", str(out), str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"route {route} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value: float | None, digits: int = 1) -> str:
    return "none" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--files", type=int, default=None, help="join only the first N files")
    parser.add_argument("--skip-baseline", action="store_true", help="time zicht alone")
    parser.add_argument("--child", choices=ROUTES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.folder, args.out)
    files = national_files(args.data)[: args.files]
    if not files:
        print(f"no national set in {args.data}; run `make national` first", file=sys.stderr)
        return 2
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {len(files)} files")
    print(f"load average before: {os.getloadavg()[0]:.1f} (other work on the machine)")
    routes = ROUTES[:1] if args.skip_baseline else ROUTES
    figures: dict[str, dict] = {}
    identical = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "addresses"  # the files asked for, linked into one folder
        folder.mkdir()
        for file in files:
            (folder / file.name).symlink_to(file.resolve())
        for route in routes:
            out = Path(tmp) / f"{route}.parquet"
            got = figures[route] = run_route(route, folder, out)
            if not got["rows"]:
                print(f"{route}: skipped: {got['note']}")
                figures[route] = {}
                continue
            print(
                f"{route:7}: {got['seconds']:6.1f} s wall, {got['cpu']:6.1f} s CPU, "
                f"{got['rows'] / got['seconds']:,.0f} rows/s, peak {got['peak_gb']:.2f} GB"
                + (f", {got['workers']} worker processes" if got.get("workers") else "")
                + (f"  ({got['note']})" if got["note"] else "")
            )
            if route != "zicht":
                theirs = pd.read_parquet(out)
                identical &= compare(pd.read_parquet(Path(tmp) / "zicht.parquet"), theirs, route)
    ours = figures["zicht"]
    result = (
        f"RESULT rows={ours['rows']} seconds={ours['seconds']:.1f} "
        f"cpu_use={ours['cpu'] / ours['seconds']:.2f} peak_gb={ours['peak_gb']:.2f}"
    )
    met = not args.skip_baseline
    for route, target in (("sjoin", SPEEDUP_SJOIN), ("duckdb", SPEEDUP_DUCKDB)):
        got = figures.get(route) or {}
        speedup = got["seconds"] / ours["seconds"] if got else None
        if speedup is not None:
            met &= speedup >= target
        elif route == "sjoin":  # the baseline is never optional for the targets
            met = False
        result += (
            f" {route}_seconds={fmt(got.get('seconds'))} "
            f"{route}_peak_gb={fmt(got.get('peak_gb'), 2)} speedup_{route}={fmt(speedup)}"
        )
    print(f"{result} targets_met={str(met).lower()} identical={str(identical).lower()}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
