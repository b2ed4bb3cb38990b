"""Collect-every-problem validation used at stage boundaries.

:func:`validate_layer` checks one layer against its :class:`~zicht.schemas.LayerSchema`
and either raises once, listing every problem (layer, column, number of rows, the fix), or,
with ``repair=True``, fixes what can be fixed and counts it in the :class:`LayerReport`.
:func:`check_nesting` detects two boundary vintages mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from zicht._errors import CRSError, GeometryError, InputError, SchemaError, ZichtError
from zicht.schemas import NL_BOUNDS_RD, RD_NEW, RD_NEW_EPSG, LayerSchema

__all__ = [
    "CBS_SENTINELS",
    "CODE_PATTERNS",
    "LayerReport",
    "NestingReport",
    "Problems",
    "check_codes",
    "check_nesting",
    "crs_fits",
    "describe_fit",
    "is_rd",
    "repair_geometries",
    "replace_sentinels",
    "require_rd",
    "validate_layer",
]

#: CBS writes these negative numbers for secret or missing figures.
CBS_SENTINELS = (-99999999, -99999997, -99999995, -99999994, -99999993)
_SENTINEL_TEXT = frozenset(str(v) for v in CBS_SENTINELS)

#: CBS region codes. Since 2024 some buurt codes carry letters (``BU0363AA01``).
CODE_PATTERNS = {
    "gemeente": re.compile(r"^GM\d{4}$"),
    "wijk": re.compile(r"^WK\d{4}[0-9A-Z]{2}$"),
    "buurt": re.compile(r"^BU\d{4}[0-9A-Z]{4}$"),
}

#: How much more severe one error class is than another, to pick the one to raise.
_SEVERITY: dict[type[ZichtError], int] = {CRSError: 3, SchemaError: 2, GeometryError: 1}

#: Latitude and longitude ranges that cover the Netherlands with a margin, in degrees.
_NL_LAT = (50.5, 53.8)
_NL_LON = (3.0, 7.5)


class Problems:
    """Gather every problem with one input, then raise once.

    Parameters
    ----------
    subject
        What is being validated, named in the error message.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.items: list[str] = []
        self.kinds: list[type[ZichtError]] = []

    def add(self, problem: str, kind: type[ZichtError] = SchemaError) -> None:
        """Record one problem and the error class it belongs to."""
        self.items.append(problem)
        self.kinds.append(kind)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, error: type[ZichtError] | None = None) -> None:
        """Raise listing every recorded problem, if any.

        Parameters
        ----------
        error
            Class to raise; by default the most severe class among the problems
            (CRS before schema before geometry).
        """
        if not self.items:
            return
        if error is None:
            error = max(self.kinds, key=lambda k: _SEVERITY.get(k, 0))
        listing = "\n".join(f"  - {item}" for item in self.items)
        raise error(f"{self.subject}: {len(self.items)} problem(s)\n{listing}")


def is_rd(crs: CRS | None) -> bool:
    """Return whether ``crs`` is RD New (:data:`zicht.schemas.RD_NEW`); False when missing."""
    return crs is not None and CRS.from_user_input(crs).to_epsg() == RD_NEW_EPSG


def require_rd(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, error: type[ZichtError] = CRSError
) -> None:
    """Raise ``error`` unless ``frame`` is in RD New, naming ``what`` and the CRS it has.

    The one check of the metric stages: they measure in metres on RD New and never guess
    or silently convert a CRS.
    """
    if frame.crs is None:
        raise error(f"{what} has no CRS; set it ({RD_NEW} expected)")
    if not is_rd(frame.crs):
        raise error(f"{what} is in {frame.crs.to_string()}; convert it to {RD_NEW} first")


