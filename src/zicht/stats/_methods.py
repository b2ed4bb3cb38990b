"""The names of the graph methods and kernels, without the libraries that build them.

The configuration checks a ``graph`` or ``kernel`` key against these names when it loads,
which must stay fast: this module imports nothing (``_weights`` builds the graphs).
"""

from __future__ import annotations

__all__ = ["H3_KERNELS", "POLYGON_METHODS"]

#: Kernels accepted by :func:`zicht.stats.h3_graph`.
H3_KERNELS = ("binary", "uniform", "triangular", "quadratic", "quartic", "gaussian")

#: Methods accepted by :func:`zicht.stats.polygon_graph`.
POLYGON_METHODS = ("queen", "rook", "intersects", "knn", "distance_band")
