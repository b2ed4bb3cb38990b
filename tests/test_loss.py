"""Information loss: what disclosure control cost, measured against the unprotected figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disclosure_fixtures import make_area, publish_area, write_bundle
from zicht._strings import text as say
from zicht.export import disclosure_report
from zicht.publish._loss import LOSS_MIN_FEATURES, REASONS, _hellinger, withheld_reason


@pytest.fixture(scope="module")
def toy():
    area = make_area(3, n_units=1500, rings=5)
    return area, publish_area(area)


def _truth(area, layer: str) -> pd.DataFrame:
    """The unprotected figures of a layer, recounted here from the units."""
    import h3.api.basic_int as h3i

    units = pd.DataFrame(area.units.drop(columns="geometry"))
    if layer == "h3":
        key = units["h3_r9"].map(lambda c: h3i.int_to_str(int(c)))
    else:
        key = units[f"{layer}_code"]
    return units.assign(n=1).groupby(key.to_numpy())[["n", "vacant", "mismatch"]].sum()


def test_every_feature_without_a_value_is_withheld_with_a_reason(toy):
    area, release = toy
    loss = release.disclosure["loss"]
    for name, frame in release.layers.items():
        if name == "region":
            continue
        truth = _truth(area, name)
        occupied = frame["area_id"].isin(truth.index[truth["n"] > 0])
        for column in ("n_vacant", "rate_vacant_pct", "n_mismatch"):
            c = loss["layers"][name]["columns"][column]
            shown = occupied & frame[column].notna()
            assert c["features"] == int(occupied.sum()), (name, column)
            assert c["with_value"] == int(shown.sum()), (name, column)
            assert c["with_value"] + sum(c["withheld"].values()) == c["features"]
            # published features without a value are withheld too, not only merged ones
            blank = int((occupied & ~shown & (frame["status"] == "published")).sum())
            merged_or_not = c["withheld"].get("merged", 0) + c["withheld"].get("suppressed", 0)
            assert sum(c["withheld"].values()) - merged_or_not == blank, (name, column)
            assert "other" not in c["withheld"], (name, column, c["withheld"])


def test_published_cells_without_values_are_audited_with_their_reason(toy):
    _, release = toy
    h3 = release.layers["h3"]
    blank = h3[(h3["status"] == "published") & h3["n_vacant"].isna()]
    audit = release.audit
    rows = audit[(audit["layer"] == "h3") & (audit["indicator"] == "n_vacant")]
    assert set(blank["area_id"]) == set(rows["area_id"])
    assert rows["reason"].str.len().gt(0).all()


def test_deviations_and_shares_match_a_recount(toy):
    area, release = toy
    loss = release.disclosure["loss"]["layers"]["h3"]
    frame = release.layers["h3"]
    truth = _truth(area, "h3").reindex(frame["area_id"]).fillna(0)
    shown = frame["n_vacant"].notna().to_numpy() & (truth["n"].to_numpy() > 0)
    error = np.abs(frame["n_vacant"].to_numpy(float)[shown] - truth["vacant"].to_numpy()[shown])
    c = loss["columns"]["n_vacant"]
    if c["mean_abs_dev"] is not None:
        assert c["mean_abs_dev"] == pytest.approx(error.mean(), abs=0.051)
    published = (frame["status"] == "published").to_numpy()
    share = 100 * truth["n"].to_numpy()[published].sum() / truth["n"].sum()
    if loss["units"] is not None:
        assert loss["units"] == round(share)
    assert 0 < shown.sum() < len(frame)


def test_no_figure_rests_on_few_features_or_a_small_share(toy):
    area, release = toy
    loss = release.disclosure["loss"]
    for name, layer in loss["layers"].items():
        for column, c in layer["columns"].items():
            if c["with_value"] < LOSS_MIN_FEATURES:
                assert c["mean_rel_dev_pct"] is None, (name, column)
                assert c.get("mean_abs_dev", c.get("mean_abs_dev_points")) is None
                assert c.get("hellinger") is None
    # a share in whole per cent moves by 1 % of the units: at least the threshold
    small = make_area(3, n_units=900, rings=5)
    assert len(small.units) < 1000 <= len(area.units)
    small_loss = publish_area(small).disclosure["loss"]["layers"]
    assert all(x["units"] is None for x in small_loss.values())
    assert loss["layers"]["buurt"]["units"] is None  # fewer than 10 buurten
    assert loss["layers"]["h3"]["units"] is not None


def test_hellinger_distance_is_zero_for_equal_maps_and_one_for_disjoint_ones():
    same = np.arange(1, 13, dtype=float)
    assert _hellinger(same, same) == 0.0
    assert _hellinger(same, 3 * same) == 0.0  # only the distribution counts
    left = np.r_[np.ones(6), np.zeros(6)]
    assert _hellinger(left, 1 - left) == 1.0
    assert _hellinger(same[:5], same[:5]) is None  # too few features to report


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("group disclosure (share beyond 90 %)", "group disclosure"),
        ("fewer than 3 companies", "company rules"),
        ("dominance (2 largest above 85 %)", "company rules"),
        ("count below 10 (suppressed)", "small count"),
        ("secondary: hidden to protect a sibling", "secondary"),
        ("2 regions, not all exact (a sum of rounded values …)", "union of regions not exact"),
    ],
)
def test_audit_reasons_are_classified(reason, kind):
    assert withheld_reason(reason) == kind


def test_the_disclosure_report_shows_the_loss(toy, tmp_path):
    area, release = toy
    out, _ = write_bundle(release, area, tmp_path)
    text = (out / "disclosure_report.md").read_text(encoding="utf-8")
    section = text[text.index(f"## {say('disclosure', 'h_loss')}") :]
    c = release.disclosure["loss"]["layers"]["buurt"]["columns"]["n_vacant"]
    assert f"| buurt | n_vacant | {c['features']} | {c['with_value']} |" in section
    english = disclosure_report(release, "en")
    assert english.startswith("# Disclosure report") and "## Information loss" in english
    assert say("disclosure", "h_loss") not in english
    for reason in REASONS:  # every reason is said in both languages
        assert say("disclosure", f"reason_{reason}") and say("disclosure", f"reason_{reason}", "en")
