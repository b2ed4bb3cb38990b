"""Benchmark: zicht's national join against a plain geopandas + h3 baseline.

Run with ``make bench-join`` (which first generates the synthetic national set with
``make national``), or ``python benchmarks/bench_join.py [--data data/national]``.
Nothing is downloaded: the addresses are ``zicht.national``'s synthetic set (≈ 8.8 million
points placed per wijk from the real CBS 2022 dwelling totals), the boundaries are the
shipped CBS files.

The join (both routes, same process, same files, same boundary layers)
    Every address gets its H3 cell at resolution 9 (64-bit id), its buurt code from the
    CBS 2014 buurt layer (the newest buurt geometry shipped), and its wijk code from the
    CBS 2022 wijk layer; the gemeente code derives from the wijk code (one vintage). A
    point on a shared edge takes the smallest code.

Both clocks start with the boundary layers read (they are read once, before either).

zicht (timed from the address files to the keys)
    ``zicht.index.prepare_join`` (nesting check, raster indexes) and
    ``zicht.index.join_partitioned``: boundary layers indexed once (raster lookup, exact
    test only near edges), each GeoParquet file read as coordinate arrays, RD New →
    WGS84 with PROJ in threads, H3 ids vectorised (h3ronpy). Its peak memory is the
    process's peak resident set size (``ru_maxrss``) measured right after it, before
    the baseline runs; it includes reading the boundary layers and the data.

baseline (timed from the address files to the keys)
    ``geopandas.read_parquet`` of the folder; ``to_crs(4326)`` and a per-point
    ``h3.latlng_to_cell`` loop; ``geopandas.sjoin(predicate="intersects")`` with the buurt
    layer and with the wijk layer, keeping the smallest code per point.

The two results are compared row by row (H3 id, buurt, wijk and gemeente code, missing
where missing); ``identical=true`` only when every row matches. The last line is
machine-readable::

    RESULT rows=<n> seconds=<s> baseline_seconds=<s> speedup=<x> peak_gb=<g> identical=<b>
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from zicht.index import join_partitioned, prepare_join
from zicht.ingest import read_boundaries
from zicht.synthetic.national import national_files

ROOT = Path(__file__).resolve().parents[1]
CBS = ROOT / "geodata" / "cbs"


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


def smallest_code(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Plain sjoin: the smallest code among the areas a point intersects."""
    joined = gpd.sjoin(points, areas[["code", "geometry"]], how="left", predicate="intersects")
    codes = joined["code"].groupby(level=0).min()
    return codes.reindex(points.index)


def baseline(folder: Path, buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame) -> pd.DataFrame:
    points = gpd.read_parquet(folder, columns=["address_id", "geometry"])
    has = ~(points.geometry.isna() | points.geometry.is_empty)
    lonlat = points.geometry[has].to_crs(4326)
    cells = [
        h3i.latlng_to_cell(lat, lng, 9)
        for lat, lng in zip(lonlat.y.tolist(), lonlat.x.tolist(), strict=True)
    ]
    ids = np.zeros(len(points), dtype=np.int64)
    ids[has.to_numpy()] = cells
    h3_r9 = pd.array(ids, dtype="Int64")
    h3_r9[~has.to_numpy()] = pd.NA
    located = points[has]
    buurt = smallest_code(located, buurten).reindex(points.index)
    wijk = smallest_code(located, wijken).reindex(points.index)
    gemeente = ("GM" + wijk.str.slice(2, 6)).where(wijk.notna())
    return pd.DataFrame(
        {
            "address_id": points["address_id"].to_numpy(),
            "h3_r9": h3_r9,
            "buurt_code": buurt.to_numpy(),
            "wijk_code": wijk.to_numpy(),
            "gemeente_code": gemeente.to_numpy(),
        }
    )


def same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Row-wise equality where missing equals missing."""
    left = pd.Series(a).reset_index(drop=True).astype("string").fillna("<missing>")
    right = pd.Series(b).reset_index(drop=True).astype("string").fillna("<missing>")
    return (left == right).to_numpy(dtype=bool)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    folder = args.data / "addresses"
    files = national_files(args.data)
    if not files:
        print(f"no national set in {folder}; run `make national` first", file=sys.stderr)
        return 2
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {len(files)} files")

    buurten, wijken = boundaries()  # read once, outside both clocks
    started = time.perf_counter()
    layers = prepare_join(buurten, wijken=wijken, allow_mixed_vintages=True)
    prepared = time.perf_counter() - started
    ours, report = join_partitioned(folder, layers, resolution=9)
    seconds = time.perf_counter() - started
    peak = peak_gb()
    rows = len(ours)
    print(
        f"zicht    : {seconds:7.1f} s  ({prepared:.1f} s checking and indexing boundaries), "
        f"{rows / seconds:,.0f} rows/s, peak {peak:.2f} GB"
    )
    print(f"join report: {report.to_dict()}")
    if not report.balanced:
        print("join report does not add up", file=sys.stderr)
    if args.skip_baseline:
        print(f"RESULT rows={rows} seconds={seconds:.1f} peak_gb={peak:.2f}")
        return 0

    started = time.perf_counter()
    base = baseline(folder, buurten, wijken)
    baseline_seconds = time.perf_counter() - started
    print(f"baseline : {baseline_seconds:7.1f} s, {rows / baseline_seconds:,.0f} rows/s")

    identical = len(base) == rows and bool((base["address_id"] == ours["address_id"]).all())
    for column in ("h3_r9", "buurt_code", "wijk_code", "gemeente_code"):
        if not identical:
            break
        ok = same(ours[column], base[column])
        if not ok.all():
            bad = np.flatnonzero(~ok)[:3]
            print(
                f"{column}: {int((~ok).sum())} rows differ, e.g. "
                f"{ours.loc[bad, ['address_id', column]].to_dict('records')} vs "
                f"{base.loc[bad, column].tolist()}"
            )
            identical = False
    speedup = baseline_seconds / seconds
    print(
        f"RESULT rows={rows} seconds={seconds:.1f} baseline_seconds={baseline_seconds:.1f} "
        f"speedup={speedup:.1f} peak_gb={peak:.2f} identical={str(identical).lower()}"
    )
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
