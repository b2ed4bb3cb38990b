"""Benchmark: zicht Gi* against esda's G_Local on the national H3 grid.

Run with ``make bench-hotspots`` (or ``python benchmarks/bench_hotspots.py``). Nothing is
downloaded: the grid is built from the CBS 2022 municipal boundaries shipped in
``geodata/cbs`` and the values are seeded synthetic counts.

The grid
    ``--grid bbox`` (default): every H3 cell whose centre lies in the bounding box of the
    dissolved Netherlands (RD New), about 924,000 cells at resolution 9 and 132,000 at
    resolution 8, the sizes the performance target was set for. ``--grid land``: the
    cells whose centre lies inside the country boundary itself (about 392,000 and 56,000).

What is timed (wall clock, best of ``--repeat`` runs, graph built beforehand)
    * zicht ``gi_star(..., permutations=0)`` (analytic) at resolution 9;
    * zicht ``gi_star(..., permutations=999, seed=...)`` at resolutions 9 and 8;
    * esda ``G_Local(y, graph, transform="B", star=True, permutations=999, n_jobs=-1)`` at
      resolution 8 (once; its sparse matrix is built before the clock starts). esda runs
      as installed; whether numba was importable is printed.
    The speed-up is esda / zicht at resolution 8, equal n, in the same run. Peak memory is
    the benchmark process's peak resident set size after the resolution-9 runs (it covers
    building the grid and the graph too); esda runs afterwards.

The last line is machine-readable::

    RESULT cells_res9=<n> seconds_res9=<s> seconds_res8=<s> esda_seconds_res8=<s> \
speedup_res8=<x> peak_gb=<g>
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import shapely
from shapely.geometry import box

from zicht.stats import gi_star, h3_graph

ROOT = Path(__file__).resolve().parents[1]
BOUNDARIES = ROOT / "geodata" / "cbs" / "wijken_gemeenten_2022.gpkg"
SEED = 20240501


def national_cells(resolution: int, grid: str) -> np.ndarray:
    """H3 cells (int64) covering the Netherlands, sorted."""
    muni = gpd.read_file(BOUNDARIES, layer="NLD_muni")
    country = muni.dissolve().geometry
    if grid == "bbox":
        xmin, ymin, xmax, ymax = country.total_bounds
        # densify so that the box edges stay straight lines in RD New after reprojection
        shape = shapely.segmentize(box(xmin, ymin, xmax, ymax), 1000.0)
        country = gpd.GeoSeries([shape], crs=country.crs)
    geometry = country.to_crs(4326).iloc[0]
    cells = h3.geo_to_cells(geometry, resolution)
    return np.sort(np.array([h3.str_to_int(c) for c in cells], dtype=np.int64))


def synthetic_counts(n: int) -> np.ndarray:
    """Seeded counts with many zeros and ties, like registered incidents per cell."""
    rng = np.random.default_rng(SEED)
    rate = rng.gamma(0.5, 2.0, n)
    return rng.poisson(rate).astype(np.float64)


def best_of(repeat: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_gb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", choices=("bbox", "land"), default="bbox")
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--esda-subset",
        type=int,
        default=0,
        help="time esda on the first N res-8 cells only (0: all; equal n is the default)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    print(f"zicht Gi* benchmark: grid={args.grid}, permutations={args.permutations}")
    print(f"cores: {os.cpu_count()}, numba importable: {bool(importlib.util.find_spec('numba'))}")

    # ---- resolution 9 -----------------------------------------------------------------
    start = time.perf_counter()
    cells9 = national_cells(9, args.grid)
    grid_seconds = time.perf_counter() - start
    start = time.perf_counter()
    graph9 = h3_graph(cells9, k=1)
    graph_seconds = time.perf_counter() - start
    y9 = synthetic_counts(len(cells9))
    print(
        f"res 9: {len(cells9):,} cells (grid {grid_seconds:.1f} s, k=1 graph {graph_seconds:.1f} s)"
    )

    analytic9 = best_of(args.repeat, lambda: gi_star(y9, graph9, permutations=0))
    perm9 = best_of(
        args.repeat, lambda: gi_star(y9, graph9, permutations=args.permutations, seed=SEED)
    )
    result9 = gi_star(y9, graph9, permutations=args.permutations, seed=SEED)
    memory = peak_gb()
    labels = result9.frame["label"].value_counts()
    print(f"res 9: zicht analytic Gi*        {analytic9:8.3f} s")
    print(f"res 9: zicht Gi* {args.permutations} permutations {perm9:8.3f} s")
    print(f"res 9: peak resident memory      {memory:8.2f} GB")
    print(f"res 9: labels { ({str(k): int(v) for k, v in labels[labels > 0].items()}) }")

    # ---- resolution 8: zicht and esda at equal n --------------------------------------
    cells8 = national_cells(8, args.grid)
    if args.esda_subset:
        cells8 = cells8[: args.esda_subset]
    graph8 = h3_graph(cells8, k=1)
    y8 = synthetic_counts(len(cells8))
    perm8 = best_of(
        args.repeat, lambda: gi_star(y8, graph8, permutations=args.permutations, seed=SEED)
    )
    print(f"res 8: {len(cells8):,} cells")
    print(f"res 8: zicht Gi* {args.permutations} permutations {perm8:8.3f} s")

    from esda.getisord import G_Local

    _ = graph8.sparse  # built before the clock starts (a cached property)
    start = time.perf_counter()
    reference = G_Local(
        y8,
        graph8,
        transform="B",
        star=True,
        permutations=args.permutations,
        seed=SEED,
        keep_simulations=False,
        n_jobs=-1,
    )
    esda8 = time.perf_counter() - start
    ours8 = gi_star(y8, graph8, permutations=args.permutations, seed=SEED, correction="none")
    esda_two_sided = np.minimum(1.0, 2.0 * reference.p_sim)
    agree = np.mean((ours8.frame["p"].to_numpy() < 0.05) == (esda_two_sided < 0.05))
    z_diff = np.nanmax(np.abs(ours8.frame["z"].to_numpy() - reference.Zs))
    speedup = esda8 / perm8
    print(f"res 8: esda G_Local {args.permutations} permutations {esda8:8.3f} s")
    print(f"res 8: speed-up (esda / zicht, equal n) {speedup:8.1f}x")
    print(f"res 8: max |z zicht - z esda| {z_diff:.2e}; same 5 % calls on {agree:.2%} of cells")
    print(
        f"RESULT cells_res9={len(cells9)} seconds_res9={perm9:.3f} seconds_res8={perm8:.3f} "
        f"esda_seconds_res8={esda8:.2f} speedup_res8={speedup:.1f} peak_gb={memory:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
