"""Rates: raw, global and spatial empirical Bayes, against esda and by hand."""

from __future__ import annotations

import warnings

import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
from libpysal.graph import Graph

from zicht._errors import ConfigError, SchemaError
from zicht.stats import eb_global_rates, gi_star, rate_description, smooth_rates


@pytest.fixture(scope="module")
def stl() -> tuple[pd.Series, pd.Series, Graph, libpysal.weights.W]:
    frame = pd.read_csv(libpysal.examples.get_path("stl_hom.csv"))
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    graph = Graph.from_W(w)
    events = pd.Series(frame["HC8893"].to_numpy(), index=graph.unique_ids, name="homicides")
    base = pd.Series(frame["PO8893"].to_numpy(), index=graph.unique_ids, name="population")
    return events, base, graph, w


def test_raw_rate_by_hand() -> None:
    events = pd.Series([0, 1, 30, 2], index=list("abcd"))
    base = pd.Series([5, 10, 300, 40], index=list("abcd"))
    rate = smooth_rates(events, base, method="raw", per=1000)
    assert rate.tolist() == pytest.approx([0.0, 100.0, 100.0, 50.0])
    assert rate.name == "rate_raw"
    assert rate_description(rate) == {
        "method": "raw",
        "per": 1000.0,
        "description": "raw rate (events / base)",
    }


def test_global_eb_by_hand() -> None:
    """m = sum e / sum b; v = sum b (r - m)^2 / sum b - m / mean(b); r* = m + w (r - m)."""
    e = np.array([0.0, 9, 30, 2])
    b = np.array([5.0, 10, 300, 40])
    m = e.sum() / b.sum()
    r = e / b
    v = (b * (r - m) ** 2).sum() / b.sum() - m / b.mean()
    assert v > 0
    expected = m + v / (v + m / b) * (r - m)
    ours = smooth_rates(pd.Series(e), pd.Series(b), method="eb_global")
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    # small bases shrink more: unit a (5 addresses) moves further towards m than c (300)
    assert abs(ours[0] - r[0]) / abs(m - r[0]) > abs(ours[2] - r[2]) / abs(m - r[2])


def test_global_eb_on_arrays_is_the_estimator_of_smooth_rates() -> None:
    events = np.array([0, 1, 30, 2, 7])
    base = np.array([5, 10, 300, 40, 20])
    series = smooth_rates(pd.Series(events), pd.Series(base), method="eb_global")
    np.testing.assert_array_equal(eb_global_rates(events, base), series.to_numpy())
    # a base of 0 has no rate, and is left out of the moments
    with_empty = eb_global_rates(np.r_[events, 0], np.r_[base, 0])
    np.testing.assert_array_equal(with_empty[:-1], series.to_numpy())
    assert np.isnan(with_empty[-1])
    # the reference moments: rounded figures shrink towards the exact ones' overall rate
    rounded = eb_global_rates(
        np.array([0, 0, 30]), np.array([5, 10, 300]), reference=(events, base)
    )
    assert rounded[2] == pytest.approx(series.iloc[2], rel=0.05)
    assert rounded[0] > 0


def test_global_eb_matches_esda(stl) -> None:
    events, base, _, _ = stl
    ours = smooth_rates(events, base, method="eb_global")
    ref = Empirical_Bayes(events.to_numpy(), base.to_numpy()).r.ravel()
    np.testing.assert_allclose(ours.to_numpy(), ref, rtol=1e-12)


def test_spatial_eb_matches_esda(stl) -> None:
    events, base, graph, w = stl
    ours = smooth_rates(events, base, method="eb_spatial", graph=graph)
    w.transform = "b"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Spatial_Empirical_Bayes(events.to_numpy(), base.to_numpy(), w).r.ravel()
    np.testing.assert_allclose(ours.to_numpy(), ref, rtol=1e-12)
    # realigned by id when events come in another order
    shuffled = smooth_rates(events.iloc[::-1], base.iloc[::-1], method="eb_spatial", graph=graph)
    pd.testing.assert_series_equal(shuffled.sort_index(), ours.sort_index())


def test_global_eb_clips_a_negative_variance_where_esda_does_not() -> None:
    # rates vary less than Poisson noise would make them: v < 0
    e = pd.Series([10.0, 11, 9, 10])
    b = pd.Series([100.0, 100, 100, 100])
    ours = smooth_rates(e, b, method="eb_global")
    np.testing.assert_allclose(ours, 0.1)  # fully shrunk to the mean rate
    ref = Empirical_Bayes(e.to_numpy(), b.to_numpy()).r.ravel()
    moved = np.abs((e / b - 0.1).to_numpy()) > 0
    weight = (ref[moved] - 0.1) / (e / b - 0.1).to_numpy()[moved]
    assert (weight < 0).all()  # esda: a negative credibility weight


def test_tested_rate_is_recorded_by_gi_star(stl) -> None:
    events, base, graph, _ = stl
    rate = smooth_rates(events, base, method="eb_spatial", graph=graph, per=100_000)
    result = gi_star(rate, graph, permutations=0)
    assert result.settings["variable"] == "rate_eb_spatial"
    assert result.settings["rate"]["method"] == "eb_spatial"
    assert result.settings["rate"]["per"] == 100_000.0


def test_bad_input() -> None:
    e = pd.Series([1.0, 2.0], index=["a", "b"])
    with pytest.raises(SchemaError, match="base of 0"):
        smooth_rates(e, pd.Series([0.0, 2.0], index=["a", "b"]), method="raw")
    with pytest.raises(SchemaError, match="negative"):
        smooth_rates(-e, pd.Series([1.0, 2.0], index=["a", "b"]), method="raw")
    with pytest.raises(SchemaError, match="different units"):
        smooth_rates(e, pd.Series([1.0, 2.0], index=["a", "c"]), method="raw")
    with pytest.raises(ConfigError, match="needs a graph"):
        smooth_rates(e, e, method="eb_spatial")
    with pytest.raises(ConfigError, match="method"):
        smooth_rates(e, e, method="bayes")
