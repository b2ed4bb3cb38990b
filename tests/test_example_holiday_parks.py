"""The holiday-parks worked example (examples/holiday_parks): derive, generate, run, check.

Park boundaries are derived by the written rule from the synthetic park study (the same
steps as ``zicht parks derive --source synthetic``), the example's generator builds the
SYNTHETIC unit table from the same addresses with one park planted with registration
problems, and the example's configuration is run. The assertions read the files the run
wrote, not in-memory intermediates.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from example_support import assert_no_pins, example_config, load_generator
from zicht._strings import text
from zicht.export import internal_dir_for
from zicht.ingest import default_geodata_dir, read_boundaries
from zicht.maps._assets import find_network_references
from zicht.parks import (
    PARK_TYPES,
    DeriveRule,
    assign_points_to_parks,
    compare_boundaries,
    derive_parks,
    synthetic_park_study,
)
from zicht.pipeline import run

# Each module runs a whole worked example once (generate, run, check): the slow suite.
pytestmark = pytest.mark.slow


def _value_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("n_", "rate_")) and c != "n_units_band"]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("holiday_parks")
    gen = load_generator("holiday_parks")
    seed = gen.DEFAULT_SEED
    codes = sorted(gen.GEMEENTEN)
    # Step 1, as `zicht parks derive --source synthetic --out DIR` does it (cli_parks.derive).
    study = synthetic_park_study(default_geodata_dir(), codes, seed=seed)
    derived = derive_parks(study.addresses, DeriveRule(), known_parks=study.points).parks
    derive_dir = tmp / "derive"
    derive_dir.mkdir()
    boundaries = derive_dir / "derived_synthetic.geojson"
    derived.to_crs(4326).to_file(boundaries, driver="GeoJSON")
    # Step 2: the generator, on the same seed and gemeenten.
    planted = gen.generate(tmp / "data", seed=seed, gemeenten=codes)
    # Step 3: the example's configuration with the inputs in tmp.
    config = example_config("holiday_parks", tmp / "data" / "units.parquet", park_areas=boundaries)
    out = tmp / "out"
    run(config, out)
    parks = gpd.read_file(out / "release.gpkg", layer="park")
    gemeenten = gpd.read_file(out / "release.gpkg", layer="gemeente")
    units = gpd.read_parquet(tmp / "data" / "units.parquet")
    units["park_id"] = assign_points_to_parks(units, gpd.read_file(boundaries).to_crs(28992))
    # zicht places a unit in a gemeente through its buurt (the buurt code names the gemeente)
    buurten, _ = read_boundaries(
        default_geodata_dir() / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    on_parks = gpd.sjoin(
        units[units["park_id"].notna()], buurten[["code", "geometry"]], predicate="within"
    )
    on_parks["gemeente"] = "GM" + on_parks["code"].str.slice(2, 6)
    return {
        "config": config,
        "out": out,
        "planted": planted,
        "planted_file": json.loads((tmp / "data" / "planted.json").read_text(encoding="utf-8")),
        "derived": gpd.read_file(boundaries).to_crs(28992),
        "parks": parks,
        "park_csv": pd.read_csv(out / "park.csv", dtype={"area_id": str}),
        "gemeenten": gemeenten,
        "n_per_park": units["park_id"].value_counts(),
        "units_on_parks": on_parks,
        "sites": study.sites,
    }


def _planted_park_id(example) -> str:
    """The derived park that holds the planted park's point (from planted.json)."""
    x, y = example["planted_file"]["park"]["point_rd"]
    derived = example["derived"]
    hit = derived[derived.contains(shapely.Point(x, y))]
    assert len(hit) == 1, "the planted park's location must lie in exactly one derived park"
    return str(hit["park_id"].iloc[0])


# ------------------------------------------------------------ the generator


