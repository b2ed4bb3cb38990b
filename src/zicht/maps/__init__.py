"""The offline dashboard page (Leaflet inlined), its themes, and PNGs of the published layers."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
