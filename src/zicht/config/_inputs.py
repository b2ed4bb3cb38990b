"""The ``[inputs]`` tables of a run configuration: boundaries, parks and the unit table.

Part of :mod:`zicht.config` (which re-exports every class here), kept apart so that the
configuration module stays readable. Also holds the small helpers every table's checks use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zicht._errors import ConfigError
from zicht.indicators import UNIT_LEVELS
from zicht.ingest import default_geodata_dir

__all__ = [
    "BoundaryInput",
    "InputsConfig",
    "ParkAreasInput",
    "ParksInput",
    "UnitsInput",
]

UNIT_SOURCES = ("synthetic", "file")


def problems_error(where: str, problems: list[str]) -> ConfigError:
    if len(problems) == 1:
        return ConfigError(f"{where}{problems[0]}")
    listing = "\n".join(f"  - {p}" for p in problems)
    return ConfigError(f"{where}{len(problems)} problems\n{listing}")


def allowed_keys(problems: list[str], name: str, value: Any, options: Sequence[str]) -> None:
    if value not in options:
        problems.append(f"{name} = {value!r} is not allowed; use one of {list(options)}")


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundaryInput:
    """A CBS boundary layer.

    Parameters
    ----------
    path
        File, relative to ``inputs.geodata``.
    layer
        Layer inside a multi-layer file (``""`` for none).
    code_column
        Column with the CBS code.
    name_column
        Column with the area name.
    assume_crs
        CRS of a source that declares none (``""``: refuse such a source).
    """

    path: Path
    layer: str = ""
    code_column: str = "code"
    name_column: str = "name"
    assume_crs: str = ""


@dataclass(frozen=True)
class ParksInput:
    """The holiday-park locations (public, OpenStreetMap-derived).

    Parameters
    ----------
    path
        File, relative to ``inputs.geodata``.
    """

    path: Path = Path("parks/parks.json")


@dataclass(frozen=True)
class ParkAreasInput:
    """Holiday-park boundaries (polygons), e.g. a version derived by ``zicht parks derive``.

    With them every unit gets the ``park_id`` of the park it lies in (missing outside
    parks; indicators can filter on it, e.g. ``denominator = { column = "park_id",
    missing = false }``), and ``map.layers`` may hold ``"park"``: one feature per park,
    published only where the park passes the rules on its own.

    Parameters
    ----------
    path
        Vector file or PostgreSQL URL of the park polygons, relative to
        ``inputs.geodata`` (``""``: none).
    layer
        Layer or table name (``""`` for the default).
    id_column, name_column
        Columns of the park id and name.
    """

    path: Path = Path()
    layer: str = ""
    id_column: str = "park_id"
    name_column: str = "name"

    @property
    def enabled(self) -> bool:
        """True when a path is set."""
        return str(self.path) not in ("", ".")


@dataclass(frozen=True)
class UnitsInput:
    """The confidential unit table.

    Parameters
    ----------
    source
        ``"synthetic"`` (generated from ``seed``; every shipped run) or ``"file"``.
    level
        What a unit is: ``"address"``, ``"parcel"``, ``"person"`` or ``"company"``. Files
        are read by ``zicht.ingest.read_addresses``, ``read_parcels`` (at each parcel's
        representative point) or ``read_units`` (persons at the address where they live,
        companies at their business address: one row each). Every counted indicator of a
        company run follows the company rules (``min_companies``, dominance).
    seed
        Seed of the synthetic generator (signals use ``seed + 1``).
    path
        For ``"file"``: the unit table (GeoPackage, NLExtract CSV, GeoParquet), relative to
        ``inputs.geodata``.
    layout
        For address files: ``"gpkg"``, ``"nlextract"``, ``"parquet"`` or ``""`` (guess).
    layer
        Layer or table name (``""`` for the default).
    id_column
        Column with the unit id (``""`` for the reader's default: ``address_id``,
        ``identificatie``, ``person_id`` or ``company_id``).
    assume_crs
        CRS of a file that declares none.
    synthetic
        For ``"file"``: declare that the file holds synthetic units (a worked example, a
        test extract); every output is then labelled synthetic, as with ``"synthetic"``.
    public_columns
        Unit-table columns that hold public facts (the BAG use and object type, or flags
        derived from public data only). Only these may select the points of a ``density``
        or ``proximity`` indicator with ``features = "units"``, or the units it averages
        over: a density or distance is published as computed, without the disclosure
        control counts get, so a density of confidential points (incidents, convictions)
        would show where they are. Use a rate for those.
    """

    source: str = "synthetic"
    level: str = "address"
    seed: int = 20221
    path: Path = Path()
    layout: str = ""
    layer: str = ""
    id_column: str = ""
    assume_crs: str = ""
    synthetic: bool = False
    public_columns: tuple[str, ...] = ("gebruiksdoel", "object_type")

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "source", self.source, UNIT_SOURCES)
        allowed_keys(problems, "level", self.level, UNIT_LEVELS)
        if self.source == "synthetic" and self.level != "address":
            problems.append(
                f"the synthetic generator makes addresses only, not {self.level!r}; "
                "use source = 'file' for other unit levels"
            )
        if self.source == "file" and str(self.path) in ("", "."):
            problems.append("source = 'file' needs a path to the unit table")
        allowed_keys(problems, "layout", self.layout, ("", "gpkg", "nlextract", "parquet"))
        if problems:
            raise problems_error("", problems)


@dataclass(frozen=True)
class InputsConfig:
    """Where the data come from.

    Parameters
    ----------
    geodata
        Folder every other input path is relative to; in a TOML file it is itself relative
        to the file's folder. Default: the shipped ``geodata/``.
    wijken
        CBS wijk boundaries (with ``dwelling_total`` for the synthetic generator).
    gemeenten
        CBS gemeente boundaries.
    buurten
        CBS buurt boundaries (the areas units are joined to).
    parks
        Holiday-park locations (context layer and ``features = "parks"``).
    park_areas
        Holiday-park boundaries (none by default; needed for the ``"park"`` layer).
    units
        The unit table.
    """

    geodata: Path = field(default_factory=default_geodata_dir)
    wijken: BoundaryInput = field(
        default_factory=lambda: BoundaryInput(
            Path("cbs/wijken_gemeenten_2022.gpkg"), layer="NLD_dist"
        )
    )
    gemeenten: BoundaryInput = field(
        default_factory=lambda: BoundaryInput(
            Path("cbs/wijken_gemeenten_2022.gpkg"), layer="NLD_muni"
        )
    )
    buurten: BoundaryInput = field(
        default_factory=lambda: BoundaryInput(
            Path("cbs/Buurt_2014_layer_q1e3.json"),
            code_column="statcode",
            name_column="statnaam",
            # The CBS 2014 TopoJSON declares no CRS; its coordinates are WGS84 lon/lat.
            assume_crs="EPSG:4326",
        )
    )
    parks: ParksInput = field(default_factory=ParksInput)
    park_areas: ParkAreasInput = field(default_factory=ParkAreasInput)
    units: UnitsInput = field(default_factory=UnitsInput)

    def resolve(self, path: Path | str) -> Path:
        """Return ``path`` relative to ``geodata`` (absolute paths unchanged)."""
        path = Path(path)
        return path if path.is_absolute() else self.geodata / path
