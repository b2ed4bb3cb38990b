"""Benchmark: how long a user waits for ``zicht --help`` and for a config error.

Run with ``make bench-start`` (or ``python benchmarks/bench_start.py``). Each command runs in a
fresh interpreter, ``--repeat`` times (default 5); the wall time of each run and the median are
printed. A third figure is the import time of the config error as ``python -X importtime``
reports it (the sum of every module's own time), which is less sensitive to a busy machine.

The commands
    * ``zicht --help``;
    * ``zicht run BAD.toml --out …`` where ``BAD.toml`` has a misspelt top-level key, the first
      mistake a newcomer makes; it must fail with the config error's exit code.

The target is under one second for both on the development machine. The last line is
machine-readable::

    RESULT help_median_s=<s> config_error_median_s=<s> config_error_import_s=<s>
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAD_CONFIG = 'title = "Ede"\ngemeente = "GM0228"\nstudy_area = "Ede"\n'
CONFIG_ERROR_EXIT = 2  # zicht.ConfigError.exit_code (not imported: this script must stay light)


def _timed(args: list[str], expect: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != expect:
        raise SystemExit(f"{args} exited {done.returncode}, expected {expect}:\n{done.stderr}")
    return seconds


def _import_seconds(args: list[str]) -> float:
    """The sum of every module's own import time (``-X importtime``), in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=False
    )
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            total += int(line.split(":", 1)[1].split("|", 1)[0])
    return total / 1e6


def main(argv: list[str] | None = None) -> int:
    """Time both commands and print one RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "zicht"]
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "run.toml"
        bad.write_text(BAD_CONFIG, encoding="utf-8")
        run_bad = [*cli, "run", str(bad), "--out", str(Path(tmp) / "out")]
        _timed([*cli, "--help"], 0)  # warm the file cache once, not counted
        helps = [_timed([*cli, "--help"], 0) for _ in range(args.repeat)]
        errors = [_timed(run_bad, CONFIG_ERROR_EXIT) for _ in range(args.repeat)]
        imports = _import_seconds(["-m", "zicht", "run", str(bad), "--out", str(Path(tmp) / "o")])
    print("zicht --help           :", " ".join(f"{s:.2f}" for s in helps), "s")
    print("zicht run (bad config) :", " ".join(f"{s:.2f}" for s in errors), "s")
    print(f"imports of the config error (-X importtime, sum of self): {imports:.3f} s")
    print(
        f"RESULT help_median_s={statistics.median(helps):.3f} "
        f"config_error_median_s={statistics.median(errors):.3f} "
        f"config_error_import_s={imports:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
