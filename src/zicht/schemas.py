"""Shared contracts: every input layer's schema, RD New, and what a published indicator holds.

One :class:`LayerSchema` per layer kind. :mod:`zicht.ingest` renames source columns onto
these names and then checks the frame against its schema with
:func:`zicht._validate.validate_layer`, which collects every problem and raises once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zicht._errors import DisclosureError

__all__ = [
    "ADDRESSES",
    "BOUNDARIES",
    "COMPANIES",
    "NL_BOUNDS_RD",
    "PARCELS",
    "PARK_AREAS",
    "PARK_POINTS",
    "PERSONS",
    "PUBLICATION_FLOORS",
    "PURPOSES",
    "RD_NEW",
    "RD_NEW_EPSG",
    "UNIT_SCHEMAS",
    "IndicatorMeta",
    "LayerSchema",
    "PublicationFloors",
    "boundary_schema",
    "parse_rate_column",
]

#: The CRS of all metric work: Amersfoort / RD New. Use this name, never the literal code.
RD_NEW = "EPSG:28992"
#: The same CRS as an integer EPSG code, for the libraries that want one.
RD_NEW_EPSG = 28992

#: The area of use of RD New (EPSG:28992): the Dutch land and territorial sea, in metres.
NL_BOUNDS_RD = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)


@dataclass(frozen=True)
class LayerSchema:
    """What a validated layer holds.

    Attributes
    ----------
    name
        Layer kind, named in every error message.
    id_column
        Column that must be present, non-missing and unique.
    required
        Other columns that must be present.
    geometry_types
        Allowed geometry types (missing and empty geometries are judged separately).
    code_level
        CBS level whose pattern ``id_column`` must match (``"gemeente"``, ``"wijk"``,
        ``"buurt"``), or None.
    points_may_lack_location
        Units (addresses) may lack a location; the join reports them. Reference layers
        (boundaries, parcels, parks) may not.
    """

    name: str
    id_column: str
    required: tuple[str, ...] = ()
    geometry_types: tuple[str, ...] = ("Polygon", "MultiPolygon")
    code_level: str | None = None
    points_may_lack_location: bool = False

    @property
    def is_point_layer(self) -> bool:
        """True when the layer holds points."""
        return self.geometry_types == ("Point",)


def boundary_schema(level: str) -> LayerSchema:
    """Return the schema of a CBS boundary layer of ``level``.

    Parameters
    ----------
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.

    Returns
    -------
    LayerSchema
        ``code`` unique and matching the level's pattern, ``name`` present, polygons.
    """
    return LayerSchema(
        name=f"{level} boundaries", id_column="code", required=("name",), code_level=level
    )


BOUNDARIES = {level: boundary_schema(level) for level in ("gemeente", "wijk", "buurt")}

#: BAG addresses: verblijfsobjecten, ligplaatsen and standplaatsen as points.
ADDRESSES = LayerSchema(
    name="addresses",
    id_column="address_id",
    required=("object_type", "gebruiksdoel"),
    geometry_types=("Point",),
    points_may_lack_location=True,
)

#: BRK parcels (kadastrale percelen).
PARCELS = LayerSchema(name="parcels", id_column="parcel_id", required=())

#: Persons (one row each, at the address where they live).
PERSONS = LayerSchema(
    name="persons", id_column="person_id", geometry_types=("Point",), points_may_lack_location=True
)

#: Companies (one row each, at their business address).
COMPANIES = LayerSchema(
    name="companies",
    id_column="company_id",
    geometry_types=("Point",),
    points_may_lack_location=True,
)

#: The schema of each unit level a run can count (its ``id_column`` names the unit id).
UNIT_SCHEMAS = {
    "address": ADDRESSES,
    "parcel": PARCELS,
    "person": PERSONS,
    "company": COMPANIES,
}

#: Holiday-park boundaries.
PARK_AREAS = LayerSchema(name="park areas", id_column="park_id", required=("name",))

#: Holiday-park points (where no boundary is known).
PARK_POINTS = LayerSchema(
    name="park points", id_column="park_id", required=("name",), geometry_types=("Point",)
)


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
        ``"count"`` (rounded, small counts protected), ``"rate"`` (a count per ``per``
        units of a base: computed before rounding), or any other kind (``"index"``,
        ``"rank"``, a density or a distance): a value computed elsewhere, published as
        given on published features only.
    numerator
        For a count, the unit-table column it sums (default: the column name without
        ``n_``); for a rate, the count column it divides (default: from the name,
        ``rate_<id>_pct`` / ``share_<id>_pct`` / ``rate_<id>_per_1000`` /
        ``rate_<id>_eb_global_pct`` → ``n_<id>``).
    base
        For a rate: the count column of its denominator (default ``n_<id>_base`` where it
        exists, else ``n_units``); the threshold applies to it.
    basis
        ``"units"`` or ``"companies"`` (the company rules apply; the unit table must name
        its company column).
    """

    column: str
    title: str
    unit: str
    kind: str = "count"
    numerator: str | None = None
    base: str | None = None
    basis: str = "units"

    def __post_init__(self) -> None:
        if self.basis not in ("units", "companies"):
            raise DisclosureError(
                f"indicator {self.column!r}: basis must be 'units' or 'companies'"
            )

    @property
    def count_column(self) -> str | None:
        """The count column of a count or rate (``None`` for other kinds)."""
        if self.kind == "count":
            return self.column
        if self.kind != "rate":
            return None
        if self.numerator:
            return self.numerator
        link = parse_rate_column(self.column)
        return None if link is None else f"n_{link[0]}"


