"""Offline assets for the HTML maps: inlined Leaflet, script-safe JSON and the offline check.

A map written by :mod:`zicht.maps` must open on a machine without internet access, so every
resource it needs is inside the file. Leaflet comes byte for byte from the ``xstatic-leaflet``
package (BSD-2-Clause, its copyright header is kept); the five images its stylesheet refers to
are inlined as ``data:`` URIs. :func:`find_network_references` is the check the writer runs on
every file before it is saved.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

from zicht._errors import ZichtError

__all__ = [
    "LEAFLET_VERSION",
    "check_offline",
    "find_network_references",
    "leaflet_css",
    "leaflet_js",
    "script_json",
]

LEAFLET_VERSION = "1.9.3"


@functools.cache
def _leaflet_dir() -> Path:
    try:
        package = import_module("xstatic.pkg.leaflet")
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ZichtError(
            "the package xstatic-leaflet is needed to write offline maps: "
            "pip install 'xstatic-leaflet>=1.9.3,<1.10'"
        ) from exc
    if package.VERSION != LEAFLET_VERSION:  # pragma: no cover - pinned in pyproject
        raise ZichtError(
            f"zicht maps are tested with Leaflet {LEAFLET_VERSION}, "
            f"but xstatic-leaflet ships {package.VERSION}"
        )
    return Path(package.BASE_DIR)


@functools.cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript, as shipped by ``xstatic-leaflet``.

    Returns
    -------
    str
        The contents of ``leaflet.js``, with its copyright header.

    Examples
    --------
    >>> leaflet_js().startswith("/* @preserve")
    True
    """
    text = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    if "</script" in text.lower():  # pragma: no cover - would end the inline <script> early
        raise ZichtError("leaflet.js contains '</script' and cannot be inlined")
    return text


@functools.cache
def leaflet_css() -> str:
    """Return Leaflet's stylesheet with its images inlined as ``data:`` URIs.

    Returns
    -------
    str
        The contents of ``leaflet.css``; ``url(images/x.png)`` became
        ``url("data:image/png;base64,…")``.
    """
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = folder / "images" / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f'url("data:image/png;base64,{encoded}")'

    return re.sub(r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)", inline, css)


