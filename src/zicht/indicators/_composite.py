"""A composite risk index with honest uncertainty, following the OECD/JRC handbook.

The *Handbook on Constructing Composite Indicators* (OECD & JRC, 2008) builds an index in
steps; zicht implements the ones that are computations:

* **normalisation** of each component: ``min_max`` (to [0, 1]), ``z_score`` (mean 0, sd 1)
  or ``rank`` (percentile rank in (0, 1]);
* **weighting**: ``equal`` or ``given`` (the components' ``weight``);
* **aggregation**: ``additive`` (weighted mean) or ``geometric`` (weighted geometric mean of
  the components rescaled to [1, 100], so a low value cannot be fully compensated);
* **uncertainty and sensitivity analysis** (Saisana, Saltelli & Tarantola 2005): a seeded
  Monte Carlo over the normalisation, the aggregation and the weights (each weight times a
  uniform factor in ``[1 - spread, 1 + spread]``), giving every area the distribution of
  its rank. zicht publishes the 5th and 95th percentile ranks (for ``interval = 0.90``)
  and flags an area *unstable* when that interval is wider than ``unstable_width`` of the
  number of areas. The share of rank variance due to the normalisation and the aggregation
  choice (first-order effects), and the rank shifts when one component is left out, are
  reported too.

The index combines **area-level values that passed disclosure control only**; it never
sees units. Rank 1 is the highest composite value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from zicht._errors import ConfigError
from zicht.schemas import IndicatorMeta

if TYPE_CHECKING:  # numpy, pandas and scipy load where the index is built: a config needs the specs
    import numpy as np
    import pandas as pd

__all__ = [
    "AGGREGATIONS",
    "COMPOSITE_COLUMNS",
    "NORMALISATIONS",
    "WEIGHTINGS",
    "Component",
    "CompositeResult",
    "CompositeSpec",
    "UncertaintySpec",
    "aggregate",
    "composite_columns",
    "composite_index",
    "normalise",
]

NORMALISATIONS = ("min_max", "z_score", "rank")
AGGREGATIONS = ("additive", "geometric")
WEIGHTINGS = ("equal", "given")

#: Columns a composite adds to every published layer.
COMPOSITE_COLUMNS = (
    "composite_score",
    "composite_rank",
    "composite_rank_lo",
    "composite_rank_hi",
    "composite_rank_unstable",
)


@dataclass(frozen=True)
class Component:
    """One indicator in the composite.

    Parameters
    ----------
    indicator
        Id of a declared indicator; its headline column is used (the smoothed rate when
        the indicator is smoothed).
    weight
        Nominal weight (used when ``weighting = "given"``); positive.
    invert
        True when *lower* values mean more risk (a distance to the nearest risk feature).
    """

    indicator: str
    weight: float = 1.0
    invert: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.indicator, str) or not self.indicator:
            raise ConfigError("composite.components: 'indicator' must be an indicator id")
        if isinstance(self.weight, bool) or not isinstance(self.weight, int | float):
            raise ConfigError(f"component {self.indicator!r}: weight must be a number")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ConfigError(
                f"component {self.indicator!r}: weight must be a positive number, got {self.weight}"
            )


@dataclass(frozen=True)
class UncertaintySpec:
    """Settings of the Monte Carlo uncertainty and sensitivity analysis.

    Parameters
    ----------
    draws
        Number of Monte Carlo draws (100 to 100 000).
    seed
        Seed of the draws; the same seed gives the same intervals.
    normalisations
        Normalisations drawn from (with equal probability).
    aggregations
        Aggregations drawn from (with equal probability).
    weight_spread
        Each nominal weight is multiplied by a uniform factor in
        ``[1 - weight_spread, 1 + weight_spread]`` and the weights are renormalised; in
        [0, 0.95].
    interval
        Central share of the rank distribution reported as the rank interval (0.90 gives the
        5th and 95th percentile ranks).
    unstable_width
        An area is *unstable* when its rank interval is wider than this share of the number
        of ranked areas.
    """

    draws: int = 1000
    seed: int = 20240601
    normalisations: tuple[str, ...] = NORMALISATIONS
    aggregations: tuple[str, ...] = AGGREGATIONS
    weight_spread: float = 0.5
    interval: float = 0.90
    unstable_width: float = 0.25

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.draws, int) and 100 <= self.draws <= 100_000):
            problems.append(f"draws must be an integer from 100 to 100000, got {self.draws!r}")
        for name, values, allowed in (
            ("normalisations", self.normalisations, NORMALISATIONS),
            ("aggregations", self.aggregations, AGGREGATIONS),
        ):
            bad = [v for v in values if v not in allowed]
            if bad or not values:
                problems.append(
                    f"{name} = {list(values)!r}: use a non-empty subset of {list(allowed)}"
                )
        if not 0 <= self.weight_spread <= 0.95:
            problems.append(f"weight_spread must lie in [0, 0.95], got {self.weight_spread}")
        if not 0.5 <= self.interval < 1:
            problems.append(f"interval must lie in [0.5, 1), got {self.interval}")
        if not 0 < self.unstable_width <= 1:
            problems.append(f"unstable_width must lie in (0, 1], got {self.unstable_width}")
        if problems:
            raise ConfigError("composite.uncertainty: " + "; ".join(problems))

    @property
    def percentiles(self) -> tuple[float, float]:
        """Lower and upper percentile of the rank interval (5 and 95 for 0.90)."""
        tail = (1 - self.interval) / 2 * 100
        return round(tail, 6), round(100 - tail, 6)


@dataclass(frozen=True)
class CompositeSpec:
    """A composite risk index over declared indicators.

    Parameters
    ----------
    title
        Title in legends and the report.
    components
        The indicators combined (at least two), each with weight and direction.
    normalisation
        Nominal normalisation: ``"min_max"`` (default), ``"z_score"`` or ``"rank"``.
    weighting
        ``"equal"`` (default) or ``"given"`` (the components' weights).
    aggregation
        Nominal aggregation: ``"additive"`` (default) or ``"geometric"``.
    uncertainty
        The Monte Carlo settings.
    """

    title: str = "Composite risk index"
    components: tuple[Component, ...] = ()
    normalisation: str = "min_max"
    weighting: str = "equal"
    aggregation: str = "additive"
    uncertainty: UncertaintySpec = field(default_factory=UncertaintySpec)

    def __post_init__(self) -> None:
        problems = []
        for name, value, allowed in (
            ("normalisation", self.normalisation, NORMALISATIONS),
            ("weighting", self.weighting, WEIGHTINGS),
            ("aggregation", self.aggregation, AGGREGATIONS),
        ):
            if value not in allowed:
                problems.append(f"{name} = {value!r} is not allowed; use one of {list(allowed)}")
        ids = [c.indicator for c in self.components]
        if len(ids) == 1:
            problems.append("a composite needs at least two components (or none, to skip it)")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"components {dupes} appear more than once")
        if problems:
            raise ConfigError("composite: " + "; ".join(problems))

    @property
    def enabled(self) -> bool:
        """True when components are declared."""
        return bool(self.components)

    def method_fields(self, language: str = "en") -> dict[str, object]:
        """Fields that describe the method in the report, catalogue and register strings.

        Parameters
        ----------
        language
            ``"nl"`` writes the numbers with a decimal comma (``0,5``), ``"en"`` with a point.

        Returns
        -------
        dict
            The nominal choices, the Monte Carlo draws and seed, the drawn alternatives,
            the weight range (``low``, ``high``) and the percentiles (``lo``, ``hi``), as
            the ``{fields}`` of the string catalogue expect them.
        """
        unc = self.uncertainty
        lo, hi = unc.percentiles
        comma = str.maketrans(".", ",") if language == "nl" else {}
        return {
            "normalisation": self.normalisation,
            "weighting": self.weighting,
            "aggregation": self.aggregation,
            "draws": unc.draws,
            "seed": unc.seed,
            "normalisations": list(unc.normalisations),
            "aggregations": list(unc.aggregations),
            "low": f"{1 - unc.weight_spread:g}".translate(comma),
            "high": f"{1 + unc.weight_spread:g}".translate(comma),
            "lo": f"{lo:g}".translate(comma),
            "hi": f"{hi:g}".translate(comma),
        }

    def nominal_weights(self) -> np.ndarray:
        """Nominal weights, summing to one."""
        import numpy as np

        if self.weighting == "equal":
            w = np.ones(len(self.components))
        else:
            w = np.array([c.weight for c in self.components], dtype="float64")
        return w / w.sum()

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-serialisable data."""
        out = asdict(self)
        out["components"] = [asdict(c) for c in self.components]
        out["nominal_weights"] = [round(float(w), 6) for w in self.nominal_weights()]
        return out


def composite_columns(spec: CompositeSpec) -> list[IndicatorMeta]:
    """Describe the composite's published columns for the release and the map.

    The kinds are ``"index"``, ``"rank"`` and ``"flag"``: not counts (never rounded) and
    not rates (no rate rule applies to a rescaled score or a rank).

    Parameters
    ----------
    spec
        The composite.

    Returns
    -------
    list of IndicatorMeta
        Score, nominal rank, the two ends of the rank interval and the unstable flag.
    """
    lo, hi = spec.uncertainty.percentiles
    share = f"{spec.uncertainty.interval:.0%}"
    width = f"{spec.uncertainty.unstable_width:.0%}"
    return [
        IndicatorMeta("composite_score", f"{spec.title} (0–100)", "", "index"),
        IndicatorMeta("composite_rank", f"{spec.title}: rank (1 = highest)", "", "rank"),
        IndicatorMeta(
            "composite_rank_lo",
            f"{spec.title}: rank, {share} interval low ({lo:g}th pct)",
            "",
            "rank",
        ),
        IndicatorMeta(
            "composite_rank_hi",
            f"{spec.title}: rank, {share} interval high ({hi:g}th pct)",
            "",
            "rank",
        ),
        IndicatorMeta(
            "composite_rank_unstable",
            f"{spec.title}: rank unstable (1 = interval wider than {width} of areas)",
            "",
            "flag",
        ),
    ]


def normalise(values: np.ndarray, method: str) -> np.ndarray:
    """Normalise each column of ``values`` (areas × components).

    Parameters
    ----------
    values
        Finite values, larger meaning more risk.
    method
        ``"min_max"``, ``"z_score"`` or ``"rank"``.

    Returns
    -------
    numpy.ndarray
        Same shape. A constant column becomes 0 (it carries no information).

    Examples
    --------
    >>> normalise(np.array([[1.0], [2.0], [3.0]]), "min_max").ravel().tolist()
    [0.0, 0.5, 1.0]
    >>> normalise(np.array([[1.0], [2.0], [3.0]]), "rank").ravel().round(3).tolist()
    [0.333, 0.667, 1.0]
    """
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype="float64")
    if method == "min_max":
        span = x.max(axis=0) - x.min(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(span > 0, (x - x.min(axis=0)) / np.where(span > 0, span, 1), 0.0)
        return out
    if method == "z_score":
        sd = x.std(axis=0)
        return np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)
    if method == "rank":
        return stats.rankdata(x, axis=0, method="average") / len(x)
    raise ConfigError(f"normalisation {method!r} is not allowed; use one of {list(NORMALISATIONS)}")


