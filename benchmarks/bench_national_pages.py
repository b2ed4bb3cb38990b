"""Benchmark: the national dashboard's pages, written and opened.

    python benchmarks/bench_national_pages.py [--data data/national] [--size 1] [--runs 3]

Runs ``geodata/national.toml`` (``[map] pages = "gemeente"``) on a subset of the synthetic
national set (``--size`` as in ``bench_national.py``: ``1`` is Gelderland, 1.02 M points;
``all`` the country) up to its release, then times ``write_gemeente_pages`` on it: the work
done once for the whole release (``share_release``: web geometry, where texts, GeoJSON,
labels), the overview, and the gemeente pages (written by worker processes when there are
many). The run stops there (the release check and the rest are ``bench_national.py``'s).

The overview, the largest and the median gemeente page (of those with a value to show) are
then opened offline in headless Chromium as ``bench_maps.py`` opens the shipped maps
(``ready``: the page's own clock when the first theme's areas are painted after ``load``;
issue 15's target is under 1 s).

Ends with::

    RESULT pages=<n> share_s=<s> overview_s=<s> pages_s=<s> page_s=<s per page>
        cpu_s=<CPU s of the call, every process> overview_mb=<m> largest_page_mb=<m>
        median_page_mb=<m>
        overview_ready_s=<s> largest_ready_s=<s> median_ready_s=<s> ready_met=<b>

The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_READY_S = 1.0


class _PagesWrittenError(Exception):
    """Raised by the hook once the pages are written: the rest of the run is not timed."""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_pages(size: str, data: Path, tmp: Path) -> dict:
    """Run the national config up to its release; time write_gemeente_pages on it."""
    import bench_national

    import zicht.maps._national as national
    import zicht.pipeline
    from zicht.config import load_config

    folder = tmp / "addresses"
    folder.mkdir()
    for file in sorted((data / "addresses").glob("*.parquet")):
        names = bench_national.SIZES[size]
        if names is None or file.stem in names:
            (folder / file.name).symlink_to(file.resolve())
    config = bench_national._config_for(folder, tmp)
    figures: dict = {}
    real_write, real_share, real_page = (
        national.write_gemeente_pages,
        national.share_release,
        national.write_page,
    )

    def share(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_share(*args, **kwargs)
        finally:
            figures["share_s"] = time.perf_counter() - started

    def page(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_page(*args, **kwargs)
        finally:  # the overview is written by this process, the pages maybe by workers
            figures.setdefault("overview_s", time.perf_counter() - started)

    def hook(release, out, **kwargs):
        import mapclassify  # noqa: F401  (imported once by any run; not a page's cost)

        national.share_release, national.write_page = share, page
        load = os.getloadavg()[0]
        cpu, started = _cpu(), time.perf_counter()
        try:
            figures["paths"] = real_write(release, out, **kwargs)
        finally:
            national.share_release, national.write_page = real_share, real_page
        figures["seconds"] = time.perf_counter() - started
        figures["cpu_s"] = _cpu() - cpu
        figures["load"] = (load, os.getloadavg()[0])
        # the run's staging folder goes when the run stops: keep the pages
        kept = tmp / "pages"
        shutil.copytree(Path(out), kept)
        figures["paths"] = {k: kept / p.relative_to(out) for k, p in figures["paths"].items()}
        raise _PagesWrittenError

    # The pipeline's own binding of write_gemeente_pages, wherever its modules keep it.
    bound = [
        m
        for name, m in list(sys.modules.items())
        if name.startswith(("zicht.pipeline", "zicht._run"))
        and getattr(m, "write_gemeente_pages", None)
    ]
    for module in bound:
        module.write_gemeente_pages = hook
    try:
        zicht.pipeline.run(load_config(config), tmp / "out")
    except _PagesWrittenError:
        pass
    finally:
        for module in bound:
            module.write_gemeente_pages = real_write
    if "paths" not in figures:
        raise SystemExit("the run did not reach write_gemeente_pages")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "national")
    parser.add_argument("--size", default="1", help="1, 2, 4 or all (see bench_national.py)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not any((args.data / "addresses").glob("*.parquet")):
        print(f"no national set in {args.data}; run `make national` first", file=sys.stderr)
        return 2
    from bench_maps import measure

    from zicht.maps._browser import launch_chromium

    with tempfile.TemporaryDirectory() as tmp:
        got = write_pages(args.size, args.data, Path(tmp))
        paths = got["paths"]
        overview = paths.pop("map")
        pages = sorted(paths.values(), key=lambda p: p.stat().st_size)
        n = len(pages)
        pages_s = got["seconds"] - got["share_s"] - got["overview_s"]
        print(
            f"{n} gemeente pages: {got['seconds']:.1f} s in all (load {got['load'][0]:.1f} before, "
            f"{got['load'][1]:.1f} after) of which the shared work {got['share_s']:.1f} s, the "
            f"overview {got['overview_s']:.2f} s, the pages {pages_s:.1f} s "
            f"({pages_s / n:.3f} s a page); {got['cpu_s']:.1f} CPU s in all processes"
        )
        # a gemeente without units in a subset of the country has no value to show (every
        # area suppressed): the median is that of the pages with a value
        valued = [p for p in pages if '"themes":{}' not in p.read_text(encoding="utf-8")]
        print(f"{len(valued)} of the pages show a value (the others: gemeenten without units)")
        shown = {"overview": overview, "largest": valued[-1], "median": valued[len(valued) // 2]}
        ready: dict[str, float] = {}
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        with launch_chromium() as browser:
            for label, path in shown.items():
                runs = [measure(browser, path) for _ in range(args.runs)]
                ready[label] = statistics.median(r["ready_s"] for r in runs)
                wall = statistics.median(r["wall_s"] for r in runs)
                heap = statistics.median(r["heap_mb"] for r in runs)
                print(
                    f"{label:9s} {path.name:14s} {path.stat().st_size / 1e6:6.2f} MB  ready "
                    f"{ready[label]:.2f} s (wall {wall:.2f} s)  heap {heap:.1f} MB"
                )
        print(f"load average: {os.getloadavg()[0]:.2f} at the end")
        mb = {k: p.stat().st_size / 1e6 for k, p in shown.items()}
        met = all(r < TARGET_READY_S for r in ready.values())
        print(
            f"RESULT pages={n} share_s={got['share_s']:.1f} overview_s={got['overview_s']:.2f} "
            f"pages_s={pages_s:.1f} page_s={pages_s / n:.3f} "
            f"cpu_s={got['cpu_s']:.1f} overview_mb={mb['overview']:.2f} "
            f"largest_page_mb={mb['largest']:.2f} median_page_mb={mb['median']:.2f} "
            f"overview_ready_s={ready['overview']:.2f} largest_ready_s={ready['largest']:.2f} "
            f"median_ready_s={ready['median']:.2f} ready_met={str(met).lower()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
