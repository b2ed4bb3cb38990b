"""The installed version of zicht, recorded in every output file."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zicht")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
