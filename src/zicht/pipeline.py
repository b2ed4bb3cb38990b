"""The pipeline: one call per stage, nothing else.

:func:`run` runs everything a TOML configuration describes: it reads the boundaries, the
parks and the unit table (synthetic in every shipped run), joins units to H3 cells and
buurten, computes the declared indicators per area, tests hot spots, applies disclosure
control, adds the composite index built from the published values, screens the indicators
for proxies of protected groups, and writes the release, the map, the run report and the
algorithm-register draft. :func:`run_demo` runs the shipped demo configuration.

The stages decide their own matters: disclosure control decides which levels the regions
nest in from the layers it is given (:meth:`zicht.publish.UnitTable.nested_for`) and adds
the composite without a second pass (:func:`zicht.publish.publish_derived`); the hot-spot
stage is given the tested indicator and the ``[stats]`` settings, and tests the rate those
name.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from zicht._run_join import _join
from zicht._run_publish import (
    Withhold,
    _metadata,
    _proxy_screen,
    _publish,
    _unit_table,
    _with_composite,
)
from zicht._run_stats import _atoms, _compute_layer, _hotspots
from zicht._run_write import Then, _write_whole
from zicht.config import (
    DEMO_CONFIG_PATH,
    DEMO_INDICATORS,
    RunConfig,
    input_paths,
    load_config,
    read_inputs,
    read_unit_table,
)
from zicht.export import RunRecord, RunSummary, staged_release
from zicht.indicators import CompositeResult
from zicht.ingest import LayerReport
from zicht.publish import Release, publish_magnitudes

__all__ = ["DEMO_INDICATORS", "RunResult", "read_study_area", "run", "run_demo"]


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    release
        The published statistics.
    summary
        Counts in, joined, published, suppressed, composite stability, and the time taken
        (``run_summary.json``).
    paths
        Every file written, by role.
    record
        Everything the report and the register draft were made from.
    """

    release: Release
    summary: RunSummary
    paths: dict[str, Path] = field(default_factory=dict)
    record: RunRecord | None = None


# --- inputs ----------------------------------------------------------------------------------


def _read_inputs(config: RunConfig) -> tuple[dict[str, gpd.GeoDataFrame], list[LayerReport]]:
    study = read_inputs(config)
    return study.layers, study.reports


def read_study_area(config: RunConfig | str | Path) -> dict[str, gpd.GeoDataFrame]:
    """Read the public layers of a configuration's study area, as :func:`run` reads them.

    For generators of synthetic units and notebooks that need the same boundaries as the run.

    Parameters
    ----------
    config
        The run configuration (its ``gemeente`` and ``[inputs]``), or the path of its TOML
        file.

    Returns
    -------
    dict of str to GeoDataFrame
        In EPSG:28992: ``"gemeente"``, ``"wijk"`` and ``"buurt"`` (``code``, ``name``, the
        source attributes), ``"parks"`` (park locations inside the study area),
        ``"all_parks"`` (every park location) and, with ``[inputs.park_areas]``, ``"park"``
        (the park boundaries in the study area).

    Raises
    ------
    InputError, SchemaError, CRSError, GeometryError
        As the readers of :mod:`zicht.ingest`.
    """
    if not isinstance(config, RunConfig):
        config = load_config(config)
    layers, _ = _read_inputs(config)
    return layers