def parse_rate_column(
    column: str, ids: set[str] | None = None
) -> tuple[str, float, str | None] | None:
    """``(id, per, smoothing)`` from a rate column name, or ``None`` if it is not one."""
    for prefix in ("rate_", "share_", "pct_"):
        if column.startswith(prefix):
            rest = column[len(prefix) :]
            break
    else:
        return None
    if prefix == "pct_":
        return rest, 100.0, None
    parts = rest.split("_")
    # the id is the shortest head of the name that leaves a known suffix
    for cut in range(1, len(parts)):
        head, tail = "_".join(parts[:cut]), parts[cut:]
        if ids is not None and head not in ids:
            continue
        smoothing = None
        if len(tail) > 2 and tail[0] == "eb" and tail[1] in ("global", "spatial"):
            smoothing = f"eb_{tail[1]}"
            tail = tail[2:]
        if tail == ["pct"]:
            return head, 100.0, smoothing
        if len(tail) >= 2 and tail[0] == "per":
            try:
                return head, float(".".join(tail[1:])), smoothing
            except ValueError:
                continue
    return None


#: What a release is for: ``"publication"`` (the floors below hold) or ``"internal"``
#: (lower values allowed; every output says NIET VOOR PUBLICATIE and ``zicht check`` fails it).
PURPOSES = ("publication", "internal")


@dataclass(frozen=True)
class PublicationFloors:
    """The weakest disclosure rules a release meant for publication may use.

    The defaults are the CBS output rules: at least 10 units behind every value, counts on
    buurten and finer geographies rounded to a base of at least 5, no share above 90 %,
    company values on at least 3 companies and the (2, 85 %) dominance rule. The publisher
    refuses rules below them (unless ``purpose = "internal"``) and ``zicht check`` judges
    every release against them, not against the rules its manifest declares.

    Attributes
    ----------
    min_units
        Lowest threshold of units per published value.
    rounding_base
        Lowest rounding base of counts on rounded layers.
    exact_layers
        The only layers whose counts may be published exactly (coarser than buurt).
    group_max_pct
        Highest share (per cent) a value may show.
    min_companies
        Lowest number of companies behind a company-based value.
    dominance_n, dominance_pct
        Fewest largest contributors, and highest share (per cent) they may hold.
    cell_key_d
        Lowest largest noise of cell-key perturbation (``method = "cell_key"``): a published
        count then stands for at least as many true counts as under base-5 rounding.
    """

    min_units: int = 10
    rounding_base: int = 5
    exact_layers: tuple[str, ...] = ("wijk", "gemeente")
    group_max_pct: float = 90.0
    min_companies: int = 3
    dominance_n: int = 2
    dominance_pct: float = 85.0
    cell_key_d: int = 2

    def problems(self, rules: Mapping[str, Any]) -> list[str]:
        """Name every rule in ``rules`` that is weaker than its floor.

        Parameters
        ----------
        rules
            Rule values by key, as ``[rules]`` or a release manifest's ``rules`` hold them;
            a missing key is taken to be at its floor.

        Returns
        -------
        list of str
            One sentence per weak rule, naming the key, its value and the floor.

        Examples
        --------
        >>> PUBLICATION_FLOORS.problems({"min_units": 1})
        ['min_units = 1 is below the floor of 10']
        """
        out = []
        for key in ("min_units", "rounding_base", "min_companies", "dominance_n"):
            value = rules.get(key, getattr(self, key))
            if value < getattr(self, key):
                out.append(f"{key} = {value:g} is below the floor of {getattr(self, key)}")
        for key in ("group_max_pct", "dominance_pct"):
            value = rules.get(key, getattr(self, key))
            if value > getattr(self, key):
                out.append(f"{key} = {value:g} is above the ceiling of {getattr(self, key):g}")
        if rules.get("method") == "cell_key" and rules.get("cell_key_d", 2) < self.cell_key_d:
            out.append(
                f"cell_key_d = {rules['cell_key_d']} is below the floor of {self.cell_key_d} "
                "(the noise must hide as much as base-5 rounding)"
            )
        exact = [x for x in rules.get("exact_layers", ()) if x not in self.exact_layers]
        if exact:
            out.append(
                f"exact_layers = {list(rules['exact_layers'])} publishes exact counts on "
                f"{exact}; the floor rounds buurt and finer layers (only "
                f"{list(self.exact_layers)} may be exact)"
            )
        return out


#: The floors of every release meant for publication (see :class:`PublicationFloors`).
PUBLICATION_FLOORS = PublicationFloors()
