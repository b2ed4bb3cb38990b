"""Magnitudes: sums and means of an amount under the p% and (n, k) rules, and their check.

Hand-computed cases for each rule, a wijk whose union of hidden buurten the combined check
protects (a naive secondary suppression would let one company dominate it), and the
publisher's output attacked by the independent checker.
"""

from __future__ import annotations

import types

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from disclosure_fixtures import EDE, METAS, hexagons, make_area, write_bundle
from zicht import DisclosureError
from zicht.check import check_release
from zicht.check._magnitudes import check_magnitudes, rule_broken
from zicht.publish import (
    DisclosureRules,
    LayerInput,
    Magnitude,
    UnitTable,
    magnitude_sensitivity,
    publish_magnitudes,
    publish_release,
)
from zicht.schemas import IndicatorMeta

RULES = DisclosureRules()  # min_companies 3, (2, 85 %), p 10 %


# ----------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("contributions", "expected"),
    [
        ([], None),  # nothing to protect
        ([0, 0, 0], None),  # a zero total
        ([70, 30], "contributors"),  # a non-zero sum of two companies
        ([50, 30, 20], None),  # two largest 80 % <= 85 %; rest 20 >= 10 % of 50
        ([60, 26, 14], "dominance"),  # two largest 86 % > 85 %
        ([60, 25, 15], None),  # exactly 85 %: allowed; rest 15 >= 6
        ([100, 0, 0, 5, 5], "dominance"),  # zeros do not count as contributors
    ],
)
def test_dominance_and_contributors_by_hand(contributions, expected):
    assert magnitude_sensitivity(contributions, RULES) == expected
    assert (rule_broken(np.asarray(contributions, float), vars(RULES)) is None) == (
        expected is None
    )


@pytest.mark.parametrize(
    ("contributions", "expected"),
    [
        # p% with dominance switched off (100 %): rest = T - x1 - x2 against p/100 * x1
        ([50, 46, 3, 1], "p%"),  # rest 4 < 5: the second largest estimates x1 within 8 %
        ([50, 45, 4, 1], None),  # rest 5 = 10 % of 50: allowed
        ([1000, 10, 50, 40], "p%"),  # sorted 1000, 50, 40, 10: rest 50 < 100
        ([1000, 10, 50, 40, 60], None),  # sorted 1000, 60, 50, 40, 10: rest 100 = 100
    ],
)
def test_p_percent_by_hand(contributions, expected):
    rules = DisclosureRules(dominance_pct=100.0, purpose="internal")
    assert magnitude_sensitivity(contributions, rules) == expected
    assert (rule_broken(np.asarray(contributions, float), vars(rules)) is None) == (
        expected is None
    )


def test_p_percent_is_stricter_with_a_larger_p():
    # rest 12, largest 100: fails at p = 15, passes at p = 10
    x = [100, 60, 8, 4]
    assert (
        magnitude_sensitivity(
            x, DisclosureRules(dominance_pct=100.0, p_pct=10.0, purpose="internal")
        )
        is None
    )
    assert (
        magnitude_sensitivity(
            x, DisclosureRules(dominance_pct=100.0, p_pct=15.0, purpose="internal")
        )
        == "p%"
    )


def test_a_magnitude_needs_a_kind_and_an_amount():
    with pytest.raises(DisclosureError, match="kind must be one of"):
        Magnitude("claims", "Claims", "median", amount="claims")
    with pytest.raises(DisclosureError, match="per applies to kind 'mean' only"):
        Magnitude("claims", "Claims", "sum", amount="claims", per="clients")
    with pytest.raises(DisclosureError, match="p_pct"):
        DisclosureRules(p_pct=120.0)


# ----------------------------------------------------------------------------- a wijk by hand

_TO_RD = Transformer.from_crs(4326, 28992, always_xy=True)

# Three buurten (one H3 cell each) in one wijk; per buurt (company, amount) rows, 10 units
# each so that every buurt passes the threshold. Company X has a unit in B1 and in B2.
BUURTEN = {
    # X dominates: (100 + 5) / 110 = 95 % > 85 %  -> primary
    "BU02280001": [("X", 100), ("Y", 5), ("Z", 5)] + [(f"a{i}", 0) for i in range(7)],
    # passes: (100 + 10) / 130 = 84.6 %; rest 20 >= 10 % of 100
    "BU02280002": [("X", 100), ("P", 10), ("Q", 10), ("R", 10)] + [(f"b{i}", 0) for i in range(6)],
    # passes easily; total 160
    "BU02280003": [(f"C{i}", 20) for i in range(8)] + [(f"c{i}", 0) for i in range(2)],
}


