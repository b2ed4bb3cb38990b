"""No presence disclosure: in person and company runs the H3 layer lists every cell.

When the H3 layer lists only the cells that hold units, a merged cell (no value of its own)
still says that at least one person lives there. :func:`with_empty_cells` adds every cell
of the study area's grid that holds no unit (the cells that cover the buurten with units,
as the regions cover them, ``cover_areas_with_cells``), with no units: an empty cell is then
merged into its region as an occupied small cell is, and the two look the same.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.publish._model import UnitTable
from zicht.publish._region_shapes import cover_areas_with_cells

__all__ = ["PRESENCE_LEVELS", "with_empty_cells", "with_presence_grid"]


def with_empty_cells(per_cell: pd.DataFrame, areas: gpd.GeoSeries, resolution: int) -> pd.DataFrame:
    """Add every cell that covers ``areas`` and is missing from ``per_cell``, with no units.

    Parameters
    ----------
    per_cell
        The H3 statistics, indexed by 64-bit cell id.
    areas
        The buurt polygons whose cells the layer must list (EPSG:28992), indexed by code.
    resolution
        H3 resolution of ``per_cell``.

    Returns
    -------
    pandas.DataFrame
        ``per_cell`` and the empty cells (counts ``n_…`` 0, every other value missing),
        sorted by cell id.
    """
    cells = np.unique(cover_areas_with_cells(areas, resolution)["cell"].to_numpy(np.int64))
    fresh = np.setdiff1d(cells, per_cell.index.to_numpy(dtype=np.int64))
    if not len(fresh):
        return per_cell
    empty = pd.DataFrame(index=pd.Index(fresh, name=per_cell.index.name), columns=per_cell.columns)
    for column in per_cell.columns:
        if str(column).startswith("n_"):
            empty[column] = 0
    empty = empty.astype(
        {c: per_cell[c].dtype for c in per_cell.columns if str(c).startswith("n_")}
    )
    out = pd.concat([per_cell, empty])
    out.attrs = dict(per_cell.attrs)
    return out.sort_index()


#: Unit levels where the H3 layer lists every cell: where a person lives, or a company is
#: registered, is itself a disclosure.
PRESENCE_LEVELS = ("person", "company")


def with_presence_grid(
    per_cell: pd.DataFrame,
    level: str,
    buurten: gpd.GeoDataFrame,
    units: UnitTable,
    resolution: int,
) -> pd.DataFrame:
    """Return the H3 statistics a release of ``level`` units publishes, without presence.

    For person and company units (:data:`PRESENCE_LEVELS`) the layer lists every cell of
    the buurten that hold units (:func:`with_empty_cells`); for other units (addresses,
    buildings) the cells with units, as given.

    Parameters
    ----------
    per_cell
        The H3 statistics, indexed by 64-bit cell id.
    level
        The unit level (``inputs.units.level``).
    buurten
        The buurt boundaries (``code``, ``geometry``; EPSG:28992).
    units
        The unit table; its buurt column (``areas["buurt"]``) names the buurten with units.
    resolution
        H3 resolution of ``per_cell``.

    Returns
    -------
    pandas.DataFrame
        ``per_cell``, with the empty cells for person and company units.
    """
    if level not in PRESENCE_LEVELS:
        return per_cell
    column = units.areas.get("buurt", "buurt_code")
    occupied = pd.unique(units.frame[column].dropna().astype("str"))
    covered = buurten.set_index("code").geometry
    covered = covered[covered.index.isin(occupied)]
    return with_empty_cells(per_cell, covered, resolution)