def test_generator_is_deterministic_synthetic_and_writes_the_contract(example, tmp_path):
    planted = example["planted_file"]
    assert planted["synthetic"] is True
    assert set(planted["park"]) >= {"park_id", "name", "point_rd", "point_wgs84"}
    units = gpd.read_parquet(Path(example["planted"]["units_path"]))
    assert units.crs.to_epsg() == 28992
    assert units["address_id"].is_unique
    assert {"object_type", "gebruiksdoel", "registered_residents", "expected_residents"} <= set(
        units.columns
    )
    assert units["registration_mismatch"].dtype == bool
    # a recreational object makes nobody expected
    holiday = units["gebruiksdoel"] == "logiesfunctie"
    assert (units.loc[holiday, "expected_residents"] == 0).all()
    # only a household can have debts or school absence
    assert not (units["problem_debts"] & (units["registered_residents"] == 0)).any()
    # the planted effect is real in the unit data
    realised = planted["realised_pct_of_addresses"]["registration_mismatch"]
    assert realised["planted"] > 3 * realised["park"]
    # deterministic: a second run with the same seed writes the same table and plant
    gen = load_generator("holiday_parks")
    again = gen.generate(tmp_path, seed=planted["seed"], gemeenten=planted["gemeenten"])
    assert again["park"] == planted["park"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(gpd.read_parquet(tmp_path / "units.parquet").drop(columns="geometry")),
        pd.DataFrame(units.drop(columns="geometry")),
    )


# ------------------------------------------------------------ 0. what is a park


def test_every_derived_park_has_its_top10nl_type_in_its_rule(example):
    derived = example["derived"]
    assert derived["park_type"].isin(PARK_TYPES).all()
    assert set(derived["park_type"]) >= {"bungalowpark", "vakantiepark", "camping"}
    for park_type, rule in zip(derived["park_type"], derived["rule_json"], strict=True):
        # GDAL reads a JSON text field of GeoJSON back as an object
        assert (json.loads(rule) if isinstance(rule, str) else rule)["park_type"] == park_type
    # The planted footprints stand in for registered boundaries (a gemeente's own file).
    sites = example["sites"]
    result = compare_boundaries(derived, sites[sites["planted"]].to_crs(28992))
    s = result.summary
    assert s["n_only_a"] == 0 and s["n_only_b"] == 0 and s["mean_iou"] > 0.85
    assert s["n_type_agrees"] == s["n_matched"] == len(derived)


# ------------------------------------------------------------ 1. the planted park is found


def test_the_planted_park_is_published_with_the_highest_mismatch(example):
    parks = example["park_csv"]
    pid = _planted_park_id(example)
    row = parks.set_index("area_id").loc[pid]
    assert row["status"] == "published", f"planted park {pid} is {row['status']}"
    published = parks[parks["status"] == "published"].set_index("area_id")
    rate = published["rate_registration_mismatch_pct"]
    others = rate.drop(pid).dropna()
    assert len(others) >= 5, "too few other parks published to compare with"
    # the highest, and clearly elevated: more than twice any park without a plant
    assert rate[pid] > 2 * others.max(), (rate[pid], others.max())
    # the debts were planted on the same park
    debts = published["rate_problem_debts_pct"]
    assert debts[pid] > debts.drop(pid).dropna().max()
    # school absence was not planted: the planted park is not clearly above the others there
    absence = published["rate_school_absence_pct"]
    assert absence[pid] <= absence.drop(pid).dropna().max() + 2.0


def test_a_control_park_of_the_same_size_does_not_show_it(example):
    """The largest other published park: as large as the planted one, without the plant."""
    published = example["park_csv"].set_index("area_id")
    published = published[published["status"] == "published"]
    pid = _planted_park_id(example)
    control = published.drop(pid)["n_units"].idxmax()
    assert published.loc[control, "n_units"] >= example["config"].rules.min_units
    for col in ("rate_registration_mismatch_pct", "rate_problem_debts_pct"):
        assert pd.notna(published.loc[control, col]), (control, col)
        assert published.loc[control, col] < published.loc[pid, col] / 2, (control, col)
        assert published.loc[control, col] < published[col].max()


