"""Park boundaries: derivation rule, recovery, validation, versions, diff, indicators, maps.

Literal fixtures in RD New around (150 000, 450 000), oracles checkable by hand; one
end-to-end recovery test on the shipped data for gemeente Ede.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht import ConfigError, CRSError, GeometryError, InputError, SchemaError
from zicht.parks import (
    DeriveRule,
    assign_points_to_parks,
    check_boundaries,
    derive_parks,
    diff_parks,
    evaluate_recovery,
    list_park_versions,
    load_park_version,
    load_rule,
    netherlands_polygon,
    objects_from_bgt_buildings,
    park_indicator_table,
    publish_park_indicators,
    read_boundary_file,
    save_park_version,
    synthesize_park_sites,
    synthesize_registered_residents,
    synthetic_park_study,
    validate_boundaries,
)
from zicht.publish import DisclosureRules

X0, Y0 = 150_000.0, 450_000.0


def grid(x0: float, y0: float, nx: int, ny: int, step: float = 20.0) -> list[tuple[float, float]]:
    return [(x0 + i * step, y0 + j * step) for i in range(nx) for j in range(ny)]


def objects(*groups: tuple[list[tuple[float, float]], str]) -> gpd.GeoDataFrame:
    xy, uses = [], []
    for points, use in groups:
        xy.extend(points)
        uses.extend([use] * len(points))
    return gpd.GeoDataFrame(
        {"gebruiksdoel": uses}, geometry=[shapely.Point(p) for p in xy], crs=28992
    )


def boundaries(boxes: dict[str, tuple[float, float, float, float]], **extra) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "park_id": list(boxes),
            "name": [f"Park {k}" for k in boxes],
            "source": "drawn",
        },
        geometry=[shapely.box(*b) for b in boxes.values()],
        crs=28992,
    )
    for key, value in extra.items():
        frame[key] = value
    return frame


# --- the rule ---------------------------------------------------------------------------------


def test_rule_refuses_every_bad_value_at_once():
    with pytest.raises(ConfigError) as err:
        DeriveRule(min_objects=1, min_recreational_share=60, outline="hexagons", buffer_m=-1)
    message = str(err.value)
    for word in ("min_objects", "min_recreational_share", "outline", "buffer_m"):
        assert word in message
    assert "4 problem(s)" in message


def test_rule_id_is_stable_and_written_rule_names_the_parameters(tmp_path):
    rule = DeriveRule(min_objects=20, link_distance_m=40)
    assert rule.rule_id == DeriveRule(min_objects=20, link_distance_m=40).rule_id
    assert rule.rule_id != DeriveRule().rule_id
    text = rule.describe()
    assert "at least 20 recreational objects" in text and "within 40 m" in text
    assert rule.rule_id in text
    path = tmp_path / "rule.toml"
    path.write_text('[rule]\nmin_objects = 20\nlink_distance_m = 40\nroad_functions = ["x"]\n')
    loaded = load_rule(path)
    assert loaded.min_objects == 20 and loaded.road_functions == ("x",)
    path.write_text("min_object = 3\n")
    with pytest.raises(ConfigError, match="unknown rule key"):
        load_rule(path)


# --- deriving ---------------------------------------------------------------------------------


def test_a_grid_of_holiday_homes_is_one_park_that_records_its_rule():
    homes = objects((grid(X0, Y0, 10, 10), "logiesfunctie"))
    rule = DeriveRule(min_objects=20)
    result = derive_parks(homes, rule)
    parks = result.parks
    assert len(parks) == 1
    row = parks.iloc[0]
    assert (row.n_objects, row.n_recreational, row.recreational_share) == (100, 100, 1.0)
    recorded = json.loads(row.rule_json)
    settings = {k: v for k, v in rule.to_dict().items() if k != "classes"}
    assert {k: recorded[k] for k in settings} == settings
    # Without a recreation_type column the type is undetermined, and the record says why.
    assert recorded["park_type"] == "" and "no recreation_type" in recorded["type_reason"]
    assert recorded["rule_id"] == rule.rule_id
    assert row.rule_id == rule.rule_id and row.rule_text == rule.describe()
    assert row.source == "derived"
    # The outline holds every home with the margin, and no more than the margin allows.
    assert parks.geometry.iloc[0].contains(shapely.MultiPoint(grid(X0, Y0, 10, 10)))
    assert 180 * 180 < row.area_m2 < 210 * 210
    assert parks.geometry.iloc[0].geom_type == "MultiPolygon"


def test_too_few_homes_or_too_far_apart_are_no_park():
    few = objects((grid(X0, Y0, 3, 3), "logiesfunctie"))
    assert derive_parks(few, DeriveRule(min_objects=10)).parks.empty
    sparse = objects((grid(X0, Y0, 6, 6, step=80.0), "logiesfunctie"))
    assert derive_parks(sparse, DeriveRule(min_objects=10, link_distance_m=50)).parks.empty
    two = objects(
        (grid(X0, Y0, 5, 5), "logiesfunctie"), (grid(X0 + 400, Y0, 5, 5), "logiesfunctie")
    )
    parks = derive_parks(two, DeriveRule(min_objects=10)).parks
    assert len(parks) == 2
    assert parks.geometry.iloc[0].intersection(parks.geometry.iloc[1]).area == 0


def test_houses_next_to_a_park_do_not_merge_into_it():
    park = grid(X0, Y0, 8, 8)  # x up to X0 + 140
    village = grid(X0 + 165, Y0, 12, 8)  # starts 25 m east of the park
    frame = objects((park, "logiesfunctie"), (village, "woonfunctie"))
    parks = derive_parks(frame, DeriveRule(min_objects=20)).parks
    assert len(parks) == 1
    outline = parks.geometry.iloc[0]
    inside = shapely.contains_xy(outline, *np.array(village).T)
    # Only the first column of houses lies within the 15 m margin … and not even that.
    assert inside.sum() == 0
    assert parks.iloc[0].n_recreational == 64 and parks.iloc[0].n_objects == 64


def test_recreational_share_keeps_villages_with_some_holiday_homes_out():
    xy = grid(X0, Y0, 20, 20)
    uses = [
        "logiesfunctie" if (i + j) % 3 == 0 else "woonfunctie" for i in range(20) for j in range(20)
    ]
    mixed = gpd.GeoDataFrame(
        {"gebruiksdoel": uses}, geometry=[shapely.Point(p) for p in xy], crs=28992
    )
    strict = derive_parks(mixed, DeriveRule(min_objects=20, min_recreational_share=0.6))
    assert strict.parks.empty
    assert strict.candidates["status"].tolist() == ["rejected"]
    assert re.fullmatch(r"recreational share 3\d % < 60 %", strict.candidates["reason"].iloc[0])
    loose = derive_parks(mixed, DeriveRule(min_objects=20, min_recreational_share=0.0))
    assert len(loose.parks) == 1


def test_recreational_column_and_multiple_uses_count():
    xy = grid(X0, Y0, 5, 5)
    multi = gpd.GeoDataFrame(
        {"gebruiksdoel": ["woonfunctie,logiesfunctie"] * 25},
        geometry=[shapely.Point(p) for p in xy],
        crs=28992,
    )
    assert len(derive_parks(multi, DeriveRule(min_objects=10)).parks) == 1
    flagged = gpd.GeoDataFrame({"recreational": [True] * 25}, geometry=multi.geometry, crs=28992)
    assert len(derive_parks(flagged, DeriveRule(min_objects=10)).parks) == 1
    with pytest.raises(SchemaError, match="recreational"):
        derive_parks(flagged.drop(columns="recreational"))
    with pytest.raises(CRSError):
        derive_parks(flagged.to_crs(4326))


def test_missing_locations_are_counted_not_fatal():
    homes = objects((grid(X0, Y0, 5, 5), "logiesfunctie"))
    homes.loc[0, "geometry"] = None
    result = derive_parks(homes, DeriveRule(min_objects=10))
    assert result.report["objects_without_location"] == 1
    assert result.parks.iloc[0].n_recreational == 24


def test_parcels_are_taken_whole_or_cut_out():
    homes = objects((grid(X0, Y0, 6, 6), "logiesfunctie"))  # outline ≈ box(-15 … 115)
    mostly_in = shapely.box(X0 + 60, Y0 + 60, X0 + 160, Y0 + 100)  # 55 of 100 m inside
    barely = shapely.box(X0 - 40, Y0 + 20, X0 - 5, Y0 + 60)  # 10 of 35 m inside
    parcels = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[mostly_in, barely], crs=28992)
    rule = DeriveRule(min_objects=10, concave_ratio=1.0)
    park = derive_parks(homes, rule, parcels=parcels).parks.geometry.iloc[0]
    assert park.contains(mostly_in.buffer(-0.01))
    assert park.intersection(barely).area < 1.0


def test_public_roads_and_water_are_cut_out_but_other_roads_are_not():
    homes = objects((grid(X0, Y0, 12, 6), "logiesfunctie"))
    road = shapely.box(X0 + 105, Y0 - 100, X0 + 115, Y0 + 300)
    lane = shapely.box(X0 + 45, Y0 - 100, X0 + 50, Y0 + 300)
    roads = gpd.GeoDataFrame(
        {"function": ["rijbaan regionale weg", "rijbaan lokale weg"]},
        geometry=[road, lane],
        crs=28992,
    )
    pond = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 150, Y0 + 40, X0 + 190, Y0 + 80)], crs=28992)
    rule = DeriveRule(min_objects=10)
    plain = derive_parks(homes, rule).parks.geometry.iloc[0]
    cut = derive_parks(homes, rule, roads=roads, water=pond).parks.geometry.iloc[0]
    assert len(cut.geoms) == 2  # the regional road splits the park in two parts
    assert cut.intersection(road).area < 1e-6
    assert cut.intersection(lane).area > 0  # a local lane is part of the park
    assert cut.intersection(pond.geometry.iloc[0]).area < 1e-6
    assert plain.area - cut.area == pytest.approx(
        plain.intersection(road).area + plain.intersection(pond.geometry.iloc[0]).area, rel=1e-6
    )
    no_water = derive_parks(homes, replace(rule, subtract_water=False), water=pond).parks
    assert no_water.geometry.iloc[0].intersection(pond.geometry.iloc[0]).area > 0


def test_trusted_park_points_name_parks_and_place_centres_are_only_reported():
    homes = objects(
        (grid(X0, Y0, 6, 6), "logiesfunctie"), (grid(X0 + 500, Y0, 6, 6), "logiesfunctie")
    )
    known = gpd.GeoDataFrame(
        {
            "park_id": ["P0007", "P0008"],
            "name": ["Bospark", "Dorp (plaatscentrum)"],
            "location_trusted": [True, False],
        },
        geometry=[shapely.Point(X0 + 50, Y0 + 50), shapely.Point(X0 + 550, Y0 + 50)],
        crs=28992,
    )
    result = derive_parks(homes, DeriveRule(min_objects=10), known_parks=known)
    parks = result.parks.set_index("park_id")
    assert parks.loc["P0007", "name"] == "Bospark"
    other = next(p for p in parks.index if p != "P0007")
    assert other.startswith("D") and parks.loc[other, "untrusted_park_ids"] == "P0008"
    assert result.report["known_parks"]["untrusted_not_used"] == ["P0008"]


def test_bgt_buildings_proxy_takes_detached_chalets_not_terraces_or_sheds():
    chalet = shapely.box(0, 0, 8, 8)  # 64 m², alone
    row_a, row_b = shapely.box(100, 0, 106, 10), shapely.box(106, 0, 112, 10)  # touching
    shed = shapely.box(200, 0, 3 + 200, 3)
    big = shapely.box(300, 0, 320, 20)  # 400 m²
    pand = gpd.GeoDataFrame(
        {"identificatieBAGPND": list("abcde"), "eindRegistratie": [None] * 5},
        geometry=[chalet, row_a, row_b, shed, big],
        crs=28992,
    )
    out = objects_from_bgt_buildings(pand)
    assert out["bag_pand_id"].tolist() == ["a", "b", "c", "e"]  # the shed is no object
    assert out["recreational"].tolist() == [True, False, False, False]


# --- planted parks and recovery ---------------------------------------------------------------


def _points(xy, trusted=None):
    n = len(xy)
    return gpd.GeoDataFrame(
        {
            "park_id": [f"P{i:04d}" for i in range(n)],
            "name": [f"Park {i}" for i in range(n)],
            "location_trusted": trusted if trusted is not None else [True] * n,
        },
        geometry=[shapely.Point(p) for p in xy],
        crs=28992,
    )


def test_planted_sites_are_deterministic_and_homes_lie_inside_them():
    pts = _points(
        [(X0, Y0), (X0 + 3000, Y0), (X0 + 3050, Y0), (X0, Y0 + 3000)], [True, True, True, False]
    )
    sites, homes = synthesize_park_sites(pts, seed=5)
    again, homes_again = synthesize_park_sites(pts, seed=5)
    assert sites.geom_equals(again).all() and homes.geom_equals(homes_again).all()
    assert len(sites) == 3  # the untrusted point gets no site
    assert sites["planted"].tolist() == [True, True, False]  # 50 m from the one before
    assert "not planted" in sites["note"].iloc[2]
    for pid, site in zip(sites["park_id"], sites.geometry, strict=True):
        mine = homes[homes["park_id_planted"] == pid]
        assert shapely.contains_xy(site, *shapely.get_coordinates(mine.geometry.array).T).all()
    assert set(homes["gebruiksdoel"]) <= {"logiesfunctie", "woonfunctie"}
    assert (homes["gebruiksdoel"] == "logiesfunctie").mean() > 0.8


def test_recovery_oracle_by_hand():
    sites = gpd.GeoDataFrame(
        {"park_id": ["A", "B", "C"], "shape": "rectangle", "planted": [True, True, False]},
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.box(1000, 0, 1100, 100),
            shapely.box(0, 0, 1, 1),
        ],
        crs=28992,
    )
    found = gpd.GeoDataFrame(
        {"park_id": ["d1", "d2", "d3"]},
        geometry=[
            shapely.box(0, 0, 100, 80),  # IoU 0.8 with A
            shapely.box(1000, 0, 1100, 30),  # IoU 0.3 with B: a partial find
            shapely.box(5000, 0, 5100, 100),  # nothing planted there
        ],
        crs=28992,
    )
    report = evaluate_recovery(found, sites)
    s = report.summary
    assert (s["n_sites"], s["n_not_planted"], s["n_recovered"]) == (2, 1, 1)
    assert s["mean_iou"] == pytest.approx(0.55) and s["median_iou"] == pytest.approx(0.55)
    assert (s["n_false_positive"], s["n_split_or_partial"]) == (1, 1)
    assert report.sites["matched_park_id"].tolist() == ["d1", ""]
    assert report.derived["kind"].tolist() == ["match", "split_or_partial", "false_positive"]


def test_planted_parks_in_ede_are_recovered_and_decoys_are_not(geodata):
    study = synthetic_park_study(geodata, ["GM0228"], seed=20240, mixed_areas_per_gemeente=6)
    assert study.addresses["address_id"].is_unique
    rule = DeriveRule()
    report = evaluate_recovery(derive_parks(study.addresses, rule).parks, study.sites)
    s = report.summary
    assert s["n_sites"] >= 3
    assert s["mean_iou"] >= 0.8 and s["n_recovered"] == s["n_sites"]
    assert s["n_false_positive"] == 0
    # Without the share rule, the village patches with holiday homes turn into parks.
    loose = derive_parks(study.addresses, replace(rule, min_recreational_share=0.0)).parks
    assert evaluate_recovery(loose, study.sites).summary["n_false_positive"] > 0


# --- validation -------------------------------------------------------------------------------


def test_every_problem_is_listed_at_once(geodata):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    frame = gpd.GeoDataFrame(
        {
            "park_id": ["A", "A", "C", "D", "E", "F", ""],
            "name": ["Bos", "bos", "", "Duin", "Ver weg", "Klein", "Zee"],
            "source": ["drawn", "drawn", "drawn", "made up", "drawn", "drawn", "drawn"],
        },
        geometry=[
            shapely.box(X0, Y0, X0 + 200, Y0 + 200),
            shapely.box(X0 + 100, Y0, X0 + 300, Y0 + 200),  # overlaps A by 100 × 200
            bowtie,
            shapely.Point(X0, Y0),
            shapely.box(10_000, 700_000, 10_200, 700_200),  # north of the country
            shapely.box(X0 + 5000, Y0, X0 + 5010, Y0 + 10),  # 100 m²
            None,
        ],
        crs=28992,
    )
    nl = netherlands_polygon(geodata)
    problems = check_boundaries(frame, netherlands=nl)
    checks = problems.groupby("check")["park_id"].apply(list).to_dict()
    assert set(checks) == {
        "park_id",
        "name",
        "source",
        "geometry",
        "overlap",
        "netherlands",
        "area",
    }
    assert checks["geometry"] == ["C", "D", ""]
    assert (
        checks["overlap"] == ["A"]
        and "20,000 m²" in problems.loc[problems["check"] == "overlap", "detail"].iloc[0]
    )
    assert checks["netherlands"] == ["E"] and checks["area"] == ["F"]
    assert "case-insensitively" in problems.loc[problems["check"] == "name", "detail"].tolist()[-1]
    with pytest.raises(GeometryError) as err:
        validate_boundaries(frame, netherlands=nl)
    assert f"{len(problems)} problem(s)" in str(err.value)


def test_schema_problems_raise_schema_error_and_a_valid_set_comes_back_in_rd():
    frame = boundaries({"A": (X0, Y0, X0 + 100, Y0 + 100)}).drop(columns="source")
    with pytest.raises(SchemaError, match="source"):
        validate_boundaries(frame)
    good = boundaries({"A": (X0, Y0, X0 + 100, Y0 + 100)}).to_crs(4326)
    out = validate_boundaries(good)
    assert out.crs.to_epsg() == 28992 and out.geometry.iloc[0].geom_type == "MultiPolygon"
    assert out.geometry.iloc[0].area == pytest.approx(10_000, rel=1e-4)
    no_crs = boundaries({"A": (X0, Y0, X0 + 100, Y0 + 100)}).set_crs(None, allow_override=True)
    assert "crs" in check_boundaries(no_crs)["check"].tolist()


# --- versions ---------------------------------------------------------------------------------


def test_versions_are_saved_listed_loaded_and_chained(tmp_path):
    store = tmp_path / "parks.gpkg"
    v1_set = boundaries(
        {"A": (X0, Y0, X0 + 200, Y0 + 200), "B": (X0 + 500, Y0, X0 + 700, Y0 + 100)}
    )
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    v1 = save_park_version(store, v1_set, author="Ann", reason="first", created=when)
    assert (v1.version_id, v1.parent_version, v1.n_parks) == ("v1", "", 2)
    assert v1.created == "2024-05-01T12:00:00+00:00"
    with pytest.raises(InputError, match="identical"):
        save_park_version(store, v1_set, author="Ann", reason="again", parent_version="v1")
    v2_set = v1_set.copy()
    v2_set.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 250, Y0 + 200)
    v2 = save_park_version(store, v2_set, author="Bob", reason="east edge", parent_version="v1")
    assert v2.version_id == "v2" and v2.parent_version == "v1"
    assert list_park_versions(store)["version_id"].tolist() == ["v1", "v2"]
    latest, info = load_park_version(store)
    assert info == v2 and latest.geometry.iloc[0].area == pytest.approx(250 * 200)
    first, info1 = load_park_version(store, "v1")
    assert info1.author == "Ann" and first.geometry.iloc[0].area == pytest.approx(200 * 200)
    assert info1.to_manifest()["content_sha256"] == v1.content_sha256
    with pytest.raises(InputError, match=r"no version 'v9'.*\['v1', 'v2'\]"):
        load_park_version(store, "v9")
    with pytest.raises(SchemaError, match=r"author is required.*parent version 'v7'"):
        save_park_version(store, v2_set, author=" ", reason="x", parent_version="v7")
    with pytest.raises(GeometryError):
        save_park_version(
            store, v2_set.assign(geometry=shapely.Point(X0, Y0)), author="a", reason="b"
        )
    assert len(list_park_versions(store)) == 2


def test_a_missing_store_and_a_foreign_file_are_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_park_version(tmp_path / "none.gpkg")
    assert list_park_versions(tmp_path / "none.gpkg").empty
    other = tmp_path / "other.gpkg"
    boundaries({"A": (X0, Y0, X0 + 100, Y0 + 100)}).to_file(other, layer="x")
    with pytest.raises(InputError, match="not a park store"):
        list_park_versions(other)


def test_boundary_file_keeps_the_edit_maps_metadata(tmp_path):
    frame = boundaries({"A": (X0, Y0, X0 + 100, Y0 + 100)}).to_crs(4326)
    doc = json.loads(frame.to_json(drop_id=True))
    doc["zicht"] = {"parent_version": "v3"}
    path = tmp_path / "edited.geojson"
    path.write_text(json.dumps(doc))
    read, meta = read_boundary_file(path)
    assert meta == {"parent_version": "v3"} and read["park_id"].tolist() == ["A"]
    with pytest.raises(InputError):
        read_boundary_file(tmp_path / "missing.geojson")


# --- diff -------------------------------------------------------------------------------------


def test_diff_counts_parks_area_addresses_and_parcels_by_hand():
    a = boundaries(
        {
            "K": (X0, Y0, X0 + 100, Y0 + 100),
            "G": (X0 + 500, Y0, X0 + 600, Y0 + 100),
            "R": (X0 + 900, Y0, X0 + 1000, Y0 + 100),
        }
    )
    b = boundaries(
        {
            "K": (X0, Y0, X0 + 100, Y0 + 100),
            "G": (X0 + 500, Y0, X0 + 650, Y0 + 100),
            "N": (X0 + 2000, Y0, X0 + 2100, Y0 + 100),
        }
    )
    addresses = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(X0 + 50, Y0 + 50),  # stays in K
            shapely.Point(X0 + 620, Y0 + 50),  # moves into G
            shapely.Point(X0 + 630, Y0 + 50),  # moves into G
            shapely.Point(X0 + 950, Y0 + 50),  # leaves with R
            shapely.Point(X0 + 2050, Y0 + 50),  # comes with N
            None,
        ],
        crs=28992,
    )
    parcels = gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 610, Y0 + 10, X0 + 640, Y0 + 90)], crs=28992
    )
    result = diff_parks(a, b, addresses=addresses, parcels=parcels, label_a="v1", label_b="v2")
    table = result.table.set_index("park_id")
    assert table["change"].to_dict() == {
        "G": "changed",
        "K": "unchanged",
        "N": "added",
        "R": "removed",
    }
    assert table.loc["G", "area_change_m2"] == 5_000 and table.loc["G", "area_change_pct"] == 50.0
    assert table.loc["G", "iou"] == pytest.approx(10_000 / 15_000, abs=1e-4)
    assert table.loc["G", ["addresses_in", "addresses_out", "parcels_in"]].tolist() == [2, 0, 1]
    assert table.loc["R", "addresses_out"] == 1 and table.loc["N", "addresses_in"] == 1
    s = result.summary
    assert (s["added"], s["removed"], s["changed"], s["unchanged"]) == (1, 1, 1, 1)
    assert (s["addresses_in"], s["addresses_out"], s["parcels_in"]) == (3, 1, 1)
    renamed = b.assign(name=["Park K2", "Park G", "Park N"])
    assert diff_parks(a, renamed).table.set_index("park_id").loc["K", "change"] == "changed"
    assert diff_parks(a, b).table["addresses_in"].isna().all()


# --- indicators -------------------------------------------------------------------------------


def test_small_parks_are_merged_per_gemeente_and_never_published_alone():
    gemeenten = gpd.GeoDataFrame(
        {"code": ["GM9991", "GM9992"], "name": ["West", "Oost"]},
        geometry=[
            shapely.box(X0 - 5000, Y0 - 5000, X0 + 1500, Y0 + 5000),
            shapely.box(X0 + 1500, Y0 - 5000, X0 + 9000, Y0 + 5000),
        ],
        crs=28992,
    )
    parks = boundaries(
        {
            "BIG": (X0, Y0, X0 + 300, Y0 + 300),
            "S1": (X0 + 500, Y0, X0 + 600, Y0 + 100),
            "S2": (X0 + 800, Y0, X0 + 900, Y0 + 100),
            "S3": (X0 + 3000, Y0, X0 + 3100, Y0 + 100),
        }
    )
    rng = np.random.default_rng(1)

    def homes(box, n):
        x0, y0, x1, y1 = box
        return [
            shapely.Point(p) for p in rng.uniform((x0 + 1, y0 + 1), (x1 - 1, y1 - 1), size=(n, 2))
        ]

    geoms = (
        homes((X0, Y0, X0 + 300, Y0 + 300), 60)
        + homes((X0 + 500, Y0, X0 + 600, Y0 + 100), 6)
        + homes((X0 + 800, Y0, X0 + 900, Y0 + 100), 7)
        + homes((X0 + 3000, Y0, X0 + 3100, Y0 + 100), 4)
        + [shapely.Point(X0 - 1000, Y0)] * 5  # outside every park
    )
    units = gpd.GeoDataFrame(
        {"gebruiksdoel": "logiesfunctie"}, geometry=geoms, crs=28992, index=range(len(geoms))
    )
    units["park_id"] = assign_points_to_parks(units, parks)
    assert units["park_id"].isna().sum() == 5
    units["n_registered_residents"] = synthesize_registered_residents(units, seed=3)
    table = park_indicator_table(units, parks)
    assert table["n_units"].to_dict() == {"BIG": 60, "S1": 6, "S2": 7, "S3": 4}
    release = publish_park_indicators(
        units,
        parks,
        gemeenten,
        rules=DisclosureRules(min_units=10),
        metadata={"park_version": {"version_id": "v4"}},
    )
    park = release.layers["park"].set_index("area_id")
    assert park["status"].to_dict() == {
        "BIG": "published",
        "S1": "suppressed",
        "S2": "suppressed",
        "S3": "suppressed",
    }
    assert park.loc[["S1", "S2", "S3"], "n_recreational"].isna().all()
    region = release.layers["park_region"].set_index("area_id")
    assert region.loc["GM9991-other-parks", "status"] == "published"
    assert region.loc["GM9991-other-parks", "n_units"] == 15  # 13 rounded to base 5
    assert region.loc["GM9992-other-parks", "status"] == "suppressed"  # S3 alone: 4 addresses
    assert region.loc["GM9991-other-parks", "area_name"] == "Other parks in West (2 parks)"
    # Every park's addresses are counted exactly once: alone or in its gemeente's group.
    assert table["n_units"].sum() == 60 + 13 + 4
    assert release.metadata["park_version"]["version_id"] == "v4"
    audit = release.audit
    suppressed = audit.loc[audit["action"] == "suppressed", "area_id"]
    assert set(suppressed) == {"S1", "S2", "S3", "GM9992-other-parks"}
    # BIG and GM9991's group are 100 % recreational: the group-disclosure rule hides that share.
    assert {"BIG", "GM9991-other-parks"} <= set(audit["area_id"])


def test_registered_residents_are_deterministic_and_by_use():
    units = pd.DataFrame(
        {"gebruiksdoel": ["woonfunctie"] * 500 + ["logiesfunctie"] * 500 + ["kantoorfunctie"] * 10}
    )
    first = synthesize_registered_residents(units, seed=9)
    assert first.equals(synthesize_registered_residents(units, seed=9))
    assert first[:500].mean() == pytest.approx(2.1, abs=0.3)
    assert 0.03 < (first[500:1000] > 0).mean() < 0.15
    assert (first[1000:] == 0).all()
