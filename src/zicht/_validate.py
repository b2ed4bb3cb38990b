"""Collect-every-problem validation used at stage boundaries."""

from __future__ import annotations

import re

import pandas as pd

from zicht._errors import ZichtError

__all__ = ["CODE_PATTERNS", "Problems", "check_codes"]

#: CBS region codes. Since 2024 some buurt codes carry letters (``BU0363AA01``).
CODE_PATTERNS = {
    "gemeente": re.compile(r"^GM\d{4}$"),
    "wijk": re.compile(r"^WK\d{4}[0-9A-Z]{2}$"),
    "buurt": re.compile(r"^BU\d{4}[0-9A-Z]{4}$"),
}


class Problems:
    """Gather every problem with one input, then raise once.

    Parameters
    ----------
    subject
        What is being validated, named in the error message.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.items: list[str] = []

    def add(self, problem: str) -> None:
        """Record one problem."""
        self.items.append(problem)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, error: type[ZichtError]) -> None:
        """Raise ``error`` listing every recorded problem, if any."""
        if self.items:
            listing = "\n".join(f"  - {item}" for item in self.items)
            raise error(f"{self.subject}: {len(self.items)} problem(s)\n{listing}")


def check_codes(codes: pd.Series, level: str, problems: Problems) -> None:
    """Record codes that do not match the CBS pattern of ``level``.

    Parameters
    ----------
    codes
        Code strings.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.
    problems
        Where to record a mismatch.
    """
    pattern = CODE_PATTERNS[level]
    bad = codes[~codes.astype("str").str.match(pattern)]
    if len(bad):
        problems.add(
            f"{len(bad)} {level} codes do not match {pattern.pattern}, e.g. {list(bad[:3])}"
        )
