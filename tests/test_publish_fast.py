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
