"""A run with `[map] pages = "gemeente"` passes its own release check, pages and all.

Every run checks its staged release with `zicht check`'s code before it lands; the overview's
links to the gemeente pages, and the pages themselves, must pass it.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from newcomer_fixtures import CONFIG, newcomer
from zicht.check import check_release
from zicht.config import load_config
from zicht.export import internal_dir_for

pytestmark = pytest.mark.slow  # one real run (~10 s)

PAGES = '\n[map]\nlayers = ["h3", "buurt", "gemeente"]\npages = "gemeente"\n'


def test_a_run_with_gemeente_pages_lands_and_passes_zicht_check(tmp_path):
    from zicht.pipeline import run

    files = newcomer(
        tmp_path, config=CONFIG.replace("permutations = 99", "permutations = 0") + PAGES
    )
    out = tmp_path / "rel"
    result = run(replace(load_config(files.config)), out)  # refuses a release its check fails
    page = (out / "gemeenten" / "GM0228.html").read_text(encoding="utf-8")
    overview = (out / "risk_map.html").read_text(encoding="utf-8")
    assert re.findall(r'href="(gemeenten/GM\d{4}\.html)"', overview) == ["gemeenten/GM0228.html"]
    assert 'href="../risk_map.html"' in page
    assert result.paths["map_GM0228"] == out / "gemeenten" / "GM0228.html"
    report = check_release(out, internal_dir_for(out) / "units.parquet")
    assert report.ok, [f"{v.check} {v.where}: {v.detail}" for v in report.violations]
    checked = [t.split(":")[0] for t in report.tried if t.split(":")[0].endswith(".html")]
    assert sorted(checked) == ["gemeenten/GM0228.html", "risk_map.html"]
