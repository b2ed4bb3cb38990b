"""`zicht check --against`: two releases one unit apart are diagnosed exactly.

The pair: the toy study area of the disclosure tests (seed 15, 700 units), published once,
then published again with exactly one more unit, a vacant one, in the region whose vacancy
count is 7. Each release is written as `zicht run` writes it (the unit file beside it,
outside the release). The region's count is published rounded (5, then 10): alone each is
safe; together they pin it, 7 → 8, and with it the new unit's flag.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from disclosure_fixtures import Area, add_one_vacant_unit, make_area, publish_area, write_bundle
from zicht.check import check_release
from zicht.check._leaks import Atoms, propagate_intervals
from zicht.check._units import combine_units, release_changes
from zicht.cli._check import register

REGION = "BU02280000-891969a9347ffff"
NEW = "U_NEW"
REGION_MESSAGE = (
    "n_vacant is published as 3–7 in r1:region and 8–12 in region; 1 unit only in region "
    "(U_NEW), so its n_vacant = 1 can be read, and the count goes 7 → 8"
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("pair")
    area = make_area(15, n_units=700)
    one, units_one = write_bundle(publish_area(area), area, root / "v1")
    units = pd.read_parquet(units_one)
    in_region = units[units["region_id"] == REGION]
    assert int(in_region["vacant"].sum()) == 7  # the premise of the pair
    extra = area.units[area.units["unit_id"] == in_region["unit_id"].iloc[0]].copy()
    extra["unit_id"] = NEW
    extra["vacant"] = True
    bigger = Area(
        units=pd.concat([area.units, extra], ignore_index=True),
        buurten=area.buurten,
        wijken=area.wijken,
        gemeenten=area.gemeenten,
    )
    two, units_two = write_bundle(publish_area(bigger), bigger, root / "v2")
    assert len(pd.read_parquet(units_two)) == len(units) + 1
    return one, units_one, two, units_two


def test_the_one_unit_pair_names_the_region_7_to_8_and_nothing_spurious(pair):
    one, units_one, two, units_two = pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from a cast, nothing else
        alone = check_release(two, units_two)
        report = check_release(two, units_two, against=[one], against_units=[units_one])
    assert alone.ok, alone.to_text()
    assert check_release(one, units_one).ok
    across = {v.where: v.detail for v in report.violations if v.check == "across releases"}
    assert across[f"r1:region → region: {REGION}"] == REGION_MESSAGE
    # Every violation is the one new unit: named by id, or a derived set of exactly 1 unit.
    for v in report.violations:
        assert v.check in ("differencing", "across releases"), v
        assert (NEW in v.detail) or v.detail.endswith(" on 1 units"), v
    assert not report.notes or all("contradict" not in n for n in report.notes)
    assert "interval propagation in exact integers" in report.to_text()


def test_one_unit_file_for_both_releases_stops_propagation_instead_of_overflowing(pair):
    # The reviewer's set-up: both releases checked against the newer units. The older
    # release's figures then contradict the units; the checker says so and derives nothing
    # from the contradiction (it used to run to 6550251306802365440 by int64 overflow).
    one, _, two, units_two = pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_release(two, units_two, against=[one])
    assert any("contradict the units given" in n for n in report.notes), report.to_text()
    for v in report.violations:
        assert "interval propagation" not in v.detail, v
        assert all(len(word) < 12 or not word.isdigit() for word in v.detail.split()), v


def test_the_cli_finds_each_releases_own_units_beside_it(pair):
    one, _, two, units_two = pair
    app = typer.Typer()
    register(app)

    @app.command()
    def version() -> None:  # a second command keeps Typer in multi-command mode
        """Print nothing."""

    result = CliRunner().invoke(
        app, ["check", str(two), "--units", str(units_two), "--against", str(one)]
    )
    assert result.exit_code == 1, result.output
    assert f"[across releases] r1:region → region: {REGION}: {REGION_MESSAGE}" in result.output
    assert "r1: its own units" in result.output


def _atoms(n_units: list[int], counts: list[int], keys: dict[str, list[str]]) -> Atoms:
    return Atoms(
        keys=pd.DataFrame(keys),
        n=np.asarray(n_units, dtype=np.int64),
        values={"k": np.asarray(counts, dtype=np.int64)},
    )


def _features(rows: list[tuple[str, str, int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["layer", "area_id", "lo", "hi", "n_hi"])


def test_interval_propagation_is_exact_beyond_int64():
    # Populations near 2**62: float weights or int64 sums would overflow; Python ints do not.
    big = 2**62
    atoms = _atoms([big, 3], [0, 2], {"a": ["A", "A"], "b": ["B", ""]})
    table = _features([("a", "A", 2, 2, big + 3), ("b", "B", 0, 0, big)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = propagate_intervals(
            atoms, table, "k", min_units=10, group_pct=90.0, group_low=False
        )
    assert result.contradiction == ""
    pinned = [f for f in result.findings if "pinned" in f.attack and f.layers == "all layers"]
    # A − B leaves the 3-unit atom with a count of exactly 2
    assert [(f.features, f.value, f.units) for f in pinned] == [("a=A", 2, 3)]


def test_contradicting_intervals_are_named_not_propagated():
    atoms = _atoms([5, 5], [1, 1], {"a": ["A", "A"], "b": ["B", "B"]})
    table = _features([("a", "A", 7, 7, 10), ("b", "B", 8, 8, 10)])
    result = propagate_intervals(atoms, table, "k", min_units=10, group_pct=90.0, group_low=False)
    assert result.findings == []
    assert result.contradiction.startswith(("a:A is published as", "b:B is published as"))


def test_release_changes_reads_the_units_between_two_intervals():
    main = pd.DataFrame({"unit_id": ["u1", "u2", "u3"], "v": [1, 0, 1]})
    older = main.iloc[:2]
    sets = combine_units(main, [older])
    assert sets.shared == [True]
    assert list(sets.rows[1].index) == [0, 1]
    membership = pd.DataFrame(
        {"region": ["R", "R", "R"], "r1:region": ["R", "R", ""]}, index=sets.units.index
    )
    tables = {"k": _features([("region", "R", 8, 12, 12), ("r1:region", "R", 3, 7, 7)])}
    found = release_changes(membership, tables, sets.units, {"k": np.array([1, 0, 1])}, 10)
    assert found == [
        (
            "r1:region → region: R",
            "k is published as 3–7 in r1:region and 8–12 in region; 1 unit only in region "
            "(u3), so its k = 1 can be read, and the count goes 7 → 8",
        )
    ]
    # Intervals that still overlap pin nothing.
    loose = {"k": _features([("region", "R", 3, 7, 12), ("r1:region", "R", 3, 7, 7)])}
    assert release_changes(membership, loose, sets.units, {"k": np.array([1, 0, 1])}, 10) == []


def test_a_unit_whose_row_changed_is_two_units():
    main = pd.DataFrame({"unit_id": ["u1", "u2"], "v": [1, 1]})
    older = pd.DataFrame({"unit_id": ["u1", "u2"], "v": [1, 0]})
    sets = combine_units(main, [older])
    assert len(sets.units) == 3
    assert list(sets.rows[1].index) == [0, 2]


@pytest.mark.slow
def test_two_demo_releases_one_unit_apart(tmp_path, monkeypatch, demo_release):
    """The reviewer's pair on the demo itself: one more vacant address in the first unit's place."""
    import zicht.pipeline as pipeline
    from zicht.config import DEMO_CONFIG_PATH, load_config

    config = load_config(DEMO_CONFIG_PATH)
    v1, _ = demo_release  # the demo as `zicht demo` writes it, shared with other tests
    add_one_vacant_unit(monkeypatch)
    pipeline.run(config, tmp_path / "v2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_release(
            tmp_path / "v2",
            tmp_path / "v2_internal" / "units.parquet",
            against=[v1],
            against_units=[v1.parent / "v1_internal" / "units.parquet"],
        )
    across = [v for v in report.violations if v.check == "across releases"]
    assert any(
        v.where.startswith("r1:region → region: ") and v.detail.endswith("the count goes 7 → 8")
        for v in across
    ), report.to_text()
    for v in report.violations:
        assert ("EXTRA0001" in v.detail) or v.detail.endswith(" on 1 units"), v
