"""Window statistics rest on published values only, and `zicht check` models them.

`rate_<id>_eb_spatial_pct` borrows from a feature's neighbours. The publisher computes it
from the published figures of the feature and its *published* neighbours; the checker
recomputes every value with its own code and fails a release whose value does not follow
from its window. The leaky variant (every occupied neighbour, merged cells of 1–9 units
included, as the value used to be computed upstream) is built here and must be caught, and
an enumeration attack on it must pin merged cells while on the real release it pins none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest

from disclosure_fixtures import METAS, make_area, write_bundle
from zicht.check import check_release
from zicht.check._windows import eb_spatial
from zicht.publish import DisclosureRules, publish_release
from zicht.schemas import IndicatorMeta
from zicht.stats import h3_graph, smooth_rates

SMOOTHED = "rate_vacant_eb_spatial_pct"


def _rate(events: np.ndarray, base: np.ndarray, window: list[int], i: int) -> float:
    """The attacker's own spatial EB rate (per cent) of feature ``i`` over ``window``."""
    w = [i, *window]
    e, b = events[w].astype(float), base[w].astype(float)
    mean = e.sum() / b.sum()
    rate = e / b
    variance = max((b * (rate - mean) ** 2).sum() / b.sum() - mean / (b.sum() / len(w)), 0.0)
    weight = variance / (variance + mean / b[0]) if variance > 0 else 0.0
    return 100.0 * (mean + (rate[0] - mean) * weight)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    area = make_area(11, n_units=700)
    layers = area.layers(("h3", "buurt"))
    for layer in layers:
        layer.frame[SMOOTHED] = np.nan  # the layers that carry the smoothed rate
    metas = [*METAS, IndicatorMeta(SMOOTHED, "Vacancy (smoothed)", "%", "rate")]
    release = publish_release(
        layers,
        metas,
        rules=DisclosureRules(),
        units=area.unit_table(),
        metadata={"run_id": "windows", "hotspot": {"k": 1}},
    )
    folder, units = write_bundle(release, area, tmp_path_factory.mktemp("windows"))
    return area, folder, units


def test_the_smoothed_rate_follows_from_published_figures_only(toy):
    _, folder, units = toy
    h3_layer = pd.read_csv(folder / "h3.csv", dtype={"area_id": str})
    published = h3_layer[h3_layer["status"] == "published"].reset_index(drop=True)
    assert published[SMOOTHED].notna().sum() >= 5
    assert (h3_layer.loc[h3_layer["status"] != "published", SMOOTHED]).isna().all()
    # Recompute every value from the published cells alone (the attacker's own formula).
    ids = list(published["area_id"])
    where = {c: i for i, c in enumerate(ids)}
    events = published["n_vacant"].to_numpy(dtype=float)
    base = published["n_units"].to_numpy(dtype=float)
    for i, cell in enumerate(ids):
        if np.isnan(published.loc[i, SMOOTHED]):
            continue
        window = [where[c] for c in h3.grid_disk(cell, 1) if c != cell and c in where]
        window = [j for j in window if np.isfinite(events[j])]
        assert published.loc[i, SMOOTHED] == pytest.approx(
            _rate(events, base, window, i), abs=0.051
        ), cell
    report = check_release(folder, units)
    assert report.ok, report.to_text()
    assert "spatially smoothed rates recomputed from the published figures" in report.to_text()


def _leaky_copy(folder: Path, units_file: Path, target: Path) -> tuple[Path, int]:
    """The release with the smoothed rate computed the old way: over every occupied cell."""
    shutil.copytree(folder, target)
    units = pd.read_parquet(units_file)
    cells = units.groupby("h3_cell").agg(n=("unit_id", "size"), k=("vacant", "sum"))
    ints = np.array([h3.str_to_int(c) for c in cells.index], dtype=np.int64)
    old = smooth_rates(
        pd.Series(cells["k"].to_numpy(), index=ints),
        pd.Series(cells["n"].to_numpy(), index=ints),
        method="eb_spatial",
        graph=h3_graph(ints, k=1),
        per=100.0,
    ).set_axis(cells.index)
    frame = gpd.read_file(target / "release.gpkg", layer="h3")
    shown = frame[SMOOTHED].notna()
    frame.loc[shown, SMOOTHED] = old.reindex(frame.loc[shown, "area_id"]).round(1).to_numpy()
    frame.to_file(target / "release.gpkg", layer="h3", driver="GPKG")
    pd.DataFrame(frame.drop(columns="geometry")).to_csv(target / "h3.csv", index=False)
    return target, int(shown.sum())


def test_a_smoothed_rate_over_an_unpublished_neighbour_is_caught(toy, tmp_path):
    _, folder, units = toy
    leaky, _ = _leaky_copy(folder, units, tmp_path / "leaky")
    report = check_release(leaky, units)
    windows = [v for v in report.violations if v.check == "window statistics"]
    assert windows, report.to_text()
    assert any(
        "does not follow from the published figures of its window" in v.detail
        and "of them not published" in v.detail
        for v in windows
    ), windows


