"""Local hot-spot statistics: Getis-Ord Gi* and local Moran's I, with honest inference.

Both statistics take values aligned to a :class:`libpysal.graph.Graph` (see
:mod:`zicht.stats`) and return a :class:`HotspotResult`: a frame indexed by the graph's
ids and a JSON-serialisable record of every choice that produced it.

Inference
---------
* ``permutations=0``: analytic z-scores and normal p-values.
* ``permutations=B > 0``: conditional permutation pseudo p-values from ``B`` draws with an
  explicit ``seed`` (a fresh seed is drawn and recorded when none is given). The z column
  stays the analytic z-score; only ``p`` comes from the permutations.
* p-values are two-sided by default; ``q`` is the p-value adjusted for multiple testing
  (Benjamini-Hochberg by default, or Bonferroni) over the units that have neighbours.
* Confidence bins are taken from ``q``, after the adjustment: ``q < 0.01`` is 99 %,
  ``< 0.05`` 95 %, ``< 0.10`` 90 %; a unit is significant only when also ``q < alpha``.
* Units without neighbours are *isolated*: NaN statistic, z, p and q, never a test.

Differences from esda (checked in the tests, see ``docs/hotspots.md``)
---------------------------------------------------------------------
* esda's ``G_Local(..., transform="R")`` (its default) standardises the rows, which
  deflates the Gi* z-scores; zicht's Gi* uses binary (or kernel) weights as in Ord & Getis
  (1995) and equals esda's ``transform="B", star=True`` to rounding.
* esda's default pseudo p-value is one-sided ("directed"), half the two-sided value.
* esda gives islands a pseudo p-value (0.001 and the like); zicht gives them NaN.
* esda's local Moran ``Is`` carries a factor ``(n - 1) / n`` relative to Anselin's
  (1995) ``I_i``, while its moments ``EI``/``VI`` are those of Anselin's ``I_i``; zicht
  reports Anselin's ``I_i`` so that statistic and moments agree.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from zicht._errors import ConfigError, SchemaError
from zicht._validate import Problems
from zicht.stats._inference import (
    ALTERNATIVES,
    CORRECTIONS,
    PermutationCounts,
    adjust_pvalues,
    analytic_pvalues,
    permutation_counts,
    permutation_pvalues,
)
from zicht.stats._smoothing import rate_description
from zicht.stats._weights import graph_arrays, graph_spec

__all__ = [
    "ALTERNATIVES",
    "CLUSTER_LABELS",
    "CORRECTIONS",
    "HOTSPOT_LABELS",
    "HotspotResult",
    "adjust_pvalues",
    "confidence_bins",
    "gi_star",
    "hotspot_labels",
    "local_moran",
]

#: Labels of Gi* hot and cold spots, from the hottest to the coldest.
HOTSPOT_LABELS = (
    "hot_99",
    "hot_95",
    "hot_90",
    "not_significant",
    "cold_90",
    "cold_95",
    "cold_99",
    "isolated",
)

#: Labels of local Moran clusters and outliers (HL: a high value among low ones).
CLUSTER_LABELS = ("HH", "LL", "HL", "LH", "not_significant", "isolated")

_QUADRANTS = ("HH", "LH", "LL", "HL")
_CONFIDENCE_LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))
_MAX_ALPHA = 0.10
_MORAN_TRANSFORMS = ("r", "b")
_MORAN_NULLS = ("conditional", "total")


@dataclass(frozen=True)
class HotspotResult:
    """The outcome of a local statistic.

    Attributes
    ----------
    frame
        One row per unit, indexed by the graph's ids (name ``unit_id``). Gi*: columns
        ``statistic, z, p, q, label, bin``; local Moran: ``statistic, z, p, q,
        quadrant, label``.
    settings
        Every choice that produced the frame (method, weights, k, kernel, permutations,
        seed, alternative, correction, alpha, ...); JSON-serialisable, so that it can be
        written next to the output files.
    """

    frame: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_significant(self) -> int:
        """Units labelled anything but ``not_significant`` and ``isolated``."""
        return int((~self.frame["label"].isin(["not_significant", "isolated"])).sum())

    def joined_to(self, frame: pd.DataFrame, index: pd.Index | None = None) -> pd.DataFrame:
        """Return ``frame`` with the test's ``hotspot_z, _p, _q, _bin, _label`` joined on.

        Parameters
        ----------
        frame
            The table the tested units belong to.
        index
            The tested units' ids in ``frame``, when the graph used other ids (in the same
            order as :attr:`frame`); by default the graph's ids.

        Rows left out of the test carry the label ``""``; columns the test does not give
        (local Moran has no ``bin``) are left out.
        """
        cols = [c for c in ("z", "p", "q", "bin", "label") if c in self.frame]
        result = self.frame[cols].rename(columns=lambda c: f"hotspot_{c}")
        if index is not None:
            result.index = index
        out = frame.join(result)
        if "hotspot_label" in out:
            out["hotspot_label"] = (
                out["hotspot_label"].astype("object").where(out["hotspot_label"].notna(), "")
            )
        return out


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _check_options(
    permutations: int, seed: int | None, alternative: str, correction: str, alpha: float
) -> None:
    problems = Problems("hot-spot settings")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        problems.add(f"permutations must be an integer (0 for analytic), got {permutations!r}")
    elif permutations < 0:
        problems.add(f"permutations must be 0 (analytic) or positive, got {permutations}")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        problems.add(f"seed must be a non-negative integer or None, got {seed!r}")
    if alternative not in ALTERNATIVES:
        problems.add(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    if correction not in CORRECTIONS:
        problems.add(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float)
        or not math.isfinite(alpha)
        or not 0 < alpha <= _MAX_ALPHA
    ):
        problems.add(
            f"alpha must be in (0, {_MAX_ALPHA}] (the widest confidence bin is 90 %), got {alpha!r}"
        )
    problems.raise_if_any(ConfigError)


def _align_values(values: Any, ids: pd.Index, what: str) -> np.ndarray:
    """Return ``values`` as float64 in graph order, or raise one SchemaError."""
    problems = Problems(f"values for {what}")
    if isinstance(values, pd.DataFrame):
        raise SchemaError(f"values for {what}: pass one column (a Series), not a DataFrame")
    if isinstance(values, pd.Series):
        index = values.index
        if index.has_duplicates:
            problems.add(f"{int(index.duplicated().sum())} duplicate id(s) in the index")
            problems.raise_if_any(SchemaError)
        missing = ids.difference(index)
        extra = index.difference(ids)
        if len(missing):
            problems.add(
                f"{len(missing)} graph unit(s) have no value (e.g. {list(missing[:3])}); "
                "give every unit of the graph a value (0 for none)"
            )
        if len(extra):
            problems.add(
                f"{len(extra)} value(s) belong to no graph unit (e.g. {list(extra[:3])}); "
                "build the graph on the same units"
            )
        problems.raise_if_any(SchemaError)
        series = values if index.equals(ids) else values.reindex(ids)
        raw = series.to_numpy()
    else:
        raw = np.asarray(values)
        if raw.ndim != 1 or len(raw) != len(ids):
            raise SchemaError(
                f"values for {what}: an array must be one-dimensional and as long as the "
                f"graph ({len(ids)} units), got shape {raw.shape}; or pass a Series indexed "
                "by unit id"
            )
    try:
        x = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise SchemaError(f"values for {what} must be numeric, got dtype {raw.dtype}") from None
    bad = ~np.isfinite(x)
    if bad.any():
        problems.add(
            f"{int(bad.sum())} missing or infinite value(s); impute or drop the units "
            "(and rebuild the graph) first"
        )
    problems.raise_if_any(SchemaError)
    return x


def _resolve_seed(permutations: int, seed: int | None) -> int | None:
    if permutations == 0:
        return None if seed is None else int(seed)
    if seed is None:
        # Record a fresh seed so that the run can be repeated exactly.
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    return int(seed)


def _check_resolution(
    permutations: int, alternative: str, correction: str, alpha: float, n_tests: int
) -> float | None:
    """Return the smallest attainable pseudo p-value; warn when it blocks the correction.

    With ``B`` permutations no pseudo p-value is below ``2 / (B + 1)`` (two-sided). After
    Benjamini-Hochberg over ``m`` tests a unit at that floor is significant only if at
    least ``floor * m / alpha`` units reach it; after Bonferroni only if ``floor * m <
    alpha``. A map of 1,000 cells with 999 permutations can then only show hot spots
    when some 40 cells are as extreme as can be, which hides small clusters.
    """
    if not permutations:
        return None
    floor = (2.0 if alternative == "two-sided" else 1.0) / (permutations + 1)
    if correction == "none" or n_tests == 0:
        return floor
    needed = floor * n_tests / alpha
    if (correction == "fdr_bh" and needed > 10) or (correction == "bonferroni" and needed >= 1):
        # enough for 10 units at the floor under BH, for one under Bonferroni
        target = 2 * n_tests / alpha / (10 if correction == "fdr_bh" else 1)
        suggestion = int(10 ** math.ceil(math.log10(target))) - 1
        warnings.warn(
            f"with {permutations} permutations the smallest p-value is {floor:.2g}; after "
            f"{correction} over {n_tests} tests a unit at that floor is significant only "
            + (
                f"if at least {math.ceil(needed)} units reach it"
                if correction == "fdr_bh"
                else "never"
            )
            + f". Use more permutations (e.g. {suggestion}) or permutations=0.",
            UserWarning,
            stacklevel=3,
        )
    return floor


def _zicht_version() -> str:
    try:
        return version("zicht")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


@dataclass(frozen=True)
class _TestOptions:
    """The inference options every local statistic takes and records."""

    permutations: int
    seed: int | None
    alternative: str
    correction: str
    alpha: float
    variable: str | None


def _base_settings(
    method: str, statistic: str, graph: Graph, values: Any, p: np.ndarray, test: _TestOptions
) -> dict[str, Any]:
    """Record everything a result depends on; shared by every local statistic."""
    spec = graph_spec(graph)
    n_tests = int((~np.isnan(p)).sum())
    return {
        "method": method,
        "weights": spec["weights"],
        "k": spec["k"],
        "kernel": spec["kernel"],
        "threshold": spec["threshold"],
        "inference": "conditional_permutation" if test.permutations else "analytic",
        "permutations": int(test.permutations),
        "seed": test.seed,
        "alternative": test.alternative,
        "correction": test.correction,
        "alpha": float(test.alpha),
        "variable": _variable_name(values, test.variable),
        "rate": rate_description(values),
        "statistic": statistic,
        "n_units": spec["n_units"],
        "n_tests": n_tests,
        "n_isolated": spec["n_isolated"],
        "p_floor": _check_resolution(
            test.permutations, test.alternative, test.correction, test.alpha, n_tests
        ),
        "zicht_version": _zicht_version(),
    }


def _variable_name(values: Any, variable: str | None) -> str | None:
    if variable is not None:
        return str(variable)
    name = getattr(values, "name", None)
    return None if name is None else str(name)


# --------------------------------------------------------------------------------------
# Bins and labels
# --------------------------------------------------------------------------------------


def confidence_bins(q: np.ndarray, direction: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """ArcGIS-style ``Gi_Bin`` from adjusted p-values.

    Parameters
    ----------
    q
        Adjusted p-values (NaN for units not tested).
    direction
        Sign of the deviation: positive for hot, negative for cold.
    alpha
        Significance level; units with ``q >= alpha`` get bin 0.

    Returns
    -------
    numpy.ndarray
        Integers -3..3: ±3 for ``q < 0.01``, ±2 for ``< 0.05``, ±1 for ``< 0.10``.

    Examples
    --------
    >>> confidence_bins(np.array([0.001, 0.03, 0.07, 0.5]), np.array([1, -1, 1, 1]), 0.1)
    array([ 3, -2,  1,  0])
    """
    q = np.asarray(q, dtype=np.float64)
    level = np.zeros(q.shape, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for threshold, value in reversed(_CONFIDENCE_LEVELS):
            level[q < threshold] = value
        level[~(q < alpha)] = 0
    return level * np.sign(np.asarray(direction)).astype(np.int64)


def hotspot_labels(bins: np.ndarray, isolated: np.ndarray) -> pd.Categorical:
    """Labels from :data:`HOTSPOT_LABELS` for Gi* bins; ``isolated`` wins.

    Examples
    --------
    >>> hotspot_labels(np.array([3, 0, -1, 0]), np.array([False, False, False, True])).tolist()
    ['hot_99', 'not_significant', 'cold_90', 'isolated']
    """
    # HOTSPOT_LABELS lists bins 3..-3 in order, then "isolated"
    codes = 3 - np.asarray(bins, dtype=np.int64)
    codes[np.asarray(isolated, dtype=bool)] = HOTSPOT_LABELS.index("isolated")
    return pd.Categorical.from_codes(codes, categories=list(HOTSPOT_LABELS))


# --------------------------------------------------------------------------------------
# Gi*
# --------------------------------------------------------------------------------------


def gi_star(
    values: pd.Series | np.ndarray,
    graph: Graph,
    *,
    permutations: int = 999,
    seed: int | None = None,
    alternative: str = "two-sided",
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    variable: str | None = None,
) -> HotspotResult:
    """Getis-Ord Gi* hot and cold spots (Ord & Getis 1995).

    ``G*_i = sum_j w_ij x_j / sum_j x_j`` with the unit itself among its neighbours
    (self weight 1, or the graph's own self-loop weight), and the z-score

    ``z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i**2) / (n - 1)))``

    where ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij**2`` and ``S`` is the population
    standard deviation of all ``n`` values (``S1_i = W_i`` for binary weights).

    Parameters
    ----------
    values
        A Series indexed by unit id covering exactly the graph's ids, or an array aligned
        to ``graph.unique_ids``. Counts, rates or smoothed rates (see
        :mod:`zicht.stats`).
    graph
        Spatial graph without self-loops (see :mod:`zicht.stats`); binary or kernel
        weights are used as they are (no row standardisation).
    permutations
        0 for analytic p-values, else the number of conditional permutations.
    seed
        Seed of the permutations; when None a fresh one is drawn and recorded.
    alternative
        ``"two-sided"`` (default), ``"greater"`` (hot spots only) or ``"less"``.
    correction
        ``"fdr_bh"`` (default), ``"bonferroni"`` or ``"none"``.
    alpha
        Significance level for the labels, at most 0.10.
    variable
        Name of what was tested, for the record (default: the Series name).

    Returns
    -------
    HotspotResult
        ``frame`` with columns ``statistic, z, p, q, label, bin``; ``settings``.

    Raises
    ------
    SchemaError
        The values do not match the graph's ids, or are not finite numbers.
    ConfigError
        A setting is not allowed.

    Examples
    --------
    >>> import h3
    >>> from zicht.stats import h3_graph
    >>> centre = h3.latlng_to_cell(52.09, 5.12, 9)
    >>> cells = [centre, *[c for c in h3.grid_disk(centre, 2) if c != centre]]
    >>> values = pd.Series([9.0] * 7 + [1.0] * 12, index=cells)
    >>> result = gi_star(values, h3_graph(cells, k=1), permutations=0)
    >>> result.frame.loc[centre, "label"]
    'hot_99'
    """
    _check_options(permutations, seed, alternative, correction, alpha)
    arrays = graph_arrays(graph)
    x = _align_values(values, arrays.ids, "Gi*")
    n = arrays.n
    cardinality = arrays.cardinality
    isolated = cardinality == 0
    self_weight = np.where(arrays.self_weight != 0, arrays.self_weight, 1.0)

    rows = np.repeat(np.arange(n), cardinality)
    w = arrays.data
    neighbour_sum = np.bincount(rows, weights=w * x[arrays.indices], minlength=n)
    local_sum = neighbour_sum + self_weight * x
    w_sum = np.bincount(rows, weights=w, minlength=n) + self_weight
    w_sq = np.bincount(rows, weights=w * w, minlength=n) + self_weight**2
    total = x.sum()
    mean = total / n
    spread = x.std()
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = local_sum / total
        scale = np.sqrt((n * w_sq - w_sum**2) / (n - 1)) if n > 1 else np.full(n, np.nan)
        # Constant values: no unit stands out; every permutation ties (p = 1).
        z = (local_sum - mean * w_sum) / (spread * scale) if spread > 0 else np.zeros(n)
    z[~np.isfinite(z)] = np.nan

    seed_used = _resolve_seed(permutations, seed)
    if permutations:
        counts = permutation_counts(
            x,
            arrays.indptr,
            arrays.indices,
            arrays.data,
            permutations,
            np.random.default_rng(seed_used),
        )
        p = permutation_pvalues(counts, alternative)
        direction = np.where(
            counts.n_ge < counts.n_le, 1, np.where(counts.n_le < counts.n_ge, -1, np.sign(z))
        )
        p[np.isnan(z)] = np.nan
    else:
        p = analytic_pvalues(z, alternative)
        direction = np.sign(z)
    direction = np.nan_to_num(direction).astype(np.int64)

    for column in (statistic, z, p):
        column[isolated] = np.nan
    q = adjust_pvalues(p, correction)
    bins = confidence_bins(q, direction, alpha)
    frame = pd.DataFrame(
        {
            "statistic": statistic,
            "z": z,
            "p": p,
            "q": q,
            "label": hotspot_labels(bins, isolated),
            "bin": bins.astype(np.int8),
        },
        index=arrays.ids.rename("unit_id"),
    )
    settings = _base_settings(
        "gi_star",
        "Getis-Ord Gi* (Ord & Getis 1995), focal unit included",
        graph,
        values,
        p,
        _TestOptions(permutations, seed_used, alternative, correction, alpha, variable),
    )
    settings["self_weight"] = "graph self-loop or 1"
    return HotspotResult(frame=frame, settings=settings)


# --------------------------------------------------------------------------------------
# Local Moran's I
# --------------------------------------------------------------------------------------


def _moran_moments(
    z: np.ndarray, w_sum: np.ndarray, w_sq: np.ndarray, null: str
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of Anselin's ``I_i`` under randomisation (Sokal et al. 1998).

    ``null="conditional"`` (eqs. A7-A8: ``x_i`` held fixed, the permutation null) or
    ``"total"`` (eqs. A3-A4*, Anselin 1995). ``z`` are deviations from the mean.
    """
    n = len(z)
    m2 = (z * z).sum() / n
    if null == "conditional":
        expected = -(z**2) * w_sum / ((n - 1) * m2)
        variance = (
            (z / m2) ** 2 * (n / (n - 2)) * (w_sq - w_sum**2 / (n - 1)) * (m2 - z**2 / (n - 1))
        )
        return expected, variance
    m4 = (z**4).sum() / n
    b2 = m4 / m2**2
    expected = -w_sum / (n - 1)
    variance = (
        w_sq * (n - b2) / (n - 1)
        + (w_sum**2 - w_sq) * (2 * b2 - n) / ((n - 1) * (n - 2))
        - expected**2
    )
    return expected, variance


