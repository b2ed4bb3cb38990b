"""CBS sentinels become missing, counted, on the partitioned address paths too (issue 20.7).

A sentinel in an address attribute once counted 3,000 rows of ``bouwjaar = -99999999`` as
"before 1945": the partition readers (:func:`iter_point_partitions`, :func:`read_point_table`)
and the dask path (:func:`read_addresses_dask`) replace them as every other reader does.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from zicht._validate import LayerReport
from zicht.index import count_partitioned, join_distributed, join_partitioned, prepare_join
from zicht.ingest import iter_point_partitions, read_addresses_dask, read_point_table


@pytest.fixture
def folder(tmp_path):
    """Two GeoParquet partitions; the second holds 3 sentinel years and 1 sentinel text."""
    for i, years in enumerate(([1930, 1990, 2001], [-99999999, 1944, -99999997, -99999999])):
        n = len(years)
        frame = gpd.GeoDataFrame(
            {
                "address_id": [f"A{i}{j}" for j in range(n)],
                "bouwjaar": np.array(years, dtype="int64"),
                "status": ["in gebruik"] * (n - 1) + (["-99999999"] if i else ["in gebruik"]),
            },
            geometry=shapely.points(np.full(n, 155_000.0 + i), np.arange(n) + 463_000.0),
            crs="EPSG:28992",
        )
        frame.to_parquet(tmp_path / f"part{i}.parquet")
    return tmp_path


def test_each_partition_replaces_and_counts_its_sentinels(folder):
    parts = list(iter_point_partitions(folder, columns=["bouwjaar", "status"]))
    assert [p.sentinels for p in parts] == [{}, {"bouwjaar": 3, "status": 1}]
    years = parts[1].attributes["bouwjaar"]
    assert years.isna().tolist() == [True, False, True, True]
    assert int((years < 1945).sum()) == 1  # only the real 1944, not the secret cells


def test_the_point_table_reports_the_total(folder):
    frame, report = read_point_table(folder)
    assert report.sentinels == {"bouwjaar": 3, "status": 1}
    assert int(frame["bouwjaar"].isna().sum()) == 3
    assert int((frame["bouwjaar"] < 1945).sum()) == 2  # 1930 and 1944


def test_the_dask_path_replaces_counts_and_says_so(folder):
    pytest.importorskip("dask_geopandas")
    report = LayerReport(layer="addresses", source=str(folder), rows_read=7)
    with pytest.warns(UserWarning, match=r"sentinel values replaced by missing: bouwjaar 3"):
        lazy = read_addresses_dask(
            folder, columns=["address_id", "bouwjaar", "status"], report=report
        )
    assert report.sentinels == {"bouwjaar": 3, "status": 1}
    frame = lazy.compute()
    assert str(lazy.dtypes["bouwjaar"]) == "float64" == str(frame["bouwjaar"].dtype)
    assert int(frame["bouwjaar"].isna().sum()) == 3
    assert int((frame["bouwjaar"] < 1945).sum()) == 2
    assert int(frame["status"].isna().sum()) == 1


def test_the_dask_join_report_carries_the_counts_of_the_read(folder, buurt):
    pytest.importorskip("dask_geopandas")
    from zicht.index import JoinReport, join_dask

    report = LayerReport(layer="addresses", source=str(folder), rows_read=7)
    with pytest.warns(UserWarning, match="sentinel values replaced"):
        lazy = read_addresses_dask(folder, columns=["address_id", "bouwjaar"], report=report)
    layers = prepare_join(buurt)
    joined = join_dask(lazy, layers).compute()
    rebuilt = JoinReport.from_frame(joined, layers.nesting, report.sentinels)
    assert rebuilt.rows_in == 7 and rebuilt.balanced
    assert rebuilt.to_dict()["sentinels"] == {"bouwjaar": 3}


@pytest.fixture
def buurt():
    """One buurt around the partitions' points."""
    return gpd.GeoDataFrame(
        {"code": ["BU99990101"], "name": ["Midden"]},
        geometry=[shapely.box(154_900, 462_900, 155_100, 463_100)],
        crs=28992,
    )


def test_the_join_report_of_every_partitioned_path_counts_the_sentinels(folder, buurt):
    """Every row is in rows_in; the values read as missing are in the report beside them."""
    expected = {"bouwjaar": 3, "status": 1}
    _, report = join_partitioned(folder, buurt, columns=["address_id", "bouwjaar", "status"])
    assert report.rows_in == 7 and report.balanced
    assert report.sentinels == expected and report.to_dict()["sentinels"] == expected
    layers = prepare_join(buurt)
    columns = ["address_id", "bouwjaar", "status"]
    _, on_workers = join_distributed(folder, layers, scheduler=None, columns=columns)
    assert on_workers.sentinels == expected  # the per-file tasks, added up on the client
    # counting reads the locations only: no attribute is read, so none is set missing
    _, counted = count_partitioned(folder, layers)
    assert counted.rows_in == 7 and counted.sentinels == {}


@pytest.mark.slow
def test_the_run_report_accounts_for_every_row_and_the_sentinels(tmp_path):
    """A run on a folder of GeoParquet files (the national route) says what it set missing."""
    import json

    from newcomer_fixtures import CONFIG, newcomer
    from zicht.config import load_config
    from zicht.pipeline import run

    files = newcomer(tmp_path)
    units = gpd.read_file(files.units)
    (tmp_path / "units").mkdir()
    units.iloc[:300].to_parquet(tmp_path / "units" / "part-0.parquet")
    units.iloc[300:].to_parquet(tmp_path / "units" / "part-1.parquet")
    files.config.write_text(CONFIG.replace('path = "units.gpkg"', 'path = "units"'))
    result = run(load_config(files.config), tmp_path / "out")
    assert result.record.units["sentinels"] == {"bouwjaar": 40}
    report = " ".join((tmp_path / "out" / "report.md").read_text(encoding="utf-8").split())
    assert "Eenheden: 600 ingelezen, 600 gekoppeld (adres, " in report
    assert "als ontbrekend gelezen: `bouwjaar` 40." in report
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["metadata"]["join"]["sentinels"] == {"bouwjaar": 40}
