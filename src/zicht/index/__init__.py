"""The join: units onto H3 cells and CBS buurt/wijk/gemeente codes, parcels apportioned to cells,
and a :class:`JoinReport` that accounts for every input row.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
