"""Shared steps of the worked-example tests (``tests/test_example_<theme>.py``).

Each example is run as a user runs it: its own generator writes the synthetic units, its own
``config.toml`` is loaded, only the unit file (and, for parks, the boundaries) points into
the test's temporary folder, and :func:`zicht.pipeline.run` writes the release.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.check import check_release
from zicht.config import RunConfig, load_config
from zicht.export import internal_dir_for
from zicht.maps._assets import find_network_references
from zicht.pipeline import RunResult, run

ROOT = Path(__file__).resolve().parents[1]

#: English words that the examples' titles, purposes and follow-up steps used to show on the
#: map (the picker, the legend, the panel); none of them is a Dutch word.
ENGLISH = (
    "the", "and", "with", "for", "to", "where", "how", "whether", "review", "shows",
    "synthetic", "data", "drug", "incidents", "distance", "shed", "nearby", "risk terrain:",
    "providers", "conviction", "claims", "client", "norm far", "registration", "mismatch",
    "debts", "absence", "parks", "addresses", "vacancy", "purchases", "recent", "index of",
    "youth", "young", "people", "leaving", "care", "households", "recruitment",
)  # fmt: skip


def english_words(text: str) -> list[str]:
    """The words of :data:`ENGLISH` in ``text``, as whole words, any case."""
    return [w for w in ENGLISH if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I)]


def example_dir(theme: str) -> Path:
    """Return ``examples/<theme>``."""
    return ROOT / "examples" / theme


def load_generator(theme: str) -> ModuleType:
    """Import ``examples/<theme>/generate.py`` by its path (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"{theme}_generate", example_dir(theme) / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_config(theme: str, units: Path, **inputs: Any) -> RunConfig:
    """Load the example's config with the unit file (and other ``inputs`` fields) replaced.

    ``inputs`` maps an ``[inputs]`` table to the path it should read, e.g.
    ``park_areas=Path(...)``.
    """
    config = load_config(example_dir(theme) / "config.toml")
    changes: dict[str, Any] = {
        "units": dataclasses.replace(config.inputs.units, path=units),
        **{
            name: dataclasses.replace(getattr(config.inputs, name), path=path)
            for name, path in inputs.items()
        },
    }
    return dataclasses.replace(config, inputs=dataclasses.replace(config.inputs, **changes))


def run_example(theme: str, tmp: Path, **generate: Any) -> dict[str, Any]:
    """Generate the units into ``tmp/data``, run the example's config into ``tmp/out``.

    Returns
    -------
    dict
        ``planted`` (what the generator returned), ``config``, ``tmp``, ``out``, ``result``,
        ``manifest`` (the release's ``manifest.json``) and ``layers`` (every published layer
        as read back from its CSV, ``area_id`` as text).
    """
    planted = load_generator(theme).generate(tmp / "data", **generate)
    config = example_config(theme, tmp / "data" / "units.parquet")
    out = tmp / "out"
    result: RunResult = run(config, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    layers = {
        name: pd.read_csv(out / f"{name}.csv", dtype={"area_id": str})
        for name in manifest["layers"]
    }
    return {
        "planted": planted,
        "config": config,
        "tmp": tmp,
        "out": out,
        "result": result,
        "manifest": manifest,
        "layers": layers,
    }


def assert_check_passes(out: Path) -> None:
    """``zicht check`` on the release and the units file written beside it finds nothing."""
    report = check_release(out, internal_dir_for(out) / "units.parquet")
    assert report.ok, report.to_text(limit=20)


def assert_offline_synthetic_map(out: Path) -> str:
    """The map exists, loads nothing from the network and says the data are synthetic."""
    html = (out / "risk_map.html").read_text(encoding="utf-8")
    assert len(html) > 10_000
    assert find_network_references(html) == []
    assert "SYNTHETISCHE GEGEVENS" in html  # the map is Dutch by default
    return html


def published_layer(out: Path, layer: str) -> gpd.GeoDataFrame:
    """The features of a release layer that are published (read from ``release.gpkg``)."""
    frame = gpd.read_file(out / "release.gpkg", layer=layer)
    return frame[frame["status"] == "published"]


def within_circle(frame: gpd.GeoDataFrame, place: dict[str, Any]) -> gpd.GeoDataFrame:
    """The features whose centroid lies within ``place`` (``centre_rd``, ``radius_m``)."""
    x, y = place["centre_rd"]
    centres = frame.geometry.centroid
    return frame[np.hypot(centres.x - x, centres.y - y) <= place["radius_m"]]


def assert_planted_hot_spot(
    out: Path, planted: dict[str, Any], *, min_hot: int, min_control_cells: int = 3
) -> None:
    """The planted circle is a published hot spot after FDR; the control circle is quiet.

    Demands ``min_hot`` hot cells (95 % or 99 %) among the published H3 cells of the
    planted circle, and at least half of them (a no-plant run gives at most one there);
    the control circle has published cells and none of them is hot; and most hot cells of
    the whole layer lie at the plant (few false positives in the background).
    """
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["hotspot"]["correction"] == "fdr_bh"
    published = published_layer(out, "h3")
    plant = within_circle(published, planted["plant"])
    control = within_circle(published, planted["control"])
    assert len(plant) >= 5 and len(control) >= min_control_cells
    hot_in_plant = plant[plant["hotspot_bin"] > 0]
    assert len(hot_in_plant) >= min_hot, plant[["area_id", "hotspot_label"]]
    assert len(hot_in_plant) >= 0.5 * len(plant)
    assert set(hot_in_plant["hotspot_label"]) <= {"hot_95", "hot_99"}
    assert not (control["hotspot_bin"] > 0).any()
    hot = published[published["hotspot_bin"] > 0]
    assert len(hot_in_plant) >= 0.5 * len(hot)


def assert_regenerates(theme: str, example: dict[str, Any], tmp: Path) -> tuple[Any, Any]:
    """The generator writes the same units again for the same seed, as RD New points.

    Asserts that the example's units are labelled synthetic, equal a second generation, are
    in EPSG:28992 and that every located unit is a point.

    Returns
    -------
    tuple
        The units of the example's run (GeoDataFrame) and what the second call returned.
    """
    assert example["planted"]["synthetic"] is True
    first = gpd.read_parquet(example["tmp"] / "data" / "units.parquet")
    again = load_generator(theme).generate(tmp)
    second = gpd.read_parquet(tmp / "units.parquet")
    pd.testing.assert_frame_equal(pd.DataFrame(first), pd.DataFrame(second))
    assert first.crs.to_epsg() == 28992
    # address generators leave a few rows without a location, as fresh BAG records have
    assert set(first.geom_type.dropna()) == {"Point"}
    return first, again


def assert_no_pins(out: Path) -> None:
    """The integer-programming attacker (tests/ilp_attacker.py) pins nothing in ``out``."""
    from ilp_attacker import attack

    found = attack({"": (out, internal_dir_for(out) / "units.parquet")})
    assert found.findings == [], found.findings[:5]
    assert found.constraints > 0 and found.solves > 0
    # the reasons for hiding: every hidden value could have been a partner, so no reading
    # of "hidden by rule X" narrows it, and none misleads
    assert found.reason_narrowed == 0 and found.misled == 0, found
    print(
        f"attacker on {out.name}: {found.variables} atoms, {found.constraints} sums, "
        f"{found.groups} groups, {found.hidden_values} hidden values read by their reasons, "
        f"{found.smoothed_narrowed} counts narrowed by smoothed rates, "
        f"{found.magnitude_targets} magnitude targets, {found.solves} solves, "
        f"{found.seconds:.1f} s"
    )
