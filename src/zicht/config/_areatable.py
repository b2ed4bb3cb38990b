"""The configuration of an area-table run: polygons plus a table joined by code.

Many questions start from a table that already exists per area: registered crimes and
population per gemeente, or CBS key figures per buurt. An area-table configuration names
the polygons, the table, the numerator and denominator columns of each rate, the polygon
graph of the hot-spot test, the disclosure rules and the map::

    title = "…"
    [areas]        polygons, layer, level, table, code columns, denominator
    [[rates]]      id, title, numerator, per, smoothing
    [hotspots]     method (gi_star, local_moran), graph (queen, rook, knn, distance_band)
    [rules]        the disclosure rules on the counts
    [map]          how the map draws the layer
"""

from __future__ import annotations

import csv
import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from zicht._errors import ConfigError, InputError
from zicht.config._inputs import allowed_keys, problems_error
from zicht.config._tables import MapConfig
from zicht.config._toml import MISSING, Collector, build
from zicht.publish import DisclosureRules
from zicht.stats import POLYGON_METHODS

__all__ = [
    "AreaRate",
    "AreaTableConfig",
    "AreaTableInputs",
    "HotspotConfig",
    "check_area_inputs",
    "load_area_config",
]


@dataclass(frozen=True)
class AreaTableInputs:
    """The polygons and the table.

    Parameters
    ----------
    polygons
        Boundary file, relative to the config's folder (``zip://`` and ``.zip`` work).
    layer
        Layer inside the polygon file (``""``: the first).
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``: the areas' CBS level.
    code_column, name_column
        Columns of the polygons (``""``: found, as for boundaries).
    prefix
        Keep only areas whose code starts with this (``""``: all).
    table
        The area table (CSV or Parquet), relative to the config's folder.
    table_code_column
        Column of the table with the area code (integers that lost their ``GM`` and zeros,
        ``14`` for ``GM0014``, are read back).
    denominator
        Column of the table with the population every rate is per (published as
        ``n_units``; the disclosure threshold applies to it).
    unit_level
        What the denominator counts: ``"person"``, ``"address"`` or ``"company"``.
    """

    polygons: Path = Path()
    layer: str = ""
    level: str = "gemeente"
    code_column: str = ""
    name_column: str = ""
    prefix: str = ""
    table: Path = Path()
    table_code_column: str = "code"
    denominator: str = ""
    unit_level: str = "person"

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "level", self.level, ("gemeente", "wijk", "buurt"))
        allowed_keys(problems, "unit_level", self.unit_level, ("person", "address", "company"))
        for key in ("polygons", "table"):
            if str(getattr(self, key)) in ("", "."):
                problems.append(f"{key} is required")
        if not self.denominator:
            problems.append("denominator (the population column of the table) is required")
        if problems:
            raise problems_error("", problems)


@dataclass(frozen=True)
class AreaRate:
    """One rate from the table: numerator / denominator × per.

    Parameters
    ----------
    id
        Identifier (letters, digits, underscores).
    title
        Title on the map and in the report.
    numerator
        Column of the table with the count (e.g. registered crimes).
    per
        Rate per ``100`` or ``1000`` of the denominator.
    smoothing
        ``"eb_global"`` (empirical Bayes towards the overall rate, default) or ``"none"``.
    description
        What it means, in words.
    """

    id: str
    numerator: str
    title: str = ""
    per: int = 1000
    smoothing: str = "eb_global"
    description: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.per not in (100, 1000):
            problems.append(f"per = {self.per!r} is not allowed; use 100 or 1000")
        allowed_keys(problems, "smoothing", self.smoothing, ("eb_global", "none"))
        if not self.id.replace("_", "").isalnum():
            problems.append(f"id = {self.id!r}: use letters, digits and underscores")
        if problems:
            raise problems_error(f"rate {self.id!r}: ", problems)


@dataclass(frozen=True)
class HotspotConfig:
    """The hot-spot test on the polygons.

    Parameters
    ----------
    method
        ``"gi_star"`` (Getis-Ord hot and cold spots) or ``"local_moran"`` (clusters and
        outliers).
    graph
        Polygon graph: ``"queen"``, ``"rook"``, ``"knn"`` or ``"distance_band"``; areas
        without neighbours are labelled ``island`` and not tested.
    k
        Neighbours for ``knn``.
    distance_m
        Band in metres for ``distance_band``.
    rate
        Id of the rate tested (``""``: the first).
    permutations, seed, alpha, correction
        As in ``[stats]`` of a unit run.
    """

    method: str = "gi_star"
    graph: str = "queen"
    k: int = 5
    distance_m: float = 10_000.0
    rate: str = ""
    permutations: int = 999
    seed: int = 20221126
    alpha: float = 0.05
    correction: str = "fdr_bh"

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "method", self.method, ("gi_star", "local_moran"))
        allowed_keys(problems, "graph", self.graph, tuple(POLYGON_METHODS))
        if problems:
            raise problems_error("[hotspots] ", problems)


