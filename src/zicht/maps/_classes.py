"""Classes that show what matters: natural breaks, outliers apart, no class made of noise.

The default classification of the choropleths (``scheme = "outlier_aware"``) answers the
question an official asks of a map, *which areas stand out?*, where quantiles answer *which
fifth is an area in?* Quantiles bury a planted outlier: a buurt at 18.2 % among sixteen at
4.7–5 % falls in a class "4.70–18.2 %", while the lower classes are a tenth of a point apart,
steps that chance alone makes. The rule here, in three steps:

1. **Outliers apart.** The highest few values (at most ``MAX_OUTLIER_SHARE`` of the areas)
   that lie beyond Tukey's far-out fence (``FAR_OUT`` interquartile ranges past the upper
   quartile) and are cut off from all the others by a gap wider than both the interquartile
   range and the noise step are outliers: a class of their own. Among the values past the
   fence, the cut is at the widest gap. The lowest values likewise. A long tail, whose values
   follow each other closely, is not an outlier.
2. **Natural breaks for the rest.** Fisher–Jenks, the exact optimum of the within-class
   spread, computed by ``jenkspy`` (C). Above ``SAMPLE`` values the breaks are found on that
   many evenly spaced order statistics (deterministic), then every value is assigned.
3. **No class of noise.** Two neighbouring classes whose medians lie less than the noise step
   apart merge, the closest pair first, until every step is larger than chance explains.

The noise step is the caller's: for a rate it is the binomial standard error of an area of
typical size (:func:`rate_noise`), for a count the Poisson one; ``0`` merges nothing.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["FAR_OUT", "MAX_OUTLIER_SHARE", "SAMPLE", "Classes", "classify", "rate_noise"]

#: Tukey's "far out" fence: this many interquartile ranges past the quartiles.
FAR_OUT = 3.0
#: At most this share of the values (and at least one value) may be outliers on one side.
MAX_OUTLIER_SHARE = 0.05
#: Fisher–Jenks is O(k·n²): above this many values it runs on evenly spaced order statistics.
SAMPLE = 3000


@dataclass(frozen=True)
class Classes:
    """Values put into classes, every class occupied.

    Parameters
    ----------
    yb
        Per value: its class, ``0`` (lowest) to ``n - 1``.
    outlier
        Per class: whether it holds outliers (a class of its own, step 1).
    """

    yb: np.ndarray
    outlier: tuple[bool, ...]

    @property
    def n(self) -> int:
        """The number of classes."""
        return len(self.outlier)


def _dense(values: np.ndarray, order: np.ndarray) -> Classes:
    """Renumber class indices so that only occupied classes remain, in order."""
    used, yb = np.unique(order, return_inverse=True)
    return Classes(yb.astype(np.int64), (False,) * len(used))


def _jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Fisher–Jenks classes of ``values`` (at most ``k``), via jenkspy."""
    import jenkspy

    distinct = np.unique(values)
    if len(distinct) <= k:
        return np.searchsorted(distinct, values)
    sample = np.sort(values)
    if len(sample) > SAMPLE:
        sample = sample[np.linspace(0, len(sample) - 1, SAMPLE).round().astype(np.int64)]
    k = min(k, len(np.unique(sample)))
    if k < 2:
        return np.zeros(len(values), dtype=np.int64)
    breaks = np.asarray(jenkspy.jenks_breaks(sample.tolist(), n_classes=k), dtype="float64")
    # A class holds the values up to and including its upper break.
    return np.searchsorted(breaks[1:-1], values, side="left")


def _mapclassify(values: np.ndarray, k: int, scheme: str) -> np.ndarray:
    import mapclassify

    from zicht.maps._options import SCHEME_CLASSES

    k = min(k, len(np.unique(values)))
    if k < 2:
        return np.zeros(len(values), dtype=np.int64)
    with warnings.catch_warnings():
        # mapclassify warns when ties make fewer classes than asked; empty ones are dropped.
        warnings.simplefilter("ignore")
        classifier = getattr(mapclassify, SCHEME_CLASSES[scheme])(values, k=k)
    return np.asarray(classifier.yb, dtype=np.int64)


def _high_outliers(values: np.ndarray, fence: float, gap_needed: float, cap: int) -> np.ndarray:
    """Mark the highest few values past ``fence``, cut off from the rest by the widest gap."""
    order = np.argsort(values, kind="stable")[::-1]
    ranked = values[order]
    n_far = min(int((ranked > fence).sum()), cap, len(ranked) - 1)
    out = np.zeros(len(values), dtype=bool)
    if n_far < 1:
        return out
    gaps = ranked[:n_far] - ranked[1 : n_far + 1]  # gap below the j-th highest, j = 1..n_far
    j = int(np.argmax(gaps))
    if gaps[j] > gap_needed:
        out[order[: j + 1]] = True
    return out


