# The face of zicht.index: its public names, loaded lazily by __init__.py.
from ._areas import (
    AreaIndex as AreaIndex,
)
from ._assign import (
    area_index as area_index,
    assign_areas as assign_areas,
    assign_h3 as assign_h3,
    assign_parks as assign_parks,
    cells_to_polygons as cells_to_polygons,
    h3_to_str as h3_to_str,
    join_dask as join_dask,
    join_partitioned as join_partitioned,
    join_units as join_units,
    rd_to_lnglat as rd_to_lnglat,
)
from ._join import (
    MISMATCH_BUURT_WIJK as MISMATCH_BUURT_WIJK,
    MISMATCH_WIJK_GEMEENTE as MISMATCH_WIJK_GEMEENTE,
    REASON_INVALID_GEOMETRY as REASON_INVALID_GEOMETRY,
    REASON_MISSING_LOCATION as REASON_MISSING_LOCATION,
    REASON_OUTSIDE_AREAS as REASON_OUTSIDE_AREAS,
    REASON_OUTSIDE_GEMEENTE as REASON_OUTSIDE_GEMEENTE,
    REASON_OUTSIDE_WIJK as REASON_OUTSIDE_WIJK,
    JoinLayers as JoinLayers,
    JoinReport as JoinReport,
    prepare_join as prepare_join,
)
from ._parcels import (
    apportion_parcels as apportion_parcels,
    assign_parcel_areas as assign_parcel_areas,
    join_parcels as join_parcels,
    link_addresses_to_parcels as link_addresses_to_parcels,
)
