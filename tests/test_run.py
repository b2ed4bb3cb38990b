"""End to end: `zicht run CONFIG.toml` on the shipped data, through the API and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from zicht import ProfilingError
from zicht._strings import text
from zicht.cli import app
from zicht.config import DEMO_CONFIG_PATH, GuardConfig, RunConfig, load_config
from zicht.export import TO_BE_WRITTEN
from zicht.export._report import _verdict
from zicht.export._words import Say
from zicht.pipeline import run

GEODATA = DEMO_CONFIG_PATH.parent


def _fast(config: RunConfig) -> RunConfig:
    """The demo with fewer permutations and draws: the same pipeline, seconds faster."""
    unc = replace(config.composite.uncertainty, draws=200)
    return replace(
        config,
        stats=replace(config.stats, permutations=0),
        composite=replace(config.composite, uncertainty=unc),
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return run(_fast(load_config(DEMO_CONFIG_PATH)), out), out


@pytest.mark.slow
def test_a_run_writes_the_register_draft_report_and_catalogue(demo_run):
    _, out = demo_run
    for name in (
        "algorithm_register.json",
        "algorithm_register.md",
        "report.md",
        "indicators.md",
        "config.json",
        "risk_map.html",
        "release.gpkg",
        "manifest.json",
        "run_manifest.json",
    ):
        assert (out / name).stat().st_size > 0, name
    draft = json.loads((out / "algorithm_register.json").read_text(encoding="utf-8"))
    assert draft["organization"] == "Gemeente Ede (demo)"
    assert "contact_email" in draft["_zicht"]["to_be_written"]
    assert TO_BE_WRITTEN in (out / "algorithm_register.md").read_text(encoding="utf-8")
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert {"register_json", "register_md", "report", "map"} <= set(manifest["files"])
    report = (out / "report.md").read_text(encoding="utf-8")
    heading = {key: "## " + text("report", key) for key in ("h_question", "h_indicators")}
    assert report.index(heading["h_question"]) < report.index(heading["h_indicators"])
    assert "Nagaan hoe de gemeente langdurige leegstand registreert en opvolgt" in report
    assert text("report", "synthetic_generated") in report


@pytest.mark.slow
def test_the_composite_rank_interval_is_published_and_on_the_map(demo_run):
    result, out = demo_run
    for layer in ("h3", "buurt"):
        frame = result.release.layers[layer]
        published = frame[frame["status"] == "published"]
        suppressed = frame[frame["status"] != "published"]
        ranked = published.dropna(subset=["composite_rank"])
        assert len(ranked) > 0.9 * len(published)
        assert (ranked["composite_rank_lo"] <= ranked["composite_rank_hi"]).all()
        assert ranked["composite_rank_unstable"].isin([0.0, 1.0]).all()
        assert suppressed[["composite_score", "composite_rank_lo"]].isna().all().all()
        n = len(ranked)
        assert ranked["composite_rank"].between(1, n).all()
    html = (out / "risk_map.html").read_text(encoding="utf-8")
    assert "ondergrens van het 90\u00a0%-interval (5e percentiel)" in html
    assert "bovengrens van het 90\u00a0%-interval (95e percentiel)" in html
    composite = result.release.metadata["composite"]
    assert set(composite["layers"]) == {"h3", "buurt"}
    assert "verdict" in composite["layers"]["buurt"]["summary"]
    # the report says the index's own verdict, in the catalogue's words
    summary = result.record.composites["buurt"].summary
    assert _verdict(summary, result.record, Say("report", "en")) == summary["verdict"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"**{_verdict(summary, result.record, Say('report'))}**" in report
    assert result.summary["composite"]["h3"]["n_areas"] == len(
        result.release.layers["h3"].dropna(subset=["composite_rank"])
    )


@pytest.mark.slow
def test_the_composite_uses_published_values_only(demo_run):
    result, _ = demo_run
    h3 = result.release.layers["h3"]
    # every ranked cell is published; nothing below the threshold is ranked
    assert (h3.loc[h3["composite_rank"].notna(), "status"] == "published").all()


@pytest.mark.slow
def test_no_output_names_a_unit(demo_run):
    _, out = demo_run
    for path in out.iterdir():
        if path.suffix in (".json", ".md", ".csv", ".html"):
            text = path.read_text(encoding="utf-8")
            assert "SYN0" not in text, path.name  # synthetic address ids
            assert "address_id" not in text, path.name
    for layer in ("h3", "buurt"):
        frame = gpd.read_file(out / "release.gpkg", layer=layer)
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
        assert not {"address_id", "x", "y", "gebruiksdoel"} & set(frame.columns)


@pytest.mark.slow
def test_the_proxy_screen_flags_a_strong_proxy_and_can_stop_the_run(demo_run, tmp_path):
    result, _ = demo_run
    buurt = result.release.layers["buurt"]
    published = buurt[buurt["status"] == "published"]
    rng = np.random.default_rng(0)
    # A made-up reference share that follows vacancy closely: the screen must flag it.
    share = published["rate_vacant_pct"].to_numpy() * 3 + rng.normal(0, 0.1, len(published))
    reference = pd.DataFrame({"code": published["area_id"], "share_group_pct": share})
    path = tmp_path / "reference.csv"
    reference.to_csv(path, index=False)
    config = _fast(load_config(DEMO_CONFIG_PATH))
    guarded = replace(config, guard=GuardConfig(reference=path, threshold=0.8))
    screened = run(guarded, tmp_path / "screened")
    flagged = screened.record.proxy_screen.flagged
    assert "vacant" in set(flagged["indicator"])
    report = (tmp_path / "screened" / "report.md").read_text(encoding="utf-8")
    assert text("report", "proxy_flagged", n=len(flagged)) in report
    assert "`vacant` ~ `share_group_pct`" in report
    assert json.loads((tmp_path / "screened" / "proxy_screen.json").read_text())["flagged"] >= 1
    stop = replace(config, guard=GuardConfig(reference=path, threshold=0.8, fail_on_proxy=True))
    with pytest.raises(ProfilingError, match="vacant ~ share_group_pct"):
        run(stop, tmp_path / "stopped")
    assert not (tmp_path / "stopped").exists()


@pytest.mark.slow
def test_a_real_unit_table_can_replace_the_generator(tmp_path):
    config_path = tmp_path / "amsterdam.toml"
    config_path.write_text(
        f"""
