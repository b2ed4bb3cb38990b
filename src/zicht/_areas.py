"""An area-table run: polygons plus a table joined by code, to a release and a map.

:func:`run_area_table` reads the polygons and the table (the reader policy of every
table: sentinels missing and counted, integer codes read back), joins them by code
(every area and every row accounted for), computes each rate per 100 or 1,000 with
empirical-Bayes smoothing, tests hot spots on a polygon graph (Gi* or Local Moran; islands
labelled), applies the disclosure rules to the counts, and writes the release and the map.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import InputError
from zicht._version import __version__
from zicht.config import AreaTableConfig, check_area_inputs
from zicht.export import staged_release, write_release
from zicht.indicators import IndicatorSpec, indicator_columns
from zicht.ingest import read_area_table, read_boundaries
from zicht.maps import write_map
from zicht.publish import LayerInput, Release, publish_release
from zicht.schemas import RD_NEW
from zicht.stats import gi_star, local_moran, polygon_graph, smooth_rates

__all__ = ["AreaRunResult", "run_area_table"]


class AreaRunResult:
    """What an area-table run produced: the release, the join account and the paths."""

    def __init__(self, release: Release, join: dict[str, Any], paths: dict[str, Path]) -> None:
        self.release = release
        self.join = join
        self.paths = paths


def _specs(config: AreaTableConfig) -> list[IndicatorSpec]:
    level = config.areas.unit_level
    return [
        IndicatorSpec(
            id=r.id,
            title=r.title or r.id,
            numerator=r.numerator,
            description=r.description or f"{r.numerator} per {r.per} {config.areas.denominator}",
            kind="rate",
            per=r.per,
            smoothing="eb_global" if r.smoothing == "eb_global" else "none",
            unit_level=level,
        )
        for r in config.rates
    ]


def _joined(config: AreaTableConfig) -> tuple[gpd.GeoDataFrame, dict[str, Any], list[Any]]:
    areas = config.areas
    polygons, r_poly = read_boundaries(
        config.resolve(areas.polygons),
        level=areas.level,
        layer=areas.layer or None,
        code_column=areas.code_column,
        name_column=areas.name_column,
        code_prefix=areas.prefix or None,
    )
    table, r_table = read_area_table(
        config.resolve(areas.table), code_column=areas.table_code_column, level=areas.level
    )
    needed = [areas.denominator, *(r.numerator for r in config.rates)]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(
            f"area table ({r_table.source}): columns {missing} not found; columns are "
            f"{list(table.columns)}"
        )
    if areas.prefix:
        table = table[table.index.str.startswith(areas.prefix)]
    codes = set(polygons["code"])
    join = {
        "areas": len(polygons),
        "rows": len(table),
        "joined": int(table.index.isin(list(codes)).sum()),
        "rows_without_polygon": sorted(set(table.index) - codes)[:10],
        "n_rows_without_polygon": len(set(table.index) - codes),
        "n_areas_without_row": len(codes - set(table.index)),
    }
    if join["joined"] == 0:
        raise InputError(
            f"no code of the area table ({r_table.source}) matches a polygon "
            f"({r_poly.source}); e.g. table {list(table.index[:3])}, polygons "
            f"{list(polygons['code'][:3])}"
        )
    frame = polygons[["code", "name", "geometry"]].merge(
        table[needed], left_on="code", right_index=True, how="left"
    )
    return frame, join, [r_poly, r_table]


def _rates(
    frame: gpd.GeoDataFrame, config: AreaTableConfig, specs: list[IndicatorSpec]
) -> pd.DataFrame:
    base = frame[config.areas.denominator]
    out = pd.DataFrame(index=frame.index)
    out["n_units"] = base.fillna(0).round().astype("int64")
    for rate, spec in zip(config.rates, specs, strict=True):
        count = frame[rate.numerator]
        out[spec.count_column] = count.fillna(0).round().astype("int64")
        ok = (base > 0) & count.notna()
        raw = pd.Series(np.nan, index=frame.index)
        raw[ok] = count[ok] / base[ok] * rate.per
        out[spec.rate_column] = raw
        if spec.smoothed_column:
            smoothed = pd.Series(np.nan, index=frame.index)
            smoothed[ok] = smooth_rates(count[ok], base[ok], method="eb_global", per=rate.per)
            out[spec.smoothed_column] = smoothed
    return out


def _hotspots(
    frame: gpd.GeoDataFrame,
    stats: pd.DataFrame,
    config: AreaTableConfig,
    specs: list[IndicatorSpec],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    hot = config.hotspots
    spec = next((s for s in specs if s.id == hot.rate), specs[0])
    column = spec.smoothed_column or spec.rate_column
    tested = stats[column].dropna()
    polys = frame.loc[tested.index].set_index("code")
    kwargs: dict[str, Any] = {"k": hot.k} if hot.graph == "knn" else {}
    if hot.graph == "distance_band":
        kwargs = {"threshold": hot.distance_m}
    graph = polygon_graph(polys.geometry, hot.graph, **kwargs)
    values = pd.Series(tested.to_numpy(), index=polys.index)
    test = gi_star if hot.method == "gi_star" else local_moran
    result = test(
        values,
        graph,
        permutations=hot.permutations,
        seed=hot.seed,
        alpha=hot.alpha,
        correction=hot.correction,
    )
    out = result.joined_to(stats, index=tested.index)
    settings = {
        **result.settings,
        "indicator": column,
        "indicator_id": spec.id,
        "layer": config.areas.level,
        "graph": hot.graph,
        "islands": int((result.frame["label"] == "isolated").sum()),
    }
    return out, settings


def run_area_table(config: AreaTableConfig, out_dir: str | Path) -> AreaRunResult:
    """Run an area-table configuration and write the release and the map.

    Parameters
    ----------
    config
        From :func:`zicht.config.load_area_config`.
    out_dir
        Folder for the outputs.

    Returns
    -------
    AreaRunResult
        The release, the join account (areas, rows, joined, rows without a polygon,
        areas without a row) and the paths written.

    Raises
    ------
    InputError, SchemaError, CRSError
        Naming the file or column at fault.
    """
    started = time.perf_counter()
    check_area_inputs(config)  # a missing file or column is named before the polygons load
    specs = _specs(config)
    frame, join, reports = _joined(config)
    stats = _rates(frame, config, specs)
    stats, hotspot = _hotspots(frame, stats, config, specs)
    level = config.areas.level
    layer = gpd.GeoDataFrame(
        pd.concat(
            [
                frame[["code", "name"]].rename(columns={"code": "area_id", "name": "area_name"}),
                stats,
            ],
            axis=1,
        ),
        geometry=frame.geometry.to_numpy(),
        crs=RD_NEW,
    )
    metadata = {
        "run_id": config.source_sha256[:12],
        "title": config.title or f"zicht area table ({level})",
        "zicht_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "study_area": config.areas.prefix or "NL",
        "data_date": f"area table {Path(str(config.areas.table)).name}",
        "synthetic": False,
        "synthetic_note": "",
        "inputs": {r.layer: r.to_dict() for r in reports},
        "join": join,
        "hotspot": hotspot,
        "config": {"source": config.source, "sha256": config.source_sha256},
        "map_layers": [level],
    }
    release = publish_release(
        [LayerInput(level, layer)], indicator_columns(specs), rules=config.rules, metadata=metadata
    )
    with staged_release(out_dir, internal=False) as stage:
        out = stage.out
        paths = write_release(release, out, language=config.map.language)
        options = config.map.options()
        paths["map"] = write_map(release, out / "risk_map.html", options=options)
        seconds = round(time.perf_counter() - started, 2)
        summary = {"join": join, "hotspot": hotspot, "seconds": seconds}
        paths["summary"] = out / "run_summary.json"
        paths["summary"].write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        stage.commit()
    paths = {role: stage.final_path(p) for role, p in paths.items()}
    return AreaRunResult(release, join, paths)
