"""The dask.distributed client of the cluster joins, and the row-chunk route.

Imports nothing else of :mod:`zicht.index`, so the join core can call it lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from zicht._errors import InputError

__all__ = ["CLUSTER_CHUNK", "cluster_client", "locate_on_cluster"]

#: Rows per task of :func:`locate_on_cluster`.
CLUSTER_CHUNK = 1_000_000


@contextmanager
def cluster_client(scheduler: Any) -> Iterator[Any]:
    """Yield a ``distributed.Client`` for an address (closed afterwards), or the one given."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the dask extra
        raise InputError(
            'a scheduler address needs dask.distributed: pip install "zicht[dask]"'
        ) from exc
    if isinstance(scheduler, str):
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
    else:
        yield scheduler


def locate_on_cluster(
    scheduler: Any,
    chunk: Callable[..., Any],
    x: np.ndarray,
    y: np.ndarray,
    layers: Any,
    resolution: int,
) -> list[Any]:
    """Run ``chunk(x, y, layers, resolution)`` on a cluster, one task per million rows.

    Parameters
    ----------
    scheduler
        Scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``.
    chunk
        A module-level function (it pickles by reference), e.g.
        :func:`zicht.index._join.locate_chunk`.
    x, y
        RD New coordinates.
    layers
        Indexed boundary layers (sent to every worker once).
    resolution
        H3 resolution.

    Returns
    -------
    list
        The chunks' results, in row order.
    """
    starts = list(range(0, len(x), CLUSTER_CHUNK))
    with cluster_client(scheduler) as client:
        shared = client.scatter(layers, broadcast=True)
        futures = [
            client.submit(
                chunk,
                x[s : s + CLUSTER_CHUNK],
                y[s : s + CLUSTER_CHUNK],
                shared,
                resolution,
                pure=False,
            )
            for s in starts
        ]
        return client.gather(futures)
