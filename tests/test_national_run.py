"""The national run (issue 19): the whole country from one config, nothing lost on the way.

Small data only: the shipped CBS boundaries of the whole country with a few hundred
synthetic units in buurten of gemeenten that merged before 2022 and in Ede.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht.config import load_config, read_inputs, read_unit_table
from zicht.ingest import read_boundaries

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
NATIONAL = GEODATA / "national.toml"


def _buurten_2014() -> gpd.GeoDataFrame:
    frame, _ = read_boundaries(
        GEODATA / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    return frame


def _merged_away(buurten: gpd.GeoDataFrame) -> pd.Series:
    """Buurten whose 2014 gemeente code is no 2022 gemeente (merged or renumbered)."""
    gemeenten, _ = read_boundaries(
        GEODATA / "cbs" / "wijken_gemeenten_2022.gpkg", level="gemeente", layer="NLD_muni"
    )
    return ~("GM" + buurten["code"].str.slice(2, 6)).isin(set(gemeenten["code"]))


@pytest.fixture(scope="module")
def national_config(tmp_path_factory):
    """geodata/national.toml pointed at a small synthetic unit file (absolute paths)."""
    folder = tmp_path_factory.mktemp("national_run")
    buurten = _buurten_2014()
    buurten = buurten[~buurten.geometry.is_empty & (buurten.geometry.area > 1e5)]
    merged = buurten[_merged_away(buurten)].head(8)
    ede = buurten[buurten["code"].str.startswith("BU0228")].head(4)
    rng = np.random.default_rng(19)
    points = []
    for geom in pd.concat([merged, ede]).geometry:
        x0, y0, x1, y1 = geom.bounds
        xy = np.column_stack([rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400)])
        points.append(xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])][:40])
    xy = np.concatenate(points)
    use = rng.choice(["woonfunctie", "logiesfunctie", "industriefunctie"], len(xy))
    units = gpd.GeoDataFrame(
        {"address_id": [f"NL{i:05d}" for i in range(len(xy))], "gebruiksdoel": use},
        geometry=shapely.points(xy),
        crs=28992,
    )
    (folder / "addresses").mkdir()
    units.to_parquet(folder / "addresses" / "part.parquet", geometry_encoding="geoarrow")
    text = NATIONAL.read_text(encoding="utf-8")
    text = text.replace('geodata = "."', f'geodata = "{GEODATA.as_posix()}"')
    text = text.replace('"../data/national/addresses"', f'"{(folder / "addresses").as_posix()}"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return load_config(folder / "config.toml"), units


@pytest.mark.slow  # reads and indexes the country's 11,146 buurten (about 20 s)
def test_gemeente_all_keeps_the_buurten_of_merged_gemeenten(national_config):
    config, units = national_config
    assert config.gemeente == ("all",) or list(config.gemeente) == ["all"]
    study = read_inputs(config)
    buurten = _buurten_2014()
    assert len(study.layers["buurt"]) == len(buurten)
    kept = set(study.layers["buurt"]["code"])
    merged = set(buurten.loc[_merged_away(buurten), "code"])
    assert len(merged) > 1000 and merged <= kept
    # every unit, also those in the buurten of merged gemeenten, joins a buurt
    from zicht.pipeline import _join

    frame, reports = read_unit_table(config, study.layers)
    joined, report = _join(config, frame, study.layers, list(reports))
    assert report.rows_in == len(units) == report.joined == len(joined)
    in_merged = joined["buurt_code"].isin(merged)
    assert in_merged.sum() >= 100 and joined.loc[in_merged, "gemeente_code"].notna().all()


def test_the_map_box_comes_from_the_bounds_not_a_union(monkeypatch):
    """prepare_release spent 25 s on the union of 378k geometries for a bounding box."""
    from test_maps import make_release
    from zicht.maps import MapOptions
    from zicht.maps import _layers as map_layers

    release, _ = make_release()
    # what the union gave: its envelope plus the context margin
    drawn = [np.asarray(f.geometry.values, dtype=object) for f in release.layers.values()]
    union = shapely.union_all(np.concatenate(drawn))
    box = shapely.envelope(union).buffer(map_layers._CONTEXT_MARGIN_M, join_style="mitre")
    monkeypatch.setattr(map_layers.shapely, "union_all", None)  # calling it would fail
    got = map_layers.prepare_release(release, MapOptions())
    assert got.context
    for layer in got.context:
        frame = release.context[layer.name]
        expected = frame.loc[frame.geometry.to_crs(28992).intersects(box) & ~frame.is_empty]
        id_column = map_layers._CONTEXT_COLUMNS[layer.kind][0]
        assert layer.ids == tuple(str(v) for v in expected[id_column])


def test_dask_addresses_read_with_columns_keep_their_geometry(tmp_path, two_buurten):
    pytest.importorskip("dask_geopandas")
    from zicht.index import JoinReport, join_dask, join_units, prepare_join
    from zicht.ingest import read_addresses_dask

    rng = np.random.default_rng(3)
    xy = np.column_stack([rng.uniform(99_850, 100_150, 90), rng.uniform(449_950, 450_150, 90)])
    units = gpd.GeoDataFrame(
        {"address_id": [f"A{i}" for i in range(90)], "other": np.arange(90)},
        geometry=shapely.points(xy),
        crs=28992,
    )
    units.iloc[:45].to_parquet(tmp_path / "a.parquet")
    units.iloc[45:].to_parquet(tmp_path / "b.parquet", geometry_encoding="geoarrow")
    frame = read_addresses_dask(tmp_path, columns=["address_id"])
    assert list(frame.columns) == ["address_id", "geometry"]
    got = join_dask(frame, prepare_join(two_buurten)).compute(scheduler="sync")
    expected, report = join_units(units, two_buurten)
    assert got["buurt_code"].astype("string").fillna("-").tolist() == (
        expected["buurt_code"].astype("string").fillna("-").tolist()
    )
    assert JoinReport.from_frame(got).to_dict() == report.to_dict()


@pytest.mark.slow  # indexes the country's buurten and wijken (about 15 s)
def test_a_geoparquet_unit_table_is_joined_as_arrays_with_the_same_keys(national_config):
    from zicht.config import point_table_route
    from zicht.ingest import read_addresses
    from zicht.pipeline import _join

    config, _ = national_config
    assert point_table_route(config)
    study = read_inputs(config)
    table, reports = read_unit_table(config, study.layers)
    assert not isinstance(table, gpd.GeoDataFrame)  # no shapely points
    points, _ = read_addresses(config.inputs.resolve(config.inputs.units.path))
    fast, fast_report = _join(config, table, study.layers, list(reports))
    slow, slow_report = _join(config, points, study.layers, [])
    assert fast_report.to_dict() == slow_report.to_dict()
    columns = ["address_id", "h3_r9", "buurt_code", "wijk_code", "gemeente_code"]
    for column in [*columns, "wijk_area_code", "joined"]:
        left = fast[column].astype("string").fillna("-").tolist()
        right = slow[column].astype("string").fillna("-").tolist()
        assert left == right, column


@pytest.mark.slow  # the whole national run on a few hundred units (3 min under load 9)
def test_the_national_config_runs_every_stage_and_passes_its_own_check(national_config, tmp_path):
    """zicht run of geodata/national.toml: every unit accounted for, every layer and Gi*."""
    from zicht.pipeline import run

    config, units = national_config
    result = run(config, tmp_path / "out")  # raises unless zicht check passes the release
    assert result.summary.units_in == len(units) == result.summary.units_joined
    assert set(result.release.layers) >= {"h3", "buurt", "wijk", "gemeente"}
    hot = result.release.metadata["hotspot"]
    assert hot["permutations"] == 999 and hot["correction"] == "fdr_bh"
    assert (tmp_path / "out" / "risk_map.html").is_file()
    pages = list((tmp_path / "out" / "gemeenten").glob("GM*.html"))
    assert pages and "gemeenten/" + pages[0].name in (
        tmp_path / "out" / "run_manifest.json"
    ).read_text(encoding="utf-8")


def test_a_region_outline_left_invalid_still_finds_its_buurt():
    """Zeeland's run failed in the panel: GEOS refused to intersect an invalid outline."""
    from types import SimpleNamespace

    from zicht.maps._panel import _covering

    bow = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000), (0, 0)])  # self-crossing
    with pytest.raises(shapely.errors.GEOSException):
        shapely.intersection(bow, shapely.box(200, -100, 800, 1100))
    geography = SimpleNamespace(frame=gpd.GeoDataFrame(geometry=[bow], crs=28992))
    buurten = np.array([shapely.box(-50, -50, 1050, 1050), shapely.box(5000, 0, 6000, 1000)])
    main, count = _covering(geography, buurten)
    assert list(main) == [0] and list(count) == [1]
