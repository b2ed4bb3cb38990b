"""Seeded toy study areas for the disclosure tests: hexagons, Voronoi buurten, random units.

Everything is built here from h3, pyproj and shapely, so the tests of the disclosure step
do not depend on the ingest and index modules.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from zicht.publish import DisclosureRules, LayerInput, UnitTable, publish_release
from zicht.schemas import IndicatorMeta

EDE = (52.04, 5.66)
_TO_WGS = Transformer.from_crs(28992, 4326, always_xy=True)

METAS = [
    IndicatorMeta("n_vacant", "Vacant", "addresses", "count"),
    IndicatorMeta("rate_vacant_pct", "Vacancy rate", "%", "rate"),
    IndicatorMeta("n_mismatch", "Mismatch", "addresses", "count"),
    IndicatorMeta("rate_mismatch_pct", "Mismatch rate", "%", "rate"),
]


@dataclass
class Area:
    """A toy study area: units with keys, and the boundary layers."""

    units: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    gemeenten: gpd.GeoDataFrame

    def unit_table(self, **kwargs: object) -> UnitTable:
        return UnitTable(self.units, unit_id="unit_id", **kwargs)  # type: ignore[arg-type]

    def layers(
        self, names: tuple[str, ...] = ("h3", "buurt", "wijk", "gemeente")
    ) -> list[LayerInput]:
        out = []
        frames = {"buurt": self.buurten, "wijk": self.wijken, "gemeente": self.gemeenten}
        for name in names:
            if name == "h3":
                cells = np.unique(self.units["h3_r9"].to_numpy(dtype=np.int64))
                out.append(LayerInput("h3", hexagons(cells)))
            else:
                out.append(LayerInput(name, frames[name]))
        return out


def hexagons(cells: np.ndarray) -> gpd.GeoDataFrame:
    """H3 cells as RD polygons with ``area_id`` and ``area_name``."""
    polygons = [
        shapely.Polygon([(lng, lat) for lat, lng in h3i.cell_to_boundary(int(c))]) for c in cells
    ]
    frame = gpd.GeoDataFrame(
        {"area_id": [h3i.int_to_str(int(c)) for c in cells], "area_name": "cell"},
        geometry=polygons,
        crs=4326,
    )
    return frame.to_crs(28992)


def make_area(
    seed: int,
    *,
    n_units: int = 600,
    rings: int = 3,
    n_buurten: int = 6,
    rate_vacant: float = 0.08,
    rate_mismatch: float = 0.04,
    companies: int = 0,
    clustered: bool = True,
) -> Area:
    """Random units in the hexagons around Ede, in Voronoi buurten two per wijk."""
    rng = np.random.default_rng(seed)
    cells = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(*EDE, 9), rings)), dtype=np.int64)
    hexes = hexagons(cells)
    area = shapely.union_all(hexes.geometry.to_numpy())
    xmin, ymin, xmax, ymax = area.bounds
    seeds = shapely.MultiPoint(rng.uniform((xmin, ymin), (xmax, ymax), (n_buurten, 2)))
    cut = shapely.voronoi_polygons(seeds, extend_to=area.envelope)
    polygons = [shapely.intersection(p, area) for p in cut.geoms]
    polygons = [p for p in polygons if not p.is_empty]
    codes = [f"BU0228{i // 2:02d}{i % 2:02d}" for i in range(len(polygons))]
    buurten = gpd.GeoDataFrame(
        {"area_id": codes, "area_name": [f"buurt {c[-4:]}" for c in codes]},
        geometry=polygons,
        crs=28992,
    )
    # Units: clustered around a few centres so that some cells are small and some large.
    if clustered:
        centres = rng.uniform((xmin, ymin), (xmax, ymax), (5, 2))
        which = rng.integers(0, len(centres), 4 * n_units)
        xy = centres[which] + rng.normal(0, (xmax - xmin) / 6, (4 * n_units, 2))
    else:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), (4 * n_units, 2))
    points = shapely.points(xy)
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    xy, points = xy[inside][:n_units], points[inside][:n_units]
    lon, lat = _TO_WGS.transform(xy[:, 0], xy[:, 1])
    cell = np.array(
        [h3i.latlng_to_cell(la, lo, 9) for la, lo in zip(lat, lon, strict=True)], dtype=np.int64
    )
    tree = shapely.STRtree(buurten.geometry.to_numpy())
    pt, poly = tree.query(points, predicate="intersects")
    first = pd.DataFrame({"pt": pt, "code": np.asarray(codes)[poly]}).sort_values(["pt", "code"])
    first = first.drop_duplicates("pt")
    buurt = np.full(len(points), None, dtype=object)
    buurt[first["pt"].to_numpy()] = first["code"].to_numpy()
    keep = pd.notna(buurt) & np.isin(cell, cells)
    n = int(keep.sum())
    units = gpd.GeoDataFrame(
        {
            "unit_id": [f"U{i:05d}" for i in range(n)],
            "h3_r9": pd.array(cell[keep], dtype="Int64"),
            "buurt_code": buurt[keep].astype(str),
            "vacant": rng.random(n) < rate_vacant,
            "mismatch": rng.random(n) < rate_mismatch,
        },
        geometry=points[keep],
        crs=28992,
    )
    units["wijk_code"] = "WK" + units["buurt_code"].str.slice(2, 8)
    units["gemeente_code"] = "GM" + units["buurt_code"].str.slice(2, 6)
    if companies:
        units["company_id"] = [f"C{c}" for c in rng.integers(0, companies, n)]
    with_units = buurten[buurten["area_id"].isin(set(units["buurt_code"]))]
    b2 = with_units.assign(wijk="WK" + with_units["area_id"].str.slice(2, 8))
    wijken = b2.dissolve("wijk").reset_index()[["wijk", "geometry"]]
    wijken = wijken.rename(columns={"wijk": "area_id"}).assign(area_name=lambda d: d["area_id"])
    gemeenten = gpd.GeoDataFrame(
        {"area_id": ["GM0228"], "area_name": ["Ede"]},
        geometry=[shapely.union_all(with_units.geometry.to_numpy())],
        crs=28992,
    )
    return Area(units=units, buurten=buurten, wijken=wijken, gemeenten=gemeenten)


def publish_area(area: Area, rules: DisclosureRules | None = None, **kwargs: object):
    """Publish the toy area through the unit path."""
    return publish_release(
        area.layers(),
        METAS,
        rules=rules or DisclosureRules(),
        units=area.unit_table(),
        metadata={"run_id": "test", "hotspot": {"k": 1}},
        **kwargs,  # type: ignore[arg-type]
    )


def write_bundle(release, area: Area, folder: Path) -> tuple[Path, Path]:
    """Write the release and the units file; return (release folder, units file)."""
    from zicht.export import internal_dir_for, write_internal_files, write_release

    out = folder / "release"
    write_release(release, out)
    internal = write_internal_files(release, area.unit_table(), internal_dir_for(out))
    return out, internal["units"]


@functools.cache
def make_town(
    tiny_items: tuple[tuple[int, int], ...], per_cell: int = 12, all_vacant: tuple[int, ...] = ()
):
    """Buurten of H3 cells in one wijk: six big ones around tiny ones at given cells.

    ``tiny_items`` maps the index of a cell of the inner ring (0 is the centre) to the
    units of the buurt that cell forms on its own; every other cell of the disk of radius 3
    belongs to one of six big buurten (by direction from the centre), ``per_cell`` units
    each. Every unit of the inner cells in ``all_vacant`` is vacant. Returns the units and
    the release of the H3 and buurt layers.
    """
    tiny = dict(tiny_items)
    centre = h3i.latlng_to_cell(*EDE, 9)
    cells = np.array(sorted(h3i.grid_disk(centre, 3)), dtype=np.int64)
    inner = [centre, *sorted(h3i.grid_ring(centre, 1))]
    lat0, lng0 = h3i.cell_to_latlng(centre)
    buurt = {}
    for c in cells:
        lat, lng = h3i.cell_to_latlng(int(c))
        sector = int(((np.degrees(np.arctan2(lat - lat0, lng - lng0)) + 360) % 360) // 60)
        buurt[int(c)] = f"BU0228000{sector}"
    units = {int(c): per_cell for c in cells}
    for i, n in tiny.items():
        buurt[int(inner[i])] = f"BU022800T{i}"
        units[int(inner[i])] = n
    rng = np.random.default_rng(1)
    rows = []
    full = {int(inner[i]) for i in all_vacant}
    for c, n in units.items():
        for _ in range(n):
            vacant = c in full or bool(rng.random() < 0.3)
            rows.append((c, buurt[c], vacant, bool(rng.random() < 0.2)))
    frame = pd.DataFrame(rows, columns=["h3_r9", "buurt_code", "vacant", "mismatch"])
    frame["h3_r9"] = frame["h3_r9"].astype("Int64")
    frame["wijk_code"] = "WK022800"
    frame["gemeente_code"] = "GM0228"
    frame["unit_id"] = [f"U{i}" for i in range(len(frame))]
    hexes = hexagons(cells).assign(buurt=[buurt[int(c)] for c in cells])
    buurten = hexes.dissolve("buurt").reset_index()[["buurt", "geometry"]]
    buurten = gpd.GeoDataFrame(
        {"area_id": buurten["buurt"], "area_name": buurten["buurt"]},
        geometry=buurten.geometry.to_numpy(),
        crs=28992,
    )
    layers = [LayerInput("h3", hexagons(cells)), LayerInput("buurt", buurten)]
    release = publish_release(
        layers,
        METAS,
        rules=DisclosureRules(),
        units=UnitTable(frame, unit_id="unit_id"),
        metadata={"run_id": "utility", "hotspot": {"k": 1}},
    )
    return frame, release


def add_one_vacant_unit(monkeypatch) -> None:
    """Make every later pipeline run read one more vacant address, in the first unit's place.

    The reviewer's pair: two releases one unit apart. ``monkeypatch`` is pytest's fixture.
    """
    import zicht.pipeline as pipeline

    read = pipeline.read_unit_table

    def one_more(config, layers):
        units, reports = read(config, layers)
        extra = units.iloc[[0]].assign(address_id="EXTRA0001", vacant=True)
        return pd.concat([units, extra], ignore_index=True), reports

    monkeypatch.setattr(pipeline, "read_unit_table", one_more)
