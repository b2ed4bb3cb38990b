"""The words of the written reports in one language, from the one catalogue.

``report.md`` (``report.toml``), the algorithm-register draft (``register.toml``) and the
disclosure report (``disclosure.toml``) ask a :class:`Say` for every sentence they write;
``[map] language`` chooses the language of all of them, as it does for the map.
"""

from __future__ import annotations

from zicht._errors import ConfigError
from zicht._strings import DEFAULT_LANGUAGE, text

__all__ = ["Say"]


class Say:
    """The strings of one catalogue domain in one language.

    Parameters
    ----------
    domain
        The catalogue file, e.g. ``"report"``.
    language
        ``"nl"`` (default) or ``"en"``.
    """

    def __init__(self, domain: str, language: str = DEFAULT_LANGUAGE) -> None:
        self.domain = domain
        self.language = language

    def __call__(self, key: str, /, **fields: object) -> str:
        """Return one string, with its ``{fields}`` filled in."""
        return text(self.domain, key, self.language, **fields)

    def maybe(self, prefix: str, name: str, default: str | None = None) -> str:
        """Return the word for ``prefix + name``, or ``default`` (``name``) when there is none."""
        try:
            return self(f"{prefix}{name}")
        except ConfigError:
            return name if default is None else default

    def percent(self, value: float) -> str:
        """Return a share as a whole percentage (``"12%"``; ``"12 %"`` in Dutch)."""
        return f"{value:.0%}" if self.language == "en" else f"{value * 100:.0f} %"

    def number(self, value: float, spec: str = ",") -> str:
        """Return ``value`` formatted by ``spec``, the Dutch way in Dutch (``"1.234,5"``)."""
        out = format(value, spec)
        return out if self.language == "en" else out.translate(_DUTCH_MARKS)


#: English number marks to Dutch: the thousands comma becomes a point and the decimal
#: point a comma.
_DUTCH_MARKS = str.maketrans({",": ".", ".": ","})
