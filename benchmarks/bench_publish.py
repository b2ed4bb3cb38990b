"""Benchmark: the whole country at H3 resolution 9 merged into publishable regions.

Run with ``make bench-publish`` or ``python benchmarks/bench_publish.py [--full]``.

Data
    The synthetic national address set of ``zicht.national`` (``make national``, ≈ 8.8
    million points placed per wijk from the real CBS 2022 dwelling totals), joined once
    with zicht's own national join (``zicht.index.join_partitioned``) to the H3 res-9 cell
    and the CBS 2014 buurt (the newest buurt geometry shipped); wijk and gemeente codes
    derive from the buurt code, so the three levels nest. The join is cached in
    ``data/national/bench_publish_units.parquet`` and is not part of the timing (``make
    bench-join`` measures it). A synthetic 4 % ``vacant`` flag (seeded) is added for the
    full run. Without the national set, the benchmark says so and falls back to
    deterministic counts: every buurt covered with res-9 cells, units per cell drawn
    from a seeded gamma–Poisson mixture that sums to the national total of 8.8 million.

Timed (``seconds`` in the RESULT line): from the unit keys to the regions
    counting units per piece (cell × buurt), covering every buurt with the cells that
    overlap it (empty ground), and :func:`zicht.regions.build_regions` (``grow``, 10
    units) — everything the aggregation needs, on one process.

``--full`` also times the whole disclosure step (``publish_release`` with the unit table:
rules, protection against differencing, region geometry) for the region, buurt, wijk and
gemeente layers, writes the bundle and runs ``zicht check`` on it.

The last line is machine-readable::

    RESULT cells=<n> regions=<n> seconds=<s> below_threshold=<n>
    passing_buurt_units_uncut_pct=<pct> passing_buurten_cut=<n> old_fallback_uncut_pct=<pct>

``passing_buurt_units_uncut_pct``: of the units of buurten that pass the threshold on their
own, the share in buurten that no region crosses (issue 17.2, utility first); the old
fallback (``build_regions(…, protect=())``) is measured on the same pieces for comparison.
With ``--full`` the line adds ``passing_buurt_units_with_values_pct`` (the 17.2 target: of
those units, the share in buurten *published with their values*, after every rule and the
secondary protection, with wijken and gemeenten published above them),
``passing_buurten_without_values``, ``publish_seconds`` and ``check`` (PASS or FAIL).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.ingest import read_boundaries
from zicht.publish import RegionOptions, build_regions, cover_areas_with_cells

ROOT = Path(__file__).resolve().parents[1]
CBS = ROOT / "geodata" / "cbs"
MIN_UNITS = 10


def peak_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def buurten() -> gpd.GeoDataFrame:
    frame, _ = read_boundaries(
        CBS / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    return frame


def national_units(data: Path, boundaries: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """The joined national set (cached): h3_r9, buurt/wijk/gemeente codes, vacant."""
    from zicht.synthetic.national import national_files

    cache = data / "bench_publish_units.parquet"
    files = national_files(data)
    if not files:
        return None
    newest = max(f.stat().st_mtime for f in files)
    if cache.is_file() and cache.stat().st_mtime > newest:
        return pd.read_parquet(cache)
    from zicht.index import join_partitioned, prepare_join

    started = time.perf_counter()
    joined, report = join_partitioned(
        data / "addresses", prepare_join(boundaries), resolution=9, columns=["address_id"]
    )
    print(f"join (cached for next time): {time.perf_counter() - started:.1f} s, {report.to_dict()}")
    joined = joined[joined["joined"]].reset_index(drop=True)
    units = pd.DataFrame(
        {
            "address_id": joined["address_id"].astype(str).to_numpy(),
            "h3_r9": joined["h3_r9"].to_numpy(dtype="int64"),
            "buurt_code": joined["buurt_code"].astype(str).to_numpy(),
        }
    )
    units["wijk_code"] = "WK" + units["buurt_code"].str.slice(2, 8)
    units["gemeente_code"] = "GM" + units["buurt_code"].str.slice(2, 6)
    units["vacant"] = np.random.default_rng(20240605).random(len(units)) < 0.04
    units.to_parquet(cache)
    return units


def fallback_pieces(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """Deterministic national cell counts when the national set is absent."""
    cover = cover_areas_with_cells(boundaries.set_index("code").geometry, 9)
    cover = cover.rename(columns={"code": "buurt_code"})
    rng = np.random.default_rng(20240605)
    weight = rng.gamma(0.35, 1.0, len(cover))
    cover["n_units"] = rng.poisson(8_789_819 * weight / weight.sum())
    return cover


def with_parents(frame: pd.DataFrame) -> pd.DataFrame:
    frame["wijk_code"] = "WK" + frame["buurt_code"].str.slice(2, 8)
    frame["gemeente_code"] = "GM" + frame["buurt_code"].str.slice(2, 6)
    return frame


def aggregate(units: pd.DataFrame | None, boundaries: gpd.GeoDataFrame) -> tuple[object, dict]:
    """Unit keys → pieces → empty ground → regions, timed step by step."""
    times = {}
    started = time.perf_counter()
    if units is not None:
        pieces = (
            units.groupby(["h3_r9", "buurt_code"], sort=False)
            .size()
            .rename("n_units")
            .reset_index()
            .rename(columns={"h3_r9": "cell"})
        )
        times["pieces"] = time.perf_counter() - started
        t = time.perf_counter()
        used = boundaries[boundaries["code"].isin(set(pieces["buurt_code"]))]
        cover = cover_areas_with_cells(used.set_index("code").geometry, 9)
        cover = cover.rename(columns={"code": "buurt_code"})
        known = pd.MultiIndex.from_frame(pieces[["cell", "buurt_code"]])
        fresh = ~pd.MultiIndex.from_frame(cover[["cell", "buurt_code"]]).isin(known)
        pieces = pd.concat([pieces, cover[fresh].assign(n_units=0)], ignore_index=True)
        times["empty ground"] = time.perf_counter() - t
    else:
        pieces = fallback_pieces(boundaries)
        times["pieces (generated)"] = time.perf_counter() - started
    t = time.perf_counter()
    pieces = with_parents(pieces)
    plan = build_regions(pieces, min_units=MIN_UNITS, options=RegionOptions())
    times["regions"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - started
    return plan, times


def full_run(units: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> dict[str, str]:
    """The whole disclosure step, the bundle and the independent check.

    Returns the figures for the RESULT line: the 17.2 share (of the units of buurten that
    pass the threshold on their own, the share in buurten published with their values),
    the passing buurten withheld, and the check's verdict.
    """
    from zicht.check import check_release
    from zicht.export import internal_dir_for, write_internal_files, write_release
    from zicht.publish import LayerInput, UnitTable, publish_release
    from zicht.schemas import IndicatorMeta

    used = boundaries[boundaries["code"].isin(set(units["buurt_code"]))]
    b = used.assign(
        wijk="WK" + used["code"].str.slice(2, 8), gem="GM" + used["code"].str.slice(2, 6)
    )
    layers = [
        LayerInput(
            "buurt",
            b[["code", "name", "geometry"]].rename(
                columns={"code": "area_id", "name": "area_name"}
            ),
        ),
        LayerInput(
            "wijk",
            b[["wijk", "geometry"]]
            .dissolve("wijk")
            .reset_index()
            .rename(columns={"wijk": "area_id"})
            .assign(area_name=lambda d: d["area_id"]),
        ),
        LayerInput(
            "gemeente",
            b[["gem", "geometry"]]
            .dissolve("gem")
            .reset_index()
            .rename(columns={"gem": "area_id"})
            .assign(area_name=lambda d: d["area_id"]),
        ),
    ]
    metas = [
        IndicatorMeta("n_vacant", "Vacant (synthetic)", "addresses"),
        IndicatorMeta("rate_vacant_pct", "Vacancy rate (synthetic)", "%", "rate"),
    ]
    table = UnitTable(units, unit_id="address_id")
    t = time.perf_counter()
    release = publish_release(layers, metas, units=table, metadata={"run_id": "bench-publish"})
    publish_s = time.perf_counter() - t
    d = release.disclosure
    print(f"publish_release (all rules, protection, geometry): {publish_s:.1f} s")
    for name, frame in release.layers.items():
        print(f"  {name:9s}: {frame['status'].value_counts().to_dict()}")
    for col, s in d["indicators"].items():
        print(f"  {col}: {s}")
    share, withheld = passing_buurten_with_values(units, release.layers["buurt"])
    print(
        f"utility first (17.2): {share:.2f} % of the units of passing buurten lie in buurten "
        f"published with their values; {withheld} passing buurten without them"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "release"
        t = time.perf_counter()
        write_release(release, out)
        internal = write_internal_files(release, table, internal_dir_for(out))
        print(f"write bundle + units file: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        report = check_release(out, internal["units"])
        print(f"zicht check: {time.perf_counter() - t:.1f} s, {len(report.violations)} violations")
        for line in report.tried:
            print(f"  tried: {line}")
        for v in report.violations[:10]:
            print(f"  ! {v}")
    return {
        "passing_buurt_units_with_values_pct": f"{share:.2f}",
        "passing_buurten_without_values": str(withheld),
        "publish_seconds": f"{publish_s:.1f}",
        "check": "PASS" if report.ok else "FAIL",
    }


def passing_buurten_with_values(units: pd.DataFrame, buurt: pd.DataFrame) -> tuple[float, int]:
    """The 17.2 share: units of passing buurten in buurten published with their values.

    Of the units of buurten with at least ``MIN_UNITS`` units, the share in buurten
    published with every count and rate shown, and how many such buurten lack them
    (merged, suppressed, or a value hidden).
    """
    per = units.groupby("buurt_code").size()
    passing = per[per >= MIN_UNITS]
    frame = buurt.set_index("area_id").reindex(passing.index)
    shown = (frame["status"] == "published") & frame[["n_vacant", "rate_vacant_pct"]].notna().all(
        axis=1
    )
    ok = shown.to_numpy()
    return 100.0 * float(passing[ok].sum()) / float(passing.sum()), int((~ok).sum())


def passing_buurten_uncut(plan) -> tuple[float, int]:
    """Share of the units of passing buurten in buurten no region crosses, and those cut.

    A buurt with at least ``MIN_UNITS`` units that a region crosses is published only
    through its regions (``merged``): utility first (issue 17.2) keeps that at none.
    """
    pieces = plan.pieces
    per = pieces.groupby("buurt_code")["n_units"].sum()
    passing = per[per >= MIN_UNITS]
    crossing = plan.regions.index[plan.regions["level"] != "buurt_code"]
    cut = set(pieces.loc[pieces["region_id"].isin(crossing), "buurt_code"])
    ok = ~passing.index.isin(list(cut))
    return 100.0 * float(passing[ok].sum()) / float(passing.sum()), int((~ok).sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--full", action="store_true", help="also publish, write and check")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores")
    boundaries = buurten()
    units = national_units(args.data, boundaries)
    source = "national synthetic set" if units is not None else "generated counts (no national set)"
    print(f"data: {source}" + (f", {len(units):,} joined units" if units is not None else ""))
    plan, times = aggregate(units, boundaries)
    regions = plan.regions
    with_units = regions[regions["n_units"] > 0]
    occupied = plan.pieces.loc[plan.pieces["n_units"] > 0, "cell"].nunique()
    small_cells = int(
        (plan.pieces[plan.pieces["n_units"] > 0].groupby("cell")["n_units"].sum() < MIN_UNITS).sum()
    )
    for step, seconds in times.items():
        print(f"  {step:20s} {seconds:6.1f} s")
    print(
        f"cells with units: {occupied:,} ({small_cells:,} below {MIN_UNITS}); pieces "
        f"(cell × buurt, with empty ground): {len(plan.pieces):,}; regions with units: "
        f"{len(with_units):,} ({int((with_units['n_cells'] == 1).sum()):,} single cells), "
        f"nesting in {with_units['level'].value_counts().to_dict()}; merge rounds "
        f"{plan.rounds}; peak {peak_gb():.2f} GB"
    )
    uncut_pct, cut = passing_buurten_uncut(plan)
    old = build_regions(plan.pieces.drop(columns="region_id"), min_units=MIN_UNITS, protect=())
    old_pct, old_cut = passing_buurten_uncut(old)
    print(
        f"utility first: {uncut_pct:.2f} % of the units of passing buurten in buurten no "
        f"region crosses ({cut} cut); the old fallback (protect=()): {old_pct:.2f} % "
        f"({old_cut} cut, {old.below_threshold} regions below the threshold vs "
        f"{plan.below_threshold})"
    )
    full = full_run(units, boundaries) if args.full and units is not None else {}
    print(
        f"RESULT cells={occupied} regions={len(with_units)} seconds={times['total']:.1f} "
        f"below_threshold={plan.below_threshold} passing_buurt_units_uncut_pct={uncut_pct:.2f} "
        f"passing_buurten_cut={cut} old_fallback_uncut_pct={old_pct:.2f}"
        + "".join(f" {k}={v}" for k, v in full.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
