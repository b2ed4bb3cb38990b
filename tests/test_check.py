"""`zicht check`: the independent checker passes clean releases and catches leaky ones."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import typer
from typer.testing import CliRunner

import zicht.publish._units as publish_units
from disclosure_fixtures import METAS, make_area, publish_area, write_bundle
from zicht.check import check_release
from zicht.cli._check import register
from zicht.publish import DisclosureRules, LayerInput, publish_release
from zicht.publish._disclosure import HIDDEN, IndicatorProtection


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    area = make_area(11, n_units=700)
    release = publish_area(area)
    folder, units = write_bundle(release, area, tmp_path_factory.mktemp("clean"))
    return area, release, folder, units


def _copy(folder, tmp_path):
    target = tmp_path / "release"
    shutil.copytree(folder, target)
    return target


def _tamper(folder, layer, change):
    """Apply ``change`` to a layer in both the GeoPackage and the CSV."""
    frame = gpd.read_file(folder / "release.gpkg", layer=layer)
    frame = change(frame)
    frame.to_file(folder / "release.gpkg", layer=layer, driver="GPKG")
    pd.DataFrame(frame.drop(columns="geometry")).to_csv(folder / f"{layer}.csv", index=False)


def _checks(report):
    return {v.check for v in report.violations}


def test_a_clean_release_passes_and_says_what_it_tried(clean):
    _, _, folder, units = clean
    report = check_release(folder, units)
    assert report.ok, report.to_text()
    text = report.to_text()
    assert "differencing between 10 pairs of layers" in text
    assert "interval propagation" in text
    assert "complete" in text
    assert text.rstrip().endswith("RESULT: PASS")


def test_a_value_on_a_feature_that_is_not_published_is_caught(clean, tmp_path):
    _, _, folder, units = clean
    leaky = _copy(folder, tmp_path)

    def reveal(frame):
        merged = frame.index[frame["status"] == "merged"][0]
        frame.loc[merged, "n_vacant"] = 5
        return frame

    _tamper(leaky, "h3", reveal)
    assert "no value unless published" in _checks(check_release(leaky, units))


def test_a_small_count_read_from_an_exact_rate_is_caught(clean, tmp_path):
    _area, _release, folder, units = clean
    leaky = _copy(folder, tmp_path)
    truth = pd.read_parquet(units)
    per_region = truth.groupby("region_id").agg(n=("vacant", "size"), k=("vacant", "sum"))
    small = per_region[(per_region["k"] >= 1) & (per_region["k"] < 10)].index

    def exact_rates(frame):
        rows = frame["area_id"].isin(small)
        k = per_region["k"].reindex(frame["area_id"]).to_numpy()
        n = per_region["n"].reindex(frame["area_id"]).to_numpy()
        frame.loc[rows, "rate_vacant_pct"] = np.round(100 * k / n, 1)[rows.to_numpy()]
        return frame

    _tamper(leaky, "region", exact_rates)
    report = check_release(leaky, units)
    assert "small count shown exactly" in _checks(report)


def test_a_cell_below_the_threshold_published_is_caught(clean, tmp_path):
    _, _, folder, units = clean
    leaky = _copy(folder, tmp_path)
    truth = pd.read_parquet(units)["h3_cell"].value_counts()

    def publish_small(frame):
        row = frame.index[frame["area_id"].map(truth).fillna(0).between(1, 9)][0]
        frame.loc[row, "status"] = "published"
        frame.loc[row, "n_units"] = 5
        return frame

    _tamper(leaky, "h3", publish_small)
    report = check_release(leaky, units)
    assert "threshold" in _checks(report)


def test_group_disclosure_is_caught(tmp_path):
    area = make_area(12, n_units=500, rate_vacant=0.96)
    release = publish_area(area, DisclosureRules(group_max_pct=100, purpose="internal"))
    folder, units = write_bundle(release, area, tmp_path)
    # judged against the floor (90 %), not the 100 % its manifest declares
    assert "group disclosure" in _checks(check_release(folder, units))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["rules"]["purpose"] = "publication"  # a release that hides what it is
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert {"group disclosure", "floors"} <= _checks(check_release(folder, units))


def test_differencing_between_h3_cells_and_buurten_is_caught(tmp_path):
    """A naive release: every H3 cell and every buurt, each passing the threshold alone.

    In this toy area a buurt minus the cells that lie in it, plus and minus the cells that
    straddle it, leaves 3 units (found by brute force over the null space as well).
    """
    area = make_area(1, n_units=800, n_buurten=10, clustered=False)
    _, units = write_bundle(publish_area(area), area, tmp_path / "good")
    frames = {}
    cells = area.units.assign(cell=area.units["h3_r9"].astype("int64"))
    from disclosure_fixtures import hexagons

    for name, key, geoms in (
        ("h3", "cell", None),
        ("buurt", "buurt_code", area.buurten),
    ):
        g = cells.groupby(key)
        stats = pd.DataFrame(
            {"n_units": g.size(), "n_vacant": g["vacant"].sum(), "n_mismatch": g["mismatch"].sum()}
        )
        stats["rate_vacant_pct"] = 100 * stats["n_vacant"] / stats["n_units"]
        stats["rate_mismatch_pct"] = 100 * stats["n_mismatch"] / stats["n_units"]
        if name == "h3":
            frame = hexagons(stats.index.to_numpy())
            frame = frame.join(stats.reset_index(drop=True))
        else:
            frame = geoms.merge(stats, left_on="area_id", right_index=True)
        frames[name] = frame
    naive = publish_release([LayerInput(n, f) for n, f in frames.items()], METAS)
    assert not naive.differencing_verified
    # write it anyway, as a careless writer would
    object.__setattr__(
        naive,
        "disclosure",
        {
            **dict(naive.disclosure),
            "differencing_verified": True,
            "unit_keys": {"h3": "h3_cell", "buurt": "buurt_code"},
            "numerators": {"n_vacant": "vacant", "n_mismatch": "mismatch"},
        },
    )
    from zicht.export import write_release

    folder = tmp_path / "naive"
    write_release(naive, folder)
    report = check_release(folder, units)
    found = [v for v in report.violations if v.check == "differencing"]
    assert any("n_units = 3 on 3 units" in v.detail for v in found), report.to_text()


@pytest.mark.slow
def test_a_release_without_secondary_protection_is_caught(tmp_path, monkeypatch):
    def none(tree, count, state, **_):
        state = state.copy()
        state[~tree.published] = HIDDEN
        return IndicatorProtection(state=state, actions=[], rounds=0)

    area = make_area(13, n_units=2500, n_buurten=10, rate_vacant=0.03, clustered=False)
    protected = publish_area(area)
    monkeypatch.setattr(publish_units, "protect_indicator", none)
    bare = publish_area(area)
    changed = sum(
        s["secondary_rounded"] + s["secondary_hidden"]
        for s in protected.disclosure["indicators"].values()
    )
    folder, units = write_bundle(bare, area, tmp_path / "bare")
    report = check_release(folder, units)
    if changed:  # the protection had work to do: without it, the checker finds the leak
        assert "differencing" in _checks(report), report.to_text()
    good, good_units = write_bundle(protected, area, tmp_path / "good")
    assert check_release(good, good_units).ok


def test_unit_data_inside_the_release_folder_is_caught(clean, tmp_path):
    _, _, folder, units = clean
    leaky = _copy(folder, tmp_path)
    shutil.copy(units, leaky / "units.parquet")
    report = check_release(leaky, leaky / "units.parquet")
    assert "release folder" in _checks(report)


def test_the_same_area_with_other_boundaries_is_attacked_across_releases(tmp_path):
    area = make_area(14, n_units=900, n_buurten=4)
    first = publish_release(
        area.layers(("buurt",)), METAS, units=area.unit_table(), metadata={"run_id": "v1"}
    )
    one, units = write_bundle(first, area, tmp_path / "v1")
    # version 2: one buurt loses the few units nearest its neighbour
    b = area.buurten.copy()
    code = area.units["buurt_code"].value_counts().index[0]
    target = b.index[b["area_id"] == code][0]
    mine = area.units[area.units["buurt_code"] == code]
    other = area.units[area.units["buurt_code"] != code]
    d = np.array([other.distance(p).min() for p in mine.geometry])
    moved = mine.index[np.argsort(d)[:3]]
    cut = shapely.union_all(area.units.loc[moved].geometry.buffer(0.5).to_numpy())
    b.loc[target, "geometry"] = b.loc[target, "geometry"].difference(cut)
    receiver = b.index[b["area_id"] == area.units.loc[other.index[0], "buurt_code"]][0]
    b.loc[receiver, "geometry"] = b.loc[receiver, "geometry"].union(cut)
    units2 = area.units.copy()
    units2.loc[moved, "buurt_code"] = b.loc[receiver, "area_id"]
    units2 = units2.rename(columns={"buurt_code": "buurt_v2"})
    units2["wijk_v2"] = "WK" + units2["buurt_v2"].str.slice(2, 8)
    units2["gem_v2"] = units2["gemeente_code"]
    from zicht.publish import UnitTable

    second = publish_release(
        [LayerInput("buurt", b)],
        METAS,
        units=UnitTable(
            units2, areas={"buurt": "buurt_v2", "wijk": "wijk_v2", "gemeente": "gem_v2"}
        ),
        metadata={"run_id": "v2"},
    )
    from zicht.export import write_release

    two = tmp_path / "v2"
    write_release(second, two)
    assert check_release(one, units).ok
    report = check_release(one, units, against=[two])
    assert "differencing" in _checks(report), report.to_text()
    assert any("different boundaries" in n for n in report.notes)


@pytest.mark.slow
def test_cli_exit_codes(clean, tmp_path):
    _, _, folder, units = clean
    app = typer.Typer()
    register(app)

    @app.command()
    def version() -> None:  # a second command keeps Typer in multi-command mode
        """Print nothing."""

    runner = CliRunner()
    ok = runner.invoke(app, ["check", str(folder), "--units", str(units)])
    assert ok.exit_code == 0, ok.output
    assert "RESULT: PASS" in ok.output
    leaky = _copy(folder, tmp_path)
    shutil.copy(units, leaky / "units.parquet")
    bad = runner.invoke(
        app, ["check", str(leaky), "--units", str(units), "--json", str(tmp_path / "r.json")]
    )
    assert bad.exit_code == 1
    assert json.loads((tmp_path / "r.json").read_text())["ok"] is False
    missing = runner.invoke(app, ["check", str(tmp_path / "nowhere"), "--units", str(units)])
    assert missing.exit_code == 3


def _dfs_one_by_one(cand, q, null, limit, max_nodes):
    """The exact search's depth-first walk as first written: one child at a time."""
    hits, nodes = [], 0
    if null.shape[1] == 0:
        return 0, [[int(i)] for i in cand]
    vec = null[cand]
    stack = [(0, [], 0, np.zeros(null.shape[1]))]
    while stack and nodes < max_nodes:
        start, chosen, total, acc = stack.pop()
        for j in range(start, len(cand)):
            t = total + int(q[cand[j]])
            if t >= limit:
                continue
            nodes += 1
            new = acc + vec[j]
            picked = [*chosen, int(cand[j])]
            if np.abs(new).max() < 1e-7:
                hits.append(picked)
                if len(hits) >= 20:
                    return nodes, hits
            stack.append((j + 1, picked, t, new))
    return nodes, hits


