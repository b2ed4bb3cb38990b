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

import json
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import ConfigError, ProfilingError
from zicht._provenance import file_date, file_sha, synthetic_note
from zicht._version import __version__
from zicht.config import (
    DEMO_CONFIG_PATH,
    DEMO_INDICATORS,
    RunConfig,
    StatsConfig,
    check_join,
    input_paths,
    load_config,
    read_inputs,
    read_unit_table,
)
from zicht.export import (
    ReleaseStage,
    RunRecord,
    RunSummary,
    kill_point,
    staged_release,
    write_internal_files,
    write_register,
    write_release,
    write_run_manifest,
    write_run_report,
)
from zicht.guard import ProxyScreen, check_names, read_reference_shares, screen_proxies
from zicht.index import (
    JoinReport,
    area_index,
    assign_areas,
    cells_to_polygons,
    h3_to_str,
    join_arrays,
    join_units,
    key_columns,
    prepare_join,
    ranks_to_str,
)
from zicht.indicators import (
    COMPOSITE_COLUMNS,
    CompositeResult,
    IndicatorSpec,
    composite_columns,
    composite_index,
    compute_indicators,
    indicator_columns,
    write_catalogue,
)
from zicht.ingest import LayerReport
from zicht.maps import write_gemeente_pages, write_map
from zicht.publish import (
    LayerInput,
    Release,
    UnitTable,
    publish_derived,
    publish_magnitudes,
    publish_release,
    with_empty_cells,
)
from zicht.schemas import RD_NEW, UNIT_SCHEMAS, IndicatorMeta
from zicht.stats import gi_star, h3_graph, polygon_graph, smooth_rates

#: The release history's hooks of :func:`run` (docs/years.md).
Withhold = Mapping[str, Mapping[str, str]] | None
Then = Callable[[Path, Path], None] | None

__all__ = ["DEMO_INDICATORS", "RunResult", "read_study_area", "run", "run_demo"]

#: Area key column of the units per published layer (``h3`` is set by the resolution).
_LAYER_KEYS = {
    "buurt": "buurt_code",
    "wijk": "wijk_area_code",
    "gemeente": "gemeente_code",
    "park": "park_id",
}

#: The CBS levels every joined unit carries, finest first: its buurt code names its wijk and
#: gemeente, so they nest. (The published wijk layer, 2022 boundaries by location, does not
#: nest in these buurten; it is an extra geography.)
_UNIT_LEVELS = {"buurt": "buurt_code", "wijk_of_buurt": "wijk_code", "gemeente": "gemeente_code"}


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


# --- indicators per area ---------------------------------------------------------------------


def _needs(specs: tuple[IndicatorSpec, ...], what: str) -> bool:
    if what == "centre":
        return any(not s.counted and s.at == "centre" for s in specs)
    return any(s.smoothing == "eb_spatial" for s in specs)


