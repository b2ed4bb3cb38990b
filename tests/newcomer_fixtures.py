"""A municipality's files as a newcomer has them, written small into a tmp folder.

Eight real Ede buurten (CBS 2014 shapes, shipped) relabelled as a CBS 2017 wijk- en
buurtkaart: a zipped shapefile in Web Mercator (EPSG:3857) with ``BU_CODE``/``BU_NAAM``,
``WK_CODE``, ``GM_CODE``/``GM_NAAM`` and -99999999 in secret cells. A SYNTHETIC unit
table (GeoPackage, RD New, seeded) whose flags are "ja"/"nee" strings and 0/1 integers
and whose ``bouwjaar`` has sentinels. The config names only the two files.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from zicht.ingest import default_geodata_dir, read_boundaries

N_BUURTEN = 8


@dataclass
class Newcomer:
    """The files of one municipality and the config a newcomer writes."""

    folder: Path
    buurten_zip: Path
    units: Path
    config: Path
    buurten_rd: gpd.GeoDataFrame


def buurten_2017() -> gpd.GeoDataFrame:
    """Eight Ede buurten in RD New with CBS 2017 column names and secret cells."""
    shipped, _ = read_boundaries(
        default_geodata_dir() / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        assume_crs="EPSG:4326",
        code_prefix="BU0228",
    )
    sub = shipped.sort_values("code").head(N_BUURTEN).reset_index(drop=True)
    inhabitants = [1200, -99999999, 800, 455, -99999997, 90, 1500, 300][:N_BUURTEN]
    return gpd.GeoDataFrame(
        {
            "BU_CODE": sub["code"],
            "BU_NAAM": sub["name"],
            "WK_CODE": "WK" + sub["code"].str.slice(2, 8),
            "GM_CODE": "GM0228",
            "GM_NAAM": "Ede",
            "AANT_INW": inhabitants,
        },
        geometry=sub.geometry.to_numpy(),
        crs="EPSG:28992",
    )


def write_zipped_shapefile(frame: gpd.GeoDataFrame, target: Path, *, prj: bool = True) -> Path:
    """Write ``frame`` as a shapefile zipped into ``target`` (optionally without .prj)."""
    work = target.parent / f"_{target.stem}"
    work.mkdir(parents=True, exist_ok=True)
    frame.to_file(work / f"{target.stem}.shp")
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(work.iterdir()):
            if part.suffix == ".prj" and not prj:
                continue
            archive.write(part, part.name)
    return target


def synthetic_units(buurten_rd: gpd.GeoDataFrame, n: int = 600, seed: int = 14) -> gpd.GeoDataFrame:
    """SYNTHETIC units inside the buurten: flags as "ja"/"nee" and 0/1, sentinel years."""
    rng = np.random.default_rng(seed)
    area = buurten_rd.geometry.union_all()
    xmin, ymin, xmax, ymax = area.bounds
    points: list[shapely.Point] = []
    while len(points) < n:
        xy = rng.uniform([xmin, ymin], [xmax, ymax], size=(n, 2))
        cand = shapely.points(xy)
        points += list(cand[shapely.contains(area, cand)])
    points = points[:n]
    vacant = np.where(rng.random(n) < 0.15, "ja", "nee")
    bouwjaar = rng.integers(1900, 2020, n)
    bouwjaar[:40] = -99999999
    return gpd.GeoDataFrame(
        {
            "address_id": [f"A{i:05d}" for i in range(n)],
            "vacant": vacant,
            "registration_mismatch": (rng.random(n) < 0.1).astype("int64"),
            "bouwjaar": bouwjaar,
        },
        geometry=points,
        crs="EPSG:28992",
    )


CONFIG = """\
# my first zicht run: my municipality's buurten and my unit table, nothing else
gemeente = "GM0228"

[inputs]
geodata = "."

[inputs.buurten]
path = "zip://buurt_2017.zip"

[inputs.units]
source = "file"
path = "units.gpkg"
synthetic = true

[stats]
permutations = 99
"""


def newcomer(tmp: Path, *, config: str = CONFIG, crs: str = "EPSG:3857") -> Newcomer:
    """Write the buurten (zipped shapefile in ``crs``), the units and the config to ``tmp``."""
    buurten = buurten_2017()
    zipped = write_zipped_shapefile(buurten.to_crs(crs), tmp / "buurt_2017.zip")
    units = synthetic_units(buurten)
    units_path = tmp / "units.gpkg"
    units.to_file(units_path, layer="units", driver="GPKG")
    config_path = tmp / "zicht.toml"
    config_path.write_text(config, encoding="utf-8")
    return Newcomer(tmp, zipped, units_path, config_path, buurten)
