"""Computing declared indicators per area from a unit table.

:func:`check_units` collects every problem of applying a set of specs to a unit table
(missing columns, wrong dtypes, protected columns) and raises once;
:func:`compute_indicators` turns unit rows carrying an area key into one row per area.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph

from zicht._errors import ConfigError, InputError, SchemaError
from zicht.indicators._filters import check_filter, evaluate_filter
from zicht.indicators._risk_factors import distance_to_nearest, kernel_density
from zicht.indicators._specs import IndicatorSpec
from zicht.stats import smooth_rates

__all__ = ["check_units", "compute_indicators", "indicators_from_counts", "point_xy"]


def point_xy(frame: pd.DataFrame | gpd.GeoSeries) -> np.ndarray:
    """Return ``(n, 2)`` x, y of point geometries (NaN where missing or empty).

    Parameters
    ----------
    frame
        GeoDataFrame or GeoSeries of points in a metric CRS.

    Returns
    -------
    numpy.ndarray
        Coordinates aligned to the rows.
    """
    geoms = frame.geometry.array if isinstance(frame, gpd.GeoDataFrame) else frame.array
    xy = np.full((len(geoms), 2), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        points = shapely.get_coordinates(shapely.centroid(geoms[present]))
        xy[present] = points
    return xy


def check_units(
    units: pd.DataFrame,
    by: str | None,
    specs: list[IndicatorSpec],
    features: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """Check that ``specs`` can be computed on ``units``; raise once listing every problem.

    Parameters
    ----------
    units
        The unit table.
    by
        Area key column, or None to skip that check.
    specs
        Indicators to compute.
    features
        Public feature layers by name (``"parks"``).

    Raises
    ------
    SchemaError
        Listing every missing column, wrong dtype, or missing feature layer.
    """
    problems: list[str] = []
    if by is not None and by not in units:
        problems.append(f"area key column {by!r} is missing")
    for spec in specs:
        where = f"indicator {spec.id!r}"
        if spec.features == "units" or spec.counted:
            problems += check_filter(spec.numerator, units, f"{where}, numerator")
        else:
            layer = (features or {}).get(spec.features)
            if layer is None:
                problems.append(f"{where}: feature layer {spec.features!r} is not available")
            else:
                problems += check_filter(spec.numerator, layer, f"{where}, numerator")
        if spec.denominator is not None:
            problems += check_filter(spec.denominator, units, f"{where}, denominator")
        if not spec.counted and spec.at == "units" and "geometry" not in units:
            problems.append(f"{where}: the unit table has no geometry for distances")
    if problems:
        listing = "\n".join(f"  - {p}" for p in dict.fromkeys(problems))
        raise SchemaError(f"unit table: {len(problems)} problem(s)\n{listing}")


def _feature_xy(
    spec: IndicatorSpec, units: pd.DataFrame | None, features: Mapping[str, pd.DataFrame] | None
) -> np.ndarray:
    source = units if spec.features == "units" else (features or {})[spec.features]
    chosen = source[evaluate_filter(spec.numerator, source)]
    xy = point_xy(chosen)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        raise InputError(
            f"indicator {spec.id!r}: no {spec.features} feature matches the numerator "
            f"({spec.numerator_text()}); a distance or density needs at least one"
        )
    return xy


def _place_values(spec: IndicatorSpec, places: np.ndarray, features: np.ndarray) -> np.ndarray:
    if spec.kind == "proximity":
        return distance_to_nearest(places, features)
    return kernel_density(places, features, spec.radius_m, spec.kernel)


def compute_indicators(
    units: pd.DataFrame,
    by: str,
    specs: list[IndicatorSpec],
    *,
    features: Mapping[str, pd.DataFrame] | None = None,
    centres: gpd.GeoSeries | None = None,
    graph: Graph | None = None,
    min_base: int = 1,
) -> pd.DataFrame:
    """Count units and compute each indicator per area.

    Parameters
    ----------
    units
        Unit rows with the area key column ``by`` and the columns the specs read (a
        GeoDataFrame of points when a ``density``/``proximity`` spec is averaged over units).
        Rows whose key is missing are not counted (the join report accounts for them).
    by
        Area key column, e.g. ``"h3_r9"`` or ``"buurt_code"``.
    specs
        Indicators to compute.
    features
        Public feature layers by name (``"parks"``), points in the units' CRS.
    centres
        Area centres (points, indexed by area key) for specs with ``at = "centre"``.
    graph
        Graph of the areas (ids = area keys) for ``smoothing = "eb_spatial"``.
    min_base
        A rate or share whose denominator holds fewer units than this has no value (a
        restricted denominator can be far smaller than the area's population).

    Returns
    -------
    pandas.DataFrame
        Indexed by area key, sorted: ``n_units``, then per spec its columns (see
        :meth:`IndicatorSpec.metas`) and, for a restricted denominator, its unpublished
        count ``n_<id>_base``. ``attrs["masked"]`` counts, per indicator, the areas
        whose rate was left out because of ``min_base``.

    Raises
    ------
    SchemaError
        If a column is missing or has the wrong dtype.
    ConfigError
        If ``centres`` or ``graph`` is needed but not given.

    Examples
    --------
    >>> units = pd.DataFrame({"cell": [1, 1, 2], "vacant": [True, False, False]})
    >>> out = compute_indicators(units, "cell", [IndicatorSpec("vacant", "Vacant", "vacant")])
    >>> out.to_dict("list")
    {'n_units': [2, 1], 'n_vacant': [1, 0], 'rate_vacant_pct': [50.0, 0.0]}
    """
    check_units(units, by, specs, features)
    keyed = units[units[by].notna()]
    keys = keyed[by].to_numpy()
    grouped = keyed.groupby(by, sort=True)
    counts = pd.DataFrame({"n_units": grouped.size().astype("int64")})
    for spec in specs:
        if not spec.counted:
            continue
        base_mask = (
            np.ones(len(keyed), dtype=bool)
            if spec.denominator is None
            else evaluate_filter(spec.denominator, keyed)
        )
        hit = evaluate_filter(spec.numerator, keyed) & base_mask
        hits = pd.Series(hit, index=keyed.index).groupby(keys).sum()
        counts[spec.count_column] = hits.reindex(counts.index, fill_value=0).astype("int64")
        if spec.denominator is not None:
            base = pd.Series(base_mask, index=keyed.index).groupby(keys).sum()
            counts[spec.base_column] = base.reindex(counts.index, fill_value=0).astype("int64")
    with_units = {**(features or {}), "units": units}  # a feature layer of the units
    out = indicators_from_counts(
        counts, specs, features=with_units, centres=centres, graph=graph, min_base=min_base
    )
    unit_xy: np.ndarray | None = None
    for spec in specs:
        if spec.counted or spec.at == "centre":
            continue
        features_xy = _feature_xy(spec, units, features)
        if unit_xy is None:
            unit_xy = point_xy(keyed)
        base_mask = (
            np.ones(len(keyed), dtype=bool)
            if spec.denominator is None
            else evaluate_filter(spec.denominator, keyed)
        )
        values = pd.Series(_place_values(spec, unit_xy, features_xy), index=keyed.index)
        values = values.where(base_mask)
        out[spec.value_column] = values.groupby(keys).mean().reindex(out.index).astype("float64")
    masked = dict(out.attrs.get("masked", {}))
    out = out[_column_order(out, specs)]
    out.attrs["masked"] = masked
    return out


def _column_order(out: pd.DataFrame, specs: list[IndicatorSpec]) -> list[str]:
    """``n_units``, then each spec's columns in the order of the specs."""
    order = ["n_units"]
    for spec in specs:
        if spec.counted:
            order += [spec.count_column]
            if spec.denominator is not None:
                order += [spec.base_column]
            if spec.kind != "count":
                order += [spec.rate_column]
                if spec.smoothed_column:
                    order += [spec.smoothed_column]
        else:
            order += [spec.value_column]
    return [c for c in dict.fromkeys(order) if c in out]


def indicators_from_counts(
    counts: pd.DataFrame,
    specs: list[IndicatorSpec],
    *,
    features: Mapping[str, pd.DataFrame] | None = None,
    centres: gpd.GeoSeries | None = None,
    graph: Graph | None = None,
    min_base: int = 1,
) -> pd.DataFrame:
    """Compute each indicator per area from counts per area, without the unit rows.

    The counts route of a run that holds no per-unit table: the numbers of units, of
    numerator hits and of denominator units per area are all a counted indicator needs;
    the result equals :func:`compute_indicators` on the units the counts came from.
    Indicators averaged over the units (a ``density`` or ``proximity`` with ``at =
    "units"``) need the units and are left out here.

    Parameters
    ----------
    counts
        Indexed by area key: ``n_units`` and, per counted spec, its ``count_column`` and
        (with a denominator) its ``base_column``, all non-negative integers.
    specs
        Indicators to compute.
    features
        Public feature layers by name (``"parks"``) for specs with ``at = "centre"``.
    centres
        Area centres (points, indexed by area key) for specs with ``at = "centre"``.
    graph
        Graph of the areas (ids = area keys) for ``smoothing = "eb_spatial"``.
    min_base
        A rate or share whose denominator holds fewer units than this has no value.

    Returns
    -------
    pandas.DataFrame
        As :func:`compute_indicators`, sorted by area key (columns of ``at = "units"``
        specs absent).

    Raises
    ------
    SchemaError
        If a count column is missing.
    ConfigError
        If ``centres`` or ``graph`` is needed but not given.

    Examples
    --------
    >>> counts = pd.DataFrame({"n_units": [2, 1], "n_vacant": [1, 0]}, index=[1, 2])
    >>> spec = IndicatorSpec("vacant", "Vacant", "vacant")
    >>> indicators_from_counts(counts, [spec])["rate_vacant_pct"].tolist()
    [50.0, 0.0]
    """
    needed = ["n_units"]
    for spec in specs:
        if spec.counted:
            needed += [spec.count_column]
            needed += [spec.base_column] if spec.denominator is not None else []
    missing = [c for c in dict.fromkeys(needed) if c not in counts]
    if missing:
        raise SchemaError(f"area counts lack columns {missing}")
    out = counts[list(dict.fromkeys(needed))].sort_index().astype("int64")
    masked: dict[str, int] = {}
    for spec in specs:
        if spec.counted:
            hits = out[spec.count_column]
            base = out[spec.base_column] if spec.denominator is not None else out["n_units"]
            if spec.kind == "count":
                continue
            per = 100.0 if spec.kind == "share" else float(spec.per)
            small = base < max(min_base, 1)
            # Areas below the threshold are suppressed as a whole; count only the areas
            # whose rate is hidden although the area itself is published.
            masked[spec.id] = int((small & (out["n_units"] >= min_base)).sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = per * hits / base.where(~small)
            out[spec.rate_column] = rate.astype("float64")
            if spec.smoothed_column:
                smoothed = _smoothed(spec, hits, base, per, graph)
                out[spec.smoothed_column] = smoothed.where(~small)
        elif spec.at == "centre":
            if centres is None:
                raise ConfigError(f"indicator {spec.id!r} (at = 'centre') needs the area centres")
            if spec.features == "units" and "units" not in (features or {}):
                raise SchemaError(
                    f"indicator {spec.id!r}: features = 'units' needs the units as "
                    "features['units']"
                )
            features_xy = _feature_xy(spec, (features or {}).get("units"), features)
            place_xy = point_xy(centres.reindex(out.index))
            out[spec.value_column] = _place_values(spec, place_xy, features_xy)
    out = out[_column_order(out, specs)]
    out.attrs["masked"] = masked
    return out


def _smoothed(
    spec: IndicatorSpec,
    counts: pd.Series,
    base: pd.Series,
    per: float,
    graph: Graph | None,
) -> pd.Series:
    """Smooth over every area with a denominator (the reference rate uses them all)."""
    keep = base > 0
    result = pd.Series(np.nan, index=counts.index, dtype="float64")
    if not keep.any():
        return result
    area_graph = None
    if spec.smoothing == "eb_spatial":
        if graph is None:
            raise ConfigError(
                f"indicator {spec.id!r}: smoothing = 'eb_spatial' needs the graph of the areas"
            )
        ids = counts.index[keep.to_numpy()]
        area_graph = graph if len(ids) == len(graph.unique_ids) else graph.subgraph(ids)
    smoothed = smooth_rates(
        counts[keep], base[keep], method=spec.smoothing, graph=area_graph, per=per
    )
    result[keep] = smoothed.to_numpy()
    return result
