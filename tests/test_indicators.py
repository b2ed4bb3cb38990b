from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zicht import ConfigError, SchemaError
from zicht._strings import text as say
from zicht.config import DEMO_CONFIG_PATH, load_config
from zicht.indicators import (
    IndicatorSpec,
    compute_indicators,
    describe_filter,
    evaluate_filter,
    indicator_catalogue,
    indicator_columns,
    parse_filter,
)
from zicht.indicators._filters import check_filter, filter_columns

SPEC = IndicatorSpec("vacant", "Vacancy", "vacant")


def test_counts_and_rates_per_area():
    units = pd.DataFrame(
        {
            "area": ["a", "a", "a", "b", None],
            "vacant": [True, False, True, False, True],
        }
    )
    out = compute_indicators(units, "area", [SPEC])
    assert out.loc["a"].to_dict() == {
        "n_units": 3,
        "n_vacant": 2,
        "rate_vacant_pct": pytest.approx(200 / 3),
    }
    assert out.loc["b", "rate_vacant_pct"] == 0.0
    assert out["n_units"].sum() == 4  # the unkeyed row is not counted


def test_missing_columns_are_named():
    with pytest.raises(SchemaError, match="vacant"):
        compute_indicators(pd.DataFrame({"area": [1]}), "area", [SPEC])


def test_indicator_columns_describe_a_count_and_a_rate():
    metas = indicator_columns([SPEC])
    assert [(m.column, m.kind) for m in metas] == [
        ("n_vacant", "count"),
        ("rate_vacant_pct", "rate"),
    ]


# --- the filter language ------------------------------------------------------------------


UNITS = pd.DataFrame(
    {
        "area": ["a", "a", "a", "a", "b", "b"],
        "use": ["woon", "woon", "kantoor", None, "woon", "logies"],
        "year": [1950, 1975, 2001, 1965, np.nan, 1970],
        "vacant": [True, False, True, False, False, True],
    }
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("vacant", [True, False, True, False, False, True]),
        ({"column": "vacant", "is": False}, [False, True, False, True, True, False]),
        ({"column": "use", "equals": "woon"}, [True, True, False, False, True, False]),
        ({"column": "use", "not_equals": "woon"}, [False, False, True, False, False, True]),
        ({"column": "use", "in": ["kantoor", "logies"]}, [False, False, True, False, False, True]),
        ({"column": "use", "not_in": ["woon"]}, [False, False, True, False, False, True]),
        ({"column": "use", "missing": True}, [False, False, False, True, False, False]),
        ({"column": "year", "ge": 1960, "lt": 1980}, [False, True, False, True, False, True]),
        ({"column": "year", "gt": 1960}, [False, True, True, True, False, True]),
        ({"column": "year", "le": 1950}, [True, False, False, False, False, False]),
        (
            {"all": ["vacant", {"column": "use", "equals": "woon"}]},
            [True, False, False, False, False, False],
        ),
        (
            {"any": [{"column": "use", "equals": "logies"}, {"column": "year", "lt": 1960}]},
            [True, False, False, False, False, True],
        ),
        ({"not": {"column": "use", "equals": "woon"}}, [False, False, True, True, False, True]),
    ],
)
def test_filters_select_by_hand(spec, expected):
    assert evaluate_filter(parse_filter(spec), UNITS).tolist() == expected


