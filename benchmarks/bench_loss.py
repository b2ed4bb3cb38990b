"""Benchmark: the information loss of every shipped release, and what big areas keep.

Run with ``make bench-loss`` or ``python benchmarks/bench_loss.py [--out DIR] [--reuse]``.

Data
    The shipped runs, made as a user makes them (the Makefile's commands): ``zicht demo``
    and the five worked examples of ``examples/`` (each generator writes its synthetic,
    seeded units; ``holiday_parks`` first derives its park boundaries; each config runs
    through ``zicht.pipeline.run``, what ``zicht run`` calls after its preflight), every
    one checked with ``zicht check``. ``--reuse`` measures releases already in ``DIR`` instead.

Measured, per release (from the written files only)
    * the information loss of ``run_summary.json`` (``information_loss``): per layer and
      count, the features with a value, those withheld by reason, the share of units in
      features with a value, the mean deviations and the Hellinger distance;
    * **utility first** (issue 17.2): among the buurten, wijken, gemeenten and parks whose
      own population reaches the threshold, the share of their units (read from the
      internal ``units.parquet``) that lie in published features, and in features published
      with every count and rate shown (a value may still be hidden by a rule on the
      feature's own units, e.g. the company rules); and the number of such features
      without a value.

The last line is machine-readable::

    RESULT releases=<n> big_units_published_pct=<min over releases>
    big_units_with_values_pct=<min over releases> big_withheld=<n>
    published_without_value=<n> h3_units_with_value_pct=<min> buurt_hellinger_max=<x>
    check_failures=<n> run_failures=<n> seconds=<s>
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("holiday_parks", "real_estate", "drugs", "care_providers", "youth")
AREA_LAYERS = ("buurt", "wijk", "gemeente", "park", "parks")


def _zicht(*args: str) -> bool:
    done = subprocess.run([sys.executable, "-m", "zicht", *args], check=False, cwd=ROOT)
    if done.returncode:
        print(f"FAILED (exit {done.returncode}): zicht {' '.join(args)}")
    return done.returncode == 0


def _run(config: Path, out: Path) -> bool:
    """Run a config as ``zicht run`` does after its preflight (``zicht.pipeline.run``)."""
    from zicht.config import load_config
    from zicht.pipeline import run

    try:
        run(load_config(config), out)
    except Exception as error:  # reported and counted; the other runs still go
        print(f"FAILED: run {config}: {type(error).__name__}: {error}")
        return False
    return True


def make_releases(out: Path) -> tuple[dict[str, Path], list[str]]:
    """Run the demo and every example as the Makefile does; return folders and failures."""
    folders, failed = {}, []
    if _zicht("demo", "--out", str(out / "demo")):
        folders["demo"] = out / "demo"
    else:
        failed.append("demo")
    for theme in EXAMPLES:
        ok = True
        if theme == "holiday_parks":
            shutil.rmtree(ROOT / "examples/holiday_parks/data/store", ignore_errors=True)
            ok = _zicht(
                "parks",
                "derive",
                "--source",
                "synthetic",
                "--out",
                "examples/holiday_parks/data/derive",
                "--store",
                "examples/holiday_parks/data/store/parks.gpkg",
            )
        generate = [sys.executable, f"examples/{theme}/generate.py"]
        ok = ok and subprocess.run(generate, check=False, cwd=ROOT).returncode == 0
        if ok and _run(ROOT / "examples" / theme / "config.toml", out / theme):
            folders[theme] = out / theme
        else:
            failed.append(theme)
    return folders, failed


def big_area_utility(release: Path) -> dict[str, int | float]:
    """Among areas whose own population passes the threshold: units in areas with values."""
    from zicht.export import internal_dir_for

    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    min_units = int(manifest["rules"]["min_units"])
    units = pd.read_parquet(internal_dir_for(release) / "units.parquet")
    total = with_values = published = withheld = 0
    for name, entry in manifest["layers"].items():
        column = entry.get("unit_key")
        if name not in AREA_LAYERS or column not in units:
            continue
        layer = pd.read_csv(release / f"{name}.csv", dtype={"area_id": str})
        values = [
            c["column"]
            for c in manifest["indicators"]
            if c.get("role") in ("count", "rate") and c["column"] in layer
        ]
        own = units[column].astype(str)
        n = own[own != ""].value_counts()
        big = n[n >= min_units]
        frame = layer.set_index("area_id").reindex(big.index)
        shown = frame["status"] == "published"
        ok = shown & frame[values].notna().all(axis=1)
        total += int(big.sum())
        published += int(big[shown.to_numpy()].sum())
        with_values += int(big[ok.to_numpy()].sum())
        withheld += int((~ok).sum())
    pct = 100.0 * with_values / total if total else 100.0
    shown_pct = 100.0 * published / total if total else 100.0
    return {
        "units": total,
        "with_values_pct": round(pct, 2),
        "published_pct": round(shown_pct, 2),
        "withheld": withheld,
    }


def summarise(name: str, release: Path) -> dict[str, float | int | None]:
    """Print the loss of one release; return its key figures."""
    from zicht.check import check_release
    from zicht.export import internal_dir_for

    summary = json.loads((release / "run_summary.json").read_text(encoding="utf-8"))
    loss = summary["information_loss"]["layers"]
    print(f"\n== {name}")
    blank = 0
    h3_pct = None
    hellinger = []
    for layer, figures in loss.items():
        for column, c in figures["columns"].items():
            withheld = {k: v for k, v in c["withheld"].items() if k not in ("merged", "suppressed")}
            blank += sum(withheld.values())
            print(
                f"  {layer:10s} {column:38s} {c['with_value']:6,}/{c['features']:<6,} "
                f"withheld {c['withheld']} units {c['units_with_value_pct']} % "
                f"dev {c.get('mean_abs_dev', c.get('mean_abs_dev_points'))} "
                f"rel {c['mean_rel_dev_pct']} % H {c.get('hellinger')}"
            )
            if layer == "h3" and c["units_with_value_pct"] is not None:
                h3_pct = min(h3_pct or 100, c["units_with_value_pct"])
            if layer == "buurt" and c.get("hellinger") is not None:
                hellinger.append(c["hellinger"])
    big = big_area_utility(release)
    report = check_release(release, internal_dir_for(release) / "units.parquet")
    print(
        f"  areas passing the threshold: {big['units']:,} units, {big['published_pct']} % in "
        f"published areas, {big['with_values_pct']} % in areas with every value, "
        f"{big['withheld']} such areas without; "
        f"zicht check: {'passed' if report.ok else 'FAILED'}"
    )
    return {
        "big_pct": big["with_values_pct"],
        "big_published_pct": big["published_pct"],
        "big_withheld": big["withheld"],
        "blank": blank,
        "h3_pct": h3_pct,
        "hellinger": max(hellinger) if hellinger else None,
        "failed": int(not report.ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench_loss")
    parser.add_argument("--reuse", action="store_true", help="measure releases in --out")
    args = parser.parse_args()
    started = time.perf_counter()
    failed: list[str] = []
    if args.reuse:
        folders = {p.name: p for p in sorted(args.out.iterdir()) if (p / "manifest.json").is_file()}
    else:
        folders, failed = make_releases(args.out)
    if failed:
        print(f"runs that failed: {failed}")
    rows = {name: summarise(name, path) for name, path in folders.items()}
    seconds = time.perf_counter() - started
    h3 = [r["h3_pct"] for r in rows.values() if r["h3_pct"] is not None]
    hel = [r["hellinger"] for r in rows.values() if r["hellinger"] is not None]
    print(
        f"RESULT releases={len(rows)} "
        f"big_units_published_pct={min(r['big_published_pct'] for r in rows.values()):.2f} "
        f"big_units_with_values_pct={min(r['big_pct'] for r in rows.values()):.2f} "
        f"big_withheld={sum(r['big_withheld'] for r in rows.values())} "
        f"published_without_value={sum(r['blank'] for r in rows.values())} "
        f"h3_units_with_value_pct={min(h3) if h3 else 'na'} "
        f"buurt_hellinger_max={max(hel) if hel else 'na'} "
        f"check_failures={sum(r['failed'] for r in rows.values())} "
        f"run_failures={len(failed)} seconds={seconds:.0f}"
    )


if __name__ == "__main__":
    main()
