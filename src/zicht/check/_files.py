"""Reading a release folder with the checker's own code.

The inventory of its files, the published layers, and which units make up each published
feature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.check._report import CheckReport
from zicht.schemas import RD_NEW

_EXPECTED = {"release.gpkg", "manifest.json", "disclosure_report.md", "region_pieces.csv"}


_UNIT_LEVEL_HINTS = {"unit_id", "address_id", "x", "y", "company_id", "person_id"}


_STAT_PREFIXES = ("hotspot_", "moran_")


def score_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if str(c).startswith(_STAT_PREFIXES) and not str(c).endswith(("_label", "_bin"))
    ]


@dataclass
class PublishedLayer:
    release: str
    name: str
    frame: pd.DataFrame  # the CSV, area_id as str
    geometry: gpd.GeoSeries | None
    unit_key: str
    rounded: bool
    # cell-key releases: the verified perturbation table and the record key of every unit
    cell_key: Any = None
    record_keys: np.ndarray | None = None

    @property
    def label(self) -> str:
        return self.name if self.release == "" else f"{self.release}:{self.name}"

    @property
    def published(self) -> pd.Series:
        return self.frame["status"].astype(str) == "published"


@dataclass
class ReleaseFiles:
    path: Path
    manifest: dict[str, Any]
    layers: list[PublishedLayer]
    pieces: pd.DataFrame | None


def read_release(path: Path, tag: str, report: CheckReport) -> ReleaseFiles:
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{path} has no manifest.json; is it a zicht release folder?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    gpkg = path / "release.gpkg"
    layers = []
    for name, info in manifest.get("layers", {}).items():
        csv_path = path / info.get("csv", f"{name}.csv")
        frame = pd.read_csv(
            csv_path, dtype={"area_id": str, "region_id": str}, keep_default_na=True
        )
        frame["area_id"] = frame["area_id"].astype(str)
        geometry = None
        if gpkg.is_file():
            spatial = gpd.read_file(gpkg, layer=name)
            geometry = gpd.GeoSeries(
                spatial.geometry.to_numpy(), index=spatial["area_id"].astype(str), crs=spatial.crs
            )
            _compare_files(frame, spatial, f"{tag}{name}", report)
        layers.append(
            PublishedLayer(
                release=tag.rstrip(":"),
                name=name,
                frame=frame,
                geometry=geometry,
                unit_key=str(info.get("unit_key") or ""),
                rounded=bool(info.get("rounded", True)),
            )
        )
    pieces = None
    if (path / "region_pieces.csv").is_file():
        pieces = pd.read_csv(path / "region_pieces.csv", dtype=str, keep_default_na=False)
    return ReleaseFiles(path=path, manifest=manifest, layers=layers, pieces=pieces)


def _compare_files(
    csv: pd.DataFrame, gpkg: gpd.GeoDataFrame, where: str, report: CheckReport
) -> None:
    attrs = pd.DataFrame(gpkg.drop(columns=gpkg.geometry.name))
    if len(attrs) != len(csv) or set(attrs.columns) != set(csv.columns):
        report.add("files agree", where, "GeoPackage layer and CSV have different rows or columns")
        return
    attrs = attrs.set_index(attrs["area_id"].astype(str))
    other = csv.set_index("area_id")
    for col in other.columns:
        a = pd.to_numeric(attrs[col], errors="coerce").reindex(other.index)
        b = pd.to_numeric(other[col], errors="coerce")
        if a.notna().any() or b.notna().any():
            differ = ~((a == b) | (a.isna() & b.isna()) | np.isclose(a, b, equal_nan=True))
            if differ.any():
                report.add(
                    "files agree", where, f"column {col!r} differs for {int(differ.sum())} features"
                )


def check_inventory(
    path: Path, units_path: Path, report: CheckReport, layer_names: list[str]
) -> None:
    try:
        units_path.resolve().relative_to(path.resolve())
        report.add(
            "release folder", str(units_path), "the unit-level file lies inside the release folder"
        )
    except ValueError:
        pass
    for file in sorted(path.rglob("*")):
        if file.is_dir():
            continue
        rel = file.relative_to(path).as_posix()
        if file.suffix in (".parquet", ".feather", ".pkl", ".pickle"):
            report.add("release folder", rel, "a binary table that is not part of a release")
        elif file.suffix == ".csv":
            header = set(pd.read_csv(file, nrows=0).columns)
            if header & _UNIT_LEVEL_HINTS:
                report.add(
                    "release folder",
                    rel,
                    f"columns {sorted(header & _UNIT_LEVEL_HINTS)} look unit-level",
                )
        # A file that no manifest lists is a violation of zicht.check._integrity.


def unit_membership(
    layer: PublishedLayer, units: pd.DataFrame, pieces: pd.DataFrame | None, report: CheckReport
) -> pd.Series:
    """Find the feature of every unit (``""`` where none), by key or by location."""
    key = layer.unit_key
    if key == "region_pieces":
        if pieces is None:
            report.add("membership", layer.label, "region layer without region_pieces.csv")
            return pd.Series("", index=units.index)
        keys = [c for c in pieces.columns if c != "region_id"]
        missing = [k for k in keys if k not in units]
        if missing:
            report.add("membership", layer.label, f"units file lacks piece keys {missing}")
            return pd.Series("", index=units.index)
        lookup = pieces.set_index(keys)["region_id"]
        index = pd.MultiIndex.from_frame(units[keys].astype(str).fillna(""))
        found = lookup.reindex(index).fillna("").to_numpy()
        member = pd.Series(found, index=units.index, dtype=object)
    elif key and key in units:
        member = units[key].astype(object).where(units[key].notna(), "").astype(str)
    else:
        if layer.geometry is None or not {"x", "y"} <= set(units.columns):
            report.add(
                "membership", layer.label, f"no unit key {key!r} and no coordinates to place units"
            )
            return pd.Series("", index=units.index)
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(units["x"], units["y"]), crs=RD_NEW)
        polygons = gpd.GeoDataFrame(
            {"area_id": layer.geometry.index},
            geometry=layer.geometry.to_numpy(),
            crs=layer.geometry.crs,
        ).to_crs(RD_NEW)
        joined = gpd.sjoin(points, polygons, predicate="within", how="left")
        first = joined.sort_values("area_id").groupby(level=0)["area_id"].first()
        overlaps = joined.groupby(level=0).size()
        if (overlaps > 1).any():
            report.notes.append(
                f"{layer.label}: {int((overlaps > 1).sum())} units lie in several features; "
                "each is counted in the first"
            )
        member = first.reindex(units.index).fillna("").astype(str)
        report.notes.append(f"{layer.label}: units placed in features by location (no unit key)")
    known = set(layer.frame["area_id"])
    stray = ~member.isin(known) & (member != "")
    if stray.any():
        member[stray] = ""
    return member
