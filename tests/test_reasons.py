"""Hiding that names nothing (issue 17.3): the reason a value is hidden must not give it away.

A buurt of 12 addresses, all vacant: group disclosure hides its vacancy count. Alone, that
hidden value next to a published population says "(almost) all of them are vacant". The
publisher gives it a hidden partner; ``zicht check`` fails a release without one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from disclosure_fixtures import make_town
from zicht.check import check_release
from zicht.export import internal_dir_for, write_internal_files, write_release
from zicht.publish import UnitTable
from zicht.publish._reasons import PARTNER_REASON

TOWN = (((0, 12),), 12, (0,))  # the centre cell is a buurt of 12 units, all vacant


def _check(frame, release, folder: Path):
    out = folder / "release"
    write_release(release, out)
    internal = write_internal_files(
        release, UnitTable(frame, unit_id="unit_id"), internal_dir_for(out)
    )
    return check_release(out, internal["units"])


def _reasons(report):
    return [v for v in report.violations if v.check == "reasons for hiding"]


def test_a_value_hidden_by_group_disclosure_gets_a_hidden_partner(tmp_path):
    frame, release = make_town(*TOWN)
    assert frame.loc[frame["buurt_code"] == "BU022800T0", "vacant"].all()
    buurt = release.layers["buurt"].set_index("area_id")
    own = buurt.loc["BU022800T0"]
    assert own["status"] == "published" and own["n_units"] == 10 and np.isnan(own["n_vacant"])
    hidden = buurt[(buurt["status"] == "published") & buurt["n_vacant"].isna()]
    assert len(hidden) == 2  # the buurt and its partner, the smallest of the big buurten
    partner = hidden.index.drop("BU022800T0")[0]
    audit = release.audit
    assert PARTNER_REASON in set(audit.loc[audit["area_id"] == partner, "reason"])
    report = _check(frame, release, tmp_path)
    assert report.ok, report.to_text(limit=20)
    assert any(t.startswith("reasons for hiding") for t in report.tried)


def test_the_checker_fails_a_lone_value_hidden_by_group_disclosure(monkeypatch, tmp_path):
    import zicht.publish._units as units_path

    monkeypatch.setattr(units_path, "protect_reasons", lambda tree, state, **_: (state.copy(), []))
    frame, release = make_town.__wrapped__(*TOWN)
    report = _check(frame, release, tmp_path)
    found = _reasons(report)
    assert found, report.to_text(limit=20)
    assert all("n_vacant" in v.where for v in found)
    assert any("BU022800T0" in v.where or "region:" in v.where for v in found)
    assert "only group disclosure could have hidden it" in found[0].detail


def test_the_partner_costs_one_value_of_the_smallest_feature():
    _, release = make_town(*TOWN)
    buurt = release.layers["buurt"].set_index("area_id")
    big = buurt.drop(index="BU022800T0")
    hidden = big[big["n_vacant"].isna()]
    assert len(hidden) == 1
    assert hidden["n_units"].iloc[0] == big["n_units"].min()
    assert big["n_mismatch"].notna().all()  # only the vacancy count needed a partner


def test_a_region_hidden_under_a_buurt_that_shows_its_value_is_no_partner(tmp_path):
    """Found by tests/test_disclosure_properties.py: a region hidden as secondary protection
    while its buurt of the same units shows the value rounded was taken for the partner of
    another hidden value; to an attacker that value is shown, so the other stood alone."""
    from disclosure_fixtures import make_area, publish_area, write_bundle
    from zicht.publish import DisclosureRules, RegionOptions

    area = make_area(seed=7976, n_units=219, n_buurten=4, rate_vacant=0.5, clustered=False)
    rules = DisclosureRules(min_units=16, rounding_base=3, group_max_pct=80.0, purpose="internal")
    release = publish_area(area, rules, regions=RegionOptions(method="parent"))
    report = check_release(*write_bundle(release, area, tmp_path), allow_internal=True)
    assert report.ok, report.to_text(limit=10)
    assert PARTNER_REASON in set(release.audit["reason"])


def _gemeente_tree():
    """Regions r0..r4, buurten B0..B3, wijken W0..W2 and one gemeente G, all published.

    ``r0`` (20) and ``r1`` (15) make B0, ``r2`` (300) is B1, both in W0; ``r3`` (12) is
    the tiny B2, which is the wijk W1 on its own; ``r4`` (200) is B3, the wijk W2. Only the
    gemeente is exact. Node numbers: regions 0–4, buurten 5–8, wijken 9–11, G 12.
    """
    from zicht.publish._disclosure import Tree

    n = np.array([20, 15, 300, 12, 200, 35, 300, 12, 200, 335, 12, 200, 547])
    buurt = [5, 5, 6, 7, 8]
    wijk_of = {5: 9, 6: 9, 7: 10, 8: 11}
    anc = np.full((13, 3), -1)
    for r, b in enumerate(buurt):
        anc[r] = (b, wijk_of[b], 12)
    for b, w in wijk_of.items():
        anc[b, 1:] = (w, 12)
    anc[9:12, 2] = 12
    level = np.array([-1] * 5 + [0] * 4 + [1] * 3 + [2])
    exact = level == 2
    return Tree(5, anc, level, n, np.ones(13, dtype=bool), exact, 5, np.zeros(13, dtype=bool))


def test_a_lone_tiny_buurt_in_a_gemeente_is_partnered_by_a_region_not_a_passing_buurt():
    """Issue 17.2: the tiny buurt B2 (its own wijk W1) hidden alone took the smallest wijk
    of its gemeente for a partner, W2, and with it the passing buurt B3 of the same units.
    A region of the two-region buurt B0 lies in the same gemeente and costs no area."""
    from zicht.publish._disclosure import EXACT, HIDDEN
    from zicht.publish._reasons import protect_reasons

    tree = _gemeente_tree()
    state = np.full(13, EXACT, dtype=np.int8)
    state[[3, 7, 10]] = HIDDEN  # B2 = W1 = r3, hidden by group disclosure
    final, actions = protect_reasons(tree, state)
    assert [a[0] for a in actions] == [1]  # r1, the smaller region of B0
    assert (final[[4, 8, 11]] == EXACT).all()  # B3 = W2 = r4 keep their value


def test_a_hidden_buurt_in_another_wijk_of_the_gemeente_is_a_partner():
    """Both lie in the published gemeente, so each partners the other (as ``zicht check``
    reads it): nothing more is hidden, where only a sibling under the same lowest container
    used to count and a passing buurt was hidden besides."""
    from zicht.publish._disclosure import EXACT, HIDDEN
    from zicht.publish._reasons import protect_reasons

    tree = _gemeente_tree()
    state = np.full(13, EXACT, dtype=np.int8)
    state[[3, 7, 10]] = HIDDEN
    state[5] = HIDDEN  # B0, under the wijk W0
    final, actions = protect_reasons(tree, state)
    assert actions == []
    assert np.array_equal(final, state)
