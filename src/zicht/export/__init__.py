"""The release bundle.

GeoPackage, CSVs, manifest, disclosure report, the run report and the algorithm-register
draft.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
