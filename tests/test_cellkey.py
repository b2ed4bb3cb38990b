"""Cell-key perturbation (``[rules] method = "cell_key"``): the table, the keys, the
protection of perturbed sums, the checker's own recomputation, and a newcomer's run.

Unit data here are SYNTHETIC (seeded generators and the newcomer fixture).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from newcomer_fixtures import CONFIG, newcomer
from zicht import ConfigError
from zicht._strings import text as say
from zicht.check import check_release
from zicht.cli import app
from zicht.publish import DisclosureRules, perturbation_table, record_keys
from zicht.publish._cellkey_sums import Family, protect_perturbed

SECRET = "a-test-secret-of-enough-length"


# ----------------------------------------------------------------------------- the table


@pytest.mark.parametrize(("d", "v", "js"), [(2, 1.0, 0), (3, 2.0, 0), (2, 1.0, 3)])
def test_the_perturbation_table_is_unbiased_bounded_and_keeps_zeros(d, v, js):
    table = perturbation_table(d, v, js)
    for n, row in table.groupby("n"):
        assert row["p"].sum() == pytest.approx(1.0)
        assert (row["p"] * row["v"]).sum() == pytest.approx(0.0, abs=1e-6)
        out = n + row["v"]
        assert (row["v"].abs() <= d).all() and (out >= 0).all()
        assert not ((out >= 1) & (out < js)).any()
        assert row["lower"].iloc[0] == 0 and row["upper"].iloc[-1] == 2**32
    assert table[table["n"] == 0]["v"].tolist() == [0]
    big = table[table["n"] == table["n"].max()]
    # the full support is reached for large counts, with the variance asked for
    assert big["v"].tolist() == list(range(-d, d + 1))
    assert (big["p"] * big["v"] ** 2).sum() == pytest.approx(v, rel=1e-3)


def test_record_keys_depend_on_the_id_and_the_secret_only():
    ids = [f"A{i:05d}" for i in range(200)]
    keys = record_keys(ids, SECRET)
    assert (keys == record_keys(ids, SECRET)).all()
    assert (keys[::-1] == record_keys(ids[::-1], SECRET)).all()
    assert (keys != record_keys(ids, SECRET + "x")).mean() > 0.99
    assert keys.min() >= 0 and keys.max() < 2**32
    # cell keys spread evenly over [0, 2**32): the noise is drawn as the table says
    assert 0.4 < (keys < 2**31).mean() < 0.6


def test_a_cell_key_rule_weaker_than_rounding_is_refused():
    with pytest.raises(Exception, match="cell_key_d = 1 leaves less doubt"):
        DisclosureRules(method="cell_key", cell_key_d=1)
    with pytest.raises(Exception, match="method must be one of"):
        DisclosureRules(method="noise")
    from zicht.schemas import PUBLICATION_FLOORS

    problems = PUBLICATION_FLOORS.problems({"method": "cell_key", "cell_key_d": 1})
    assert problems == [
        "cell_key_d = 1 is below the floor of 2 (the noise must hide as much as base-5 rounding)"
    ]


# ----------------------------------------------------------------------- perturbed sums


def test_noise_that_published_sums_would_pin_is_hidden():
    """A buurt of 2 flagged units published as 0 beside its two regions published as 1.

    Zeros stay zero, so each region holds at least 1; the buurt, at most 2: both regions
    would be pinned to exactly 1. One value must go.
    """
    # units 0-19 in region 0, 20-39 in region 1; both in buurt 0 (row 0 of its layer)
    positions = {
        "region": np.repeat([0, 1], 20),
        "buurt": np.zeros(40, dtype=np.int64),
    }
    fam = Family.build(positions)
    order = {
        (layer, int(pos)): i
        for i, (layer, pos) in enumerate(zip(fam.feature_layer, fam.feature_pos, strict=True))
    }
    perturbed = np.zeros(3, dtype=np.int64)
    truth = np.zeros(3, dtype=np.int64)
    for key, p, t in ((("region", 0), 1, 1), (("region", 1), 1, 1), (("buurt", 0), 0, 2)):
        perturbed[order[key]], truth[order[key]] = p, t
    rules = DisclosureRules(method="cell_key")
    shown = np.ones(3, dtype=bool)
    keep = protect_perturbed(fam, perturbed, truth, shown, rules)
    assert keep.sum() == 2  # one value hidden, the smallest feature's
    assert not keep[order[("region", 0)]] or not keep[order[("region", 1)]]
    # with the noise that lines up (buurt published as 2), nothing is pinned to one value
    perturbed[order[("buurt", 0)]] = 4
    assert protect_perturbed(fam, perturbed, truth, shown, rules).all()


# --------------------------------------------------------------------------- the CLI run


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join((result.output or "").split())


@pytest.fixture(scope="module")
def cell_key_run(tmp_path_factory):
    """A newcomer's config with ``method = "cell_key"``, run twice from the CLI."""
    tmp = tmp_path_factory.mktemp("cellkey")
    files = newcomer(tmp, config=CONFIG + '\n[rules]\nmethod = "cell_key"\n')
    mp = pytest.MonkeyPatch()
    mp.chdir(tmp)
    try:
        mp.delenv("ZICHT_CELL_KEY_SECRET", raising=False)
        without = _cli("run", "zicht.toml", "--out", "nosecret")
        mp.setenv("ZICHT_CELL_KEY_SECRET", SECRET)
        first = _cli("run", "zicht.toml", "--out", "out")
        second = _cli("run", "zicht.toml", "--out", "again")
        checked = _cli("check", "out", "--units", "out_internal/units.parquet")
    finally:
        mp.undo()
    return {
        "tmp": tmp,
        "files": files,
        "without": without,
        "first": first,
        "second": second,
        "checked": checked,
    }