def _outliers(values: np.ndarray, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the low and the high outliers (step 1)."""
    none = np.zeros(len(values), dtype=bool)
    if len(values) < 5:
        return none, none
    q1, q3 = np.quantile(values, [0.25, 0.75])
    iqr = q3 - q1
    if not iqr > 0:
        return none, none
    cap = max(1, math.floor(MAX_OUTLIER_SHARE * len(values)))
    # Set apart by more than chance and by more than the spread of the middle half.
    gap_needed = max(noise, iqr)
    high = _high_outliers(values, q3 + FAR_OUT * iqr, gap_needed, cap)
    low = _high_outliers(-values, -(q1 - FAR_OUT * iqr), gap_needed, cap)
    return low, high


def _merge_noise(values: np.ndarray, yb: np.ndarray, noise: float) -> np.ndarray:
    """Merge neighbouring classes whose medians lie closer than ``noise`` (step 3)."""
    yb = np.unique(yb, return_inverse=True)[1]
    while True:
        medians = np.array([np.median(values[yb == c]) for c in range(int(yb.max()) + 1)])
        if len(medians) < 2:
            return yb
        steps = np.diff(medians)
        closest = int(np.argmin(steps))
        if not steps[closest] < noise:
            return yb
        yb = np.where(yb > closest, yb - 1, yb)


def classify(values: np.ndarray, k: int, scheme: str, noise: float = 0.0) -> Classes:
    """Put values into at most ``k`` classes, every class occupied.

    Parameters
    ----------
    values
        Finite numbers (the published values of one indicator on one geography).
    k
        The most classes to make (2–9).
    scheme
        ``"outlier_aware"`` (the rule of this module), ``"natural_breaks"`` or
        ``"fisher_jenks"`` (Fisher–Jenks alone), ``"quantiles"`` or ``"equal_interval"``
        (mapclassify).
    noise
        The step below which two classes do not differ (same unit as the values); used by
        ``"outlier_aware"`` only.

    Returns
    -------
    Classes
        The class of each value and which classes hold outliers.

    Examples
    --------
    >>> values = np.array([1.0, 1.1, 1.2, 2.0, 2.1, 2.2, 3.0, 3.1, 3.2, 3.3, 20.0])
    >>> found = classify(values, 5, "outlier_aware", noise=0.5)
    >>> found.yb.tolist(), found.outlier
    ([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3], (False, False, False, True))
    """
    values = np.asarray(values, dtype="float64")
    if len(values) == 0:
        return Classes(np.zeros(0, dtype=np.int64), ())
    if scheme in ("quantiles", "equal_interval"):
        return _dense(values, _mapclassify(values, k, scheme))
    if scheme != "outlier_aware":
        return _dense(values, _jenks(values, k))
    low, high = _outliers(values, noise)
    body = ~(low | high)
    n_apart = int(low.any()) + int(high.any())
    inner = _merge_noise(values[body], _jenks(values[body], max(1, k - n_apart)), noise)
    yb = np.empty(len(values), dtype=np.int64)
    offset = int(low.any())
    yb[low] = 0
    yb[body] = inner + offset
    n_body = int(inner.max()) + 1
    yb[high] = offset + n_body
    outlier = (True,) * offset + (False,) * n_body + (True,) * int(high.any())
    return Classes(yb, outlier)


def rate_noise(rates: np.ndarray, bases: np.ndarray, per: float) -> float:
    """Return the chance step of a rate: the binomial standard error of a typical area.

    Parameters
    ----------
    rates
        Published rates (per ``per``).
    bases
        The published size of each area's denominator (``n_units`` or the rate's base); an
        upper bound of it gives a smaller step, so fewer classes merge.
    per
        ``100`` for a percentage, ``1000`` for a rate per thousand.

    Returns
    -------
    float
        ``per · √(p (1 − p) / n)`` at the median rate ``p`` and the median size ``n``; ``0``
        when either is unknown.

    Examples
    --------
    >>> round(rate_noise(np.array([5.0]), np.array([500.0]), 100.0), 2)
    0.97
    """
    rates = np.asarray(rates, dtype="float64")
    bases = np.asarray(bases, dtype="float64")
    rates, bases = rates[np.isfinite(rates)], bases[np.isfinite(bases) & (bases > 0)]
    if not len(rates) or not len(bases):
        return 0.0
    p = min(max(float(np.median(rates)) / per, 0.0), 1.0)
    return per * math.sqrt(p * (1 - p) / float(np.median(bases)))
