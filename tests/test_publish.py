"""Disclosure control: the rules, the Release type, the unit path and the release bundle."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_fixtures import METAS as UNIT_METAS
from disclosure_fixtures import make_area, publish_area, write_bundle
from zicht import DisclosureError
from zicht._strings import text as say
from zicht.export import internal_dir_for, write_internal_files, write_release
from zicht.publish._columns import link_indicators
from zicht.publish._model import LayerInput, Release, UnitTable, round_to_base, units_band
from zicht.publish._release import publish_derived, publish_release
from zicht.publish._rules import DisclosureRules
from zicht.schemas import IndicatorMeta

METAS = [
    IndicatorMeta("n_vacant", "Vacancy", "addresses", "count"),
    IndicatorMeta("rate_vacant_pct", "Vacancy rate", "%", "rate"),
]


def _layer(n_units, n_vacant, **extra):
    n = len(n_units)
    return gpd.GeoDataFrame(
        {
            "area_id": [f"A{i}" for i in range(n)],
            "area_name": [f"area {i}" for i in range(n)],
            "n_units": n_units,
            "n_vacant": n_vacant,
            "rate_vacant_pct": 100 * np.asarray(n_vacant) / np.maximum(np.asarray(n_units), 1),
            "hotspot_label": ["hot_95"] * n,
            "hotspot_z": [2.5] * n,
            **extra,
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs=28992,
    )


# ----------------------------------------------------------------------------- primary rules


def test_small_areas_are_suppressed_and_counts_rounded():
    release = publish_release([LayerInput("h3", _layer([9, 10, 23], [3, 4, 12]))], METAS)
    frame = release.layers["h3"]
    assert frame["status"].tolist() == ["suppressed", "published", "published"]
    assert frame["n_units"].isna().tolist() == [True, False, False]
    assert frame["n_units"].iloc[2] == 25
    assert frame["n_vacant"].iloc[1:].tolist() == [5, 10]
    assert np.isnan(frame["rate_vacant_pct"].iloc[0])
    assert frame["rate_vacant_pct"].iloc[2] == 52.2  # from 12/23 before rounding, 1 decimal
    assert frame["hotspot_label"].iloc[0] == "not publishable"
    assert np.isnan(frame["hotspot_z"].iloc[0])
    assert frame["n_units_band"].tolist() == ["< 10", "10–49", "10–49"]
    assert release.audit.loc[release.audit["action"] == "suppressed", "area_id"].tolist() == ["A0"]


def test_a_small_numerator_is_never_shown_exactly():
    # n_vacant = 3 in a cell of 40: the rounded count (5) and an exact rate (7.5 %) would
    # give 3 back; the rate is that of the rounded figures instead.
    frame = publish_release([LayerInput("h3", _layer([40, 40], [3, 12]))], METAS).layers["h3"]
    assert frame["n_vacant"].tolist() == [5, 10]
    assert frame["rate_vacant_pct"].tolist() == [12.5, 30.0]
    suppress = DisclosureRules(small_count="suppress")
    hidden = publish_release([LayerInput("h3", _layer([40], [3]))], METAS, rules=suppress)
    assert hidden.layers["h3"][["n_vacant", "rate_vacant_pct"]].isna().all().all()


def test_group_disclosure_hides_shares_above_the_limit():
    frame = publish_release([LayerInput("h3", _layer([40, 40], [37, 36]))], METAS).layers["h3"]
    assert np.isnan(frame["n_vacant"].iloc[0]) and np.isnan(frame["rate_vacant_pct"].iloc[0])
    assert frame["rate_vacant_pct"].iloc[1] == 90.0  # exactly 90 % is allowed
    assert frame["status"].tolist() == ["published", "published"]
    low = DisclosureRules(group_low=True)
    frame = publish_release([LayerInput("h3", _layer([40], [0]))], METAS, rules=low).layers["h3"]
    assert np.isnan(frame["rate_vacant_pct"].iloc[0])


def test_gemeente_totals_are_exact_but_small_counts_are_not():
    layer = _layer([1234, 500], [321, 7])
    frame = publish_release([LayerInput("gemeente", layer)], METAS).layers["gemeente"]
    assert frame["n_units"].tolist() == [1234, 500]
    assert frame["n_vacant"].tolist() == [321, 5]
    assert frame["rate_vacant_pct"].tolist() == [26.0, 1.0]


def test_rates_link_to_their_counts_and_other_values_pass_through():
    metas = [
        IndicatorMeta("n_x", "X", "addresses"),
        IndicatorMeta("rate_x_per_1000", "X rate", "per 1000", "rate"),
        IndicatorMeta("share_x_pct", "X share", "%", "rate"),
        IndicatorMeta("rate_x_eb_global_pct", "X smoothed", "%", "rate"),
        IndicatorMeta("density_x_per_km2", "X density", "per km²", "rate"),
        IndicatorMeta("composite_score", "Composite", "", "index"),
    ]
    links = {x.column: x for x in link_indicators(tuple(metas), {"n_x", "n_x_base"})}
    assert links["rate_x_per_1000"].count == "n_x" and links["rate_x_per_1000"].per == 1000
    assert links["share_x_pct"].base == "n_x_base"
    assert links["rate_x_eb_global_pct"].smoothing == "eb_global"
    assert links["density_x_per_km2"].role == "value"
    assert links["composite_score"].role == "value"
    frame = _layer([100, 8], [20, 2]).assign(
        n_x=[20, 2], n_x_base=[50, 8], density_x_per_km2=[1.5, 2.5], composite_score=[70.0, 10.0]
    )
    out = publish_release([LayerInput("h3", frame)], metas).layers["h3"]
    assert out["rate_x_per_1000"].iloc[0] == 400.0  # 20 per 50 base units
    assert out["density_x_per_km2"].tolist()[0] == 1.5
    assert np.isnan(out["composite_score"].iloc[1])  # not published: no value at all


def test_a_rate_on_a_small_denominator_is_hidden():
    metas = [IndicatorMeta("n_x", "X", "a"), IndicatorMeta("share_x_pct", "X", "%", "rate")]
    frame = _layer([100], [0]).assign(n_x=[4], n_x_base=[8])
    out = publish_release([LayerInput("h3", frame)], metas).layers["h3"]
    assert out["n_x"].iloc[0] == 5
    assert np.isnan(out["share_x_pct"].iloc[0])


def test_rules_are_validated_and_name_the_problem():
    with pytest.raises(DisclosureError, match="min_units"):
        DisclosureRules(min_units=0)
    with pytest.raises(DisclosureError, match="small_count"):
        DisclosureRules(rounding_base=1)
    with pytest.raises(DisclosureError, match="group_max_pct"):
        DisclosureRules(group_max_pct=40)
    internal = DisclosureRules(rounding_base=1, small_count="suppress", purpose="internal")
    assert internal.rounding_base == 1
    assert DisclosureRules(exact_layers=["gemeente", "wijk"]).exact_layers == ("gemeente", "wijk")


def test_round_to_base_and_bands():
    assert round_to_base(pd.Series([0, 2, 3, 7, 8, 12]), 5).tolist() == [0, 0, 5, 5, 10, 10]
    assert round_to_base(pd.Series([7]), 1).tolist() == [7]
    assert units_band(pd.Series([0, 10, 49, 50, 3000]), 10).tolist() == [
        "< 10",
        "10–49",
        "10–49",
        "50–99",
        "2500–4999",
    ]


def test_hotspot_scores_only_where_the_whole_window_is_published():
    import h3

    centre = h3.latlng_to_cell(52.04, 5.66, 9)
    ring = [centre, *sorted(set(h3.grid_disk(centre, 2)) - {centre})]
    from disclosure_fixtures import hexagons

    cells = np.array([h3.str_to_int(c) for c in ring], dtype=np.int64)
    frame = hexagons(cells)
    frame["n_units"] = 50
    far = frame["area_id"] == ring[-1]
    frame.loc[far, "n_units"] = 5  # one small cell at the edge
    frame["n_vacant"] = 5
    frame["rate_vacant_pct"] = 10.0
    frame["hotspot_z"] = 1.234
    frame["hotspot_q"] = 0.04321
    frame["hotspot_label"] = "not_significant"
    out = publish_release([LayerInput("h3", frame, hotspot_k=1)], METAS).layers["h3"]
    centre_row = out[out["area_id"] == ring[0]].iloc[0]
    assert centre_row["hotspot_z"] == 1.2 and centre_row["hotspot_q"] == 0.043
    near = set(h3.grid_disk(ring[-1], 1)) - {ring[-1]}
    assert out.loc[out["area_id"].isin(near), "hotspot_z"].isna().all()
    assert (out.loc[out["area_id"].isin(near), "hotspot_label"] == "not_significant").all()
    labels = DisclosureRules(hotspot_scores="labels")
    out = publish_release([LayerInput("h3", frame)], METAS, rules=labels).layers["h3"]
    assert out["hotspot_z"].isna().all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=25),
)
def test_nothing_below_threshold_is_published(sizes, threshold):
    vacant = [s // 3 for s in sizes]
    rules = DisclosureRules(min_units=threshold, purpose="internal")  # thresholds below 10 too
    frame = publish_release([LayerInput("h3", _layer(sizes, vacant))], METAS, rules=rules).layers[
        "h3"
    ]
    small = np.asarray(sizes) < threshold
    assert (frame.loc[small, "status"] == "suppressed").all()
    assert frame.loc[small, ["n_units", "n_vacant", "rate_vacant_pct"]].isna().all().all()
    published = frame[frame["status"] == "published"]
    assert (published["n_units"] % 5 == 0).all()
    assert len(published) == int((~small).sum())


# ----------------------------------------------------------------------------- the type


def test_release_cannot_be_made_by_hand():
    with pytest.raises(DisclosureError, match="publish_release"):
        Release(
            layers={},
            indicators=(),
            context={},
            rules=DisclosureRules(),
            metadata={},
            audit=pd.DataFrame(),
        )


def test_writers_refuse_anything_but_a_release(tmp_path):
    with pytest.raises(TypeError, match="Release"):
        write_release(_layer([10], [1]), tmp_path)


def test_layer_must_be_in_rd_new():
    layer = _layer([10], [1]).to_crs(4326)
    with pytest.raises(DisclosureError, match="28992"):
        publish_release([LayerInput("h3", layer)], METAS)


def test_disjoint_layers_without_units_are_verified():
    left = _layer([30], [1])
    right = _layer([30], [1]).set_geometry([shapely.box(5, 0, 6, 1)])
    release = publish_release([LayerInput("park", left), LayerInput("park_region", right)], METAS)
    assert release.differencing_verified


def test_several_layers_without_units_cannot_be_written(tmp_path):
    cells = _layer([30, 30], [1, 1])
    buurt = _layer([60], [2]).set_geometry([shapely.box(0, 0, 2, 1)])  # holds both cells
    release = publish_release([LayerInput("h3", cells), LayerInput("buurt", buurt)], METAS)
    assert not release.differencing_verified
    with pytest.raises(DisclosureError, match="differencing"):
        write_release(release, tmp_path)


# ----------------------------------------------------------------------------- unit path


@pytest.fixture(scope="module")
def toy():
    area = make_area(3)
    return area, publish_area(area)


def test_unit_path_publishes_regions_nested_in_buurten(toy):
    area, release = toy
    assert list(release.layers) == ["h3", "region", "buurt", "wijk", "gemeente"]
    regions = release.layers["region"]
    pieces = release.regions
    # a region is suppressed only in buurten below the threshold (utility first: a small
    # buurt with big neighbours only is suppressed, not merged into a big one's region), or
    # to protect a residual (here the wijk holds a buurt of 52 units and one of 3: the small
    # buurt and its published wijk: its residual costs one sibling, secondary suppression)
    suppressed = set(regions.loc[regions["status"] != "published", "area_id"])
    small = area.units.groupby("buurt_code").size().loc[lambda n: n < 10].index
    audit = release.audit
    secondary = set(audit.loc[audit["action"] == "secondary_suppressed", "area_id"])
    in_small = set(pieces.loc[pieces["buurt_code"].isin(small), "region_id"])
    assert suppressed and suppressed <= in_small | secondary
    assert pieces.groupby("region_id")["buurt_code"].nunique().max() >= 1
    # every unit is in exactly one region; region totals add up to the units
    assert release.disclosure["regions"]["regions_with_units"] == len(regions)
    n = area.units.groupby("buurt_code").size()
    inside = pieces.drop_duplicates("region_id").set_index("region_id")["buurt_code"]
    assert n.sum() == len(area.units)
    assert set(inside) <= set(area.buurten["area_id"])
    assert release.differencing_verified


def test_unit_path_marks_small_cells_as_merged_with_their_region(toy):
    _, release = toy
    h3 = release.layers["h3"]
    merged = h3[h3["status"] == "merged"]
    assert len(merged) > 0
    assert merged["region_id"].isin(release.layers["region"]["area_id"]).all()
    assert merged[["n_units", "n_vacant", "rate_vacant_pct"]].isna().all().all()
    assert (merged["n_units_band"] == "not published").all()
    assert (h3.loc[h3["status"] == "published", "n_units"] >= 10).all()


def test_unit_path_is_deterministic(toy):
    area, release = toy
    again = publish_area(area)
    for name, frame in release.layers.items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(frame.drop(columns="geometry")),
            pd.DataFrame(again.layers[name].drop(columns="geometry")),
        )


def _timeless(value):
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "seconds"}
    return value


def test_derived_columns_are_what_a_second_full_pass_publishes(toy):
    """A value derived from published values needs no second pass of disclosure control."""
    from geopandas.testing import assert_geodataframe_equal

    area, release = toy
    score = IndicatorMeta("score", "Rank of the vacancy rate", "", "rank")
    values = {}
    for name in ("h3", "buurt", "gemeente"):
        frame = release.layers[name]
        published = frame[frame["status"] == "published"]
        rank = pd.to_numeric(published["rate_vacant_pct"]).rank(ascending=False)
        index = pd.Index(published["area_id"].astype("str"), name="area_id")
        values[name] = pd.DataFrame({"score": rank.to_numpy()}, index=index)
    assert values["h3"]["score"].notna().sum() > 3
    once = publish_derived(release, values, [score], metadata={"derived": "rank"})

    inputs = [
        LayerInput(
            x.name, x.frame.merge(values[x.name], left_on="area_id", right_index=True, how="left")
        )
        if x.name in values
        else x
        for x in area.layers()
    ]
    twice = publish_release(
        inputs,
        [*UNIT_METAS, score],
        units=area.unit_table(),
        metadata={"run_id": "test", "hotspot": {"k": 1}, "derived": "rank"},
    )
    assert list(once.layers) == list(twice.layers)
    for name, frame in twice.layers.items():
        assert_geodataframe_equal(once.layers[name], frame)
    h3 = once.layers["h3"]
    assert h3["score"].notna().sum() == values["h3"]["score"].notna().sum()
    assert h3.loc[h3["status"] != "published", "score"].isna().all()
    assert once.indicators == twice.indicators
    assert list(once.metadata.items()) == list(twice.metadata.items())
    assert list(once.disclosure) == list(twice.disclosure)
    assert _timeless(dict(once.disclosure)) == _timeless(dict(twice.disclosure))
    pd.testing.assert_frame_equal(once.audit, twice.audit)
    pd.testing.assert_frame_equal(once.regions, twice.regions)


def test_derived_columns_cannot_be_counts_rates_or_unknown_layers(toy):
    _, release = toy
    frame = pd.DataFrame({"n_x": [1]}, index=pd.Index(["x"], name="area_id"))
    with pytest.raises(DisclosureError, match="'n_x' is a count"):
        publish_derived(release, {"buurt": frame}, [IndicatorMeta("n_x", "X", "", "count")])
    with pytest.raises(DisclosureError, match="published already"):
        publish_derived(release, {}, [IndicatorMeta("rate_vacant_pct", "V", "%", "index")])
    with pytest.raises(DisclosureError, match="no layer 'corop'"):
        publish_derived(release, {"corop": frame}, [IndicatorMeta("s", "S", "", "index")])


def test_regions_nest_in_gemeenten_only_when_a_whole_layer_is_published_without_buurten():
    area = make_area(6)
    table = area.unit_table(extra={"park": "park_id"}, whole=("park",))
    levels = ["buurt", "wijk", "gemeente"]
    assert list(table.nested_for(["park", "gemeente"]).areas) == ["gemeente"]
    assert list(table.nested_for(["park"]).areas) == ["gemeente"]
    assert list(table.nested_for(["park", "wijk"]).areas) == ["wijk", "gemeente"]
    assert table.nested_for(["park", "buurt"]) is table
    assert list(table.nested_for(["h3", "gemeente"]).areas) == levels  # no whole layer
    assert list(area.unit_table().nested_for(["gemeente"]).areas) == levels
    once = table.nested_for(["park", "gemeente"])
    assert once.nested_for(["park", "gemeente"]) == once  # idempotent


def test_a_layer_that_disagrees_with_the_units_is_refused():
    area = make_area(4)
    layers = area.layers(("buurt",))
    frame = layers[0].frame.assign(n_units=999)
    with pytest.raises(DisclosureError, match="disagrees with the unit table"):
        publish_release([LayerInput("buurt", frame)], UNIT_METAS, units=area.unit_table())


def test_unknown_layers_are_refused():
    area = make_area(4)
    with pytest.raises(DisclosureError, match="no unit key"):
        publish_release([LayerInput("corop", area.buurten)], UNIT_METAS, units=area.unit_table())


def test_company_rules_hide_dominated_values():
    area = make_area(5, n_units=800, companies=2)
    metas = [
        IndicatorMeta("n_vacant", "Vacant", "addresses", basis="companies"),
        IndicatorMeta("rate_vacant_pct", "Vacant", "%", "rate", basis="companies"),
    ]
    release = publish_release(
        area.layers(("buurt",)), metas, units=area.unit_table(company="company_id")
    )
    for frame in release.layers.values():
        published = frame[frame["status"] == "published"]
        # two companies: never three contributors; only a zero (no contributor) is shown
        assert (published["n_vacant"].isna() | (published["n_vacant"] == 0)).all()
    area = make_area(5, n_units=800, companies=50)
    release = publish_release(
        area.layers(("buurt",)), metas, units=area.unit_table(company="company_id")
    )
    assert release.layers["buurt"]["n_vacant"].notna().any()


def test_bundle_holds_every_file_and_keeps_unit_data_out(toy, tmp_path):
    area, release = toy
    folder, units_file = write_bundle(release, area, tmp_path)
    names = {p.name for p in folder.iterdir()}
    assert {
        "release.gpkg",
        "manifest.json",
        "disclosure_report.md",
        "region_pieces.csv",
        "region.csv",
        "h3.csv",
    } <= names
    assert not any(n.endswith(".parquet") for n in names)
    assert units_file.parent == internal_dir_for(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rules"]["min_units"] == 10
    assert manifest["layers"]["region"]["unit_key"] == "region_pieces"
    assert {"zicht", "geopandas", "h3", "python"} <= set(manifest["versions"])
    assert manifest["files"]["geopackage"]["sha256"]
    report = (folder / "disclosure_report.md").read_text()
    counted = say("disclosure", "regions_count", n="|", single="", median="")
    assert counted.split("|")[1].split("(")[0] in report  # "** gebieden** met eenheden "
    back = gpd.read_file(folder / "release.gpkg", layer="h3")
    assert set(back["status"]) <= {"published", "merged", "suppressed"}
    with pytest.raises(DisclosureError, match="inside the release folder"):
        write_internal_files(release, area.unit_table(), folder / "units")
    units = pd.read_parquet(units_file)
    assert {"unit_id", "x", "y", "h3_cell", "buurt_code", "region_id", "vacant"} <= set(units)


def test_unit_table_with_a_park_layer_splits_regions_along_parks():
    area = make_area(6, n_units=900)
    units = area.units
    # a 'park': the units of one buurt west of its centre line
    buurt = units["buurt_code"].mode().iloc[0]
    in_buurt = units["buurt_code"] == buurt
    west = in_buurt & (units.geometry.x < units.loc[in_buurt].geometry.x.median())
    area.units = units.assign(park_id=np.where(west, "P1", None))
    hull = units.loc[west].geometry.union_all().convex_hull.buffer(1)
    parks = gpd.GeoDataFrame({"area_id": ["P1"], "area_name": ["park"]}, geometry=[hull], crs=28992)
    release = publish_release(
        [*area.layers(("h3", "buurt")), LayerInput("park", parks)],
        UNIT_METAS,
        units=area.unit_table(extra={"park": "park_id"}),
    )
    park = release.layers["park"].iloc[0]
    assert park["status"] in ("published", "merged")
    if park["status"] == "published":
        assert park["n_units"] == round_to_base(pd.Series([int(west.sum())]), 5).iloc[0]
    assert "park_id" in release.regions.columns


def test_unit_path_needs_the_numerator_columns():
    area = make_area(7)
    table = UnitTable(area.units.drop(columns="vacant"))
    with pytest.raises(Exception, match="vacant"):
        publish_release(area.layers(("buurt",)), UNIT_METAS, units=table)
