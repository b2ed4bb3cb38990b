"""``zicht validate`` on a multi-year config: accepted, and checked as ``zicht run`` checks it.

The newcomer's files (tests/newcomer_fixtures: eight real Ede buurten, a SYNTHETIC unit
table) with a ``[years]`` table naming one unit table per year, run through the command line
as a user types it.
"""

from __future__ import annotations

import shutil

import geopandas as gpd
from typer.testing import CliRunner

from newcomer_fixtures import CONFIG, newcomer
from zicht.cli import app

YEARS = """
[years]
trend_min_years = 4

[[years.tables]]
year = 2023
units = "units_2023.gpkg"

[[years.tables]]
year = 2024
units = "units_2024.gpkg"
"""


def test_validate_accepts_a_years_config_and_checks_every_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = newcomer(tmp_path, config=CONFIG + YEARS)
    for year in (2023, 2024):
        shutil.copy(files.units, tmp_path / f"units_{year}.gpkg")
    result = CliRunner().invoke(app, ["validate", "zicht.toml"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0, text
    assert "unknown key" not in text
    assert "2023: buurt: buurt_2017.zip" in text
    assert "units: units_2023.gpkg: 600 rows" in text
    assert "2024: buurt:" in text and "units: units_2024.gpkg: 600 rows" in text
    assert text.endswith("zicht.toml: ready to run")


def test_validate_names_a_missing_year_table_and_a_year_lacking_a_flag(tmp_path):
    files = newcomer(tmp_path, config=CONFIG + YEARS)
    shutil.copy(files.units, tmp_path / "units_2023.gpkg")
    result = CliRunner().invoke(app, ["validate", str(files.config)])
    text = " ".join(result.output.split())
    assert result.exit_code != 0 and "Traceback" not in text
    assert f"year 2024: the unit table {tmp_path}/units_2024.gpkg does not exist" in text
    assert "ready to run" not in text

    units = gpd.read_file(files.units).drop(columns="vacant")
    units.to_file(tmp_path / "units_2024.gpkg", layer="units", driver="GPKG")
    result = CliRunner().invoke(app, ["validate", str(files.config)])
    text = " ".join(result.output.split())
    assert result.exit_code != 0 and "Traceback" not in text
    assert "year 2024 (units_2024.gpkg): unit table" in text
    assert "column 'vacant' is not in the unit table" in text and "ready to run" not in text


def test_validate_refuses_a_wrong_years_key_as_run_does(tmp_path):
    files = newcomer(
        tmp_path, config=CONFIG + YEARS.replace("trend_min_years = 4", "trend_min_years = 2")
    )
    result = CliRunner().invoke(app, ["validate", str(files.config)])
    text = " ".join(result.output.split())
    assert result.exit_code != 0 and "Traceback" not in text
    assert "trend_min_years must be at least 4" in text