_SCRIPT_UNSAFE = {
    "/": "\\/",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: Any) -> str:
    r"""Serialise ``value`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\u`` escapes, so no text from the data can close
    the script element or open a comment, whatever it contains; ``/`` is written ``\/``, so a
    URL in the data (a park's name, say) stays inert text that the offline check need not
    report.

    Parameters
    ----------
    value
        Any JSON-serialisable value; ``NaN`` and infinities are refused.

    Returns
    -------
    str
        Compact JSON.

    Examples
    --------
    >>> print(script_json({"name": "</script>"}))
    {"name":"\u003c\/script\u003e"}
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # one str.replace per character (no replacement brings back another's character): a
    # national page serialises some 100,000 features, a regex callback per match cost seconds
    for unsafe, safe in _SCRIPT_UNSAFE.items():
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text


_SCRIPT_OPEN = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)


def _script_blocks(html: str) -> Iterator[tuple[int, int, str, str]]:
    r"""Yield ``(start, end, opening tag, body)`` of every complete ``<script>`` element.

    The same elements as ``<script…>(.*?)</script\s*>`` (lazy, across lines) matches, found
    with two searches per element instead of a lazy match over megabytes of data.
    """
    pos = 0
    while (opening := _SCRIPT_OPEN.search(html, pos)) is not None:
        closing = _SCRIPT_CLOSE.search(html, opening.end())
        if closing is None:
            return
        yield (
            opening.start(),
            closing.end(),
            opening.group(0),
            html[opening.end() : closing.start()],
        )
        pos = closing.end()


_RESOURCE_TAG = re.compile(
    r"<(?:script|link|img|iframe|frame|embed|object|source|audio|video|track|input|image|use)"
    r"\b[^>]*?\b(?:src|href|data|srcset|poster|xlink:href)\s*=\s*(['\"]?)([^'\"\s>]*)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^)'\"]*)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
# Absolute URLs, and protocol-relative ones right after a quote or parenthesis.
_ABSOLUTE_URL = re.compile(r"(?:https?:|(?<=[\"'(])(?=//))//[^\s'\"<>)]+", re.IGNORECASE)
_LOCAL_TARGET = re.compile(r"^(?:data:|#|about:blank$|$)", re.IGNORECASE)


_URL_TAIL = re.compile(r"//[^\s'\"<>)]+")


def _absolute_urls(text: str) -> list[str]:
    r"""Return what ``_ABSOLUTE_URL.findall(text)`` returns, looking only where ``//`` is.

    Both kinds of URL hold ``//``; the data JSON holds none (``/`` is written ``\/``), so
    the search skips megabytes of it instead of trying the pattern at every character.
    """
    urls = []
    pos = 0
    while (i := text.find("//", pos)) >= 0:
        before = text[max(0, i - 6) : i].lower()
        if before.endswith("https:"):
            start = i - 6
        elif before.endswith("http:"):
            start = i - 5
        elif i > 0 and text[i - 1] in "\"'(":
            start = i
        else:
            pos = i + 1
            continue
        tail = _URL_TAIL.match(text, i)
        if tail is None:
            pos = i + 1
            continue
        urls.append(text[start : tail.end()])
        pos = tail.end()
    return urls


def find_network_references(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """List every reference in ``html`` that would make a browser load something.

    Looks at resource tags (``<script src>``, ``<link href>``, ``<img src>`` …), CSS
    ``url(…)`` and ``@import`` outside scripts, and at absolute URLs in the scripts that are not
    the inlined Leaflet library. ``data:`` URIs and ``#fragment`` references are local.

    Parameters
    ----------
    html
        A complete HTML document.
    allowed
        URL prefixes that may appear in scripts (tile URL templates the user asked for).

    Returns
    -------
    list of str
        One description per reference; empty when the document is self-contained.

    Examples
    --------
    >>> find_network_references('<script src="https://cdn.example/x.js"></script>')
    ['resource tag: https://cdn.example/x.js']
    >>> find_network_references('<style>a{background:url(data:image/png;base64,AA)}</style>')
    []
    """
    problems: list[str] = []
    library = leaflet_js()
    outside_scripts: list[str] = []
    last = 0
    for start, end, opening, body in _script_blocks(html):
        outside_scripts.append(html[last:start])
        outside_scripts.append(opening)  # the opening tag itself may carry src=
        if body != library:
            for url in _absolute_urls(body):
                if not url.startswith(allowed):
                    problems.append(f"URL in script: {url}")
        last = end
    outside_scripts.append(html[last:])
    markup = "".join(outside_scripts)
    for _, target in _RESOURCE_TAG.findall(markup):
        if not _LOCAL_TARGET.match(target):
            problems.append(f"resource tag: {target}")
    for _, target in _CSS_URL.findall(markup):
        if not _LOCAL_TARGET.match(target.strip()):
            problems.append(f"CSS url(): {target}")
    problems.extend("CSS @import" for _ in _CSS_IMPORT.findall(markup))
    return problems


def check_offline(html: str, *, allowed: tuple[str, ...] = ()) -> None:
    """Raise if ``html`` would load anything over the network when opened.

    Parameters
    ----------
    html
        A complete HTML document.
    allowed
        URL prefixes that may appear in scripts (tile URL templates the user asked for).

    Raises
    ------
    ZichtError
        Naming every reference found; a map writer that raises this has a bug.
    """
    problems = find_network_references(html, allowed=allowed)
    if problems:
        listed = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ZichtError(
            f"the map would load {len(problems)} resource(s) over the network: {listed}{more}. "
            "Offline maps must inline every asset."
        )
