"""Publication's array paths give what its first, one-area-at-a-time code gave (issue 19)."""

from __future__ import annotations

from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from zicht.ingest import read_boundaries
from zicht.publish import cover_areas_with_cells

CBS = Path(__file__).resolve().parents[1] / "geodata" / "cbs"


def _cover_one_by_one(areas, resolution):
    """The first cover: h3's polygon fill (contain="overlap"), one area at a time."""
    wgs = areas.to_crs(4326)
    rows = []
    for code, geom in zip(wgs.index, wgs.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        shape = h3i.geo_to_h3shape(geom.__geo_interface__)
        found = h3i.h3shape_to_cells_experimental(shape, resolution, contain="overlap")
        rows += [(int(np.uint64(c).astype(np.int64)), code) for c in found]
    return set(rows)


def test_the_cover_of_every_area_at_once_equals_h3_area_by_area():
    """Wijken of three provinces' worth of shapes: islands, coast, holes (2014 layer)."""
    wijken, _ = read_boundaries(
        CBS / "Wijk_2014_layer_q1e3.json",
        level="wijk",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    areas = wijken.set_index("code").geometry.iloc[::16]  # every sixteenth wijk of the country
    for resolution in (8, 9):
        got = cover_areas_with_cells(areas, resolution)
        assert not got.duplicated().any()
        pairs = set(zip(got["cell"].astype("int64"), got["code"], strict=True))
        assert pairs == _cover_one_by_one(areas, resolution)
        assert pd.api.types.is_string_dtype(got["code"])


def test_the_h3_members_from_cell_codes_equal_the_members_from_text():
    """The H3 layer's (cell, region) table, counted on codes, equals the one from hex ids."""
    from types import SimpleNamespace

    from zicht.publish._layers import _cell_members, _members

    rng = np.random.default_rng(5)
    base = h3i.latlng_to_cell(52.04, 5.66, 9)
    cells = np.array(sorted(h3i.grid_disk(base, 4)), dtype=np.int64)
    unit_cells = rng.choice(cells, 5_000)
    regions = np.array([f"R{i:03d}" for i in rng.integers(0, 40, 5_000)], dtype=object)
    regions[rng.random(5_000) < 0.01] = None  # a unit without a region is left out by both
    order = [f"R{i:03d}" for i in range(40)]
    index = SimpleNamespace(region_nodes=lambda r: pd.Index(order).get_indexer(pd.Index(r)))
    tree = SimpleNamespace(published=rng.random(40) < 0.7)
    whole = rng.random(40) < 0.5
    codes, uniq = pd.factorize(unit_cells)
    hexes = np.array([h3i.int_to_str(int(c)) for c in uniq], dtype=object)
    got = _cell_members(codes, hexes, regions, index, tree, whole)
    want = _members(hexes[codes], regions, index, tree, whole)
    pd.testing.assert_frame_equal(got, want)


def _true_figures_by_text(ctx):
    """The first true figures: every unit's cell named by its hex id, then grouped."""
    table = ctx.table
    keys = {"region": table["region_id"].astype("str")}
    hex_of = {c: h3i.int_to_str(int(c)) for c in pd.unique(table["cell"])}
    keys["h3"] = table["cell"].map(hex_of).astype("str")
    for name, col in {**ctx.units.areas, **ctx.units.extra}.items():
        if name in ctx.layers and col in table:
            keys[name] = table[col].astype("str")
    values = pd.DataFrame({"n_units": np.ones(len(table), dtype=np.int64)}, index=table.index)
    for count, base in ctx.bases.items():
        values[count] = pd.to_numeric(table[ctx.numerators[count]]).to_numpy()
        if base != "n_units":
            values[f"{count}__base"] = pd.to_numeric(table[ctx.numerators[base]]).to_numpy()
    return {name: values.groupby(key.to_numpy()).sum() for name, key in keys.items()}


def test_the_true_figures_per_cell_code_equal_those_per_hex_id():
    from types import SimpleNamespace

    from zicht.publish._loss import true_figures

    rng = np.random.default_rng(9)
    cells = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(52.0, 5.1, 9), 5)), dtype=np.int64)
    n = 3_000
    table = pd.DataFrame(
        {
            "cell": rng.choice(cells, n),
            "region_id": [f"R{i}" for i in rng.integers(0, 30, n)],
            "buurt_code": [f"BU{i:04d}" for i in rng.integers(0, 12, n)],
            "vacant": rng.integers(0, 2, n),
            "owner": rng.integers(0, 2, n),
        }
    )
    ctx = SimpleNamespace(
        table=table,
        layers={"h3": None, "buurt": None},
        units=SimpleNamespace(areas={"buurt": "buurt_code", "wijk": "wijk_code"}, extra={}),
        bases={"n_vacant": "n_units", "n_owner": "n_vacant"},
        numerators={"n_vacant": "vacant", "n_owner": "owner"},
    )
    got, want = true_figures(ctx), _true_figures_by_text(ctx)
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name])
