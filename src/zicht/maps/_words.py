"""The words of the map page in the chosen language, from the one catalogue (``map.toml``).

Titles from the configuration (an indicator's ``title``) are the user's words and pass
through; the words zicht itself adds to them (``"(rate, global empirical-Bayes smoothed)"``,
units such as ``"addresses"``) are recognised here and said in the page's language. Numbers
are written the Dutch way (decimal comma) in Dutch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from zicht._strings import catalogue

__all__ = ["format_number", "local_title", "local_unit", "words"]


def words(language: str) -> Mapping[str, str]:
    """Every string of the map page in ``language`` (``"nl"`` or ``"en"``)."""
    return catalogue("map", language)


def say(language: str, key: str, **fields: object) -> str:
    """One string of the map catalogue, with its ``{fields}`` filled in."""
    value = words(language)[key]
    return value.format(**fields) if fields else value


_UNITS = {
    "addresses": "unit_addresses",
    "parcels": "unit_parcels",
    "persons": "unit_persons",
    "companies": "unit_companies",
}
_SMOOTHED = {
    "global empirical-Bayes smoothed": "suffix_eb_global",
    "spatial empirical-Bayes smoothed": "suffix_eb_spatial",
}


def local_unit(unit: str, language: str) -> str:
    """Say a unit text of :mod:`zicht.indicators` (``"addresses"``, ``"per 1000 persons"``)."""
    if unit in _UNITS:
        return say(language, _UNITS[unit])
    match = re.fullmatch(r"per (\S+) (\w+)", unit)
    if match and match.group(2) in _UNITS:
        return f"per {match.group(1)} {say(language, _UNITS[match.group(2)])}"
    return unit


def _rate(match: re.Match[str], language: str) -> str:
    word = say(language, "suffix_share" if match.group(2) == "share" else "suffix_rate")
    smoothed = match.group(3)
    if smoothed:
        word += ", " + say(language, _SMOOTHED[smoothed])
    return f"{match.group(1)} ({word})"


_TITLE_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]], ...] = (
    (
        re.compile(r"(.+) \((rate|share)(?:, (" + "|".join(_SMOOTHED) + r"))?\)"),
        _rate,
    ),
    (
        re.compile(r"(.+) \((density|distance)\)"),
        lambda m, lang: f"{m.group(1)} ({say(lang, 'suffix_' + m.group(2))})",
    ),
    (
        re.compile(r"(.+) \(0–100\)"),
        lambda m, lang: f"{m.group(1)} ({say(lang, 'suffix_score')})",
    ),
    (
        re.compile(r"(.+): rank \(1 = highest\)"),
        lambda m, lang: f"{m.group(1)}: {say(lang, 'suffix_rank')}",
    ),
    (
        re.compile(r"(.+): rank, (\S+) interval (low|high) \(([\d.]+)th pct\)"),
        lambda m, lang: (
            f"{m.group(1)}: "
            + say(
                lang,
                f"suffix_rank_{m.group(3)}",
                share=_number_style(m.group(2), lang),
                p=_number_style(m.group(4), lang),
            )
        ),
    ),
    (
        re.compile(r"(.+): rank unstable \(1 = interval wider than (\S+) of areas\)"),
        lambda m, lang: (
            f"{m.group(1)}: "
            + say(lang, "suffix_rank_unstable", width=_number_style(m.group(2), lang))
        ),
    ),
)


def _number_style(number: str, language: str) -> str:
    """Write ``"90%"`` or ``"2.5"`` of an English title the Dutch way: ``"90 %"``, ``"2,5"``."""
    if language != "nl":
        return number
    return re.sub(r"(?<=\d)%", "\u00a0%", number.replace(".", ","))


def local_title(title: str, language: str) -> str:
    """Say the words zicht adds to an indicator title in ``language``.

    Examples
    --------
    >>> local_title("Vacancy (rate, global empirical-Bayes smoothed)", "nl")
    'Vacancy (percentage, gecorrigeerd voor kleine aantallen)'
    >>> local_title("Leegstand", "nl")
    'Leegstand'
    """
    for pattern, render in _TITLE_PATTERNS:
        match = pattern.fullmatch(title)
        if match:
            return render(match, language)
    return title


def format_number(value: float, decimals: int, language: str) -> str:
    """Write a number with a thin-space thousands separator; a decimal comma in Dutch.

    Examples
    --------
    >>> format_number(1234.5, 1, "nl")
    '1\u202f234,5'
    >>> format_number(1234.5, 1, "en")
    '1\u202f234.5'
    """
    text = f"{value:,.{decimals}f}".replace(",", "\u202f")
    return text.replace(".", ",") if language == "nl" else text
