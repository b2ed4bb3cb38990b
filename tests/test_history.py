"""The release history: each release checked against every earlier one (`zicht check --against`)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from disclosure_fixtures import Area, add_one_vacant_unit, make_area, publish_area, write_bundle
from zicht.check import ReleaseHistory, ReleaseRefusedError, check_release

REGION = "BU02280000-891969a9347ffff"

pytestmark = pytest.mark.slow  # three toy releases published and checked: about 30 s


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Three toy releases: v1; v2 = v1 plus one vacant unit in a region whose count is 7
    (the pair `zicht check --against` pins 7 → 8); v3 = v1 with ten more units there,
    none vacant (the difference is a group of ten: not small, and it reveals 0)."""
    root = tmp_path_factory.mktemp("history")
    area = make_area(15, n_units=700)
    one = write_bundle(publish_area(area), area, root / "v1")
    units = pd.read_parquet(one[1])
    first = units[units["region_id"] == REGION]["unit_id"].iloc[0]
    template = area.units[area.units["unit_id"] == first]

    def plus(n: int, name: str, vacant: bool):
        extra = pd.concat([template] * n, ignore_index=True)
        extra["unit_id"] = [f"{name}{i}" for i in range(n)]
        extra["vacant"] = vacant
        bigger = Area(
            units=pd.concat([area.units, extra], ignore_index=True),
            buurten=area.buurten,
            wijken=area.wijken,
            gemeenten=area.gemeenten,
        )
        return write_bundle(publish_area(bigger), bigger, root / name)

    return {"v1": one, "v2": plus(1, "NEW", True), "v3": plus(10, "TEN", False)}


def test_a_release_one_unit_from_an_earlier_one_is_refused_with_the_reason(releases, tmp_path):
    history = ReleaseHistory(tmp_path / "history")
    first = history.register(*releases["v1"], key="2023")
    assert first.key == "2023" and first.checked_against == ()
    assert history.register(*releases["v1"], key="2023") == first  # same values: no-op
    with pytest.raises(ReleaseRefusedError, match="refused") as refused:
        history.register(*releases["v2"], key="2023")
    message = str(refused.value)
    assert "2023-r2" in message and "must not be published" in message
    assert f"r1:region → region: {REGION}" in message
    assert "the count goes 7 → 8" in message
    assert [e.key for e in history.entries()] == ["2023"]  # nothing registered
    logged = json.loads((tmp_path / "history" / "refused.json").read_text())
    assert logged[0]["key"] == "2023-r2" and logged[0]["checked_against"] == ["2023"]
    assert any("7 → 8" in r for r in logged[0]["reasons"])
    # the same code path as `zicht check --against`: the same violations
    direct = check_release(*releases["v2"], against=[releases["v1"][0]],
                           against_units=[releases["v1"][1]])  # fmt: skip
    assert len(refused.value.report.violations) == len(direct.violations)


def test_a_release_that_changes_by_ten_units_is_registered_and_checked_against_all(
    releases, tmp_path
):
    history = ReleaseHistory(tmp_path / "history")
    history.register(*releases["v1"], key="2023")
    second = history.register(*releases["v3"], key="2024")
    assert second.checked_against == ("2023",)
    assert [e.key for e in history.entries()] == ["2023", "2024"]
    # the copies in the history are complete releases that `zicht check` passes
    assert check_release(history.release_dir("2024"), history.units_path("2024")).ok
    assert second.values_sha256 != history.entries()[0].values_sha256
    assert len(second.inputs["units"]["sha256"]) == 64
    assert second.inputs["units"] != history.entries()[0].inputs["units"]


def test_two_demo_releases_one_unit_apart_pass_the_history_with_its_areas_withheld(
    tmp_path, monkeypatch
):
    """The reviewer's pair (tests/test_check_releases.py: alone it pins a count 7 → 8):
    through the history the second release withholds the areas the new unit lies in, and
    `zicht check --against` passes the pair."""
    from zicht._years import run_checked
    from zicht.config import DEMO_CONFIG_PATH, load_config

    config = load_config(DEMO_CONFIG_PATH)
    history = ReleaseHistory(tmp_path / "history")
    _, first = run_checked(config, tmp_path / "v1", history, "2023")
    assert first.withheld == {} and first.checked_against == ()
    add_one_vacant_unit(monkeypatch)
    result, second = run_checked(config, tmp_path / "v2", history, "2024")
    assert second.checked_against == ("2023",)
    units = pd.read_parquet(result.paths["internal_units"])
    new = units[units["unit_id"] == units["unit_id"].iloc[-1]].iloc[0]
    assert set(second.withheld) == {"h3", "region", "buurt"}, second.withheld
    assert set(second.withheld["h3"]) == {new["h3_cell"]}
    assert set(second.withheld["buurt"]) == {new["buurt_code"]}
    assert new["region_id"] in second.withheld["region"]
    assert (
        "1 unit(s) differ from release 2023 (fewer than 10)"
        in second.withheld["buurt"][new["buurt_code"]]
    )
    for layer, areas in second.withheld.items():
        published = pd.read_csv(tmp_path / "v2" / f"{layer}.csv").set_index("area_id")
        assert (published.loc[list(areas), "status"] != "published").all()
        assert published.loc[list(areas), "n_units"].isna().all()
    audit = pd.read_csv(tmp_path / "v2_internal" / "audit.csv")
    assert (audit["action"] == "withheld").sum() >= 3
    # the pair passes `zicht check --against` itself, each release with its own units
    report = check_release(
        tmp_path / "v2",
        tmp_path / "v2_internal" / "units.parquet",
        against=[tmp_path / "v1"],
        against_units=[tmp_path / "v1_internal" / "units.parquet"],
    )
    assert report.ok, report.to_text()
    assert [e.key for e in history.entries()] == ["2023", "2024"]


def test_zicht_run_with_a_history_checks_and_registers_each_release(tmp_path):
    """The user's path: `zicht run --history` twice on the same units registers both."""
    from pathlib import Path

    from typer.testing import CliRunner

    from zicht.cli import app

    geodata = Path(__file__).resolve().parents[1] / "geodata"
    config = tmp_path / "small.toml"
    config.write_text(
        f'[inputs]\ngeodata = "{geodata.as_posix()}"\n[stats]\npermutations = 0\n',
        encoding="utf-8",
    )
    history = tmp_path / "history"
    for name in ("2023", "2024"):
        result = CliRunner().invoke(
            app,
            ["run", str(config), "--out", str(tmp_path / name), "--history", str(history)],
        )
        assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"release history {history}: registered as 2024, checked against 2023" in output
    entries = ReleaseHistory(history).entries()
    assert [e.key for e in entries] == ["2023", "2024"]
    assert entries[1].withheld == {} and entries[0].values_sha256 == entries[1].values_sha256
