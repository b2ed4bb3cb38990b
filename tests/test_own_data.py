"""Your own data on the first try: the config a newcomer writes, and each bad input's message.

Every case runs the command line on files written to a tmp folder (tests/newcomer_fixtures:
eight real Ede buurten as a CBS 2017 zipped shapefile in Web Mercator with -99999999
cells, and a SYNTHETIC unit table), and checks the message the user reads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from newcomer_fixtures import CONFIG, newcomer, write_zipped_shapefile
from zicht._strings import text as say
from zicht.cli import app
from zicht.ingest import default_geodata_dir

GEODATA = default_geodata_dir()


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    text = " ".join((result.output or "").split())  # rich wraps long lines
    return result.exit_code, text


def _validate(config: Path) -> tuple[int, str, float]:
    started = time.perf_counter()
    code, text = _cli("validate", str(config))
    return code, text, time.perf_counter() - started


@pytest.mark.slow
def test_a_config_naming_only_buurten_and_units_runs_first_time(tmp_path, monkeypatch):
    files = newcomer(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, text = _cli("run", "zicht.toml", "--out", "out")
    assert code == 0, text
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    inputs = manifest["metadata"]["inputs"] if "metadata" in manifest else manifest["inputs"]
    assert inputs["buurt"]["sentinels"] == {"AANT_INW": 2}
    assert inputs["buurt"]["year"] == 2017
    assert inputs["addresses"]["sentinels"] == {"bouwjaar": 40}
    assert inputs["gemeente"]["source"].startswith("dissolved from the buurten")
    assert "read as true/false flags" in text  # ja/nee strings and 0/1 integers
    assert "Traceback" not in text and "RuntimeWarning" not in text
    assert len(files.buurten_rd) == 8
    _assert_reports_are_dutch(tmp_path / "out")


def _assert_reports_are_dutch(out: Path) -> None:
    """A newcomer sets no language: every written report speaks Dutch, from the catalogue."""
    report = (out / "report.md").read_text(encoding="utf-8")
    for key in ("h_question", "h_indicators", "h_publication", "h_provenance"):
        assert f"## {say('report', key)}" in report, key
        assert f"## {say('report', key, 'en')}" not in report, key
    draft = json.loads((out / "algorithm_register.json").read_text(encoding="utf-8"))
    assert draft["lang"] == "nld"
    assert draft["human_intervention"].startswith(say("register", "human"))
    register = (out / "algorithm_register.md").read_text(encoding="utf-8")
    assert f"## {say('register', 'section_use')}" in register
    assert f"## {say('register', 'section_use', 'en')}" not in register
    disclosure = (out / "disclosure_report.md").read_text(encoding="utf-8")
    assert disclosure.startswith(f"# {say('disclosure', 'title')}")
    assert f"## {say('disclosure', 'h_rules')}" in disclosure
    catalogue = (out / "indicators.md").read_text(encoding="utf-8")
    assert catalogue.startswith(f"# {say('indicators', 'title')}")
    assert say("indicators", "intro") in catalogue


def test_validate_answers_on_the_newcomer_config(tmp_path):
    files = newcomer(tmp_path)
    code, text, seconds = _validate(files.config)
    assert code == 0, text
    assert "ready to run" in text
    assert "join: 600 of 600 sampled units in a buurt" in text
    assert "CBS sentinels (-99999999 …) set to missing: {'AANT_INW': 2}" in text
    assert seconds < 6  # CliRunner in-process; the command itself is timed in the bench


def test_a_zipped_shapefile_without_prj_names_the_crs_its_coordinates_fit(tmp_path):
    files = newcomer(tmp_path)
    from newcomer_fixtures import buurten_2017

    write_zipped_shapefile(buurten_2017().to_crs(3857), files.buurten_zip, prj=False)
    code, text, seconds = _validate(files.config)
    assert code == 5, text
    assert "declares no CRS (a shapefile without its .prj?)" in text
    assert "fit EPSG:3857" in text and "set assume_crs" in text
    assert seconds < 3


def test_web_mercator_declared_as_rd_new_is_named(tmp_path):
    files = newcomer(tmp_path)
    from newcomer_fixtures import buurten_2017

    mercator = buurten_2017().to_crs(3857).set_crs(28992, allow_override=True)
    write_zipped_shapefile(mercator, files.buurten_zip)
    code, text, seconds = _validate(files.config)
    assert code == 5, text
    assert "declares EPSG:28992 but its coordinates" in text
    assert "fit EPSG:3857, not the declared EPSG:28992" in text
    assert seconds < 3


def test_swapped_latitude_longitude_in_the_unit_table_is_named(tmp_path):
    files = newcomer(tmp_path)
    units = gpd.read_file(files.units).to_crs(4326)
    swapped = units.set_geometry(gpd.points_from_xy(units.geometry.y, units.geometry.x, crs=4326))
    swapped.to_file(files.units, layer="units", driver="GPKG")
    code, text, seconds = _validate(files.config)
    assert code == 5, text
    assert "latitude and longitude look swapped" in text
    assert seconds < 3


def test_a_parks_path_that_is_a_folder_or_the_unit_table_is_refused_by_key(tmp_path):
    files = newcomer(tmp_path)
    (tmp_path / "parks").mkdir()
    files.config.write_text(CONFIG + '\n[inputs.parks]\npath = "parks"\n')
    code, text, _ = _validate(files.config)
    assert code == 2, text
    assert "[inputs.parks] path = " in text and "is a folder" in text
    files.config.write_text(CONFIG + '\n[inputs.parks]\npath = "units.gpkg"\n')
    code, text, _ = _validate(files.config)
    assert code == 2, text
    assert "is the unit table ([inputs.units] path)" in text
    assert "address_id" not in text  # its columns are never printed


def test_an_empty_parks_path_or_enabled_false_means_none(tmp_path):
    files = newcomer(tmp_path)
    for table in ('path = ""', "enabled = false"):
        files.config.write_text(CONFIG + f"\n[inputs.parks]\n{table}\n")
        code, text, _ = _validate(files.config)
        assert code == 0, text
        assert " parks: " not in text  # no park layer read


def test_2017_buurten_with_2022_gemeenten_are_reported_by_name_and_year(tmp_path):
    files = newcomer(tmp_path)
    gemeenten = GEODATA / "cbs" / "wijken_gemeenten_2022.gpkg"
    files.config.write_text(
        CONFIG + f'\n[inputs.gemeenten]\npath = "{gemeenten.as_posix()}"\nlayer = "NLD_muni"\n'
    )
    code, text, _ = _validate(files.config)
    assert code == 0, text
    assert "different vintages: buurt buurt_2017.zip (2017), gemeente" in text
    assert "wijken_gemeenten_2022.gpkg (2022)" in text


def test_a_flag_column_that_is_no_flag_is_named(tmp_path):
    files = newcomer(tmp_path)
    units = gpd.read_file(files.units)
    units["vacant"] = units["vacant"].replace({"ja": "misschien"})
    units.to_file(files.units, layer="units", driver="GPKG")
    code, text, _ = _validate(files.config)
    assert code == 4, text
    assert "'is' needs a boolean column, but 'vacant'" in text


def test_a_missing_unit_file_says_so(tmp_path):
    files = newcomer(tmp_path)
    files.units.unlink()
    code, text, _ = _validate(files.config)
    assert code == 2, text
    assert "[inputs.units] path = " in text and "no such file" in text
    assert "No objects to concatenate" not in text


@pytest.mark.parametrize("damage", ["truncated", "bytes"])
def test_a_damaged_geopackage_names_the_file(tmp_path, damage):
    files = newcomer(tmp_path)
    data = bytearray(files.units.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3 : len(data) // 3 + 4000] = b"\xab" * 4000
    files.units.write_bytes(bytes(data))
    code, text, _ = _validate(files.config)
    assert code == 3, text
    assert "cannot read addresses from" in text and "units.gpkg" in text
    assert "damaged" in text and "Traceback" not in text


def test_units_of_another_area_stop_the_run_with_the_cause(tmp_path):
    files = newcomer(tmp_path)
    units = gpd.read_file(files.units)
    moved = units.copy()
    moved.geometry = units.geometry.translate(30_000, 0)  # beside the buurten
    moved.to_file(files.units, layer="units", driver="GPKG")
    code, text, seconds = _validate(files.config)
    assert code == 3, text
    assert "600 of 600 units (100%) did not join a buurt (outside every buurt: 600)" in text
    assert "max_not_joined = 0.05" in text
    assert "lie wholly beside the buurten" in text
    assert seconds < 3
    lenient = CONFIG.replace("synthetic = true", "synthetic = true\nmax_not_joined = 1")
    files.config.write_text(lenient)
    code, text, _ = _validate(files.config)
    assert code == 0, text


def test_the_zip_form_the_docs_give_works_relative_to_the_config(tmp_path):
    files = newcomer(tmp_path)
    for path in ("zip://buurt_2017.zip", "buurt_2017.zip"):
        files.config.write_text(CONFIG.replace('"zip://buurt_2017.zip"', f'"{path}"'))
        code, text, _ = _validate(files.config)
        assert code == 0, text


def test_an_overridden_wijk_path_takes_no_key_of_the_demo_file(tmp_path):
    from zicht.config import load_config

    config = tmp_path / "c.toml"
    config.write_text('[inputs.wijken]\npath = "wijk_2017.shp"\n')
    wijken = load_config(config).inputs.wijken
    assert (wijken.layer, wijken.assume_crs, wijken.code_column) == ("", "", "")


@pytest.mark.slow
def test_zicht_init_writes_a_config_that_runs_as_written(tmp_path, monkeypatch):
    newcomer(tmp_path)
    monkeypatch.chdir(tmp_path)
    init = ("init", "--buurten", "buurt_2017.zip", "--units", "units.gpkg", "--config", "s.toml")
    code, text = _cli(*init)
    assert code == 0, text
    assert "gemeente GM0228, 2 rate indicator(s) (vacant, registration_mismatch)" in text
    written = (tmp_path / "s.toml").read_text()
    assert 'numerator = { column = "vacant", is = true }' in written
    assert 'path = "buurt_2017.zip"' in written and "#" in written  # commented
    code, text = _cli(*init)
    assert code == 2 and "exists; pass --force" in text
    code, text = _cli("run", "s.toml", "--out", "out")
    assert code == 0, text
    assert (tmp_path / "out" / "risk_map.html").is_file()


def test_zicht_init_names_a_gemeente_the_buurten_lack(tmp_path, monkeypatch):
    newcomer(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, text = _cli(
        "init",
        "--buurten",
        "buurt_2017.zip",
        "--units",
        "units.gpkg",
        "--gemeente",
        "GM0363",
        "--config",
        "s.toml",
    )
    assert code == 3, text
    assert "['GM0363'] have no buurt in buurt_2017.zip; it holds ['GM0228']" in text


def test_gemeente_accepts_a_province_or_all(tmp_path):
    from zicht.config import load_config, read_inputs, resolve_extent

    provinces = pd.DataFrame(
        {"code": ["GM0228", "GM0203", "GM0363"], "province": ["Gelderland"] * 2 + ["Noord-Holland"]}
    )
    shipped = GEODATA / "cbs" / "wijken_gemeenten_2022.gpkg"
    assert resolve_extent(["PV25"], provinces, shipped=shipped).codes == ("GM0203", "GM0228")
    assert resolve_extent(["gelderland"], provinces, shipped=shipped).codes == ("GM0203", "GM0228")
    assert resolve_extent(["all"], provinces, shipped=shipped).codes is None
    national = resolve_extent(["Gelderland"], None, shipped=shipped)
    assert "GM0228" in national.codes and len(national.codes) == 51  # CBS 2022
    assert "CBS 2022 gemeente list" in national.note
    files = newcomer(tmp_path)
    files.config.write_text(CONFIG.replace('gemeente = "GM0228"', 'gemeente = "all"'))
    study = read_inputs(load_config(files.config))
    assert len(study.layers["buurt"]) == 8 and load_config(files.config).study_area == "NL"
    files.config.write_text(CONFIG.replace('gemeente = "GM0228"', 'gemeente = "Gelderland"'))
    code, text, _ = _validate(files.config)
    assert code == 3, text
    assert "gemeente = ['Gelderland'] (provinces resolved from the CBS 2022" in text
    assert "not found in the buurt codes" in text
    files.config.write_text(CONFIG.replace('gemeente = "GM0228"', 'gemeente = "Veluwe"'))
    code, text, _ = _validate(files.config)
    assert code == 2 and "a province (its code 'PV25' or name 'Gelderland') or 'all'" in text


def test_a_sentinel_year_is_not_counted_as_before_1945(tmp_path):
    from zicht.indicators import evaluate_filter, parse_filter
    from zicht.ingest import read_addresses

    files = newcomer(tmp_path)
    units, report = read_addresses(files.units)
    assert report.sentinels == {"bouwjaar": 40}
    before = evaluate_filter(parse_filter({"column": "bouwjaar", "lt": 1945}), units)
    raw = gpd.read_file(files.units)
    assert before.sum() == ((raw["bouwjaar"] < 1945) & (raw["bouwjaar"] > 0)).sum()
    assert before.sum() < (raw["bouwjaar"] < 1945).sum()


def test_a_repaired_buurt_is_tied_to_the_units_that_fell_outside(tmp_path):
    import shapely

    from newcomer_fixtures import buurten_2017

    files = newcomer(tmp_path)
    buurten = buurten_2017()
    # a bow-tie: the repair keeps both triangles but loses the middle of the square
    x0, y0, x1, y1 = buurten.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    buurten.loc[0, "geometry"] = bowtie
    write_zipped_shapefile(buurten.to_crs(3857), files.buurten_zip)
    code, text, _ = _validate(files.config)
    assert code == 3, text
    assert "did not join a buurt" in text
    assert f"within the extent of buurt {buurten.loc[0, 'BU_CODE']}, whose invalid boundary" in text


def test_an_input_inside_the_output_folder_is_refused_by_key(tmp_path, monkeypatch):
    files = newcomer(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "parks.json").write_text("[]")
    files.config.write_text(CONFIG + '\n[inputs.parks]\npath = "out/parks.json"\n')
    code, text = _cli("run", "zicht.toml", "--out", "out")
    assert code == 2, text
    assert "[inputs.parks] path = " in text and "lies in the output folder out" in text
