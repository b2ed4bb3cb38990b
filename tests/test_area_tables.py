"""Area tables: polygons plus a table joined by code, from TOML and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from test_api import HEAVY
from zicht.cli import app
from zicht.ingest import default_geodata_dir

EXAMPLE = default_geodata_dir() / "areas" / "dwellings_per_gemeente.toml"


def _grid(tmp_path, n=5):
    """n × n square gemeenten of 5 km, codes GM0001 … in RD New, and one island."""
    cells = [
        shapely.box(
            150_000 + 5_000 * i, 450_000 + 5_000 * j, 155_000 + 5_000 * i, 455_000 + 5_000 * j
        )
        for j in range(n)
        for i in range(n)
    ]
    cells.append(shapely.box(100_000, 400_000, 105_000, 405_000))  # an island
    codes = [f"GM{k + 1:04d}" for k in range(len(cells))]
    gpd.GeoDataFrame({"GM_CODE": codes, "GM_NAAM": codes}, geometry=cells, crs=28992).to_file(
        tmp_path / "gemeenten.gpkg"
    )
    rows = ["gemeente;inwoners;misdrijven"]
    for k in range(len(cells)):
        crimes = "-99999999" if k == 3 else str(20 + (60 if k in (6, 7, 11, 12) else 0))
        rows.append(f"{k + 1};{1000 + 10 * k};{crimes}")
    rows.append("999;500;3")  # a row without a polygon
    (tmp_path / "misdrijven.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = tmp_path / "areas.toml"
    config.write_text(
        """
title = "Misdrijven per 1.000 inwoners"
[areas]
polygons = "gemeenten.gpkg"
level = "gemeente"
table = "misdrijven.csv"
table_code_column = "gemeente"
denominator = "inwoners"
[[rates]]
id = "crime"
numerator = "misdrijven"
per = 1000
[hotspots]
graph = "queen"
permutations = 99
""",
        encoding="utf-8",
    )
    return config


def test_an_area_table_runs_from_the_cli_with_every_row_accounted_for(tmp_path):
    config = _grid(tmp_path)
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "26 of 27 table rows joined to 26 areas (1 rows without a polygon" in result.output
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text())
    assert summary["join"]["rows_without_polygon"] == ["GM0999"]
    assert summary["hotspot"]["islands"] == 1
    layer = gpd.read_file(tmp_path / "out" / "release.gpkg", layer="gemeente")
    row = layer.set_index("area_id").loc["GM0002"]
    assert row["rate_crime_per_1000"] == pytest.approx(20 / 1010 * 1000, abs=0.1)
    assert layer.set_index("area_id").loc["GM0026", "hotspot_label"] == "isolated"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    inputs = manifest["metadata"]["inputs"] if "metadata" in manifest else manifest["inputs"]
    table = inputs["area table"]
    assert table["sentinels"] == {"misdrijven": 1}
    assert "27 codes were bare numbers (e.g. '1'); read as GM codes" in table["notes"][0]
    assert (tmp_path / "out" / "risk_map.html").is_file()


def test_an_area_table_whose_codes_match_no_polygon_is_named(tmp_path):
    config = _grid(tmp_path)
    rows = (tmp_path / "misdrijven.csv").read_text().splitlines()
    shifted = [rows[0]] + [f"5{r}" for r in rows[1:]]  # codes GM51… that no polygon has
    (tmp_path / "misdrijven.csv").write_text("\n".join(shifted) + "\n")
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    text = " ".join(result.output.split())
    assert result.exit_code == 3, text
    assert "no code of the area table" in text and "matches a polygon" in text
    assert "e.g. table ['GM0051'" in text and "Traceback" not in text


def test_an_unknown_graph_is_named_with_the_allowed_ones(tmp_path):
    config = _grid(tmp_path)
    config.write_text(config.read_text().replace('graph = "queen"', 'graph = "hexagons"'))
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "graph = 'hexagons' is not allowed" in " ".join(result.output.split())


def _cli_fresh(config, out) -> tuple[int, str, list[str], float]:
    """``zicht run CONFIG`` in a new interpreter: exit code, output, heavy modules, seconds."""
    code = (
        "import sys\nfrom zicht.cli import app\n"
        "try:\n"
        f"    app(['run', {str(config)!r}, '--out', {str(out)!r}], prog_name='zicht')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print('\\nRESULT', code, ','.join(heavy))\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    seconds = time.perf_counter() - started
    *lines, last = done.stdout.strip().splitlines()
    _, exit_code, heavy = [*last.split(" "), ""][:3]
    lines.append(done.stderr)  # the error is written to stderr
    return (
        int(exit_code),
        " ".join(" ".join(lines).split()),
        [h for h in heavy.split(",") if h],
        seconds,
    )


def test_a_config_error_of_an_area_table_is_named_at_once(tmp_path):
    """Before: 5 s of geopandas and libpysal, then the error and a stray TypeError."""
    config = _grid(tmp_path)
    config.write_text(config.read_text().replace("per = 1000", "per = 50"))
    exit_code, output, heavy, seconds = _cli_fresh(config, tmp_path / "out")
    assert exit_code == 2, output
    assert "per = 50 is not allowed; use 100 or 1000" in output
    assert "missing 1 required positional argument" not in output
    assert heavy == [] and seconds < 3.0, (heavy, seconds)
    assert not (tmp_path / "out").exists()


def test_a_misspelt_column_of_an_area_table_is_named_before_the_polygons_are_read(tmp_path):
    config = _grid(tmp_path)
    text = config.read_text().replace('numerator = "misdrijven"', 'numerator = "misdrijf"')
    config.write_text(text.replace('denominator = "inwoners"', 'denominator = "inwoner"'))
    exit_code, output, heavy, seconds = _cli_fresh(config, tmp_path / "out")
    assert exit_code == 3, output
    assert "misdrijven.csv has no column [areas] denominator = 'inwoner'," in output
    assert "[[rates]] 'crime' numerator = 'misdrijf'" in output
    assert "its columns are ['gemeente', 'inwoners', 'misdrijven']" in output
    assert heavy == [] and seconds < 3.0, (heavy, seconds)
    # a missing file is named with its key, both at once
    (tmp_path / "gemeenten.gpkg").unlink()
    exit_code, output, heavy, _ = _cli_fresh(config, tmp_path / "out")
    assert exit_code == 3 and "2 problems" in output, output
    assert "[areas] polygons = 'gemeenten.gpkg': no file" in output and heavy == []


def test_validate_checks_an_area_table_as_run_does(tmp_path):
    """`zicht validate` once refused every area table: "unknown key(s) ['areas', …]"."""
    config = _grid(tmp_path)
    done = CliRunner().invoke(app, ["validate", str(config)])
    assert done.exit_code == 0 and "ready to run" in done.output, done.output
    config.write_text(config.read_text().replace('numerator = "misdrijven"', 'numerator = "x"'))
    done = CliRunner().invoke(app, ["validate", str(config)])
    text = " ".join(done.output.split())
    assert done.exit_code == 3 and "[[rates]] 'crime' numerator = 'x'" in text, text


@pytest.mark.slow
def test_the_worked_example_runs_on_shipped_open_data(tmp_path):
    result = CliRunner().invoke(app, ["run", str(EXAMPLE), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "345 of 345 table rows joined to 345 areas" in result.output
    layer = gpd.read_file(tmp_path / "out" / "release.gpkg", layer="gemeente")
    hot = set(layer.loc[layer["hotspot_label"] == "hot_95", "area_name"])
    assert {"Veere", "Vaals"} <= hot
