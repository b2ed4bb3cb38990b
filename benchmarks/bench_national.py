"""Benchmark: the national run (``geodata/national.toml``) timed stage by stage.

Run with ``make bench-national`` (which first generates the synthetic national set with
``make national``), or ``python benchmarks/bench_national.py [--data data/national]
[--sizes 1,2,4,all]``. Nothing is downloaded; the units are the synthetic national set.

Every size runs the whole ``zicht run`` of ``geodata/national.toml`` (``gemeente = "all"``:
join, indicators per H3 cell, buurt, wijk and gemeente, Gi* with 999 permutations and FDR,
regions, publication rules, the release and its check, register draft and dashboard) in a
fresh process of its own, one after the other, on a subset of the province files:

=====  ==========================================================
size   files
=====  ==========================================================
1      Gelderland (1.02 M points)
2      Zuid-Holland, Zeeland (2.09 M)
4      Zuid-Holland, Noord-Holland, Utrecht (4.03 M)
all    all twelve provinces (8.79 M)
=====  ==========================================================

The stages are the pipeline's own functions, timed from outside (each wrapped with a clock
in the child process; a stage's time excludes the stages it calls, so they add up to the
run's time). The peak memory is the child's peak resident set size (``ru_maxrss``). The
machine may be shared: the load average is printed before each run.

The last line is machine-readable, for the largest size run::

    RESULT rows=<n> seconds=<s> peak_gb=<g> stage_<name>=<s> … map_mb=<m> largest_page_mb=<m>
        peak_gb_<size>=<g> … load=<1-minute load before the run> failed=<sizes or none>
        seconds_met=<b> memory_met=<b>

A size whose run fails (``zicht check`` refusing its own release, say) is reported with the
stages up to the failure and the reason; it meets no target, and the benchmark exits 1.

Targets: under 90 s and 6 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "geodata" / "national.toml"
SIZES = {
    "1": ["Gelderland"],
    "2": ["Zuid-Holland", "Zeeland"],
    "4": ["Zuid-Holland", "Noord-Holland", "Utrecht"],
    "all": None,
}
TARGET_SECONDS, TARGET_GB = 90.0, 6.0
#: The pipeline's stage functions, by the name the RESULT line gives them: the module that
#: calls each (``zicht.pipeline`` or one of its step modules) and the function's name there.
STAGES = {
    "read_inputs": ("zicht.pipeline", "_read_inputs"),
    "read_units": ("zicht.pipeline", "read_unit_table"),
    "join": ("zicht.pipeline", "_join"),
    "indicators": ("zicht.pipeline", "_compute_layer"),
    "hotspots": ("zicht.pipeline", "_hotspots"),
    "unit_table": ("zicht.pipeline", "_unit_table"),
    "publish": ("zicht.pipeline", "_publish"),
    "composite": ("zicht.pipeline", "_with_composite"),
    "proxy_screen": ("zicht.pipeline", "_proxy_screen"),
    "register_report": ("zicht._run_write", "write_register"),
    "run_report": ("zicht._run_write", "write_run_report"),
    "catalogue": ("zicht._run_write", "write_catalogue"),
    "release_files": ("zicht._run_write", "write_release"),
    "map": ("zicht._run_write", "write_map"),
    "map_pages": ("zicht._run_write", "write_gemeente_pages"),
    "internal_files": ("zicht._run_write", "write_internal_files"),
    "manifest": ("zicht._run_write", "write_run_manifest"),
}


def _wrap(stages: dict[str, tuple[object, str]], times: dict[str, float]) -> None:
    """Replace each stage function by one that adds its exclusive time to ``times``."""
    stack: list[float] = []  # time spent in nested stages, per open stage

    def clocked(label, func):
        def inner(*args, **kwargs):
            stack.append(0.0)
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                nested = stack.pop()
                times[label] = times.get(label, 0.0) + spent - nested
                if stack:
                    stack[-1] += spent

        return inner

    for label, (owner, name) in stages.items():
        setattr(owner, name, clocked(label, getattr(owner, name)))


def child(config_path: Path, out: Path) -> int:
    """Run the national config once in this process; print its figures as JSON."""
    import zicht.pipeline as pipeline
    from zicht._errors import ZichtError
    from zicht.config import load_config
    from zicht.export._folder import ReleaseStage

    times: dict[str, float] = {}
    stages: dict[str, tuple[object, str]] = {}
    for label, (module, name) in STAGES.items():
        owner = importlib.import_module(module)
        if not hasattr(owner, name):
            raise SystemExit(f"bench_national: {module}.{name} is gone; update STAGES")
        stages[label] = (owner, name)
    stages["verify"] = (ReleaseStage, "verify")  # zicht check's code path, before the move
    _wrap(stages, times)
    started = time.perf_counter()
    config = load_config(config_path)
    failed = None
    try:
        result = pipeline.run(config, out)
        rows, joined = result.summary.units_in, result.summary.units_joined
    except ZichtError as exc:  # the figures up to the failure, and what failed
        failed = " ".join(str(exc).split())[:400]
        rows = joined = _rows(config.inputs.resolve(config.inputs.units.path))
    seconds = time.perf_counter() - started
    times["other"] = seconds - sum(times.values())  # config, checks, commit
    map_path = out / "risk_map.html"
    figures = {
        "rows": rows,
        "joined": joined if failed is None else None,
        "failed": failed,
        "seconds": seconds,
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
        "stages": times,
        "map_mb": map_path.stat().st_size / 1e6 if map_path.exists() else None,
        "release_mb": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6,
        "pages": len(pages := list((out / "gemeenten").glob("*.html"))),
        "largest_page_mb": max((p.stat().st_size for p in pages), default=0) / 1e6,
    }
    print(json.dumps(figures))
    return 0


def _rows(folder: Path) -> int:
    """The rows of the GeoParquet files in ``folder``, from their metadata."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(folder.glob("*.parquet")))


