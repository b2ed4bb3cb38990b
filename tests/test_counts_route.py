"""The counts route of ``zicht run`` (issue 19 item 5): indicators from counts per cell.

After the join the run counts the units once per (H3 cell, buurt, wijk, gemeente …), the
"atoms", and computes every layer's indicators from those counts instead of the unit rows.
These tests hold the two routes to the same figures on the demo's synthetic units.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zicht.config import load_config, read_inputs, read_unit_table
from zicht.indicators import IndicatorSpec, compute_indicators, indicators_from_counts

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_joined():
    """The demo's joined units, its indicators all counted or computed at area centres."""
    from zicht.pipeline import _join

    config = load_config(ROOT / "geodata" / "demo.toml")
    by_id = {s.id: s for s in config.indicators}
    homes = {"column": "gebruiksdoel", "equals": "woonfunctie"}
    specs = (
        by_id["registration_mismatch"],  # eb_global smoothed rate
        by_id["vacant"],
        replace(by_id["vacant"], id="vacant_homes", title="Vacant homes", denominator=homes),
        replace(by_id["vacant"], id="n_vacant_only", title="Vacant (count)", kind="count"),
        replace(by_id["park_distance"], at="centre"),
    )
    map_config = replace(config.map, layers=("h3", "buurt", "wijk", "gemeente"))
    ids = {s.id for s in specs}
    components = tuple(c for c in config.composite.components if c.indicator in ids)
    composite = replace(config.composite, components=components)
    config = replace(config, indicators=specs, map=map_config, composite=composite)
    study = read_inputs(config)
    units, reports = read_unit_table(config, study.layers)
    joined, _ = _join(config, units, study.layers, list(reports))
    return config, joined, study.layers


@pytest.mark.slow  # reads the demo and makes its synthetic units (about 12 s)
def test_indicators_from_the_counts_equal_those_from_the_units(demo_joined):
    from zicht._run_stats import _atoms, _compute_layer
    from zicht.pipeline import _unit_table

    config, joined, layers = demo_joined
    atoms = _atoms(config, _unit_table(config, joined))
    assert atoms is not None
    # every unit is counted once, in far fewer rows than units
    assert atoms["n_units"].sum() == len(joined) and len(atoms) < len(joined) / 5
    for name in config.map.layers:
        from_units = _compute_layer(name, config, joined, layers)
        from_counts = _compute_layer(name, config, joined.iloc[:0], layers, atoms)
        pd.testing.assert_frame_equal(from_counts, from_units, check_names=False)
        assert from_counts.attrs["masked"] == from_units.attrs["masked"]


@pytest.mark.slow  # as above
def test_an_indicator_over_the_units_keeps_the_unit_rows(demo_joined):
    from zicht._run_stats import _atoms
    from zicht.pipeline import _unit_table

    config, joined, _ = demo_joined
    density = IndicatorSpec(
        "industrial_density",
        "Industrial",
        {"column": "gebruiksdoel", "equals": "industriefunctie"},
        kind="density",
    )
    config = replace(config, indicators=(*config.indicators, density))
    assert config.indicators[-1].at == "units"
    assert _atoms(config, _unit_table(config, joined)) is None


def test_counts_give_the_units_figures():
    rng = np.random.default_rng(7)
    units = pd.DataFrame(
        {
            "area": rng.integers(0, 30, 600),
            "vacant": rng.random(600) < 0.2,
            "home": rng.random(600) < 0.7,
        }
    )
    specs = [
        IndicatorSpec("vacant", "Vacant", "vacant", smoothing="eb_global"),
        IndicatorSpec("vacant_homes", "Vacant homes", "vacant", denominator="home"),
    ]
    expected = compute_indicators(units, "area", specs, min_base=10)
    home = units["home"]
    counts = pd.DataFrame(
        {
            "n_units": units.groupby("area").size(),
            "n_vacant": units.groupby("area")["vacant"].sum(),
            "n_vacant_homes": (units["vacant"] & home).groupby(units["area"]).sum(),
            "n_vacant_homes_base": home.groupby(units["area"]).sum(),
        }
    ).sample(frac=1, random_state=1)  # any order: the result is sorted by area
    got = indicators_from_counts(counts, specs, min_base=10)
    pd.testing.assert_frame_equal(got, expected, check_names=False)
    assert got.attrs["masked"] == expected.attrs["masked"]
    with pytest.raises(Exception, match="n_vacant_homes_base"):
        indicators_from_counts(counts.drop(columns="n_vacant_homes_base"), specs)
