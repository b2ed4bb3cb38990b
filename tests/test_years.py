"""Several years from one config: the [years] table, the code changes, apportionment, trends.

Fast tests on small frames and files; the worked example (tests/test_example_years.py) runs
the whole thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from zicht._errors import ConfigError, InputError
from zicht.cli import app
from zicht.config import load_years_config, read_code_changes
from zicht.publish import AreaMapping, onto_latest, trend_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "years" / "config.toml"


def _config(tmp_path: Path, years: str) -> Path:
    """The worked example's config with another [years] table, its paths made absolute."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('geodata = "../../geodata"', f'geodata = "{ROOT / "geodata"}"')
    text = text[: text.index("\n[years]\n") + 1] + years
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _tables(*years: int, vintage: dict[int, int] | None = None) -> str:
    out = ""
    for y in years:
        extra = f"\nvintage = {vintage[y]}" if vintage and y in vintage else ""
        out += f'\n[[years.tables]]\nyear = {y}\nunits = "u_{y}.parquet"{extra}\n'
    return out


def test_two_tables_for_one_year_and_a_later_vintage_are_named_at_once(tmp_path):
    years = (
        '[years]\n[[years.vintages]]\nvintage = 2020\nbuurten = "b20.gpkg"\n'
        '[[years.vintages]]\nvintage = 2022\nbuurten = "b22.gpkg"\n'
        + _tables(2020, 2021, 2021, vintage={2020: 2022})
    )
    with pytest.raises(ConfigError) as err:
        load_years_config(_config(tmp_path, years))
    message = str(err.value)
    assert "config.toml" in message and "2 problems" in message
    assert "two tables for the year 2021" in message
    assert "the unit table of 2020 (u_2020.parquet) names boundary vintage 2022" in message


def test_fewer_years_than_a_change_or_a_trend_needs(tmp_path):
    with pytest.raises(ConfigError, match=r"1 year\(s\) given; a change between years needs"):
        load_years_config(_config(tmp_path, "[years]\n" + _tables(2020)))
    with pytest.raises(ConfigError, match=r"trend_min_years must be at least 4.*got 3"):
        load_years_config(_config(tmp_path, "[years]\ntrend_min_years = 3\n" + _tables(2020, 2021)))
    with pytest.raises(ConfigError, match=r"no years: add a \[\[years.tables\]\]"):
        load_years_config(_config(tmp_path, "[years]\n"))
    with pytest.raises(
        ConfigError, match=r"apportion = 'people': use one of \['area', 'addresses'\]"
    ):
        load_years_config(
            _config(tmp_path, '[years]\napportion = "people"\n' + _tables(2020, 2021))
        )
    settings, years = load_years_config(_config(tmp_path, "[years]\n" + _tables(2021, 2020)))
    assert years.declared_years() == [2020, 2021] and settings.study_area


def test_a_year_without_units_and_rows_of_another_year_are_named_by_file(tmp_path):
    """The CLI names every bad table at once, before any year runs, and prints no traceback."""
    frame = pd.DataFrame({"address_id": ["a", "b"], "signal": [True, False], "jaar": 2020})
    frame.to_parquet(tmp_path / "u_2020.parquet")
    frame.iloc[:0].to_parquet(tmp_path / "u_2021.parquet")
    frame.assign(jaar=[2022, 2021]).to_parquet(tmp_path / "u_2022.parquet")
    years = '[years]\nyear_column = "jaar"\n' + _tables(2020, 2021, 2022, 2023).replace(
        'units = "u_', f'units = "{tmp_path}/u_'
    )
    config = _config(tmp_path, years)
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    output = " ".join(result.output.split())
    assert f"year 2021: the unit table {tmp_path}/u_2021.parquet holds no units" in output
    assert "year 2022:" in output and "holds rows of the years [2021, 2022]" in output
    assert f"year 2023: the unit table {tmp_path}/u_2023.parquet does not exist" in output
    assert "year 2020" not in output
    assert not (tmp_path / "out" / "2020").exists()  # nothing ran


