"""Several years from one configuration: the ``[years]`` table and the code-change table.

A run configuration with a ``[years]`` table runs once per year (``zicht run`` sees the
table). Each year has its unit table and the boundary vintage it belongs to::

    [years]
    code_changes = "cbs/code_changes.csv"   # old_code,new_code,year[,share]
    trend_min_years = 4                     # Mann-Kendall needs at least this many

    [[years.vintages]]                      # the buurt boundaries of each vintage
    vintage = 2020
    buurten = "cbs/buurten_2020.gpkg"

    [[years.tables]]                        # one per year ...
    year = 2020
    units = "units_2020.parquet"            # read as [inputs.units] says

A year uses the latest declared vintage that is not later than the
year (or the ``vintage`` it names). Every problem of the table is listed at once;
:func:`read_code_changes` refuses a code-change table with a cycle or a gap.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zicht._errors import ConfigError, InputError
from zicht.config._inputs import BoundaryInput, problems_error
from zicht.config._run import RunConfig, config_from_mapping
from zicht.config._toml import MISSING, Collector, build

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BoundaryVintage",
    "CodeChanges",
    "YearTable",
    "YearsConfig",
    "is_years_config",
    "load_years_config",
    "read_code_changes",
]

#: The fewest years a change (first → last) needs.
MIN_YEARS = 2
#: The fewest years a Mann-Kendall trend can be tested on (ArcGIS's space-time cube: 10 steps
#: advised; with 4 the exact test can reach p = 0.083, with 5 p = 0.017).
MIN_TREND_YEARS = 4
#: How a split buurt's counts are shared when the code-change table gives no share.
APPORTION = ("area", "addresses")


@dataclass(frozen=True)
class YearTable:
    """The unit table of one year.

    Parameters
    ----------
    year
        The year the units describe.
    units
        The unit file, relative to ``inputs.geodata``, read as ``[inputs.units]`` says.
    vintage
        The boundary vintage to join it to (0: the latest declared vintage not later than
        ``year``).
    """

    year: int = 0
    units: Path = Path()
    vintage: int = 0


@dataclass(frozen=True)
class BoundaryVintage:
    """The buurt boundaries of one CBS vintage.

    Parameters
    ----------
    vintage
        The year of the boundaries.
    buurten
        Buurt boundary file, relative to ``inputs.geodata``.
    layer, code_column, name_column, assume_crs
        As in ``[inputs.buurten]`` (``""``: found as there).
    """

    vintage: int = 0
    buurten: Path = Path()
    layer: str = ""
    code_column: str = ""
    name_column: str = ""
    assume_crs: str = ""

    def boundary_input(self) -> BoundaryInput:
        """Return the ``[inputs.buurten]`` entry that reads these boundaries."""
        return BoundaryInput(
            self.buurten,
            layer=self.layer,
            code_column=self.code_column,
            name_column=self.name_column,
            assume_crs=self.assume_crs,
        )


@dataclass(frozen=True)
class YearsConfig:
    """The ``[years]`` table: one run per year, trends and emerging hot spots over them.

    Parameters
    ----------
    tables
        One ``[[years.tables]]`` per year.
    year_column
        A column of the unit tables with the year (``""``: none); every row of a table
        must then hold the table's year.
    vintages
        The buurt boundaries of each vintage (``[[years.vintages]]``; none: every year uses
        ``[inputs.buurten]``).
    code_changes
        CSV of CBS code changes, ``old_code,new_code,year`` and optionally ``share`` (the
        part of the old area's addresses in the new one); relative to ``inputs.geodata``.
    trend_min_years
        Published years a Mann-Kendall trend needs (at least 4).
    time_steps
        Earlier years in the space-time Gi* neighbourhood (ArcGIS's Neighborhood Time Step).
    history
        The release history folder (``""``: ``<out>/history``). It holds unit-level data
        for the checks: keep it inside the secure environment.
    apportion
        How a split buurt's counts are shared where the code-change table gives no
        ``share``: ``"area"`` (the part of the old buurt's area in each new one) or
        ``"addresses"`` (the part of its units, from the first year on the latest vintage).
    """

    tables: tuple[YearTable, ...] = ()
    year_column: str = ""
    vintages: tuple[BoundaryVintage, ...] = ()
    code_changes: Path = Path()
    trend_min_years: int = MIN_TREND_YEARS
    time_steps: int = 1
    history: Path = Path()
    apportion: str = "area"
    source: str = field(default="", compare=False, metadata={"internal": True})

    def declared_years(self) -> list[int]:
        """Return the years of the run, in order."""
        return sorted(t.year for t in self.tables)

    def vintage_for(self, year: int) -> BoundaryVintage | None:
        """Return the vintage the units of ``year`` are joined to (None: [inputs.buurten])."""
        named = next((t.vintage for t in self.tables if t.year == year and t.vintage), 0)
        if named:
            return next((v for v in self.vintages if v.vintage == named), None)
        earlier = [v for v in self.vintages if v.vintage <= year]
        return max(earlier, key=lambda v: v.vintage) if earlier else None

    @property
    def latest_vintage(self) -> BoundaryVintage | None:
        """The newest vintage: the geography every year is put onto."""
        return max(self.vintages, key=lambda v: v.vintage) if self.vintages else None

    def problems(self) -> list[str]:
        """Every problem of the table that needs no file: listed at once."""
        out: list[str] = []
        if not self.tables:
            out.append("no years: add a [[years.tables]] per year (year, units)")
        years = [t.year for t in self.tables]
        out += [
            f"two tables for the year {y}: {[str(t.units) for t in self.tables if t.year == y]};"
            " give one table per year"
            for y in sorted({y for y in years if years.count(y) > 1})
        ]
        out += self._vintage_problems()
        n = len(set(self.declared_years()))
        if self.trend_min_years < MIN_TREND_YEARS:
            out.append(
                f"trend_min_years must be at least {MIN_TREND_YEARS} (a Mann-Kendall test "
                f"on fewer years cannot be significant), got {self.trend_min_years}"
            )
        if self.tables and n < MIN_YEARS:
            out.append(
                f"{n} year(s) given; a change between years needs at least {MIN_YEARS} and "
                f"a trend {self.trend_min_years}"
            )
        if self.apportion not in APPORTION:
            out.append(f"apportion = {self.apportion!r}: use one of {list(APPORTION)}")
        if self.time_steps < 0:
            out.append(f"time_steps must be 0 or more, got {self.time_steps}")
        return out

    def _vintage_problems(self) -> list[str]:
        out: list[str] = []
        declared = [v.vintage for v in self.vintages]
        out += [
            f"vintage {v} is declared twice in [[years.vintages]]"
            for v in sorted({v for v in declared if declared.count(v) > 1})
        ]
        for t in self.tables:
            if t.vintage and t.vintage > t.year:
                out.append(
                    f"the unit table of {t.year} ({t.units}) names boundary vintage "
                    f"{t.vintage}, later than its year: its units would be placed in "
                    "buurten that did not exist yet"
                )
            elif t.vintage and t.vintage not in declared:
                out.append(
                    f"the unit table of {t.year} names vintage {t.vintage}, which is not "
                    f"declared in [[years.vintages]] (declared: {sorted(declared)})"
                )
        if declared:
            too_early = [y for y in self.declared_years() if y < min(declared)]
            if too_early:
                out.append(
                    f"years {too_early} are earlier than every boundary vintage "
                    f"({sorted(declared)}): declare the vintage their units belong to"
                )
        return out


def is_years_config(data: Mapping[str, Any]) -> bool:
    """Tell whether a parsed configuration has a ``[years]`` table."""
    return isinstance(data.get("years"), Mapping)


def load_years_config(path: str | Path) -> tuple[RunConfig, YearsConfig]:
    """Read a run configuration with a ``[years]`` table.

    Parameters
    ----------
    path
        TOML file: a run configuration (docs/configuration.md) plus ``[years]``.

    Returns
    -------
    RunConfig, YearsConfig
        The run settings every year shares, and the years.

    Raises
    ------
    ConfigError
        The file cannot be read, has no ``[years]`` table, or any key or value is wrong
        (every problem listed at once).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    table = data.pop("years", None)
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: no [years] table; it is a one-year run (zicht run)")
    collector = Collector()
    years = build(YearsConfig, table, "years", collector)
    problems = list(collector.problems)
    if years is not MISSING:
        problems += [f"[years] {p}" for p in years.problems()]
    config = config_from_mapping(data, base=path.resolve().parent)
    if problems:
        raise problems_error(f"{path}: ", problems)
    config = replace(config, source=str(path), source_sha256=hashlib.sha256(raw).hexdigest())
    result: YearsConfig = replace(years, source=str(path))
    return config, result


@dataclass(frozen=True)
class CodeChanges:
    """A validated code-change table: old CBS codes onto today's.

    Attributes
    ----------
    frame
        ``old_code``, ``new_code``, ``year``, ``share`` (NaN: to be weighted by area).
    source
        The file it was read from.
    """

    frame: pd.DataFrame
    source: str = ""

    def targets(self, code: str, since: int) -> list[tuple[str, float]]:
        """Today's codes of ``code`` (a code of the vintage ``since``), with their shares.

        Follows every change later than ``since`` in year order; a share that is not given
        stays NaN (the caller weighs it by area).
        """
        current = [(str(code), 1.0)]
        changes = self.frame[self.frame["year"] > since].sort_values("year", kind="stable")
        for _year, rows in changes.groupby("year", sort=True):
            by_old = {old: list(group.itertuples()) for old, group in rows.groupby("old_code")}
            nxt: list[tuple[str, float]] = []
            for c, share in current:
                if c not in by_old:
                    nxt.append((c, share))
                    continue
                nxt += [(str(r.new_code), share * float(r.share)) for r in by_old[c]]
            current = nxt
        return current

    def gaps(self, old_codes: dict[int, set[str]], latest: set[str]) -> list[str]:
        """Codes of an older vintage that reach no code of the latest one."""
        out = []
        for vintage, codes in sorted(old_codes.items()):
            for code in sorted(codes):
                lost = [c for c, _ in self.targets(code, vintage) if c not in latest]
                if lost:
                    out.append(
                        f"{code} (vintage {vintage}) maps to {sorted(set(lost))}, not a "
                        f"buurt of the latest vintage, and {self.source or 'the table'} "
                        "has no further change for it"
                    )
        return out


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            state[node] = 1
            for nxt in sorted(edges.get(node, ())):
                if nxt in trail:
                    return [*trail[trail.index(nxt) :], nxt]
                if not state.get(nxt):
                    stack.append((nxt, [*trail, nxt]))
    return None


def read_code_changes(path: str | Path) -> CodeChanges:
    """Read and check a code-change table (``old_code,new_code,year[,share]``).

    Parameters
    ----------
    path
        CSV file: one row per old code and new code, with the year of the change; a code
        split in two has two rows, whose ``share`` (if given) sum to 1.

    Returns
    -------
    CodeChanges

    Raises
    ------
    InputError
        Naming the file and rows: missing columns, a code mapped onto itself, a cycle
        (A → B → A), shares of one split that do not add up to 1 (a gap: part of the old
        area maps nowhere), or a code changed twice in one year.
    """
    import numpy as np
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"old_code": str, "new_code": str})
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the code-change table {path}: {exc}") from exc
    missing = [c for c in ("old_code", "new_code", "year") if c not in frame]
    if missing:
        raise InputError(
            f"code-change table {path}: lacks columns {missing} (has {list(frame.columns)}); "
            "it needs old_code,new_code,year and optionally share"
        )
    if "share" not in frame:
        frame["share"] = np.nan
    frame = frame[["old_code", "new_code", "year", "share"]].copy()
    problems: list[str] = []
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        bad = frame.loc[years.isna() | (years % 1 != 0), "year"].tolist()[:3]
        problems.append(f"year must be a whole number, got {bad}")
    frame["year"] = years.fillna(0).astype("int64")
    frame["share"] = pd.to_numeric(frame["share"], errors="coerce")
    same = frame[frame["old_code"] == frame["new_code"]]
    problems += [f"row {i + 2}: {r.old_code} is mapped onto itself" for i, r in same.iterrows()]
    problems += _share_problems(frame)
    edges: dict[str, set[str]] = {}
    for r in frame.itertuples():
        edges.setdefault(str(r.old_code), set()).add(str(r.new_code))
    cycle = _find_cycle(edges)
    if cycle:
        problems.append(
            "a cycle: " + " → ".join(cycle) + "; a code cannot come back as its own successor"
        )
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise InputError(f"code-change table {path}: {len(problems)} problem(s)\n{listing}")
    return CodeChanges(frame=frame.reset_index(drop=True), source=str(path))


def _share_problems(frame: pd.DataFrame) -> list[str]:
    out = []
    for (old, year), group in frame.groupby(["old_code", "year"]):
        shares = group["share"]
        if shares.notna().any() and not shares.notna().all():
            out.append(f"{old} ({year}): give a share on every row of the split or on none")
        elif shares.notna().all() and abs(float(shares.sum()) - 1.0) > 1e-6:
            out.append(
                f"{old} ({year}): the shares sum to {float(shares.sum()):g}, not 1 — a gap: "
                f"part of {old} maps onto no new code ({', '.join(group['new_code'])})"
            )
        if ((shares <= 0) | (shares > 1)).any():
            out.append(f"{old} ({year}): a share must be in (0, 1], got {shares.tolist()}")
    olds = frame.groupby("old_code")["year"].nunique()
    for old in olds[olds > 1].index:
        years = sorted(frame.loc[frame["old_code"] == old, "year"].unique().tolist())
        out.append(f"{old} is changed in several years {years}; a code is replaced once")
    return out