def test_filters_are_described_for_people():
    flt = parse_filter({"all": ["vacant", {"column": "year", "ge": 1960, "lt": 1980}]})
    assert describe_filter(flt) == "(vacant is true and (year ≥ 1960 and year < 1980))"
    assert filter_columns(flt) == ["vacant", "year"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"column": "use", "equal": "woon"}, r"unknown operator.*'equal'.*allowed.*'equals'"),
        ({"column": "use"}, "needs one of"),
        ({"column": "vacant", "is": "yes"}, "true or false"),
        ({"column": "year", "gt": "1960"}, "finite number"),
        ({"column": "use", "in": []}, "non-empty list"),
        ({"all": "vacant"}, "non-empty list"),
        ({"all": ["vacant"], "column": "x"}, "nothing else"),
        ({"col": "use"}, "unknown filter keys"),
        (42, "column name or a table"),
        ({"column": "__import__('os')", "eval": "x"}, "unknown operator"),
    ],
)
def test_bad_filters_name_the_problem(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_filter(spec, "numerator")


def test_filter_checks_name_missing_columns_and_wrong_types():
    problems = check_filter(
        parse_filter({"all": ["use", {"column": "use", "gt": 3}, "nope"]}), UNITS, "x"
    )
    assert any("'is' needs a boolean column" in p for p in problems)
    assert any("'gt' needs a numeric column" in p for p in problems)
    assert any("'nope' is not in the unit table" in p for p in problems)


# --- kinds, denominators, smoothing ----------------------------------------------------------


def test_count_share_and_rate_per_thousand():
    specs = [
        IndicatorSpec("offices", "Offices", {"column": "use", "equals": "kantoor"}, kind="count"),
        IndicatorSpec("logies", "Logies", {"column": "use", "equals": "logies"}, kind="share"),
        IndicatorSpec("vac", "Vacancy", "vacant", per=1000.0),
    ]
    out = compute_indicators(UNITS, "area", specs)
    assert out["n_offices"].tolist() == [1, 0]
    assert out["share_logies_pct"].tolist() == [0.0, 50.0]
    assert out["rate_vac_per_1000"].tolist() == [500.0, 500.0]
    assert [m.column for m in indicator_columns(specs)] == [
        "n_offices",
        "n_logies",
        "share_logies_pct",
        "n_vac",
        "rate_vac_per_1000",
    ]


def test_a_denominator_restricts_the_population_and_small_bases_are_masked():
    spec = IndicatorSpec(
        "vacant_homes", "Vacant homes", "vacant", denominator={"column": "use", "equals": "woon"}
    )
    out = compute_indicators(UNITS, "area", [spec])
    assert out["n_vacant_homes"].tolist() == [1, 0]  # only dwellings are counted
    assert out["n_vacant_homes_base"].tolist() == [2, 1]
    assert out["rate_vacant_homes_pct"].tolist() == [50.0, 0.0]
    masked = compute_indicators(UNITS, "area", [spec], min_base=2)
    assert np.isnan(masked.loc["b", "rate_vacant_homes_pct"])
    # area b is published (2 units) but its rate rests on 1 dwelling: hidden, and counted
    assert masked.attrs["masked"] == {"vacant_homes": 1}
    masked = compute_indicators(UNITS, "area", [spec], min_base=3)
    assert masked["rate_vacant_homes_pct"].isna().all()


def test_smoothing_adds_a_smoothed_rate_column():
    spec = IndicatorSpec("vacant", "Vacancy", "vacant", smoothing="eb_global")
    out = compute_indicators(UNITS, "area", [spec])
    assert spec.value_column == "rate_vacant_eb_global_pct"
    assert out[spec.value_column].between(0, 100).all()
    assert [m.column for m in spec.metas()][-1] == "rate_vacant_eb_global_pct"


def test_spec_validation_lists_every_problem():
    with pytest.raises(ConfigError) as info:
        IndicatorSpec("Bad Id", "", "vacant", kind="ratio", unit_level="household", per=-1)
    message = str(info.value)
    for text in ("id = 'Bad Id'", "title", "kind = 'ratio'", "unit_level", "per must"):
        assert text in message
    with pytest.raises(ConfigError, match="applies to kind 'rate' or 'share'"):
        IndicatorSpec("x", "X", "vacant", kind="count", smoothing="eb_global")


# --- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_speaks_the_language_asked_for():
    spec = IndicatorSpec("vacant", "Leegstand", "vacant", smoothing="eb_global")
    dutch, english = (indicator_catalogue([spec], language=lang) for lang in ("nl", "en"))
    assert dutch.startswith("# Indicatorencatalogus")
    assert say("indicators", "method_smoothed", smoothing="x").split("x")[0] in dutch
    assert english.startswith("# Indicator catalogue") and "Also published" in english
    assert "Leegstand" in dutch and "Leegstand" in english


def test_committed_catalogue_is_up_to_date():
    config = load_config(DEMO_CONFIG_PATH)
    page = indicator_catalogue(
        config.indicators, config.composite, source="geodata/demo.toml", language="en"
    )
    committed = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
    assert committed.read_text(encoding="utf-8") == page, (
        "docs/indicators.md is out of date; run: make docs"
    )
    for spec in config.indicators:
        assert spec.title in page
        for step in spec.follow_up:
            assert step in page