# --- the run ---------------------------------------------------------------------------------


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Add per-column counts (e.g. the CBS sentinels of several read reports)."""
    out: dict[str, int] = {}
    for found in counts:
        for column, n in found.items():
            out[column] = out.get(column, 0) + int(n)
    return out


def _run_id(config: RunConfig) -> str:
    key = f"zicht:{config.study_area}:{config.seed}:{config.source_sha256}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:12]


def run(
    config: RunConfig, out_dir: str | Path, *, withhold: Withhold = None, then: Then = None
) -> RunResult:
    """Run the whole pipeline that ``config`` describes and write every output.

    Parameters
    ----------
    config
        The configuration, e.g. from :func:`zicht.config.load_config`.
    out_dir
        Folder for the outputs (created if needed). It is locked for the run and replaced
        whole, only once every file is written and passes the checker's code path; on any
        failure it is left as it was (docs/publication.md, "Whole or nothing").
    withhold, then
        The release history's hooks (docs/years.md): areas to withhold per layer with their
        reason, for :func:`zicht.publish.publish_release`; a check ``then(release_dir, units)``
        of the staged folder after the checker's, before the move.

    Returns
    -------
    RunResult
        The release, the run summary, the paths written and the run record.

    Raises
    ------
    ConfigError, ProfilingError, InputError, DisclosureError
        As the stages raise them; nothing is written before every check has passed.
    OutputError
        If another run holds the folder's lock, or ``out_dir`` is a file, a folder of
        other files, holds an input, or cannot be written beside.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    # The lock first: a second run into the same folder stops before it computes.
    with staged_release(out, inputs=input_paths(config)) as stage:
        layers, read_reports = _read_inputs(config)
        units, unit_reports = read_unit_table(config, layers)
        reports = [*read_reports, *unit_reports]
        joined, join_report = _join(config, units, layers, reports)
        # every row is counted by the join; the values the readers set to missing, here
        join_report.sentinels = _summed(r.sentinels for r in unit_reports)
        del units  # the join's output holds every column the later stages read
        unit_table = _unit_table(config, joined)
        # Counted per cell and area once; the layers' indicators come from these counts.
        atoms = _atoms(config, unit_table)
        if atoms is not None:
            joined = unit_table.frame  # nothing later reads the other unit columns
        stats = {
            name: _compute_layer(name, config, joined, layers, atoms) for name in config.map.layers
        }
        masked = {name: dict(s.attrs.get("masked", {})) for name, s in stats.items()}
        hotspot: dict[str, Any] | None = None
        if "h3" in stats:
            stats["h3"], hotspot = _hotspots(stats["h3"], config.hotspot_spec(), config.stats)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        run_id = _run_id(config)
        metadata = _metadata(config, run_id, created, reports, join_report, hotspot)
        release = _publish(config, stats, layers, metadata, unit_table, withhold)
        if config.magnitudes:
            release = publish_magnitudes(release, unit_table, config.magnitudes)
        composites: dict[str, CompositeResult] = {}
        if config.composite.enabled:
            release, composites = _with_composite(config, release)
        screen = _proxy_screen(config, release, joined, layers, atoms)

        record = RunRecord(
            config=config,
            release=release,
            run_id=run_id,
            created=created,
            study_area_name=", ".join(layers["gemeente"]["name"].astype("str")),
            synthetic=config.synthetic,
            units={
                "rows_in": join_report.rows_in,
                "joined": join_report.joined,
                "not_joined": dict(join_report.not_joined),
                **({"sentinels": dict(join_report.sentinels)} if join_report.sentinels else {}),
                "level": config.inputs.units.level,
                "source": "synthetic"
                if config.inputs.units.source == "synthetic"
                else str(config.inputs.units.path),
            },
            hotspot=hotspot,
            composites=composites,
            proxy_screen=screen,
            masked=masked,
            inputs={r.layer: r.to_dict() for r in reports},
        )
        summary, paths = _write_whole(record, unit_table, stage, started, then)
    return RunResult(release=release, summary=summary, paths=paths, record=record)


def run_demo(config: RunConfig | None = None, out_dir: str | Path = "out/demo") -> RunResult:
    """Run the shipped demo configuration (``geodata/demo.toml``, gemeente Ede).

    Parameters
    ----------
    config
        Settings; defaults to the shipped demo configuration.
    out_dir
        Folder for the outputs.

    Returns
    -------
    RunResult
        The release, the run summary and the paths written.
    """
    return run(config or load_config(DEMO_CONFIG_PATH), out_dir)
