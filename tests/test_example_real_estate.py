"""The real-estate example (Apeldoorn, synthetic units): the planted hot spot is published.

Generates the synthetic units into a temporary folder, runs ``examples/real_estate/config.toml``
once and checks the files the run wrote: the planted cluster of vacancy and unexplained
purchases shows as significant (Benjamini-Hochberg) hot-spot cells in the published H3 layer
and its buurt tops the published rates, a control area far away shows nothing, nothing below
the disclosure rules is published, ``zicht check`` passes and the map is offline.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from example_support import (
    assert_check_passes,
    assert_no_pins,
    assert_offline_synthetic_map,
    assert_planted_hot_spot,
    assert_regenerates,
    run_example,
)

# Each module runs a whole worked example once (generate, run, check): the slow suite.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return run_example("real_estate", tmp_path_factory.mktemp("real_estate"))


def test_the_generator_is_synthetic_deterministic_and_plants_what_it_says(example, tmp_path):
    planted = example["planted"]
    inside = planted["plant"]["realised"]
    outside = planted["background"]["realised"]
    assert inside["vacant_pct"] > 3 * outside["vacant_pct"]
    assert (
        inside["unexplained_among_purchases_pct"] > 4 * outside["unexplained_among_purchases_pct"]
    )
    units, again = assert_regenerates("real_estate", example, tmp_path)
    assert not (units["purchase_unexplained"] & ~units["purchased_recently"]).any()
    assert again["plant"] == planted["plant"]


def test_the_planted_cluster_is_a_published_hot_spot_after_fdr(example):
    assert_planted_hot_spot(example["out"], example["planted"], min_hot=4, min_control_cells=3)


def test_the_buurt_of_the_plant_tops_the_published_rates(example):
    buurt = pd.read_csv(example["out"] / "buurt.csv")
    published = buurt[buurt["status"] == "published"]
    code = example["planted"]["plant"]["buurt"]
    control = example["planted"]["control"]["buurt"]
    for column in ("rate_purchase_unexplained_eb_global_pct", "rate_vacant_eb_global_pct"):
        top = published.nlargest(3, column)["area_id"].tolist()
        assert code in top, (column, top)
        assert control not in top


def test_nothing_below_the_rules_is_published(example):
    out = example["out"]
    rules = example["config"].rules
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = ["n_units", *(m["column"] for m in manifest["indicators"] if m["role"] == "count")]
    truth = pd.read_parquet(out.parent / "out_internal" / "units.parquet")
    true_base = truth.groupby("h3_cell")["_base_purchase_unexplained"].sum()
    for layer in ("h3", "region", "buurt"):
        frame = pd.read_csv(out / f"{layer}.csv")
        published = frame[frame["status"] == "published"]
        assert len(published) > 0
        assert (published["n_units"] >= rules.min_units).all()
        for column in counts:
            values = published[column].dropna()
            assert (values % rules.rounding_base == 0).all(), (layer, column)
        values = [c for c in frame.columns if c.startswith(("n_", "rate_", "composite_"))]
        values = [c for c in values if c not in ("n_units_band", "n_cells")]
        hidden = frame[frame["status"] != "published"]
        assert hidden[values].isna().all().all(), layer
        if layer == "h3":
            assert hidden["hotspot_bin"].isna().all()
            # The rate over recent purchases rests on at least min_units purchases.
            rated = published[published["rate_purchase_unexplained_pct"].notna()]
            assert (true_base.reindex(rated["area_id"]).fillna(0) >= rules.min_units).all()


def test_zicht_check_passes(example):
    assert_check_passes(example["out"])


def test_the_map_is_offline(example):
    assert_offline_synthetic_map(example["out"])


def test_an_integer_programming_attacker_pins_nothing(example):
    """Every published geography, rounding interval and reason for hiding, modelled exactly."""
    assert_no_pins(example["out"])
