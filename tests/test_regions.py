"""Regions: small H3 cells merged into publishable regions nested in buurten."""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zicht import ConfigError, SchemaError
from zicht.publish import RegionOptions, build_regions, cover_areas_with_cells, region_geometries

CENTRE = h3i.latlng_to_cell(52.04, 5.66, 9)


def ring_pieces(counts: list[int], buurten: list[str] | None = None) -> pd.DataFrame:
    """The centre cell and its six neighbours, with the given units per cell."""
    cells = sorted(h3i.grid_disk(CENTRE, 1))
    buurten = buurten or ["BU00010001"] * len(cells)
    frame = pd.DataFrame({"cell": np.asarray(cells, dtype=np.int64), "buurt_code": buurten})
    frame["wijk_code"] = "WK" + frame["buurt_code"].str.slice(2, 8)
    frame["gemeente_code"] = "GM" + frame["buurt_code"].str.slice(2, 6)
    frame["n_units"] = counts
    return frame


def test_small_cells_merge_with_their_smallest_neighbour_and_large_cells_stay():
    # The centre cell (index 0 after sorting need not be the centre): find it.
    pieces = ring_pieces([40, 3, 4, 30, 2, 50, 25])
    plan = build_regions(pieces, min_units=10)
    regions = plan.regions
    assert (regions["n_units"] >= 10).all()
    assert regions["n_units"].sum() == pieces["n_units"].sum()
    big = pieces.loc[pieces["n_units"] >= 10, "cell"]
    alone = plan.pieces.groupby("region_id")["cell"].transform("size") == 1
    # at least the largest cells keep a region of their own
    assert set(big) & set(plan.pieces.loc[alone, "cell"])
    assert plan.below_threshold == 0


def test_regions_never_cross_a_buurt_when_the_buurt_can_hold_them():
    buurten = ["BU00010001"] * 4 + ["BU00010002"] * 3
    pieces = ring_pieces([6, 6, 6, 6, 7, 7, 7], buurten)
    plan = build_regions(pieces, min_units=10)
    per_region = plan.pieces.groupby("region_id")["buurt_code"].nunique()
    assert (per_region == 1).all()
    assert (plan.regions["level"] == "buurt_code").all()


def test_a_buurt_below_the_threshold_falls_back_to_its_wijk_only_with_small_buurten():
    buurten = ["BU00010001"] * 5 + ["BU00010002", "BU00010003"]
    pieces = ring_pieces([12, 12, 12, 12, 12, 4, 7], buurten)
    plan = build_regions(pieces, min_units=10)
    crossing = plan.regions[plan.regions["level"] == "wijk_code"]
    assert len(crossing) == 1
    assert crossing.index[0].startswith("WK000100-")
    inside = plan.pieces.loc[plan.pieces["region_id"] == crossing.index[0], "buurt_code"]
    assert set(inside) == {"BU00010002", "BU00010003"}  # the big buurt is not cut
    assert (plan.regions["n_units"] >= 10).all()


def test_a_small_buurt_next_to_a_big_one_stays_below_the_threshold():
    buurten = ["BU00010001"] * 6 + ["BU00010002"]
    pieces = ring_pieces([12, 12, 12, 12, 12, 12, 4], buurten)
    plan = build_regions(pieces, min_units=10)
    assert (plan.regions["level"] == "buurt_code").all()
    assert plan.below_threshold == 1
    small = plan.regions[plan.regions["n_units"] < 10]
    assert small["buurt_code"].tolist() == ["BU00010002"]
    # without protection it falls back to a region that cuts the big buurt
    old = build_regions(pieces, min_units=10, protect=())
    assert (old.regions["level"] == "wijk_code").sum() == 1 and old.below_threshold == 0
    with pytest.raises(SchemaError, match="protect names"):
        build_regions(pieces, min_units=10, protect=("park_id",))


def test_a_gemeente_below_the_threshold_is_left_below_it():
    pieces = ring_pieces([1, 1, 1, 1, 1, 1, 1])
    plan = build_regions(pieces, min_units=10)
    assert len(plan.regions) == 1
    assert plan.below_threshold == 1


