"""The composite index: normalisation, weights, aggregation and Monte Carlo rank intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zicht import ConfigError
from zicht.indicators import Component, CompositeSpec, UncertaintySpec, composite_index
from zicht.indicators._composite import (
    COMPOSITE_COLUMNS,
    aggregate,
    composite_columns,
    normalise,
)

FAST = UncertaintySpec(draws=200, seed=7)


def _spec(*components: Component, **kwargs) -> CompositeSpec:
    return CompositeSpec(
        components=components, uncertainty=kwargs.pop("uncertainty", FAST), **kwargs
    )


def test_normalisations_by_hand():
    x = np.array([[1.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    assert normalise(x, "min_max")[:, 0].tolist() == [0.0, 1 / 3, 1.0]
    z = normalise(x, "z_score")[:, 0]
    assert z.mean() == pytest.approx(0)
    assert z.std() == pytest.approx(1)
    assert normalise(x, "rank")[:, 0].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    # a constant column carries no information
    assert normalise(x, "min_max")[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert normalise(x, "z_score")[:, 1].tolist() == [0.0, 0.0, 0.0]


def test_aggregations_by_hand():
    x = np.array([[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]])
    assert aggregate(x, np.array([0.25, 0.75]), "additive").tolist() == [0.75, 1.0, 0.125]
    geo = aggregate(x, np.array([0.5, 0.5]), "geometric")
    # columns rescaled to [1, 100]: row 0 is (1, 100), row 1 (100, 100), row 2 (50.5, 1)
    assert geo.tolist() == pytest.approx([10.0, 100.0, np.sqrt(50.5)])


def test_ranks_and_score_with_given_weights_and_direction():
    frame = pd.DataFrame(
        {"rate": [10.0, 20.0, 30.0, 40.0], "distance": [400.0, 300.0, 200.0, 100.0]},
        index=["a", "b", "c", "d"],
    )
    spec = _spec(
        Component("rate", weight=3.0), Component("distance", invert=True), weighting="given"
    )
    out = composite_index(frame, spec).frame
    assert out["composite_rank"].tolist() == [4, 3, 2, 1]
    assert out["composite_score"].tolist() == pytest.approx([0.0, 100 / 3, 200 / 3, 100.0])


def test_concordant_components_give_exact_ranks():
    values = np.arange(1.0, 21.0)
    frame = pd.DataFrame({"a": values, "b": values**2, "c": np.sqrt(values)})
    result = composite_index(frame, _spec(Component("a"), Component("b"), Component("c")))
    out = result.frame
    # every normalisation, aggregation and weight keeps this order
    assert (out["composite_rank_lo"] == out["composite_rank_hi"]).all()
    assert (out["composite_rank_lo"] == out["composite_rank"]).all()
    assert out["composite_rank_unstable"].sum() == 0
    assert result.summary["verdict"].startswith("Stable")


def test_conflicting_components_swing_widely_and_say_so():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, 60)
    frame = pd.DataFrame({"a": a, "b": 1 - a + rng.normal(0, 0.05, 60)})
    result = composite_index(
        frame,
        _spec(
            Component("a"),
            Component("b"),
            uncertainty=UncertaintySpec(draws=300, seed=1, weight_spread=0.9),
        ),
    )
    assert result.summary["share_unstable"] > 0.25
    assert "swing widely" in result.summary["verdict"]
    out = result.frame
    assert (out["composite_rank_lo"] <= out["composite_rank_hi"]).all()
    assert result.correlations.loc["a", "b"] < -0.9


def test_monte_carlo_is_reproducible_and_seeded():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.uniform(0, 1, (30, 3)), columns=["a", "b", "c"])
    spec = _spec(Component("a"), Component("b"), Component("c"))
    first = composite_index(frame, spec).frame
    again = composite_index(frame, spec).frame
    pd.testing.assert_frame_equal(first, again)
    other = composite_index(
        frame,
        _spec(
            Component("a"),
            Component("b"),
            Component("c"),
            uncertainty=UncertaintySpec(draws=200, seed=8),
        ),
    ).frame
    assert not first["composite_rank_median"].equals(other["composite_rank_median"])


def test_sensitivity_shares_and_leave_one_out():
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.uniform(0, 1, (40, 3)), columns=["a", "b", "c"])
    result = composite_index(frame, _spec(Component("a"), Component("b"), Component("c")))
    sens = result.sensitivity
    total = sens["normalisation"] + sens["aggregation"] + sens["weights_and_interactions"]
    assert total == pytest.approx(1.0, abs=1e-3)
    assert set(sens["leave_one_out"]) == {"a", "b", "c"}
    assert result.settings["nominal_weights"] == pytest.approx([1 / 3] * 3, abs=1e-6)
    assert result.to_dict()["summary"]["n_areas"] == 40


def test_areas_with_a_missing_component_are_not_ranked():
    frame = pd.DataFrame({"a": [1.0, 2, 3, np.nan], "b": [1.0, 2, 3, 4]}, index=list("wxyz"))
    result = composite_index(frame, _spec(Component("a"), Component("b")))
    assert result.frame.loc["z", list(COMPOSITE_COLUMNS)].isna().all()
    assert result.settings["n_areas_not_ranked"] == 1
    with pytest.raises(ConfigError, match="at least 3"):
        composite_index(frame.iloc[:2], _spec(Component("a"), Component("b")))


def test_spec_validation_names_the_allowed_values():
    with pytest.raises(ConfigError, match="min_max"):
        CompositeSpec(components=(Component("a"), Component("b")), normalisation="minmax")
    with pytest.raises(ConfigError, match="at least two"):
        CompositeSpec(components=(Component("a"),))
    with pytest.raises(ConfigError, match="more than once"):
        CompositeSpec(components=(Component("a"), Component("a")))
    with pytest.raises(ConfigError, match="positive"):
        Component("a", weight=0)
    with pytest.raises(ConfigError, match="draws"):
        UncertaintySpec(draws=5)
    with pytest.raises(ConfigError, match="subset"):
        UncertaintySpec(normalisations=("log",))


def test_composite_columns_are_neither_counts_nor_rates():
    metas = composite_columns(_spec(Component("a"), Component("b")))
    assert [m.column for m in metas] == list(COMPOSITE_COLUMNS)
    assert {m.kind for m in metas} == {"index", "rank", "flag"}
    assert "5th" in metas[2].title and "95th" in metas[3].title


def _draw_ranks_at_once(x, weights, unc):
    """The Monte Carlo ranks as first written: every draw's scores at once, float64."""
    from scipy import stats

    from zicht.indicators._composite import aggregate, normalise

    rng = np.random.default_rng(unc.seed)
    norm_pick = rng.integers(0, len(unc.normalisations), unc.draws)
    agg_pick = rng.integers(0, len(unc.aggregations), unc.draws)
    factors = rng.uniform(1 - unc.weight_spread, 1 + unc.weight_spread, (len(weights), unc.draws))
    draw_weights = weights[:, None] * factors
    draw_weights /= draw_weights.sum(axis=0, keepdims=True)
    scores = np.empty((len(x), unc.draws))
    for i, norm in enumerate(unc.normalisations):
        for j, agg in enumerate(unc.aggregations):
            sel = (norm_pick == i) & (agg_pick == j)
            if sel.any():
                scores[:, sel] = aggregate(normalise(x, norm), draw_weights[:, sel], agg)
    return stats.rankdata(-scores, axis=0, method="min"), norm_pick, agg_pick


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ranks_drawn_in_blocks_on_both_cores_equal_the_ranks_drawn_at_once(seed):
    from zicht.indicators._composite import UncertaintySpec, _draw_ranks

    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 3.0, (400, 3))
    x[::7, 1] = x[::7, 0]  # ties
    weights = np.array([0.5, 0.3, 0.2])
    unc = UncertaintySpec(draws=1000, seed=seed)
    got = _draw_ranks(x, weights, unc)
    want = _draw_ranks_at_once(x, weights, unc)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[2], want[2])


