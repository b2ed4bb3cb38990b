"""zicht: privacy-safe geospatial risk maps for the prevention of subversive crime.

The pipeline flows one way: ingest → index → indicators → hotspots → publish → maps.
Each stage is a module; :func:`zicht.pipeline.run_demo` runs them all on the shipped data.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from zicht._errors import (
    ConfigError,
    CRSError,
    DisclosureError,
    GeometryError,
    InputError,
    ProfilingError,
    SchemaError,
    ZichtError,
)

try:
    __version__ = version("zicht")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "CRSError",
    "ConfigError",
    "DisclosureError",
    "GeometryError",
    "InputError",
    "ProfilingError",
    "SchemaError",
    "ZichtError",
    "__version__",
]
