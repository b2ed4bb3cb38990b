"""The drugs example (Barneveld, synthetic units): the planted hot spot is published.

Generates the synthetic units into a temporary folder, runs ``examples/drugs/config.toml`` once
and checks the files the run wrote: the drug incidents planted around a group of remote sheds
show as significant (Benjamini-Hochberg) hot-spot cells in the published H3 layer, a rural
control area shows nothing, the risk factors point at the sheds and the business park, nothing
below the disclosure rules is published, ``zicht check`` passes and the map is offline.
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
    english_words,
    run_example,
)
from map_browser_support import BROWSER_MARKS
from zicht.maps._browser import open_offline

# Each module runs a whole worked example once (generate, run, check): the slow suite.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return run_example("drugs", tmp_path_factory.mktemp("drugs"))


def test_the_generator_is_synthetic_deterministic_and_plants_what_it_says(example, tmp_path):
    planted = example["planted"]
    inside = planted["plant"]["realised"]
    assert inside["remote_sheds"] >= 50
    assert inside["incident_rate_pct"] > 10 * planted["background"]["realised"]["incident_rate_pct"]
    units, again = assert_regenerates("drugs", example, tmp_path)
    assert not (units["remote_shed"] & units["business_park"]).any()
    assert again["plant"] == planted["plant"]


def test_the_planted_incidents_are_a_published_hot_spot_after_fdr(example):
    assert example["manifest"]["metadata"]["hotspot"]["indicator_id"] == "drug_incident"
    assert_planted_hot_spot(example["out"], example["planted"], min_hot=5, min_control_cells=5)


def test_the_risk_factors_point_at_the_sheds_and_the_business_park(example):
    buurt = pd.read_csv(example["out"] / "buurt.csv")
    published = buurt[buurt["status"] == "published"].set_index("area_id")
    park = example["planted"]["business_park"]["buurten"]
    density = published["density_business_park_density_per_km2"]
    assert set(density.nlargest(len(park)).index) == set(park)
    # Addresses in the buurt of the plant (rural, many sheds) lie closer to a remote shed
    # than the typical buurt, and that buurt has the highest published incident rate.
    code = example["planted"]["plant"]["buurt"]
    distance = published["dist_remote_shed_distance_m"]
    assert distance[code] < distance.median()
    assert published["rate_drug_incident_eb_global_pct"].idxmax() == code


def test_nothing_below_the_rules_is_published(example):
    out = example["out"]
    rules = example["config"].rules
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = ["n_units", *(m["column"] for m in manifest["indicators"] if m["role"] == "count")]
    for layer in ("h3", "region", "buurt"):
        frame = pd.read_csv(out / f"{layer}.csv")
        published = frame[frame["status"] == "published"]
        assert len(published) > 0
        assert (published["n_units"] >= rules.min_units).all()
        for column in counts:
            values = published[column].dropna()
            assert (values % rules.rounding_base == 0).all(), (layer, column)
        values = [
            c
            for c in frame.columns
            if c.startswith(("n_", "rate_", "dist_", "density_", "composite_"))
            and c not in ("n_units_band", "n_cells")
        ]
        hidden = frame[frame["status"] != "published"]
        assert hidden[values].isna().all().all(), layer
        if layer == "h3":
            assert hidden["hotspot_bin"].isna().all()


def test_zicht_check_passes(example):
    assert_check_passes(example["out"])


def test_the_map_is_offline(example):
    assert_offline_synthetic_map(example["out"])


def test_an_integer_programming_attacker_pins_nothing(example):
    """Every published geography, rounding interval and reason for hiding, modelled exactly."""
    assert_no_pins(example["out"])


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_the_map_names_its_indicators_in_dutch(example, browser):
    """What an official reads when opening the map: the title and the picker's choices."""
    with open_offline(example["out"] / "risk_map.html", browser=browser) as seen:
        page = seen.page
        page.wait_for_selector("path.zicht-area", state="attached", timeout=15_000)
        picker = page.get_by_test_id("indicator-picker")
        choices = picker.locator("option").all_inner_texts()
        assert "Drugsincidenten (percentage, %)" in choices
        assert any(c.startswith("Risicoterrein: afgelegen schuren") for c in choices)
        shown = [page.title(), *choices, page.locator("#zicht-legend").inner_text()]
        assert page.title().endswith("(synthetische gegevens)")
        assert {text: english_words(text) for text in shown if english_words(text)} == {}
        assert (seen.blocked, seen.failed, seen.errors) == ([], [], [])
