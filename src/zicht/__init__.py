"""zicht: privacy-safe geospatial risk maps for the prevention of subversive crime.

The pipeline flows one way: ingest → index → stats and indicators → publish → maps and export.
:func:`load_config` reads a run from one TOML file and :func:`run` carries it through every
stage; :func:`run_demo` does so on the shipped data for gemeente Ede.

The names a notebook needs live here, so that one ``import zicht`` is enough::

    import zicht

    buurten, report = zicht.read_boundaries(path, level="buurt")
    joined, join_report = zicht.join_units(units, buurten, resolution=9)
    hot = zicht.gi_star(rates, zicht.h3_graph(cells, k=1))

Each family is also reachable as a subpackage (``zicht.stats``, ``zicht.publish`` …) with more
names. Everything is loaded lazily: ``import zicht`` imports none of pandas, geopandas or
libpysal until a name that needs them is first used. ``docs/api.md`` lists every public name.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