def _first_order_at_once(ranks, labels):
    """The first-order share as first written: over every area at once."""
    total = ranks.var(axis=1).sum()
    mean = ranks.mean(axis=1)
    between = sum(
        (labels == v).mean() * ((ranks[:, labels == v].mean(axis=1) - mean) ** 2).sum()
        for v in np.unique(labels)
    )
    return between / total


@pytest.mark.parametrize("rows", [7, 64, 10_000])
def test_rank_summaries_in_blocks_of_areas_equal_those_at_once(monkeypatch, rows):
    from zicht.indicators import _composite
    from zicht.indicators._composite import UncertaintySpec, _draw_ranks, _rank_summary

    rng = np.random.default_rng(rows)
    x = rng.gamma(2.0, 3.0, (300, 3))
    ranks, norm_pick, agg_pick = _draw_ranks(x, np.array([0.5, 0.3, 0.2]), UncertaintySpec())
    monkeypatch.setattr(_composite, "_SUMMARY_ROWS", rows)
    lo, median, hi, s_norm, s_agg = _rank_summary(ranks, (5.0, 95.0), norm_pick, agg_pick)
    assert np.array_equal(lo, np.floor(np.percentile(ranks, 5.0, axis=1)))
    assert np.array_equal(hi, np.ceil(np.percentile(ranks, 95.0, axis=1)))
    assert np.array_equal(median, np.median(ranks, axis=1))
    assert s_norm == pytest.approx(_first_order_at_once(ranks, norm_pick), rel=1e-12)
    assert s_agg == pytest.approx(_first_order_at_once(ranks, agg_pick), rel=1e-12)
    assert 0 < s_norm < 1 and 0 < s_agg < 1
