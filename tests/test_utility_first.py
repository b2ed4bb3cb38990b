"""Utility first (issue 17.2): a tiny buurt is suppressed, its big neighbours are published.

The Groningen trial: a tiny buurt next to big ones fell back to a wijk-level region that cut
a big buurt, and 10 % of all addresses lay in blank buurten. Here the same shape in small:
big buurten around a tiny one (and, in the second case, two tiny ones side by side).
"""

from __future__ import annotations

import numpy as np
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


# ------------------------------------------------- a wijk and a gemeente above a tiny buurt


def _with_upper_levels(frame, release, levels=("wijk", "gemeente"), wijk_of=None):
    """Publish the same town with its wijken and gemeente too (``wijk_of``: buurt → wijk)."""
    import geopandas as gpd

    from disclosure_fixtures import METAS
    from zicht.publish import DisclosureRules, LayerInput, UnitTable, publish_release

    if wijk_of:
        frame = frame.assign(wijk_code=frame["buurt_code"].map(wijk_of).fillna("WK022800"))
    buurt = release.layers["buurt"][["area_id", "area_name", "geometry"]]
    parent = frame.drop_duplicates("buurt_code").set_index("buurt_code")["wijk_code"]
    codes = buurt["area_id"].map(parent)

    def dissolve(keys) -> gpd.GeoDataFrame:
        shapes = buurt.assign(key=keys.to_numpy()).dissolve("key").reset_index()
        return gpd.GeoDataFrame(
            {"area_id": shapes["key"], "area_name": shapes["key"]},
            geometry=shapes.geometry.to_numpy(),
            crs=buurt.crs,
        )

    upper = {"wijk": dissolve(codes), "gemeente": dissolve(codes.str.slice(0, 0) + "GM0228")}
    layers = [
        LayerInput("h3", release.layers["h3"][["area_id", "area_name", "geometry"]]),
        LayerInput("buurt", buurt),
        *(LayerInput(name, upper[name]) for name in levels),
    ]
    published = publish_release(
        layers,
        METAS,
        rules=DisclosureRules(),
        units=UnitTable(frame, unit_id="unit_id"),
        metadata={"run_id": "utility", "hotspot": {"k": 1}},
    )
    return frame, published


def _write(frame, release, folder):
    from zicht.export import internal_dir_for, write_internal_files, write_release
    from zicht.publish import UnitTable

    out = folder / "release"
    write_release(release, out)
    internal = write_internal_files(
        release, UnitTable(frame, unit_id="unit_id"), internal_dir_for(out)
    )
    return out, internal["units"]


def test_above_a_tiny_buurt_the_smallest_sibling_is_the_partner_and_nothing_is_pinned(tmp_path):
    """The wijk minus its published buurten is the tiny buurt: one partner, the cheapest.

    The wijk and the gemeente are published; with exact populations (the attacker's
    reading) the wijk minus its six big buurten is the 3-unit buurt. One hidden partner
    inside the wijk protects both levels at once: the smallest sibling buurt and one of its
    regions. Hiding the wijk instead would leave the gemeente minus the buurten (the same
    3 units), so it would not suffice.
    """
    from ilp_attacker import attack

    frame, release = _with_upper_levels(*_town({0: 3}))
    sizes = frame.groupby("buurt_code").size()
    buurt = release.layers["buurt"].set_index("area_id")
    withheld = buurt.index[(buurt["status"] != "published") & (buurt.index != "BU022800T0")]
    smallest = sizes.drop("BU022800T0").min()
    assert len(withheld) == 1 and sizes[withheld[0]] == smallest, (withheld, sizes)
    assert (release.layers["wijk"]["status"] == "published").all()
    assert (release.layers["gemeente"]["status"] == "published").all()
    hidden_regions = release.layers["region"].query("status != 'published'")
    assert len(hidden_regions) == 2  # the tiny buurt's region and the partner's one region
    found = attack({"": _write(frame, release, tmp_path)})
    assert found.findings == [], found.findings[:5]
    assert found.candidates > 0 and found.solves > 0


