"""The exception family of zicht.

Every error a user can cause subclasses :class:`ZichtError` (itself a ``ValueError``), so
callers can catch one family; the CLI maps each subclass to its own exit code.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "ConfigError",
    "DisclosureError",
    "GeometryError",
    "InputError",
    "OutputError",
    "ProfilingError",
    "SchemaError",
    "ZichtError",
]


class ZichtError(ValueError):
    """Base class of every error zicht raises on purpose."""

    exit_code = 1


class ConfigError(ZichtError):
    """A configuration key or value is wrong; the message names it and the allowed values."""

    exit_code = 2


class InputError(ZichtError):
    """An input file cannot be read, or a layer is empty."""

    exit_code = 3


class SchemaError(InputError):
    """A layer lacks required columns, has duplicate ids, or codes of the wrong form."""

    exit_code = 4


class CRSError(InputError):
    """A layer has no CRS, the wrong kind of CRS, or two layers disagree."""

    exit_code = 5


class GeometryError(InputError):
    """A layer has invalid, empty or out-of-area geometries and repair was not asked for."""

    exit_code = 6


class DisclosureError(ZichtError):
    """Something would publish a value that breaks the disclosure rules."""

    exit_code = 7


class OutputError(ZichtError):
    """The output folder cannot take the release (locked by another run, a file, unwritable)."""

    exit_code = 9


class ProfilingError(ConfigError):
    """An indicator, filter or weight uses a protected attribute."""

    exit_code = 8