@pytest.mark.slow
def test_a_newcomer_runs_cell_key_from_the_cli_and_zicht_check_passes(cell_key_run):
    tmp = cell_key_run["tmp"]
    code, text = cell_key_run["first"]
    assert code == 0, text
    code, text = cell_key_run["checked"]
    assert code == 0 and "RESULT: PASS" in text, text
    assert "cell-key perturbation (±2)" in text
    manifest = json.loads((tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rules"]["method"] == "cell_key"
    assert all(layer["perturbed"] for layer in manifest["layers"].values())
    report = (tmp / "out" / "disclosure_report.md").read_text(encoding="utf-8")
    rule = say("disclosure", "cell_key", d=2, variance="|", decimals=1).split("|")[0]
    assert rule in report and say("disclosure", "counts_cell_key") in report
    # the secret itself reaches no output
    for path in (tmp / "out").iterdir():
        assert SECRET not in path.read_text(encoding="utf-8", errors="ignore"), path.name
    units = pd.read_parquet(tmp / "out_internal" / "units.parquet")
    assert units["record_key"].between(0, 2**32 - 1).all()


@pytest.mark.slow
def test_cell_key_counts_are_the_true_counts_plus_bounded_noise(cell_key_run):
    tmp = cell_key_run["tmp"]
    units = pd.read_parquet(tmp / "out_internal" / "units.parquet")
    buurt = pd.read_csv(tmp / "out" / "buurt.csv", dtype={"area_id": str})
    shown = buurt[buurt["status"] == "published"].set_index("area_id")
    truth = units.groupby("buurt_code").size().reindex(shown.index)
    noise = shown["n_units"] - truth
    assert noise.abs().max() <= 2 and (noise != 0).any()  # perturbed, within ±D
    # rates follow from the published (perturbed) counts
    rate = (100 * shown["n_vacant"] / shown["n_units"]).round(1)
    has = shown["rate_vacant_pct"].notna()
    assert np.allclose(rate[has], shown.loc[has, "rate_vacant_pct"])
    # the release measures its information loss on the perturbed values, not the rounded
    region = pd.read_csv(tmp / "out" / "region.csv", dtype={"area_id": str})
    region = region[region["n_vacant"].notna()].set_index("area_id")
    true = units.groupby("region_id")["_count_vacant"].sum().reindex(region.index)
    summary = json.loads((tmp / "out" / "run_summary.json").read_text(encoding="utf-8"))
    loss = summary["information_loss"]["layers"]["region"]["columns"]["n_vacant"]
    assert loss["with_value"] == len(region) >= 10
    assert loss["mean_abs_dev"] == round(float((region["n_vacant"] - true).abs().mean()), 1)


@pytest.mark.slow
def test_the_same_units_get_the_same_noise_in_every_run(cell_key_run):
    tmp = cell_key_run["tmp"]
    assert cell_key_run["second"][0] == 0
    for name in ("buurt", "region", "h3"):
        a = pd.read_csv(tmp / "out" / f"{name}.csv")
        b = pd.read_csv(tmp / "again" / f"{name}.csv")
        cols = [c for c in a.columns if c.startswith(("n_", "rate_"))]
        pd.testing.assert_frame_equal(a[cols], b[cols])


@pytest.mark.slow
def test_a_run_without_the_secret_says_which_variable_to_set(cell_key_run):
    code, text = cell_key_run["without"]
    assert code != 0
    assert "ZICHT_CELL_KEY_SECRET" in text and "16 characters" in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_zicht_check_recomputes_every_perturbed_count(cell_key_run, tmp_path):
    """A count moved by one, a table with a biased row, a units file without keys: caught."""
    src = cell_key_run["tmp"]
    release = tmp_path / "release"
    shutil.copytree(src / "out", release)
    buurt = pd.read_csv(release / "buurt.csv", dtype={"area_id": str, "region_id": str})
    i = int(np.flatnonzero(buurt["n_vacant"].notna())[0])
    buurt.loc[i, "n_vacant"] += 1
    buurt.to_csv(release / "buurt.csv", index=False)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    table = manifest["disclosure"]["cell_key"]["table"]
    last = max(table["n"])
    at = [j for j, n in enumerate(table["n"]) if n == last]
    table["p"][at[0]], table["p"][at[-1]] = table["p"][at[-1]] + 0.05, table["p"][at[0]] - 0.05
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    units = pd.read_parquet(src / "out_internal" / "units.parquet")
    report = check_release(release, src / "out_internal" / "units.parquet")
    found = [(v.check, v.detail) for v in report.violations]
    assert any(r == "values match the units" and "n_vacant" in d for r, d in found), found
    assert any(r == "cell key" and "mean noise" in d for r, d in found), found
    units.drop(columns="record_key").to_parquet(tmp_path / "units.parquet")
    report = check_release(src / "out", tmp_path / "units.parquet")
    assert any("no record_key column" in v.detail for v in report.violations)


def test_a_cell_key_config_with_a_weak_noise_is_named_in_the_config_error(tmp_path):
    files = newcomer(tmp_path, config=CONFIG + '\n[rules]\nmethod = "cell_key"\ncell_key_d = 1\n')
    from zicht.config import load_config

    with pytest.raises(ConfigError, match="cell_key_d"):
        load_config(files.config)


@pytest.mark.slow
def test_a_worked_example_with_spatially_smoothed_rates_runs_under_cell_key(tmp_path, monkeypatch):
    """Youth (eb_global and eb_spatial rates): smoothed from the perturbed figures, checked."""
    import dataclasses

    from example_support import example_config, load_generator
    from ilp_attacker import attack
    from zicht.export import internal_dir_for
    from zicht.pipeline import run

    monkeypatch.setenv("ZICHT_CELL_KEY_SECRET", SECRET)
    load_generator("youth").generate(tmp_path / "data")
    config = example_config("youth", tmp_path / "data" / "units.parquet")
    rules = dataclasses.replace(config.rules, method="cell_key")
    out = tmp_path / "out"
    run(dataclasses.replace(config, rules=rules), out)
    units = internal_dir_for(out) / "units.parquet"
    report = check_release(out, units)
    assert report.violations == []
    # the checker recomputed the spatially smoothed rates from the published figures
    assert any("spatially smoothed rates recomputed" in t for t in report.tried)
    buurt = pd.read_csv(out / "buurt.csv")
    assert buurt["rate_household_debts_eb_spatial_pct"].notna().sum() > 10
    assert attack({"": (out, units)}).findings == []


def test_an_area_table_run_with_cell_key_says_it_needs_units(tmp_path):
    from test_area_tables import _grid

    config = _grid(tmp_path)
    config.write_text(config.read_text() + '\n[rules]\nmethod = "cell_key"\n')
    code, text = _cli("run", str(config), "--out", str(tmp_path / "out"))
    assert code != 0 and "Traceback" not in text
    assert 'method = "cell_key" needs unit-level data' in text and 'method = "round"' in text
    assert not (tmp_path / "out" / "manifest.json").exists()