def _positive(normed: np.ndarray) -> np.ndarray:
    """Rescale each column to [1, 100] for the geometric mean."""
    return 1.0 + 99.0 * normalise(normed, "min_max")


def aggregate(normed: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """Aggregate normalised components with weights.

    Parameters
    ----------
    normed
        Areas × components.
    weights
        Components, or components × draws; each column sums to one.
    method
        ``"additive"`` (weighted sum) or ``"geometric"`` (weighted geometric mean of the
        columns rescaled to [1, 100]).

    Returns
    -------
    numpy.ndarray
        One score per area (per draw when ``weights`` is 2-D).

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> aggregate(x, np.array([0.5, 0.5]), "additive").tolist()
    [0.5, 1.0]
    """
    import numpy as np

    if method == "additive":
        return normed @ weights
    if method == "geometric":
        return np.exp(np.log(_positive(normed)) @ weights)
    raise ConfigError(f"aggregation {method!r} is not allowed; use one of {list(AGGREGATIONS)}")


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score; ties share the best rank."""
    from scipy import stats

    return stats.rankdata(-scores, axis=0, method="min")


@dataclass(frozen=True)
class CompositeResult:
    """A composite index with its rank intervals.

    Attributes
    ----------
    frame
        Indexed by area: ``composite_score`` (0–100), ``composite_rank`` (nominal settings,
        1 = highest), ``composite_rank_median``, ``composite_rank_lo``,
        ``composite_rank_hi``, ``composite_rank_unstable`` (0/1).
    settings
        The spec, nominal weights, draws, seed and percentiles.
    summary
        ``n_areas``, ``n_unstable``, ``share_unstable``, ``median_interval_width`` and a
        one-line ``verdict``.
    sensitivity
        First-order shares of rank variance (``normalisation``, ``aggregation``), the rest
        (``weights_and_interactions``), and per component the rank shifts when it is left
        out (``leave_one_out``).
    correlations
        Spearman correlations between the components (double counting shows here).
    """

    frame: pd.DataFrame
    settings: dict[str, Any]
    summary: dict[str, Any]
    sensitivity: dict[str, Any]
    correlations: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Return everything but the per-area frame as JSON-serialisable data."""
        corr = {
            str(a): {str(b): round(float(v), 4) for b, v in row.items()}
            for a, row in self.correlations.iterrows()
        }
        return {
            "settings": self.settings,
            "summary": self.summary,
            "sensitivity": self.sensitivity,
            "correlations": corr,
        }


def _variance_parts(ranks: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Return the rank variance summed over areas, and its part between the ``labels``."""
    import numpy as np

    total = float(ranks.var(axis=1).sum())
    between = 0.0
    mean = ranks.mean(axis=1)
    for value in np.unique(labels):
        sel = labels == value
        share = sel.mean()
        between += float(share * ((ranks[:, sel].mean(axis=1) - mean) ** 2).sum())
    return total, between


#: Areas summarised at a time: the percentiles and variances of all areas at once copy the
#: ranks (areas x draws) to float64 several times, which a national run cannot hold.
_SUMMARY_ROWS = 8192


def _rank_summary(
    ranks: np.ndarray, percentiles: tuple[float, float], norm_pick: np.ndarray, agg_pick: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Per area the lower, median and upper rank; the first-order shares of both factors.

    Computed a block of areas at a time, with the same values as at once.
    """
    import numpy as np

    n = len(ranks)
    lo, median, hi = np.empty(n), np.empty(n), np.empty(n)
    parts = np.zeros((2, 2))
    for start in range(0, n, _SUMMARY_ROWS):
        block = ranks[start : start + _SUMMARY_ROWS]
        q = np.percentile(block, [percentiles[0], 50.0, percentiles[1]], axis=1)
        rows = slice(start, start + len(block))
        lo[rows], median[rows], hi[rows] = np.floor(q[0]), q[1], np.ceil(q[2])
        parts[0] += _variance_parts(block, norm_pick)
        parts[1] += _variance_parts(block, agg_pick)
    shares = [float(b / t) if t > 0 else 0.0 for t, b in parts]
    return lo, median, hi, shares[0], shares[1]


def composite_index(values: pd.DataFrame, spec: CompositeSpec) -> CompositeResult:
    """Build the composite index and its Monte Carlo rank intervals.

    Parameters
    ----------
    values
        One row per area (index: area id), one column per component, named by the
        component's indicator id; only areas with every value finite are ranked (the others
        get missing values).
    spec
        The composite.

    Returns
    -------
    CompositeResult
        Scores, ranks, rank intervals, sensitivity and correlations.

    Raises
    ------
    ConfigError
        If a component column is missing, or fewer than three areas can be ranked.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4]}, index=list("wxyz"))
    >>> spec = CompositeSpec(components=(Component("a"), Component("b")),
    ...                      uncertainty=UncertaintySpec(draws=200, seed=1))
    >>> composite_index(frame, spec).frame["composite_rank"].astype(int).tolist()
    [4, 2, 2, 1]
    """
    import numpy as np
    import pandas as pd

    if not spec.enabled:
        raise ConfigError("the composite has no components")
    ids = [c.indicator for c in spec.components]
    missing = [i for i in ids if i not in values.columns]
    if missing:
        raise ConfigError(f"composite components {missing} have no values")
    raw = values[ids].astype("float64")
    ok = np.isfinite(raw.to_numpy()).all(axis=1)
    frame = _empty_frame(values.index)
    n = int(ok.sum())
    if n < 3:
        raise ConfigError(
            f"the composite can rank only {n} area(s) with every component published; "
            "at least 3 are needed"
        )
    x = raw.to_numpy()[ok]
    signs = np.array([-1.0 if c.invert else 1.0 for c in spec.components])
    x = x * signs
    weights = spec.nominal_weights()
    unc = spec.uncertainty

    nominal = aggregate(normalise(x, spec.normalisation), weights, spec.aggregation)
    span = nominal.max() - nominal.min()
    score = 100 * (nominal - nominal.min()) / span if span > 0 else np.full(n, 50.0)
    nominal_rank = _ranks(nominal)

    ranks, norm_pick, agg_pick = _draw_ranks(x, weights, unc)
    lo_pct, hi_pct = unc.percentiles
    lo, median, hi, s_norm, s_agg = _rank_summary(ranks, (lo_pct, hi_pct), norm_pick, agg_pick)
    width = hi - lo
    unstable = width > unc.unstable_width * n

    frame.loc[ok, "composite_score"] = score
    frame.loc[ok, "composite_rank"] = nominal_rank
    frame.loc[ok, "composite_rank_lo"] = lo
    frame.loc[ok, "composite_rank_hi"] = hi
    frame.loc[ok, "composite_rank_unstable"] = unstable.astype("float64")
    frame.loc[ok, "composite_rank_median"] = median
    leave_one_out = _leave_one_out(x, weights, spec, nominal_rank)
    n_unstable = int(unstable.sum())
    share_unstable = n_unstable / n
    median_width = float(np.median(width))
    verdict = _verdict(n_unstable, n, unc)
    # Correlations of the oriented values: a strong one means double counting.
    corr = pd.DataFrame(x, columns=ids).corr(method="spearman")
    return CompositeResult(
        frame=frame,
        settings={
            **spec.to_dict(),
            "n_areas_ranked": n,
            "n_areas_not_ranked": int((~ok).sum()),
            "percentiles": [lo_pct, hi_pct],
            "rank_convention": "1 = highest composite value",
            "method": "OECD/JRC Handbook on Constructing Composite Indicators (2008); "
            "Monte Carlo uncertainty analysis after Saisana, Saltelli & Tarantola (2005)",
        },
        summary={
            "n_areas": n,
            "n_unstable": n_unstable,
            "share_unstable": round(share_unstable, 4),
            "median_interval_width": median_width,
            "verdict": verdict,
        },
        sensitivity={
            "normalisation": round(s_norm, 4),
            "aggregation": round(s_agg, 4),
            "weights_and_interactions": round(max(0.0, 1 - s_norm - s_agg), 4),
            "leave_one_out": leave_one_out,
        },
        correlations=corr,
    )


def _empty_frame(index: pd.Index) -> pd.DataFrame:
    """Return the composite's columns for ``index``, all missing until ranked."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(index=index)
    for col in (*COMPOSITE_COLUMNS, "composite_rank_median"):
        frame[col] = np.nan
    return frame


def _draw_ranks(
    x: np.ndarray, weights: np.ndarray, unc: UncertaintySpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank the areas under every Monte Carlo draw of normalisation, aggregation, weights.

    Returns the ranks (areas x draws) and each draw's normalisation and aggregation pick.
    """
    import numpy as np

    n = len(x)
    rng = np.random.default_rng(unc.seed)
    norm_pick = rng.integers(0, len(unc.normalisations), unc.draws)
    agg_pick = rng.integers(0, len(unc.aggregations), unc.draws)
    factors = rng.uniform(1 - unc.weight_spread, 1 + unc.weight_spread, (len(weights), unc.draws))
    draw_weights = weights[:, None] * factors
    draw_weights /= draw_weights.sum(axis=0, keepdims=True)
    normed = {m: normalise(x, m) for m in unc.normalisations}
    # Ranks as int32, made 100 draws at a time on both cores: the scores of all draws at
    # once (areas x draws float64, and as much again to rank them) do not fit a national run.
    from zicht._h3 import map_in_threads

    ranks = np.empty((n, unc.draws), dtype=np.int32 if n < 2**31 - 1 else np.int64)

    def block(cols: np.ndarray) -> None:
        scores = np.empty((n, len(cols)))
        for i, norm in enumerate(unc.normalisations):
            for j, agg in enumerate(unc.aggregations):
                sel = (norm_pick[cols] == i) & (agg_pick[cols] == j)
                if sel.any():
                    scores[:, sel] = aggregate(normed[norm], draw_weights[:, cols[sel]], agg)
        ranks[:, cols] = _ranks(scores)

    map_in_threads(block, unc.draws, np.arange(unc.draws), chunk=100)
    return ranks, norm_pick, agg_pick


def _leave_one_out(
    x: np.ndarray, weights: np.ndarray, spec: CompositeSpec, nominal_rank: np.ndarray
) -> dict[str, dict[str, float | int]]:
    """How far the ranks move when each component is left out in turn."""
    import numpy as np

    leave_one_out: dict[str, dict[str, float | int]] = {}
    for k, comp in enumerate(spec.components):
        keep = [i for i in range(len(spec.components)) if i != k]
        w = weights[keep] / weights[keep].sum()
        alt = _ranks(aggregate(normalise(x[:, keep], spec.normalisation), w, spec.aggregation))
        shift = np.abs(alt - nominal_rank)
        leave_one_out[comp.indicator] = {
            "mean_abs_rank_shift": round(float(shift.mean()), 2),
            "max_abs_rank_shift": int(shift.max()),
        }
    return leave_one_out


def _verdict(n_unstable: int, n: int, unc: UncertaintySpec) -> str:
    """Say in words how far the ranking can be trusted."""
    share_unstable = n_unstable / n
    if share_unstable > unc.unstable_width:
        return (
            f"The ranks of this index swing widely: {n_unstable} of {n} areas "
            f"({share_unstable:.0%}) have a {unc.interval:.0%} rank interval wider than "
            f"{unc.unstable_width:.0%} of the areas. Do not read the ranking as precise; "
            "look at the components."
        )
    if n_unstable:
        return (
            f"Mostly stable: {n_unstable} of {n} areas ({share_unstable:.0%}) have a rank "
            f"interval wider than {unc.unstable_width:.0%} of the areas and are flagged."
        )
    return (
        f"Stable: no area's {unc.interval:.0%} rank interval is wider than "
        f"{unc.unstable_width:.0%} of the {n} areas."
    )
