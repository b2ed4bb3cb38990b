"""The data model of publication.

The inputs (:class:`LayerInput`, :class:`UnitTable`), the feature statuses, and the
:class:`Release` that only :func:`publish_release` can make.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import DisclosureError
from zicht.publish._rules import DisclosureRules
from zicht.schemas import IndicatorMeta

__all__ = [
    "AUDIT_COLUMNS",
    "NOT_PUBLISHABLE_LABEL",
    "NOT_PUBLISHED_BAND",
    "STATISTIC_PREFIXES",
    "STATUS_MERGED",
    "STATUS_PUBLISHED",
    "STATUS_SUPPRESSED",
    "LayerInput",
    "Release",
    "UnitTable",
    "round_to_base",
    "units_band",
]

STATUS_PUBLISHED = "published"


STATUS_SUPPRESSED = "suppressed"


STATUS_MERGED = "merged"


NOT_PUBLISHED_BAND = "not published"


NOT_PUBLISHABLE_LABEL = "not publishable"


RELEASE_TOKEN = object()


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
        CBS levels, finest first, as layer name → unit column; each level must nest in
        the next (buurt in wijk in gemeente). The regions nest in every level, so that
        every published area is a union of whole regions; see :meth:`nested_for` for the
        one exception.
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

    def nested_for(self, layers: Collection[str]) -> UnitTable:
        """Return the table with the levels the regions nest in when ``layers`` are published.

        The regions nest in every level of ``areas``, except when a layer kept whole
        (``whole``) is published without the finest level: a park cut by a buurt
        boundary that nobody publishes should still be one region. Then the regions nest
        only in the published levels and the coarsest one (the gemeente), which every
        region stops at. :func:`~zicht.publish.publish_release` applies this to the unit
        table it is given; applying it again changes nothing.

        Parameters
        ----------
        layers
            Names of the published layers.

        Returns
        -------
        UnitTable
            This table, or a copy whose ``areas`` are the levels the regions nest in.
        """
        names = set(layers)
        levels = list(self.areas.items())
        if not levels or levels[0][0] in names or not names & set(self.whole):
            return self
        coarsest = levels[-1][0]
        areas = {name: col for name, col in levels if name in names or name == coarsest}
        return replace(self, areas=areas)


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
        if self._token is not RELEASE_TOKEN:
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


AUDIT_COLUMNS = ["layer", "area_id", "action", "indicator", "reason"]