def _area_boundaries(name: str, layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    return layers[name][["code", "name", "geometry"]].set_index("code")


def _compute_layer(
    name: str,
    config: RunConfig,
    joined: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
) -> pd.DataFrame:
    specs = list(config.indicators)
    features = {"parks": layers["all_parks"]}
    key = f"h3_r{config.resolution}" if name == "h3" else _LAYER_KEYS[name]
    keyed = joined[joined[key].notna()]
    if name == "h3":
        keyed = keyed.assign(**{key: keyed[key].astype("int64")})
    centres = graph = None
    if name == "h3":
        cells = pd.Series(np.unique(keyed[key].to_numpy(dtype="int64")))
        cells.index = cells.to_numpy()
        if _needs(config.indicators, "centre"):
            centres = cells_to_polygons(cells).centroid
        if _needs(config.indicators, "graph"):
            graph = h3_graph(cells.to_numpy(), k=config.stats.k)
    else:
        areas = _area_boundaries(name, layers)
        present = areas.loc[areas.index.isin(keyed[key].unique())]
        if _needs(config.indicators, "centre"):
            centres = present.geometry.representative_point()
        if _needs(config.indicators, "graph"):
            graph = polygon_graph(present)
    stats = compute_indicators(
        keyed,
        key,
        specs,
        features=features,
        centres=centres,
        graph=graph,
        min_base=config.rules.min_units,
    )
    if name == "h3":
        stats.index = stats.index.astype("int64")
    return stats


def _hotspots(
    per_cell: pd.DataFrame, spec: IndicatorSpec, stats: StatsConfig
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Test ``spec`` for hot spots on the H3 layer; return the cells with the hot-spot columns.

    A rate or share is tested as the statistics settings say (``stats.rate``: global
    empirical-Bayes smoothed by default, as rates on a handful of units are 0 % or 100 % by
    chance; spatial EB is not offered, as it borrows from the very neighbours Gi* sums);
    any other indicator as its value.
    """
    note = ""
    if spec.kind in ("rate", "share"):
        base = per_cell[spec.base_column]
        ok = base > 0
        per = 100.0 if spec.kind == "share" else float(spec.per)
        method = stats.rate
        tested = smooth_rates(per_cell.loc[ok, spec.count_column], base[ok], method=method, per=per)
        column = spec.rate_column
        if method.startswith("eb") and len(tested) > 1 and np.ptp(tested.to_numpy()) == 0:
            note = (
                f"the cells' {spec.id} rates vary no more than chance would make them, so "
                f"{method} smoothing gives every cell the overall rate and Gi* cannot find a "
                "hot spot; test the raw rate (stats.rate = 'raw') or a coarser resolution"
            )
            warnings.warn(note, UserWarning, stacklevel=2)
    else:
        tested = per_cell[spec.value_column].dropna()
        method = "value"
        column = spec.value_column
    graph = h3_graph(tested.index.to_numpy(dtype="int64"), k=stats.k)
    hot = gi_star(
        tested,
        graph,
        permutations=stats.permutations,
        seed=stats.seed,
        alpha=stats.alpha,
        correction=stats.correction,
    )
    # Cells left out of the test (no denominator) carry no label.
    out = hot.joined_to(per_cell)
    settings = {
        **hot.settings,
        **({"note": note} if note else {}),
        "indicator": column,
        "indicator_id": spec.id,
        "rate": method,
        "layer": "h3",
        "k": stats.k,
    }
    return out, settings


def _h3_layer(stats: pd.DataFrame, resolution: int) -> gpd.GeoDataFrame:
    cells = pd.Series(stats.index.to_numpy(dtype="int64"), index=stats.index)
    frame = stats.reset_index(drop=True)
    frame.insert(0, "area_id", h3_to_str(cells).to_numpy())
    frame.insert(1, "area_name", [f"H3 res {resolution}"] * len(frame))
    return gpd.GeoDataFrame(frame, geometry=cells_to_polygons(cells).to_numpy(), crs=RD_NEW)


def _polygon_layer(
    stats: pd.DataFrame, boundaries: gpd.GeoDataFrame, metas: list[IndicatorMeta]
) -> gpd.GeoDataFrame:
    frame = boundaries[["code", "name", "geometry"]].merge(
        stats, left_on="code", right_index=True, how="left"
    )
    frame = frame.rename(columns={"code": "area_id", "name": "area_name"})
    # An area without units has zero counts; its other values stay missing.
    counts = ["n_units", *(m.column for m in metas if m.kind == "count")]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=RD_NEW)


def _unit_table(config: RunConfig, joined: gpd.GeoDataFrame) -> UnitTable:
    """Return the joined units with a 0/1 column per counted indicator and denominator."""
    from zicht.indicators import evaluate_filter

    columns: dict[str, np.ndarray] = {}
    numerators: dict[str, str] = {}
    for spec in config.indicators:
        if not spec.counted:
            continue
        base = (
            np.ones(len(joined), dtype=bool)
            if spec.denominator is None
            else np.asarray(evaluate_filter(spec.denominator, joined), dtype=bool)
        )
        hit = np.asarray(evaluate_filter(spec.numerator, joined), dtype=bool) & base
        columns[f"_count_{spec.id}"] = hit
        numerators[spec.count_column] = f"_count_{spec.id}"
        if spec.denominator is not None:
            columns[f"_base_{spec.id}"] = base
            numerators[spec.base_column] = f"_base_{spec.id}"
    extra = {
        name: column
        for name, column in (("wijk", "wijk_area_code"), ("park", "park_id"))
        if column in joined
    }
    level = config.inputs.units.level
    id_column = UNIT_SCHEMAS[level].id_column
    unit_id = id_column if id_column in joined else None
    table = UnitTable(
        frame=joined.assign(**columns),
        cell=f"h3_r{config.resolution}",
        areas=dict(_UNIT_LEVELS),
        extra=extra,
        # a park is one region where it passes the rules, so its values are exact
        whole=("park",) if "park" in extra else (),
        numerators=numerators,
        unit_id=unit_id,
        # one row per company: the company rules weigh each company's contribution
        company=unit_id if level == "company" else None,
    )
    # publish_release nests the table so itself; the units file for `zicht check` is
    # written from the table too, so both are given the nested one.
    return table.nested_for(config.map.layers)


# --- composite and proxy screen --------------------------------------------------------------


def _published_values(release: Release, layer: str, columns: Mapping[str, str]) -> pd.DataFrame:
    frame = release.layers[layer]
    published = frame[frame["status"] == "published"]
    return pd.DataFrame(
        {
            name: pd.to_numeric(published[col], errors="coerce").to_numpy()
            for name, col in columns.items()
        },
        index=pd.Index(published["area_id"].astype("str"), name="area_id"),
    ).astype("float64")


def _composites(
    config: RunConfig, release: Release
) -> tuple[dict[str, CompositeResult], dict[str, pd.DataFrame], list[str]]:
    """Build the composite of every published layer from its *published* values only."""
    by_id = {s.id: s for s in config.indicators}
    columns = {c.indicator: by_id[c.indicator].value_column for c in config.composite.components}
    results: dict[str, CompositeResult] = {}
    frames: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for name in release.layers:
        values = _published_values(release, name, columns)
        rankable = int(np.isfinite(values.to_numpy()).all(axis=1).sum())
        if rankable < 3:
            notes.append(f"{name}: only {rankable} area(s) have every component; not ranked")
            frames[name] = pd.DataFrame(columns=list(COMPOSITE_COLUMNS), dtype="float64")
            continue
        result = composite_index(values, config.composite)
        results[name] = result
        frames[name] = result.frame[list(COMPOSITE_COLUMNS)]
    return results, frames, notes


def _with_composite(
    config: RunConfig, release: Release
) -> tuple[Release, dict[str, CompositeResult]]:
    """Add the composite index, built from the published values, to the release.

    It is a function of published values only, so disclosure control need not run again:
    :func:`zicht.publish.publish_derived` keeps it on the published features.
    """
    composites, frames, notes = _composites(config, release)
    metadata = {
        "title": config.composite.title,
        "columns": list(COMPOSITE_COLUMNS),
        "layers": {name: r.to_dict() for name, r in composites.items()},
        "notes": notes,
    }
    # The layers this run built; the region layer (made by disclosure control) is ranked
    # in the metadata but carries no composite columns.
    values = {name: frame for name, frame in frames.items() if name in config.map.layers}
    columns = composite_columns(config.composite)
    release = publish_derived(release, values, columns, metadata={"composite": metadata})
    return release, composites


def _proxy_screen(
    config: RunConfig,
    release: Release,
    joined: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
) -> ProxyScreen | None:
    guard = config.guard
    if not guard.enabled:
        return None
    path = config.inputs.resolve(guard.reference)
    reference = read_reference_shares(path, area_column=guard.area_column, columns=guard.columns)
    # rates and shares only: a count tracks the size of an area, not who lives there
    columns = {s.id: s.value_column for s in config.indicators if s.kind in ("rate", "share")}
    if guard.level in release.layers:
        if config.composite.enabled:
            columns["composite_score"] = "composite_score"
        values = _published_values(release, guard.level, columns)
    else:
        # Not a published layer: computed here, areas below the threshold left out, and
        # nothing but the correlations reported.
        stats = _compute_layer(guard.level, config, joined, layers)
        stats = stats[stats["n_units"] >= config.rules.min_units]
        values = pd.DataFrame(
            {i: stats[c].to_numpy() for i, c in columns.items()},
            index=pd.Index(stats.index.astype("str"), name="area_id"),
        )
    screen = screen_proxies(
        values,
        reference,
        threshold=guard.threshold,
        min_areas=guard.min_areas,
        level=guard.level,
        source=str(guard.reference),
    )
    flagged = screen.flagged
    if guard.fail_on_proxy and len(flagged):
        pairs = "; ".join(
            f"{r.indicator} ~ {r.reference}: rho = {r.rho:.2f}" for r in flagged.itertuples()
        )
        raise ProfilingError(
            f"proxy screen: {len(flagged)} indicator(s) correlate with a protected group's "
            f"share at |rho| >= {guard.threshold:g} ({pairs}); guard.fail_on_proxy is set, "
            "so nothing was written"
        )
    return screen


# --- the run ---------------------------------------------------------------------------------


def _run_id(config: RunConfig) -> str:
    key = f"zicht:{config.study_area}:{config.seed}:{config.source_sha256}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:12]


def _indicator_notes(config: RunConfig) -> dict[str, Any]:
    """Per published column: purpose and follow-up steps, for legends and tooltips."""
    notes: dict[str, Any] = {}
    for spec in config.indicators:
        for meta in spec.metas():
            notes[meta.column] = {
                "indicator": spec.id,
                "title": spec.title,
                "description": spec.description,
                "method": spec.method_text(config.map.language),
                "purpose": spec.purpose,
                "follow_up": list(spec.follow_up),
            }
    return notes


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
        stats = {name: _compute_layer(name, config, joined, layers) for name in config.map.layers}
        masked = {name: dict(s.attrs.get("masked", {})) for name, s in stats.items()}
        hotspot: dict[str, Any] | None = None
        if "h3" in stats:
            stats["h3"], hotspot = _hotspots(stats["h3"], config.hotspot_spec(), config.stats)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        run_id = _run_id(config)
        metadata = _metadata(config, run_id, created, reports, join_report, hotspot)
        unit_table = _unit_table(config, joined)
        release = _publish(config, stats, layers, metadata, unit_table, withhold)
        if config.magnitudes:
            release = publish_magnitudes(release, unit_table, config.magnitudes)
        composites: dict[str, CompositeResult] = {}
        if config.composite.enabled:
            release, composites = _with_composite(config, release)
        screen = _proxy_screen(config, release, joined, layers)

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


def _join(
    config: RunConfig,
    units: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    reports: list[LayerReport] | None = None,
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Refuse protected columns, then join the units to buurten and cells (and parks)."""
    check_names(
        [("unit table column", str(c)) for c in units.columns if c != "geometry"],
        subject="unit table (remove protected columns from the extract: data minimisation)",
    )
    # with park boundaries the join gives every unit the park it lies in (``park_id``)
    wijk_layer = "wijk" in config.map.layers or (
        config.guard.enabled and config.guard.level == "wijk"
    )
    if not isinstance(units, gpd.GeoDataFrame):
        return _join_points(config, units, layers, reports or [], wijk_layer)
    if config.inputs.units.scheduler:
        raise ConfigError(
            "inputs.units.scheduler: the join runs on a cluster for addresses in GeoParquet "
            "only (a file or folder of .parquet files, no indicator at = 'units'); remove "
            "the scheduler for these units"
        )
    joined_all, join_report = join_units(
        units, layers["buurt"], resolution=config.resolution, parks=layers.get("park")
    )
    check_join(config, units, joined_all, layers, reports or [])
    joined = joined_all[joined_all["joined"]]
    if wijk_layer:
        wijk = assign_areas(joined, layers["wijk"], prefix="wijk_area")["wijk_area_code"]
        joined = joined.assign(wijk_area_code=wijk)
    return joined, join_report


def _join_points(
    config: RunConfig,
    units: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    reports: list[LayerReport],
    wijk_layer: bool,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join a unit table read as coordinate columns with zicht's array join (no points).

    The keys are those :func:`zicht.index.join_units` gives (both call
    :func:`zicht.index.join_arrays` on the same coordinates).
    """
    x, y = units["_x"].to_numpy(), units["_y"].to_numpy()
    indexed = prepare_join(layers["buurt"], parks=layers.get("park"))
    keys, join_report = join_arrays(
        x,
        y,
        units["_present"].to_numpy(dtype=bool),
        indexed,
        config.resolution,
        scheduler=config.inputs.units.scheduler or None,
    )
    joined_all = units.assign(**key_columns(keys, config.resolution))
    check_join(config, units, joined_all, layers, reports)
    ok = keys.joined
    joined = joined_all.loc[ok]
    if wijk_layer:
        wijken = area_index(layers["wijk"])
        ranks = wijken.lookup(x[ok], y[ok])
        joined = joined.assign(wijk_area_code=ranks_to_str(ranks, wijken.codes))
    return joined, join_report


def _publish(
    config: RunConfig,
    stats: Mapping[str, pd.DataFrame],
    layers: Mapping[str, gpd.GeoDataFrame],
    metadata: Mapping[str, Any],
    units: UnitTable,
    withhold: Withhold = None,
) -> Release:
    """Apply disclosure control to the statistics of every published layer, once.

    It aggregates the unit table itself (regions nested in buurten, protection against
    differencing between the layers; see docs/publication.md).
    """
    metas = indicator_columns(list(config.indicators))
    if config.inputs.units.level in ("person", "company") and "h3" in stats:
        # Where a person lives is itself a disclosure: the layer lists every cell.
        covered = layers["buurt"].set_index("code").geometry
        covered = covered[covered.index.isin(units.frame["buurt_code"].astype("str"))]
        stats = {**stats, "h3": with_empty_cells(stats["h3"], covered, config.resolution)}
    inputs = [
        LayerInput(
            name,
            _h3_layer(frame, config.resolution)
            if name == "h3"
            else _polygon_layer(frame, layers[name], metas),
            hotspot_k=config.stats.k,
        )
        for name, frame in stats.items()
    ]
    names = {"code": "area_id", "name": "area_name"}  # public boundaries: labels, tooltips
    context = {
        k: layers[k][["code", "name", "geometry"]].rename(columns=names)
        for k in ("buurt", "wijk", "gemeente")
        if k in layers
    }
    context["parks"] = layers["parks"][["park_id", "name", "location_trusted", "geometry"]]
    return publish_release(
        inputs,
        metas,
        rules=config.rules,
        context=context,
        metadata=metadata,
        units=units,
        withhold=withhold,
    )


def _metadata(
    config: RunConfig,
    run_id: str,
    created: str,
    reports: list[LayerReport],
    join_report: JoinReport,
    hotspot: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Provenance carried into every output file of the release."""
    synthetic = config.synthetic
    generated = config.inputs.units.source == "synthetic"
    boundaries = ", ".join(Path(r.source).name for r in reports[:3])
    metadata: dict[str, Any] = {
        "run_id": run_id,
        "title": config.run_title,
        "zicht_version": __version__,
        "created": created,
        "study_area": config.study_area,
        "data_date": f"boundaries: {boundaries}; "
        + (
            "synthetic units generated at run time"
            if generated
            else "synthetic units from a file"
            if synthetic
            else "units from a file"
        ),
        # The date of the unit data for the map: made at run time, or the unit table's date.
        "units_date": "generated" if generated else file_date(config.inputs.units.path),
        "synthetic": synthetic,
        "synthetic_note": synthetic_note(config),
        "inputs": {r.layer: {**r.to_dict(), "sha256": file_sha(r.source)} for r in reports},
        "join": join_report.to_dict(),
        "question": asdict(config.question),
        "indicator_notes": _indicator_notes(config),
        "config": {"source": config.source, "sha256": config.source_sha256},
        "map_layers": list(config.map.layers),
    }
    if hotspot is not None:
        metadata["hotspot"] = dict(hotspot)
    return metadata


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


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