def _moran_pvalues(
    x: np.ndarray,
    dev: np.ndarray,
    z: np.ndarray,
    arrays: Any,
    w: np.ndarray,
    test: _TestOptions,
) -> np.ndarray:
    """Return the p-values of local Moran's I: by permutation, or analytic from ``z``."""
    permutations = test.permutations
    if not permutations:
        return analytic_pvalues(z, test.alternative)
    counts = permutation_counts(
        x, arrays.indptr, arrays.indices, w, permutations, np.random.default_rng(test.seed)
    )
    # I_i increases with the neighbour sum when x_i is above the mean, else decreases.
    above = dev > 0
    n_ge = np.where(above, counts.n_ge, counts.n_le)
    n_le = np.where(above, counts.n_le, counts.n_ge)
    flat = dev == 0
    n_ge[flat] = permutations
    n_le[flat] = permutations
    p = permutation_pvalues(PermutationCounts(n_ge, n_le, permutations), test.alternative)
    p[np.isnan(z)] = np.nan
    return p


def _moran_label_codes(
    quadrant_code: np.ndarray, q: np.ndarray, alpha: float, isolated: np.ndarray
) -> np.ndarray:
    """Return the codes of CLUSTER_LABELS: the quadrant where significant, else not."""
    with np.errstate(invalid="ignore"):
        significant = q < alpha
    label_index = {name: i for i, name in enumerate(CLUSTER_LABELS)}
    to_label = np.array([label_index[name] for name in _QUADRANTS])
    label_code = np.where(
        significant, to_label[np.maximum(quadrant_code, 0)], label_index["not_significant"]
    )
    label_code[isolated] = label_index["isolated"]
    return label_code


