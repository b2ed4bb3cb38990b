"""The units behind several releases, for ``zicht check --against``.

Two releases of one study area rarely rest on the very same units: a month later one person
has moved in, a flag has changed. Checking both against one unit file would make the older
release's figures contradict the units, and would hide the one derivation that matters (the
difference of a feature across the two releases is the units that changed). So every
release is checked with its own unit file, and the attacks across releases run on the
union: a unit is the same unit in two releases when its row (on the columns both files
have) is identical; a unit whose row changed is two units, each in its own release only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["UnitSets", "combine_units"]


@dataclass(frozen=True)
class UnitSets:
    """The union of the units of every release, and each release's own rows.

    Attributes
    ----------
    units
        One row per distinct unit (version), index ``0 … n - 1``; the main release's
        units first, in their own order.
    rows
        Per release (main first), its units with the index of their row in ``units``.
    shared
        Whether each release after the first has its own units (``False``: it is checked
        against the main release's units).
    """

    units: pd.DataFrame
    rows: list[pd.DataFrame]
    shared: list[bool]


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.MultiIndex:
    """Key every row by its content on ``columns`` and its occurrence among equal rows."""
    content = pd.util.hash_pandas_object(
        frame[columns].astype(str), index=False, categorize=False
    ).to_numpy()
    occurrence = pd.Series(content).groupby(content).cumcount().to_numpy()
    return pd.MultiIndex.from_arrays([content, occurrence])


def combine_units(main: pd.DataFrame, others: list[pd.DataFrame | None]) -> UnitSets:
    """Join the unit files of several releases (``None``: the main release's units)."""
    given = [f for f in others if f is not None]
    if not given:
        base = main.reset_index(drop=True)
        return UnitSets(base, [base] * (1 + len(others)), [False] * len(others))
    columns = [str(c) for c in main.columns if all(c in f.columns for f in given)]
    base = main.reset_index(drop=True)
    keys = _row_keys(base, columns)
    parts = [base]
    rows: list[pd.DataFrame] = [base]
    for frame in others:
        if frame is None:
            rows.append(base)
            continue
        frame = frame.reset_index(drop=True)
        own = _row_keys(frame, columns)
        where = keys.get_indexer(own)
        new = np.flatnonzero(where < 0)
        start = len(keys)
        where[new] = start + np.arange(len(new))
        parts.append(frame.iloc[new])
        keys = keys.append(own[new])
        rows.append(frame.set_axis(pd.Index(where)))
    units = pd.concat(parts, ignore_index=True)
    return UnitSets(units, rows, [f is not None for f in others])


@dataclass(frozen=True)
class _Side:
    """One published feature in one release: its label and the count interval read."""

    label: str
    lo: int
    hi: int


def _span(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}–{hi}"


def release_changes(
    membership: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    units: pd.DataFrame,
    values: dict[str, np.ndarray],
    min_units: int,
) -> list[tuple[str, str]]:
    """Read what the units that changed between two releases of one feature hold.

    For a feature published (under one id) in two releases, the units in only one of them
    are few; the two published count intervals bound their sum, and when that sum is
    pinned (not 0) an attacker reads it. Returns ``(where, detail)`` per leak, naming the
    feature, both intervals, the units that changed and the counts the attacker learns.
    """
    out: list[tuple[str, str]] = []
    labels = list(membership.columns)
    pairs = [
        (a, b)
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a.rsplit(":", 1)[-1] == b.rsplit(":", 1)[-1]
    ]
    for col, table in tables.items():
        read = {
            (str(r.layer), str(r.area_id)): (int(r.lo), int(r.hi))
            for r in table[["layer", "area_id", "lo", "hi"]].itertuples(index=False)
        }
        top = int(np.max(values[col], initial=0))
        for a, b in pairs:
            out += _changed_features(membership, read, (a, b), units, (col, top, min_units))
    return out


def _changed_features(
    membership: pd.DataFrame,
    read: dict[tuple[str, str], tuple[int, int]],
    pair: tuple[str, str],
    units: pd.DataFrame,
    what: tuple[str, int, int],
) -> list[tuple[str, str]]:
    col, top, min_units = what
    a, b = pair
    ma, mb = membership[a].to_numpy(), membership[b].to_numpy()
    moved = np.flatnonzero(ma != mb)
    out: list[tuple[str, str]] = []
    ids = sorted({str(x) for x in ma[moved]} | {str(x) for x in mb[moved]} - {""})
    for area in ids:
        if (a, area) not in read or (b, area) not in read:
            continue
        only_a = moved[ma[moved] == area]
        only_b = moved[mb[moved] == area]
        if not 0 < len(only_a) + len(only_b) < min_units:
            continue
        side_a = _Side(a, *read[(a, area)])
        side_b = _Side(b, *read[(b, area)])
        # count(a) = count(b) + v(only in a) - v(only in b); each v between 0 and top·units
        d_lo = max(-top * len(only_b), side_a.lo - side_b.hi)
        d_hi = min(top * len(only_a), side_a.hi - side_b.lo)
        if d_lo != d_hi or d_lo == 0:
            continue
        k_a = (max(side_a.lo, side_b.lo + d_lo), min(side_a.hi, side_b.hi + d_hi))
        k_b = (max(side_b.lo, side_a.lo - d_hi), min(side_b.hi, side_a.hi - d_lo))
        out.append(
            (
                f"{b} → {a}: {area}",
                f"{col} is published as {_span(side_b.lo, side_b.hi)} in {b} and "
                f"{_span(side_a.lo, side_a.hi)} in {a}; "
                f"{_units_text(units, only_a, 'only in ' + a)}"
                f"{_units_text(units, only_b, 'only in ' + b)}"
                f"so {_value_text(col, d_lo, len(only_a), len(only_b))} can be read, and "
                "the count goes "
                f"{_span(*k_b)} → {_span(*k_a)}",
            )
        )
    return out


def _units_text(units: pd.DataFrame, rows: np.ndarray, where: str) -> str:
    if not len(rows):
        return ""
    noun = "unit" if len(rows) == 1 else "units"
    if "unit_id" in units:
        names = ", ".join(str(v) for v in units["unit_id"].to_numpy()[rows[:3]])
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        return f"{len(rows)} {noun} {where} ({names}{more}), "
    return f"{len(rows)} {noun} {where}, "


def _value_text(col: str, d: int, added: int, removed: int) -> str:
    if removed == 0:
        return f"{'its' if added == 1 else 'their'} {col} = {d}"
    if added == 0:
        return f"{'its' if removed == 1 else 'their'} {col} = {-d}"
    return f"their {col} differ by {d:+d}"
