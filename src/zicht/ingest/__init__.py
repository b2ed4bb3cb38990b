"""Readers and writers of sources.

Boundary files, units, addresses, parcels, parks, partitions and PostGIS. Every reader
validates its layer (CRS, columns, geometry, duplicate ids, CBS sentinels) and returns it
with a :class:`LayerReport` of what it repaired or refused.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
