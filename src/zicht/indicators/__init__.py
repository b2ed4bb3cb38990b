"""Risk indicators: declarations, place-based risk factors and a composite index.

* :mod:`~zicht.indicators.filters`: the safe filter language of numerators and denominators;
* :mod:`~zicht.indicators.specs`: :class:`IndicatorSpec`, the declaration of one indicator;
* :mod:`~zicht.indicators.risk_factors`: Risk Terrain Modeling distance and kernel density;
* :mod:`~zicht.indicators.compute`: :func:`compute_indicators`, units to one row per area;
* :mod:`~zicht.indicators.composite`: the OECD/JRC composite index with Monte Carlo rank
  intervals;
* :mod:`~zicht.indicators.catalogue`: the Markdown catalogue generated from the specs.
"""

from __future__ import annotations

from zicht.indicators.catalogue import indicator_catalogue, write_catalogue
from zicht.indicators.composite import (
    Component,
    CompositeResult,
    CompositeSpec,
    UncertaintySpec,
    composite_columns,
    composite_index,
)
from zicht.indicators.compute import check_units, compute_indicators
from zicht.indicators.filters import describe_filter, evaluate_filter, parse_filter
from zicht.indicators.risk_factors import distance_to_nearest, kernel_density
from zicht.indicators.specs import KINDS, UNIT_LEVELS, IndicatorSpec, indicator_columns

__all__ = [
    "KINDS",
    "UNIT_LEVELS",
    "Component",
    "CompositeResult",
    "CompositeSpec",
    "IndicatorSpec",
    "UncertaintySpec",
    "check_units",
    "composite_columns",
    "composite_index",
    "compute_indicators",
    "describe_filter",
    "distance_to_nearest",
    "evaluate_filter",
    "indicator_catalogue",
    "indicator_columns",
    "kernel_density",
    "parse_filter",
    "write_catalogue",
]
