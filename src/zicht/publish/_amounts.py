"""Magnitudes: sums and means of an amount per area (:class:`Magnitude`).

Kept free of heavy imports, so that a configuration can declare magnitudes without loading
the publication machinery; :mod:`zicht.publish._magnitudes` protects and publishes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zicht._errors import DisclosureError
from zicht.schemas import IndicatorMeta

__all__ = ["MAGNITUDE_KINDS", "Magnitude"]

MAGNITUDE_KINDS = ("sum", "mean")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Magnitude:
    """A sum or mean of an amount per area, published under the magnitude rules.

    Every unit contributes its ``amount`` to its area; the contributions of one
    ``contributor`` (a company, an owner) are added up before the rules look at them.
    A value is published only where the area is published, the contributors pass the
    ``(dominance_n, dominance_pct)`` dominance rule and the p% rule (``p_pct``), at least
    ``min_companies`` contributors make up a non-zero sum, and the union of the areas
    hidden together (a published total minus its published parts) passes the same rules.

    Parameters
    ----------
    id
        Short identifier: ``sum_<id>`` or ``mean_<id>`` is the published column.
    title
        Human title for legends, tooltips and the report.
    kind
        ``"sum"`` (the total amount) or ``"mean"`` (the total amount per unit, or per
        ``per``).
    amount
        Unit-table column with each unit's amount (non-negative; missing counts as 0).
    contributor
        Unit-table column naming who contributes the amount (company id, owner id); the
        rules weigh the contributors, not the units. ``None``: each unit on its own.
    per
        For ``mean``: unit-table column whose sum is the denominator (e.g. clients, for
        claims per client); ``None``: the number of units.
    unit
        Unit text of the published value (``"k€"``, ``"€ per client"``).
    decimals
        Decimals of the published value.

    Raises
    ------
    DisclosureError
        If a field is not allowed (the message names it).

    Examples
    --------
    >>> m = Magnitude("claims", "Claims", "sum", amount="claims_keur", contributor="company_id")
    >>> m.column
    'sum_claims'
    """

    id: str
    title: str
    kind: str
    amount: str
    contributor: str | None = None
    per: str | None = None
    unit: str = ""
    decimals: int = 0

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.id, str) or not _ID.match(self.id):
            problems.append(f"id {self.id!r} must be lower case letters, digits and '_'")
        if self.kind not in MAGNITUDE_KINDS:
            problems.append(f"kind must be one of {list(MAGNITUDE_KINDS)}, got {self.kind!r}")
        if not isinstance(self.amount, str) or not self.amount:
            problems.append("amount must name a column")
        if self.per is not None and self.kind != "mean":
            problems.append("per applies to kind 'mean' only")
        if not isinstance(self.decimals, int) or not 0 <= self.decimals <= 6:
            problems.append(f"decimals must be 0 to 6, got {self.decimals!r}")
        if problems:
            raise DisclosureError(f"magnitude {self.id!r}: " + "; ".join(problems))

    @property
    def column(self) -> str:
        """The published column: ``sum_<id>`` or ``mean_<id>``."""
        return f"{self.kind}_{self.id}"

    def meta(self) -> IndicatorMeta:
        """Describe the published column (an IndicatorMeta of kind ``sum`` or ``mean``)."""
        return IndicatorMeta(self.column, self.title, self.unit, self.kind, numerator=self.amount)
