"""Reading TOML tables into frozen dataclasses, collecting every problem.

:func:`build` converts a parsed TOML table into a dataclass: it checks every key against
the fields (unknown keys are named with the allowed ones), converts and type-checks every
value from the field's annotation, builds nested tables and arrays of tables, and records
every problem in a :class:`Collector` instead of stopping at the first, so that
:func:`zicht.config.load_config` can raise once, listing them all.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any

from zicht._errors import ProfilingError

__all__ = ["MISSING", "Collector", "build", "is_area_config", "own_inputs", "resolve_geodata"]


class Collector:
    """Collects configuration problems; profiling problems are kept apart."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.profiling: list[str] = []

    def add(self, where: str, problem: str) -> None:
        prefix = f"[{where}] " if where else ""
        self.problems.append(prefix + problem)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        (inner, _) = typing.get_args(tp)
        return f"a list of {_type_name(inner)}"
    if is_dataclass(tp):
        return "a table"
    return {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "true or false",
        Path: "a path (string)",
    }.get(tp, str(tp))


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


# The plain TOML types: the test a value must pass, and how it is converted once it does.
_SCALARS: dict[Any, tuple[typing.Callable[[Any], bool], typing.Callable[[Any], Any]]] = {
    bool: (lambda v: isinstance(v, bool), lambda v: v),
    int: (lambda v: not isinstance(v, bool) and isinstance(v, int), lambda v: v),
    float: (_is_number, float),
    str: (lambda v: isinstance(v, str), lambda v: v),
    # ``zip://x.zip`` (the form GDAL and geopandas document) is the zip file itself:
    # GDAL opens a zipped shapefile directly, and the path stays relative to geodata.
    Path: (lambda v: isinstance(v, str), lambda v: Path(v.removeprefix("zip://"))),
}


def _convert(tp: Any, value: Any, where: str, key: str, out: Collector, base: Any = None) -> Any:
    """Convert one TOML value to ``tp``; record a problem and return MISSING when it fails.

    A nested table starts from ``base`` (the field's default), so that it only needs the
    keys it changes.
    """
    location = f"{where}.{key}" if where else key
    origin = typing.get_origin(tp)
    if tp is Any or tp is object:
        return value
    if origin is tuple:
        return _convert_tuple(tp, value, where, key, out)
    if origin in (typing.Union, types.UnionType):
        return value
    if isinstance(tp, type) and is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            out.add(where, f"{key} must be a table, got {value!r}")
            return MISSING
        return build(tp, value, location, out, base=base)
    if tp in _SCALARS:
        accepts, convert = _SCALARS[tp]
        if not accepts(value):
            out.add(where, f"{key} must be {_type_name(tp)}, got {value!r}")
            return MISSING
        return convert(value)
    return value


def _convert_tuple(tp: Any, value: Any, where: str, key: str, out: Collector) -> Any:
    """Convert a TOML array (or a single string for a tuple of strings) to a tuple."""
    location = f"{where}.{key}" if where else key
    (inner, _) = typing.get_args(tp)
    items = value if isinstance(value, list) else None
    if items is None and inner is str and isinstance(value, str):
        items = [value]
    if items is None:
        out.add(where, f"{key} must be {_type_name(tp)}, got {value!r}")
        return MISSING
    converted = []
    for i, item in enumerate(items):
        if isinstance(inner, type) and is_dataclass(inner) and isinstance(item, Mapping):
            c = build(inner, item, f"{location}[{i}]", out)
        else:
            c = _convert(inner, item, where, f"{key}[{i}]", out)
        converted.append(c)
    return MISSING if any(c is MISSING for c in converted) else tuple(converted)


def _is_nested(tp: Any) -> bool:
    if is_dataclass(tp):
        return True
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and bool(args) and is_dataclass(args[0])


def _field_default(f: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def build(cls: type, data: Mapping[str, Any], where: str, out: Collector, base: Any = None) -> Any:
    """Build dataclass ``cls`` from a TOML table, recording every problem in ``out``.

    Keys missing from ``data`` are taken from ``base`` (an instance of ``cls``) when given,
    else from the field defaults.
    """
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    public = [f for f in fields(cls) if f.init and not f.metadata.get("internal")]
    allowed = [f.name for f in public]
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        out.add(where, f"unknown key(s) {unknown}; allowed: {allowed}")
    required = [f.name for f in public if f.default is MISSING and f.default_factory is MISSING]
    if base is not None and isinstance(base, cls):
        data = {**{f.name: getattr(base, f.name) for f in public}, **data}
    missing = [name for name in required if name not in data]
    if missing:
        out.add(where, f"missing key(s) {missing}")
    kwargs: dict[str, Any] = {}
    failed = False
    for f in public:
        if f.name not in data:
            continue
        if base is not None and isinstance(base, cls) and data[f.name] is getattr(base, f.name):
            kwargs[f.name] = data[f.name]  # kept from the default, already typed
            continue
        nested_base = _field_default(f) if is_dataclass(hints[f.name]) else None
        fresh = getattr(hints[f.name], "FRESH_KEYS", ())
        if isinstance(data[f.name], Mapping) and any(k in data[f.name] for k in fresh):
            nested_base = None  # a table naming its own file takes no key of the default's
        value = _convert(hints[f.name], data[f.name], where, f.name, out, base=nested_base)
        if value is MISSING:
            failed = True
        else:
            kwargs[f.name] = value
    if missing:
        return MISSING
    if failed:
        # A nested table failed: still check this table's plain values on their own, when
        # they can be checked without it (a required nested table that failed cannot be
        # left out: the constructor would only complain that it is missing).
        plain = {k: v for k, v in kwargs.items() if not _is_nested(hints[k])}
        if all(name in plain for name in required):
            _construct(cls, plain, where, out)
        return MISSING
    # Built even with unknown keys, so that wrong values are reported in the same go.
    built = _construct(cls, kwargs, where, out)
    return MISSING if unknown else built


def _construct(cls: type, kwargs: dict[str, Any], where: str, out: Collector) -> Any:
    """Call ``cls(**kwargs)``; record its complaint and return MISSING when it refuses."""
    try:
        return cls(**kwargs)
    except ProfilingError as exc:
        out.profiling.append(str(exc))
    except (TypeError, ValueError) as exc:
        out.add(where, str(exc))
    return MISSING


def own_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """Read only what a configuration names once it names its own buurten.

    The shipped demo data are the defaults of a configuration that names no buurten. One
    that sets ``[inputs.buurten] path`` gets wijken and gemeenten dissolved from its
    buurten and no parks, unless it names them too.
    """
    inputs = data.get("inputs")
    if not isinstance(inputs, Mapping):
        return data
    buurten = inputs.get("buurten")
    if not (isinstance(buurten, Mapping) and "path" in buurten):
        return data
    filled = dict(inputs)
    for key in ("wijken", "gemeenten", "parks"):
        filled.setdefault(key, {"path": ""})
    return {**data, "inputs": filled}


def resolve_geodata(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make ``inputs.geodata`` relative to the config file's folder (default: shipped data)."""
    if not isinstance(data.get("inputs", {}), Mapping):
        return data
    inputs = dict(data.get("inputs") or {})
    geodata = inputs.get("geodata")
    if isinstance(geodata, str):
        path = Path(geodata)
        inputs["geodata"] = str(path if path.is_absolute() else (base / path).resolve())
        data = {**data, "inputs": inputs}
    return data


def is_area_config(data: dict[str, Any]) -> bool:
    """Return True when a parsed TOML document describes an area-table run."""
    return isinstance(data.get("areas"), dict)
