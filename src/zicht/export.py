"""Writing a :class:`~zicht.publish.Release` to files: GeoPackage, CSV and manifest.

Like the map writer, these functions accept only a ``Release``, so nothing that skipped
disclosure control can be written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from zicht.publish import Release

__all__ = ["file_sha256", "write_release"]


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file (for the manifest's input hashes)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def write_release(release: Release, out_dir: str | Path) -> dict[str, Path]:
    """Write the release bundle: ``release.gpkg``, one CSV per layer, ``manifest.json``.

    Parameters
    ----------
    release
        The checked statistics.
    out_dir
        Folder to write into (created if needed).

    Returns
    -------
    dict of str to Path
        Every file written, by role.

    Raises
    ------
    TypeError
        If ``release`` is not a :class:`Release`.
    """
    if not isinstance(release, Release):
        raise TypeError(
            f"write_release accepts only a zicht.publish.Release, got {type(release).__name__}"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "release.gpkg"
    gpkg.unlink(missing_ok=True)
    written: dict[str, Path] = {"geopackage": gpkg}
    for name, frame in release.layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
        csv = out / f"{name}.csv"
        pd.DataFrame(frame.drop(columns="geometry")).to_csv(csv, index=False)
        written[f"csv:{name}"] = csv
    for name, frame in release.context.items():
        frame.to_file(gpkg, layer=f"context_{name}", driver="GPKG")
    manifest = {
        "metadata": _jsonable(dict(release.metadata)),
        "rules": asdict(release.rules),
        "indicators": [asdict(m) for m in release.indicators],
        "layers": {
            name: {
                "features": len(frame),
                "published": int((frame["status"] == "published").sum()),
                "suppressed": int((frame["status"] == "suppressed").sum()),
            }
            for name, frame in release.layers.items()
        },
        "context_layers": sorted(release.context),
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    written["manifest"] = manifest_path
    return written
