"""The national join in-process and on a LocalCluster of two worker processes (docs/scale.md).

Run with ``python benchmarks/bench_distributed.py`` after ``make national``; prints the
seconds of ``join_partitioned`` (in-process), ``join_distributed`` and ``count_partitioned``
(on the cluster) and whether their join reports equal the in-process one.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_join import boundaries
from distributed import Client, LocalCluster

from zicht.index import count_partitioned, join_distributed, join_partitioned, prepare_join


def main() -> None:
    b, w = boundaries()
    layers = prepare_join(b, wijken=w, allow_mixed_vintages=True)
    src = Path(__file__).resolve().parents[1] / "data" / "national" / "addresses"
    t = time.perf_counter()
    here, r1 = join_partitioned(src, layers)
    a = time.perf_counter() - t
    print(f"in-process join_partitioned: {a:.1f} s", flush=True)
    del here
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        Client(cl) as c,
    ):
        t = time.perf_counter()
        got, r2 = join_distributed(src, layers, scheduler=c)
        d = time.perf_counter() - t
        print(
            f"LocalCluster(2 processes) join_distributed: {d:.1f} s  ratio {d / a:.2f}",
            r1.to_dict() == r2.to_dict(),
            flush=True,
        )
        del got
        t = time.perf_counter()
        counts, r3 = count_partitioned(src, layers, scheduler=c)
        e = time.perf_counter() - t
        print(
            f"LocalCluster(2 processes) count_partitioned: {e:.1f} s, {len(counts['h3_r9'])} cells",
            r3.to_dict() == r1.to_dict(),
            flush=True,
        )
    same = r1.to_dict() == r2.to_dict() == r3.to_dict()
    print(
        f"RESULT rows={r1.rows_in} in_process_seconds={a:.1f} distributed_seconds={d:.1f} "
        f"count_seconds={e:.1f} ratio={d / a:.2f} reports_identical={str(same).lower()}"
    )


if __name__ == "__main__":
    main()
