"""The run configuration.

Typed, frozen dataclasses parsed from one TOML file, and the generated reference of every
key (``docs/configuration.md``).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
