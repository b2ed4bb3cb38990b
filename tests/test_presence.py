"""No presence disclosure (issue 20 item 5): a person run's H3 layer lists every cell.

The reviewer read 545 merged cells of the youth example as "at least one young person lives
here", as the layer listed exactly the occupied cells. Now it lists every cell that covers
the buurten with units, and an empty cell looks exactly like an occupied cell that is merged.
"""

from __future__ import annotations

import pandas as pd
import pytest

from example_support import assert_check_passes, run_example
from zicht.export import internal_dir_for
from zicht.publish import cover_areas_with_cells


@pytest.mark.slow
def test_the_h3_layer_of_a_person_run_does_not_say_which_cells_are_occupied(tmp_path):
    example = run_example("youth", tmp_path)
    assert example["config"].inputs.units.level == "person"
    out = example["out"]
    h3 = example["layers"]["h3"].set_index("area_id")
    units = pd.read_parquet(internal_dir_for(out) / "units.parquet")
    occupied = set(units["h3_cell"].astype(str))
    buurten = example["result"].release.context["buurt"]
    buurten = buurten[buurten["area_id"].isin(units["buurt_code"].astype(str))]
    cover = cover_areas_with_cells(buurten.set_index("area_id").geometry, 9)
    grid = {format(int(c) & (2**64 - 1), "x") for c in cover["cell"]}
    assert grid <= set(h3.index), "a cell of the study area is missing from the layer"
    empty = h3.loc[sorted(set(h3.index) - occupied)]
    held = h3.loc[sorted(occupied & set(h3.index))]
    assert len(empty) > 100, len(empty)  # the cells the reviewer could tell apart before
    # What a reader sees of a cell without a value is the same whether it holds units or not.
    shown = [c for c in h3.columns if c not in ("region_id",)]
    quiet = held[held["status"] != "published"]
    assert set(empty["status"]) <= set(quiet["status"])
    as_rows = lambda f: {tuple(map(str, r)) for r in f[shown].itertuples(index=False)}  # noqa: E731
    assert as_rows(empty) <= as_rows(quiet), as_rows(empty) - as_rows(quiet)
    # region_pieces.csv, which says which cells make up each region, lists the empty too.
    pieces = pd.read_csv(out / "region_pieces.csv", dtype=str)
    assert set(empty.index) <= set(pieces["h3_cell"])
    assert_check_passes(out)
