"""The unit table of a run: read, its flags understood, and its join checked.

Flags come as they come: ``true``/``false``, ``0``/``1`` integers or ``"ja"``/``"nee"``
strings. A column an indicator tests with ``is`` is read as true/false when its values
are one of those pairs, and the report says so. After the join, a run in which more than
``[inputs.units] max_not_joined`` of the units fail to join stops with the join report in
words and the likely cause (a CRS that does not fit, boundaries of another area).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import InputError
from zicht._validate import LayerReport
from zicht.config._run import RunConfig
from zicht.schemas import NL_BOUNDS_RD, RD_NEW

__all__ = ["check_join", "coerce_flags", "flag_columns", "point_table_route", "read_unit_table"]

_TRUE = {"1", "ja", "j", "yes", "y", "true", "waar", "t"}
_FALSE = {"0", "nee", "n", "no", "false", "onwaar", "f"}


def _conditions(flt: Any) -> Iterator[Any]:
    if hasattr(flt, "column") and hasattr(flt, "op"):
        yield flt
    elif hasattr(flt, "item"):
        yield from _conditions(flt.item)
    else:
        for item in getattr(flt, "items", ()):
            yield from _conditions(item)


def flag_columns(config: RunConfig) -> list[str]:
    """Columns the indicators test with ``is`` (true/false flags)."""
    found: list[str] = []
    for spec in config.indicators:
        for flt in (spec.numerator, spec.denominator):
            if flt is None:
                continue
            found += [c.column for c in _conditions(flt) if c.op == "is"]
    return list(dict.fromkeys(found))


def as_flag(series: pd.Series) -> pd.Series | None:
    """Return ``series`` as a nullable boolean when it holds a 0/1 or ja/nee pair, else None.

    Examples
    --------
    >>> as_flag(pd.Series(["ja", "nee", None])).tolist()
    [True, False, <NA>]
    >>> as_flag(pd.Series([0, 1, 2])) is None
    True
    """
    if pd.api.types.is_bool_dtype(series):
        return None
    present = series.dropna()
    if not len(present):
        return None
    if pd.api.types.is_numeric_dtype(series):
        if not present.isin([0, 1]).all():
            return None
        text = present.astype("int64").astype("str")
    else:
        if not all(isinstance(v, str | bool | np.bool_) for v in present):
            return None
        text = present.astype("str").str.strip().str.lower()
    if not text.isin(_TRUE | _FALSE).all():
        return None
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out.loc[present.index] = text.isin(_TRUE).to_numpy()
    return out


def coerce_flags(
    frame: gpd.GeoDataFrame, columns: list[str], report: LayerReport | None
) -> gpd.GeoDataFrame:
    """Read the flag columns an indicator tests with ``is`` as true/false, noting each."""
    out = frame
    for col in columns:
        if col not in frame.columns:
            continue
        flag = as_flag(frame[col])
        if flag is None:
            continue
        values = sorted(map(str, frame[col].dropna().unique()))[:4]
        if out is frame:
            out = frame.copy()
        # missing stays missing: never counted as true
        out[col] = flag.fillna(False).astype("bool") if not flag.isna().any() else flag
        if report is not None:
            report.notes.append(f"column {col!r}: values {values} read as true/false flags")
    return out


def point_table_route(config: RunConfig) -> bool:
    """Whether a run reads its units as coordinate columns instead of shapely points.

    So it does for addresses in GeoParquet (a file or a folder of them: the national set)
    when no indicator measures from the units' own locations (a distance or density at
    ``at = "units"`` needs their geometry).
    """
    units_in = config.inputs.units
    wanted = (units_in.source, units_in.level, units_in.layout)
    if wanted not in (("file", "address", ""), ("file", "address", "parquet")):
        return False
    path = config.inputs.resolve(units_in.path)
    parquet = path.suffix.lower() in (".parquet", ".geoparquet") or (
        path.is_dir() and any(path.glob("*.parquet"))
    )
    return parquet and not any(not s.counted and s.at == "units" for s in config.indicators)


def read_unit_table(
    config: RunConfig, layers: Mapping[str, gpd.GeoDataFrame]
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, list[LayerReport]]:
    """Read (or generate) the unit table of a run, its flags read as true/false.

    Addresses in GeoParquet are read as a plain table with coordinate columns
    (:func:`point_table_route`, :func:`zicht.ingest.read_point_table`); every other unit
    table as a GeoDataFrame.
    """
    from zicht.ingest import read_addresses, read_parcels, read_units
    from zicht.synthetic import synthesize_addresses, synthesize_risk_signals

    units_in = config.inputs.units
    if units_in.source == "synthetic":
        addresses = synthesize_addresses(
            layers["wijk"], layers["parks"], seed=units_in.seed, buurten=layers["buurt"]
        )
        signals = synthesize_risk_signals(addresses, seed=units_in.seed + 1)
        return addresses.join(signals.drop(columns="address_id")), []
    path = config.inputs.resolve(units_in.path)
    crs = units_in.assume_crs or None
    if point_table_route(config):
        from zicht.ingest import read_point_table

        table, report = read_point_table(
            path, id_column=units_in.id_column or "address_id", assume_crs=crs
        )
        return coerce_flags(table, flag_columns(config), report), [report]
    if units_in.level == "address":
        frame, report = read_addresses(
            path,
            layout=units_in.layout or None,
            layers=(units_in.layer,) if units_in.layer else None,
            id_column=units_in.id_column or None,
            assume_crs=crs,
        )
    elif units_in.level == "parcel":
        frame, report = read_parcels(
            path,
            layer=units_in.layer or None,
            id_column=units_in.id_column or "identificatie",
            assume_crs=crs,
        )
        # A parcel is counted where it lies: at a point guaranteed inside it.
        frame = frame.set_geometry(frame.geometry.representative_point())
    else:
        frame, report = read_units(
            path,
            units_in.level,
            layer=units_in.layer or None,
            id_column=units_in.id_column or None,
            assume_crs=crs,
        )
    return coerce_flags(frame, flag_columns(config), report), [report]


def _bounds_outside(buurten: gpd.GeoDataFrame) -> bool:
    xmin, ymin, xmax, ymax = NL_BOUNDS_RD
    bx0, by0, bx1, by1 = buurten.total_bounds
    return bool(bx1 < xmin or bx0 > xmax or by1 < ymin or by0 > ymax)


def _outside_points(units: pd.DataFrame, outside: np.ndarray) -> np.ndarray:
    """RD New coordinates (n × 2) of the located units under ``outside``."""
    if "_x" in units and not isinstance(units, gpd.GeoDataFrame):
        xy = np.column_stack([units["_x"].to_numpy()[outside], units["_y"].to_numpy()[outside]])
        return xy[np.isfinite(xy).all(axis=1)]
    geoms = units.geometry.array[outside]
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return shapely.get_coordinates(geoms[present])


def likely_cause(
    units: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    reports: list[LayerReport],
    outside: np.ndarray,
) -> list[str]:
    """Say why units fell outside every buurt, from what the layers show.

    Parameters
    ----------
    units
        The units offered to the join (RD New).
    layers
        The run's layers (``buurt``).
    reports
        The read reports (repaired buurten, CRS notes).
    outside
        Mask of the units that fell outside every buurt.
    """
    causes: list[str] = []
    buurten = layers["buurt"]
    if _bounds_outside(buurten):
        causes.append(
            f"all {len(buurten)} buurten lie outside the Netherlands in {RD_NEW}: the CRS "
            "declared for the buurt file does not fit its coordinates"
        )
    pts = _outside_points(units, outside)
    if len(pts):
        b = (*pts.min(axis=0), *pts.max(axis=0))
        bx0, by0, bx1, by1 = buurten.total_bounds
        if b[2] < bx0 or b[0] > bx1 or b[3] < by0 or b[1] > by1:
            causes.append(
                f"the units outside (x {b[0]:.0f}…{b[2]:.0f}, y {b[1]:.0f}…{b[3]:.0f}) lie "
                f"wholly beside the buurten (x {bx0:.0f}…{bx1:.0f}, y {by0:.0f}…{by1:.0f}): "
                "is gemeente set to the area of the units, and are both files in the CRS "
                "they declare?"
            )
        for report in reports:
            for code, (x0, y0, x1, y1) in report.repaired_extents.items():
                inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0)
                inside &= pts[:, 1] <= y1
                if inside.any():
                    causes.append(
                        f"{int(inside.sum())} of them lie within the extent of {report.layer} "
                        f"{code}, whose invalid boundary was repaired on reading: the repair "
                        "may have dropped part of it; fix that polygon in the source"
                    )
    return causes


def check_join(
    config: RunConfig,
    units: gpd.GeoDataFrame,
    joined: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    reports: list[LayerReport],
) -> None:
    """Stop a run in which too many units fail to join, saying how many, why, and the cause.

    Parameters
    ----------
    config
        Its ``[inputs.units] max_not_joined`` is the largest share allowed.
    units
        The units offered to the join.
    joined
        The join's output (``joined`` and ``not_joined_reason`` per unit, same order).
    layers, reports
        The public layers and their read reports, to find the likely cause.

    Raises
    ------
    InputError
        When the share not joined exceeds ``max_not_joined``.
    """
    n = len(joined)
    failed = ~joined["joined"].to_numpy(dtype=bool)
    limit = config.inputs.units.max_not_joined
    if n == 0 or failed.mean() <= limit:
        return
    reasons = joined.loc[failed, "not_joined_reason"].astype("str").value_counts()
    listing = "; ".join(f"{k}: {v:,}" for k, v in reasons.items())
    outside = (joined["not_joined_reason"].astype("str") == "outside every buurt").to_numpy()
    causes = likely_cause(units, layers, reports, outside)
    cause = (" Likely cause: " + " ".join(causes)) if causes else ""
    raise InputError(
        f"join: {int(failed.sum()):,} of {n:,} units ({failed.mean():.0%}) did not join a "
        f"buurt ({listing}); more than [inputs.units] max_not_joined = {limit:g} allows, so "
        f"the run stopped.{cause}"
    )