def _dfs_stack(cand, q, null, limit, max_nodes):
    """The walk as an array stack (one node's children at a time), before the level walk."""
    hits, nodes = [], 0
    if null.shape[1] == 0:
        return 0, [[int(i)] for i in cand]
    vec, qc = null[cand], q[cand].astype(np.int64)
    stack = [(0, [], 0, np.zeros(null.shape[1]))]
    while stack and nodes < max_nodes:
        start, chosen, total, acc = stack.pop()
        js = start + np.flatnonzero(total + qc[start:] < limit)
        if not len(js):
            continue
        new = acc + vec[js]
        hit = np.flatnonzero(np.abs(new).max(axis=1) < 1e-7)
        if len(hits) + len(hit) >= 20:
            last = int(hit[19 - len(hits)])
            hits += [[*chosen, int(cand[js[h]])] for h in hit[: 20 - len(hits)]]
            return nodes + last + 1, hits
        nodes += len(js)
        hits += [[*chosen, int(cand[js[h]])] for h in hit]
        stack.extend(
            (int(j) + 1, [*chosen, int(cand[j])], total + int(qc[j]), new[k])
            for k, j in enumerate(js)
        )
    return nodes, hits


@pytest.mark.parametrize("seed", range(4))
def test_the_level_walk_equals_the_stack_walk_with_caps_and_many_hits(seed):
    """Random groups, thresholds and caps; twin atoms make many derivable unions."""
    from zicht.check._search import _dfs

    rng = np.random.default_rng(seed)
    counted = {"capped": 0, "twenty": 0, "hits": 0}
    for _ in range(150):
        n_atoms = int(rng.integers(2, 36))
        matrix = (rng.random((int(rng.integers(1, n_atoms)), n_atoms)) < 0.3).astype(float)
        twins = int(rng.integers(0, n_atoms // 2 + 1))
        matrix[:, :twins] = matrix[:, twins : twins + 1]  # atoms no feature tells apart
        _, sv, vt = np.linalg.svd(matrix)
        null = vt[int((sv > 1e-9).sum()) :].T
        q = rng.integers(0, 6, n_atoms)
        limit = int(rng.integers(2, 12))
        cand = np.flatnonzero((q >= 1) & (q < limit))
        max_nodes = int(rng.choice([1, 7, 60, 900, 20_000]))
        want = _dfs_stack(cand, q, null, limit, max_nodes)
        assert _dfs(cand, q, null, limit, max_nodes) == want
        counted["capped"] += want[0] >= max_nodes
        counted["twenty"] += len(want[1]) == 20
        counted["hits"] += len(want[1]) > 0
    assert min(counted.values()) > 0, counted  # every branch of the walk was compared


def test_the_level_walk_of_a_large_group_equals_the_stack_walk():
    """A group as the national release has them: hundreds of atoms, the search capped."""
    from zicht.check._search import _dfs

    rng = np.random.default_rng(7)
    matrix = (rng.random((100, 120)) < 0.1).astype(float)
    _, sv, vt = np.linalg.svd(matrix)
    null = vt[int((sv > 1e-9).sum()) :].T
    q = rng.integers(1, 4, 120)
    cand = np.arange(120)
    want = _dfs_stack(cand, q, null, 10, 20_000)
    assert want[0] >= 20_000
    assert _dfs(cand, q, null, 10, 20_000) == want


@pytest.mark.parametrize("seed", range(12))
def test_the_array_walk_of_the_exact_search_equals_the_walk_one_by_one(seed):
    from zicht.check._search import _dfs

    rng = np.random.default_rng(seed)
    n_atoms, n_features = int(rng.integers(4, 14)), int(rng.integers(1, 6))
    matrix = (rng.random((n_features, n_atoms)) < 0.4).astype(float)
    _, sv, vt = np.linalg.svd(matrix)
    null = vt[int((sv > 1e-9).sum()) :].T
    q = rng.integers(0, 6, n_atoms)
    cand = np.flatnonzero((q >= 1) & (q < 10))
    for max_nodes in (5, 50, 200_000):
        assert _dfs(cand, q, null, 10, max_nodes) == _dfs_one_by_one(cand, q, null, 10, max_nodes)


def test_the_array_walk_stops_at_the_twentieth_hit_as_the_walk_one_by_one():
    from zicht.check._search import _dfs

    matrix = np.eye(25, 30)  # 25 atoms each published alone: many derivable unions
    _, sv, vt = np.linalg.svd(matrix)
    null = vt[int((sv > 1e-9).sum()) :].T
    q = np.ones(30, dtype=int)
    cand = np.arange(30)
    got = _dfs(cand, q, null, 10, 200_000)
    assert len(got[1]) == 20
    assert got == _dfs_one_by_one(cand, q, null, 10, 200_000)
