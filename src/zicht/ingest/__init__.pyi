# The face of zicht.ingest: its public names, loaded lazily by __init__.py.
from ._partitions import (
    iter_point_partitions as iter_point_partitions,
    PointPartition as PointPartition,
    read_addresses_dask as read_addresses_dask,
)
from ._readers import (
    BAG_LAYERS as BAG_LAYERS,
    CBS_SENTINELS as CBS_SENTINELS,
    LayerReport as LayerReport,
    read_addresses as read_addresses,
    read_boundaries as read_boundaries,
    read_parcels as read_parcels,
    read_parks as read_parks,
    read_units as read_units,
    repair_geometries as repair_geometries,
    write_layer as write_layer,
)