def test_region_ids_are_stable_and_readable():
    pieces = ring_pieces([40, 3, 4, 30, 2, 50, 25])
    first = build_regions(pieces, min_units=10)
    again = build_regions(pieces.sample(frac=1, random_state=3), min_units=10)
    assert sorted(first.regions.index) == sorted(again.regions.index)
    rid = first.regions.index[0]
    code, cell = rid.split("-")
    assert code == "BU00010001"
    assert h3i.is_valid_cell(h3i.str_to_int(cell))


def test_parent_method_merges_all_siblings():
    cells = sorted(h3i.cell_to_children(h3i.cell_to_parent(CENTRE, 8), 9))
    pieces = pd.DataFrame(
        {
            "cell": np.asarray(cells, dtype=np.int64),
            "buurt_code": "BU00010001",
            "wijk_code": "WK000100",
            "gemeente_code": "GM0001",
            "n_units": [30, 30, 30, 3, 30, 30, 30],
        }
    )
    plan = build_regions(pieces, min_units=10, options=RegionOptions(method="parent"))
    assert len(plan.regions) == 1  # one small child: the whole parent is one region
    grow = build_regions(pieces, min_units=10)
    assert len(grow.regions) == 6


@pytest.mark.slow
def test_maxp_is_refused_for_large_areas_and_runs_on_small_ones():
    pieces = ring_pieces([12, 3, 4, 11, 6, 8, 7])
    with pytest.raises(ConfigError, match="maxp"):
        build_regions(pieces, min_units=10, options=RegionOptions(method="maxp", maxp_max_areas=3))
    plan = build_regions(pieces, min_units=10, options=RegionOptions(method="maxp", seed=1))
    assert (plan.regions["n_units"] >= 10).all()
    assert plan.regions["n_units"].sum() == 51


def test_bad_inputs_are_named():
    pieces = ring_pieces([1] * 7)
    pieces.loc[0, "wijk_code"] = "WK999999"
    with pytest.raises(SchemaError, match="does not nest"):
        build_regions(pieces, min_units=10)
    with pytest.raises(ConfigError, match="method"):
        RegionOptions(method="kmeans")


def test_empty_ground_is_given_to_regions_and_bridges_gaps():
    cells = sorted(h3i.grid_disk(CENTRE, 2))
    pieces = pd.DataFrame({"cell": np.asarray(cells, dtype=np.int64), "buurt_code": "BU00010001"})
    pieces["wijk_code"], pieces["gemeente_code"] = "WK000100", "GM0001"
    rng = np.random.default_rng(0)
    pieces["n_units"] = np.where(rng.random(len(cells)) < 0.5, 0, rng.integers(1, 8, len(cells)))
    plan = build_regions(pieces, min_units=10)
    assert set(plan.pieces["cell"]) == set(cells)  # every piece, empty or not, has a region
    assert (plan.regions["n_units"] >= 10).all()


