"""Kernel density at national-scale unit counts: memory with and without chunking.

Each variant runs in a fresh Python process (so its peak resident memory is its own): SYNTHETIC
places spread uniformly over a square of ``--side-km`` (default 60 km, about a province), and
features (``--features``, the risk factor's places) in the same square. ``chunk_size = n``
forms every (place, feature) pair within the radius at once, as zicht did before; the default
chunk forms them one chunk of places at a time. The densities must be equal.

    make bench-density            # 3 million places, 50,000 features, radius 500 m

The last line is ``RESULT units=… features=… radius_m=… seconds_chunked=… peak_mb_chunked=…
seconds_whole=… peak_mb_whole=… equal=…``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
import numpy as np
from zicht.indicators import kernel_density
n, m, side, radius, chunk = (float(a) for a in sys.argv[1:6])
rng = np.random.default_rng(19)
places = rng.uniform(0, side, size=(int(n), 2))
features = rng.uniform(0, side, size=(int(m), 2))
start = time.perf_counter()
density = kernel_density(places, features, radius, chunk_size=int(chunk))
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "checksum": float(np.nansum(density)),
                  "mean": float(np.nanmean(density))}))
"""


def _run(n: int, m: int, side_m: float, radius: float, chunk: int) -> dict[str, float]:
    args = [str(v) for v in (n, m, side_m, radius, chunk)]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3_000_000)
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--side-km", type=float, default=60.0)
    parser.add_argument("--radius", type=float, default=500.0)
    parser.add_argument("--chunk", type=int, default=100_000)
    a = parser.parse_args()
    side = a.side_km * 1000
    chunked = _run(a.units, a.features, side, a.radius, a.chunk)
    whole = _run(a.units, a.features, side, a.radius, a.units)
    equal = abs(chunked["checksum"] - whole["checksum"]) <= 1e-9 * abs(whole["checksum"])
    print(f"{a.units:,} SYNTHETIC places, {a.features:,} features, radius {a.radius:g} m")
    for name, r in (("chunked", chunked), ("whole", whole)):
        print(f"  {name:8s} {r['seconds']:7.2f} s  peak {r['peak_mb']:8.0f} MB")
    print(f"  densities equal: {equal} (mean {chunked['mean']:.3f} per km²)")
    print(
        f"RESULT units={a.units} features={a.features} radius_m={a.radius:g} "
        f"chunk={a.chunk} seconds_chunked={chunked['seconds']:.2f} "
        f"peak_mb_chunked={chunked['peak_mb']:.0f} seconds_whole={whole['seconds']:.2f} "
        f"peak_mb_whole={whole['peak_mb']:.0f} equal={str(equal).lower()}"
    )


if __name__ == "__main__":
    main()
