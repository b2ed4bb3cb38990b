"""The years example end to end: five years of synthetic units in Renkum, three planted zones.

``examples/years/generate.py`` writes the units of 2020-2024 into a temporary folder (a hot
spot emerging from 2022, one fading, one staying; one buurt split between 2021 and 2022);
``examples/years/config.toml`` is run on them with :func:`zicht._years.run_years`, and the
test reads back what the run *wrote*: the emerging hot-spot categories and the trends where
they were planted and nowhere else, the split reported and apportioned, every value in the
trend files a published value, and five releases in the history, each checked against every
earlier one by ``zicht check``'s code.
"""

from __future__ import annotations

import dataclasses
import json

import h3
import numpy as np
import pandas as pd
import pytest

from example_support import example_dir, load_generator
from zicht._years import run_years
from zicht.check import ReleaseHistory, check_release
from zicht.config import load_years_config

pytestmark = pytest.mark.slow  # five yearly runs and their history checks: about a minute

YEARS = [2020, 2021, 2022, 2023, 2024]
RATE = "rate_signal_eb_global_pct"


@pytest.fixture(scope="module")
def years_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("years")
    info = load_generator("years").generate(root / "data")
    config, years = load_years_config(example_dir("years") / "config.toml")
    data = root / "data"
    years = dataclasses.replace(
        years,
        tables=tuple(dataclasses.replace(t, units=data / t.units.name) for t in years.tables),
        vintages=tuple(
            dataclasses.replace(v, buurten=data / v.buurten.name) for v in years.vintages
        ),
        code_changes=data / "code_changes.csv",
    )
    result = run_years(config, years, root / "out")
    return {"info": info, "result": result, "out": root / "out"}


def _zones(info: dict) -> dict[str, str]:
    return {c: kind for kind, z in info["zones"].items() for c in z["cells"]}


def test_the_planted_emerging_hot_spots_are_found_where_planted_and_nowhere_far(years_run):
    info, out = years_run["info"], years_run["out"]
    emerging = pd.read_csv(out / "trends" / "emerging_h3.csv", keep_default_na=False)
    emerging = emerging.set_index("area_id")
    zones = _zones(info)
    for kind, zone in info["zones"].items():
        found = emerging.loc[zone["cells"], "category"]
        assert found.isin(zone["expected"]).all(), (kind, found.to_dict())
    assert set(emerging.loc[info["zones"]["fading"]["cells"], "category"]) == {"diminishing_hot"}
    assert set(emerging.loc[info["zones"]["staying"]["cells"], "category"]) == {"persistent_hot"}
    # elsewhere: nothing beyond the ring of cells whose Gi* window holds zone cells (k = 1)
    distance = pd.Series(
        [min(h3.grid_distance(c, z) for z in zones) for c in emerging.index], emerging.index
    )
    far = emerging[distance >= 2]
    assert len(far) > 100
    assert set(far["category"]) <= {"no_pattern", ""}, far[far["category"] != "no_pattern"]
    # a category is shown only where every year published the cell's hot-spot label
    hidden = emerging[emerging["category"] == ""]
    assert hidden["note"].str.startswith("hotspotlabel niet gepubliceerd in ").all()  # [map] nl
    summary = json.loads((out / "trends" / "years.json").read_text())
    assert summary["emerging"]["categories"]["diminishing_hot"] == 7


def test_the_planted_trends_are_in_the_published_trend_file(years_run):
    info, out = years_run["info"], years_run["out"]
    trends = pd.read_csv(out / "trends" / "trend_h3.csv", keep_default_na=False)
    trends = trends[trends["indicator"] == RATE].set_index("area_id")
    expected = {"emerging": "rising", "fading": "falling", "staying": "no_trend"}
    for kind, trend in expected.items():
        cells = info["zones"][kind]["cells"]
        assert (trends.loc[cells, "trend"] == trend).all(), trends.loc[cells, ["trend", "trend_p"]]
    assert (trends.loc[info["zones"]["emerging"]["cells"], "change"].astype(float) > 20).all()
    assert (trends.loc[info["zones"]["fading"]["cells"], "change"].astype(float) < -40).all()


