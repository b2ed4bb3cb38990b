"""Spatial statistics.

Weights (H3 k-rings, polygon contiguity), rate smoothing (empirical Bayes), hot spots
(Getis-Ord Gi*, Local Moran's I with multiple-testing correction) and emerging hot spots.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
