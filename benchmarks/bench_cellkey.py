"""Benchmark: information loss of cell-key perturbation against suppression and rounding.

Run with ``make bench-cellkey`` or ``python benchmarks/bench_cellkey.py [--out DIR]``.

Data
    The demo (Ede, SYNTHETIC units generated from the demo's seed), run twice from the
    command line with the same config: once as shipped (``[rules]`` rounding to base 5,
    with its suppression and secondary protection) and once with ``method = "cell_key"``
    (defaults: ±2, variance 1). Only the hot-spot permutations are lowered (999 instead of
    9,999) to save time; they do not touch the counts. The cell-key secret is a fixed
    benchmark secret (set ``ZICHT_CELL_KEY_SECRET`` to use your own). Both releases are
    checked with ``zicht check``.

Measured (from each release's ``run_summary.json``, ``information_loss``; the release
measures itself against the unprotected figures)
    per layer and count or rate: features with a value, values withheld, mean absolute and
    relative deviation of the published values, and the Hellinger distance between the
    protected and the unprotected map of each count.

The last line is machine-readable::

    RESULT with_value_round=<n> with_value_cellkey=<n> mad_round=<x> mad_cellkey=<x>
    rel_round_pct=<x> rel_cellkey_pct=<x> hellinger_round=<x> hellinger_cellkey=<x>
    rate_mad_round=<x> rate_mad_cellkey=<x> cellkey_secondary_hidden=<n> checks=<PASS|FAIL>
    seconds=<s>

(sums of values with a value over every layer and count; deviations and Hellinger
distances are means over the layers and counts that report them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_SECRET = "zicht-bench-cellkey-synthetic-only"


def _config(out: Path, method: str) -> Path:
    text = (ROOT / "geodata" / "demo.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^geodata = "\."', f'geodata = "{(ROOT / "geodata").as_posix()}"', text)
    text = re.sub(r"(?m)^permutations = 9999", "permutations = 999", text)
    if method == "cell_key":
        text = re.sub(r"(?m)^\[rules\]\n", '[rules]\nmethod = "cell_key"\n', text)
    path = out / f"demo_{method}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _zicht(*args: str, env: dict[str, str]) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "zicht", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(f"FAILED (exit {done.returncode}): zicht {' '.join(args)}")
        print(done.stdout[-2000:], done.stderr[-2000:])
    return done.returncode == 0


def _loss(folder: Path) -> dict:
    summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
    return summary["information_loss"]["layers"]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _figures(layers: dict) -> dict[str, float | int | None]:
    with_value, mad, rel, hell, rate_mad = 0, [], [], [], []
    for spec in layers.values():
        for col, c in spec["columns"].items():
            if col.startswith("n_"):
                with_value += c["with_value"]
                if c.get("mean_abs_dev") is not None:
                    mad.append(c["mean_abs_dev"])
                if c.get("mean_rel_dev_pct") is not None:
                    rel.append(c["mean_rel_dev_pct"])
                if c.get("hellinger") is not None:
                    hell.append(c["hellinger"])
            elif c.get("mean_abs_dev_points") is not None:
                rate_mad.append(c["mean_abs_dev_points"])
    return {
        "with_value": with_value,
        "mad": _mean(mad),
        "rel_pct": _mean(rel),
        "hellinger": _mean(hell),
        "rate_mad": _mean(rate_mad),
    }


def _shown(value: object) -> str:
    return "–" if value is None else str(value)


def _table(loss: dict[str, dict]) -> None:
    print(f"{'layer':8} {'column':34} {'method':9} {'value':>6} {'MAD':>6} {'rel %':>6} {'H':>5}")
    for layer, spec in loss["round"].items():
        for col in spec["columns"]:
            for method in ("round", "cell_key"):
                c = loss[method].get(layer, {}).get("columns", {}).get(col, {})
                mad = c.get("mean_abs_dev", c.get("mean_abs_dev_points"))
                print(
                    f"{layer:8} {col:34} {method:9} {_shown(c.get('with_value')):>6} "
                    f"{_shown(mad):>6} {_shown(c.get('mean_rel_dev_pct')):>6} "
                    f"{_shown(c.get('hellinger')):>5}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the two releases")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_cellkey_"))
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.setdefault("ZICHT_CELL_KEY_SECRET", BENCH_SECRET)
    started = time.perf_counter()
    loss, checks, hidden = {}, True, 0
    for method in ("round", "cell_key"):
        folder = out / method
        t0 = time.perf_counter()
        if not _zicht("run", str(_config(out, method)), "--out", str(folder), env=env):
            print("RESULT run_failed=1")
            return 1
        units = folder.parent / f"{folder.name}_internal" / "units.parquet"
        checks &= _zicht("check", str(folder), "--units", str(units), env=env)
        print(f"{method}: run and check {time.perf_counter() - t0:.1f} s -> {folder}")
        loss[method] = _loss(folder)
        if method == "cell_key":
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            hidden = int(manifest["disclosure"]["cell_key"]["secondary_hidden"])
    _table(loss)
    r, c = _figures(loss["round"]), _figures(loss["cell_key"])
    seconds = time.perf_counter() - started
    print(
        f"RESULT with_value_round={r['with_value']} with_value_cellkey={c['with_value']} "
        f"mad_round={r['mad']} mad_cellkey={c['mad']} rel_round_pct={r['rel_pct']} "
        f"rel_cellkey_pct={c['rel_pct']} hellinger_round={r['hellinger']} "
        f"hellinger_cellkey={c['hellinger']} rate_mad_round={r['rate_mad']} "
        f"rate_mad_cellkey={c['rate_mad']} cellkey_secondary_hidden={hidden} "
        f"checks={'PASS' if checks else 'FAIL'} seconds={seconds:.0f}"
    )
    return 0 if checks else 1


if __name__ == "__main__":
    raise SystemExit(main())
