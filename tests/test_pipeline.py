"""End to end: the demo on the shipped data for Ede, through the API and the CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from zicht.cli import app
from zicht.config import RunConfig
from zicht.export._words import Say
from zicht.pipeline import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return run_demo(RunConfig(), out), out


@pytest.mark.slow
def test_demo_writes_every_output(demo):
    _, out = demo
    for name in (
        "risk_map.html",
        "release.gpkg",
        "h3.csv",
        "buurt.csv",
        "manifest.json",
        "run_summary.json",
    ):
        assert (out / name).stat().st_size > 0, name


@pytest.mark.slow
def test_demo_summary_adds_up(demo):
    result, out = demo
    summary = json.loads((out / "run_summary.json").read_text())
    assert summary == json.loads(json.dumps(result.summary.to_dict()))
    assert dict(result.summary) == result.summary.to_dict()  # it reads like the file
    assert result.summary.layers["h3"].withheld == summary["layers"]["h3"]["withheld"]
    with pytest.raises(AttributeError):
        result.summary.seconds = 0.0  # type: ignore[misc]
    assert summary["units_in"] == summary["units_joined"] + sum(
        summary["units_not_joined"].values()
    )
    assert summary["join_balanced"]
    # Ede: 50,743 dwellings (CBS 2022) plus non-residential and recreational objects
    assert summary["units_in"] > 50_743
    h3 = summary["layers"]["h3"]
    assert h3["published"] + h3["merged"] + h3["suppressed"] == h3["features"]
    assert h3["withheld"] == h3["merged"] + h3["suppressed"] > 0
    assert sum(summary["hotspot_cells"].values()) == h3["published"]
    assert summary["seconds"] < 120


@pytest.mark.slow
def test_demo_reports_its_information_loss(demo):
    """Cells that show a population but no value are withheld, with their reason."""
    _, out = demo
    summary = json.loads((out / "run_summary.json").read_text())
    loss = summary["information_loss"]["layers"]
    h3 = pd.read_csv(out / "h3.csv", dtype={"area_id": str})
    blank = int(((h3["status"] == "published") & h3["n_vacant"].isna()).sum())
    c = loss["h3"]["columns"]["n_vacant"]
    assert blank > 0
    assert sum(v for k, v in c["withheld"].items() if k not in ("merged", "suppressed")) == blank
    assert c["withheld"]["merged"] == int((h3["status"] == "merged").sum())
    assert 0 < c["hellinger"] < 1 and c["mean_abs_dev"] is not None
    report = (out / "disclosure_report.md").read_text(encoding="utf-8")
    n = Say("disclosure").number  # the report's words and numbers are Dutch by default
    assert f"| h3 | n_vacant | {n(c['features'])} | {n(c['with_value'])} |" in report


@pytest.mark.slow
def test_demo_publishes_nothing_below_the_threshold(demo):
    result, out = demo
    for layer in ("h3", "buurt"):
        frame = gpd.read_file(out / "release.gpkg", layer=layer)
        published = frame[frame["status"] == "published"]
        suppressed = frame[frame["status"] == "suppressed"]
        assert (published["n_units"] >= 10).all()
        assert (published["n_units"] % 5 == 0).all()
        value_columns = [
            "n_units",
            "n_registration_mismatch",
            "rate_registration_mismatch_pct",
            "n_vacant",
            "rate_vacant_pct",
        ]
        assert suppressed[value_columns].isna().all().all()
    assert result.release.metadata["synthetic"] is True


@pytest.mark.slow
def test_demo_hotspots_use_fdr_and_find_planted_pattern(demo):
    result, _ = demo
    settings = result.release.metadata["hotspot"]
    assert settings["correction"] == "fdr_bh"
    h3 = result.release.layers["h3"]
    labels = h3.loc[h3["status"] == "published", "hotspot_label"]
    assert labels.str.startswith("hot").sum() > 0  # the planted hot spots are found


@pytest.mark.slow
def test_demo_is_deterministic(demo, tmp_path):
    first, _ = demo
    again = run_demo(RunConfig(), tmp_path)
    a = pd.DataFrame(first.release.layers["h3"].drop(columns="geometry"))
    b = pd.DataFrame(again.release.layers["h3"].drop(columns="geometry"))
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_cli_demo_prints_where_outputs_are(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "risk_map.html" in result.output
    assert str((tmp_path / "cli").resolve()) in result.output


def test_cli_bad_config_exits_with_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("resolutio = 9\n")
    result = CliRunner().invoke(app, ["demo", "--config", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "resolutio" in result.output
