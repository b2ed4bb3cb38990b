"""Where the shipped data live: light on purpose (only :mod:`pathlib`).

The configuration resolves its default ``inputs.geodata`` here while it loads, so this module
must not pull in the readers' geopandas, pyogrio or shapely.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_geodata_dir"]


def default_geodata_dir() -> Path:
    """Return the ``geodata/`` folder of the source tree (the shipped real data)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "geodata"
        if (candidate / "cbs").is_dir():
            return candidate
    return Path.cwd() / "geodata"
