"""``zicht init``: a commented starter configuration made from the user's own files.

The buurt file is read as a run reads it (CRS from the file, code and name columns found),
the unit table is inspected (its id column, unit level and flag columns), and a TOML file
is written that names only those two files, with one rate indicator per 0/1 flag and the
default rules, statistics and map. It runs as written; every key is commented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from zicht._errors import InputError
from zicht.config._units import as_flag
from zicht.guard import find_protected
from zicht.ingest import read_boundaries

__all__ = ["StarterConfig", "starter_config"]

#: Unit id columns by unit level, in order of preference.
_ID_COLUMNS = {
    "person": ("person_id",),
    "company": ("company_id", "kvk", "kvk_nummer"),
    "address": ("address_id", "nummeraanduiding", "identificatie", "adres_id", "id"),
}


@dataclass(frozen=True)
class StarterConfig:
    """A starter configuration and what it was made from.

    Attributes
    ----------
    text
        The TOML text.
    flags
        The unit-table columns that became rate indicators.
    gemeenten
        The study area's gemeente codes.
    notes
        Findings the user should read (protected columns, columns left out).
    """

    text: str
    flags: tuple[str, ...]
    gemeenten: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def _read_units_raw(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            return pd.read_parquet(path)
        return pyogrio.read_dataframe(path, read_geometry=False)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(f"zicht init --units: cannot read {path}: {exc}") from exc


def _unit_level(columns: list[str]) -> tuple[str, str]:
    lower = {c.lower(): c for c in columns}
    for level, names in _ID_COLUMNS.items():
        for name in names:
            if name in lower:
                return level, lower[name]
    raise InputError(
        f"zicht init --units: no unit id column found; looked for "
        f"{[n for names in _ID_COLUMNS.values() for n in names]}; columns are {columns}"
    )


def _indicator(column: str, level: str) -> str:
    ident = "".join(ch if ch.isalnum() else "_" for ch in column.lower()).strip("_") or "flag"
    return f'''
[[indicators]]
id = "{ident}"
title = "{column}"
description = "Share of the {level} units where {column} is true."  # say what it means
unit_level = "{level}"
numerator = {{ column = "{column}", is = true }}
kind = "rate"
purpose = ""      # why this helps prevention (it goes into the algorithm register)
follow_up = []    # what the municipality can do where the rate is high
'''


def _flag_columns(
    table: pd.DataFrame, columns: list[str], id_column: str
) -> tuple[list[str], list[str]]:
    """Return the 0/1-like columns to turn into rates, and notes on protected columns."""
    notes = []
    flags = []
    for col in columns:
        if col == id_column:
            continue
        rule = find_protected(col)
        if rule is not None:
            notes.append(
                f"column {col!r} is a protected attribute ({rule.ground}): remove it from the "
                "extract; the run refuses a unit table that holds it"
            )
            continue
        series = table[col]
        if pd.api.types.is_bool_dtype(series) or as_flag(series) is not None:
            flags.append(col)
    return flags, notes


def starter_config(
    buurten: Path,
    units: Path,
    *,
    target: Path,
    gemeente: tuple[str, ...] = (),
    assume_crs: str = "",
) -> StarterConfig:
    """Inspect a buurt file and a unit table and write a starter configuration's text.

    Parameters
    ----------
    buurten
        The buurt boundaries (any vector file; zipped shapefiles too).
    units
        The unit table (GeoPackage, GeoParquet, CSV via GDAL).
    target
        Where the configuration will be written (paths are made relative to its folder).
    gemeente
        Gemeente codes of the study area; default: every gemeente in the buurt file.
    assume_crs
        CRS of a buurt file that declares none.

    Returns
    -------
    StarterConfig
        The TOML text and what it was made from.

    Raises
    ------
    InputError, CRSError, SchemaError
        If a file cannot be read, declares no CRS (the message says which its coordinates
        fit), or has no code or id column; each names the file.
    """
    frame, report = read_boundaries(buurten, level="buurt", assume_crs=assume_crs or None)
    found = tuple(sorted({"GM" + c[2:6] for c in frame["code"].astype("str")}))
    chosen = tuple(gemeente) or found
    unknown = sorted(set(chosen) - set(found))
    if unknown:
        raise InputError(
            f"zicht init --gemeente: {unknown} have no buurt in {buurten}; it holds {list(found)}"
        )
    table = _read_units_raw(units)
    columns = [str(c) for c in table.columns if c != "geometry"]
    level, id_column = _unit_level(columns)
    flags, notes = _flag_columns(table, columns, id_column)
    if not flags:
        notes.append("no 0/1, true/false or ja/nee column found: declare indicators by hand")
    folder = target.parent
    layout = "parquet" if units.suffix.lower() in (".parquet", ".geoparquet") else ""
    crs_line = f'assume_crs = "{assume_crs}"\n' if assume_crs else ""
    area = chosen[0] if len(chosen) == 1 else "[" + ", ".join(f'"{c}"' for c in chosen) + "]"
    area_text = f'"{area}"' if len(chosen) == 1 else area
    year = f" ({report.year})" if report.year else ""
    crs_word = f"CRS assumed {assume_crs}" if assume_crs else "CRS read from the file"
    text = f'''# zicht configuration written by `zicht init` from your own files.
# Check it:   zicht validate {target.name}
# Run it:     zicht run {target.name} --out out/run
# Every key and its default: docs/configuration.md. Only the files below are read; wijken
# and gemeenten are dissolved from the buurten, and there are no park layers.

title = ""            # map and report title ("" : made from the gemeente)
gemeente = {area_text}   # a code, a list, a province ("PV25", "Gelderland") or "all"
resolution = 9        # H3 hexagons of about 0.1 km2

[question]
question = ""         # the research question: where, what, so that the gemeente can …
problem_owner = ""    # the municipality that leads and owns the results

[inputs]
geodata = "."         # paths below are relative to this file's folder

[inputs.buurten]
path = "{_relative(buurten, folder)}"   # {len(frame):,} buurten{year}, {crs_word}
code_column = ""      # "" finds BU_CODE / buurtcode / statcode
name_column = ""
{crs_line}
[inputs.units]
source = "file"
level = "{level}"      # address, parcel, person or company
path = "{_relative(units, folder)}"   # {len(table):,} rows
layout = "{layout}"
id_column = "{id_column}"
max_not_joined = 0.05  # stop when more than 5 % of the units fall outside every buurt
'''
    text += "".join(_indicator(col, level) for col in flags)
    text += """
[stats]
permutations = 999    # Gi* hot spots on the H3 layer

[rules]
min_units = 10        # fewest units behind a published figure
rounding_base = 5

[map]
layers = ["h3", "buurt"]
tiles = "none"        # offline map
language = "nl"       # words on the map and in the reports: "nl" or "en"
"""
    if notes:
        text += "\n" + "".join(f"# NOTE: {n}\n" for n in notes)
    return StarterConfig(text=text, flags=tuple(flags), gemeenten=chosen, notes=tuple(notes))