def test_the_checkers_estimator_is_the_published_one():
    # One window, figures chosen by hand: the checker's own code and zicht.stats agree.
    events = np.array([3.0, 10.0, 0.0, 7.0])
    base = np.array([40.0, 60.0, 25.0, 90.0])
    cells = np.array(sorted(h3.grid_disk(h3.latlng_to_cell(52.04, 5.66, 9), 1))[:4])
    ints = np.array([h3.str_to_int(c) for c in cells], dtype=np.int64)
    graph = h3_graph(ints, k=1)
    ours = smooth_rates(
        pd.Series(events, index=ints),
        pd.Series(base, index=ints),
        method="eb_spatial",
        graph=graph,
    ).to_numpy()
    where = {c: i for i, c in enumerate(cells)}
    windows = [
        np.array([where[n] for n in h3.grid_disk(c, 1) if n != c and n in where]) for c in cells
    ]
    assert eb_spatial(events, base, windows) == pytest.approx(ours, abs=1e-12)


# ----------------------------------------------------------------------------- youth


def _attack(cells: pd.DataFrame, value: pd.Series, windows: dict[str, list[str]], thr: int):
    """Enumerate what a published smoothed rate allows for the unknown cells in its window.

    ``cells`` has the attacker's figures (``n``, ``k``) of the cells it knows and ``known``;
    every other cell in a window is unknown with 1 to ``thr - 1`` units. For each published
    value whose window holds exactly one unknown cell, every (n, k) of that cell is tried;
    returns the unknown cells whose count is the same in every consistent try.
    """
    pinned: dict[str, int] = {}
    for cell, shown in value.dropna().items():
        window = windows[cell]
        unknown = [c for c in window if not cells.loc[c, "known"]]
        if len(unknown) != 1:
            continue
        m = unknown[0]
        order = [cell, *window]
        events = cells.loc[order, "k"].to_numpy(dtype=float)
        base = cells.loc[order, "n"].to_numpy(dtype=float)
        slot = order.index(m)
        found = set()
        for n in range(1, thr):
            for k in range(n + 1):
                events[slot], base[slot] = k, n
                if abs(_rate(events, base, list(range(1, len(order))), 0) - shown) <= 0.05:
                    found.add(k)
        if len(found) == 1:
            pinned[m] = found.pop()
    return pinned


@pytest.mark.slow
def test_the_youth_release_pins_no_merged_cell_and_the_old_rate_did(tmp_path):
    from example_support import run_example

    example = run_example("youth", tmp_path)
    out = example["out"]
    units_file = out.parent / "out_internal" / "units.parquet"
    thr = example["config"].rules.min_units
    column = "rate_household_debts_eb_spatial_pct"
    frame = pd.read_csv(out / "h3.csv", dtype={"area_id": str}).set_index("area_id")
    units = pd.read_parquet(units_file)
    truth = units.groupby("h3_cell").agg(n=("unit_id", "size"), k=("_count_household_debts", "sum"))
    assert set(frame.index) == set(truth.index) or set(truth.index) <= set(frame.index)
    published = frame["status"] == "published"
    merged = truth.index[~published.reindex(truth.index, fill_value=False).to_numpy()]
    assert len(merged) > 100
    # The real release: every value follows from the published cells of its window, so the
    # attacker's windows hold no unknown cell and nothing can be enumerated.
    report = check_release(out, units_file)
    assert report.ok, report.to_text(limit=20)
    pub = frame[published]
    cells = pd.DataFrame(
        {"n": pub["n_units"], "k": pub["n_household_debts"], "known": True}, index=pub.index
    )
    cells = cells[cells["k"].notna()]
    windows = {
        c: [x for x in h3.grid_disk(c, 1) if x != c and x in cells.index] for c in cells.index
    }
    assert _attack(cells, pub[column].reindex(cells.index), windows, thr) == {}
    # The old rate (every occupied neighbour, exact figures): the same attack, given the
    # exact figures of the published cells and the occupancy of the merged ones, pins some.
    occupied = truth.assign(known=lambda t: ~t.index.isin(merged))
    ints = np.array([h3.str_to_int(c) for c in truth.index], dtype=np.int64)
    old = smooth_rates(
        pd.Series(truth["k"].to_numpy(), index=ints),
        pd.Series(truth["n"].to_numpy(), index=ints),
        method="eb_spatial",
        graph=h3_graph(ints, k=1),
        per=100.0,
    ).set_axis(truth.index)
    old = old.round(1).where(occupied["known"])
    windows_old = {
        c: [x for x in h3.grid_disk(c, 1) if x != c and x in truth.index] for c in truth.index
    }
    pinned = _attack(occupied, old, windows_old, thr)
    assert len(pinned) >= 3, pinned
    assert set(pinned) <= set(merged)


def test_polygon_windows_include_overlapping_neighbours():
    # Quantised boundaries overlap without a shared vertex; queen misses them, the window
    # ("intersects") and the checker do not.
    import shapely

    from zicht.stats import polygon_graph

    frame = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(9.5, 3, 20, 7), shapely.box(30, 0, 40, 9)],
        index=["a", "b", "c"],
        crs="EPSG:28992",
    )
    assert polygon_graph(frame, "queen").cardinalities.tolist() == [0, 0, 0]
    assert polygon_graph(frame, "intersects").cardinalities.tolist() == [1, 1, 0]
