"""Reasons for hiding when the published wijken do not nest in the buurten (issue 19).

The national run publishes the 2014 buurten with the 2022 wijken *by location*: a buurt's
units may lie in several wijken, so the wijk layer is not a level of the nested family
(buurt → wijk of the buurt's code → gemeente) but a union of whole regions, and the
publisher shows a wijk's count only when every region in it is exact. A wijk holding a
region with a small (rounded) count is hidden for that reason, which names no share. The
checker used to take the layer named ``wijk`` for a nested level and fail such a wijk as
"only group disclosure could have hidden it" (``wijk:WK071605 n_industrial`` of the
national run). Here the attacker's own arithmetic shows that group disclosure cannot have
hidden it: the published regions bound its share far below the limit.

A small town of H3 cells: six buurten by direction from the centre, two wijken by location
(north and south of a line just above the centre), so buurten straddle both wijken. One address
is vacant, in a northern cell: the north wijk is hidden (its regions are not all exact),
nothing else is, and the release must pass ``zicht check`` with it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from disclosure_fixtures import EDE, METAS, hexagons
from zicht.check import check_release
from zicht.export import internal_dir_for, write_internal_files, write_release
from zicht.publish import DisclosureRules, LayerInput, UnitTable, publish_release
from zicht.publish._disclosure import preimage

AREAS = {"buurt": "buurt_code", "wijk_of_buurt": "wijk_code", "gemeente": "gemeente_code"}
EXTRA = {"wijk": "wijk_area_code"}
PER_CELL = 12


def _dissolve(hexes: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    parts = hexes.dissolve(key).reset_index()
    return gpd.GeoDataFrame(
        {"area_id": parts[key], "area_name": parts[key]},
        geometry=parts.geometry.to_numpy(),
        crs=hexes.crs,
    )


@functools.cache
def _town() -> tuple[pd.DataFrame, list[LayerInput]]:
    centre = h3i.latlng_to_cell(*EDE, 9)
    cells = np.array(sorted(h3i.grid_disk(centre, 3)), dtype=np.int64)
    lat0, lng0 = h3i.cell_to_latlng(centre)
    rows, buurt, wijk = [], {}, {}
    for c in cells:
        lat, lng = h3i.cell_to_latlng(int(c))
        sector = int(((np.degrees(np.arctan2(lat - lat0, lng - lng0)) + 360) % 360) // 60)
        buurt[int(c)] = f"BU0228000{sector}"
        # by location, not by code: north of a line just above the centre
        wijk[int(c)] = "WK022801" if lat > lat0 + 0.002 else "WK022802"
    vacant_cell = max(cells, key=lambda c: h3i.cell_to_latlng(int(c))[0])  # northernmost
    for c in cells:
        for i in range(PER_CELL):
            rows.append((int(c), buurt[int(c)], wijk[int(c)], int(c) == vacant_cell and i == 0))
    frame = pd.DataFrame(rows, columns=["h3_r9", "buurt_code", "wijk_area_code", "vacant"])
    frame["h3_r9"] = frame["h3_r9"].astype("Int64")
    frame["mismatch"] = False
    frame["wijk_code"] = "WK022800"  # the wijk the buurt code names: one for all six
    frame["gemeente_code"] = "GM0228"
    frame["unit_id"] = [f"U{i:04d}" for i in range(len(frame))]
    hexes = hexagons(cells).assign(
        buurt=[buurt[int(c)] for c in cells], wijk=[wijk[int(c)] for c in cells], gm="GM0228"
    )
    layers = [
        LayerInput("h3", hexagons(cells)),
        LayerInput("buurt", _dissolve(hexes, "buurt")),
        LayerInput("wijk", _dissolve(hexes, "wijk")),
        LayerInput("gemeente", _dissolve(hexes, "gm")),
    ]
    return frame, layers


def _table(frame: pd.DataFrame) -> UnitTable:
    return UnitTable(frame, areas=AREAS, extra=EXTRA, unit_id="unit_id")


def _release():
    frame, layers = _town()
    release = publish_release(
        layers,
        METAS,
        rules=DisclosureRules(),
        units=_table(frame),
        metadata={"run_id": "nesting", "hotspot": {"k": 1}},
    )
    return frame, release


def _check(tmp_path: Path):
    frame, release = _release()
    out = tmp_path / "release"
    write_release(release, out)
    internal = write_internal_files(release, _table(frame), internal_dir_for(out))
    return release, check_release(out, internal["units"])


def test_the_buurten_straddle_the_wijken_by_location():
    frame, _ = _town()
    spread = frame.groupby("buurt_code")["wijk_area_code"].nunique()
    assert (spread > 1).sum() >= 2  # buurten lie in both wijken, as in the national set


def test_the_north_wijk_is_the_only_hidden_value_and_its_reason_is_the_union():
    _, release = _release()
    wijk = release.layers["wijk"].set_index("area_id")
    assert (wijk["status"] == "published").all()
    assert np.isnan(wijk.loc["WK022801", "n_vacant"])
    assert wijk.loc["WK022802", "n_vacant"] == 0
    for name in ("buurt", "gemeente", "region"):
        layer = release.layers[name]
        shown = layer[layer["status"] == "published"]
        assert shown["n_vacant"].notna().all(), name
    audit = release.audit
    why = audit.loc[(audit["area_id"] == "WK022801") & (audit["indicator"] == "n_vacant")]
    assert why["reason"].str.contains("regions, not all exact").all() and len(why) == 1


def test_the_published_regions_rule_out_group_disclosure_for_the_hidden_wijk():
    """What the attacker can do with the published figures alone: the wijk's count is the
    sum of its regions' counts, each known to its rounding interval; that bounds the share
    far below the group-disclosure limit, so group disclosure cannot have hidden it."""
    frame, release = _release()
    regions = release.layers["region"].set_index("area_id")
    keys = ["h3_cell", "buurt_code", "wijk_area_code"]
    pieces = release.regions.drop_duplicates(keys).set_index(keys)["region_id"]
    north = frame[frame["wijk_area_code"] == "WK022801"]
    cells = [h3i.int_to_str(int(c)) for c in north["h3_r9"]]
    where = pd.MultiIndex.from_arrays([cells, north["buurt_code"], north["wijk_area_code"]])
    mine = pieces.reindex(where).unique()
    assert len(mine) > 1
    shown = regions.loc[mine, "n_vacant"].to_numpy(dtype=np.int64)
    _, hi = preimage(shown, release.rules.rounding_base)
    n = release.layers["wijk"].set_index("area_id").loc["WK022801", "n_units"]
    assert 100.0 * hi.sum() / n < release.rules.group_max_pct


def test_a_wijk_hidden_as_a_union_of_regions_passes_the_check(tmp_path):
    _, report = _check(tmp_path)
    found = [v for v in report.violations if v.check == "reasons for hiding"]
    assert not found, report.to_text(limit=10)
    assert report.ok, report.to_text(limit=10)


def test_the_checker_still_fails_the_wijk_when_it_were_a_nested_level(tmp_path):
    """The union reason hangs on the wijk being a layer of whole regions by location: told
    (by the manifest) that the regions' pieces do not carry its key, the checker takes it
    for a nested level again, where group disclosure applies, and fails the lone value."""
    import json

    frame, release = _release()
    out = tmp_path / "release"
    write_release(release, out)
    internal = write_internal_files(release, _table(frame), internal_dir_for(out))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "wijk_area_code" in manifest["piece_keys"]
    manifest["piece_keys"].remove("wijk_area_code")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = check_release(out, internal["units"])
    found = [v for v in report.violations if v.check == "reasons for hiding"]
    assert [v.where for v in found] == ["wijk:WK022801 n_vacant"], report.to_text(limit=10)
