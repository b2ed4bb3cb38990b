"""Objects to derive parks from, when the BAG use is not at hand: a proxy from BGT buildings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht.parks._derive import _require_rd
from zicht.parks._typology import stacaravan_like

__all__ = ["objects_from_bgt_buildings"]


def objects_from_bgt_buildings(
    buildings: gpd.GeoDataFrame,
    *,
    footprint_m2: tuple[float, float] = (25.0, 110.0),
    detached_gap_m: float = 1.5,
    min_main_m2: float = 25.0,
) -> gpd.GeoDataFrame:
    """Turn BGT buildings into objects with a *proxy* of recreational use.

    Where the BAG ``gebruiksdoel`` is not at hand, a detached building with the footprint of a
    chalet or bungalow (``footprint_m2``) is taken as recreational-like; sheds and garages
    (below ``min_main_m2``) are left out altogether. For the TOP10NL typology a
    recreational-like building with the elongated shape of a mobile home
    (:func:`~zicht.parks.stacaravan_like`) is a ``stacaravan``, any other a ``bungalow``.
    This is a proxy: terraced houses and detached small dwellings look alike from above, so its
    boundaries are proposals to edit.

    Parameters
    ----------
    buildings
        BGT ``pand`` polygons in EPSG:28992; rows with an ``eindRegistratie`` are history
        and dropped.
    footprint_m2
        Footprint range of a recreational-like building.
    detached_gap_m
        A building within this distance of another is not detached.
    min_main_m2
        Smaller buildings are outbuildings and are not objects.

    Returns
    -------
    geopandas.GeoDataFrame
        ``bag_pand_id``, ``footprint_m2``, ``detached``, ``recreational`` (the proxy),
        ``recreation_type`` (``bungalow`` or ``stacaravan`` where recreational, else empty)
        and the building polygon.

    Raises
    ------
    CRSError
        If ``buildings`` is not in EPSG:28992.
    """
    _require_rd(buildings, "BGT buildings")
    current = buildings
    if "eindRegistratie" in buildings:
        current = buildings[buildings["eindRegistratie"].isna()]
    current = current[current.geometry.notna() & ~current.geometry.is_empty].reset_index(drop=True)
    area = current.geometry.area.to_numpy()
    tree = shapely.STRtree(current.geometry.array)
    left, right = tree.query(current.geometry.array, predicate="dwithin", distance=detached_gap_m)
    others = left != right
    n_near = np.bincount(left[others], minlength=len(current))
    main = area >= min_main_m2
    detached = n_near == 0
    recreational = detached & (area >= footprint_m2[0]) & (area <= footprint_m2[1])
    pand_id = (
        current["identificatieBAGPND"].astype("str")
        if "identificatieBAGPND" in current
        else pd.Series([""] * len(current))
    )
    caravan = stacaravan_like(np.asarray(current.geometry.array, dtype=object))
    kinds = np.where(recreational, np.where(caravan, "stacaravan", "bungalow"), "")
    out = gpd.GeoDataFrame(
        {
            "bag_pand_id": pand_id.to_numpy(),
            "footprint_m2": area.round(1),
            "detached": detached,
            "recreational": recreational,
            "recreation_type": pd.array(kinds, dtype="str"),
        },
        geometry=current.geometry.array,
        crs=current.crs,
    )
    return out[main].reset_index(drop=True)
