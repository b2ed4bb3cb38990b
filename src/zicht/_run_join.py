"""The pipeline's join step: refuse protected columns, join the units to cells and areas.

Part of :mod:`zicht.pipeline`: :func:`_join` joins a unit table read as points
(:func:`zicht.index.join_units`) or as coordinate columns (:func:`_join_points`, zicht's
array join without shapely points), checks that nothing was lost, and adds the published
wijk of every unit.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from zicht._errors import ConfigError
from zicht._h3 import submit_rd_cells
from zicht.config import RunConfig, check_join
from zicht.guard import check_names
from zicht.index import (
    JoinReport,
    area_index,
    assign_areas,
    join_arrays,
    join_units,
    key_columns,
    prepare_join,
    ranks_to_str,
)
from zicht.ingest import LayerReport


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
    scheduler = config.inputs.units.scheduler or None
    # The H3 ids start in zicht's worker processes before the boundary layers are
    # indexed: the second core works meanwhile (the same ids, zicht._h3.submit_rd_cells).
    cells = None if scheduler else submit_rd_cells(x, y, config.resolution)
    indexed = prepare_join(layers["buurt"], parks=layers.get("park"))
    keys, join_report = join_arrays(
        x,
        y,
        units["_present"].to_numpy(dtype=bool),
        indexed,
        config.resolution,
        scheduler=scheduler,
        cells=cells,
    )
    joined_all = units.assign(**key_columns(keys, config.resolution))
    check_join(config, units, joined_all, layers, reports)
    ok = keys.joined
    # every unit joined (the national run): no copy of the per-unit table
    joined = joined_all if ok.all() else joined_all.loc[ok]
    if wijk_layer:
        wijken = area_index(layers["wijk"])
        ranks = wijken.lookup(x[ok], y[ok])
        joined = joined.assign(wijk_area_code=ranks_to_str(ranks, wijken.codes))
    return joined, join_report
