"""Risk indicators: declarations, place-based risk factors and a composite index.

* ``_filters``: the safe filter language of numerators and denominators;
* ``_specs``: :class:`IndicatorSpec`, the declaration of one indicator;
* ``_risk_factors``: Risk Terrain Modeling distance and kernel density;
* ``_compute``: :func:`compute_indicators`, units to one row per area;
* ``_composite``: the OECD/JRC composite index with Monte Carlo rank
  intervals;
* ``_catalogue``: the Markdown catalogue generated from the specs.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