def test_every_value_in_the_trend_files_is_a_value_a_yearly_release_published(years_run):
    out = years_run["out"]
    trends = pd.read_csv(out / "trends" / "trend_h3.csv")
    trends = trends[trends["indicator"] == RATE].set_index("area_id")
    for year in YEARS:
        layer = pd.read_csv(out / str(year) / "h3.csv").set_index("area_id")
        published = layer.loc[layer["status"] == "published", RATE]
        shown = trends[f"value_{year}"].dropna()
        assert set(shown.index) <= set(published.index)
        assert np.allclose(shown, published.reindex(shown.index))
        unpublished = trends.index.difference(published.index)
        assert trends.loc[unpublished, f"value_{year}"].isna().all()
    # a change exists only where both the first and the last year are published
    has_change = trends["change"].notna()
    assert (trends.loc[has_change, ["value_2020", "value_2024"]].notna().all(axis=1)).all()
    no_change = trends.loc[~has_change, "note"]
    assert no_change.str.contains("geen verandering: niet gepubliceerd in").all()  # Dutch first
    assert np.allclose(
        trends.loc[has_change, "change"],
        trends.loc[has_change, "value_2024"] - trends.loc[has_change, "value_2020"],
    )


def test_the_trend_files_hold_values_at_their_published_precision(years_run):
    """No float noise (``46.099999999999994``): rates at 1 decimal, counts whole."""
    for layer in ("h3", "buurt"):
        trends = pd.read_csv(years_run["out"] / "trends" / f"trend_{layer}.csv", dtype=str)
        columns = ["change", *(f"value_{y}" for y in YEARS)]
        for indicator, rows in trends.groupby("indicator"):
            decimals = 1 if indicator.startswith("rate_") else 0
            cells = rows[columns].stack().dropna()
            digits = cells.str.split(".").str[1].fillna("")
            too_long = cells[(digits.str.len() > decimals) & (digits.str.strip("0") != "")]
            assert len(cells) > 0 and too_long.empty, (layer, indicator, too_long.head().tolist())


def test_the_years_reports_are_dutch_with_dutch_numbers(years_run):
    """What a reader of the years run gets: no English sentence, "95 %" and decimal commas."""
    from test_report_words import READER_FILES, english_in
    from test_strings import dutch_style_problems
    from zicht.export import STANDARD_VERSION

    out = years_run["out"]
    files = [out / "2024" / name for name in READER_FILES] + [out / "trends" / "years_report.md"]
    found = {}
    for path in files:
        text = path.read_text(encoding="utf-8").replace(STANDARD_VERSION, "")
        hits = english_in(text) + [
            (p, line[:120]) for line in text.splitlines() for p in dutch_style_problems(line)
        ]
        if hits:
            found[path.relative_to(out).as_posix()] = hits
    assert found == {}, found


def test_the_split_buurt_is_apportioned_by_its_addresses_and_reported(years_run):
    info, out = years_run["info"], years_run["out"]
    split = info["split"]
    changes = pd.read_csv(out / "trends" / "boundary_changes.csv")
    assert set(changes["old_code"]) == {split["old_code"]}
    assert set(changes["new_code"]) == set(split["new_codes"])
    # shared by the addresses (apportion = "addresses"): the planted addresses of each part
    assert (changes["method"] == "addresses").all()
    addresses = split["addresses"]
    total = sum(addresses.values())
    shares = changes.set_index("new_code")["share"]
    for new in split["new_codes"]:
        assert shares[new] == pytest.approx(addresses[new] / total, abs=0.002)
    report = (out / "trends" / "years_report.md").read_text(encoding="utf-8")
    assert "SYNTHETISCHE GEGEVENS" in report
    for new in split["new_codes"]:
        assert f"{split['old_code']} (indeling 2020) → {new} (indeling 2022)" in report
    assert set(changes["latest_vintage"]) == {2022} and set(changes["vintage"]) == {2020}
    buurt = pd.read_csv(out / "trends" / "trend_buurt.csv", keep_default_na=False)
    parts = buurt.set_index("area_id").loc[split["new_codes"]]
    assert (parts["apportioned_years"] == "2020 2021").all()
    # the old buurt's published rate is each part's rate in the years before the split
    old = pd.read_csv(out / "2020" / "buurt.csv").set_index("area_id").loc[split["old_code"]]
    if old["status"] == "published":
        assert parts["value_2020"].astype(float).tolist() == [old[RATE]] * 2


def test_five_releases_in_the_history_each_checked_against_every_earlier(years_run):
    out = years_run["out"]
    history = ReleaseHistory(out / "history")
    entries = history.entries()
    assert [e.key for e in entries] == [str(y) for y in YEARS]
    for i, entry in enumerate(entries):
        assert entry.checked_against == tuple(str(y) for y in YEARS[:i])
        assert entry.inputs and all(v["sha256"] for v in entry.inputs.values())
    assert not (out / "history" / "refused.json").exists()
    # and `zicht check` itself passes the last release against the first (the split between)
    report = check_release(
        history.release_dir("2024"),
        history.units_path("2024"),
        against=[history.release_dir("2020")],
        against_units=[history.units_path("2020")],
    )
    assert report.ok, report.to_text()
