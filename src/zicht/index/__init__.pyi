# The face of zicht.index: its public names, loaded lazily by __init__.py.
from ._areas import (
    AreaIndex as AreaIndex,
)
from ._assign import (
    area_index as area_index,
)
from ._assign import (
    assign_areas as assign_areas,
)
from ._assign import (
    assign_h3 as assign_h3,
)
from ._assign import (
    assign_parks as assign_parks,
)
from ._assign import (
    cells_to_polygons as cells_to_polygons,
)
from ._assign import (
    h3_to_str as h3_to_str,
)
from ._assign import (
    join_dask as join_dask,
)
from ._assign import (
    join_partitioned as join_partitioned,
)
from ._assign import (
    join_units as join_units,
)
from ._assign import (
    rd_to_lnglat as rd_to_lnglat,
)
from ._distributed import (
    count_partitioned as count_partitioned,
)
from ._distributed import (
    join_distributed as join_distributed,
)
from ._join import (
    MISMATCH_BUURT_WIJK as MISMATCH_BUURT_WIJK,
)
from ._join import (
    MISMATCH_WIJK_GEMEENTE as MISMATCH_WIJK_GEMEENTE,
)
from ._join import (
    REASON_INVALID_GEOMETRY as REASON_INVALID_GEOMETRY,
)
from ._join import (
    REASON_MISSING_LOCATION as REASON_MISSING_LOCATION,
)
from ._join import (
    REASON_OUTSIDE_AREAS as REASON_OUTSIDE_AREAS,
)
from ._join import (
    REASON_OUTSIDE_GEMEENTE as REASON_OUTSIDE_GEMEENTE,
)
from ._join import (
    REASON_OUTSIDE_WIJK as REASON_OUTSIDE_WIJK,
)
from ._join import (
    JoinLayers as JoinLayers,
)
from ._join import (
    JoinReport as JoinReport,
)
from ._join import (
    join_arrays as join_arrays,
)
from ._join import (
    key_columns as key_columns,
)
from ._join import (
    prepare_join as prepare_join,
)
from ._join import (
    ranks_to_str as ranks_to_str,
)
from ._parcels import (
    apportion_parcels as apportion_parcels,
)
from ._parcels import (
    assign_parcel_areas as assign_parcel_areas,
)
from ._parcels import (
    join_parcels as join_parcels,
)
from ._parcels import (
    link_addresses_to_parcels as link_addresses_to_parcels,
)
