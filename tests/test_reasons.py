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
