"""Utility first: the groups a small region may merge with when it falls back a level.

Part of :func:`zicht.publish.build_regions`. A buurt below the threshold falls back to its
wijk, but only among the other small buurten of that wijk: a buurt that passes on its own
never gets a region that crosses it (which would leave it without a value of its own).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zicht._errors import SchemaError

__all__ = ["fallback_groups"]


def fallback_groups(
    groups: list[np.ndarray],
    n_units: np.ndarray,
    min_units: int,
    nest: tuple[str, ...],
    protect: Sequence[str] | None,
) -> list[np.ndarray]:
    """Return the group of every piece at every level, with passing areas kept apart.

    At level ``L`` regions merge across the areas of level ``L - 1``. A piece that lies in
    a protected area passing the threshold at a finer level keeps to its group of level
    ``L - 1`` (merged within already), so no region made at ``L`` can cut the passing area.

    Parameters
    ----------
    groups
        Per nest level, the code of every piece's area there (factorised).
    n_units
        Units of every piece.
    min_units
        The threshold.
    nest
        The nest columns, finest first.
    protect
        Nest columns whose passing areas are kept apart (``None``: all).

    Returns
    -------
    list of numpy.ndarray
        Per level, the group within which small regions merge.

    Raises
    ------
    SchemaError
        If ``protect`` names a column that is not in ``nest``.
    """
    protect = nest if protect is None else tuple(protect)
    unknown = [p for p in protect if p not in nest]
    if unknown:
        raise SchemaError(f"protect names {unknown}, which are not nest columns {list(nest)}")
    out = [groups[0]]
    held = np.zeros(len(n_units), dtype=bool)
    for level in range(1, len(groups)):
        finer = groups[level - 1]
        if nest[level - 1] in protect:
            total = np.bincount(finer, weights=n_units, minlength=int(finer.max(initial=-1)) + 1)
            passing = total[finer] >= min_units
            held |= passing
        # a held piece keeps to its group of the finer level, which every region made so
        # far lies in (regions never cross the groups of the levels merged already)
        group = groups[level].copy()
        group[held] = int(group.max(initial=-1)) + 1 + out[level - 1][held]
        out.append(group)
    return out