def _wijk_by_hand():
    centre = h3i.latlng_to_cell(*EDE, 9)
    cells = [centre, *sorted(h3i.grid_ring(centre, 1))[:2]]
    rows = []
    for cell, (code, members) in zip(cells, BUURTEN.items(), strict=True):
        lat, lng = h3i.cell_to_latlng(cell)
        x, y = _TO_RD.transform(lng, lat)
        for i, (company, amount) in enumerate(members):
            rows.append(
                {
                    "unit_id": f"{code}-{i}",
                    "h3_r9": cell,
                    "buurt_code": code,
                    "wijk_code": "WK022800",
                    "gemeente_code": "GM0228",
                    "company_id": company,
                    "amount": float(amount),
                    "flag": i == 0,
                    "geometry": shapely.Point(x + i, y),
                }
            )
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=28992)
    units["h3_r9"] = pd.array(units["h3_r9"], dtype="Int64")
    hexes = hexagons(np.asarray(cells, dtype=np.int64))
    buurten = hexes.assign(area_id=list(BUURTEN), area_name=list(BUURTEN))
    union = shapely.union_all(buurten.geometry.to_numpy())
    wijk = gpd.GeoDataFrame(
        {"area_id": ["WK022800"], "area_name": ["w"]}, geometry=[union], crs=28992
    )
    gem = gpd.GeoDataFrame({"area_id": ["GM0228"], "area_name": ["g"]}, geometry=[union], crs=28992)
    layers = [LayerInput("buurt", buurten), LayerInput("wijk", wijk), LayerInput("gemeente", gem)]
    table = UnitTable(units, unit_id="unit_id", numerators={"n_flag": "flag"})
    metas = [IndicatorMeta("n_flag", "flag", "units", "count")]
    return publish_release(layers, metas, units=table, metadata={"run_id": "t"}), table


def test_the_union_of_hidden_buurten_may_not_be_dominated():
    release, table = _wijk_by_hand()
    assert (release.layers["buurt"]["status"] == "published").all()
    m = Magnitude("amount", "Amount", "sum", amount="amount", contributor="company_id")
    out = publish_magnitudes(release, table, [m])
    buurt = out.layers["buurt"].set_index("area_id")["sum_amount"]
    # B1 fails on its own. Hiding the smallest other buurt, B2 (130), next to it: B1 + B2
    # gives X 200 and P 10 of 240 (87.5 % > 85 %), so the combined check refuses B2 and hides B3
    # (B1 + B3: X 100 of 270, two largest 44 %, rest 150).
    assert np.isnan(buurt["BU02280001"])
    assert buurt["BU02280002"] == 130
    assert np.isnan(buurt["BU02280003"])
    assert out.layers["wijk"]["sum_amount"].tolist() == [400.0]
    assert out.layers["gemeente"]["sum_amount"].tolist() == [400.0]
    audit = out.audit[out.audit["indicator"] == "sum_amount"]
    assert dict(zip(audit["area_id"], audit["action"], strict=True)) == {
        "BU02280001": "magnitude_suppressed",
        "BU02280003": "secondary_suppressed",
    }
    summary = out.disclosure["magnitudes"]["sum_amount"]["layers"]["buurt"]
    assert summary == {
        "published": 1,
        "primary_hidden": 1,
        "secondary_hidden": 1,
        "area_not_published": 0,
    }


def _layers_of(values: dict[str, float], wijk: float):
    frames = {
        "buurt": pd.DataFrame({"area_id": list(values), "sum_amount": list(values.values())}),
        "wijk": pd.DataFrame({"area_id": ["WK022800"], "sum_amount": [wijk]}),
    }
    return [types.SimpleNamespace(label=k, frame=v) for k, v in frames.items()]


