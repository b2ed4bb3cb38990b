"""Indicator declarations: what an indicator counts, over which units, and why.

An :class:`IndicatorSpec` is the whole definition of one indicator, written by analysts
together with the municipality and checked by the ethics watchdog. It is plain data: the
numerator and denominator are filters in the safe filter language of
:mod:`zicht.indicators._filters`, and a spec that uses a protected attribute cannot be made
(:mod:`zicht.guard`).

Kinds
-----
``count``
    Units in the numerator per area: ``n_<id>``.
``rate``
    Numerator units per ``per`` denominator units: ``n_<id>`` and ``rate_<id>_pct``
    (``per = 100``) or ``rate_<id>_per_<per>``.
``share``
    Numerator units as a percentage of the denominator units: ``n_<id>`` and
    ``share_<id>_pct``.
``density``
    Risk Terrain Modeling's kernel density: features (selected by the numerator) within
    ``radius_m`` of a place, per km²: ``density_<id>_per_km2``.
``proximity``
    Risk Terrain Modeling's distance: metres from a place to the nearest feature:
    ``dist_<id>_m``.

For ``density`` and ``proximity`` the *features* are the units selected by the numerator
(``features = "units"``) or the public park locations (``features = "parks"``); the value
of an area is the mean over its units (``at = "units"``) or taken at its centre
(``at = "centre"``, public features only).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import Any

from zicht._errors import ConfigError
from zicht._strings import DEFAULT_LANGUAGE, text
from zicht.indicators._filters import (
    Filter,
    describe_filter,
    filter_columns,
    filter_values,
    parse_filter,
)
from zicht.schemas import IndicatorMeta

__all__ = [
    "AT",
    "FEATURE_SOURCES",
    "KERNELS",
    "KINDS",
    "SMOOTHING",
    "UNIT_LEVELS",
    "IndicatorSpec",
    "indicator_columns",
]

KINDS = ("count", "rate", "share", "density", "proximity")
UNIT_LEVELS = ("address", "parcel", "person", "company")
SMOOTHING = ("none", "eb_global", "eb_spatial")
FEATURE_SOURCES = ("units", "parks")
KERNELS = ("quartic", "uniform")
AT = ("units", "centre")
_UNIT_PLURALS = {
    "address": "addresses",
    "parcel": "parcels",
    "person": "persons",
    "company": "companies",
}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COUNTED = ("count", "rate", "share")
_SMOOTHING_TEXT = {
    "eb_global": "global empirical-Bayes smoothed",
    "eb_spatial": "spatial empirical-Bayes smoothed",
}


def _per_suffix(per: float) -> str:
    if per == 100:
        return "pct"
    if per == 1000:
        return "per_1000"
    return f"per_{per:g}".replace(".", "_")


@dataclass(frozen=True)
class IndicatorSpec:
    """A declared indicator.

    Parameters
    ----------
    id
        Short identifier used in column names: lower case, digits and ``_``, at most 40
        characters (``vacant`` gives ``n_vacant`` and ``rate_vacant_pct``).
    title
        Human title for legends, tooltips and the report.
    numerator
        Filter on unit-table columns selecting the units counted (``count``, ``rate``,
        ``share``) or the features (``density``, ``proximity``). A column name means
        ``{ column = name, is = true }``.
    unit_level
        What a unit is: ``"address"``, ``"parcel"``, ``"person"`` or ``"company"``. Every
        indicator of a run must use the unit level of its unit table.
    description
        What the indicator means and why it is place-based.
    denominator
        Filter selecting the units an indicator rests on; ``None`` (default) means every
        unit of the area. For ``density``/``proximity`` these are the units whose values
        are averaged.
    kind
        ``"count"``, ``"rate"`` (default), ``"share"``, ``"density"`` or ``"proximity"``.
    smoothing
        For ``rate`` and ``share``: ``"none"`` (default), ``"eb_global"`` or
        ``"eb_spatial"``; a smoothed rate is published next to the raw one, and is the
        value the composite index uses.
    per
        For ``rate``: the multiplier (100 gives per cent, 1000 per thousand).
    purpose
        Why a municipality looks at this indicator (the prevention goal it serves).
    follow_up
        Suggested courses of action for a municipality where the indicator is high, e.g.
        ``"review how the tender for care providers is set up"``. Never an action against
        a person or an address.
    features
        For ``density``/``proximity``: ``"units"`` (units selected by the numerator) or
        ``"parks"`` (the public park locations, filtered by the numerator).
    radius_m
        For ``density``: kernel radius (bandwidth) in metres.
    kernel
        For ``density``: ``"quartic"`` (default, as in RTM and ArcGIS) or ``"uniform"``.
    at
        For ``density``/``proximity``: ``"units"`` (default, mean over the area's units) or
        ``"centre"`` (at the area's centre; only for public features).

    Raises
    ------
    ConfigError
        If a value is not allowed (the message names the field and the allowed values).
    ProfilingError
        If the id, title or a filter uses a protected attribute.

    Examples
    --------
    >>> spec = IndicatorSpec("vacant", "Vacancy", "vacant")
    >>> spec.count_column, spec.rate_column
    ('n_vacant', 'rate_vacant_pct')
    """

    id: str
    title: str
    numerator: Any
    unit_level: str = "address"
    description: str = ""
    denominator: Any = None
    kind: str = "rate"
    smoothing: str = "none"
    per: float = 100.0
    purpose: str = ""
    follow_up: tuple[str, ...] = ()
    features: str = "units"
    radius_m: float = 500.0
    kernel: str = "quartic"
    at: str = "units"

    def __post_init__(self) -> None:
        where = f"indicator {self.id!r}"
        numerator: Filter = parse_filter(self.numerator, f"{where}.numerator")
        object.__setattr__(self, "numerator", numerator)
        if self.denominator is not None:
            denominator = parse_filter(self.denominator, f"{where}.denominator")
            object.__setattr__(self, "denominator", denominator)
        if not isinstance(self.follow_up, tuple):
            if isinstance(self.follow_up, str) or not hasattr(self.follow_up, "__iter__"):
                raise ConfigError(f"{where}.follow_up must be a list of strings")
            object.__setattr__(self, "follow_up", tuple(self.follow_up))
        problems = self._problems()
        if problems:
            listing = "\n".join(f"  - {p}" for p in problems)
            raise ConfigError(f"{where}: {len(problems)} problem(s)\n{listing}")
        self._guard()

    def _problems(self) -> list[str]:
        problems: list[str] = []

        def allowed(name: str, value: Any, options: tuple[str, ...]) -> None:
            if value not in options:
                problems.append(f"{name} = {value!r} is not allowed; use one of {list(options)}")

        if not isinstance(self.id, str) or not _ID.match(self.id):
            problems.append(
                f"id = {self.id!r} must start with a lower-case letter and hold only a-z, 0-9 "
                "and '_' (at most 40 characters)"
            )
        if not isinstance(self.title, str) or not self.title.strip():
            problems.append("title must be a non-empty string")
        allowed("unit_level", self.unit_level, UNIT_LEVELS)
        allowed("kind", self.kind, KINDS)
        allowed("smoothing", self.smoothing, SMOOTHING)
        allowed("features", self.features, FEATURE_SOURCES)
        allowed("kernel", self.kernel, KERNELS)
        allowed("at", self.at, AT)
        if self.smoothing != "none" and self.kind not in ("rate", "share"):
            problems.append(
                f"smoothing = {self.smoothing!r} applies to kind 'rate' or 'share' only, "
                f"not {self.kind!r}; use smoothing = 'none'"
            )
        if not (isinstance(self.per, int | float) and math.isfinite(self.per) and self.per > 0):
            problems.append(f"per must be a positive number, got {self.per!r}")
        if not (
            isinstance(self.radius_m, int | float)
            and math.isfinite(self.radius_m)
            and 10 <= self.radius_m <= 10_000
        ):
            problems.append(f"radius_m must lie between 10 and 10000 metres, got {self.radius_m!r}")
        if self.kind in _COUNTED and self.features != "units":
            problems.append(
                f"features = {self.features!r} applies to kind 'density' or 'proximity' only"
            )
        centre = self.kind in ("density", "proximity") and self.at == "centre"
        if centre and self.features == "units":
            problems.append(
                "at = 'centre' is allowed for public features only (features = 'parks'): "
                "a distance from a fixed point to confidential units could locate them"
            )
        if not all(isinstance(s, str) and s.strip() for s in self.follow_up):
            problems.append("follow_up must be a list of non-empty strings")
        return problems

    def _guard(self) -> None:
        from zicht.guard import check_names  # the guard depends on the filters, not on specs

        where = f"indicator {self.id!r}"
        names = [(f"{where}, id", self.id), (f"{where}, title", self.title)]
        literals = []
        for part, flt in (("numerator", self.numerator), ("denominator", self.denominator)):
            if flt is None:
                continue
            names += [(f"{where}, {part} column", c) for c in filter_columns(flt)]
            literals += [(f"{where}, {part} value", v) for v in filter_values(flt)]
        check_names(names, literals=literals, subject=f"indicator {self.id!r}")

    # --- published columns ----------------------------------------------------------------

    @property
    def counted(self) -> bool:
        """True for kinds that count units (``count``, ``rate``, ``share``)."""
        return self.kind in _COUNTED

    @property
    def count_column(self) -> str:
        """Name of the numerator count column (``n_<id>``)."""
        return f"n_{self.id}"

    @property
    def base_column(self) -> str:
        """Column of the denominator count: ``n_units``, or ``n_<id>_base`` when restricted.

        The ``n_<id>_base`` column is computed but not published.
        """
        return "n_units" if self.denominator is None else f"n_{self.id}_base"

    @property
    def rate_column(self) -> str:
        """Name of the raw rate or share column (the value column for other kinds)."""
        if self.kind == "share":
            return f"share_{self.id}_pct"
        if self.kind == "rate":
            return f"rate_{self.id}_{_per_suffix(self.per)}"
        return self.value_column

    @property
    def smoothed_column(self) -> str | None:
        """Name of the smoothed rate column, or None without smoothing."""
        if self.smoothing == "none":
            return None
        prefix = "share" if self.kind == "share" else "rate"
        per = "pct" if self.kind == "share" else _per_suffix(self.per)
        return f"{prefix}_{self.id}_{self.smoothing}_{per}"

    @property
    def value_column(self) -> str:
        """The headline column: what the composite index and the hot-spot test use."""
        if self.kind == "count":
            return self.count_column
        if self.kind in ("rate", "share"):
            return self.smoothed_column or self.rate_column
        if self.kind == "density":
            return f"density_{self.id}_per_km2"
        return f"dist_{self.id}_m"

    @property
    def unit_plural(self) -> str:
        """Plural of the unit level (``"addresses"``)."""
        return _UNIT_PLURALS.get(self.unit_level, f"{self.unit_level} units")

    @property
    def rate_unit(self) -> str:
        """Unit text of the rate column (``"%"``, ``"per 1000"``)."""
        if self.kind == "share" or self.per == 100:
            return "%"
        return f"per {self.per:g} {self.unit_plural}"

    def metas(self) -> list[IndicatorMeta]:
        """Describe the published columns of this indicator.

        Returns
        -------
        list of IndicatorMeta
            ``count``: the count; ``rate``/``share``: the count, the raw rate and the
            smoothed rate when asked for; ``density``/``proximity``: the value.
        """
        # Company units: every count and rate follows the company rules (minimum number of
        # companies, dominance).
        basis = "companies" if self.unit_level == "company" else "units"
        if self.kind == "count":
            return [
                IndicatorMeta(self.count_column, self.title, self.unit_plural, "count", basis=basis)
            ]
        if self.kind in ("rate", "share"):
            word = "share" if self.kind == "share" else "rate"
            out = [
                IndicatorMeta(
                    self.count_column, self.title, self.unit_plural, "count", basis=basis
                ),
                IndicatorMeta(
                    self.rate_column, f"{self.title} ({word})", self.rate_unit, "rate", basis=basis
                ),
            ]
            if self.smoothed_column:
                text = _SMOOTHING_TEXT[self.smoothing]
                out.append(
                    IndicatorMeta(
                        self.smoothed_column,
                        f"{self.title} ({word}, {text})",
                        self.rate_unit,
                        "rate",
                        basis=basis,
                    )
                )
            return out
        if self.kind == "density":
            return [IndicatorMeta(self.value_column, f"{self.title} (density)", "per km²", "rate")]
        return [IndicatorMeta(self.value_column, f"{self.title} (distance)", "m", "rate")]

    # --- descriptions ---------------------------------------------------------------------

    def numerator_text(self) -> str:
        """Return the numerator filter as one readable line."""
        return describe_filter(self.numerator)

    def unit_plural_in(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Return the plural of the unit level in ``language`` (``"adressen"``).

        Parameters
        ----------
        language
            ``"nl"`` (default) or ``"en"``.

        Returns
        -------
        str
            The word from the catalogue (``indicators.toml``).
        """
        if self.unit_level in _UNIT_PLURALS:
            return text("indicators", f"plural_{self.unit_level}", language)
        return text("indicators", "plural_other", language, level=self.unit_level)

    def denominator_text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Return the denominator filter as one readable line (all units when unset)."""
        if self.denominator is None:
            return text("indicators", "all_in_area", language, units=self.unit_plural_in(language))
        return describe_filter(self.denominator)

    def method_text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """How the value is computed, in one sentence, in ``language`` (``"nl"`` or ``"en"``)."""
        num, den = self.numerator_text(), self.denominator_text(language)
        units = self.unit_plural_in(language)

        def say(key: str, **values: object) -> str:
            return text("indicators", key, language, **values)

        if self.kind == "count":
            return say("method_count", units=units, num=num, den=den)
        if self.kind in ("rate", "share"):
            per = f"{self.per:g}"
            out = say(f"method_{self.kind}", units=units.capitalize(), num=num, den=den, per=per)
            if self.smoothing != "none":
                out += say("method_smoothed", smoothing=say(f"smoothing_{self.smoothing}"))
            return out
        source = say(
            "source_units" if self.features == "units" else "source_parks", units=units, num=num
        )
        place = say("place_units", den=den) if self.at == "units" else say("place_centre")
        if self.kind == "density":
            radius = f"{self.radius_m:g}"
            return say(
                "method_density", kernel=self.kernel, radius=radius, source=source, place=place
            )
        return say("method_proximity", source=source, place=place)

    def columns_read(self) -> list[str]:
        """Unit-table columns this indicator reads (park columns for ``features='parks'``)."""
        cols = filter_columns(self.numerator) if self.features == "units" else []
        if self.denominator is not None:
            cols += filter_columns(self.denominator)
        return list(dict.fromkeys(cols))

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as JSON-serialisable data (filters as readable text)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "numerator":
                value = self.numerator_text()
            elif f.name == "denominator":
                value = self.denominator_text("en")
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        out["columns"] = [m.column for m in self.metas()]
        return out


def indicator_columns(specs: list[IndicatorSpec]) -> list[IndicatorMeta]:
    """Describe the published columns of ``specs`` for the release and the map.

    Parameters
    ----------
    specs
        Indicator declarations.

    Returns
    -------
    list of IndicatorMeta
        Per spec, the columns of :meth:`IndicatorSpec.metas`.

    Examples
    --------
    >>> [m.column for m in indicator_columns([IndicatorSpec("vacant", "Vacancy", "vacant")])]
    ['n_vacant', 'rate_vacant_pct']
    """
    return [meta for spec in specs for meta in spec.metas()]
