"""The pipeline: one call per stage, nothing else.

``run_demo`` reads the shipped real data for one gemeente, generates the synthetic
unit-level data, joins, computes indicators and hot spots, applies disclosure control and
writes the release, the map and a run summary.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from zicht import __version__
from zicht.config import DemoConfig
from zicht.export import file_sha256, write_release
from zicht.hotspots import gi_star
from zicht.index import JoinReport, cells_to_polygons, h3_to_str, join_units
from zicht.indicators import IndicatorSpec, compute_indicators, indicator_columns
from zicht.ingest import LayerReport, read_boundaries, read_parks
from zicht.maps import write_map
from zicht.publish import LayerInput, Release, publish_release
from zicht.smoothing import smooth_rates
from zicht.synthetic import SYNTHETIC_NOTE, synthesize_addresses, synthesize_risk_signals
from zicht.weights import h3_graph

__all__ = ["DEMO_INDICATORS", "DemoResult", "run_demo"]

DEMO_INDICATORS = [
    IndicatorSpec(
        id="registration_mismatch",
        title="Registration mismatch",
        numerator="registration_mismatch",
        description="Addresses where the registered residents do not match the dwelling.",
    ),
    IndicatorSpec(
        id="vacant",
        title="Vacancy",
        numerator="vacant",
        description="Addresses with no registered resident for a long time.",
    ),
]

#: The indicator whose rate the hot-spot statistics test.
HOTSPOT_INDICATOR = "registration_mismatch"


@dataclass
class DemoResult:
    """What a demo run produced.

    Attributes
    ----------
    release
        The published statistics.
    summary
        Counts in, joined, published, suppressed, and the time taken.
    paths
        Every file written, by role.
    """

    release: Release
    summary: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def _read_inputs(config: DemoConfig) -> tuple[dict[str, gpd.GeoDataFrame], list[LayerReport]]:
    geodata = config.geodata
    digits = config.gemeente[2:]
    wijken, r_wijk = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg",
        level="wijk",
        layer="NLD_dist",
        code_prefix=f"WK{digits}",
    )
    gemeenten, r_gem = read_boundaries(
        geodata / "cbs" / "wijken_gemeenten_2022.gpkg",
        level="gemeente",
        layer="NLD_muni",
        code_prefix=config.gemeente,
    )
    # The CBS 2014 TopoJSON declares no CRS; its coordinates are WGS84 longitude/latitude.
    buurten, r_buurt = read_boundaries(
        geodata / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
        code_prefix=f"BU{digits}",
    )
    parks, r_parks = read_parks(geodata / "parks" / "parks.json")
    area = gemeenten.geometry.union_all()
    parks = parks[parks.within(area)].reset_index(drop=True)
    layers = {"wijk": wijken, "gemeente": gemeenten, "buurt": buurten, "parks": parks}
    return layers, [r_wijk, r_gem, r_buurt, r_parks]


def _h3_layer(stats: pd.DataFrame, resolution: int) -> gpd.GeoDataFrame:
    cells = pd.Series(stats.index.to_numpy(dtype="int64"), index=stats.index)
    frame = stats.reset_index(drop=True)
    frame.insert(0, "area_id", h3_to_str(cells).to_numpy())
    frame.insert(1, "area_name", [f"H3 res {resolution}"] * len(frame))
    return gpd.GeoDataFrame(frame, geometry=cells_to_polygons(cells).to_numpy(), crs=28992)


def _buurt_layer(stats: pd.DataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = buurten[["code", "name", "geometry"]].merge(
        stats, left_on="code", right_index=True, how="left"
    )
    frame = frame.rename(columns={"code": "area_id", "name": "area_name"})
    counts = [c for c in stats.columns if not c.startswith("rate_")]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=28992)


def run_demo(config: DemoConfig | None = None, out_dir: str | Path = "out/demo") -> DemoResult:
    """Run the whole pipeline on the shipped data for one gemeente (default Ede).

    Parameters
    ----------
    config
        Settings; defaults to :class:`DemoConfig()`.
    out_dir
        Folder for the outputs.

    Returns
    -------
    DemoResult
        The release, the run summary and the paths written.
    """
    config = config or DemoConfig()
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    layers, read_reports = _read_inputs(config)
    buurten = layers["buurt"]
    addresses = synthesize_addresses(
        layers["wijk"], layers["parks"], seed=config.seed, buurten=buurten
    )
    signals = synthesize_risk_signals(addresses, seed=config.seed + 1)
    units, join_report = join_units(
        addresses.join(signals.drop(columns="address_id")), buurten, resolution=config.resolution
    )
    joined = units[units["joined"]]

    h3_col = f"h3_r{config.resolution}"
    per_cell = compute_indicators(joined, h3_col, DEMO_INDICATORS)
    per_buurt = compute_indicators(joined, "buurt_code", DEMO_INDICATORS)

    graph = h3_graph(per_cell.index.to_numpy(dtype="int64"), k=config.stats.k)
    # Rates on a handful of addresses are 0 % or 100 % by chance: test the global
    # empirical-Bayes smoothed rate (spatial EB would borrow from the same neighbours
    # that Gi* sums, and so inflate its significance).
    spec = next(s for s in DEMO_INDICATORS if s.id == HOTSPOT_INDICATOR)
    tested = smooth_rates(
        per_cell[spec.count_column], per_cell["n_units"], method="eb_global", per=100.0
    )
    hot = gi_star(
        tested,
        graph,
        permutations=config.stats.permutations,
        seed=config.stats.seed,
        alpha=config.stats.alpha,
        correction=config.stats.correction,
    )
    per_cell = per_cell.join(
        hot.frame[["z", "p", "q", "bin", "label"]].rename(
            columns={
                "z": "hotspot_z",
                "p": "hotspot_p",
                "q": "hotspot_q",
                "bin": "hotspot_bin",
                "label": "hotspot_label",
            }
        )
    )

    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"zicht-demo:{config.gemeente}:{config.seed}").hex[:12]
    metadata = {
        "run_id": run_id,
        "zicht_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "study_area": config.gemeente,
        "data_date": "CBS wijken 2022, CBS buurten 2014; synthetic units generated at run time",
        "synthetic": True,
        "synthetic_note": SYNTHETIC_NOTE,
        "hotspot": {**hot.settings, "indicator": spec.rate_column, "layer": "h3"},
        "inputs": {r.layer: {**r.to_dict(), "sha256": file_sha256(r.source)} for r in read_reports},
        "join": join_report.to_dict(),
    }
    release = publish_release(
        [
            LayerInput("h3", _h3_layer(per_cell, config.resolution)),
            LayerInput("buurt", _buurt_layer(per_buurt, buurten)),
        ],
        indicator_columns(DEMO_INDICATORS),
        rules=config.rules,
        context={
            "buurt": buurten[["code", "name", "geometry"]].rename(
                columns={"code": "area_id", "name": "area_name"}
            ),
            "parks": layers["parks"][["park_id", "name", "location_trusted", "geometry"]],
        },
        metadata=metadata,
    )
    paths = write_release(release, out)
    paths["map"] = write_map(release, out / "risk_map.html")
    summary = _summary(release, join_report, config, time.perf_counter() - started)
    summary_path = out / "run_summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["summary"] = summary_path
    return DemoResult(release=release, summary=summary, paths=paths)


def _summary(
    release: Release, join_report: JoinReport, config: DemoConfig, seconds: float
) -> dict[str, Any]:
    layers = {}
    for name, frame in release.layers.items():
        layers[name] = {
            "features": len(frame),
            "published": int((frame["status"] == "published").sum()),
            "suppressed": int((frame["status"] == "suppressed").sum()),
        }
    h3 = release.layers["h3"]
    published = h3[h3["status"] == "published"]
    return {
        "run_id": release.metadata["run_id"],
        "study_area": config.gemeente,
        "units_in": join_report.rows_in,
        "units_joined": join_report.joined,
        "units_not_joined": dict(join_report.not_joined),
        "join_balanced": join_report.balanced,
        "layers": layers,
        "hotspot_cells": published["hotspot_label"].value_counts().to_dict(),
        "rules": asdict(config.rules),
        "seconds": round(seconds, 2),
        "synthetic_note": SYNTHETIC_NOTE,
    }
