"""A small, safe filter language on unit-table columns (no ``eval``).

An indicator's numerator and denominator select units with a *filter*, written in TOML as
a table and parsed into frozen dataclasses::

    numerator = { column = "vacant", is = true }
    numerator = { column = "gebruiksdoel", equals = "logiesfunctie" }
    numerator = { column = "bouwjaar", ge = 1960, lt = 1980 }
    numerator = { all = [ { column = "vacant", is = true },
                          { column = "gebruiksdoel", in = ["kantoorfunctie", "winkelfunctie"] } ] }
    numerator = { not = { column = "gebruiksdoel", equals = "woonfunctie" } }

A bare string, ``numerator = "vacant"``, means ``{ column = "vacant", is = true }``.

Only the operators below exist; values are literals (strings, numbers, booleans, lists of
them). A missing value never matches a condition (``equals``, ``gt`` …); ``missing = true``
selects it explicitly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from zicht._errors import ConfigError

if TYPE_CHECKING:  # numpy and pandas are imported where a filter meets a frame: a config needs none
    import numpy as np
    import pandas as pd

__all__ = [
    "COMPARISONS",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Condition",
    "Filter",
    "Not",
    "check_filter",
    "describe_filter",
    "evaluate_filter",
    "filter_columns",
    "filter_values",
    "parse_filter",
]

#: Operators that compare a column with a number.
COMPARISONS = ("gt", "ge", "lt", "le")
#: Every operator a condition may use.
OPERATORS = ("is", "equals", "not_equals", "in", "not_in", *COMPARISONS, "missing")
_COMBINATORS = ("all", "any", "not")
_SYMBOLS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "equals": "=", "not_equals": "≠"}
_Scalar = str | int | float | bool


@dataclass(frozen=True)
class Condition:
    """One test on one column.

    Parameters
    ----------
    column
        Unit-table column.
    op
        One of :data:`OPERATORS`.
    value
        A literal: ``bool`` for ``is`` and ``missing``, a number for comparisons, a tuple
        for ``in``/``not_in``, a string or number for ``equals``/``not_equals``.
    """

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    """True where every one of ``items`` is true."""

    items: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    """True where at least one of ``items`` is true."""

    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    """True where ``item`` is false."""

    item: Filter


Filter: TypeAlias = Condition | AllOf | AnyOf | Not


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, _Scalar)


def _parse_condition(table: Mapping[str, Any], where: str) -> Filter:
    column = table.get("column")
    if not isinstance(column, str) or not column.strip():
        raise ConfigError(f"{where}: 'column' must be a non-empty string, got {column!r}")
    ops = [k for k in table if k != "column"]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        raise ConfigError(
            f"{where}: unknown operator(s) {unknown}; allowed: {list(OPERATORS)} "
            f"(or combine filters with {list(_COMBINATORS)})"
        )
    if not ops:
        raise ConfigError(f"{where}: a condition on {column!r} needs one of {list(OPERATORS)}")
    conditions: list[Filter] = []
    for op in ops:
        value = table[op]
        if op in ("is", "missing"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}.{op} must be true or false, got {value!r}")
        elif op in COMPARISONS:
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not _is_scalar(value)
            ):
                raise ConfigError(f"{where}.{op} must be a finite number, got {value!r}")
        elif op in ("in", "not_in"):
            if not isinstance(value, list | tuple) or not value:
                raise ConfigError(f"{where}.{op} must be a non-empty list, got {value!r}")
            if not all(_is_scalar(v) for v in value):
                raise ConfigError(f"{where}.{op} may hold only strings, numbers or booleans")
            value = tuple(value)
        elif not _is_scalar(value):
            raise ConfigError(f"{where}.{op} must be a string, number or boolean, got {value!r}")
        conditions.append(Condition(column.strip(), op, value))
    return conditions[0] if len(conditions) == 1 else AllOf(tuple(conditions))


def parse_filter(spec: Any, where: str = "filter") -> Filter:
    """Parse a TOML filter (table or column name) into a :data:`Filter`.

    Parameters
    ----------
    spec
        A column name (meaning ``is = true``), a table with ``column`` and operators, or a
        table with exactly one of ``all``, ``any`` (lists of filters) or ``not`` (a filter).
        An already parsed filter is returned unchanged.
    where
        Location in the configuration, named in error messages.

    Returns
    -------
    Filter
        The parsed filter.

    Raises
    ------
    ConfigError
        If an operator, a key or a value is not allowed; the message names it and the
        allowed ones.

    Examples
    --------
    >>> parse_filter({"column": "vacant", "is": True})
    Condition(column='vacant', op='is', value=True)
    >>> describe_filter(parse_filter({"any": ["vacant", {"column": "n", "gt": 3}]}))
    '(vacant is true or n > 3)'
    """
    if isinstance(spec, Condition | AllOf | AnyOf | Not):
        return spec
    if isinstance(spec, str):
        if not spec.strip():
            raise ConfigError(f"{where}: an empty string is not a column name")
        return Condition(spec.strip(), "is", True)
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"{where}: a filter is a column name or a table such as "
            f'{{ column = "vacant", is = true }}, got {spec!r}'
        )
    combinators = [k for k in _COMBINATORS if k in spec]
    if combinators:
        extra = sorted(set(spec) - {combinators[0]})
        if len(combinators) > 1 or extra:
            raise ConfigError(
                f"{where}: a table with {combinators[0]!r} may hold nothing else, found "
                f"{sorted(spec)}; nest the filters instead"
            )
        key = combinators[0]
        value = spec[key]
        if key == "not":
            return Not(parse_filter(value, f"{where}.not"))
        if not isinstance(value, list | tuple) or not value:
            raise ConfigError(f"{where}.{key} must be a non-empty list of filters")
        items = tuple(parse_filter(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))
        return AllOf(items) if key == "all" else AnyOf(items)
    if "column" not in spec:
        raise ConfigError(
            f"{where}: unknown filter keys {sorted(spec)}; a filter has 'column' and one of "
            f"{list(OPERATORS)}, or one of {list(_COMBINATORS)}"
        )
    return _parse_condition(spec, where)


def _walk(flt: Filter) -> Iterator[Condition]:
    if isinstance(flt, Condition):
        yield flt
    elif isinstance(flt, Not):
        yield from _walk(flt.item)
    else:
        for item in flt.items:
            yield from _walk(item)


def filter_columns(flt: Filter) -> list[str]:
    """Return the columns a filter reads, in order of first use.

    Examples
    --------
    >>> filter_columns(parse_filter({"all": ["vacant", {"column": "use", "equals": "x"}]}))
    ['vacant', 'use']
    """
    return list(dict.fromkeys(c.column for c in _walk(flt)))


def filter_values(flt: Filter) -> list[str]:
    """Return the string literals a filter compares with (for the profiling guard)."""
    out: list[str] = []
    for cond in _walk(flt):
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        out.extend(v for v in values if isinstance(v, str))
    return out


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_filter(flt: Filter) -> str:
    """Write a filter as one readable line (for the catalogue, the report and the register).

    Examples
    --------
    >>> describe_filter(parse_filter({"column": "use", "in": ["a", "b"]}))
    "use in ['a', 'b']"
    """
    if isinstance(flt, Condition):
        if flt.op == "is":
            return f"{flt.column} is {_literal(flt.value)}"
        if flt.op == "missing":
            return f"{flt.column} is {'missing' if flt.value else 'not missing'}"
        if flt.op in ("in", "not_in"):
            word = "in" if flt.op == "in" else "not in"
            return f"{flt.column} {word} {_literal(flt.value)}"
        return f"{flt.column} {_SYMBOLS[flt.op]} {_literal(flt.value)}"
    if isinstance(flt, Not):
        return f"not ({describe_filter(flt.item)})"
    word = " and " if isinstance(flt, AllOf) else " or "
    return "(" + word.join(describe_filter(i) for i in flt.items) + ")"


def _is_bool_column(series: pd.Series) -> bool:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return True
    if series.dtype == object:
        present = series.dropna()
        return bool(len(present)) and all(isinstance(v, bool | np.bool_) for v in present)
    return False


def check_filter(flt: Filter, frame: pd.DataFrame, where: str) -> list[str]:
    """Return every problem of applying ``flt`` to ``frame`` (missing columns, wrong types).

    Parameters
    ----------
    flt
        The filter.
    frame
        The unit table (only its columns and dtypes are read).
    where
        Location named in each problem, e.g. ``"indicator 'vacant', numerator"``.

    Returns
    -------
    list of str
        Problems; empty when the filter can be applied.
    """
    import pandas as pd

    problems: list[str] = []
    for cond in _walk(flt):
        if cond.column not in frame.columns:
            problems.append(
                f"{where}: column {cond.column!r} is not in the unit table; "
                f"columns are {sorted(map(str, frame.columns))}"
            )
            continue
        series = frame[cond.column]
        if cond.op == "is" and not _is_bool_column(series):
            problems.append(
                f"{where}: 'is' needs a boolean column, but {cond.column!r} has dtype "
                f"{series.dtype}; use 'equals' or 'in' for other values"
            )
        if cond.op in COMPARISONS and not pd.api.types.is_numeric_dtype(series):
            problems.append(
                f"{where}: {cond.op!r} needs a numeric column, but {cond.column!r} has dtype "
                f"{series.dtype}"
            )
    return problems


def evaluate_filter(flt: Filter, frame: pd.DataFrame) -> np.ndarray:
    """Evaluate a filter on every row of ``frame``.

    Parameters
    ----------
    flt
        The filter (check it first with :func:`check_filter`).
    frame
        Rows to test.

    Returns
    -------
    numpy.ndarray
        Boolean array aligned to the rows; missing values never match a condition except
        ``missing = true``.

    Examples
    --------
    >>> frame = pd.DataFrame({"use": ["a", "b", None], "n": [1, 5, 9]})
    >>> evaluate_filter(parse_filter({"column": "use", "equals": "a"}), frame).tolist()
    [True, False, False]
    >>> evaluate_filter(parse_filter({"not": {"column": "n", "gt": 3}}), frame).tolist()
    [True, False, False]
    """
    import numpy as np
    import pandas as pd

    if isinstance(flt, Not):
        return ~evaluate_filter(flt.item, frame)
    if isinstance(flt, AllOf):
        out = np.ones(len(frame), dtype=bool)
        for item in flt.items:
            out &= evaluate_filter(item, frame)
        return out
    if isinstance(flt, AnyOf):
        out = np.zeros(len(frame), dtype=bool)
        for item in flt.items:
            out |= evaluate_filter(item, frame)
        return out
    series = frame[flt.column]
    present = series.notna().to_numpy(dtype=bool)
    if flt.op == "missing":
        return ~present if flt.value else present
    if flt.op == "is":
        values = series.to_numpy(dtype=object)
        return present & np.array([bool(v) == flt.value for v in values], dtype=bool)
    if flt.op in ("in", "not_in"):
        hit = series.isin(list(flt.value)).to_numpy(dtype=bool)
        return present & (hit if flt.op == "in" else ~hit)
    if flt.op in ("equals", "not_equals"):
        hit = (series == flt.value).fillna(False).to_numpy(dtype=bool)
        return present & (hit if flt.op == "equals" else ~hit)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        result = {
            "gt": numbers > flt.value,
            "ge": numbers >= flt.value,
            "lt": numbers < flt.value,
            "le": numbers <= flt.value,
        }[flt.op]
    return present & np.isfinite(numbers) & result
