"""Area tables: one row per area (registered crimes, population, CBS key figures).

Read with the one reader policy of every table: CBS sentinels become missing and are
counted, and codes come as they come: ``GM0014``, ``" GM0014 "``, or an integer ``14``
that a spreadsheet stripped of its prefix and leading zeros.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from zicht._errors import InputError, SchemaError
from zicht._validate import LayerReport, replace_sentinels

__all__ = ["read_area_table"]

_PREFIX = {"buurt": ("BU", 8), "wijk": ("WK", 6), "gemeente": ("GM", 4)}


def _codes(values: pd.Series, level: str, report: LayerReport) -> pd.Series:
    prefix, digits = _PREFIX[level]
    text = values.astype("str").str.strip()
    bare = text.str.fullmatch(r"\d+(\.0)?")
    if bare.any():
        numbers = text[bare].str.replace(r"\.0$", "", regex=True)
        text = text.mask(bare, prefix + numbers.str.zfill(digits))
        report.notes.append(
            f"{int(bare.sum())} codes were bare numbers (e.g. {values[bare].iloc[0]!r}); read "
            f"as {prefix} codes with leading zeros (e.g. {text[bare].iloc[0]!r})"
        )
    return text


def read_area_table(
    path: str | Path, *, code_column: str, level: str
) -> tuple[pd.DataFrame, LayerReport]:
    r"""Read a table with one row per area (CSV, ``;`` or ``,``, or Parquet).

    Parameters
    ----------
    path
        The file.
    code_column
        Column with the area code (``GM0014``, or ``14`` with its prefix and zeros lost).
    level
        ``"buurt"``, ``"wijk"`` or ``"gemeente"``: the code's prefix and digits.

    Returns
    -------
    tuple of (DataFrame, LayerReport)
        Indexed by code (str); numeric columns with CBS sentinels set to missing (counted
        in the report).

    Raises
    ------
    InputError
        If the file cannot be read.
    SchemaError
        If the code column is missing or codes repeat.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("code;crimes\n14;-99999999\n363;12\n")
    >>> table, report = read_area_table(p, code_column="code", level="gemeente")
    >>> table.index.tolist(), report.sentinels
    (['GM0014', 'GM0363'], {'crimes': 1})
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep=None, engine="python", dtype={code_column: "str"})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read the area table {path}: {exc}") from exc
    if code_column not in frame.columns:
        raise SchemaError(
            f"area table ({path}): no code column {code_column!r}; columns are "
            f"{list(frame.columns)}"
        )
    report = LayerReport(layer="area table", source=str(path), rows_read=len(frame))
    for col in frame.columns:
        if col != code_column and frame[col].dtype == object:
            text = frame[col].astype("str").str.strip().str.replace(",", ".", regex=False)
            numbers = pd.to_numeric(text, errors="coerce")
            if numbers.notna().sum() == frame[col].notna().sum() and numbers.notna().any():
                frame[col] = numbers
    frame, report.sentinels = replace_sentinels(frame, skip=(code_column,))
    codes = _codes(frame[code_column], level, report)
    dupes = codes[codes.duplicated()].unique()
    if len(dupes):
        raise SchemaError(f"area table ({path}): codes appear more than once: {list(dupes[:3])}")
    out = frame.drop(columns=[code_column])
    out.index = pd.Index(codes.to_numpy(), name="code")
    return out, report
