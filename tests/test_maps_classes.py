"""The default classes show what matters: an outlier has a class of its own, noise has none.

The case is the one an official of Groningen met (issue 15): a buurt at 18.2 % among sixteen
at 4.7–5 %, the rest of the buurten spread lower. Quantiles put the outlier in one class with
the sixteen ("4,70 – 18,2 %") and split the dense lower values into classes a tenth of a point
apart; the default must not.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from zicht.maps._classes import SAMPLE, classify, rate_noise
from zicht.maps._options import MapOptions
from zicht.maps._themes import choropleth_theme
from zicht.schemas import IndicatorMeta

META = IndicatorMeta("rate_mismatch_pct", "Registration mismatch (rate)", "%", "rate")


def groningen() -> pd.DataFrame:
    """Forty published buurten of 300–900 addresses: one at 18.2 %, sixteen at 4.7–5 %."""
    rng = np.random.default_rng(15)
    lower = np.round(np.linspace(0.6, 4.4, 23), 1)
    dense = np.round(np.linspace(4.7, 5.0, 16), 2)
    rates = np.concatenate([lower, dense, [18.2]])
    n = len(rates)
    return pd.DataFrame(
        {
            "area_id": [f"BU0014{i:04d}" for i in range(n)],
            "status": ["published"] * n,
            "n_units": rng.integers(300, 900, n).astype(float),
            META.column: rates,
        }
    )


def _classes_of(frame: pd.DataFrame, scheme: str | None = None) -> tuple[list[str], np.ndarray]:
    options = MapOptions() if scheme is None else MapOptions(scheme=scheme)
    theme = choropleth_theme("t0", "buurt", frame, META, options)
    return [e.label for e in theme.entries], theme.class_index


def test_quantiles_bury_the_outlier_as_the_issue_says():
    # The check below means something only if the old default really fails on this case.
    labels, index = _classes_of(groningen(), "quantiles")
    outlier_class = index[-1]
    assert (index == outlier_class).sum() > 1  # 18.2 shares its class
    assert labels[outlier_class].startswith("4,")
    assert labels[outlier_class].endswith("18,2\u00a0%")


def test_the_default_gives_the_outlier_its_own_class():
    frame = groningen()
    labels, index = _classes_of(frame)
    assert MapOptions().scheme == "outlier_aware"
    top = index[-1]
    assert (index == top).sum() == 1
    assert labels[top] == "18,2\u00a0% (uitschieter)"
    # The sixteen at 4.7–5 % sit together, in one class that does not reach the outlier.
    dense = index[23:39]
    assert len(set(dense.tolist())) == 1
    assert labels[dense[0]].endswith(("5,00\u00a0%", "5\u00a0%"))
    # No class is made of noise: neighbouring classes' medians lie more than a chance step apart.
    rates = frame[META.column].to_numpy()
    noise = rate_noise(rates, frame["n_units"].to_numpy(), 100.0)
    assert 0.5 < noise < 1.5  # about one point at 4 % of 600 addresses
    medians = [np.median(rates[index == c]) for c in range(len(labels))]
    assert min(np.diff(medians)) >= noise
    # and every swatch describes real areas
    assert sorted(set(index.tolist())) == list(range(len(labels)))


def test_english_says_outlier():
    options = MapOptions(language="en")
    theme = choropleth_theme("t0", "buurt", groningen(), META, options)
    assert theme.entries[-1].label == "18.2% (outlier)"
    assert "outliers apart" in theme.note


def test_classes_a_tenth_of_a_point_apart_merge():
    # Thirty values between 4.0 and 4.6 % on areas of 500: all within one chance step.
    values = np.round(np.linspace(4.0, 4.6, 30), 2)
    found = classify(values, 5, "outlier_aware", noise=rate_noise(values, [500.0], 100.0))
    assert found.n == 1
    assert classify(values, 5, "natural_breaks").n == 5  # Fisher-Jenks alone splits them


def test_a_long_tail_is_not_an_outlier():
    # A tail whose values follow each other closely (densities on a business park, say) is
    # not an outlier, though it lies far past the fence: no gap sets its top apart.
    body = np.random.default_rng(3).normal(5.0, 1.0, 170)
    tail = np.linspace(12.0, 30.0, 30)
    values = np.concatenate([body, tail])
    q1, q3 = np.quantile(values, [0.25, 0.75])
    assert (values > q3 + 3 * (q3 - q1)).sum() >= 20
    found = classify(values, 5, "outlier_aware")
    assert not any(found.outlier)
    assert found.n == 5
    # the same tail with one value far above it: that one is an outlier
    found = classify(np.append(values, 90.0), 5, "outlier_aware")
    assert found.outlier == (False, False, False, False, True)
    assert (found.yb == 4).sum() == 1


def test_a_low_outlier_has_its_own_class_too():
    values = np.concatenate([[0.0], np.linspace(40.0, 60.0, 40)])
    found = classify(values, 5, "outlier_aware", noise=1.0)
    assert found.outlier[0] and not any(found.outlier[1:])
    assert (found.yb == 0).sum() == 1


def test_fisher_jenks_on_many_h3_cells_is_quick():
    # jenkspy on a deterministic sample: a national H3 layer must not take minutes.
    values = np.random.default_rng(9).gamma(2.0, 2.0, 60_000)
    start = time.perf_counter()
    first = classify(values, 5, "outlier_aware")
    seconds = time.perf_counter() - start
    assert seconds < 3.0, seconds
    assert len(values) > SAMPLE
    np.testing.assert_array_equal(first.yb, classify(values, 5, "outlier_aware").yb)


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
def test_every_scheme_leaves_no_empty_class(scheme):
    values = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 9.0, 9.0])
    found = classify(values, 5, scheme)
    assert sorted(set(found.yb.tolist())) == list(range(found.n))


def test_the_hot_spot_legend_lists_only_the_classes_that_occur():
    from zicht.maps._themes import label_theme

    frame = pd.DataFrame(
        {
            "status": ["published", "published", "published", "suppressed"],
            "hotspot_label": ["hot_95", "not_significant", "cold_95", None],
        }
    )
    theme = label_theme("t0", "h3", frame, "hotspot_label", "hotspot_q", "hotspot", "")
    assert [e.label for e in theme.entries] == [
        "Hotspot, 95 % betrouwbaar",
        "Niet opvallend: past bij toeval",
        "Coldspot, 95 % betrouwbaar",
    ]
    assert theme.class_index.tolist() == [0, 1, 2, -1]