def _changes(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "changes.csv"
    path.write_text(rows, encoding="utf-8")
    return path


def test_a_code_change_table_with_a_cycle_or_a_gap_is_refused_naming_the_file(tmp_path):
    cycle = _changes(tmp_path, "old_code,new_code,year\nBU1,BU2,2021\nBU2,BU1,2023\n")
    with pytest.raises(InputError, match=r"(?s)changes.csv: .*a cycle: BU1 → BU2 → BU1") as err:
        read_code_changes(cycle)
    assert "BU2 is changed" not in str(err.value)
    gap = _changes(tmp_path, "old_code,new_code,year,share\nBU9,BU1,2022,0.6\nBU9,BU2,2022,0.3\n")
    with pytest.raises(InputError, match=r"BU9 \(2022\): the shares sum to 0.9, not 1 — a gap"):
        read_code_changes(gap)
    lacking = _changes(tmp_path, "old,new\nBU1,BU2\n")
    with pytest.raises(InputError, match=r"lacks columns \['old_code', 'new_code', 'year'\]"):
        read_code_changes(lacking)


def test_code_changes_follow_every_later_change_and_name_codes_that_reach_nothing(tmp_path):
    path = _changes(
        tmp_path,
        "old_code,new_code,year,share\nBU9,BU1,2022,0.25\nBU9,BU2,2022,0.75\n"
        "BU2,BU3,2023,1\nBU7,BU8,2023,1\n",
    )
    changes = read_code_changes(path)
    assert changes.targets("BU9", 2020) == [("BU1", 0.25), ("BU3", 0.75)]
    assert changes.targets("BU9", 2022) == [("BU9", 1.0)]  # the 2022 vintage has BU9 no more
    assert changes.targets("BU5", 2020) == [("BU5", 1.0)]
    gaps = changes.gaps({2020: {"BU9", "BU6"}}, latest={"BU1", "BU3"})
    assert gaps == [
        "BU6 (vintage 2020) maps to ['BU6'], not a buurt of the latest vintage, and "
        f"{path} has no further change for it"
    ]


def _layer(values: dict[str, tuple[str, float, float]]) -> pd.DataFrame:
    """area_id → (status, n_units, rate)."""
    return pd.DataFrame(
        [
            {"area_id": k, "status": s, "n_units": n, "n_x": r * n / 100, "rate_x": r}
            for k, (s, n, r) in values.items()
        ]
    )


COLUMNS = {"n_x": "count", "rate_x": "rate"}


def test_a_split_buurt_gives_each_part_its_rate_and_a_share_of_its_count():
    mapping = AreaMapping(
        pd.DataFrame(
            {
                "old_code": ["A", "A", "B", "C", "D"],
                "new_code": ["A1", "A2", "B", "CD", "CD"],
                "share": [0.25, 0.75, 1.0, 1.0, 1.0],
            }
        )
    )
    layer = _layer({"A": ("published", 400, 10.0), "B": ("published", 100, 20.0),
                    "C": ("published", 100, 30.0), "D": ("published", 300, 10.0)})  # fmt: skip
    out = onto_latest(layer, mapping, COLUMNS)
    assert out.loc["A1", "rate_x"] == 10.0 and out.loc["A2", "rate_x"] == 10.0
    assert out.loc["A1", "n_x"] == 10.0 and out.loc["A2", "n_x"] == 30.0
    assert out.loc["B", "rate_x"] == 20.0 and not out.loc["B", "apportioned"]
    # merged: counts add up, the rate is weighted by the published populations
    assert out.loc["CD", "n_x"] == 60.0 and out.loc["CD", "rate_x"] == pytest.approx(15.0)
    assert out.loc[["A1", "A2", "CD"], "apportioned"].all()
    # a merged area with one part hidden is hidden: its value would reveal the hidden part
    layer.loc[layer["area_id"] == "D", ["status", "n_units", "n_x", "rate_x"]] = [
        "suppressed", np.nan, np.nan, np.nan,
    ]  # fmt: skip
    hidden = onto_latest(layer, mapping, COLUMNS)
    assert not hidden.loc["CD", "published"] and np.isnan(hidden.loc["CD", "n_x"])


def _years(series: dict[int, float | None]) -> dict[int, pd.DataFrame]:
    out = {}
    for year, value in series.items():
        published = value is not None
        out[year] = pd.DataFrame(
            {
                "rate_x": [value if published else np.nan],
                "published": [published],
                "apportioned": [False],
            },
            index=pd.Index(["BU1"], name="area_id"),
        )
    return out


def test_a_change_is_not_published_when_either_year_hides_the_value():
    hidden_first = trend_table(_years({2020: None, 2021: 5.0, 2022: 6.0, 2023: 7.0, 2024: 9.0}),
                               {"rate_x": "rate"}).iloc[0]  # fmt: skip
    assert np.isnan(hidden_first["change"])
    assert hidden_first["note"] == "geen verandering: niet gepubliceerd in 2020"  # Dutch first
    # the other four published years still give a trend (from published values only)
    assert hidden_first["published_years"] == 4 and hidden_first["trend"] in ("rising", "no_trend")
    yearly = _years({2020: 1.0, 2021: 5.0, 2022: None})
    row = trend_table(yearly, {"rate_x": "rate"}).iloc[0]
    assert np.isnan(row["change"]) and row["trend"] == ""
    assert row["note"] == (
        "geen verandering: niet gepubliceerd in 2022; "
        "geen trend: gepubliceerd in 2 jaar, een trend vraagt er 4"
    )
    row = trend_table(yearly, {"rate_x": "rate"}, language="en").iloc[0]
    assert row["note"] == (
        "no change: not published in 2022; no trend: 2 published year(s), a trend needs 4"
    )


def test_trend_values_and_changes_are_rounded_to_their_published_decimals():
    """28.7 - 0.6 is 28.099999999999998 in floats; the published change is 28.1."""
    table = trend_table(_years({2020: 0.6, 2021: 0.6, 2022: 16.1, 2023: 22.3, 2024: 28.7}),
                        {"rate_x": "rate"}, value_decimals={"rate_x": 1})  # fmt: skip
    row = table.iloc[0]
    assert repr(float(row["change"])) == "28.1"
    # an apportioned value (a weighted mean) is rounded too, and the change is last - first
    noisy = trend_table(_years({2020: 1 / 3, 2021: 2.0, 2022: 2.0, 2023: 2.0, 2024: 2.0}),
                        {"rate_x": "rate"}, value_decimals={"rate_x": 1})  # fmt: skip
    assert float(noisy.iloc[0]["value_2020"]) == 0.3 and float(noisy.iloc[0]["change"]) == 1.7
    unrounded = trend_table(_years({2020: 0.6, 2024: 28.7}), {"rate_x": "rate"}).iloc[0]
    assert float(unrounded["change"]) == 28.7 - 0.6  # a column not named keeps its floats


def test_the_trend_agrees_with_scipy_and_pymannkendall():
    """S, tau and p equal scipy's exact Kendall tau (at most 10 years, no ties) and
    pymannkendall's original test (normal approximation with continuity correction) beyond."""
    import pymannkendall

    rng = np.random.default_rng(18)
    checked = {"exact": 0, "normal": 0}
    for n in (4, 5, 7, 12, 15):
        for _ in range(20):
            values = rng.normal(size=n).round(1) + np.arange(n) * rng.choice([0, 0.3])
            series = dict(zip(range(2010, 2010 + n), values.tolist(), strict=True))
            row = trend_table(_years(series), {"rate_x": "rate"}, decimals=9).iloc[0]
            reference = pymannkendall.original_test(values, alpha=0.05)
            assert row["trend_s"] == reference.s
            assert row["change"] == pytest.approx(values[-1] - values[0])
            if n <= 10 and len(np.unique(values)) == n:
                exact = stats.kendalltau(np.arange(n), values, method="exact")
                assert row["trend_tau"] == pytest.approx(exact.statistic, abs=1e-9)
                assert row["trend_p"] == pytest.approx(exact.pvalue, abs=1e-9)
                checked["exact"] += 1
            elif n > 10:
                assert row["trend_tau"] == pytest.approx(reference.Tau, abs=1e-9)
                assert row["trend_p"] == pytest.approx(reference.p, abs=1e-9)
                checked["normal"] += 1
    assert checked["exact"] >= 40 and checked["normal"] >= 30


def test_one_table_with_a_year_column_is_split_into_one_file_per_year(tmp_path):
    import geopandas as gpd
    import shapely

    from zicht._years import _split_by_year, _table_problems, _year_configs

    frame = gpd.GeoDataFrame(
        {"address_id": [f"a{i}" for i in range(6)], "signal": [True, False] * 3,
         "jaar": [2020, 2020, 2021, 2021, 2021, 2023]},
        geometry=[shapely.Point(190000 + i, 440000) for i in range(6)],
        crs="EPSG:28992",
    )  # fmt: skip
    frame.to_parquet(tmp_path / "all.parquet")
    tables = "".join(
        f'\n[[years.tables]]\nyear = {y}\nunits = "{tmp_path}/all.parquet"\n'
        for y in (2020, 2021, 2022)
    )
    settings, years = load_years_config(_config(tmp_path, "[years]\n" + tables))
    problems = _table_problems(settings, years)
    assert any("one unit table" in p and "needs [years] year_column" in p for p in problems)
    config = _config(tmp_path, '[years]\nyear_column = "jaar"\n' + tables)
    settings, years = load_years_config(config)
    problems = _table_problems(settings, years)
    assert f"year 2022: the unit table {tmp_path}/all.parquet holds no units of 2022" in problems
    assert any("holds rows of the years [2020, 2021, 2023]" in p for p in problems)
    frame[frame["jaar"] < 2023].assign(jaar=[2020, 2020, 2021, 2021, 2022]).to_parquet(
        tmp_path / "all.parquet"
    )
    assert _table_problems(settings, years) == []
    split = _split_by_year(settings, years, tmp_path / "split")
    assert sorted(split) == [2020, 2021, 2022]
    counts = {y: len(gpd.read_parquet(p)) for y, p in split.items()}
    assert counts == {2020: 2, 2021: 2, 2022: 1}
    assert (gpd.read_parquet(split[2021])["jaar"] == 2021).all()
    configs = _year_configs(settings, years, split)
    assert configs[2022].inputs.resolve(configs[2022].inputs.units.path) == split[2022]
