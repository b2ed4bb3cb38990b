"""The study area (``gemeente``): a code, a list, a province or the whole country.

``gemeente = "GM0228"``, ``["GM0228", "GM0203"]``, ``"PV25"`` or ``"Gelderland"`` (a
province: every gemeente in it), or ``"all"`` (every buurt in the buurt layer). Provinces
are resolved to gemeente codes from the gemeente layer's ``province`` column when the run
has one, else from the CBS 2022 gemeente list shipped in ``geodata/`` (the report says
which list was used).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a config loads without pandas
    import pandas as pd

from zicht._errors import InputError

__all__ = ["PROVINCES", "Extent", "extent_problems", "resolve_extent"]

#: The twelve provinces by CBS code, with the names they go by.
PROVINCES: dict[str, tuple[str, ...]] = {
    "PV20": ("Groningen",),
    "PV21": ("Fryslân", "Friesland"),
    "PV22": ("Drenthe",),
    "PV23": ("Overijssel",),
    "PV24": ("Flevoland",),
    "PV25": ("Gelderland",),
    "PV26": ("Utrecht",),
    "PV27": ("Noord-Holland",),
    "PV28": ("Zuid-Holland",),
    "PV29": ("Zeeland",),
    "PV30": ("Noord-Brabant",),
    "PV31": ("Limburg",),
}
_BY_NAME = {name.lower(): code for code, names in PROVINCES.items() for name in names}
_GM = re.compile(r"^GM\d{4}$")


def province_code(item: str) -> str | None:
    """Return the PV code an item names (``"PV25"``, ``"Gelderland"``), or ``None``."""
    text = item.strip()
    if text.upper() in PROVINCES:
        return text.upper()
    return _BY_NAME.get(text.lower())


def extent_problems(items: Sequence[str]) -> list[str]:
    """List what is wrong with a ``gemeente`` value (empty when it is fine)."""
    bad = [
        i
        for i in items
        if not isinstance(i, str)
        or not (_GM.match(i) or province_code(i) or i.lower() in ("all", "nl"))
    ]
    problems = []
    if bad or not items:
        problems.append(
            "gemeente must be a CBS code like 'GM0228', a list of them, a province (its "
            f"code 'PV25' or name 'Gelderland') or 'all', got {list(items)!r}"
        )
    elif any(i.lower() in ("all", "nl") for i in items) and len(items) > 1:
        problems.append(f"gemeente = 'all' stands alone, got {list(items)!r}")
    elif len(set(items)) != len(items):
        problems.append(f"gemeente lists a code twice: {list(items)!r}")
    return problems


@dataclass(frozen=True)
class Extent:
    """A resolved study area.

    Attributes
    ----------
    codes
        The gemeente codes, or ``None`` for the whole country (every buurt read).
    note
        How provinces were resolved ("" when no province was named).
    """

    codes: tuple[str, ...] | None
    note: str = ""

    def prefixes(self, level: str) -> tuple[str, ...] | None:
        """Code prefixes of the study area at ``level`` (``None``: everything)."""
        if self.codes is None:
            return None
        head = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}[level]
        return tuple(f"{head}{c[2:]}" for c in self.codes)


def resolve_extent(
    items: Sequence[str], provinces: pd.DataFrame | None, *, shipped: Path
) -> Extent:
    """Resolve ``gemeente`` to gemeente codes.

    Parameters
    ----------
    items
        The configured value (codes, provinces, ``"all"``).
    provinces
        ``code`` and ``province`` (name) per gemeente, from the run's gemeente layer, or
        ``None`` to read the shipped CBS 2022 list.
    shipped
        The shipped gemeente layer (``cbs/wijken_gemeenten_2022.gpkg``, layer ``NLD_muni``).

    Returns
    -------
    Extent
        The codes (``None`` for ``"all"``) and how provinces were resolved.

    Raises
    ------
    InputError
        If a province has no gemeente in the list used.
    """
    if any(i.lower() in ("all", "nl") for i in items):
        return Extent(None)
    named = [province_code(i) for i in items if not _GM.match(i)]
    if not named:
        return Extent(tuple(items))
    source = "the gemeente layer's province column"
    if provinces is None or "province" not in provinces:
        import pyogrio

        provinces = pyogrio.read_dataframe(
            shipped, layer="NLD_muni", read_geometry=False, columns=["code", "province"]
        )
        source = f"the CBS 2022 gemeente list ({shipped.name})"
    by_code = {code: {n.lower() for n in PROVINCES[code]} for code in {c for c in named if c}}
    codes = [i for i in items if _GM.match(i)]
    notes = []
    names = provinces["province"].astype("str").str.strip().str.lower()
    for code, wanted in by_code.items():
        members = provinces.loc[names.isin(wanted), "code"].astype("str").tolist()
        if not members:
            raise InputError(f"gemeente: no gemeente of province {code} in {source}")
        notes.append(f"{code} ({PROVINCES[code][0]}): {len(members)} gemeenten")
        codes += [m for m in sorted(members) if m not in codes]
    return Extent(tuple(codes), note=f"provinces resolved from {source}: " + "; ".join(notes))
