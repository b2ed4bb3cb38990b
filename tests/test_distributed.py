"""The join on dask.distributed: a LocalCluster of separate worker processes gives the keys,
the per-area counts and the join report of the in-process path (small data: Ede)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht.index import (
    JoinReport,
    count_partitioned,
    join_arrays,
    join_dask,
    join_distributed,
    join_partitioned,
    join_units,
    prepare_join,
)
from zicht.ingest import iter_point_partitions, read_addresses_dask

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

KEYS = ["address_id", "h3_r9", "buurt_code", "wijk_code", "gemeente_code", "joined"]


@pytest.fixture(scope="module")
def ede():
    from conftest import shipped_buurten

    return shipped_buurten(code_prefix="BU0228")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, ede):
    """Three GeoParquet files (GeoArrow points, as the national set) in and around Ede."""
    out = tmp_path_factory.mktemp("units")
    rng = np.random.default_rng(19)
    minx, miny, maxx, maxy = ede.total_bounds
    for i, n in enumerate((700, 500, 300)):
        xy = np.column_stack([rng.uniform(minx - 500, maxx, n), rng.uniform(miny, maxy + 500, n)])
        geoms = list(shapely.points(xy))
        geoms[:: 40 + i] = [None] * len(geoms[:: 40 + i])  # rows without a location
        frame = gpd.GeoDataFrame(
            {"address_id": [f"A{i}-{k}" for k in range(n)]}, geometry=geoms, crs=28992
        )
        frame.to_parquet(out / f"part-{i}.parquet", geometry_encoding="geoarrow")
    return out


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert len(left) == len(right)
    for column in KEYS:
        a = left[column].astype("string").fillna("-").tolist()
        b = right[column].astype("string").fillna("-").tolist()
        assert a == b, column


# Exception to "slow = end-to-end": a cluster of worker processes takes seconds to start.
pytestmark = pytest.mark.slow


def test_worker_processes_give_the_keys_counts_and_report_of_the_in_process_join(
    client, ede, folder
):
    layers = prepare_join(ede)
    workers = client.scheduler_info()["workers"]
    assert len({w["id"] for w in workers.values()}) == 2  # two separate processes
    expected, expected_report = join_partitioned(folder, layers)

    got, report = join_distributed(folder, layers, scheduler=client)
    _same(got, expected)
    assert report.to_dict() == expected_report.to_dict()
    assert report.not_joined  # the test data do fail to join, so reasons are compared

    counts, count_report = count_partitioned(folder, layers, scheduler=client)
    here, _ = count_partitioned(folder, layers)  # the same counting, in this process
    joined = expected[expected["joined"]]
    for level in ("h3_r9", "buurt_code", "wijk_code", "gemeente_code"):
        direct = joined[level].astype("string").value_counts()
        assert counts[level].rename(index=str).sort_index().to_dict() == {
            str(k): int(v) for k, v in direct.sort_index().items()
        }, level
        assert counts[level].equals(here[level]), level
    assert count_report.to_dict() == expected_report.to_dict()

    # the route of `zicht run` with [inputs.units] scheduler: coordinates in chunks
    parts = list(iter_point_partitions(folder))
    x, y = np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts])
    present = np.concatenate([p.present for p in parts])
    keys, arrays_report = join_arrays(x, y, present, layers, 9, scheduler=client)
    local, local_report = join_arrays(x, y, present, layers, 9)
    assert np.array_equal(keys.h3, local.h3)
    for level, ranks in local.ranks.items():
        assert np.array_equal(keys.ranks[level], ranks), level
    assert arrays_report.to_dict() == local_report.to_dict()


def test_the_dask_geopandas_path_runs_on_the_cluster(client, ede, folder):
    units = read_addresses_dask(folder, columns=["address_id"])
    layers = prepare_join(ede)
    result = join_dask(units, layers).compute()  # on the cluster: the client is active
    whole = gpd.read_parquet(folder)
    expected, expected_report = join_units(whole, layers)
    _same(result.reset_index(drop=True), expected)
    assert JoinReport.from_frame(result).to_dict() == expected_report.to_dict()


def test_a_run_config_with_a_scheduler_joins_on_the_cluster(client, folder, tmp_path):
    from dataclasses import replace

    from conftest import GEODATA
    from zicht.config import load_config, read_inputs, read_unit_table
    from zicht.pipeline import _join

    text = (GEODATA / "national.toml").read_text(encoding="utf-8")
    text = text.replace('gemeente = "all"', 'gemeente = "GM0228"')
    text = text.replace('geodata = "."', f'geodata = "{GEODATA.as_posix()}"')
    text = text.replace('"../data/national/addresses"', f'"{folder.as_posix()}"')
    scheduler = f'scheduler = "{client.scheduler.address}"'
    # the test points reach outside Ede on purpose: let them fail to join without stopping
    text = text.replace("synthetic = true", f"synthetic = true\nmax_not_joined = 1.0\n{scheduler}")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config.inputs.units.scheduler == client.scheduler.address
    local = replace(
        config, inputs=replace(config.inputs, units=replace(config.inputs.units, scheduler=""))
    )
    study = read_inputs(config)
    table, reports = read_unit_table(config, study.layers)
    calls = []
    real_submit = type(client).submit

    def submit(self, *args, **kwargs):
        calls.append(args[0].__name__)
        return real_submit(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(client), "submit", submit)
        on_cluster, cluster_report = _join(config, table, study.layers, list(reports))
    assert calls and set(calls) == {"locate_chunk"}  # the per-row work went to the workers
    here, here_report = _join(local, table, study.layers, list(reports))
    assert cluster_report.to_dict() == here_report.to_dict()
    for column in [*KEYS, "wijk_area_code"]:
        left = on_cluster[column].astype("string").fillna("-").tolist()
        assert left == here[column].astype("string").fillna("-").tolist(), column
