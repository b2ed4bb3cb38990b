"""The ``[inputs]`` tables of a run configuration: boundaries, parks and the unit table.

Part of :mod:`zicht.config` (which re-exports every class here), kept apart so that the
configuration module stays readable. Also holds the small helpers every table's checks use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

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


def _is_set(path: Path | str) -> bool:
    return str(path) not in ("", ".")


@dataclass(frozen=True)
class BoundaryInput:
    """A CBS boundary layer.

    A table that sets ``path`` starts from these defaults, never from another file's keys.

    Parameters
    ----------
    path
        File, relative to ``inputs.geodata`` (``zip://x.zip`` and ``x.zip`` work too).
        ``""`` for wijken and gemeenten: dissolved from the buurten, their codes taken
        from the buurt codes (``BU02280101`` lies in ``WK022801`` in ``GM0228``).
    layer
        Layer inside a multi-layer file (``""`` for the first).
    code_column
        Column with the CBS code (``""``: found among ``BU_CODE``, ``buurtcode``,
        ``statcode``, ``code`` and the wijk and gemeente equivalents).
    name_column
        Column with the area name (``""``: found likewise; else the code is the name).
    assume_crs
        CRS of a source that declares none (``""``: refuse such a source, saying which
        CRS its coordinates fit).
    enabled
        ``false`` switches the layer off (wijken and gemeenten are then dissolved from
        the buurten).
    """

    path: Path = Path()
    layer: str = ""
    code_column: str = ""
    name_column: str = ""
    assume_crs: str = ""
    enabled: bool = True

    #: Setting one of these keys in a TOML table starts the table from the class defaults.
    FRESH_KEYS: ClassVar[tuple[str, ...]] = ("path",)

    @property
    def given(self) -> bool:
        """True when a file is to be read."""
        return self.enabled and _is_set(self.path)


@dataclass(frozen=True)
class ParksInput:
    """The holiday-park locations (public, OpenStreetMap-derived).

    Read only when given: they are shown on the map and are the features of
    ``features = "parks"`` indicators (which need them).

    Parameters
    ----------
    path
        File, relative to ``inputs.geodata`` (``""``: none).
    enabled
        ``false`` switches the parks off.
    """

    path: Path = Path("parks/parks.json")
    enabled: bool = True

    FRESH_KEYS: ClassVar[tuple[str, ...]] = ("path",)

    @property
    def given(self) -> bool:
        """True when a file is to be read."""
        return self.enabled and _is_set(self.path)


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

    FRESH_KEYS: ClassVar[tuple[str, ...]] = ("path",)

    @property
    def enabled(self) -> bool:
        """True when a path is set."""
        return _is_set(self.path)


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
    max_not_joined
        Largest share of the units that may fail to join a buurt (0–1); a run with more
        stops and says why (the join report in words, with the likely cause).
    public_columns
        Unit-table columns that hold public facts (the BAG use and object type, or flags
        derived from public data only). Only these may select the points of a ``density``
        or ``proximity`` indicator with ``features = "units"``, or the units it averages
        over: a density or distance is published as computed, without the disclosure
        control counts get, so a density of confidential points (incidents, convictions)
        would show where they are. Use a rate for those.
    scheduler
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://10.0.0.5:8786"``; needs
        ``pip install "zicht[dask]"`` here and zicht on the workers): the join of addresses
        in GeoParquet then runs on that cluster, with the keys of the local join. ``""``
        (default): on this machine's cores. See docs/scale.md.
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
    max_not_joined: float = 0.05
    public_columns: tuple[str, ...] = ("gebruiksdoel", "object_type")
    scheduler: str = ""

    FRESH_KEYS: ClassVar[tuple[str, ...]] = ("path",)

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
        if not 0 <= self.max_not_joined <= 1:
            problems.append(f"max_not_joined must lie in [0, 1], got {self.max_not_joined}")
        if self.scheduler and "://" not in self.scheduler:
            problems.append(
                f"scheduler must be a dask.distributed address such as "
                f"'tcp://host:8786', got {self.scheduler!r}"
            )
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
        CBS wijk boundaries (with ``dwelling_total`` for the synthetic generator);
        dissolved from the buurten when not given.
    gemeenten
        CBS gemeente boundaries; dissolved from the buurten when not given.
    buurten
        CBS buurt boundaries (the areas units are joined to). The defaults are the
        shipped demo data (2014 buurten, 2022 wijken and gemeenten, the park list); a
        configuration that names its own buurten ``path`` reads only what it names:
        wijken and gemeenten come from the buurten, and there are no parks.
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
        """Return ``path`` relative to ``geodata`` (absolute paths unchanged).

        ``zip://a/b.zip`` is the zip file itself (GDAL opens a zipped shapefile directly;
        with several shapefiles inside, ``layer`` names one). Database URLs are unchanged.

        Examples
        --------
        >>> InputsConfig(geodata=Path("/data")).resolve("zip://cbs/buurt_2017.zip")
        PosixPath('/data/cbs/buurt_2017.zip')
        """
        text = str(path)
        if "://" in text and not text.startswith("zip://"):
            return Path(text)
        inner = Path(text.removeprefix("zip://"))
        return inner if inner.is_absolute() else self.geodata / inner