@dataclass
class LayerReport:
    """What happened while reading one layer.

    Attributes
    ----------
    layer
        Name of the layer.
    source
        Path or database URL (without password) it was read from.
    rows_read
        Number of rows in the source.
    repaired
        Number of invalid geometries repaired with ``make_valid``.
    sentinels
        Per column, how many CBS sentinel values became missing.
    missing_location
        Rows without a location (missing or empty geometry, or no coordinates).
    outside_nl
        Rows whose location lies outside the Netherlands (kept only with ``repair``).
    dropped
        Rows dropped on repair (empty boundary polygons), counted per reason.
    notes
        Free-text remarks (e.g. an assumed CRS, swapped axes).
    year
        The year the layer describes (boundary vintages), when the file or a column says.
    overlaps
        Pairs of area codes whose polygons overlap by more than 1 % of the smaller one.
    repaired_extents
        Per id of a repaired polygon, the bounds (RD New) of its geometry before repair:
        units that then fall outside every area can be tied to it.
    """

    layer: str
    source: str
    rows_read: int
    repaired: int = 0
    sentinels: dict[str, int] = field(default_factory=dict)
    missing_location: int = 0
    outside_nl: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    year: int | None = None
    overlaps: list[list[str]] = field(default_factory=list)
    repaired_extents: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    @property
    def rows_kept(self) -> int:
        """Rows handed on: rows read less the rows dropped."""
        return self.rows_read - sum(self.dropped.values())

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "layer": self.layer,
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "repaired": self.repaired,
            "sentinels": dict(self.sentinels),
            "missing_location": self.missing_location,
            "outside_nl": self.outside_nl,
            "dropped": dict(self.dropped),
            "notes": list(self.notes),
            **({"year": self.year} if self.year is not None else {}),
            **({"overlaps": len(self.overlaps)} if self.overlaps else {}),
            **({"repaired_ids": sorted(self.repaired_extents)} if self.repaired_extents else {}),
        }


