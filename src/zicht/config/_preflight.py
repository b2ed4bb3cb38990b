"""``zicht validate``: every check a run makes on its inputs, without running it.

The configuration, the paths (by key), every layer's schema, CRS and codes, the unit
table's columns and the flags the indicators test, and the join coverage on a sample of
the units. ``zicht run`` makes the same checks first, so that a bad input is named in
seconds rather than after the pipeline has run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import InputError
from zicht.config._run import RunConfig
from zicht.config._study import read_inputs
from zicht.config._units import check_join, read_unit_table

__all__ = ["Preflight", "preflight"]


@dataclass
class Preflight:
    """What the checks found.

    Attributes
    ----------
    lines
        One line per layer and per finding, in words.
    notes
        Findings that do not stop a run (vintages, overlaps, repaired areas, sentinels).
    seconds
        How long the checks took.
    """

    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _as_points(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return a table read as coordinate columns as points (to join a small sample)."""
    from zicht.schemas import RD_NEW

    present = table["_present"].to_numpy(dtype=bool)
    points = shapely.points(table["_x"].to_numpy(), table["_y"].to_numpy())
    points[~present] = None
    return gpd.GeoDataFrame(table.reset_index(drop=True), geometry=points, crs=RD_NEW)


def preflight(config: RunConfig, out: Path | None = None, *, sample: int = 5_000) -> Preflight:
    """Check a run's inputs without running it; raise on the first stage that fails.

    Parameters
    ----------
    config
        The configuration (already checked by :func:`zicht.config.load_config`).
    out
        The output folder the run would write, which no input may lie in.
    sample
        Units joined to check the coverage (a seeded sample of the unit table).

    Returns
    -------
    Preflight
        The findings in words.

    Raises
    ------
    ConfigError, InputError, SchemaError, CRSError, GeometryError
        Naming the key or file at fault.
    """
    from zicht.config._inputs import problems_error
    from zicht.config._study import path_problems

    started = time.perf_counter()
    problems = path_problems(config, out)
    if problems:
        raise problems_error("inputs: ", problems)
    study = read_inputs(config)
    result = Preflight(notes=list(study.notes))
    for report in study.reports:
        year = f", {report.year}" if report.year else ""
        n = len(study.layers.get(report.layer, [])) if report.layer in study.layers else None
        kept = f"{n:,} in the study area" if n is not None else f"{report.rows_kept:,} rows"
        result.lines.append(f"{report.layer}: {Path(report.source).name}{year}: {kept}")
        if report.sentinels:
            result.notes.append(
                f"{report.layer}: CBS sentinels (-99999999 …) set to missing: {report.sentinels}"
            )
        if report.repaired:
            result.notes.append(
                f"{report.layer}: {report.repaired} invalid polygon(s) repaired: "
                f"{sorted(report.repaired_extents)[:5]}"
            )
    if config.inputs.units.source == "synthetic":
        result.lines.append("units: synthetic, generated in the buurten at run time")
        result.seconds = time.perf_counter() - started
        return result
    # imported here: a synthetic run (the demo) is checked without the statistics stack
    from zicht.index import join_units
    from zicht.indicators import check_units

    units, unit_reports = read_unit_table(config, study.layers)
    for report in unit_reports:
        result.lines.append(f"units: {Path(report.source).name}: {report.rows_read:,} rows")
        if report.sentinels:
            result.notes.append(f"units: CBS sentinels set to missing: {report.sentinels}")
        result.notes += [f"units: {n}" for n in report.notes]
    if len(units) > sample:
        rng = np.random.default_rng(20221)
        units = units.iloc[np.sort(rng.choice(len(units), sample, replace=False))]
    if not isinstance(units, gpd.GeoDataFrame):  # read as coordinate columns
        units = _as_points(units)
    joined, join_report = join_units(
        units, study.layers["buurt"], resolution=config.resolution, parks=study.layers.get("park")
    )
    # on the joined sample: the join adds columns an indicator may use (park_id with parks)
    check_units(joined, None, list(config.indicators), features={"parks": study.layers["parks"]})
    reports = [*study.reports, *unit_reports]
    try:
        check_join(config, units, joined, study.layers, reports)
    except InputError as exc:
        raise InputError(f"{exc} (checked on a sample of {len(units):,} units)") from exc
    share = join_report.joined / max(join_report.rows_in, 1)
    result.lines.append(
        f"join: {join_report.joined:,} of {join_report.rows_in:,} sampled units in a buurt "
        f"({share:.1%})"
        + "".join(f"; {reason}: {n:,}" for reason, n in join_report.not_joined.items())
    )
    result.seconds = time.perf_counter() - started
    return result
