"""Small provenance helpers of a run: the synthetic label, a file's date and hash.

Moved out of :mod:`zicht.pipeline` to keep it under the line cap; the pipeline's run
metadata uses them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from zicht._strings import catalogue, text
from zicht.config import RunConfig
from zicht.export import file_sha256

__all__ = ["file_date", "file_sha", "synthetic_note"]


def synthetic_note(config: RunConfig) -> str:
    """Return the label every output of a synthetic run carries ("" for real data).

    In ``[map] language`` (Dutch by default), from the string catalogue (``report.toml``),
    the same words the run report opens with.
    """
    units = config.inputs.units
    language = config.map.language
    if units.source == "synthetic":
        return text("report", "synthetic_generated", language)
    if units.synthetic:
        level = catalogue("report", language).get(f"level_{units.level}", units.level)
        return text(
            "report", "synthetic_declared", language, file=Path(units.path).name, level=level
        )
    return ""


def file_date(source: str | Path) -> str | None:
    """Return the day a file was last written (ISO), or None when it is not a file."""
    path = Path(source)
    if not path.is_file():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def file_sha(source: str) -> str | None:
    """Return a file's SHA-256, or None when it is not a file."""
    path = Path(source)
    return file_sha256(path) if path.is_file() else None
