"""A hot-spot class goes only beside a published value of the indicator it tested.

The issue-15 reviewer found a cold spot on the demo map beside "geen waarde": the cell was
published (its units band shows), but its rate was withheld (the union of regions around
it is not exact, so the rate could be differenced out), while its Gi* class stayed. A class
says what the hidden value is like; the release now withholds it with the value, and
``zicht check`` refuses a release that carries one.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from zicht.check import check_release

pytestmark = pytest.mark.slow  # the session's demo run


def _tested(release_dir) -> str:
    import json

    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    return manifest["metadata"]["hotspot"]["indicator"]


def test_no_published_cell_has_a_class_without_its_tested_value(demo_release):
    folder, _ = demo_release
    tested = _tested(folder)
    h3 = pd.read_csv(folder / "h3.csv", dtype={"area_id": str})
    published = h3[h3["status"] == "published"]
    hidden = published[tested].isna()
    assert hidden.sum() > 0  # the demo has such cells: the check below can fail
    assert set(published.loc[hidden, "hotspot_label"]) == {"not publishable"}
    assert published.loc[hidden, ["hotspot_z", "hotspot_p", "hotspot_q"]].isna().all().all()
    # the other published cells keep their class
    shown = published.loc[~hidden, "hotspot_label"]
    assert "not publishable" not in set(shown) and shown.str.startswith("hot_").any()


def test_check_refuses_a_class_beside_a_withheld_value(demo_release, tmp_path):
    folder, _ = demo_release
    tested = _tested(folder)
    copy = tmp_path / "v1"
    shutil.copytree(folder, copy)
    shutil.copytree(folder.parent / "v1_internal", tmp_path / "v1_internal")
    path = copy / "h3.csv"
    h3 = pd.read_csv(path, dtype=str, keep_default_na=False)
    at = h3.index[(h3["status"] == "published") & (h3[tested] == "")][0]
    h3.loc[at, "hotspot_label"] = "cold_95"  # as the release of before had it
    h3.to_csv(path, index=False)
    report = check_release(copy, tmp_path / "v1_internal" / "units.parquet")
    found = [v.detail for v in report.violations if "hot-spot class while" in v.detail]
    assert found == [f"1 features carry a hot-spot class while {tested!r} is withheld"]
