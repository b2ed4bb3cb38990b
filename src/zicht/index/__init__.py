"""The join: units onto H3 cells and CBS codes.

Units get their H3 cell and buurt/wijk/gemeente (and park) codes, parcels are apportioned
to cells, and a :class:`JoinReport` accounts for every input row.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
