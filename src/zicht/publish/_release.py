"""Disclosure control: turn computed statistics into a :class:`Release`.

The :class:`Release` is the only object the map and file writers accept, and only
:func:`publish_release` can make one. Everything in a release has passed the disclosure
rules (:class:`DisclosureRules`, defaults from the CBS output guidelines):

* **threshold** — a value rests on at least ``min_units`` units; smaller areas carry no
  value (status ``suppressed``) or are merged into a publishable region (``merged``);
* **rounding** — counts at buurt and finer levels are rounded to ``rounding_base``;
  gemeente totals are exact; rates are computed from the unrounded figures;
* **small counts** — a count from 1 to ``min_units - 1`` is never shown exactly: it is
  rounded and its rate is the rate of the rounded figures (or it is suppressed);
* **group disclosure** — a share above ``group_max_pct`` (default 90 %) is not published;
* **companies** — company-based indicators need ``min_companies`` contributors and pass the
  ``(dominance_n, dominance_pct)`` dominance rule;
* **secondary protection** — no suppressed value can be derived from published totals
  (see :mod:`zicht.publish._disclosure` for the attack model);
* **derived statistics** — hot-spot classes only on published features; z, p and q only
  where the whole Gi* window is published, and rounded.

Given the unit-level table (:class:`UnitTable`), the step also merges small H3 cells into
regions that nest in buurten (:mod:`zicht.publish`), which makes differencing between the
published geographies impossible by construction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht.publish._disclosure import (
    HIDDEN,
    ROUNDED,
    primary_indicator_state,
    publish_counts,
)
from zicht._errors import DisclosureError

__all__ = [
    "STATUS_MERGED",
    "STATUS_PUBLISHED",
    "STATUS_SUPPRESSED",
    "DisclosureRules",
    "IndicatorMeta",
    "LayerInput",
    "Release",
    "UnitTable",
    "publish_release",
    "round_to_base",
    "units_band",
]

STATUS_PUBLISHED = "published"
STATUS_SUPPRESSED = "suppressed"
STATUS_MERGED = "merged"
NOT_PUBLISHED_BAND = "not published"
NOT_PUBLISHABLE_LABEL = "not publishable"

SMALL_COUNT_MODES = ("round", "suppress")
HOTSPOT_SCORE_MODES = ("rounded", "labels")

_RELEASE_TOKEN = object()


@dataclass(frozen=True)
class DisclosureRules:
    """The disclosure rules; set the numbers of the CBS output guidelines you work under.

    Defaults follow the CBS guidelines for microdata output (minimum of 10 units per
    published value; group disclosure above 90 %; at least 3 companies and the (2, 85 %)
    dominance rule for business data) and the rounding of the CBS *Kerncijfers wijken en
    buurten* (counts rounded to multiples of 5). See ``docs/publication.md``.

    Parameters
    ----------
    min_units
        A value is published only if its population holds at least this many units
        (addresses, persons, households).
    rounding_base
        Counts on rounded layers are rounded to a multiple of this base; ``1`` disables
        rounding (then ``small_count`` must be ``"suppress"``).
    exact_layers
        Layers whose counts are published exactly (gemeente totals); small counts are
        still never exact.
    rate_decimals
        Decimals of published rates (per cent).
    small_count
        How a count from 1 to ``min_units - 1`` is shown: ``"round"`` (rounded, and its
        rate computed from the rounded figures so it cannot undo the rounding) or
        ``"suppress"`` (not shown).
    group_max_pct
        A share above this (per cent of the population) is not published: it discloses
        (nearly) every member.
    group_low
        Also refuse shares below ``100 - group_max_pct`` (when *not* having the
        attribute is the sensitive fact).
    min_companies
        Company-based indicators: contributors a non-zero value must rest on.
    dominance_n, dominance_pct
        Company-based indicators: the ``dominance_n`` largest contributors may not make up
        more than ``dominance_pct`` per cent of the value.
    hotspot_scores
        ``"rounded"``: publish hot-spot classes, and z, p and q rounded where the whole
        window is published; ``"labels"``: classes only.
    z_decimals, p_decimals
        Decimals of published z-scores and p/q-values.
    """

    min_units: int = 10
    rounding_base: int = 5
    exact_layers: tuple[str, ...] = ("gemeente",)
    rate_decimals: int = 1
    small_count: str = "round"
    group_max_pct: float = 90.0
    group_low: bool = False
    min_companies: int = 3
    dominance_n: int = 2
    dominance_pct: float = 85.0
    hotspot_scores: str = "rounded"
    z_decimals: int = 1
    p_decimals: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact_layers", tuple(self.exact_layers))
        problems = []
        if self.min_units < 1:
            problems.append(f"min_units must be at least 1, got {self.min_units}")
        if self.rounding_base < 1:
            problems.append(f"rounding_base must be at least 1, got {self.rounding_base}")
        if self.small_count not in SMALL_COUNT_MODES:
            problems.append(
                f"small_count must be one of {SMALL_COUNT_MODES}, got {self.small_count!r}"
            )
        elif self.small_count == "round" and self.rounding_base < 2:
            problems.append(
                "small_count = 'round' needs rounding_base of at least 2 (with 1 a small "
                "count would be shown exactly); use small_count = 'suppress'"
            )
        if not 50.0 <= self.group_max_pct <= 100.0:
            problems.append(f"group_max_pct must lie in [50, 100], got {self.group_max_pct}")
        if not 0 <= self.rate_decimals <= 6:
            problems.append(f"rate_decimals must be 0 to 6, got {self.rate_decimals}")
        if self.min_companies < 1:
            problems.append(f"min_companies must be at least 1, got {self.min_companies}")
        if self.dominance_n < 1 or not 0.0 < self.dominance_pct <= 100.0:
            problems.append(
                f"dominance rule ({self.dominance_n}, {self.dominance_pct} %) is not valid"
            )
        if self.hotspot_scores not in HOTSPOT_SCORE_MODES:
            problems.append(
                f"hotspot_scores must be one of {HOTSPOT_SCORE_MODES}, got {self.hotspot_scores!r}"
            )
        if not (0 <= self.z_decimals <= 6 and 0 <= self.p_decimals <= 6):
            problems.append("z_decimals and p_decimals must be 0 to 6")
        if problems:
            raise DisclosureError("disclosure rules: " + "; ".join(problems))

    def is_rounded(self, layer: str) -> bool:
        """Whether counts on ``layer`` are rounded."""
        return layer not in self.exact_layers and self.rounding_base > 1


@dataclass(frozen=True)
class IndicatorMeta:
    """What a published indicator column holds.

    Parameters
    ----------
    column
        Column name in every published layer.
    title
        Human title for legends and tooltips.
    unit
        Unit of the value, e.g. ``"addresses"`` or ``"%"``.
    kind
        ``"count"`` (rounded, small counts protected), ``"rate"`` (a count per ``per``
        units of a base: computed before rounding), or any other kind (``"index"``,
        ``"rank"``, a density or a distance): a value computed elsewhere, published as
        given on published features only.
    numerator
        For a count, the unit-table column it sums (default: the column name without
        ``n_``); for a rate, the count column it divides (default: from the name,
        ``rate_<id>_pct`` / ``share_<id>_pct`` / ``rate_<id>_per_1000`` /
        ``rate_<id>_eb_global_pct`` → ``n_<id>``).
    base
        For a rate: the count column of its denominator (default ``n_<id>_base`` where it
        exists, else ``n_units``); the threshold applies to it.
    basis
        ``"units"`` or ``"companies"`` (the company rules apply; the unit table must name
        its company column).
    """

    column: str
    title: str
    unit: str
    kind: str = "count"
    numerator: str | None = None
    base: str | None = None
    basis: str = "units"

    def __post_init__(self) -> None:
        if self.basis not in ("units", "companies"):
            raise DisclosureError(
                f"indicator {self.column!r}: basis must be 'units' or 'companies'"
            )

    @property
    def count_column(self) -> str | None:
        """The count column of a count or rate (``None`` for other kinds)."""
        if self.kind == "count":
            return self.column
        if self.kind != "rate":
            return None
        if self.numerator:
            return self.numerator
        link = _parse_rate(self.column)
        return None if link is None else f"n_{link[0]}"


def _parse_rate(column: str, ids: set[str] | None = None) -> tuple[str, float, str | None] | None:
    """``(id, per, smoothing)`` from a rate column name, or ``None`` if it is not one."""
    for prefix in ("rate_", "share_", "pct_"):
        if column.startswith(prefix):
            rest = column[len(prefix) :]
            break
    else:
        return None
    if prefix == "pct_":
        return rest, 100.0, None
    parts = rest.split("_")
    # the id is the shortest head of the name that leaves a known suffix
    for cut in range(1, len(parts)):
        head, tail = "_".join(parts[:cut]), parts[cut:]
        if ids is not None and head not in ids:
            continue
        smoothing = None
        if len(tail) > 2 and tail[0] == "eb" and tail[1] in ("global", "spatial"):
            smoothing = f"eb_{tail[1]}"
            tail = tail[2:]
        if tail == ["pct"]:
            return head, 100.0, smoothing
        if len(tail) >= 2 and tail[0] == "per":
            try:
                return head, float(".".join(tail[1:])), smoothing
            except ValueError:
                continue
    return None


@dataclass(frozen=True)
class LayerInput:
    """One geography to publish: its statistics before disclosure control.

    Parameters
    ----------
    name
        Layer name (``"h3"``, ``"buurt"`` …).
    frame
        GeoDataFrame in EPSG:28992 with ``area_id`` (str), ``area_name`` (str) and
        geometry; ``n_units`` and the indicator columns (required without a
        :class:`UnitTable`, checked against it with one); optionally hot-spot columns
        ``hotspot_z``, ``hotspot_p``, ``hotspot_q``, ``hotspot_bin``, ``hotspot_label``.
    hotspot_k
        The k-ring of the Gi* window on an H3 layer (z, p and q are published only where
        the whole window is published); defaults to ``metadata["hotspot"]["k"]`` or 1.
    """

    name: str
    frame: gpd.GeoDataFrame
    hotspot_k: int | None = None


@dataclass(frozen=True)
class UnitTable:
    """The confidential unit-level table; disclosure control aggregates it itself.

    Parameters
    ----------
    frame
        One row per unit with the H3 cell, the area codes, the numerator columns and,
        optionally, point geometry (written to the units file for ``zicht check``).
    cell
        Column with the 64-bit H3 id of every unit (all at one resolution).
    areas
        Published CBS levels, finest first, as layer name → unit column; each level
        must nest in the next (buurt in wijk in gemeente).
    extra
        Other published geographies as layer name → unit column (e.g. ``{"park":
        "park_id"}``); regions are split along them so they can be published too.
    numerators
        Count column → unit column, where it is not ``column`` without ``n_``.
    whole
        Names of ``extra`` layers whose features are kept whole when regions are built
        (e.g. ``("park",)``): the regions of a feature become one region, so a feature
        that passes the rules is published with exact values rather than as a sum of
        rounded regions.
    company
        Column with the company of every unit (company-based indicators).
    unit_id
        Column with a unit identifier (written to the units file).
    """

    frame: pd.DataFrame
    cell: str = "h3_r9"
    areas: Mapping[str, str] = field(
        default_factory=lambda: {
            "buurt": "buurt_code",
            "wijk": "wijk_code",
            "gemeente": "gemeente_code",
        }
    )
    extra: Mapping[str, str] = field(default_factory=dict)
    numerators: Mapping[str, str] = field(default_factory=dict)
    whole: tuple[str, ...] = ()
    company: str | None = None
    unit_id: str | None = None


@dataclass(frozen=True)
class Release:
    """Statistics that passed disclosure control; the only input the writers accept.

    Attributes
    ----------
    layers
        Published geographies by name. Each frame has ``area_id``, ``area_name``,
        ``status`` (``published``, ``merged`` or ``suppressed``), ``n_units`` (missing
        unless published), ``n_units_band`` (``"10–49"`` …; ``"< 10"`` or ``"not
        published"`` otherwise), the indicator columns (missing where not publishable)
        and hot-spot columns; the ``h3`` layer and merged areas carry ``region_id``.
    indicators
        Metadata of the indicator columns.
    context
        Public reference layers (boundaries, park locations) that carry no unit data.
    rules
        The disclosure rules applied.
    metadata
        Provenance: run id, zicht version, creation time, statistics settings, data date.
    audit
        Internal log, one row per merge and suppression: ``layer``, ``area_id``,
        ``action``, ``indicator``, ``reason``. It names reasons that can themselves
        disclose (a share above 90 %); it is written outside the release folder.
    regions
        Public composition of the regions: ``region_id``, ``h3_cell`` and the area
        code columns of each piece (``None`` without a unit table).
    disclosure
        Aggregate figures of what disclosure control did (regions made, features merged
        and suppressed, values rounded or hidden), the unit keys of every layer, and
        whether differencing between the layers was verified.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    indicators: tuple[IndicatorMeta, ...]
    context: Mapping[str, gpd.GeoDataFrame]
    rules: DisclosureRules
    metadata: Mapping[str, Any]
    audit: pd.DataFrame
    regions: pd.DataFrame | None = None
    disclosure: Mapping[str, Any] = field(default_factory=dict)
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _RELEASE_TOKEN:
            raise DisclosureError(
                "A Release can only be made by zicht.publish.publish_release, "
                "so that nothing unchecked reaches a map or a file."
            )

    @property
    def differencing_verified(self) -> bool:
        """True when every pair of layers was protected against differencing."""
        return bool(self.disclosure.get("differencing_verified", False))


def round_to_base(values: pd.Series, base: int) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves round up).

    Parameters
    ----------
    values
        Non-negative counts; missing values stay missing.
    base
        Rounding base; ``1`` returns the values unchanged.

    Returns
    -------
    pandas.Series
        Nullable integer series aligned to ``values``.

    Examples
    --------
    >>> round_to_base(pd.Series([12, 13, 0]), 5).tolist()
    [10, 15, 0]
    """
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    rounded = np.floor(numeric / base + 0.5) * base
    return pd.Series(rounded, index=values.index).astype("Int64")


def units_band(n_units: pd.Series, min_units: int) -> pd.Series:
    """Describe a population size as a band (``"< 10"``, ``"10–49"``, ``"50–99"`` …).

    Parameters
    ----------
    n_units
        Exact population sizes.
    min_units
        The publication threshold; everything below it is ``"< min_units"``.

    Returns
    -------
    pandas.Series
        String bands aligned to ``n_units``.
    """
    edges = [min_units, 50, 100, 250, 500, 1000, 2500, 5000, math.inf]
    edges = sorted({e for e in edges if e >= min_units})
    labels = []
    for lo, hi in itertools.pairwise(edges):
        labels.append(f"{lo}+" if math.isinf(hi) else f"{lo}–{int(hi) - 1}")
    out = pd.Series(f"< {min_units}", index=n_units.index, dtype="object")
    for (lo, hi), label in zip(itertools.pairwise(edges), labels, strict=True):
        out[(n_units >= lo) & (n_units < hi)] = label
    return out.astype("str")


#: Column families of derived local statistics (Gi* hot spots, local Moran's I).
STATISTIC_PREFIXES = ("hotspot_", "moran_")
HOTSPOT_COLUMNS = ("hotspot_z", "hotspot_p", "hotspot_q", "hotspot_label", "hotspot_bin")
AUDIT_COLUMNS = ["layer", "area_id", "action", "indicator", "reason"]


def _hotspot_window_ok(
    area_ids: pd.Series, published: np.ndarray, k: int, empty: np.ndarray
) -> np.ndarray:
    """Return where every cell with units in the H3 k-ring window is published.

    Cells without units hold nothing to protect. Non-H3 layers: true everywhere only when
    every feature with units is published (their window is unknown here).
    """
    import h3

    ids = area_ids.astype("str").to_numpy()
    valid = np.fromiter((h3.is_valid_cell(i) for i in ids), dtype=bool, count=len(ids))
    if not valid.all():
        return np.full(len(ids), bool((published | empty).all())) & published
    ok_cells = set(ids[published | empty])
    out = np.zeros(len(ids), dtype=bool)
    for i, cell in enumerate(ids):
        if published[i]:
            out[i] = all(c in ok_cells for c in h3.grid_disk(cell, k))
    return out


def publish_hotspots(
    source: pd.DataFrame,
    out: gpd.GeoDataFrame,
    published: np.ndarray,
    rules: DisclosureRules,
    k: int,
    n_units: np.ndarray | None = None,
) -> int:
    """Copy local-statistic columns onto published features; scores only where safe.

    Classes (``*_label``, ``*_bin``) go on every published feature; scores (z, p, q, I …)
    only where every cell with units in the window is published, rounded. Returns the
    number of published features whose scores were withheld.
    """
    present = [c for c in source.columns if str(c).startswith(STATISTIC_PREFIXES)]
    if not present:
        return 0
    classes = [c for c in present if str(c).endswith(("_label", "_bin"))]
    scores = [c for c in present if c not in classes]
    scores_ok = published.copy()
    if rules.hotspot_scores == "labels":
        scores_ok[:] = False
    elif scores:
        empty = np.zeros(len(published), dtype=bool) if n_units is None else n_units == 0
        scores_ok = _hotspot_window_ok(out["area_id"], published, k, empty)
    for col in classes:
        values = source[col]
        if str(col).endswith("_label"):
            labels = values.astype("object").where(published, None).astype("str")
            labels[~published] = NOT_PUBLISHABLE_LABEL
            out[col] = labels.to_numpy()
        else:
            out[col] = pd.to_numeric(values, errors="coerce").where(published).to_numpy()
    for col in scores:
        decimals = rules.p_decimals if str(col).endswith(("_p", "_q")) else rules.z_decimals
        numeric = pd.to_numeric(source[col], errors="coerce").astype("float64").to_numpy()
        out[col] = np.where(scores_ok, np.round(numeric, decimals), np.nan)
    return int((published & ~scores_ok).sum()) if scores else 0


def _hotspot_k(layer: LayerInput, metadata: Mapping[str, Any]) -> int:
    if layer.hotspot_k is not None:
        return int(layer.hotspot_k)
    hotspot = metadata.get("hotspot") if isinstance(metadata, Mapping) else None
    if isinstance(hotspot, Mapping) and isinstance(hotspot.get("k"), int | np.integer):
        return int(hotspot["k"])
    return 1


@dataclass(frozen=True)
class IndicatorLink:
    """How a published column relates to the counts (resolved from the metadata).

    ``role`` is ``"count"``, ``"rate"`` (``count`` per ``per`` units of ``base``,
    optionally ``smoothing``) or ``"value"`` (published as given).
    """

    column: str
    role: str
    count: str | None = None
    base: str = "n_units"
    per: float = 100.0
    smoothing: str | None = None


def link_indicators(metas: tuple[IndicatorMeta, ...], available: set[str]) -> list[IndicatorLink]:
    """Resolve every indicator column to a count, a rate of a count, or a plain value.

    Parameters
    ----------
    metas
        The published columns.
    available
        Count columns that can be computed (frame columns or unit-table numerators).

    Returns
    -------
    list of IndicatorLink
        One per meta, in order.
    """
    counts = {m.column for m in metas if m.kind == "count"}
    ids = {c[2:] for c in counts | available if c.startswith("n_")}
    links = []
    for meta in metas:
        if meta.kind == "count":
            links.append(IndicatorLink(meta.column, "count", count=meta.column))
            continue
        if meta.kind != "rate":
            links.append(IndicatorLink(meta.column, "value"))
            continue
        parsed = _parse_rate(meta.column, ids)
        if meta.numerator:
            count = meta.numerator
            per, smoothing = (parsed[1], parsed[2]) if parsed else (100.0, None)
        elif parsed:
            count = f"n_{parsed[0]}"
            per, smoothing = parsed[1], parsed[2]
        else:
            links.append(IndicatorLink(meta.column, "value"))
            continue
        if count not in counts and count not in available:
            links.append(IndicatorLink(meta.column, "value"))
            continue
        base = meta.base or (f"{count}_base" if f"{count}_base" in available else "n_units")
        links.append(IndicatorLink(meta.column, "rate", count, base, per, smoothing))
    return links


def count_bases(links: list[IndicatorLink]) -> dict[str, str]:
    """Return the base column of every count (its rates' denominator, else ``n_units``)."""
    out: dict[str, str] = {}
    for link in links:
        if link.count is None:
            continue
        if link.role == "rate":
            out[link.count] = link.base
        else:
            out.setdefault(link.count, "n_units")
    return out


def _eb_global(k: np.ndarray, base: np.ndarray) -> tuple[float, float]:
    """Mean and between-area variance of the global empirical-Bayes estimator."""
    ok = base > 0
    if not ok.any():
        return 0.0, 0.0
    e, b = k[ok].astype(float), base[ok].astype(float)
    mean = e.sum() / b.sum()
    variance = (b * (e / b - mean) ** 2).sum() / b.sum() - mean / b.mean()
    return float(mean), float(max(variance, 0.0))


def _smoothed(k: np.ndarray, base: np.ndarray, mean: float, variance: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = k / base
        if variance == 0.0:
            return np.where(base > 0, mean, np.nan)
        weight = variance / (variance + mean / base)
        return np.where(base > 0, mean + weight * (rate - mean), np.nan)


def publish_columns(
    out: gpd.GeoDataFrame,
    links: list[IndicatorLink],
    *,
    published: np.ndarray,
    n: np.ndarray,
    counts: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    rules: DisclosureRules,
    rounded: bool,
    source: pd.DataFrame | None,
    band_for_hidden: str | None = None,
) -> None:
    """Add ``n_units``, ``n_units_band`` and every indicator column to ``out`` (in place).

    ``counts`` maps each count column to ``(count, base, state)`` per feature; ``source``
    (aligned to ``out``) holds the values of ``"value"`` columns and of smoothed rates that
    cannot be recomputed here.
    """
    size = len(n)
    zeros = np.zeros(size, dtype=np.int8)
    n_pub = publish_counts(n, zeros, rounded=rounded, base=rules.rounding_base)
    n_pub[~published] = np.nan
    out["n_units"] = pd.array(n_pub, dtype="Int64")
    band = units_band(pd.Series(n), rules.min_units).to_numpy(dtype=object)
    if band_for_hidden is not None:
        band[~published] = band_for_hidden
    out["n_units_band"] = band.astype(str)
    thr = rules.min_units
    for link in links:
        if link.role == "value" or link.count is None:
            values = (
                pd.to_numeric(source[link.column], errors="coerce").to_numpy(dtype=float)
                if source is not None and link.column in source
                else np.full(size, np.nan)
            )
            out[link.column] = np.where(published, values, np.nan)
            continue
        k, base, state = counts[link.count]
        state = np.where(published, state, HIDDEN).astype(np.int8)
        k_pub = publish_counts(k, state, rounded=rounded, base=rules.rounding_base)
        if link.role == "count":
            out[link.column] = k_pub
            continue
        hidden = (state == HIDDEN) | (base < thr)
        if link.base == "n_units":
            base_pub = n_pub
        else:
            base_pub = publish_counts(base, zeros, rounded=rounded, base=rules.rounding_base)
        if link.smoothing is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                exact = np.where(base > 0, link.per * k / base, np.nan)
                fuzzy = np.where(base_pub > 0, link.per * k_pub / base_pub, np.nan)
        elif link.smoothing == "eb_global":
            mean, variance = _eb_global(k, base)
            exact = link.per * _smoothed(k, base, mean, variance)
            fuzzy = link.per * _smoothed(
                np.nan_to_num(k_pub), np.nan_to_num(base_pub), mean, variance
            )
        else:
            given = (
                pd.to_numeric(source[link.column], errors="coerce").to_numpy(dtype=float)
                if source is not None and link.column in source
                else np.full(size, np.nan)
            )
            exact, fuzzy = given, np.full(size, np.nan)
        value = np.where(state == ROUNDED, fuzzy, exact)
        value = np.round(value, rules.rate_decimals)
        value[hidden] = np.nan
        out[link.column] = value


def _publish_layer(
    layer: LayerInput,
    indicators: tuple[IndicatorMeta, ...],
    rules: DisclosureRules,
    metadata: Mapping[str, Any],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
    """Publish one layer of area totals with the primary rules (the aggregated path)."""
    frame = layer.frame
    links = link_indicators(indicators, set(frame.columns))
    needed = {"area_id", "area_name", "n_units", "geometry"}
    needed |= {x.count for x in links if x.count is not None}
    needed |= {x.base for x in links if x.role == "rate"}
    missing = sorted(c for c in needed if c not in frame)
    if missing:
        raise DisclosureError(f"layer {layer.name!r} lacks columns {missing}")
    if frame.crs is None or frame.crs.to_epsg() != 28992:
        raise DisclosureError(f"layer {layer.name!r} must be in EPSG:28992, got {frame.crs}")
    companies = [m.column for m in indicators if m.basis == "companies"]
    if companies:
        raise DisclosureError(
            f"company-based indicators {companies} need the unit table (UnitTable) for the "
            "dominance rule; pass units= to publish_release"
        )
    n = pd.to_numeric(frame["n_units"]).fillna(0).astype("int64").to_numpy()
    ok = n >= rules.min_units
    rounded = rules.is_rounded(layer.name)
    out = gpd.GeoDataFrame(
        {
            "area_id": frame["area_id"].astype("str").to_numpy(),
            "area_name": frame["area_name"].astype("str").to_numpy(),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    out["status"] = np.where(ok, STATUS_PUBLISHED, STATUS_SUPPRESSED)
    audit = [
        (layer.name, a, STATUS_SUPPRESSED, "", f"fewer than {rules.min_units} units")
        for a in out.loc[~ok, "area_id"]
    ]
    counts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    ids = out["area_id"].to_numpy()
    for count, base_col in count_bases(links).items():
        k = pd.to_numeric(frame[count]).fillna(0).astype("int64").to_numpy()
        base = (
            n
            if base_col == "n_units"
            else pd.to_numeric(frame[base_col]).fillna(0).astype("int64").to_numpy()
        )
        state, reason = primary_indicator_state(
            base,
            k,
            min_units=rules.min_units,
            small_count=rules.small_count,
            group_max_pct=rules.group_max_pct,
            group_low=rules.group_low,
        )
        state[~ok] = HIDDEN
        counts[count] = (k, base, state)
        # rounded small counts are a presentation rule (counted in the report), not logged
        for i in np.flatnonzero(ok & (state == HIDDEN)):
            audit.append((layer.name, ids[i], "indicator_suppressed", count, str(reason[i])))
    publish_columns(
        out, links, published=ok, n=n, counts=counts, rules=rules, rounded=rounded, source=frame
    )
    withheld = publish_hotspots(frame, out, ok, rules, _hotspot_k(layer, metadata), n)
    summary = {
        "features": len(out),
        "published": int(ok.sum()),
        "suppressed": int((~ok).sum()),
        "merged": 0,
        "hotspot_scores_withheld": withheld,
        "rounded": rounded,
    }
    return out, pd.DataFrame(audit, columns=AUDIT_COLUMNS), summary


def _overlapping_features(layers: Mapping[str, gpd.GeoDataFrame]) -> int:
    """Count pairs of published features (any layers) whose interiors overlap (> 0.01 m²)."""
    frames = [
        f.loc[f["status"] == STATUS_PUBLISHED, ["geometry"]] for f in layers.values() if len(f)
    ]
    geoms = np.concatenate([f.geometry.to_numpy() for f in frames]) if frames else np.empty(0)
    if len(geoms) < 2:
        return 0
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    if len(left) == 0:
        return 0
    area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    return int((area > 0.01).sum())


def publish_release(
    layers: list[LayerInput],
    indicators: list[IndicatorMeta],
    *,
    rules: DisclosureRules | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    metadata: Mapping[str, Any] | None = None,
    units: UnitTable | None = None,
    regions: Any = None,
) -> Release:
    """Apply the disclosure rules and return a :class:`Release`.

    With ``units``, disclosure control aggregates the unit table itself: it merges small
    H3 cells into regions nested in buurten (a ``region`` layer), publishes every layer in
    ``layers`` from the units, and protects every value against differencing between the
    layers. Without it, each layer's own totals pass the primary rules only, and a
    release with more than one layer is marked as not verified against differencing (the
    release writer refuses it).

    Parameters
    ----------
    layers
        Geographies with geometry and statistics (see :class:`LayerInput`).
    indicators
        Which columns are published, and whether they are counts or rates.
    rules
        Disclosure rules; defaults to :class:`DisclosureRules()`.
    context
        Public reference layers to carry along (no unit-level data).
    metadata
        Provenance to carry into every output file.
    units
        The unit-level table (see :class:`UnitTable`).
    regions
        :class:`zicht.publish.RegionOptions` for the region layer (with ``units``).

    Returns
    -------
    Release
        The checked statistics.

    Raises
    ------
    DisclosureError
        If a layer lacks required columns, is not in EPSG:28992, disagrees with the unit
        table, or a rule cannot be applied.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame(
    ...     {"area_id": ["A", "B"], "area_name": ["a", "b"], "n_units": [8, 42],
    ...      "n_vacant": [1, 12]},
    ...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=28992)
    >>> meta = [IndicatorMeta("n_vacant", "Vacant", "addresses")]
    >>> release = publish_release([LayerInput("buurt", frame)], meta)
    >>> release.layers["buurt"][["status", "n_units", "n_vacant"]].values.tolist()
    [['suppressed', <NA>, nan], ['published', 40, 10.0]]
    """
    rules = rules or DisclosureRules()
    metas = tuple(indicators)
    metadata = dict(metadata or {})
    if units is not None:
        from zicht.publish._units import publish_units

        result = publish_units(layers, metas, units, rules, metadata, regions)
        published, audit, regions_table, disclosure = result
    else:
        published = {}
        audits = []
        summaries = {}
        for layer in layers:
            out, audit_frame, summary = _publish_layer(layer, metas, rules, metadata)
            published[layer.name] = out
            audits.append(audit_frame)
            summaries[layer.name] = summary
        audit = (
            pd.concat(audits, ignore_index=True) if audits else pd.DataFrame(columns=AUDIT_COLUMNS)
        )
        regions_table = None
        overlaps = _overlapping_features(published)
        frames = {x.name: x.frame for x in layers}
        first = next(iter(frames.values()), None)
        links = link_indicators(metas, set(first.columns) if first is not None else set())
        disclosure = {
            "links": [asdict(x) for x in links],
            "path": "aggregated layers",
            "differencing_verified": overlaps == 0,
            "differencing_note": (
                "no two published features overlap, so no published total contains "
                "another and nothing can be differenced"
                if overlaps == 0
                else f"not verified: {overlaps} pairs of published features overlap and the "
                "unit table was not given"
            ),
            "layers": summaries,
            "unit_keys": {},
        }
    return Release(
        layers=MappingProxyType(published),
        indicators=metas,
        context=MappingProxyType(dict(context or {})),
        rules=rules,
        metadata=MappingProxyType(metadata),
        audit=audit,
        regions=regions_table,
        disclosure=MappingProxyType(disclosure),
        _token=_RELEASE_TOKEN,
    )
