"""The pipeline's publication step: the unit table, disclosure control, composite, screen.

Part of :mod:`zicht.pipeline`: :func:`_unit_table` gives disclosure control the joined
units with a 0/1 column per counted indicator, :func:`_publish` applies the rules to every
layer once, :func:`_with_composite` adds the composite built from published values, and
:func:`_proxy_screen` screens the indicators for proxies of protected groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import ProfilingError
from zicht._provenance import file_date, file_sha, synthetic_note
from zicht._run_stats import _compute_layer, _h3_layer, _polygon_layer
from zicht._version import __version__
from zicht.config import RunConfig
from zicht.guard import ProxyScreen, read_reference_shares, screen_proxies
from zicht.index import JoinReport
from zicht.indicators import (
    COMPOSITE_COLUMNS,
    CompositeResult,
    composite_columns,
    composite_index,
    indicator_columns,
)
from zicht.ingest import LayerReport
from zicht.publish import (
    LayerInput,
    Release,
    UnitTable,
    publish_derived,
    publish_release,
    with_presence_grid,
)
from zicht.schemas import UNIT_SCHEMAS

#: Areas to withhold per layer with their reason (the release history's hook, docs/years.md).
Withhold = Mapping[str, Mapping[str, str]] | None

#: The CBS levels every joined unit carries, finest first: its buurt code names its wijk and
#: gemeente, so they nest. (The published wijk layer, 2022 boundaries by location, does not
#: nest in these buurten; it is an extra geography.)
_UNIT_LEVELS = {"buurt": "buurt_code", "wijk_of_buurt": "wijk_code", "gemeente": "gemeente_code"}


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
    frame = joined.assign(**columns)
    if not config.magnitudes:
        # Only what publication and the units file read: the keys, the 0/1 columns, the
        # id and the location (the attribute columns were read by the filters above).
        keep = [f"h3_r{config.resolution}", *_UNIT_LEVELS.values(), *extra.values()]
        keep += [*numerators.values(), id_column, "_x", "_y"]
        if isinstance(joined, gpd.GeoDataFrame):
            keep.append(joined.geometry.name)
        frame = frame[[c for c in dict.fromkeys(keep) if c in frame]]
    table = UnitTable(
        frame=frame,
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
    atoms: pd.DataFrame | None = None,
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
        stats = _compute_layer(guard.level, config, joined, layers, atoms)
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
    if "h3" in stats:
        level = config.inputs.units.level
        grid = with_presence_grid(stats["h3"], level, layers["buurt"], units, config.resolution)
        stats = {**stats, "h3": grid}
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