gemeente = "GM0363"
[inputs]
geodata = "{GEODATA.as_posix()}"
[inputs.units]
source = "file"
path = "bag/amsterdam_1013_block.gpkg"
[[indicators]]
id = "berths"
title = "Houseboat berths"
numerator = {{ column = "object_type", equals = "ligplaats" }}
kind = "share"
[stats]
permutations = 0
""",
        encoding="utf-8",
    )
    result = run(load_config(config_path), tmp_path / "out")
    assert result.release.metadata["synthetic"] is False
    assert result.summary["units_in"] > 1000
    assert "share_berths_pct" in result.release.layers["h3"]
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "SYNTHETI" not in report.upper()


@pytest.mark.slow
def test_cli_run_uses_the_toml(tmp_path):
    config_path = tmp_path / "small.toml"
    config_path.write_text(
        f'[inputs]\ngeodata = "{GEODATA.as_posix()}"\n[stats]\npermutations = 0\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(config_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "algorithm_register.json" in result.output
    assert (tmp_path / "o" / "algorithm_register.md").exists()


def test_cli_refuses_a_protected_attribute_with_its_own_exit_code(tmp_path):
    config_path = tmp_path / "bad.toml"
    config_path.write_text(
        '[[indicators]]\nid = "x"\ntitle = "X"\n'
        'numerator = { column = "geboorteland", not_equals = "Nederland" }\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(config_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 8
    assert "geboorteland" in result.output
    assert "PG-BIRTHCOUNTRY" in result.output
    assert not (tmp_path / "o").exists()


def test_cli_names_a_wrong_key_in_brackets(tmp_path):
    config_path = tmp_path / "bad.toml"
    config_path.write_text("[stats]\npermutation = 99\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(config_path)])
    assert result.exit_code == 2
    assert "[stats]" in result.output and "permutations" in result.output


def test_the_shipped_demo_config_drives_the_demo():
    assert Path(DEMO_CONFIG_PATH).name == "demo.toml"
    config = load_config(DEMO_CONFIG_PATH)
    assert config.inputs.units.source == "synthetic"


@pytest.mark.slow
def test_an_integer_programming_attacker_pins_nothing_on_the_demo(demo_run):
    """Every published geography, rounding interval and reason for hiding, modelled exactly."""
    from example_support import assert_no_pins

    assert_no_pins(demo_run[1])
