"""How the maps classify and draw a release: the options alone, light on purpose.

A run configuration checks its ``[map]`` table with :class:`MapOptions` while it loads, so this
module imports neither mapclassify nor matplotlib (``_themes`` does, where classes are drawn).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from zicht._errors import ConfigError
from zicht._strings import LANGUAGES

__all__ = ["PALETTES", "SCHEMES", "SCHEME_CLASSES", "MapOptions"]

#: The classification schemes of the choropleths, the default first: natural breaks with
#: outliers in classes of their own and no class of noise (``zicht.maps._classes``), Fisher-Jenks
#: alone (two names), quantiles and equal intervals.
SCHEMES = ("outlier_aware", "natural_breaks", "fisher_jenks", "quantiles", "equal_interval")
#: The schemes mapclassify computes, with its class (named, not imported: checking a name
#: needs no mapclassify). Fisher-Jenks runs in jenkspy (C), which is fast enough for H3 cells.
SCHEME_CLASSES = {"quantiles": "Quantiles", "equal_interval": "EqualInterval"}

# Sequential ColorBrewer and viridis-family maps that stay ordered for the common forms of
# colour-vision deficiency (ColorBrewer's "colorblind safe" flag).
PALETTES = (
    "YlOrRd",
    "YlOrBr",
    "OrRd",
    "YlGnBu",
    "PuBu",
    "Blues",
    "Purples",
    "viridis",
    "cividis",
)


@dataclass(frozen=True)
class MapOptions:
    """How the maps classify and draw a release.

    Parameters
    ----------
    scheme
        Classification of the indicator choropleths: ``"outlier_aware"`` (default: natural
        breaks, an outlier in a class of its own, classes no further apart than chance
        merged), ``"natural_breaks"`` or ``"fisher_jenks"`` (Fisher-Jenks alone),
        ``"quantiles"`` or ``"equal_interval"``.
    k
        Number of classes (2–9); fewer when the data hold fewer distinct values.
    palette
        A colour-blind-safe sequential palette: one of ``PALETTES``.
    simplify_m
        Tolerance in metres for simplifying area boundaries before they are written; shared
        edges stay shared (``shapely.coverage_simplify``). ``0`` keeps every vertex.
    language
        The language of every word on the map: ``"nl"`` (default) or ``"en"``.

    Examples
    --------
    >>> MapOptions(scheme="natural_breaks", k=4).k
    4
    """

    scheme: str = "outlier_aware"
    k: int = 5
    palette: str = "YlOrRd"
    simplify_m: float = 5.0
    language: str = "nl"

    def __post_init__(self) -> None:
        problems = []
        if self.scheme not in SCHEMES:
            problems.append(f"scheme must be one of {list(SCHEMES)}, got {self.scheme!r}")
        if not 2 <= self.k <= 9:
            problems.append(f"k must be between 2 and 9, got {self.k}")
        if self.palette not in PALETTES:
            problems.append(
                f"palette must be a colour-blind-safe one of {list(PALETTES)}, got {self.palette!r}"
            )
        if not (self.simplify_m >= 0 and math.isfinite(self.simplify_m)):
            problems.append(f"simplify_m must be a finite number >= 0, got {self.simplify_m}")
        if self.language not in LANGUAGES:
            problems.append(f"language must be one of {list(LANGUAGES)}, got {self.language!r}")
        if problems:
            raise ConfigError("invalid map options: " + "; ".join(problems))
