"""What is a park: the TOP10NL typology, the rule per type, and registered boundaries.

The rules (Kadaster, TOP10NL verkenningsvoorschriften): only bungalows → bungalowpark (at
least 5 detached holiday homes or 3 blocks); bungalows with stacaravans and/or pitches →
vakantiepark; stacaravans with pitches, or pitches only → camping; only stacaravans →
caravanpark (at least 5); apartments and group accommodation do not count.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from zicht import ConfigError, CRSError
from zicht.parks import (
    DeriveRule,
    TypeCounts,
    Typology,
    compare_boundaries,
    count_types,
    derive_parks,
    load_rule,
    objects_from_bgt_buildings,
    read_otterlo,
    read_registered_boundaries,
    stacaravan_like,
    synthesize_park_sites,
)

X0, Y0 = 150_000.0, 450_000.0


def site(x0: float, kinds: dict[str, int], step: float = 20.0, y0: float = Y0) -> gpd.GeoDataFrame:
    """Recreational objects on a grid, ``kinds`` in order, row by row."""
    labels = [k for k, n in kinds.items() for _ in range(n)]
    side = int(np.ceil(np.sqrt(len(labels))))
    xy = [(x0 + (i % side) * step, y0 + (i // side) * step) for i in range(len(labels))]
    blocks = [f"B{i // 4}" if k == "bungalow_block" else "" for i, k in enumerate(labels)]
    return gpd.GeoDataFrame(
        {"gebruiksdoel": "logiesfunctie", "recreation_type": labels, "block_id": blocks},
        geometry=[shapely.Point(p) for p in xy],
        crs=28992,
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (TypeCounts(bungalows=5), "bungalowpark"),
        (TypeCounts(bungalows=4, blocks=3), "bungalowpark"),
        (TypeCounts(bungalows=4, blocks=2), ""),  # below both minimums
        (TypeCounts(bungalows=30, stacaravans=6), "vakantiepark"),
        (TypeCounts(bungalows=30, pitches=8), "vakantiepark"),
        (TypeCounts(bungalows=3, stacaravans=20, pitches=10), "camping"),  # 3 bungalows: none
        (TypeCounts(stacaravans=20, pitches=10), "camping"),
        (TypeCounts(pitches=40), "camping"),
        (TypeCounts(stacaravans=5), "caravanpark"),
        (TypeCounts(stacaravans=4), ""),
        (TypeCounts(apartments=80, group_accommodation=2), ""),
        (TypeCounts(bungalows=4, apartments=80), ""),  # apartments do not count to five
    ],
)
def test_the_top10nl_rules(counts, expected):
    park_type, reason = Typology().classify(counts)
    assert park_type == expected, reason
    if counts.apartments and not expected:
        assert "apartments" in reason and "TOP10NL does not count" in reason


def test_thresholds_are_settable_and_checked():
    assert Typology(min_stacaravans=10).classify(TypeCounts(stacaravans=8))[0] == ""
    assert Typology(min_pitches=1).classify(TypeCounts(bungalows=9, pitches=1))[0] == "vakantiepark"
    with pytest.raises(ConfigError, match="at least 1"):
        Typology(min_detached_bungalows=0)
    with pytest.raises(ConfigError, match="unknown typology key"):
        Typology.from_dict({"min_bungalows": 3})


def test_blocks_are_counted_by_their_id():
    kinds = np.array(["bungalow_block"] * 7 + ["bungalow", "stacaravan", "x"])
    blocks = np.array(["a", "a", "b", "b", "c", "", "", "", "", ""])
    counts = count_types(kinds, blocks)
    assert (counts.blocks, counts.bungalows, counts.stacaravans, counts.untyped) == (4, 1, 1, 1)


def test_every_derived_park_records_its_type_in_its_rule():
    objects = gpd.pd.concat(
        [
            site(X0, {"bungalow": 40}),
            site(X0 + 1_000, {"bungalow": 20, "stacaravan": 12, "kampeerplaats": 8}),
            site(X0 + 2_000, {"stacaravan": 15, "kampeerplaats": 25}),
            site(X0 + 3_000, {"stacaravan": 36}),
            site(X0 + 4_000, {"appartement": 30, "groepsaccommodatie": 6}),
        ],
        ignore_index=True,
    )
    rule = DeriveRule(min_objects=15)
    result = derive_parks(objects, rule)
    parks = result.parks.sort_values("area_m2")
    by_x = dict(zip(parks.geometry.centroid.x.round(-3), parks["park_type"], strict=True))
    assert by_x == {X0: "bungalowpark", X0 + 1_000: "vakantiepark", X0 + 2_000: "camping",
                    X0 + 3_000: "caravanpark"}  # fmt: skip
    for row in result.parks.itertuples():
        record = json.loads(row.rule_json)
        assert record["park_type"] == row.park_type and record["rule_id"] == rule.rule_id
        assert f"Type: {row.park_type}." in row.rule_text
    rejected = result.candidates[result.candidates["status"] == "rejected"]
    assert len(rejected) == 1
    assert rejected["reason"].iloc[0].startswith("no park by the TOP10NL rules: mainly apartments")
    assert result.report["park_types"] == {
        "bungalowpark": 1, "vakantiepark": 1, "camping": 1, "caravanpark": 1}  # fmt: skip


def test_the_rule_can_differ_per_type():
    small_camping = site(X0, {"stacaravan": 5, "kampeerplaats": 5})
    small_bungalows = site(X0 + 1_000, {"bungalow": 10})
    objects = gpd.pd.concat([small_camping, small_bungalows], ignore_index=True)
    base = DeriveRule(min_objects=15, min_area_m2=1_000)
    assert derive_parks(objects, base).parks.empty
    per_type = DeriveRule(min_objects=15, min_area_m2=1_000,
                          classes={"camping": {"min_objects": 8, "buffer_m": 25}})  # fmt: skip
    result = derive_parks(objects, per_type)
    assert result.parks["park_type"].tolist() == ["camping"]
    record = json.loads(result.parks["rule_json"].iloc[0])
    assert (record["min_objects"], record["buffer_m"]) == (8, 25)
    bungalows = result.candidates[result.candidates["park_type"] == "bungalowpark"]
    assert bungalows["reason"].iloc[0] == "10 recreational objects < 15 for a bungalowpark"
    assert per_type.rule_id != base.rule_id and "Per type: camping" in per_type.describe()


def test_per_type_settings_are_refused_all_at_once(tmp_path):
    with pytest.raises(ConfigError) as err:
        DeriveRule(classes={"kasteel": {}, "camping": {"link_distance_m": 80},
                            "caravanpark": {"min_objects": 1}})  # fmt: skip
    message = str(err.value)
    assert "classes.kasteel" in message and "link_distance_m" in message
    assert "classes.caravanpark" in message and "3 problem(s)" in message
    path = tmp_path / "rule.toml"
    path.write_text(
        "min_objects = 20\n[typology]\nmin_pitches = 10\n"
        "[classes.camping]\nmin_objects = 10\nroad_functions = []\n"
    )
    rule = load_rule(path)
    assert rule.typology.min_pitches == 10 and rule.for_type("camping").min_objects == 10
    assert rule.for_type("camping").road_functions == () and rule.for_type("camping").classes == {}


def test_stacaravans_are_told_apart_by_shape_in_the_bgt_proxy(geodata):
    shapes = np.array(
        [shapely.box(0, 0, 12, 3.8), shapely.box(0, 0, 8, 7), shapely.box(0, 0, 9, 2)]
    )
    assert stacaravan_like(shapes).tolist() == [True, False, True]
    otterlo = read_otterlo(geodata)
    kinds = otterlo.objects.loc[otterlo.objects["recreational"], "recreation_type"]
    assert set(kinds) == {"bungalow", "stacaravan"}
    assert (otterlo.objects.loc[~otterlo.objects["recreational"], "recreation_type"] == "").all()
    buildings = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 12, 3.8)], crs=28992)
    assert objects_from_bgt_buildings(buildings)["recreation_type"].tolist() == ["stacaravan"]


def test_planted_sites_get_a_type_without_moving_a_home():
    points = gpd.GeoDataFrame(
        {"park_id": ["P1", "P2", "P3"], "location_trusted": [True, True, True]},
        geometry=[shapely.Point(X0 + i * 5_000, Y0) for i in range(3)],
        crs=28992,
    )
    sites, homes = synthesize_park_sites(points, seed=7)
    again_sites, again = synthesize_park_sites(points, seed=7)
    assert sites["park_type"].tolist() == again_sites["park_type"].tolist()
    assert homes["recreation_type"].tolist() == again["recreation_type"].tolist()
    assert set(homes["recreation_type"]) <= {
        "bungalow", "bungalow_block", "stacaravan", "kampeerplaats", "appartement",
        "groepsaccommodatie"}  # fmt: skip


def _sets():
    derived = gpd.GeoDataFrame(
        {"park_id": ["D1", "D2", "D3"], "name": ["Een", "Twee", "Drie"],
         "park_type": ["camping", "bungalowpark", "vakantiepark"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(500, 0, 600, 100),
                  shapely.box(1_000, 0, 1_100, 100)],
        crs=28992,
    )  # fmt: skip
    registered = gpd.GeoDataFrame(
        {"park_id": ["R1", "R2", "R9"], "name": ["Een", "Twee", "Elders"],
         "park_type": ["camping", "vakantiepark", ""]},
        geometry=[shapely.box(0, 0, 100, 80), shapely.box(550, 0, 650, 100),
                  shapely.box(5_000, 0, 5_100, 100)],
        crs=28992,
    )  # fmt: skip
    return derived, registered


def test_compare_by_hand():
    derived, registered = _sets()
    result = compare_boundaries(derived, registered)
    table = result.table.set_index(["kind", "park_id_a", "park_id_b"])
    # D1 ~ R1: 8000 / 10000; D2 ~ R2: 5000 / 15000; D3 and R9 only in one set.
    assert table.loc[("match", "D1", "R1"), "iou"] == 0.8
    assert table.loc[("match", "D2", "R2"), "iou"] == pytest.approx(1 / 3, abs=1e-4)
    assert table.loc[("match", "D1", "R1"), "same_type"] is True
    assert table.loc[("match", "D2", "R2"), "same_type"] is False
    s = result.summary
    assert (s["n_matched"], s["n_only_a"], s["n_only_b"], s["n_type_agrees"]) == (2, 1, 1, 1)
    assert s["mean_iou"] == pytest.approx((0.8 + 1 / 3) / 2, abs=1e-3)
    area = dict(zip(result.pieces["piece"], result.pieces.geometry.area, strict=True))
    assert area == {"both": 8_000 + 5_000, "only_a": 2_000 + 5_000 + 10_000,
                    "only_b": 5_000 + 10_000}  # fmt: skip
    strict = compare_boundaries(derived, registered, min_iou=0.5).summary
    assert (strict["n_matched"], strict["n_only_a"], strict["n_only_b"]) == (1, 2, 2)
    with pytest.raises(CRSError):
        compare_boundaries(derived.to_crs(4326), registered)


def test_registered_files_keep_park_types_and_never_guess_a_crs(tmp_path):
    top10 = gpd.GeoDataFrame(
        {"identificatie": ["NL.TOP10NL.1", "NL.TOP10NL.2", "NL.TOP10NL.3", "NL.TOP10NL.4"],
         "naamnl": ["Bos", "Duin", "Veld", ""],
         "typefunctioneelgebied": ["bungalowpark", "camping, kampeerterrein", "caravanpark",
                                   "sportterrein, sportcomplex"]},
        geometry=[shapely.box(X0 + i * 500, Y0, X0 + i * 500 + 200, Y0 + 200) for i in range(4)],
        crs=28992,
    ).to_crs(4326)  # fmt: skip
    path = tmp_path / "top10nl.gpkg"
    top10.to_file(path, driver="GPKG")
    frame, report = read_registered_boundaries(path)
    assert frame.crs.to_epsg() == 28992
    assert frame["park_type"].tolist() == ["bungalowpark", "camping", "caravanpark"]
    assert frame["park_id"].tolist() == ["NL.TOP10NL.1", "NL.TOP10NL.2", "NL.TOP10NL.3"]
    assert frame["name"].tolist() == ["Bos", "Duin", "Veld"]
    assert report["left_out"] == {"TOP10NL type 'sportterrein, sportcomplex' is no park": 1}
    bare = tmp_path / "bare.csv"
    bare.write_text('id,WKT\n1,"POLYGON((0 0,1 0,1 1,0 0))"\n')
    with pytest.raises(CRSError, match="never guessed"):
        read_registered_boundaries(bare)
