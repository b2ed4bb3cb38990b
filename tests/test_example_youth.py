"""The youth example end to end: synthetic persons in Ede, a planted dropout cluster.

Generates the unit table into a temporary folder with ``examples/youth/generate.py``, runs
``examples/youth/config.toml`` on it and reads back what the run *wrote*: the planted
cluster must show in the published smoothed rates and hot spots, the control buurt must
not, nothing below the thresholds may be published, ``zicht check`` must pass and the map
must load nothing over the network.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from example_support import (
    assert_check_passes,
    assert_no_pins,
    assert_offline_synthetic_map,
    assert_regenerates,
    run_example,
)

LAYERS = ("h3", "region", "buurt")
RATE = "rate_school_dropout_eb_global_pct"


# Each module runs a whole worked example once (generate, run, check): the slow suite.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def youth(tmp_path_factory):
    example = run_example("youth", tmp_path_factory.mktemp("youth"))
    return example


def _published(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "published"]


def _count_columns(frame: pd.DataFrame, manifest: dict) -> list[str]:
    return [c for c in ("n_units", *manifest["numerators"]) if c in frame]


def _value_columns(frame: pd.DataFrame, manifest: dict) -> list[str]:
    declared = ["n_units", *(m["column"] for m in manifest["indicators"])]
    scores = ["hotspot_z", "hotspot_p", "hotspot_q", "hotspot_bin"]
    return [c for c in (*declared, *scores) if c in frame]


def test_the_generator_is_synthetic_deterministic_and_free_of_protected_columns(youth, tmp_path):
    first, again = assert_regenerates("youth", youth, tmp_path / "again")
    assert set(first.geom_type) == {"Point"}
    assert again["planted"] == youth["planted"]["planted"]
    assert first["person_id"].is_unique
    assert first["synthetic"].all()
    assert set(first.columns) == {
        "person_id",
        "age",
        "school_dropout",
        "household_debts",
        "youth_care",
        "synthetic",
        "geometry",
    }
    assert first["age"].between(12, 23).all()
    assert not first.loc[first["age"] < 16, "school_dropout"].any()
    assert not first.loc[first["age"] > 17, "youth_care"].any()


def test_the_planted_buurt_has_the_highest_published_smoothed_dropout_rate(youth):
    planted, control = youth["planted"]["planted"], youth["planted"]["control"]
    buurt = _published(youth["layers"]["buurt"]).set_index("area_id")
    rates = buurt[RATE].dropna()
    assert rates.idxmax() == planted["buurt_code"]
    assert control["buurt_code"] in rates.index
    # The control buurt is an ordinary buurt: far below the plant, near the Ede mean.
    assert rates[control["buurt_code"]] < rates[planted["buurt_code"]] / 2
    assert rates[control["buurt_code"]] <= rates.median() * 1.5
    # The raw published rate agrees with what was planted (rounding aside).
    raw = buurt.loc[planted["buurt_code"], "rate_school_dropout_pct"]
    assert raw == pytest.approx(planted["in_planted_buurt"]["dropout_rate_pct"], abs=0.5)


def test_hot_spots_are_found_around_the_plant_and_not_at_the_control(youth):
    planted, control = youth["planted"]["planted"], youth["planted"]["control"]
    cells = gpd.read_file(youth["out"] / "release.gpkg", layer="h3")
    cells = cells[cells["status"] == "published"]
    hot = cells[cells["hotspot_label"].astype(str).str.startswith("hot")]
    assert len(hot) >= 1
    centre = shapely.Point(planted["point_rd"])
    # Every published hot cell lies around the planted cluster (one Gi* ring of res 9 cells
    # is about 350 m beyond it).
    assert (hot.geometry.centroid.distance(centre) <= planted["radius_m"] + 500).all()
    buurten = gpd.read_file(youth["out"] / "release.gpkg", layer="buurt").set_index("area_id")
    control_area = buurten.geometry[control["buurt_code"]]
    assert not hot.geometry.intersects(control_area.buffer(500)).any()


def test_nothing_below_the_thresholds_is_published(youth):
    rules, manifest = youth["config"].rules, youth["manifest"]
    for name, frame in youth["layers"].items():
        published = _published(frame)
        assert len(published) > 0, name
        assert (published["n_units"] >= rules.min_units).all(), name
        counts = _count_columns(frame, manifest)
        assert len(counts) >= 4, (name, counts)
        for column in counts:
            values = published[column].dropna().to_numpy()
            assert (values % rules.rounding_base == 0).all(), (name, column)
        hidden = frame[frame["status"] != "published"]
        assert len(hidden) > 0 or name == "region", name
        values = _value_columns(frame, manifest)
        assert RATE in values
        assert hidden[values].isna().all().all(), name


def test_published_areas_rest_on_enough_persons_and_small_areas_are_not_published(youth):
    min_units = youth["config"].rules.min_units
    # Count the generated persons per buurt independently of the run (by location).
    persons = gpd.read_parquet(youth["tmp"] / "data" / "units.parquet")
    buurten = gpd.read_file(youth["out"] / "release.gpkg", layer="buurt")
    joined = gpd.sjoin(persons, buurten[["area_id", "geometry"]], predicate="within")
    joined = joined[~joined.index.duplicated()]
    true_n = joined.groupby("area_id").size().reindex(buurten["area_id"], fill_value=0)
    status = buurten.set_index("area_id")["status"]
    assert (true_n[status == "published"] >= min_units).all()
    small = true_n[true_n < min_units].index
    assert len(small) > 0  # Ede has buurten with too few young people …
    assert (status[small] != "published").all()  # … and none of them is published
    # Regions: the publisher's own assignment, counted from its internal units file.
    internal = pd.read_parquet(youth["result"].paths["internal_units"])
    region = _published(youth["layers"]["region"]).set_index("area_id")
    per_region = internal.groupby("region_id").size().reindex(region.index)
    assert (per_region >= min_units).all()


def test_zicht_check_passes(youth):
    assert_check_passes(youth["out"])


def test_the_map_is_offline_and_says_the_data_are_synthetic(youth):
    assert_offline_synthetic_map(youth["out"])
    report = (youth["out"] / "report.md").read_text(encoding="utf-8")
    assert "SYNTHETISCHE GEGEVENS" in report


def test_the_run_summary_matches_the_published_files(youth):
    summary = json.loads((youth["out"] / "run_summary.json").read_text(encoding="utf-8"))
    for name in LAYERS:
        frame = youth["layers"][name]
        assert summary["layers"][name]["published"] == int((frame["status"] == "published").sum())
    assert summary["units_joined"] == youth["planted"]["persons"]
    assert np.isfinite(summary["seconds"])


def test_an_integer_programming_attacker_pins_nothing(youth):
    """Every published geography, rounding interval and reason for hiding, modelled exactly."""
    assert_no_pins(youth["out"])
