"""The pipeline's writing step: every output into the locked stage, checked, then moved in.

Part of :mod:`zicht.pipeline`: :func:`_write_whole` writes the register draft, the report,
the catalogue, the release and the map (:func:`_write_outputs`) and the internal files,
runs the checker's code path on the staged folder and commits it (docs/publication.md,
"Whole or nothing").
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zicht.export import (
    ReleaseStage,
    RunRecord,
    RunSummary,
    kill_point,
    write_internal_files,
    write_register,
    write_release,
    write_run_manifest,
    write_run_report,
)
from zicht.indicators import write_catalogue
from zicht.maps import write_gemeente_pages, write_map
from zicht.publish import UnitTable

#: A check ``then(release_dir, units)`` of the staged folder (the release history's hook).
Then = Callable[[Path, Path], None] | None


def _write_whole(
    record: RunRecord, unit_table: UnitTable, stage: ReleaseStage, started: float, then: Then
) -> tuple[RunSummary, dict[str, Path]]:
    """Write every output into the locked stage beside ``--out``, check it, then move it in.

    Nothing counts as a release before the checker's code path has passed the files
    exactly as a reader gets them (docs/publication.md, "Whole or nothing").
    """
    assert stage.internal is not None  # staged with internal files (the default)
    paths = _write_outputs(record, stage.out)
    # The unit-level file for `zicht check` and the audit log stay outside the release.
    internal = write_internal_files(record.release, unit_table, stage.internal)
    summary = RunSummary.of(record, time.perf_counter() - started)
    paths["summary"] = _write_json(stage.out / "run_summary.json", summary.to_dict())
    paths["run_manifest"] = write_run_manifest(record, paths, stage.out)
    paths.update({f"internal_{role}": path for role, path in internal.items()})
    kill_point("written")
    internal_run = record.config.rules.purpose == "internal"  # marked NIET VOOR PUBLICATIE
    stage.verify(internal["units"], allow_internal=internal_run, then=then)
    stage.commit()
    return summary, {role: stage.final_path(p) for role, p in paths.items()}


def _write_outputs(record: RunRecord, out: Path) -> dict[str, Path]:
    """Write the register draft, the report and the catalogue first, then the release and map."""
    config = record.config
    release = record.release
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths.update(write_register(record, out))
    paths["report"] = write_run_report(record, out)
    paths["indicators"] = write_catalogue(
        out / "indicators.md",
        config.indicators,
        config.composite,
        source=config.source,
        language=config.map.language,
    )
    if record.proxy_screen is not None:
        paths["proxy_screen"] = _write_json(
            out / "proxy_screen.json", record.proxy_screen.to_dict()
        )
    paths["config"] = _write_json(out / "config.json", config.to_dict())
    paths.update(write_release(release, out, language=config.map.language))
    options = config.map.options()
    tiles = None if config.map.tiles == "none" else config.map.tiles
    if config.map.pages == "gemeente":  # the overview links to one page per gemeente
        paths.update(write_gemeente_pages(release, out, tiles=tiles, options=options))
    else:
        paths["map"] = write_map(release, out / "risk_map.html", tiles=tiles, options=options)
    return paths


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
