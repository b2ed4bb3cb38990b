"""The unit-level internal file's columns, made without Python strings per unit (issue 19).

``write_internal_files`` finds each unit's region by a hash join on the piece keys and keeps
text columns as text; these tests hold each helper to the pandas expression it replaced
(a MultiIndex reindex, ``astype(str).fillna().to_numpy()``, a dict ``map``), on keys with
units in no region, missing keys in the regions table and duplicate pieces.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from zicht.export._bundle import _hex_cells, _region_ids, _text_column


def _old_region_ids(regions: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    piece_keys = [c for c in regions.columns if c != "region_id"]
    lookup = regions.set_index(piece_keys)["region_id"]
    index = pd.MultiIndex.from_frame(table[piece_keys])
    return pd.DataFrame({"r": lookup.reindex(index).fillna("").to_numpy()})["r"]


def _case(seed: int, n_regions: int = 300, n_units: int = 5000):
    rng = np.random.default_rng(seed)
    pool = {
        "h3_cell": [f"89{i:05x}" for i in range(40)],
        "buurt": [f"BU{i:04d}" for i in range(12)],
        "wijk": [f"WK{i:02d}" for i in range(5)] + [""],
    }
    regions = pd.DataFrame(
        {"region_id": [f"R{i}" for i in range(n_regions)]}
        | {k: rng.choice(v, n_regions) for k, v in pool.items()}
    )
    regions = regions.drop_duplicates(subset=list(pool)).reset_index(drop=True)
    table = pd.DataFrame({k: rng.choice(v, n_units) for k, v in pool.items()})
    return regions, table


def _fast_region_ids(regions, table, monkeypatch):
    """``_region_ids`` that must not fall back on the MultiIndex (the join is what is tested)."""
    with monkeypatch.context() as patch:
        patch.setattr(pd.MultiIndex, "from_frame", None)
        return pd.DataFrame({"r": _region_ids(regions, table)})["r"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_region_ids_match_the_multiindex_reindex(seed, monkeypatch):
    regions, table = _case(seed)
    got = _fast_region_ids(regions, table, monkeypatch)
    want = _old_region_ids(regions, table)
    assert (got == "").any() and (got != "").any()  # units in no region and in one
    pd.testing.assert_series_equal(got, want)


def test_region_ids_with_missing_keys_in_the_regions_table(monkeypatch):
    regions, table = _case(3)
    regions.loc[::7, "wijk"] = np.nan  # a piece without a wijk matches no unit
    regions = regions.drop_duplicates(subset=["h3_cell", "buurt", "wijk"])
    got = _fast_region_ids(regions, table, monkeypatch)
    pd.testing.assert_series_equal(got, _old_region_ids(regions, table))


def test_region_ids_refuse_duplicate_pieces_as_the_reindex_did():
    regions, table = _case(4)
    doubled = pd.concat([regions, regions.iloc[:3]], ignore_index=True)
    with pytest.raises(ValueError) as old:
        _old_region_ids(doubled, table)
    with pytest.raises(ValueError) as new:
        _region_ids(doubled, table)
    assert str(new.value) == str(old.value)


def test_region_ids_of_no_units(monkeypatch):
    regions, table = _case(5)
    assert len(_fast_region_ids(regions, table.iloc[:0], monkeypatch)) == 0


def test_text_column_is_the_column_the_object_array_made():
    values = pd.Series(["a", None, "c", "nan"], index=[10, 3, 7, 1], dtype="str")
    for fill in (None, ""):
        text = values.astype(str)
        text = text if fill is None else text.fillna(fill)
        want = pd.DataFrame(index=range(4))
        want["c"] = text.to_numpy()
        got = pd.DataFrame(index=range(4))
        got["c"] = _text_column(values, fill=fill)
        pd.testing.assert_frame_equal(got, want)
    numbers = pd.Series([1, 2, 3])  # not text: converted as before
    got = pd.DataFrame(index=range(3))
    got["c"] = _text_column(numbers, fill="")
    assert got["c"].tolist() == ["1", "2", "3"]


def test_hex_cells_match_the_dict_map():
    cells = [h3i.latlng_to_cell(52.0 + i / 100, 5.0, 9) for i in range(20)]
    series = pd.Series(np.random.default_rng(0).choice(cells, 500), index=range(1000, 1500))
    series = series.astype("Int64")
    ints = pd.to_numeric(series).astype("int64")
    want = pd.DataFrame(index=range(500))
    want["h"] = ints.map({c: h3i.int_to_str(int(c)) for c in ints.unique()}).to_numpy()
    got = pd.DataFrame(index=range(500))
    got["h"] = _hex_cells(series)
    pd.testing.assert_frame_equal(got, want)
