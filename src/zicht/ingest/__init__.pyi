# The face of zicht.ingest: its public names, loaded lazily by __init__.py.
from ._partitions import (
    POINT_COLUMNS as POINT_COLUMNS,
)
from ._partitions import (
    PointPartition as PointPartition,
)
from ._partitions import (
    iter_point_partitions as iter_point_partitions,
)
from ._partitions import (
    read_addresses_dask as read_addresses_dask,
)
from ._partitions import (
    read_point_table as read_point_table,
)
from ._paths import (
    default_geodata_dir as default_geodata_dir,
)
from ._readers import (
    BAG_LAYERS as BAG_LAYERS,
)
from ._readers import (
    CBS_SENTINELS as CBS_SENTINELS,
)
from ._readers import (
    LayerReport as LayerReport,
)
from ._readers import (
    read_addresses as read_addresses,
)
from ._readers import (
    read_boundaries as read_boundaries,
)
from ._readers import (
    read_parcels as read_parcels,
)
from ._readers import (
    read_parks as read_parks,
)
from ._readers import (
    read_units as read_units,
)
from ._readers import (
    repair_geometries as repair_geometries,
)
from ._readers import (
    write_layer as write_layer,
)
from ._tables import (
    read_area_table as read_area_table,
)
