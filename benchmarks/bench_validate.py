"""Time `zicht validate` as a user runs it (a fresh process) on the demo and a newcomer's files.

    .venv/bin/python benchmarks/bench_validate.py

Prints each wall time, then one RESULT line with the medians in seconds. The issue's target
is under 3 s on the demo; the machine's load is printed beside it, as shared cores slow
both the imports and the reading.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZICHT = Path(sys.executable).with_name("zicht")
sys.path.insert(0, str(ROOT / "tests"))


def _time(config: Path, cwd: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [str(ZICHT), "validate", str(config)], cwd=cwd, capture_output=True, text=True
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"validate failed on {config}:\n{done.stderr}")
    print(f"{config.name}: " + ", ".join(f"{t:.2f} s" for t in times))
    return statistics.median(times)


def main() -> None:
    from newcomer_fixtures import newcomer

    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    demo = _time(ROOT / "geodata" / "demo.toml", ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        files = newcomer(Path(tmp))
        own = _time(files.config, Path(tmp))
    print(f"RESULT validate_demo_s={demo:.2f} validate_newcomer_s={own:.2f}")


if __name__ == "__main__":
    main()
