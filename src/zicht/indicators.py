"""Risk indicators per area: counts and rates computed from unit-level tables.

An indicator is declared by an :class:`IndicatorSpec`; :func:`compute_indicators` turns
unit rows carrying an area key into one row per area with the population (``n_units``),
the numerator count (``n_<id>``) and the rate (``rate_<id>_pct``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from zicht._errors import SchemaError
from zicht.publish import IndicatorMeta

__all__ = ["IndicatorSpec", "compute_indicators", "indicator_columns"]


@dataclass(frozen=True)
class IndicatorSpec:
    """A declared indicator.

    Parameters
    ----------
    id
        Short identifier used in column names (``vacant`` gives ``n_vacant`` and
        ``rate_vacant_pct``).
    title
        Human title.
    numerator
        Boolean column of the unit table that marks the units counted.
    unit_level
        What a unit is (``"address"``, ``"person"`` …); the denominator is all units.
    description
        What the indicator means and why it is place-based.
    """

    id: str
    title: str
    numerator: str
    unit_level: str = "address"
    description: str = ""

    @property
    def count_column(self) -> str:
        """Name of the numerator count column."""
        return f"n_{self.id}"

    @property
    def rate_column(self) -> str:
        """Name of the rate column (per cent of units)."""
        return f"rate_{self.id}_pct"


def indicator_columns(specs: list[IndicatorSpec]) -> list[IndicatorMeta]:
    """Describe the published columns of ``specs`` for the release and the map.

    Parameters
    ----------
    specs
        Indicator declarations.

    Returns
    -------
    list of IndicatorMeta
        A count and a rate per spec.
    """
    metas: list[IndicatorMeta] = []
    for spec in specs:
        metas.append(IndicatorMeta(spec.count_column, spec.title, f"{spec.unit_level}es", "count"))
        metas.append(IndicatorMeta(spec.rate_column, f"{spec.title} (rate)", "%", "rate"))
    return metas


def compute_indicators(
    units: pd.DataFrame,
    by: str,
    specs: list[IndicatorSpec],
) -> pd.DataFrame:
    """Count units and compute each indicator's count and rate per area.

    Parameters
    ----------
    units
        Unit rows with the area key column ``by`` and each spec's numerator column.
        Rows whose key is missing are not counted (the join report accounts for them).
    by
        Area key column, e.g. ``"h3_r9"`` or ``"buurt_code"``.
    specs
        Indicators to compute.

    Returns
    -------
    pandas.DataFrame
        Indexed by area key: ``n_units``, then ``n_<id>`` and ``rate_<id>_pct`` per spec.

    Raises
    ------
    SchemaError
        If a column is missing.

    Examples
    --------
    >>> units = pd.DataFrame({"cell": [1, 1, 2], "vacant": [True, False, False]})
    >>> compute_indicators(units, "cell", [IndicatorSpec("vacant", "Vacant", "vacant")])
          n_units  n_vacant  rate_vacant_pct
    cell
    1           2         1             50.0
    2           1         0              0.0
    """
    missing = [c for c in [by, *(s.numerator for s in specs)] if c not in units]
    if missing:
        raise SchemaError(f"unit table lacks columns {missing}")
    keyed = units[units[by].notna()]
    grouped = keyed.groupby(by, sort=True)
    out = pd.DataFrame({"n_units": grouped.size()})
    for spec in specs:
        counts = grouped[spec.numerator].sum().astype("int64")
        out[spec.count_column] = counts
        out[spec.rate_column] = 100.0 * counts / out["n_units"]
    out["n_units"] = out["n_units"].astype("int64")
    return out