def test_without_the_population_partner_the_attacker_pins_the_tiny_buurt(tmp_path, monkeypatch):
    """The planted leak: no secondary protection of populations, the 3 units are pinned."""
    import zicht.publish._units as units_path
    from ilp_attacker import attack

    monkeypatch.setattr(units_path, "protect_population", lambda tree, min_units: [])
    frame, release = _with_upper_levels(*_town({0: 3}))
    found = attack({"": _write(frame, release, tmp_path)})
    pinned = {(f.count, f.units, f.what) for f in found.findings}
    assert ("n_units", 3, "population pinned") in pinned, found.findings[:5]


def _big_buurten_published(frame, release) -> bool:
    sizes = frame.groupby("buurt_code").size()
    buurt = release.layers["buurt"].set_index("area_id").reindex(sizes.index[sizes >= 10])
    shown = (buurt["status"] == "published") & buurt[["n_vacant", "n_mismatch"]].notna().all(axis=1)
    return bool(shown.all())


def test_a_wijk_without_a_gemeente_above_it_is_withheld_instead_of_a_big_buurt(tmp_path):
    """Only the wijk is published above: withholding it settles the residual, so it goes."""
    from ilp_attacker import attack

    frame, release = _with_upper_levels(*_town({0: 3}), levels=("wijk",))
    assert _big_buurten_published(frame, release)
    assert (release.layers["wijk"]["status"] == "suppressed").all()
    audit = release.audit
    assert audit["reason"].str.startswith("secondary: total withheld").any()
    found = attack({"": _write(frame, release, tmp_path)})
    assert found.findings == [], found.findings[:5]


def test_two_wijken_with_a_tiny_buurt_each_are_withheld_and_every_big_buurt_published(
    tmp_path,
):
    """Two tiny buurten (4 and 6 units) in two wijken of one gemeente.

    Each wijk minus its buurten is one tiny buurt; withholding both wijken leaves the
    gemeente minus its buurten at the two together, 10 units: no big buurt is hidden.
    """
    from ilp_attacker import attack

    east = {f"BU0228000{i}": "WK022801" for i in (3, 4, 5)} | {"BU022800T3": "WK022801"}
    frame, release = _with_upper_levels(*_town({0: 4, 3: 6}), wijk_of=east)
    assert _big_buurten_published(frame, release)
    wijk = release.layers["wijk"].set_index("area_id")
    assert (wijk["status"] == "suppressed").all(), wijk["status"]
    assert (release.layers["gemeente"]["status"] == "published").all()
    found = attack({"": _write(frame, release, tmp_path)})
    assert found.findings == [], found.findings[:5]


def test_a_wijk_above_a_buurt_hidden_by_group_disclosure_gives_up_its_value(tmp_path):
    """Group disclosure under a published wijk: the wijk's count goes, not a big buurt's.

    The centre buurt has 12 addresses, all vacant: its count is hidden. The wijk minus its
    six big buurten would give the share back, and the hidden count needs a partner
    (17.3); both are served by hiding the wijk's count (nearly the sum of its buurten),
    where before the two largest big buurten lost theirs. Every big buurt keeps its values.
    """
    from disclosure_fixtures import make_town
    from ilp_attacker import attack
    from zicht.check import check_release

    frame, release = _with_upper_levels(*make_town(((0, 12),), 12, (0,)), levels=("wijk",))
    buurt = release.layers["buurt"].set_index("area_id")
    assert np.isnan(buurt.loc["BU022800T0", "n_vacant"])
    big = buurt.drop(index="BU022800T0")
    assert big["n_vacant"].notna().all(), big["n_vacant"]
    wijk = release.layers["wijk"].set_index("area_id").loc["WK022800"]
    assert wijk["status"] == "published" and np.isnan(wijk["n_vacant"])
    audit = release.audit
    reasons = set(audit.loc[audit["area_id"] == "WK022800", "reason"])
    assert any(r.startswith("secondary") for r in reasons), reasons
    bundle = _write(frame, release, tmp_path)
    report = check_release(*bundle)
    assert report.ok, report.to_text(limit=10)
    found = attack({"": bundle})
    assert found.findings == [] and found.misled == 0, found.findings[:5]
