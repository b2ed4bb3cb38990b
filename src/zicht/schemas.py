"""The contract of every input layer: required columns, id, geometry types, codes.

One :class:`LayerSchema` per layer kind. :mod:`zicht.ingest` renames source columns onto
these names and then checks the frame against its schema with
:func:`zicht._validate.validate_layer`, which collects every problem and raises once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADDRESSES",
    "BOUNDARIES",
    "COMPANIES",
    "NL_BOUNDS_RD",
    "NL_BOUNDS_WGS84",
    "PARCELS",
    "PARK_AREAS",
    "PARK_POINTS",
    "PERSONS",
    "RD_NEW",
    "UNIT_SCHEMAS",
    "LayerSchema",
    "boundary_schema",
]

RD_NEW = "EPSG:28992"

#: The area of use of RD New (EPSG:28992): the Dutch land and territorial sea, in metres.
NL_BOUNDS_RD = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
#: The same area in WGS84 longitude/latitude degrees (EPSG:28992 area of use).
NL_BOUNDS_WGS84 = (3.2, 50.75, 7.22, 53.7)


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
