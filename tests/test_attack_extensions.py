"""The integer-programming attacker's readings beyond counts (tests/ilp_reasons.py).

Each reading must catch a leak planted by switching one protection off, and find nothing
with the protection on. Unit data are SYNTHETIC (tests/disclosure_fixtures.py).
"""

from __future__ import annotations

import numpy as np

from disclosure_fixtures import make_town
from ilp_attacker import attack
from zicht.export import internal_dir_for, write_internal_files, write_release
from zicht.publish import UnitTable

TOWN = (((0, 12),), 12, (0,))  # the centre cell is a buurt of 12 units, all vacant


def _write(frame, release, folder):
    out = folder / "release"
    write_release(release, out)
    internal = write_internal_files(
        release, UnitTable(frame, unit_id="unit_id"), internal_dir_for(out)
    )
    return out, internal["units"]


def _share_certain(found) -> set[tuple[str, int]]:
    return {(f.count, f.units) for f in found.findings if f.what.startswith("share certain")}


def test_with_partners_the_reasons_for_hiding_pin_nothing(tmp_path):
    frame, release = make_town(*TOWN)
    found = attack({"": _write(frame, release, tmp_path)})
    assert found.findings == [], found.findings[:5]
    assert found.misled == 0


def test_without_partners_the_reason_for_hiding_gives_the_share_away(tmp_path, monkeypatch):
    """The planted leak: a lone value hidden by group disclosure next to 12 units."""
    import zicht.publish._units as units_path

    monkeypatch.setattr(units_path, "protect_reasons", lambda tree, state, **_: (state.copy(), []))
    frame, release = make_town.__wrapped__(*TOWN)
    buurt = release.layers["buurt"].set_index("area_id")
    assert np.isnan(buurt.loc["BU022800T0", "n_vacant"])
    bundle = _write(frame, release, tmp_path)
    found = attack({"": bundle})
    assert ("n_vacant", 12) in _share_certain(found), found.findings[:5]
    # the reading is what catches it: without it the hidden value is any of 0 … 12
    blind = attack({"": bundle}, extend=())
    assert ("n_vacant", 12) not in _share_certain(blind)


# ------------------------------------------------------------------------ smoothed rates


def _smoothed_release(tmp_path):
    from disclosure_fixtures import METAS, make_area, write_bundle
    from zicht.publish import DisclosureRules, publish_release
    from zicht.schemas import IndicatorMeta

    area = make_area(12, n_units=900, n_buurten=10, rate_vacant=0.08)
    eb = IndicatorMeta("rate_vacant_eb_global_pct", "Vacancy (smoothed)", "%", "rate")
    release = publish_release(
        area.layers(),
        [*METAS, eb],
        rules=DisclosureRules(),
        units=area.unit_table(),
        metadata={"run_id": "test", "hotspot": {"k": 1}},
    )
    assert release.layers["region"]["rate_vacant_eb_global_pct"].notna().any()
    return write_bundle(release, area, tmp_path)


def _small_pins(found, count: str) -> set[str]:
    return {f.group for f in found.findings if f.count == count and f.what == "count pinned"}


def test_smoothed_rates_of_rounded_counts_pin_nothing(tmp_path):
    found = attack({"": _smoothed_release(tmp_path)})
    assert found.findings == [], found.findings[:5]


def test_a_smoothed_rate_of_the_true_small_count_gives_it_away(tmp_path, monkeypatch):
    """The planted leak: small counts smoothed from their true figures, not the rounded ones.

    The release then shows a rounded count (5) and the rate of the rounded figures, but a
    smoothed rate that, with the prior, inverts to the true count over the exact population.
    """
    import zicht.stats as stats

    smooth = stats.eb_global_rates

    def from_truth(events, base, *, reference=None):
        return smooth(*reference) if reference is not None else smooth(events, base)

    monkeypatch.setattr(stats, "eb_global_rates", from_truth)
    bundle = _smoothed_release(tmp_path)
    found = attack({"": bundle})
    pinned = _small_pins(found, "n_vacant")
    assert pinned, found.findings[:5]
    blind = attack({"": bundle}, extend=("reasons",))
    assert not _small_pins(blind, "n_vacant") & pinned


# ---------------------------------------------------------------------------- magnitudes


def _magnitude_bundle(tmp_path):
    from test_magnitudes import _wijk_by_hand
    from zicht.publish import Magnitude, publish_magnitudes

    release, table = _wijk_by_hand()
    m = Magnitude("amount", "Amount", "sum", amount="amount", contributor="company_id")
    out = publish_magnitudes(release, table, [m])
    folder = tmp_path / "release"
    write_release(out, folder)
    internal = write_internal_files(out, table, internal_dir_for(folder))
    return folder, internal["units"]


def _within_p(found) -> set[str]:
    return {f.group for f in found.findings if f.what.startswith("largest contributor")}


def test_the_largest_contributor_is_not_bounded_within_p_percent(tmp_path):
    found = attack({"": _magnitude_bundle(tmp_path)})
    assert _within_p(found) == set(), found.findings[:5]
    assert found.solves > 0


def test_without_secondary_suppression_a_wijk_minus_its_buurten_bounds_the_largest(
    tmp_path, monkeypatch
):
    """The planted leak: the dominated buurt hidden alone, its total is the wijk minus two.

    X holds 100 of 110 in BU02280001; the wijk (400) minus the other two buurten (130, 160)
    gives 110, and the runner-up (5) bounds X to at most 105, within 5 % of 100.
    """
    import zicht.publish._magnitudes as magnitudes

    monkeypatch.setattr(magnitudes, "_secondary", lambda *args, **kwargs: [])
    found = attack({"": _magnitude_bundle(tmp_path)})
    assert "buurt:BU02280001" in _within_p(found), found.findings[:5]
    blind = attack({"": _magnitude_bundle(tmp_path / "b")}, extend=("reasons", "smoothing"))
    assert _within_p(blind) == set()
