"""Files as they come: the code and name columns, the vintage, and overlapping polygons.

CBS publishes its boundaries under several column conventions (``BU_CODE``/``BU_NAAM`` in
the wijk- en buurtkaart shapefiles, ``statcode``/``statnaam`` in the TopoJSON and PDOK
services, ``buurtcode``/``buurtnaam`` in some exports). :func:`detect_columns` finds the
pair in a layer so that a configuration need not name them. :func:`vintage_year` reads the
year a layer describes, so that layers of different years can be reported by name and year.
:func:`overlapping_areas` finds boundary polygons that overlap (two vintages stacked, or a
digitising error): a unit inside both would be counted twice or arbitrarily.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import SchemaError

__all__ = ["CODE_COLUMNS", "NAME_COLUMNS", "detect_columns", "overlapping_areas", "vintage_year"]

#: Column names that hold the CBS code of each level, in order of preference.
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurt": ("bu_code", "buurtcode", "statcode", "code", "buurt_code"),
    "wijk": ("wk_code", "wijkcode", "statcode", "code", "wijk_code"),
    "gemeente": ("gm_code", "gemeentecode", "statcode", "code", "gemeente_code"),
}
#: Column names that hold the area name of each level.
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurt": ("bu_naam", "buurtnaam", "statnaam", "name", "naam", "buurt_naam"),
    "wijk": ("wk_naam", "wijknaam", "statnaam", "name", "naam", "wijk_naam"),
    "gemeente": ("gm_naam", "gemeentenaam", "statnaam", "name", "naam", "gemeente_naam"),
}
_PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}


def _find(columns: Sequence[str], candidates: Iterable[str]) -> str | None:
    lower = {str(c).lower(): str(c) for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def detect_columns(
    frame: pd.DataFrame, level: str, *, code_column: str = "", name_column: str = "", source: str
) -> tuple[str, str | None]:
    """Return the code and name columns of a boundary layer, found or as given.

    Parameters
    ----------
    frame
        The layer as read.
    level
        ``"buurt"``, ``"wijk"`` or ``"gemeente"``.
    code_column, name_column
        Columns named in the configuration (``""``: detect). A named column must exist.
    source
        The file, named in messages.

    Returns
    -------
    tuple of (str, str or None)
        The code column, and the name column (``None`` when the layer has none: the code
        then serves as the name).

    Raises
    ------
    SchemaError
        If a named column is missing, or no code column is found; the message lists the
        columns the layer has and the names looked for.

    Examples
    --------
    >>> detect_columns(pd.DataFrame(columns=["BU_CODE", "BU_NAAM", "geometry"]), "buurt",
    ...                source="b.shp")
    ('BU_CODE', 'BU_NAAM')
    """
    columns = [str(c) for c in frame.columns if c != "geometry"]
    problems = []
    code = code_column or _find(columns, CODE_COLUMNS[level])
    if code_column and code_column not in frame.columns:
        problems.append(f"code_column = {code_column!r} is not a column")
    elif code is None:
        code = _code_like(frame, level)
        if code is None:
            problems.append(
                f"no column holds {level} codes ({_PREFIX[level]}…); looked for "
                f"{list(CODE_COLUMNS[level])} and for a column of {_PREFIX[level]} codes; "
                "set code_column"
            )
    name = name_column or _find(columns, NAME_COLUMNS[level])
    if name_column and name_column not in frame.columns:
        problems.append(f"name_column = {name_column!r} is not a column")
    if problems:
        raise SchemaError(
            f"{level} boundaries ({source}): {'; '.join(problems)}; its columns are {columns}"
        )
    assert code is not None
    return code, name


def _code_like(frame: pd.DataFrame, level: str) -> str | None:
    prefix = _PREFIX[level]
    for col in frame.columns:
        if col == "geometry" or not pd.api.types.is_object_dtype(frame[col]):
            continue
        text = frame[col].dropna().astype("str")
        if len(text) and text.str.startswith(prefix).mean() > 0.9:
            return str(col)
    return None


_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")


def vintage_year(source: str | Path, frame: pd.DataFrame | None = None) -> int | None:
    """Return the year a boundary layer describes, or ``None`` when nothing says.

    The ``JRSTATCODE`` column (``"2017BU02280101"``) or a ``jaar``/``year`` column wins;
    otherwise a year in the file name (``buurt_2017_v3.shp``).

    Examples
    --------
    >>> vintage_year("zip://data/WijkBuurtkaart_2017_v3.zip")
    2017
    >>> vintage_year("cbs/wijken_gemeenten_2022.gpkg")
    2022
    """
    if frame is not None:
        for col in frame.columns:
            low = str(col).lower()
            if low in ("jrstatcode", "jaar", "year", "jaarstatcode"):
                values = frame[col].dropna().astype("str").str.slice(0, 4)
                years = pd.to_numeric(values, errors="coerce").dropna()
                if len(years):
                    return int(years.mode().iloc[0])
    found = _YEAR.findall(Path(str(source)).name)
    return int(found[-1]) if found else None


def overlapping_areas(
    frame: gpd.GeoDataFrame, *, min_share: float = 0.01
) -> list[tuple[str, str, float]]:
    """Find pairs of areas that overlap by more than ``min_share`` of the smaller one.

    Neighbouring CBS polygons share edges, and simplified or quantised boundaries overlap
    by slivers; those are not reported. Two vintages stacked in one file, or a duplicated
    polygon under another code, are.

    Parameters
    ----------
    frame
        Polygons in a metric CRS with a ``code`` column.
    min_share
        Smallest overlap, as a share of the smaller polygon's area, that is reported.

    Returns
    -------
    list of (str, str, float)
        Code, code and the overlap as a share of the smaller area, largest first.
    """
    geoms = frame.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(smaller > 0, shared / smaller, 0.0)
    big = share > min_share
    codes = frame["code"].astype("str").to_numpy()
    pairs = [
        (str(codes[a]), str(codes[b]), float(s))
        for a, b, s in zip(left[big], right[big], share[big], strict=True)
    ]
    return sorted(pairs, key=lambda p: -p[2])