def _config_for(folder: Path, tmp: Path) -> Path:
    """geodata/national.toml with absolute paths, its units pointed at ``folder``."""
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace('geodata = "."', f'geodata = "{(ROOT / "geodata").as_posix()}"')
    text = text.replace('"../data/national/addresses"', f'"{folder.as_posix()}"')
    path = tmp / "national.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_size(size: str, data: Path, tmp: Path) -> dict:
    folder = tmp / f"addresses-{size}"
    folder.mkdir()
    names = SIZES[size]
    for file in sorted((data / "addresses").glob("*.parquet")):
        if names is None or file.stem in names:
            (folder / file.name).symlink_to(file.resolve())
    config = _config_for(folder, folder.parent)
    out = tmp / f"out-{size}"
    command = [sys.executable, __file__, "--child", str(config), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"the national run of size {size} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--sizes", default="1,2,4,all", help="comma-separated: 1, 2, 4, all")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    if not any((args.data / "addresses").glob("*.parquet")):
        print(f"no national set in {args.data}; run `make national` first", file=sys.stderr)
        return 2
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        print(f"unknown sizes {unknown}; use {list(SIZES)}", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} cores; config {CONFIG.relative_to(ROOT)}")
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            load = os.getloadavg()[0]
            got = runs[size] = run_size(size, args.data, Path(tmp))
            got["load"] = load
            stages = ", ".join(f"{k} {v:.1f}" for k, v in got["stages"].items())
            print(
                f"size {size:>3}: {got['rows']:>9,} rows, {got['seconds']:6.1f} s, "
                f"peak {got['peak_gb']:.2f} GB, map {got['map_mb'] or 0:.1f} MB, release "
                f"{got['release_mb']:.0f} MB, {got['pages']} gemeente pages (largest "
                f"{got['largest_page_mb']:.1f} MB) (load before {load:.1f})\n           {stages}"
            )
            if got["failed"]:
                print(f"           FAILED (the stages up to the failure): {got['failed']}")
    last = runs[sizes[-1]]
    stages = " ".join(f"stage_{k}={v:.1f}" for k, v in last["stages"].items())
    peaks = " ".join(f"peak_gb_{s}={r['peak_gb']:.2f}" for s, r in runs.items())
    # a run that failed met no target: it wrote nothing
    ok = not last["failed"]
    seconds_met = ok and last["seconds"] < TARGET_SECONDS
    memory_met = ok and last["peak_gb"] < TARGET_GB
    failed = ",".join(s for s, r in runs.items() if r["failed"]) or "none"
    print(
        f"RESULT rows={last['rows']} seconds={last['seconds']:.1f} peak_gb={last['peak_gb']:.2f} "
        f"{stages} map_mb={last['map_mb'] or 0:.1f} "
        f"largest_page_mb={last['largest_page_mb']:.1f} {peaks} load={last['load']:.1f} "
        f"failed={failed} "
        f"seconds_met={str(seconds_met).lower()} memory_met={str(memory_met).lower()}"
    )
    return 0 if failed == "none" else 1


if __name__ == "__main__":
    sys.exit(main())
