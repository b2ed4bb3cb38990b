"""Floors that hold: rules below the CBS output rules are refused, or marked and failed.

The configurations are those of issue 17: ``min_units = 1`` with ``rounding_base = 1``,
``group_max_pct = 100``, and ``min_companies = 1`` with ``dominance_pct = 100``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from disclosure_fixtures import make_area, publish_area, write_bundle
from zicht import ConfigError
from zicht.check import check_release
from zicht.cli import app
from zicht.config import load_config
from zicht.publish import DisclosureRules
from zicht.schemas import PUBLICATION_FLOORS

MARK = "NIET VOOR PUBLICATIE"

BELOW_FLOORS = {
    "unit level": (
        'min_units = 1\nrounding_base = 1\nsmall_count = "suppress"\n',
        ["min_units", "rounding_base"],
    ),
    "group disclosure off": ("group_max_pct = 100\n", ["group_max_pct"]),
    "company rules off": (
        "min_companies = 1\ndominance_pct = 100\n",
        ["min_companies", "dominance_pct"],
    ),
    "exact buurten": ('exact_layers = ["buurt", "gemeente"]\n', ["exact_layers"]),
}


@pytest.mark.parametrize("case", sorted(BELOW_FLOORS))
def test_a_config_below_the_floors_is_refused_naming_key_and_floor(tmp_path, case):
    rules, keys = BELOW_FLOORS[case]
    path = tmp_path / "c.toml"
    path.write_text("[rules]\n" + rules)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "[rules]" in message
    assert 'purpose = "internal"' in message
    for key in keys:
        floor = getattr(PUBLICATION_FLOORS, key)
        assert key in message
        shown = f"{floor:g}" if isinstance(floor, float) else str(floor)
        assert (shown if key != "exact_layers" else "wijk") in message, (key, message)


@pytest.mark.parametrize("case", sorted(BELOW_FLOORS))
def test_the_same_rules_load_for_internal_use(tmp_path, case):
    rules, _ = BELOW_FLOORS[case]
    path = tmp_path / "c.toml"
    path.write_text('[rules]\npurpose = "internal"\n' + rules)
    assert load_config(path).rules.internal


def test_rules_at_the_floors_are_accepted():
    assert not DisclosureRules().internal
    assert (
        PUBLICATION_FLOORS.problems(
            {"min_units": 10, "rounding_base": 5, "group_max_pct": 90.0, "min_companies": 3}
        )
        == []
    )
    # stricter than the floors is always fine
    DisclosureRules(min_units=100, rounding_base=10, group_max_pct=80, dominance_pct=70)
    with pytest.raises(ValueError, match="purpose"):
        DisclosureRules(purpose="draft")


@pytest.fixture(scope="module")
def internal(tmp_path_factory):
    """A unit-level release (min_units 1, no rounding) made for internal use."""
    area = make_area(11, n_units=400)
    rules = DisclosureRules(
        min_units=1, rounding_base=1, small_count="suppress", purpose="internal"
    )
    release = publish_area(area, rules)
    folder, units = write_bundle(release, area, tmp_path_factory.mktemp("internal"))
    return release, folder, units


def test_an_internal_release_says_so_on_every_output(internal):
    release, folder, _ = internal
    for name in release.layers:
        frame = pd.read_csv(folder / f"{name}.csv")
        assert (frame["publicatie"] == MARK).all(), name
    assert MARK in (folder / "disclosure_report.md").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["metadata"]["not_for_publication"] == MARK
    assert manifest["metadata"]["title"].startswith(MARK)
    assert manifest["rules"]["purpose"] == "internal"


def test_check_fails_an_internal_release_unless_allowed(internal):
    _, folder, units = internal
    report = check_release(folder, units)
    checks = {v.check for v in report.violations}
    assert "floors" in checks
    assert "threshold" in checks  # judged by the floor of 10, not the declared 1
    allowed = check_release(folder, units, allow_internal=True)
    assert allowed.ok, allowed.to_text()


def test_check_judges_by_the_floors_not_the_manifest(internal, tmp_path):
    """A manifest rewritten to look like a publication release still fails."""
    import shutil

    _, folder, units = internal
    copy = tmp_path / "release"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["rules"]["purpose"] = "publication"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    report = check_release(copy, units, allow_internal=True)
    floors = [v.detail for v in report.violations if v.check == "floors"]
    assert any("min_units = 1 is below the floor of 10" in d for d in floors), floors
    assert "threshold" in {v.check for v in report.violations}


def test_check_fails_an_internal_release_that_lost_its_mark(internal, tmp_path):
    import shutil

    _, folder, units = internal
    copy = tmp_path / "release"
    shutil.copytree(folder, copy)
    report_md = copy / "disclosure_report.md"
    report_md.write_text(report_md.read_text().replace(MARK, "intern"))
    report = check_release(copy, units, allow_internal=True)
    assert any(v.where == "disclosure_report.md" for v in report.violations)


@pytest.mark.slow
def test_a_newcomer_run_below_the_floors(tmp_path):
    """`zicht run` refuses the unit-level config; marked internal it runs and check fails it."""
    runner = CliRunner()
    config = tmp_path / "c.toml"
    config.write_text('[rules]\nmin_units = 1\nrounding_base = 1\nsmall_count = "suppress"\n')
    refused = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "no")])
    assert refused.exit_code != 0
    assert "min_units = 1 is below the floor of 10" in " ".join(refused.output.split())
    assert not (tmp_path / "no").exists()
    config.write_text(config.read_text() + 'purpose = "internal"\n')
    out = tmp_path / "out"
    ran = runner.invoke(app, ["run", str(config), "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    for name in ("risk_map.html", "report.md", "disclosure_report.md", "run_summary.json"):
        assert MARK in (out / name).read_text(encoding="utf-8"), name
    assert json.loads((out / "run_summary.json").read_text())["not_for_publication"] == MARK
    failed = runner.invoke(app, ["check", str(out)])
    assert failed.exit_code == 1
    assert "NIET VOOR PUBLICATIE" in failed.output
    passed = runner.invoke(app, ["check", str(out), "--allow-internal"])
    assert passed.exit_code == 0, passed.output[-2000:]
