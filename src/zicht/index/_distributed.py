"""Joins on a ``dask.distributed`` cluster: the same keys, computed on other machines.

Two routes, both with keys identical to the in-process join:

* :func:`join_distributed` and :func:`count_partitioned` send one task per GeoParquet file;
  the worker reads the file as coordinate arrays and joins it. The workers must be able to
  read the paths (a shared file system); zicht must be installed on them.
* :func:`zicht.index._cluster.locate_on_cluster` sends row chunks of coordinates a run
  already holds (the route of ``zicht run`` with ``[inputs.units] scheduler``).

The boundary layers are indexed once, on the client, and sent to every worker once
(``Client.scatter(..., broadcast=True)``). Publication and Gi* need the whole country's
counts, so results gather on the client; :func:`count_partitioned` gathers only the
per-area counts (see docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from zicht._errors import InputError, SchemaError
from zicht.index._assign import concat_joined
from zicht.index._cluster import cluster_client
from zicht.index._join import JoinLayers, JoinReport, join_partition

__all__ = ["count_partitioned", "join_distributed"]

#: The per-area counts :func:`count_partitioned` gives by default.
COUNT_LEVELS = ("h3_r9", "buurt_code", "wijk_code", "gemeente_code")


def _files(source: str | Path) -> list[Path]:
    path = Path(source)
    files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(f"no GeoParquet files in {path}")
    return files


def _join_file(
    file: Path, layers: JoinLayers, resolution: int, columns: list[str] | None, repair: bool
) -> tuple[pd.DataFrame, JoinReport]:
    """One task: read one file as arrays and join it (checked as the in-process reader does)."""
    from zicht.ingest import iter_point_partitions

    frames, report = [], None
    for part in iter_point_partitions(file, columns=columns, repair=repair):
        frame, part_report = join_partition(part, layers, resolution)
        frames.append(frame)
        report = part_report if report is None else report + part_report
    if report is None:
        raise InputError(f"no rows in {file}")
    return frames[0], report


def _count_file(
    file: Path, layers: JoinLayers, resolution: int, by: Sequence[str], repair: bool
) -> tuple[dict[str, pd.Series], JoinReport]:
    """One task: join one file and keep only the joined units' count per area of each level."""
    frame, report = _join_file(file, layers, resolution, None, repair)
    joined = frame[frame["joined"].to_numpy(dtype=bool)]
    counts = {level: joined[level].value_counts(sort=False) for level in by}
    return {k: v[v > 0] for k, v in counts.items()}, report


def _unique_ids(ids: pd.Series, source: str | Path) -> None:
    repeated = ids[ids.duplicated()]
    if ids.isna().any() or len(repeated):
        raise SchemaError(
            f"addresses ({source}): column 'address_id': {int(ids.isna().sum())} rows have "
            f"no id and {len(repeated)} rows repeat an id, e.g. "
            f"{[str(v) for v in repeated.unique()[:3]]}; ids must be present and unique "
            "over all partitions"
        )


def _gather_files(
    scheduler: Any, task: Any, files: list[Path], layers: JoinLayers, *args: Any
) -> list[Any]:
    if scheduler is None:
        return [task(file, layers, *args) for file in files]
    with cluster_client(scheduler) as client:
        shared = client.scatter(layers, broadcast=True)
        futures = [client.submit(task, file, shared, *args, pure=False) for file in files]
        return client.gather(futures)


def join_distributed(
    source: str | Path,
    layers: JoinLayers,
    *,
    scheduler: Any,
    resolution: int = 9,
    columns: list[str] | None = None,
    repair: bool = False,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join a folder of GeoParquet files on a dask.distributed cluster, one task per file.

    The result equals :func:`zicht.index.join_partitioned` on the same files: each worker
    reads its file as coordinate arrays and joins it with the layers sent to it once; the
    joined partitions gather on the client in file order.

    Parameters
    ----------
    source
        A GeoParquet file or a folder of them, readable by every worker.
    layers
        :func:`zicht.index.prepare_join` layers.
    scheduler
        Scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``.
    resolution
        H3 resolution.
    columns
        Attribute columns to carry (default ``["address_id"]``).
    repair
        Keep locations outside the Netherlands (they join no area).

    Returns
    -------
    tuple of (pandas.DataFrame, JoinReport)
        As :func:`zicht.index.join_partitioned`.

    Raises
    ------
    InputError, SchemaError, CRSError, GeometryError
        As the in-process reader; ids must be unique over all files.
    """
    files = _files(source)
    results = _gather_files(scheduler, _join_file, files, layers, resolution, columns, repair)
    frame = concat_joined([r[0] for r in results])
    _unique_ids(frame["address_id"], source)
    report = results[0][1]
    for _, part_report in results[1:]:
        report = report + part_report
    return frame, report


def count_partitioned(
    source: str | Path,
    layers: JoinLayers,
    *,
    by: Sequence[str] = COUNT_LEVELS,
    resolution: int = 9,
    scheduler: Any = None,
    repair: bool = False,
) -> tuple[dict[str, pd.Series], JoinReport]:
    """Count the joined units per area of each level, file by file; only counts travel.

    The route for more points than one machine holds: each file is joined where it is
    read (on a worker with ``scheduler``, else here) and only its counts per H3 cell and
    area come back, so the client holds counts, never a per-point table. Ids are checked
    within each file only (the per-point ids never gather).

    Parameters
    ----------
    source
        A GeoParquet file or a folder of them (readable by every worker).
    layers
        :func:`zicht.index.prepare_join` layers.
    by
        Key columns to count by (``h3_r{resolution}``, ``buurt_code``, …).
    resolution
        H3 resolution.
    scheduler
        Scheduler address or ``distributed.Client``; None joins here, file by file.
    repair
        Keep locations outside the Netherlands (they join no area).

    Returns
    -------
    tuple of (dict of pandas.Series, JoinReport)
        Per level, the number of joined units per code (sorted by code, only codes with
        units); and the join report over all files.
    """
    files = _files(source)
    results = _gather_files(scheduler, _count_file, files, layers, resolution, list(by), repair)
    counts: dict[str, pd.Series] = {}
    for level in by:
        parts = [r[0][level] for r in results]
        total = pd.concat(parts).groupby(level=0).sum()
        counts[level] = total.sort_index().astype("int64").rename("units")
    report = results[0][1]
    for _, part_report in results[1:]:
        report = report + part_report
    return counts, report
