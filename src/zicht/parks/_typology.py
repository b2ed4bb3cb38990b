"""What is a park? The Kadaster TOP10NL rules for recreational areas.

TOP10NL (the Basisregistratie Topografie) records a recreational area as a *functioneel
gebied* of one of four types. What was checked against the Kadaster's own texts:

* the definitions of the domain ``FG_typeFunctioneelGebied`` in *Basisregistratie Topografie:
  Catalogus en Productspecificaties* 1.2.0.7 (github.com/kadaster/imbrt): a *bungalowpark* is
  "oppervlak bebouwd met (luxe) vakantiehuisjes", a *vakantiepark* a site "waarop een
  combinatie van bungalows en / of stacaravans en / of kampeerplaatsen voorkomt", a *camping,
  kampeerterrein* a site "voornamelijk voor tenten, caravans en campers", a *caravanpark* a
  site "voornamelijk ingericht met stacaravans";
* the change log of the TOP10NL *verkenningsvoorschriften* (19.09.2019, Caravanpark):
  "Terreinen met een combinatie van bungalows en stacaravans en/of kampeerplaatsen worden
  functioneel gebied 'vakantiepark'".

So: only bungalows → **bungalowpark**; bungalows with stacaravans and/or pitches →
**vakantiepark**; stacaravans with pitches, or only pitches → **camping**; only stacaravans →
**caravanpark**. The minimum counts (five detached holiday homes or three blocks of linked
homes; five stacaravans) and leaving apartments and group accommodation out follow the survey
rules as the project's issue 16 states them; the pages of the verkenningsvoorschriften that
hold them (Bungalowpark, Vakantiepark) could not be read, so they are defaults of
:class:`Typology`, settable, not quotations.

:meth:`Typology.classify` applies the thresholds to the counts of the objects of one park.
Objects carry their kind in a ``recreation_type`` column (:data:`RECREATION_TYPES`), linked
homes a ``block_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zicht._errors import ConfigError
from zicht._strings import text

__all__ = [
    "PARK_TYPES",
    "RECREATION_TYPES",
    "TOP10NL_SOURCES",
    "TypeCounts",
    "Typology",
    "count_types",
    "stacaravan_like",
]

#: The TOP10NL types of a recreational area (``camping`` is TOP10NL's "camping,
#: kampeerterrein").
PARK_TYPES = ("bungalowpark", "vakantiepark", "camping", "caravanpark")
#: The kinds of recreational object the typology counts (column ``recreation_type``).
RECREATION_TYPES = (
    "bungalow",
    "bungalow_block",
    "stacaravan",
    "kampeerplaats",
    "appartement",
    "groepsaccommodatie",
)
#: Where the rules come from.
TOP10NL_SOURCES = (
    "Kadaster, Basisregistratie Topografie: Catalogus en Productspecificaties 1.2.0.7, "
    "domein FG_typeFunctioneelGebied (github.com/kadaster/imbrt, "
    "docs/catalogus-productspecificaties.md)",
    "Kadaster, TOP10NL verkenningsvoorschriften, wijziging 19.09.2019 (Caravanpark): "
    "bungalows met stacaravans en/of kampeerplaatsen is een vakantiepark",
)
#: The column with an object's kind, and the one naming its block of linked homes.
TYPE_COLUMN = "recreation_type"
BLOCK_COLUMN = "block_id"


@dataclass(frozen=True)
class TypeCounts:
    """The objects of one park by kind (apartments and group accommodation counted apart)."""

    bungalows: int = 0
    blocks: int = 0
    stacaravans: int = 0
    pitches: int = 0
    apartments: int = 0
    group_accommodation: int = 0
    untyped: int = 0

    def to_dict(self) -> dict[str, int]:
        """Return the counts as ``n_<kind>`` columns."""
        return {f"n_{k}": v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Typology:
    """The TOP10NL thresholds of the park typology (defaults: the TOP10NL rules).

    Parameters
    ----------
    min_detached_bungalows
        A site has bungalows when it holds at least this many detached holiday homes …
    min_bungalow_blocks
        … or at least this many blocks of linked holiday homes.
    min_stacaravans
        A site has stacaravans from this many (TOP10NL: a caravanpark holds at least five).
    min_pitches
        A site has pitches from this many (TOP10NL sets no minimum for a camping; zicht asks
        for five so that one pitch does not turn a bungalowpark into a vakantiepark).
    """

    min_detached_bungalows: int = 5
    min_bungalow_blocks: int = 3
    min_stacaravans: int = 5
    min_pitches: int = 5

    def __post_init__(self) -> None:
        bad = [f.name for f in fields(self) if int(getattr(self, f.name)) < 1]
        if bad:
            raise ConfigError(f"typology thresholds must be at least 1: {bad}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Typology:
        """Build the thresholds from a TOML ``[typology]`` table, naming unknown keys.

        Raises
        ------
        ConfigError
            If a key is unknown or a threshold below 1.
        """
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(f"unknown typology key(s) {unknown}; allowed: {sorted(allowed)}")
        return cls(**{k: int(v) for k, v in data.items()})

    def classify(self, counts: TypeCounts) -> tuple[str, str]:
        """Return the park type of a site and why, or ``("", reason)`` when it is no park.

        Examples
        --------
        >>> Typology().classify(TypeCounts(bungalows=40, stacaravans=12))
        ('vakantiepark', 'bungalows (40 detached, 0 blocks) with 12 stacaravans and 0 pitches')
        >>> Typology().classify(TypeCounts(apartments=60))[0]
        ''
        """
        has_bungalows = (
            counts.bungalows >= self.min_detached_bungalows
            or counts.blocks >= self.min_bungalow_blocks
        )
        has_caravans = counts.stacaravans >= self.min_stacaravans
        has_pitches = counts.pitches >= self.min_pitches
        bungalows = f"bungalows ({counts.bungalows} detached, {counts.blocks} blocks)"
        others = f"{counts.stacaravans} stacaravans and {counts.pitches} pitches"
        if has_bungalows and (has_caravans or has_pitches):
            return "vakantiepark", f"{bungalows} with {others}"
        if has_bungalows:
            return "bungalowpark", f"only {bungalows}"
        if has_pitches:
            kind = "with stacaravans" if has_caravans else "only pitches"
            return "camping", f"{kind}: {others}"
        if has_caravans:
            return "caravanpark", f"only stacaravans ({counts.stacaravans})"
        if counts.apartments or counts.group_accommodation:
            only = counts.apartments + counts.group_accommodation >= (
                counts.bungalows + counts.blocks + counts.stacaravans + counts.pitches
            )
            if only:
                return "", (
                    f"mainly apartments ({counts.apartments}) and group accommodation "
                    f"({counts.group_accommodation}), which TOP10NL does not count"
                )
        return "", (
            f"fewer than {self.min_detached_bungalows} detached holiday homes or "
            f"{self.min_bungalow_blocks} blocks, {self.min_stacaravans} stacaravans or "
            f"{self.min_pitches} pitches ({bungalows}, {others})"
        )

    def describe(self, language: str = "en") -> str:
        """Return the typology as one sentence with the thresholds (string catalogue)."""
        return text(
            "parks",
            "rule_typology",
            language,
            bungalows=self.min_detached_bungalows,
            blocks=self.min_bungalow_blocks,
            caravans=self.min_stacaravans,
            pitches=self.min_pitches,
        )


def count_types(kinds: np.ndarray, blocks: np.ndarray | None = None) -> TypeCounts:
    """Count the objects of one site by kind.

    Parameters
    ----------
    kinds
        ``recreation_type`` of each object (missing or unknown kinds count as ``untyped``).
    blocks
        ``block_id`` of each object; the distinct ids among ``bungalow_block`` objects are
        the blocks, and block homes without an id together count as one block.

    Examples
    --------
    >>> import numpy as np
    >>> count_types(np.array(["bungalow_block"] * 6), np.array(["a", "a", "b", "b", "c", ""]))
    TypeCounts(bungalows=0, blocks=4, stacaravans=0, pitches=0, apartments=0, group_accommodation=0, untyped=0)
    """  # noqa: E501
    kinds = pd.Series(kinds, dtype="object").fillna("").astype("str").to_numpy()
    in_block = kinds == "bungalow_block"
    n_blocks = 0
    if in_block.any():
        ids = (
            pd.Series(blocks, dtype="object").fillna("").astype("str").to_numpy()[in_block]
            if blocks is not None
            else np.full(int(in_block.sum()), "")
        )
        named = {i for i in ids if i}
        n_blocks = len(named) + int((ids == "").any())
    known = np.isin(kinds, RECREATION_TYPES)
    return TypeCounts(
        bungalows=int((kinds == "bungalow").sum()),
        blocks=n_blocks,
        stacaravans=int((kinds == "stacaravan").sum()),
        pitches=int((kinds == "kampeerplaats").sum()),
        apartments=int((kinds == "appartement").sum()),
        group_accommodation=int((kinds == "groepsaccommodatie").sum()),
        untyped=int((~known).sum()),
    )


def stacaravan_like(
    footprints: np.ndarray, *, max_width_m: float = 4.5, min_elongation: float = 2.2
) -> np.ndarray:
    """Tell stacaravans from bungalows by the shape of their footprint (a proxy).

    Open data says nothing about what a building is used for, so zicht looks at its shape: a
    mobile home is at most about 4 m wide and two to four times as long (zicht's own
    assumption, not a TOP10NL rule). A footprint whose minimum rotated
    rectangle is at most ``max_width_m`` wide and at least ``min_elongation`` times as long
    counts as stacaravan-like.

    Parameters
    ----------
    footprints
        Building polygons in a metric CRS.
    max_width_m, min_elongation
        The shape thresholds.

    Returns
    -------
    numpy.ndarray
        Boolean per footprint.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> stacaravan_like(np.array([shapely.box(0, 0, 11, 3.5), shapely.box(0, 0, 9, 8)]))
    array([ True, False])
    """
    rects = shapely.oriented_envelope(footprints)
    out = np.zeros(len(footprints), dtype=bool)
    for i, rect in enumerate(rects):
        if rect is None or rect.is_empty or rect.geom_type != "Polygon":
            continue
        x, y = np.asarray(rect.exterior.coords).T
        sides = np.hypot(np.diff(x), np.diff(y))[:2]
        width, length = float(sides.min()), float(sides.max())
        out[i] = 0 < width <= max_width_m and length >= min_elongation * width
    return out