# Exception (docs/exceptions.md): public keywords, gi_star's plus esda's transform and null.
def local_moran(  # noqa: PLR0913
    values: pd.Series | np.ndarray,
    graph: Graph,
    *,
    transform: str = "r",
    permutations: int = 999,
    seed: int | None = None,
    alternative: str = "two-sided",
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    null: str = "conditional",
    variable: str | None = None,
) -> HotspotResult:
    """Local Moran's I clusters (HH, LL) and outliers (HL, LH) (Anselin 1995).

    ``I_i = (z_i / m2) * sum_j w_ij z_j`` with ``z = x - mean``, ``m2 = sum z**2 / n``
    and the graph's weights without self-loops. The z-score uses the analytic moments
    of ``I_i`` under randomisation (Sokal, Oden & Thomson 1998).

    Parameters
    ----------
    values
        A Series indexed by unit id covering exactly the graph's ids, or an array aligned
        to ``graph.unique_ids``.
    graph
        Spatial graph; self-loops are ignored.
    transform
        ``"r"`` row-standardised weights (default, as esda and GeoDa) or ``"b"`` the
        graph's weights as they are.
    permutations, seed, alternative, correction, alpha, variable
        As in :func:`gi_star`. ``alternative="greater"`` tests for clusters (positive
        ``I_i``), ``"less"`` for outliers.
    null
        Moments for the z-score: ``"conditional"`` (default; ``x_i`` fixed, matching the
        permutation test) or ``"total"`` randomisation.

    Returns
    -------
    HotspotResult
        ``frame`` with columns ``statistic, z, p, q, quadrant, label``; ``quadrant`` is
        the Moran-scatterplot quadrant (HH, LH, LL, HL) whatever the significance, and
        ``label`` the quadrant when ``q < alpha``, else ``not_significant``.

    Examples
    --------
    >>> import h3
    >>> from zicht.stats import h3_graph
    >>> centre = h3.latlng_to_cell(52.09, 5.12, 9)
    >>> cells = [centre, *[c for c in h3.grid_disk(centre, 3) if c != centre]]
    >>> values = pd.Series([9.0] * 7 + [1.0] * 30, index=cells)
    >>> result = local_moran(values, h3_graph(cells, k=1), permutations=0)
    >>> result.frame.loc[centre, ["quadrant", "label"]].tolist()
    ['HH', 'HH']
    """
    _check_options(permutations, seed, alternative, correction, alpha)
    problems = Problems("local Moran settings")
    if transform not in _MORAN_TRANSFORMS:
        problems.add(f"transform must be one of {_MORAN_TRANSFORMS}, got {transform!r}")
    if null not in _MORAN_NULLS:
        problems.add(f"null must be one of {_MORAN_NULLS}, got {null!r}")
    problems.raise_if_any(ConfigError)
    arrays = graph_arrays(graph)
    x = _align_values(values, arrays.ids, "local Moran")
    n = arrays.n
    if n < 3:
        raise SchemaError(f"local Moran needs at least 3 units, got {n}")
    cardinality = arrays.cardinality
    isolated = cardinality == 0
    rows = np.repeat(np.arange(n), cardinality)
    w = arrays.data
    if transform == "r":
        row_total = np.bincount(rows, weights=w, minlength=n)
        w = w / row_total[rows]
    dev = x - x.mean()
    m2 = (dev * dev).sum() / n
    lag = np.bincount(rows, weights=w * dev[arrays.indices], minlength=n)
    w_sum = np.bincount(rows, weights=w, minlength=n)
    w_sq = np.bincount(rows, weights=w * w, minlength=n)
    if m2 > 0:
        statistic = dev * lag / m2
        expected, variance = _moran_moments(dev, w_sum, w_sq, null)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (statistic - expected) / np.sqrt(variance)
        # I_i is identically 0 when x_i equals the mean: nothing to test, p = 1.
        z[dev == 0] = 0.0
    else:
        statistic = np.zeros(n)
        z = np.zeros(n)
    z[~np.isfinite(z)] = np.nan

    test = _TestOptions(
        permutations, _resolve_seed(permutations, seed), alternative, correction, alpha, variable
    )
    p = _moran_pvalues(x, dev, z, arrays, w, test)

    # quadrant codes follow _QUADRANTS = ("HH", "LH", "LL", "HL"), esda's q - 1
    high = dev > 0
    lag_high = lag > 0
    quadrant_code = np.where(high, np.where(lag_high, 0, 3), np.where(lag_high, 1, 2))
    for column in (statistic, z, p):
        column[isolated] = np.nan
    quadrant_code[isolated] = -1
    q = adjust_pvalues(p, correction)
    label_code = _moran_label_codes(quadrant_code, q, alpha, isolated)
    frame = pd.DataFrame(
        {
            "statistic": statistic,
            "z": z,
            "p": p,
            "q": q,
            "quadrant": pd.Categorical.from_codes(quadrant_code, categories=list(_QUADRANTS)),
            "label": pd.Categorical.from_codes(label_code, categories=list(CLUSTER_LABELS)),
        },
        index=arrays.ids.rename("unit_id"),
    )
    settings = _base_settings(
        "local_moran",
        "local Moran's I (Anselin 1995)",
        graph,
        values,
        p,
        test,
    )
    settings["weights_transform"] = transform
    settings["moments"] = null
    return HotspotResult(frame=frame, settings=settings)
