"""Synthetic unit data, generated deterministically from fixed seeds and labelled synthetic.

Addresses, risk signals, and the national address set (:mod:`zicht.synthetic.national`).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
