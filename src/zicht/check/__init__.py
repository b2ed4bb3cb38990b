"""The independent disclosure checker.

It re-reads a written release with its own code and tries to break it; it never imports
:mod:`zicht.publish`.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
