r"""Neutralise names and titles in the side files a release carries (Markdown, JSON, CSV).

The map escapes every name it shows. The other files of a release are read by other
programs: a Markdown renderer shows ``report.md``, a register website shows the register
draft's JSON, a spreadsheet opens the CSVs. Names and titles come from boundary files and
configs that zicht does not control, so each writer passes its text through one of these
functions before it writes:

* :func:`markdown_text` for Markdown: raw HTML (``<script>``, ``<img onerror=…>``) becomes
  text (``&lt;``), and the characters that make links, code or tables are escaped;
* :func:`neutral_json` for JSON meant for a website: ``<`` and ``>`` in every string become
  ``&lt;`` and ``&gt;``, so that a page that inserts a value as HTML shows it as text;
* :func:`csv_safe` for CSV: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return gets a leading apostrophe (OWASP's advice against formula injection);
  numbers are left alone, so a negative number stays a number.

Examples
--------
>>> print(markdown_text("<img src=x onerror=alert(1)> [klik](javascript:x)"))
&lt;img src=x onerror=alert(1)> \[klik\](javascript:x)
>>> neutral_json({"title": "<b>Ede</b>"})
{'title': '&lt;b&gt;Ede&lt;/b&gt;'}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "csv_safe",
    "csv_value",
    "markdown_html_off",
    "markdown_text",
    "neutral_json",
]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_MARKDOWN_SPECIAL = re.compile(r"([\\`\[\]|])")
#: Every ``<`` except the one that opens an HTML comment (zicht's "generated" notes): a
#: comment hides text but runs nothing.
_HTML_OPEN = re.compile(r"<(?!!--)")


def markdown_html_off(text: str) -> str:
    """Return ``text`` with every ``<`` as ``&lt;``: no raw HTML survives a Markdown renderer.

    zicht's own Markdown uses no HTML but comments, so this is safe on a whole generated page.
    """
    return _HTML_OPEN.sub("&lt;", text)


def markdown_text(value: object) -> str:
    """Return a name or title as inert Markdown text (no HTML, no links, no code, one line)."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", markdown_html_off(text))


def neutral_json(value: Any) -> Any:
    """Return ``value`` with ``<`` and ``>`` of every string written as ``&lt;`` and ``&gt;``.

    Dicts (keys too), lists and tuples are walked; numbers, booleans and None are kept.
    """
    if isinstance(value, str):
        return value.replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, dict):
        return {neutral_json(k): neutral_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [neutral_json(v) for v in value]
    return value


def csv_value(value: object) -> object:
    """Return a text cell with a leading apostrophe when a spreadsheet would run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with :func:`csv_value` applied to every text column (a copy)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype).startswith("str"):
            out[column] = out[column].map(csv_value)
    return out
