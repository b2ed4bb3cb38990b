"""Park-level indicators, published park by park only where a park passes the rules.

Parks are small: most hold fewer addresses than a buurt. Like the dashboard, zicht shows every
park's figures at regional level (all parks of a gemeente that cannot be shown alone, merged),
and a park on its own only where it passes the disclosure rules. Everything goes through
:func:`zicht.publish.publish_release`, so the threshold and rounding of the release apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht._errors import CRSError, SchemaError
from zicht.parks._derive import is_rd
from zicht.publish import DisclosureRules, LayerInput, Release, publish_release
from zicht.schemas import RD_NEW, IndicatorMeta

__all__ = [
    "PARK_INDICATORS",
    "assign_points_to_parks",
    "park_indicator_table",
    "park_layer_inputs",
    "publish_park_indicators",
]

#: The published park indicators (``n_units`` is the number of addresses).
PARK_INDICATORS = (
    IndicatorMeta("n_recreational", "Recreational addresses", "addresses", "count"),
    IndicatorMeta("rate_recreational_pct", "Recreational share", "%", "rate"),
    IndicatorMeta("n_registered_residents", "Registered residents (synthetic)", "persons", "count"),
    IndicatorMeta(
        "n_recreational_registered",
        "Recreational addresses with registered residents (synthetic)",
        "addresses",
        "count",
    ),
    IndicatorMeta(
        "rate_recreational_registered_pct",
        "Recreational addresses with registered residents (share)",
        "%",
        "rate",
    ),
)


def _require_rd(frame: gpd.GeoDataFrame, what: str) -> None:
    if not is_rd(frame.crs):
        raise CRSError(f"{what} must be in EPSG:28992, got {frame.crs}")


def assign_points_to_parks(points: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> pd.Series:
    """Give every point the ``park_id`` of the park it lies in (missing outside parks).

    A point on the shared edge of two parks gets the smaller id, so the answer is
    deterministic. (The pipeline's join, ``zicht.index``, does the same for every unit.)

    Parameters
    ----------
    points
        Points in EPSG:28992; rows without a location get a missing id.
    parks
        Park polygons in EPSG:28992 with ``park_id``.

    Returns
    -------
    pandas.Series
        ``park_id`` (string), aligned to ``points.index``.

    Raises
    ------
    CRSError
        If a layer is not in EPSG:28992.
    """
    _require_rd(points, "points")
    _require_rd(parks, "parks")
    geoms = points.geometry.array
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.full(len(points), None, dtype=object)
    rows = np.flatnonzero(has)
    if len(rows) and len(parks):
        tree = shapely.STRtree(np.asarray(parks.geometry.array, dtype=object))
        pt, poly = tree.query(geoms[has], predicate="intersects")
        ids = parks["park_id"].astype("str").to_numpy()
        pairs = pd.DataFrame({"pt": pt, "park_id": ids[poly]})
        first = pairs.sort_values(["pt", "park_id"]).drop_duplicates("pt")
        out[rows[first["pt"].to_numpy()]] = first["park_id"].to_numpy()
    return pd.Series(pd.array(out, dtype="str"), index=points.index, name="park_id")


def park_indicator_table(units: pd.DataFrame, parks: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count addresses, recreational use and registered residents per park.

    Parameters
    ----------
    units
        Address rows with ``park_id`` (missing outside parks), ``gebruiksdoel`` and
        ``n_registered_residents``.
    parks
        The park set (``park_id``); parks without any address get zeros.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``park_id``: ``n_units`` (addresses), ``n_recreational``,
        ``rate_recreational_pct``, ``n_registered_residents``, ``n_recreational_registered``,
        ``rate_recreational_registered_pct``.

    Raises
    ------
    SchemaError
        If a column is missing.
    """
    missing = [c for c in ("park_id", "gebruiksdoel", "n_registered_residents") if c not in units]
    if missing:
        raise SchemaError(f"units lack columns {missing} needed for park indicators")
    keyed = units[units["park_id"].notna()]
    recreational = keyed["gebruiksdoel"].astype("str").str.contains("logiesfunctie")
    residents = keyed["n_registered_residents"].astype("int64")
    frame = pd.DataFrame(
        {
            "park_id": keyed["park_id"].astype("str"),
            "n_units": 1,
            "n_recreational": recreational.astype("int64"),
            "n_registered_residents": residents,
            "n_recreational_registered": (recreational & (residents > 0)).astype("int64"),
        }
    )
    table = frame.groupby("park_id").sum()
    table = table.reindex(parks["park_id"].astype("str"), fill_value=0)
    table.index.name = "park_id"
    return _rates(table.astype("int64"))


def _rates(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    units = out["n_units"].replace(0, np.nan)
    rec = out["n_recreational"].replace(0, np.nan)
    out["rate_recreational_pct"] = (100.0 * out["n_recreational"] / units).round(2)
    out["rate_recreational_registered_pct"] = (
        100.0 * out["n_recreational_registered"] / rec
    ).round(2)
    return out[
        [
            "n_units",
            "n_recreational",
            "rate_recreational_pct",
            "n_registered_residents",
            "n_recreational_registered",
            "rate_recreational_registered_pct",
        ]
    ]


def _gemeente_of(parks: gpd.GeoDataFrame, gemeenten: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the gemeente holding the largest part of each park."""
    _require_rd(gemeenten, "gemeenten")
    pieces = gpd.overlay(
        parks[["park_id", "geometry"]], gemeenten[["code", "name", "geometry"]], how="intersection"
    )
    pieces["area"] = pieces.geometry.area
    best = pieces.sort_values(["park_id", "area"], ascending=[True, False]).drop_duplicates(
        "park_id"
    )
    out = best.set_index("park_id")[["code", "name"]]
    out = out.reindex(parks["park_id"].astype("str"))
    out["code"] = out["code"].fillna("GM????")
    out["name"] = out["name"].fillna("outside every gemeente")
    return out


def park_layer_inputs(
    units: pd.DataFrame,
    parks: gpd.GeoDataFrame,
    gemeenten: gpd.GeoDataFrame,
    *,
    min_units: int,
) -> list[LayerInput]:
    """Build the ``park`` and ``park_region`` layers, before disclosure control.

    Parks with fewer than ``min_units`` addresses are grouped per gemeente into
    ``park_region`` ("other parks in …"); every park stays in ``park`` (where
    :func:`zicht.publish.publish_release` suppresses the small ones). The layers carry the
    :data:`PARK_INDICATORS` columns.

    Parameters
    ----------
    units, parks, gemeenten
        See :func:`publish_park_indicators`.
    min_units
        The threshold of the disclosure rules that will be applied.

    Returns
    -------
    list of LayerInput
        ``park`` and ``park_region``.
    """
    _require_rd(parks, "parks")
    table = park_indicator_table(units, parks)
    where = _gemeente_of(parks, gemeenten)
    names = dict(zip(parks["park_id"].astype("str"), parks["name"].astype("str"), strict=True))
    geoms = dict(zip(parks["park_id"].astype("str"), parks.geometry, strict=True))
    park_frame = table.reset_index()
    park_frame.insert(0, "area_id", park_frame.pop("park_id"))
    park_frame.insert(1, "area_name", park_frame["area_id"].map(names))
    park_frame["gemeente_code"] = where["code"].to_numpy()
    park_layer = gpd.GeoDataFrame(
        park_frame, geometry=[geoms[p] for p in park_frame["area_id"]], crs=RD_NEW
    )
    small = table[table["n_units"] < min_units]
    counts = ["n_units", "n_recreational", "n_registered_residents", "n_recreational_registered"]
    groups = small[counts].groupby(where.loc[small.index, "code"].to_numpy()).sum()
    region_rows = []
    for code, row in groups.iterrows():
        members = small.index[where.loc[small.index, "code"].to_numpy() == code]
        gemeente = where.loc[members[0], "name"]
        region_rows.append(
            {
                "area_id": f"{code}-other-parks",
                "area_name": f"Other parks in {gemeente} ({len(members)} parks)",
                **{c: int(row[c]) for c in counts},
                "n_parks": len(members),
                "park_ids": ",".join(members),
                "geometry": shapely.union_all([geoms[m] for m in members]),
            }
        )
    region_frame = pd.DataFrame.from_records(
        region_rows, columns=["area_id", "area_name", *counts, "n_parks", "park_ids", "geometry"]
    )
    region_stats = _rates(region_frame.set_index("area_id")[counts].astype("int64"))
    region_layer = gpd.GeoDataFrame(
        region_frame[["area_id", "area_name", "n_parks", "park_ids"]].join(
            region_stats.reset_index(drop=True)
        ),
        geometry=region_frame["geometry"].to_numpy()
        if len(region_frame)
        else gpd.GeoSeries([], crs=RD_NEW),
        crs=RD_NEW,
    )
    return [LayerInput("park", park_layer), LayerInput("park_region", region_layer)]


def publish_park_indicators(
    units: pd.DataFrame,
    parks: gpd.GeoDataFrame,
    gemeenten: gpd.GeoDataFrame,
    *,
    rules: DisclosureRules | None = None,
    metadata: Mapping[str, Any] | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> Release:
    """Publish park indicators: per park where it passes, per gemeente for the rest.

    Two layers go through :func:`zicht.publish.publish_release`:

    - ``park``: every park; one with fewer addresses than ``rules.min_units`` is suppressed
      (no value, hatched on the map);
    - ``park_region``: per gemeente, the parks that cannot be shown alone, merged
      ("other parks in Ede"); suppressed in turn when even the merged group is too small.

    No total of all parks in a gemeente is published, so a suppressed park cannot be found by
    subtracting the published parks from such a total.

    Parameters
    ----------
    units
        Address rows with ``park_id``, ``gebruiksdoel``, ``n_registered_residents``.
    parks
        The park set used (``park_id``, ``name``, polygons in EPSG:28992).
    gemeenten
        CBS gemeenten (``code``, ``name``) to merge small parks into.
    rules
        Disclosure rules.
    metadata
        Provenance for the release; name the park version here (``park_version``).
    context
        Public reference layers to carry along.

    Returns
    -------
    Release
        The published park indicators.

    Raises
    ------
    SchemaError, CRSError, DisclosureError
        If an input lacks columns or is in the wrong CRS.
    """
    rules = rules or DisclosureRules()
    layers = park_layer_inputs(units, parks, gemeenten, min_units=rules.min_units)
    return publish_release(
        layers,
        list(PARK_INDICATORS),
        rules=rules,
        context=context,
        metadata=metadata,
    )