def replace_sentinels(
    frame: pd.DataFrame, *, skip: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Set CBS sentinel values (``-99999999`` …) to missing; the one policy of every reader.

    Numeric columns become ``float64`` where they held a sentinel; text columns (CSV read as
    strings) lose cells that are exactly a sentinel's digits. Boundaries, units, addresses,
    parcels, reference shares and area tables all go through here, so that a filter such as
    ``bouwjaar < 1945`` never counts a secret cell as a year.

    Parameters
    ----------
    frame
        Any table; not modified.
    skip
        Columns to leave as they are (ids, codes).

    Returns
    -------
    tuple of (DataFrame, dict of str to int)
        The copy with missing values, and per column how many sentinels were replaced.

    Examples
    --------
    >>> t = pd.DataFrame({"bouwjaar": [1930, -99999999], "note": ["a", "-99999997"]})
    >>> out, counts = replace_sentinels(t)
    >>> counts, out["bouwjaar"].isna().tolist()
    ({'bouwjaar': 1, 'note': 1}, [False, True])
    """
    out = frame.copy()
    counts: dict[str, int] = {}
    geometry = getattr(frame, "_geometry_column_name", None)
    for col in out.columns:
        if col == geometry or col in skip:
            continue
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_numeric_dtype(series):
            mask = series.isin(CBS_SENTINELS).to_numpy(dtype=bool)
            replaced = series.astype("float64").mask(mask) if mask.any() else series
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text = series.astype("str").str.strip()
            mask = (text.isin(_SENTINEL_TEXT) & series.notna()).to_numpy(dtype=bool)
            replaced = series.mask(mask) if mask.any() else series
        else:
            continue
        if mask.any():
            counts[str(col)] = int(mask.sum())
            out[col] = replaced
    return out, counts


#: Boxes (xmin, ymin, xmax, ymax) the Netherlands fills in each CRS zicht recognises.
_FIT_BOXES: dict[str, tuple[float, float, float, float]] = {
    RD_NEW: (-7_000.0, 289_000.0, 300_000.0, 629_000.0),
    "EPSG:4326": (3.0, 50.5, 7.5, 53.8),
    "EPSG:4326 with latitude and longitude swapped": (50.5, 3.0, 53.8, 7.5),
    "EPSG:3857": (330_000.0, 6_530_000.0, 840_000.0, 7_140_000.0),
}


def crs_fits(bounds: tuple[float, float, float, float]) -> list[str]:
    """Name the CRSs whose Dutch extent holds these coordinate bounds.

    The CRS is never guessed from this: it is only said, whenever the declared CRS
    disagrees or none is declared, which one the coordinates fit.

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the layer's coordinates.

    Returns
    -------
    list of str
        ``"EPSG:28992"`` (RD New), ``"EPSG:4326"`` (longitude/latitude),
        ``"EPSG:4326 with latitude and longitude swapped"`` or ``"EPSG:3857"`` (Web
        Mercator); empty when none fits.

    Examples
    --------
    >>> crs_fits((640_000.0, 6_800_000.0, 650_000.0, 6_810_000.0))
    ['EPSG:3857']
    >>> crs_fits((52.0, 5.6, 52.1, 5.7))
    ['EPSG:4326 with latitude and longitude swapped']
    """
    xmin, ymin, xmax, ymax = bounds
    if not all(np.isfinite(v) for v in bounds):
        return []
    return [
        name
        for name, (x0, y0, x1, y1) in _FIT_BOXES.items()
        if x0 <= xmin and xmax <= x1 and y0 <= ymin and ymax <= y1
    ]


def describe_fit(bounds: tuple[float, float, float, float], declared: str | None) -> str:
    """Say in words which CRS the coordinates fit when it is not the declared one ("" if it is).

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the layer's coordinates (in the declared CRS).
    declared
        The CRS the layer declares (``None``: none).

    Returns
    -------
    str
        E.g. "its coordinates (x 6.4e+05…6.5e+05, y 6.8e+06…6.8e+06) fit EPSG:3857, not
        the declared EPSG:28992", or "" when they fit the declared CRS.
    """
    fits = crs_fits(bounds)
    name = None
    if declared is not None:
        try:
            epsg = CRS.from_user_input(declared).to_epsg()
        except Exception:  # an unreadable CRS is reported by the caller
            epsg = None
        name = f"EPSG:{epsg}" if epsg else str(declared)
    if name is not None and name in fits:
        return ""
    xmin, ymin, xmax, ymax = bounds
    extent = f"x {xmin:.6g}…{xmax:.6g}, y {ymin:.6g}…{ymax:.6g}"
    fit = " or ".join(fits) if fits else "no CRS zicht knows over the Netherlands"
    against = f", not the declared {name}" if name else " (the source declares no CRS)"
    return f"its coordinates ({extent}) fit {fit}{against}"


def check_codes(codes: pd.Series, level: str, problems: Problems, column: str = "code") -> None:
    """Record codes that do not match the CBS pattern of ``level``.

    Parameters
    ----------
    codes
        Code strings.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.
    problems
        Where to record a mismatch.
    column
        Column name used in the message.
    """
    pattern = CODE_PATTERNS[level]
    text = codes.astype("str")
    bad = codes[~text.str.match(pattern).fillna(False).astype(bool)]
    if len(bad):
        problems.add(
            f"column {column!r}: {len(bad)} {level} codes do not match {pattern.pattern}, "
            f"e.g. {list(bad.astype('str')[:3])}; CBS codes are strings such as "
            f"{_EXAMPLE[level]!r} (letters allowed after the gemeente digits)"
        )


_EXAMPLE = {"gemeente": "GM0228", "wijk": "WK022801", "buurt": "BU0363AA01"}


def repair_geometries(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons with the ``structure`` method of ``make_valid``.

    The default ``linework`` method fails on quantised CBS TopoJSON ("mixed-dimension
    overlay"); ``structure`` with ``keep_collapsed=False`` repairs them into polygons.

    Parameters
    ----------
    frame
        Polygon layer; not modified.

    Returns
    -------
    tuple of (GeoDataFrame, int)
        The repaired copy and the number of geometries that were repaired.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> fixed, n = repair_geometries(gpd.GeoDataFrame(geometry=[bowtie], crs=28992))
    >>> n, fixed.is_valid.all()
    (1, np.True_)
    """
    geoms = frame.geometry.array
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    n_invalid = int(invalid.sum())
    if n_invalid == 0:
        return frame.copy(), 0
    repaired = np.asarray(geoms, dtype=object).copy()
    fixed = shapely.make_valid(repaired[invalid], method="structure", keep_collapsed=False)
    # make_valid can return a collection holding stray lines; keep the polygonal part.
    repaired[invalid] = np.array([_polygonal_part(g) for g in fixed], dtype=object)
    out = frame.copy()
    out = out.set_geometry(gpd.GeoSeries(repaired, index=frame.index, crs=frame.crs))
    return out, n_invalid


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _present(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _declared(frame: gpd.GeoDataFrame, assumed: bool) -> str:
    name = CRS.from_user_input(frame.crs).to_string()
    return f"is assumed to be in {name} (assume_crs)" if assumed else f"declares {name}"


def _check_axes(
    frame: gpd.GeoDataFrame, problems: Problems, repair: bool, assumed: bool = False
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Detect geographic/projected confusion, a wrong projected CRS and swapped lat/lon."""
    geoms = frame.geometry.array
    present = _present(geoms)
    if not present.any():
        return frame, None
    xy = shapely.get_coordinates(geoms[present])
    xmin, ymin = np.nanmin(xy, axis=0)
    xmax, ymax = np.nanmax(xy, axis=0)
    bounds = (float(xmin), float(ymin), float(xmax), float(ymax))
    crs = CRS.from_user_input(frame.crs)
    declared = _declared(frame, assumed)
    fit = describe_fit(bounds, frame.crs)
    looks_degrees = max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90
    if crs.is_geographic:
        if not looks_degrees:
            problems.add(
                f"geometry: the layer {declared} (degrees) but {fit}; declare the CRS it is "
                "really in (assume_crs only applies to a source that declares none; fix the "
                ".prj or the file's CRS otherwise)",
                CRSError,
            )
            return frame, None
        if "EPSG:4326 with latitude and longitude swapped" in crs_fits(bounds):
            if not repair:
                problems.add(
                    f"geometry: latitude and longitude look swapped ({fit.split(' fit ')[0]}:"
                    " x holds latitudes 50.5–53.8 and y longitudes 3–7.5); write x = "
                    "longitude, y = latitude, or pass repair=True to swap them",
                    CRSError,
                )
                return frame, None
            out = frame.copy()
            out = out.set_geometry(
                gpd.GeoSeries(
                    shapely.transform(geoms, lambda c: c[:, ::-1]), crs=frame.crs
                ).set_axis(frame.index)
            )
            return out, "latitude and longitude were swapped in the source; swapped back"
    elif looks_degrees:
        problems.add(
            f"geometry: the layer {declared} (metres) but {fit}; declare EPSG:4326 (or pass "
            "assume_crs='EPSG:4326' on a source without a CRS)",
            CRSError,
        )
    elif fit and crs_fits(bounds):
        problems.add(f"geometry: the layer {declared} but {fit}; declare that CRS", CRSError)
    return frame, None


def _missing_geometries(
    present: np.ndarray, schema: LayerSchema, repair: bool, report: LayerReport, problems: Problems
) -> np.ndarray:
    """Count rows without a geometry; return which to drop (repaired boundaries only)."""
    n_missing = int((~present).sum())
    report.missing_location = n_missing
    drop = np.zeros(len(present), dtype=bool)
    if n_missing and not schema.points_may_lack_location:
        if repair and schema.name.endswith("boundaries"):
            drop |= ~present
            report.dropped["empty geometry"] = n_missing
        elif not repair:
            problems.add(
                f"geometry: {n_missing} rows have a missing or empty geometry; remove them, "
                "or pass repair=True to keep them (a join reports them as not joined)",
                GeometryError,
            )
    return drop


def _no_crs_error(frame: gpd.GeoDataFrame, subject: str) -> CRSError:
    """Return the error for a layer without a CRS, saying which CRS its coordinates fit."""
    geoms = frame.geometry.array
    fit = ""
    if _present(geoms).any():
        b = shapely.total_bounds(geoms[_present(geoms)])
        fit = f"; {describe_fit(tuple(float(v) for v in b), None)}"  # type: ignore[arg-type]
    return CRSError(
        f"{subject}: the layer declares no CRS (a shapefile without its .prj?){fit}; "
        f"set assume_crs (e.g. '{RD_NEW}' for RD New, 'EPSG:4326' for "
        "longitude/latitude, 'EPSG:3857' for Web Mercator) if you know it"
    )


def validate_layer(
    frame: gpd.GeoDataFrame,
    schema: LayerSchema,
    *,
    source: str,
    repair: bool = False,
    report: LayerReport | None = None,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Check a layer against its schema; raise once, or repair and report.

    Checks, all collected before raising: empty layer; no CRS; geographic versus projected
    confusion; swapped latitude/longitude; missing required columns; missing or duplicate
    ids; codes that do not match their CBS pattern; geometry types; invalid and empty
    geometries; locations outside the Netherlands. The frame is converted to RD New.

    Parameters
    ----------
    frame
        The layer, columns already renamed to the schema's names; not modified.
    schema
        Its contract.
    source
        Where it came from, named in messages.
    repair
        Fix what can be fixed and count it: swap latitude/longitude back, ``make_valid``
        invalid polygons, drop empty boundary polygons (units are kept so that a join
        can report them), keep locations outside the Netherlands (they join no area).
    report
        Report to fill in; a new one is made when None.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        The layer in EPSG:28992 and what was repaired or counted.

    Raises
    ------
    InputError
        If the layer has no rows.
    CRSError
        If the layer has no CRS, or its coordinates contradict its CRS.
    SchemaError
        If columns are missing, ids are missing or duplicated, or codes are malformed.
    GeometryError
        If geometries are invalid, empty, of the wrong type or outside the Netherlands
        and ``repair`` is False.
    """
    report = report or LayerReport(layer=schema.name, source=source, rows_read=len(frame))
    subject = f"{schema.name} ({source})"
    if len(frame) == 0:
        raise InputError(f"{subject}: the layer is empty (0 rows); check the layer name or filter")
    problems = Problems(subject)
    if frame.crs is None:
        raise _no_crs_error(frame, subject)
    assumed = any(n.startswith("source declares no CRS") for n in report.notes)
    frame, swap_note = _check_axes(frame, problems, repair, assumed)
    if swap_note:
        report.notes.append(swap_note)
    _check_columns(frame, schema, problems)
    geoms = frame.geometry.array
    present = _present(geoms)
    _check_geometry_types(geoms, present, schema, problems)
    if problems:  # geometry checks below need a sound CRS and types
        problems.raise_if_any()
    drop = _missing_geometries(present, schema, repair, report, problems)
    out = frame.to_crs(RD_NEW) if not is_rd(frame.crs) else frame
    if not schema.is_point_layer:
        invalid = present & ~shapely.is_valid(out.geometry.array)
        if invalid.any() and not repair:
            reasons = shapely.is_valid_reason(out.geometry.array[invalid][:3])
            problems.add(
                f"geometry: {int(invalid.sum())} invalid geometries, e.g. {list(reasons)}; "
                "pass repair=True to fix them with make_valid (they are counted)",
                GeometryError,
            )
    outside = present & _outside_nl(out.geometry.array, schema.is_point_layer)
    report.outside_nl = int(outside.sum())
    if outside.any() and not repair:
        first = out.geometry.array[outside][:2]
        problems.add(
            f"geometry: {int(outside.sum())} rows lie outside the Netherlands (RD New area "
            f"of use {NL_BOUNDS_RD}), e.g. {[g.wkt[:60] for g in first]}; check the CRS"
            f"{_fit_note(frame)}, or pass repair=True to keep them (they then join no area)",
            GeometryError,
        )
    problems.raise_if_any()
    if drop.any():
        out = out.loc[~drop]
    if repair and not schema.is_point_layer:
        geoms = out.geometry.array
        broken = _present(geoms) & ~shapely.is_valid(geoms)
        if broken.any() and schema.id_column in out:
            ids = out[schema.id_column].astype("str").to_numpy()[broken]
            bounds = shapely.bounds(geoms[broken])
            report.repaired_extents = {
                str(i): (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
                for i, b in zip(ids, bounds, strict=True)
            }
        out, report.repaired = repair_geometries(out)
    if report.outside_nl and repair:
        report.notes.append(f"{report.outside_nl} rows outside the Netherlands kept")
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=RD_NEW), report


def _fit_note(frame: gpd.GeoDataFrame) -> str:
    geoms = frame.geometry.array
    present = _present(geoms)
    if not present.any():
        return ""
    b = tuple(float(v) for v in shapely.total_bounds(geoms[present]))
    fit = describe_fit(b, frame.crs)  # type: ignore[arg-type]
    return f" ({fit})" if fit else ""


def _check_columns(frame: gpd.GeoDataFrame, schema: LayerSchema, problems: Problems) -> None:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for col in (schema.id_column, *schema.required):
        if col not in frame.columns:
            problems.add(f"missing column {col!r}; columns are {columns}", SchemaError)
    if schema.id_column not in frame.columns:
        return
    ids = frame[schema.id_column]
    n_na = int(ids.isna().sum())
    if n_na:
        problems.add(f"column {schema.id_column!r}: {n_na} rows have no id", SchemaError)
    dupes = ids[ids.duplicated() & ids.notna()].unique()
    if len(dupes):
        n_rows = int(ids.isin(dupes).sum())
        problems.add(
            f"column {schema.id_column!r}: {len(dupes)} ids occur more than once "
            f"({n_rows} rows), e.g. {[str(d) for d in dupes[:3]]}; ids must be unique: "
            "deduplicate the source or choose another id column",
            SchemaError,
        )
    if schema.code_level is not None:
        check_codes(ids.dropna(), schema.code_level, problems, column=schema.id_column)


def _check_geometry_types(
    geoms: np.ndarray, present: np.ndarray, schema: LayerSchema, problems: Problems
) -> None:
    types = pd.Series(shapely.get_type_id(geoms[present]))
    names = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint"}
    names |= {5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
    found = types.map(names)
    wrong = found[~found.isin(schema.geometry_types)]
    if len(wrong):
        problems.add(
            f"geometry: {len(wrong)} rows are {sorted(set(wrong))}, expected "
            f"{' or '.join(schema.geometry_types)}",
            SchemaError,
        )


def _outside_nl(geoms: np.ndarray, points: bool) -> np.ndarray:
    """Mark geometries (envelopes, for polygons) that lie wholly outside the NL box."""
    xmin, ymin, xmax, ymax = NL_BOUNDS_RD
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        if points:
            x, y = bounds[:, 0], bounds[:, 1]
            return ~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
        return (
            (bounds[:, 2] < xmin)
            | (bounds[:, 0] > xmax)
            | (bounds[:, 3] < ymin)
            | (bounds[:, 1] > ymax)
        )


@dataclass
class NestingReport:
    """How well two or three boundary layers nest (one vintage nests by construction).

    Attributes
    ----------
    buurt_without_wijk
        Buurt codes whose wijk part (``WK`` + digits 3–8) is not a code of the wijk layer.
    wijk_without_gemeente
        Wijk codes whose gemeente part is not a code of the gemeente layer.
    buurt_outside_wijk
        Buurten whose representative point lies outside the wijk their code names.
    examples
        A few offending codes per check.
    """

    buurt_without_wijk: int = 0
    wijk_without_gemeente: int = 0
    buurt_outside_wijk: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mixed(self) -> bool:
        """True when any check failed: the layers are of different vintages."""
        return bool(
            self.buurt_without_wijk or self.wijk_without_gemeente or self.buurt_outside_wijk
        )

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "buurt_without_wijk": self.buurt_without_wijk,
            "wijk_without_gemeente": self.wijk_without_gemeente,
            "buurt_outside_wijk": self.buurt_outside_wijk,
            "mixed": self.mixed,
            "examples": {k: list(v) for k, v in self.examples.items()},
        }


def check_nesting(
    *,
    buurten: gpd.GeoDataFrame | None = None,
    wijken: gpd.GeoDataFrame | None = None,
    gemeenten: gpd.GeoDataFrame | None = None,
    allow_mixed: bool = False,
) -> NestingReport:
    """Detect two boundary vintages mixed: codes or areas that do not nest.

    CBS codes nest by construction within one vintage (``BU02280101`` lies in
    ``WK022801`` in ``GM0228``). Between vintages gemeenten merge and are renumbered, so a
    2014 buurt code may name a wijk that a 2022 wijk layer lacks, or a buurt may lie in
    another wijk than its code says.

    Parameters
    ----------
    buurten, wijken, gemeenten
        Boundary layers (``code``, RD New); any two or three.
    allow_mixed
        Return the report instead of raising when the layers do not nest.

    Returns
    -------
    NestingReport
        Counts and examples of every mismatch.

    Raises
    ------
    SchemaError
        If the layers do not nest and ``allow_mixed`` is False.
    """
    report = NestingReport()
    if buurten is not None and wijken is not None:
        named = "WK" + buurten["code"].astype("str").str.slice(2, 8)
        missing = named[~named.isin(set(wijken["code"].astype("str")))]
        report.buurt_without_wijk = len(missing)
        report.examples["buurt_without_wijk"] = list(buurten["code"][missing.index][:3])
        reps = buurten.geometry.representative_point()
        lookup = wijken.set_index(wijken["code"].astype("str")).geometry
        has = named.isin(lookup.index)
        inside = shapely.intersects(lookup.reindex(named[has]).to_numpy(), reps[has].to_numpy())
        outside = buurten["code"][has][~inside]
        report.buurt_outside_wijk = len(outside)
        report.examples["buurt_outside_wijk"] = list(outside[:3])
    if wijken is not None and gemeenten is not None:
        named = "GM" + wijken["code"].astype("str").str.slice(2, 6)
        missing = named[~named.isin(set(gemeenten["code"].astype("str")))]
        report.wijk_without_gemeente = len(missing)
        report.examples["wijk_without_gemeente"] = list(wijken["code"][missing.index][:3])
    if report.mixed and not allow_mixed:
        problems = Problems("boundary layers")
        if report.buurt_without_wijk:
            problems.add(
                f"{report.buurt_without_wijk} buurt codes name a wijk the wijk layer lacks, "
                f"e.g. {report.examples['buurt_without_wijk']}"
            )
        if report.buurt_outside_wijk:
            problems.add(
                f"{report.buurt_outside_wijk} buurten lie outside the wijk their code names, "
                f"e.g. {report.examples['buurt_outside_wijk']}"
            )
        if report.wijk_without_gemeente:
            problems.add(
                f"{report.wijk_without_gemeente} wijk codes name a gemeente the gemeente layer "
                f"lacks, e.g. {report.examples['wijk_without_gemeente']}"
            )
        problems.add(
            "two boundary vintages are mixed: use layers of one year, or pass "
            "allow_mixed_vintages=True to join each level from its own layer and count "
            "the rows whose levels disagree"
        )
        problems.raise_if_any(SchemaError)
    return report
