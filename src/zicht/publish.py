"""Disclosure control: turn computed statistics into a :class:`Release`.

The :class:`Release` is the only object the map and file writers accept, and only
:func:`publish_release` can make one. Everything in a release has passed the disclosure
rules: units below the threshold carry no value (status ``suppressed``), counts are rounded.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import DisclosureError

__all__ = [
    "STATUS_PUBLISHED",
    "STATUS_SUPPRESSED",
    "DisclosureRules",
    "IndicatorMeta",
    "LayerInput",
    "Release",
    "publish_release",
    "round_to_base",
    "units_band",
]

STATUS_PUBLISHED = "published"
STATUS_SUPPRESSED = "suppressed"

_RELEASE_TOKEN = object()


@dataclass(frozen=True)
class DisclosureRules:
    """Publication thresholds.

    Parameters
    ----------
    min_units
        A value is published only if its population holds at least this many units
        (addresses, persons). CBS output guidelines use 10 for most microdata tables.
    rounding_base
        Published counts are rounded to a multiple of this base (CBS rounds wijk and
        buurt figures to base 5). ``1`` disables rounding.
    """

    min_units: int = 10
    rounding_base: int = 5

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise DisclosureError(f"min_units must be at least 1, got {self.min_units}")
        if self.rounding_base < 1:
            raise DisclosureError(f"rounding_base must be at least 1, got {self.rounding_base}")


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
        ``"count"`` or ``"rate"``; counts are rounded, rates are not.
    """

    column: str
    title: str
    unit: str
    kind: str = "count"


@dataclass(frozen=True)
class LayerInput:
    """One geography to publish: its statistics before disclosure control.

    Parameters
    ----------
    name
        Layer name (``"h3"``, ``"buurt"`` …).
    frame
        GeoDataFrame in EPSG:28992 with ``area_id`` (str), ``area_name`` (str),
        ``n_units`` (int, the population each value rests on), the indicator columns and,
        optionally, hot-spot columns ``hotspot_z``, ``hotspot_p``, ``hotspot_q``,
        ``hotspot_label``.
    """

    name: str
    frame: gpd.GeoDataFrame


@dataclass(frozen=True)
class Release:
    """Statistics that passed disclosure control; the only input the writers accept.

    Attributes
    ----------
    layers
        Published geographies by name. Each frame has ``area_id``, ``area_name``,
        ``status`` (``published`` or ``suppressed``), ``n_units`` (rounded; missing when
        suppressed), ``n_units_band`` (a text band such as ``"10–49"`` or ``"< 10"``),
        the indicator columns (missing when suppressed) and hot-spot columns.
    indicators
        Metadata of the indicator columns.
    context
        Public reference layers (boundaries, park locations) that carry no unit data.
    rules
        The disclosure rules applied.
    metadata
        Provenance: run id, zicht version, creation time, statistics settings, data date.
    audit
        One row per suppression: ``layer``, ``area_id``, ``action``, ``reason``.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    indicators: tuple[IndicatorMeta, ...]
    context: Mapping[str, gpd.GeoDataFrame]
    rules: DisclosureRules
    metadata: Mapping[str, Any]
    audit: pd.DataFrame
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _RELEASE_TOKEN:
            raise DisclosureError(
                "A Release can only be made by zicht.publish.publish_release, "
                "so that nothing unchecked reaches a map or a file."
            )


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


_HOTSPOT_COLUMNS = ("hotspot_z", "hotspot_p", "hotspot_q", "hotspot_label", "hotspot_bin")


def _publish_layer(
    layer: LayerInput,
    indicators: tuple[IndicatorMeta, ...],
    rules: DisclosureRules,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    frame = layer.frame
    missing = [c for c in ("area_id", "area_name", "n_units", "geometry") if c not in frame]
    missing += [m.column for m in indicators if m.column not in frame]
    if missing:
        raise DisclosureError(f"layer {layer.name!r} lacks columns {missing}")
    if frame.crs is None or frame.crs.to_epsg() != 28992:
        raise DisclosureError(f"layer {layer.name!r} must be in EPSG:28992, got {frame.crs}")
    n_units = frame["n_units"].astype("int64")
    ok = n_units >= rules.min_units
    keep = ["area_id", "area_name"]
    out = gpd.GeoDataFrame(frame[keep].copy(), geometry=frame.geometry.values, crs=frame.crs)
    out["area_id"] = out["area_id"].astype("str")
    out["area_name"] = out["area_name"].astype("str")
    out.insert(2, "status", np.where(ok, STATUS_PUBLISHED, STATUS_SUPPRESSED))
    out.insert(3, "n_units", round_to_base(n_units, rules.rounding_base).where(ok))
    out.insert(4, "n_units_band", units_band(n_units, rules.min_units))
    for meta in indicators:
        values = frame[meta.column]
        if meta.kind == "count":
            values = round_to_base(values, rules.rounding_base)
        else:
            values = values.astype("float64")
        out[meta.column] = values.where(ok)
    for col in _HOTSPOT_COLUMNS:
        if col in frame:
            values = frame[col]
            if col == "hotspot_label":
                out[col] = values.astype("object").where(ok, None).astype("str")
                out.loc[~ok, col] = "not publishable"
            else:
                out[col] = values.where(ok)
    audit = pd.DataFrame(
        {
            "layer": layer.name,
            "area_id": out.loc[~ok, "area_id"].to_numpy(),
            "action": "suppressed",
            "reason": [f"fewer than {rules.min_units} units" for _ in range(int((~ok).sum()))],
        }
    )
    return out, audit


def publish_release(
    layers: list[LayerInput],
    indicators: list[IndicatorMeta],
    *,
    rules: DisclosureRules | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Release:
    """Apply the disclosure rules to every layer and return a :class:`Release`.

    Parameters
    ----------
    layers
        Geographies with statistics (see :class:`LayerInput`).
    indicators
        Which columns are published, and whether they are counts or rates.
    rules
        Disclosure rules; defaults to :class:`DisclosureRules()`.
    context
        Public reference layers to carry along (no unit-level data).
    metadata
        Provenance to carry into every output file.

    Returns
    -------
    Release
        The checked statistics.

    Raises
    ------
    DisclosureError
        If a layer lacks the required columns or is not in EPSG:28992.
    """
    rules = rules or DisclosureRules()
    metas = tuple(indicators)
    published: dict[str, gpd.GeoDataFrame] = {}
    audits = []
    for layer in layers:
        out, audit = _publish_layer(layer, metas, rules)
        published[layer.name] = out
        audits.append(audit)
    audit_frame = (
        pd.concat(audits, ignore_index=True)
        if audits
        else pd.DataFrame(columns=["layer", "area_id", "action", "reason"])
    )
    return Release(
        layers=MappingProxyType(published),
        indicators=metas,
        context=MappingProxyType(dict(context or {})),
        rules=rules,
        metadata=MappingProxyType(dict(metadata or {})),
        audit=audit_frame,
        _token=_RELEASE_TOKEN,
    )