def test_every_park_that_passes_on_its_own_is_published_with_values(example):
    """A park is kept whole as one region: with enough addresses it shows its own values.

    Regions also nest in the published gemeenten, so a park that a gemeente boundary cuts
    is published only if every part passes the minimum; with a small part across the
    boundary it is merged (publishing it would give that part away by differencing).
    """
    rules = example["config"].rules
    parks = example["park_csv"].set_index("area_id")
    n = example["n_per_park"].reindex(parks.index, fill_value=0)
    parts = example["units_on_parks"].groupby(["park_id", "gemeente"]).size()
    smallest_part = parts.groupby(level="park_id").min().reindex(parks.index, fill_value=0)
    large = n[(n >= 1.1 * rules.min_units) & (smallest_part >= rules.min_units)].index
    assert len(large) >= 10
    assert (parks.loc[large, "status"] == "published").all(), parks.loc[large, "status"]
    for col in ("rate_registration_mismatch_pct", "rate_problem_debts_pct"):
        assert parks.loc[large, col].notna().all(), col
    # the published number of addresses is the park's own, rounded to the base
    slack = rules.rounding_base
    assert ((parks.loc[large, "n_units"] - n[large]).abs() <= slack + 0.01 * n[large]).all()
    cut = smallest_part[(smallest_part > 0) & (smallest_part < rules.min_units)].index
    cut = cut.intersection(n[n >= rules.min_units].index)
    assert (parks.loc[cut, "status"] != "published").all(), parks.loc[cut, "status"]
    # the internal audit log names the cause
    audit = pd.read_csv(internal_dir_for(example["out"]) / "audit.csv", dtype=str)
    reasons = audit[audit["layer"] == "park"].set_index("area_id")["reason"]
    for park in cut:
        assert "lies in 2 areas of gemeente_code" in reasons[park], reasons[park]


def test_the_gemeente_level_is_published_and_holds_the_planted_park(example):
    gem = example["gemeenten"].set_index("area_id")
    assert (gem["status"] == "published").all(), "every gemeente of the study area is published"
    assert len(gem) == len(example["config"].gemeente)
    x, y = example["planted_file"]["park"]["point_rd"]
    code = str(gem.index[gem.contains(shapely.Point(x, y))][0])
    parks = example["park_csv"].set_index("area_id")
    pid = _planted_park_id(example)
    # the regional figure holds the planted park's mismatches (up to the rounding of both)
    slack = example["config"].rules.rounding_base
    assert (
        gem.loc[code, "n_registration_mismatch"]
        >= parks.loc[pid, "n_registration_mismatch"] - slack
    )
    assert pd.notna(gem.loc[code, "rate_registration_mismatch_pct"])
    # the comparison over all addresses is published for every gemeente, far below the parks
    assert gem["rate_registration_mismatch_all_pct"].notna().all()
    assert (
        gem.loc[code, "rate_registration_mismatch_all_pct"]
        < parks.loc[pid, "rate_registration_mismatch_pct"] / 4
    )


def test_a_gemeente_rate_rests_on_enough_park_addresses(example):
    """The park rates of a gemeente rest on its park addresses: too few, and no rate is shown."""
    rules = example["config"].rules
    gem = example["gemeenten"].set_index("area_id")
    gemeente = example["units_on_parks"]["gemeente"]
    n_park = gemeente.value_counts().reindex(gem.index, fill_value=0)
    for col in ("rate_registration_mismatch_pct", "rate_problem_debts_pct"):
        few = n_park[n_park < 0.9 * rules.min_units].index
        many = n_park[n_park >= 1.1 * rules.min_units].index
        assert gem.loc[few, col].isna().all(), (col, n_park.to_dict())
        assert gem.loc[many, col].notna().all(), (col, n_park.to_dict())


# ------------------------------------------------------------ 2. nothing below the thresholds