def test_cover_and_geometry_tile_the_buurt():
    import geopandas as gpd
    import shapely

    from zicht.index import cells_to_polygons

    hexes = cells_to_polygons(np.asarray(sorted(h3i.grid_disk(CENTRE, 2)), dtype=np.int64))
    area = shapely.union_all(hexes.to_numpy()).buffer(-30)
    buurt = gpd.GeoSeries([area], index=["BU00010001"], crs=28992)
    cover = cover_areas_with_cells(buurt, 9).rename(columns={"code": "buurt_code"})
    cover["wijk_code"], cover["gemeente_code"] = "WK000100", "GM0001"
    cover["n_units"] = np.arange(len(cover)) % 6
    plan = build_regions(cover, min_units=10)
    geoms = region_geometries(plan, {"buurt_code": buurt})
    assert geoms.union_all().area == pytest.approx(area.area, rel=1e-4)
    assert geoms.area.sum() == pytest.approx(area.area, rel=1e-4)  # no overlaps


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 25), min_size=19, max_size=19),
    split=st.lists(st.integers(0, 2), min_size=19, max_size=19),
    threshold=st.integers(1, 30),
    method=st.sampled_from(["grow", "parent"]),
)
def test_regions_conserve_units_and_nest(counts, split, threshold, method):
    cells = sorted(h3i.grid_disk(CENTRE, 2))
    pieces = pd.DataFrame(
        {
            "cell": np.asarray(cells, dtype=np.int64),
            "buurt_code": [f"BU000100{s:02d}" for s in split],
            "n_units": counts,
        }
    )
    pieces["wijk_code"], pieces["gemeente_code"] = "WK000100", "GM0001"
    plan = build_regions(pieces, min_units=threshold, options=RegionOptions(method=method))
    regions = plan.regions
    assert regions["n_units"].sum() == sum(counts)
    assert plan.pieces.groupby("region_id")["n_units"].sum().reindex(regions.index).tolist() == (
        regions["n_units"].tolist()
    )
    # a region below the threshold lies in buurten that are themselves below it
    per_buurt = pieces.groupby("buurt_code")["n_units"].sum()
    small = regions[(regions["n_units"] > 0) & (regions["n_units"] < threshold)].index
    in_small = plan.pieces.loc[plan.pieces["region_id"].isin(small), "buurt_code"]
    assert (per_buurt.reindex(in_small.unique()) < threshold).all()
    # a region that nests in a buurt has all its pieces in that buurt
    nested = regions[regions["level"] == "buurt_code"].index
    spread = plan.pieces[plan.pieces["region_id"].isin(nested)].groupby("region_id")["buurt_code"]
    assert (spread.nunique() == 1).all()
    # a buurt that holds at least the threshold is cut by no region
    crossing = regions[regions["level"] != "buurt_code"].index
    cut = set(plan.pieces.loc[plan.pieces["region_id"].isin(crossing), "buurt_code"])
    assert not cut & set(per_buurt[per_buurt >= threshold].index)
    # without protection every region reaches the threshold (the old fallback)
    if sum(counts) >= threshold and method == "grow":
        old = build_regions(pieces, min_units=threshold, protect=())
        assert ((old.regions["n_units"] >= threshold) | (old.regions["n_units"] == 0)).all()


def test_two_regions_sharing_their_smallest_cell_get_distinct_ids():
    """A coarse cell split between two buurten can start two regions of one wijk."""
    from zicht.publish._regions import _region_table

    cell = h3i.latlng_to_cell(52.04, 5.67, 7)
    other = h3i.latlng_to_cell(52.10, 5.60, 7)
    pieces = pd.DataFrame(
        {
            "region": [0, 0, 1, 1],
            "cell": np.array([cell, other, cell, other], dtype=np.uint64).astype(np.int64),
            "n_units": [5, 6, 7, 8],
            "buurt_code": ["BU02280101", "BU02280102", "BU02280103", "BU02280104"],
            "wijk_code": ["WK022801"] * 4,
        }
    )
    table = _region_table(pieces, ("buurt_code", "wijk_code"))
    assert table["region_id"].is_unique
    assert table["region_id"].str.startswith("WK022801-").all()


def test_a_feature_kept_whole_becomes_one_region():
    cell = h3i.latlng_to_cell(52.04, 5.66, 9)
    ring = sorted(h3i.grid_disk(cell, 1))
    pieces = pd.DataFrame(
        {
            "cell": np.array(ring, dtype=np.uint64).astype(np.int64),
            "buurt_code": "BU1",
            "n_units": 40,
            "park": ["P", "P", "P", "", "", "Q", ""],
        }
    )
    plain = build_regions(pieces, min_units=10, nest=["buurt_code"])
    assert len(plain.regions) == 7
    plan = build_regions(pieces, min_units=10, nest=["buurt_code"], whole="park")
    region_of = plan.pieces.set_index("cell")["region_id"]
    park_p = region_of.loc[pieces.loc[pieces["park"] == "P", "cell"]].unique()
    assert len(park_p) == 1
    assert plan.regions.loc[park_p[0], "n_units"] == 120
    assert len(plan.regions) == 5
    with pytest.raises(SchemaError, match="whole"):
        build_regions(pieces, min_units=10, nest=["buurt_code"], whole="nope")
