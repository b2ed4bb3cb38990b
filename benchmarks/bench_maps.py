"""Time and weigh the six shipped maps (the demo and the five worked examples) in Chromium.

    .venv/bin/python benchmarks/bench_maps.py [--out out/bench_maps] [--runs 3] [--reuse]
        [--compare old/risk_map.html]

Writes the demo's map (``zicht demo``) and each example's (its generator, then the pipeline
on its ``config.toml``, as ``make examples`` does) into ``--out``, unless ``--reuse`` finds
them there already. Each map is then opened offline in headless Chromium (Debian's
``/usr/bin/chromium``), ``--runs`` times in a fresh browser context, and measured:

* ``ready``: the page's own clock (``performance.now()``, zero at the start of navigation)
  when, after the ``load`` event, the next frame has been painted with the first theme's areas
  in it (the map can be panned, hovered and clicked from then on);
* ``wall``: the same moment seen from Python, from before the browser context is made: it adds
  playwright's and the context's own start-up, which no page can change;
* ``heap``: the JavaScript heap in use after a forced garbage collection (Chromium's
  ``JSHeapUsedSize`` through the DevTools protocol), and the number of DOM nodes;
* ``layers``: how many Leaflet layers (paths, tooltips, groups) the page has built by then,
  for a hidden theme or not, counted through Leaflet's init hooks;
* the file size.

Prints one line per map (medians over the runs) and ends with one RESULT line; the demo's
figures are the ones the issue's target is about (ready < 1 s, heap < half of before).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("holiday_parks", "real_estate", "drugs", "care_providers", "youth")
sys.path.insert(0, str(ROOT / "src"))

_LAYERS = "() => window.zichtLayersBuilt"


def _zicht(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "zicht", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"zicht {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _python(script: Path) -> None:
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed:\n{done.stderr}")


def _run(config: Path, out: Path) -> None:
    # The pipeline itself, as the example tests call it (``zicht run`` checks the inputs
    # first; the map is the same).
    code = "import sys; from zicht.config import load_config; from zicht.pipeline import run; "
    code += "run(load_config(sys.argv[1]), sys.argv[2])"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(config), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the run of {config} failed:\n{done.stderr}")


def build_maps(out: Path, *, reuse: bool) -> dict[str, Path]:
    """Write the six maps into ``out`` (or find them there); return them by name."""
    maps = {"demo": out / "demo" / "risk_map.html"}
    maps |= {theme: out / theme / "risk_map.html" for theme in EXAMPLES}
    if reuse and all(p.is_file() for p in maps.values()):
        return maps
    _zicht("demo", "--out", str(out / "demo"))
    store = ROOT / "examples" / "holiday_parks" / "data" / "store" / "parks.gpkg"
    if store.parent.exists():
        for old in store.parent.iterdir():
            old.unlink()
    derive = ROOT / "examples" / "holiday_parks" / "data" / "derive"
    _zicht("parks", "derive", "--source", "synthetic", "--out", str(derive), "--store", str(store))
    for theme in EXAMPLES:
        _python(ROOT / "examples" / theme / "generate.py")
        _run(ROOT / "examples" / theme / "config.toml", out / theme)
    return maps


def measure(browser: object, path: Path) -> dict[str, float]:
    """Open ``path`` once in a fresh offline context; return its timings and sizes."""
    from zicht.maps._browser import COUNT_LEAFLET_LAYERS, MARK_READY, open_offline

    started = time.perf_counter()
    with open_offline(
        path, browser=browser, width=1280, height=860, init_script=COUNT_LEAFLET_LAYERS + MARK_READY
    ) as seen:
        page = seen.page
        page.wait_for_function("() => window.zichtReady !== undefined", timeout=30_000)
        wall = time.perf_counter() - started
        ready = page.evaluate("() => window.zichtReady") / 1000
        if not page.evaluate("() => window.zichtAreasAtReady"):
            raise SystemExit(f"{path}: no area was drawn when the page said it was ready")
        if seen.blocked or seen.failed or seen.errors:
            raise SystemExit(f"{path} did not open cleanly: {seen.blocked + seen.errors}")
        cdp = page.context.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        layers = page.evaluate(_LAYERS)
    return {
        "ready_s": ready,
        "wall_s": wall,
        "heap_mb": metrics["JSHeapUsedSize"] / 1e6,
        "nodes": metrics["Nodes"],
        "layers": layers,
    }


def _line(name: str, med: dict[str, float]) -> str:
    return (
        f"{name:15s} ready {med['ready_s']:.2f} s (wall {med['wall_s']:.2f} s)  "
        f"heap {med['heap_mb']:.1f} MB  DOM nodes {med['nodes']:.0f}  "
        f"Leaflet layers {med['layers']:.0f}  file {med['size_mb']:.2f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench_maps")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse maps already in --out")
    parser.add_argument(
        "--compare",
        type=Path,
        help="another map file (the demo written by an older zicht) measured in turn with the "
        "demo, run by run, so that both see the same load",
    )
    args = parser.parse_args()
    from zicht.maps._browser import launch_chromium

    maps = build_maps(args.out, reuse=args.reuse)
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results: dict[str, dict[str, float]] = {}
    with launch_chromium() as browser:
        for name, path in maps.items():
            pair = [path] + ([args.compare] if name == "demo" and args.compare else [])
            runs: dict[Path, list[dict[str, float]]] = {p: [] for p in pair}
            for _ in range(args.runs):
                for p in pair:
                    runs[p].append(measure(browser, p))
            for p, seen in runs.items():
                med = {k: statistics.median(r[k] for r in seen) for k in seen[0]}
                med["size_mb"] = p.stat().st_size / 1e6
                label = name if p == path else "compared"
                results[label] = med
                print(_line(label, med))
    print(f"load average: {os.getloadavg()[0]:.2f} at the end")
    demo = results.pop("demo")
    compared = results.pop("compared", None)
    results["demo"] = demo
    slowest = max(results, key=lambda n: results[n]["ready_s"])
    extra = ""
    if compared:
        extra = (
            f" compared_ready_s={compared['ready_s']:.2f} compared_heap_mb="
            f"{compared['heap_mb']:.1f} heap_ratio={demo['heap_mb'] / compared['heap_mb']:.2f}"
        )
    print(
        f"RESULT demo_ready_s={demo['ready_s']:.2f} demo_wall_s={demo['wall_s']:.2f} "
        f"demo_heap_mb={demo['heap_mb']:.1f} demo_layers={demo['layers']:.0f} "
        f"demo_size_mb={demo['size_mb']:.2f} slowest={slowest} "
        f"slowest_ready_s={results[slowest]['ready_s']:.2f} "
        f"total_size_mb={sum(r['size_mb'] for r in results.values()):.2f}{extra}"
    )


if __name__ == "__main__":
    main()