@dataclass(frozen=True)
class AreaTableConfig:
    """An area-table run (``zicht run`` on a TOML file with an ``[areas]`` table).

    Parameters
    ----------
    areas
        The polygons and the table.
    title
        Title of the map and report.
    rates
        The rates (``[[rates]]``).
    hotspots
        The hot-spot test.
    rules
        Disclosure rules on the counts.
    map
        How the map draws the layer (``layers`` is ignored: one layer).
    """

    areas: AreaTableInputs
    title: str = ""
    rates: tuple[AreaRate, ...] = ()
    hotspots: HotspotConfig = field(default_factory=HotspotConfig)
    rules: DisclosureRules = field(default_factory=DisclosureRules)
    map: MapConfig = field(default_factory=MapConfig)
    folder: Path = field(default=Path(), compare=False, metadata={"internal": True})
    source: str = field(default="", compare=False, metadata={"internal": True})
    source_sha256: str = field(default="", compare=False, metadata={"internal": True})

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rates]
        problems = []
        if not ids:
            problems.append("declare at least one rate ([[rates]])")
        if self.hotspots.rate and self.hotspots.rate not in ids:
            problems.append(f"[hotspots] rate = {self.hotspots.rate!r} is not a rate; {ids}")
        if self.rules.method == "cell_key":
            problems.append(
                '[rules] method = "cell_key" needs unit-level data (each count\'s noise comes '
                'from the record keys of its units); an area table has none: use method = "round"'
            )
        if problems:
            raise problems_error("", problems)

    def resolve(self, path: Path) -> Path:
        """Return ``path`` relative to the config's folder (``zip://`` dropped)."""
        path = Path(str(path).removeprefix("zip://"))
        return path if path.is_absolute() else self.folder / path


def load_area_config(path: str | Path) -> AreaTableConfig:
    """Read an area-table configuration, listing every problem at once.

    Raises
    ------
    ConfigError
        If the file cannot be read or a key or value is not allowed.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    collector = Collector()
    config = build(AreaTableConfig, data, "", collector)
    if config is MISSING or collector.problems:
        problems = collector.problems or ["the configuration is incomplete"]
        raise problems_error(f"{path}: ", problems)
    folder = path.resolve().parent
    digest = hashlib.sha256(raw).hexdigest()
    result: AreaTableConfig = replace(config, folder=folder, source=str(path), source_sha256=digest)
    return result


def _table_columns(path: Path) -> list[str] | None:
    """Return the column names of a CSV or Parquet table from its header (None: unreadable)."""
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq  # the schema only, not the rows

            return list(pq.read_schema(path).names)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # the reader names the problem with the file
    try:
        dialect = csv.Sniffer().sniff(header, delimiters=";,\t|")
    except csv.Error:
        dialect = csv.excel  # one column: no delimiter to find
    return [c.strip() for c in next(csv.reader([header], dialect), [])]


def check_area_inputs(config: AreaTableConfig) -> None:
    """Check the files and the table's columns of an area-table run before anything is read.

    Reads the table's header only (a CSV's first line, a Parquet schema), so a missing file
    or a misspelt column is named at once instead of after the polygons are read.

    Raises
    ------
    InputError
        Listing every missing file and every column of the configuration that the table
        lacks, each with its key.
    """
    areas = config.areas
    problems = []
    for key in ("polygons", "table"):
        path = config.resolve(getattr(areas, key))
        if not path.exists():
            problems.append(f"[areas] {key} = {str(getattr(areas, key))!r}: no file {path}")
    table = config.resolve(areas.table)
    columns = _table_columns(table) if table.is_file() else None
    if columns is not None:
        wanted = [
            ("[areas] table_code_column", areas.table_code_column),
            ("[areas] denominator", areas.denominator),
            *((f"[[rates]] {r.id!r} numerator", r.numerator) for r in config.rates),
        ]
        lacking = [f"{key} = {col!r}" for key, col in wanted if col not in columns]
        if lacking:
            problems.append(
                f"the table {table} has no column {', '.join(lacking)}; its columns are {columns}"
            )
    if problems:
        where = f"{config.source or 'area table'}: "
        if len(problems) == 1:
            raise InputError(where + problems[0])
        raise InputError(
            where + f"{len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)
        )
