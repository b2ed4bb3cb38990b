"""Utility first (issue 17.2): a tiny buurt is suppressed, its big neighbours are published.

The Groningen trial: a tiny buurt next to big ones fell back to a wijk-level region that cut
a big buurt, and 10 % of all addresses lay in blank buurten. Here the same shape in small:
big buurten around a tiny one (and, in the second case, two tiny ones side by side).
"""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from disclosure_fixtures import make_town


def _town(tiny: dict[int, int], per_cell: int = 12):
    return make_town(tuple(sorted(tiny.items())), per_cell)


def _values(release, code: str) -> pd.Series:
    buurt = release.layers["buurt"].set_index("area_id")
    return buurt.loc[code, ["status", "n_units", "n_vacant", "n_mismatch", "rate_vacant_pct"]]


def test_a_tiny_buurt_next_to_big_ones_is_suppressed_and_they_are_published():
    frame, release = _town({0: 3})
    sizes = frame.groupby("buurt_code").size()
    assert sizes["BU022800T0"] == 3 and (sizes.drop("BU022800T0") >= 10).all()
    buurt = release.layers["buurt"].set_index("area_id")
    big = buurt.drop(index="BU022800T0")
    assert (big["status"] == "published").all(), big["status"]
    assert big[["n_units", "n_vacant", "n_mismatch", "rate_vacant_pct"]].notna().all().all()
    tiny = _values(release, "BU022800T0")
    assert tiny["status"] == "suppressed"
    assert tiny[["n_units", "n_vacant", "n_mismatch"]].isna().all()
    # the tiny buurt's units are in no published value: its region is suppressed too
    regions = release.layers["region"].set_index("area_id")
    own = release.regions.loc[release.regions["buurt_code"] == "BU022800T0", "region_id"]
    assert set(own) and (regions.loc[sorted(set(own)), "status"] == "suppressed").all()
    audit = release.audit
    assert not audit["reason"].str.contains("region crosses").any()


def test_tiny_buurten_side_by_side_share_a_region_and_the_big_ones_are_published():
    _, release = _town({1: 4, 2: 7})
    buurt = release.layers["buurt"].set_index("area_id")
    big = buurt[~buurt.index.str.contains("T")]
    assert (big["status"] == "published").all(), big["status"]
    assert big[["n_vacant", "rate_vacant_pct"]].notna().all().all()
    tiny = buurt.loc[["BU022800T1", "BU022800T2"]]
    assert (tiny["status"] == "merged").all()
    shared = set(release.regions.loc[release.regions["buurt_code"].str.contains("T"), "region_id"])
    assert len(shared) == 1
    region = release.layers["region"].set_index("area_id").loc[shared.pop()]
    assert region["status"] == "published" and region["n_units"] == 10  # 11, rounded


@pytest.mark.parametrize("tiny", [{0: 3}, {1: 4, 2: 7}, {3: 9}])
def test_every_unit_of_a_passing_buurt_is_in_a_buurt_with_values(tiny):
    frame, release = _town(tiny)
    sizes = frame.groupby("buurt_code").size()
    passing = sizes[sizes >= 10]
    buurt = release.layers["buurt"].set_index("area_id").reindex(passing.index)
    ok = (buurt["status"] == "published") & buurt[["n_vacant", "n_mismatch"]].notna().all(axis=1)
    assert passing[ok.to_numpy()].sum() == passing.sum()
    assert release.differencing_verified
    assert shapely.is_valid(release.layers["region"].geometry).all()
