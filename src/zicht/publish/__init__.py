"""Publication under disclosure control.

The disclosure rules, regions nested in buurten, and the :class:`Release`, the only thing
that the writers accept.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
