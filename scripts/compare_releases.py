"""Compare two trees of release folders file by file, apart from timestamps and timings.

Used to show that a refactoring changed no output: run the demo and the worked examples
before and after, then

    python scripts/compare_releases.py BEFORE_DIR AFTER_DIR

(add ``--before-root`` and ``--after-root`` when the two were run in different checkouts:
manifests name their input files with absolute paths).

Every file present on either side is compared. Text files (CSV, Markdown, JSON, HTML) are
compared after replacing what legitimately changes between two runs of the same config:
ISO timestamps, wall-clock seconds, and the SHA-256 and byte size of files that contain
those (a manifest lists them). GeoPackages are compared layer by layer as tables (their
SQLite metadata holds a write time); Parquet files as tables. Exit status 0 when every file
matches, 1 otherwise, with one line per difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")
SECONDS_MD = re.compile(r"built in [0-9.]+ s")
#: JSON keys whose values are timings or depend on timestamped files.
VOLATILE_KEYS = {"created", "written", "seconds", "sha256", "bytes", "timings", "started"}


def _scrub(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: ("<volatile>" if k in VOLATILE_KEYS or k.endswith("_seconds") else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return TIMESTAMP.sub("<time>", value)
    return value


def _text(path: Path, root: str | None) -> str:
    text = path.read_text(encoding="utf-8")
    if root:
        text = text.replace(root.rstrip("/"), "<root>")
    if path.suffix == ".json":
        return json.dumps(_scrub(json.loads(text)), indent=1, sort_keys=True)
    text = TIMESTAMP.sub("<time>", text)
    return SECONDS_MD.sub("built in <s> s", text)


def _tables(path: Path) -> dict[str, object]:
    import pandas as pd
    import pyogrio
    import shapely

    if path.suffix == ".parquet":
        return {"": pd.read_parquet(path)}
    frames = {}
    for name, _ in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=name)
        table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        if "geometry" in frame:
            table["geometry_wkb"] = shapely.to_wkb(frame["geometry"].to_numpy())
        frames[str(name)] = table
    return frames


def _same_tables(a: Path, b: Path) -> str | None:
    ta, tb = _tables(a), _tables(b)
    if set(ta) != set(tb):
        return f"layers {sorted(ta)} vs {sorted(tb)}"
    for name in ta:
        fa, fb = ta[name], tb[name]
        try:
            import pandas.testing as pdt

            pdt.assert_frame_equal(fa, fb, check_exact=True)  # type: ignore[arg-type]
        except AssertionError as exc:
            return f"layer {name!r}: {str(exc).splitlines()[0]}"
    return None


def compare(
    before: Path, after: Path, roots: tuple[str | None, str | None] = (None, None)
) -> list[str]:
    """Return one line per file that differs between the two trees."""
    files_a = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    files_b = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    problems = [f"only in {before}: {p}" for p in sorted(files_a - files_b)]
    problems += [f"only in {after}: {p}" for p in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        a, b = before / rel, after / rel
        if a.read_bytes() == b.read_bytes():
            continue
        if a.suffix in {".gpkg", ".parquet"}:
            why = _same_tables(a, b)
        elif a.suffix in {".csv", ".md", ".json", ".html", ".txt"}:
            why = None if _text(a, roots[0]) == _text(b, roots[1]) else "text differs"
        else:
            why = "bytes differ"
        if why:
            problems.append(f"{rel}: {why}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--before-root", help="checkout the BEFORE runs were made in")
    parser.add_argument("--after-root", help="checkout the AFTER runs were made in")
    args = parser.parse_args(argv)
    problems = compare(args.before, args.after, (args.before_root, args.after_root))
    n = sum(1 for p in args.before.rglob("*") if p.is_file())
    for line in problems:
        print(line)
    print(f"RESULT files={n} differing={len(problems)} identical={str(not problems).lower()}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
