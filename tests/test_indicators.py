import pandas as pd
import pytest

from zicht import SchemaError
from zicht.indicators import IndicatorSpec, compute_indicators, indicator_columns

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
