"""Property-based tests: random units, geographies and rules; the publisher never leaks.

For every generated study area and rule set: nothing is published below the threshold,
units are conserved over the regions, the regions nest in buurten where they can, and the
independent checker (``zicht check``) finds no leak in what the publisher wrote.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_fixtures import make_area, publish_area, write_bundle
from zicht.check import check_release
from zicht.publish import DisclosureRules, RegionOptions

areas = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "n_units": st.integers(100, 900),
        "n_buurten": st.integers(2, 8),
        "rate_vacant": st.sampled_from([0.02, 0.1, 0.5, 0.95]),
        "clustered": st.booleans(),
    }
)
rules = st.builds(
    DisclosureRules,
    min_units=st.integers(3, 25),
    rounding_base=st.sampled_from([3, 5, 10]),
    small_count=st.sampled_from(["round", "suppress"]),
    group_max_pct=st.sampled_from([80.0, 90.0, 100.0]),
    purpose=st.just("internal"),  # thresholds and bases below the publication floors too
)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    # the same 12 examples on every run and machine (seeded from the test itself, no example
    # database replaying an earlier failure): CI cannot flake; a new case is a code change
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(area_args=areas, rules=rules, method=st.sampled_from(["grow", "parent"]))
def test_the_publisher_never_leaks(area_args, rules, method):
    area = make_area(**area_args)
    release = publish_area(area, rules, regions=RegionOptions(method=method))
    thr = rules.min_units
    units = area.units

    # 1. nothing published rests on fewer units than the threshold
    truth = {
        "h3": units["h3_r9"].astype("int64").map(lambda c: f"{c:x}").value_counts(),
        "buurt": units["buurt_code"].value_counts(),
        "wijk": units["wijk_code"].value_counts(),
        "gemeente": units["gemeente_code"].value_counts(),
    }
    for name, frame in release.layers.items():
        published = frame[frame["status"] == "published"]
        if name in truth:
            n = truth[name].reindex(published["area_id"]).fillna(0)
            assert (n >= thr).all(), name
        hidden = frame[frame["status"] != "published"]
        assert hidden[["n_units", "n_vacant", "rate_vacant_pct"]].isna().all().all()

    # 2. units are conserved over the regions, and regions nest in buurten where they can
    pieces = release.regions
    regions = release.layers["region"]
    joined = units.assign(h3_cell=units["h3_r9"].astype("int64").map(lambda c: f"{c:x}")).merge(
        pieces, on=["h3_cell", "buurt_code", "wijk_code", "gemeente_code"], how="left"
    )
    assert joined["region_id"].notna().all()
    per_region = joined.groupby("region_id").size()
    assert per_region.sum() == len(units)
    per_buurt = units.groupby("buurt_code").size()
    big_buurten = set(per_buurt[per_buurt >= thr].index)
    crossing = joined.groupby("region_id")["buurt_code"].nunique()
    crossing_buurten = set(
        joined.loc[joined["region_id"].isin(crossing[crossing > 1].index), "buurt_code"]
    )
    # a region below the threshold lies in buurten below it (utility first: a small buurt
    # with big neighbours only is suppressed), and a region crosses buurten only to join
    # buurten below the threshold, never one that passes on its own
    small_regions = per_region[per_region < thr].index
    assert not set(joined.loc[joined["region_id"].isin(small_regions), "buurt_code"]) & big_buurten
    assert not crossing_buurten & big_buurten
    assert len(regions) >= len(per_region)

    # 3. the independent checker finds no leak in what was written
    with tempfile.TemporaryDirectory() as tmp:
        folder, units_file = write_bundle(release, area, Path(tmp))
        report = check_release(folder, units_file, allow_internal=True)
        assert report.ok, report.to_text()


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(
    sizes=st.lists(st.integers(0, 60), min_size=3, max_size=25),
    share=st.floats(0, 1),
    threshold=st.integers(2, 20),
)
def test_rounded_counts_never_reveal_a_small_count(sizes, share, threshold):
    """With ``small_count = 'round'`` a count below the threshold is never exactly readable."""
    import geopandas as gpd
    import shapely

    from zicht.publish import LayerInput, publish_release
    from zicht.schemas import IndicatorMeta

    n = np.asarray(sizes)
    k = np.floor(n * share).astype(int)
    frame = gpd.GeoDataFrame(
        {
            "area_id": [f"A{i}" for i in range(len(n))],
            "area_name": "a",
            "n_units": n,
            "n_x": k,
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(len(n))],
        crs=28992,
    )
    metas = [IndicatorMeta("n_x", "x", "a"), IndicatorMeta("rate_x_pct", "x", "%", "rate")]
    rules = DisclosureRules(min_units=threshold, purpose="internal")  # below the floors too
    out = publish_release([LayerInput("buurt", frame)], metas, rules=rules).layers["buurt"]
    for i in range(len(n)):
        if out["status"].iloc[i] != "published" or not 1 <= k[i] < threshold:
            continue
        shown_k, shown_n, rate = (
            out["n_x"].iloc[i],
            out["n_units"].iloc[i],
            out["rate_x_pct"].iloc[i],
        )
        if pd.isna(shown_k):
            continue
        # every count that rounds to the shown count is consistent with the shown rate
        candidates = list(range(max(0, int(shown_k) - 2), int(shown_k) + 3))
        assert len(candidates) > 1
        if not pd.isna(rate):
            assert rate == round(100 * shown_k / shown_n, 1)
