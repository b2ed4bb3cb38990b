"""Park and area boundaries: derive, validate, version, compare, edit, and publish per park."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
