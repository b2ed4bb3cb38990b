"""The one string catalogue: every word a person reads, Dutch first, English available.

Words live in TOML files under ``zicht/assets/strings/``, one per domain (``map.toml`` for
the dashboard page, ``parks.toml`` for the park editor, …). Each file has a ``[nl]`` and an
``[en]`` table with the same keys; values may hold ``{name}`` fields filled by :func:`text`.
Code never writes a sentence a user reads inline: it asks the catalogue.

Examples
--------
>>> text("common", "synthetic_warning", "nl").startswith("SYNTHETISCHE")
True
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType

from zicht._errors import ConfigError

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalogue", "domains", "text"]

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def domains() -> tuple[str, ...]:
    """Return the names of every catalogue file (without ``.toml``)."""
    folder = files("zicht") / "assets" / "strings"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def _load(domain: str) -> Mapping[str, Mapping[str, str]]:
    resource = files("zicht") / "assets" / "strings" / f"{domain}.toml"
    if not resource.is_file():
        raise ConfigError(f"no string catalogue {domain!r}; there are {list(domains())}")
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    return MappingProxyType({lang: MappingProxyType(dict(data.get(lang, {}))) for lang in data})


def catalogue(domain: str, language: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """Return every string of ``domain`` in ``language``.

    Parameters
    ----------
    domain
        The catalogue file, e.g. ``"map"``.
    language
        ``"nl"`` (default) or ``"en"``.

    Raises
    ------
    ConfigError
        If the language or the domain is unknown.
    """
    if language not in LANGUAGES:
        raise ConfigError(f"language must be one of {LANGUAGES}, got {language!r}")
    return _load(domain)[language]


def text(domain: str, key: str, language: str = DEFAULT_LANGUAGE, **fields: object) -> str:
    """Return one string of the catalogue, with its ``{fields}`` filled in.

    Raises
    ------
    ConfigError
        If the key is not in the catalogue.
    """
    strings = catalogue(domain, language)
    if key not in strings:
        raise ConfigError(f"string {key!r} is missing from the {language} {domain!r} catalogue")
    return strings[key].format(**fields) if fields else strings[key]
