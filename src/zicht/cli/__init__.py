"""The command line: ``zicht run | check | demo | parks …``. Thin: arguments → config → pipeline."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