def test_the_checker_catches_a_naive_secondary_suppression():
    units = pd.DataFrame(
        [
            {"buurt_code": code, "wijk_code": "WK022800", "company_id": c, "amount": float(a)}
            for code, members in BUURTEN.items()
            for c, a in members
        ]
    )
    membership = pd.DataFrame({"buurt": units["buurt_code"], "wijk": units["wijk_code"]})
    manifest = {
        "disclosure": {
            "magnitudes": {
                "sum_amount": {"kind": "sum", "amount": "amount", "contributor": "company_id"}
            }
        }
    }
    rules = vars(RULES)
    nan = float("nan")

    def violations(values):
        from zicht.check import CheckReport

        report = CheckReport(release="toy")
        check_magnitudes(_layers_of(values, 400.0), membership, units, manifest, rules, report)
        return [v.detail for v in report.violations]

    good = violations({"BU02280001": nan, "BU02280002": 130.0, "BU02280003": nan})
    assert good == []
    # hiding the smallest neighbour by total (B2) leaves X dominating B1 + B2
    naive = violations({"BU02280001": nan, "BU02280002": nan, "BU02280003": 160.0})
    assert len(naive) == 1 and "hidden together" in naive[0] and "87.5 %" in naive[0]
    # publishing B1 itself, and a wrong value
    leak = violations({"BU02280001": 110.0, "BU02280002": 131.0, "BU02280003": 160.0})
    assert any("95.5 %" in v for v in leak)
    assert any("but the units give 130" in v for v in leak)


# ----------------------------------------------------------------------------- end to end


@pytest.mark.parametrize(("seed", "hidden"), [(3, True), (7, False)])
def test_published_magnitudes_pass_the_independent_check(seed, hidden, tmp_path):
    area = make_area(seed, n_units=500, n_buurten=8, companies=25)
    rng = np.random.default_rng(seed)
    # heavy-tailed amounts: a few companies far above the rest
    area.units["amount"] = rng.lognormal(3.0, 2.0, len(area.units))
    area.units["clients"] = rng.integers(1, 20, len(area.units))
    release = publish_release(
        area.layers(("buurt", "wijk", "gemeente")),
        METAS,
        units=area.unit_table(),
        metadata={"run_id": "t", "hotspot": {"k": 1}},
    )
    magnitudes = [
        Magnitude("amount", "Amount", "sum", amount="amount", contributor="company_id"),
        Magnitude(
            "amount",
            "Per client",
            "mean",
            amount="amount",
            per="clients",
            contributor="company_id",
            decimals=1,
        ),
    ]
    out = publish_magnitudes(release, area.unit_table(), magnitudes)
    summary = out.disclosure["magnitudes"]["sum_amount"]["layers"]
    assert sum(s["published"] for s in summary.values()) > 0
    # seed 3 has a dominated buurt and its secondary partner (seed 7 has none)
    assert (summary["buurt"]["primary_hidden"] > 0) == hidden
    assert (summary["buurt"]["secondary_hidden"] > 0) == hidden
    folder, units_file = write_bundle(out, area, tmp_path)
    report = check_release(folder, units_file)
    assert report.ok, report.to_text()
    assert any("sum_amount" in t and "derived unions" in t for t in report.tried)
    # the sum and the mean are hidden on the same areas
    for frame in out.layers.values():
        assert (frame["sum_amount"].isna() == frame["mean_amount"].isna()).all()


# ----------------------------------------------------------------------------- the config


def _care_config():
    import tomllib
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "care_providers" / "config.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")), path.parent


def test_magnitudes_are_declared_in_the_run_config():
    from zicht.config._run import config_from_mapping

    doc, base = _care_config()
    config = config_from_mapping(doc, base=base)
    assert [m.column for m in config.magnitudes] == [
        "mean_claims_per_client",
        "sum_claims_excess",
    ]
    assert config.magnitudes[0].per == "clients" and config.rules.p_pct == 10.0


def test_a_wrong_magnitude_is_named_in_the_config_error():
    from zicht import ConfigError, ProfilingError
    from zicht.config._run import config_from_mapping

    doc, base = _care_config()
    doc["magnitudes"][0]["kind"] = "median"
    doc["magnitudes"][1]["amunt"] = "x"
    with pytest.raises(ConfigError) as info:
        config_from_mapping(doc, base=base)
    text = str(info.value)
    assert "[magnitudes[0]]" in text and "kind must be one of ['sum', 'mean']" in text
    assert "[magnitudes[1]] unknown key(s) ['amunt']" in text
    doc, base = _care_config()
    doc["magnitudes"][1]["contributor"] = "nationality"
    with pytest.raises(ProfilingError, match="nationality"):
        config_from_mapping(doc, base=base)