def test_nothing_below_the_thresholds_is_published(example):
    rules = example["config"].rules
    for name in ("park", "gemeente"):
        frame = gpd.read_file(example["out"] / "release.gpkg", layer=name)
        values = _value_columns(frame)
        shown = frame[frame["status"] == "published"]
        assert (shown["n_units"] >= rules.min_units).all(), name
        for col in [c for c in values if c.startswith("n_")]:
            counts = shown[col].dropna().to_numpy(dtype=float)
            if rules.is_rounded(name):
                assert np.all(counts % rules.rounding_base == 0), (name, col)
        hidden = frame[frame["status"] != "published"]
        assert hidden[values].isna().all().all(), f"{name}: a hidden feature carries a value"


def test_small_parks_show_no_figure(example):
    rules = example["config"].rules
    parks = example["park_csv"].set_index("area_id")
    n = example["n_per_park"].reindex(parks.index, fill_value=0)
    small = n[n < rules.min_units].index
    assert len(small) >= 1, "the example should have parks below the minimum"
    assert (parks.loc[small, "status"] != "published").all()
    assert parks.loc[small, _value_columns(parks.reset_index())].isna().all().all()


# ------------------------------------------------------------ 3. check, 4. offline map


def test_zicht_check_passes(example):
    done = subprocess.run(
        [sys.executable, "-m", "zicht.cli", "check", str(example["out"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "RESULT: PASS" in done.stdout


def test_the_map_is_offline_and_opens_on_something_visible(example):
    html = (example["out"] / "risk_map.html").read_text(encoding="utf-8")
    assert find_network_references(html) == []
    assert example["planted_file"]["park"]["name"].split(" / ")[0] in html
    # no address id, and no unit coordinates, reach the map
    assert "SYN0" not in html and "SYNPARK" not in html
    # no hot-spot layer here, and the parks, asked for first, are a few pixels wide on the
    # opening view: the map opens on the gemeenten, with the headline rate of the first
    # indicator (the legend shows only that theme); the parks stay in the picker
    shown = re.findall(r'<section class="zicht-legend-theme" data-theme="(t\d+)">', html)
    assert len(shown) == 1
    section = html.split(f'data-theme="{shown[0]}">', 1)[1].split("</section>", 1)[0]
    heading = "<h3>Gemeenten: Inschrijving past niet bij de woning, op parken (percentage, %)</h3>"
    assert section.startswith(heading), section[:120]
    assert re.search(r'<option value="a:park"[^>]*>Vakantieparken</option>', html)  # a level
    # the core's synthetic label from the string catalogue (not only the title of this config)
    assert "SYNTHETISCHE GEGEVENS: de eenheden op deze kaart zijn verzonnen" in html


def test_the_release_is_labelled_synthetic(example):
    """The units file is declared synthetic in the config: manifest, summary and report say so."""
    assert example["config"].inputs.units.synthetic is True
    manifest = json.loads((example["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["synthetic"] is True
    assert "SYNTHETISCHE GEGEVENS" in manifest["metadata"]["synthetic_note"]
    summary = json.loads((example["out"] / "run_summary.json").read_text(encoding="utf-8"))
    assert "SYNTHETISCHE GEGEVENS" in summary["synthetic_note"]
    report = (example["out"] / "report.md").read_text(encoding="utf-8")
    units = example["config"].inputs.units
    level = text("report", f"level_{units.level}")
    assert text("report", "synthetic_declared", file=Path(units.path).name, level=level) in report


def test_an_integer_programming_attacker_pins_nothing(example):
    """Every published geography, rounding interval and reason for hiding, modelled exactly."""
    assert_no_pins(example["out"])


def test_the_run_checks_accept_the_example_config(example):
    """`zicht run` and `zicht validate` check first: park_id comes from the join, not the file."""
    from zicht.config import preflight

    found = preflight(example["config"])
    assert any(line.startswith("join:") for line in found.lines)
