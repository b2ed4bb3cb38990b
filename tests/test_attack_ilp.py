"""The integer-programming attacker (tests/ilp_attacker.py) on small releases.

It must find what a leaky release gives away (so a clean result means something), find
nothing on releases under the publication rules, and pin the one unit by which two
consecutive releases differ, which the release history then refuses. The shipped examples
and the demo are attacked in their own test files (``test_an_integer_programming_attacker
_pins_nothing``). Unit data are SYNTHETIC (tests/disclosure_fixtures.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from disclosure_fixtures import Area, make_area, publish_area, write_bundle
from ilp_attacker import attack
from zicht.check import ReleaseHistory, ReleaseRefusedError, check_release
from zicht.publish import DisclosureRules

SECRET = "an-ilp-test-secret-0123456789"


def test_the_attacker_finds_the_count_a_leaky_release_gives_away(tmp_path):
    """Rounding off and small counts suppressed: gemeente minus the shown wijken pins 7."""
    area = make_area(12, n_units=900, n_buurten=10, rate_vacant=0.3)
    rules = DisclosureRules(rounding_base=1, small_count="suppress", purpose="internal")
    out, units = write_bundle(publish_area(area, rules), area, tmp_path)
    found = attack({"": (out, units)})
    pinned = {(f.group, f.count, f.units, f.value) for f in found.findings}
    assert ("gemeente:GM0228 minus wijk", "n_mismatch", 259, 7) in pinned
    # the independent checker finds the same difference
    report = check_release(out, units, allow_internal=True)
    assert any("n_mismatch = 7 on 259 units" in v.detail for v in report.violations)


@pytest.mark.parametrize("seed", [11, 12, 13])
@pytest.mark.parametrize("method", ["round", "cell_key"])
def test_nothing_is_pinned_under_the_publication_rules(seed, method, tmp_path, monkeypatch):
    monkeypatch.setenv("ZICHT_CELL_KEY_SECRET", SECRET)
    area = make_area(seed, n_units=900, n_buurten=10, rate_vacant=0.3)
    out, units = write_bundle(publish_area(area, DisclosureRules(method=method)), area, tmp_path)
    found = attack({"": (out, units)})
    assert found.findings == [], found.findings[:5]
    assert found.constraints > 0 and found.candidates > 0 and found.solves > 0


@pytest.mark.slow
@pytest.mark.parametrize("method", ["round", "cell_key"])
def test_two_releases_one_unit_apart_isolate_it_and_the_history_refuses_it(
    method, tmp_path, monkeypatch
):
    """The second release lacks one vacant unit; attacked together, the unit stands out."""
    monkeypatch.setenv("ZICHT_CELL_KEY_SECRET", SECRET)
    area = make_area(11, n_units=700)
    gone = area.units.index[area.units["vacant"]][0]
    later = Area(
        units=area.units.drop(index=gone).reset_index(drop=True),
        buurten=area.buurten,
        wijken=area.wijken,
        gemeenten=area.gemeenten,
    )
    rules = DisclosureRules(method=method)
    first = write_bundle(publish_area(area, rules), area, tmp_path / "2023")
    second = write_bundle(publish_area(later, rules), later, tmp_path / "2024")
    # each release on its own pins nothing
    assert attack({"": first}).findings == [] and attack({"": second}).findings == []
    found = attack({"r1:": first, "r2:": second})
    one = {(f.count, f.what) for f in found.findings if f.units == 1 and f.value == 1}
    assert ("n_units", "population pinned") in one  # the unit that left is isolated
    if method == "cell_key":
        # another unit set, another noise: its vacancy is not pinned in this pair (it can
        # be, when the two noises lie 2D apart); its existence is, as the population shows
        assert not any(c == "n_vacant" for c, _ in one)
        # and every feature that kept its units kept its figures: averaging gains nothing
        moved = area.units.loc[gone, "buurt_code"]
        a, b = (pd.read_csv(f[0] / "buurt.csv", index_col="area_id") for f in (first, second))
        same = a.index[(a.index != moved) & (a["status"] == "published")]
        cols = ["n_units", "n_vacant", "n_mismatch"]
        pd.testing.assert_frame_equal(a.loc[same, cols], b.loc[same, cols])
        assert (a.loc[moved, cols] != b.loc[moved, cols]).any()
        return
    # exact rates in both years give its vacancy away, and the history refuses the pair
    # (its check of one pair takes ~20 s, so it runs for rounding only)
    assert ("n_vacant", "count pinned") in one
    history = ReleaseHistory(tmp_path / "history")
    history.register(*first, key="2023")
    with pytest.raises(ReleaseRefusedError):
        history.register(*second, key="2024")
