"""Several years from one configuration: one release per year, then what changed.

:func:`run_years` runs the pipeline once per year of ``[years]`` (each year's units joined
to the boundary vintage of that year) into ``<out>/<year>/``, registers every release in the
release history, checked against every earlier release with ``zicht check --against``'s own
code (:class:`zicht.check.ReleaseHistory`), and then writes ``<out>/trends/``:

* ``boundary_changes.csv``: every old code, the new code(s) it maps onto, the share and
  whether the share came from the code-change table or from the areas' overlap;
* ``trend_<layer>.csv``: per area of today's geography (H3 cells, the latest buurten …)
  and indicator, its published value per year, the change first → last year and the
  Mann-Kendall trend (from the published values only; see :mod:`zicht.publish`);
* ``emerging_h3.csv``: ArcGIS Pro's emerging hot-spot category per H3 cell (space-time
  Gi* on the cube of the yearly rates), shown only where every year publishes the cell's
  hot-spot label;
* ``years.json`` and ``years_report.md``: what was run, changed, apportioned and refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht._errors import InputError, ZichtError
from zicht._strings import text
from zicht.check import HistoryEntry, ReleaseHistory, ReleaseRefusedError
from zicht.config import (
    CodeChanges,
    Preflight,
    RunConfig,
    YearsConfig,
    preflight,
    read_code_changes,
)
from zicht.export import write_run_manifest
from zicht.maps import write_map, years_payload
from zicht.pipeline import RunResult, read_study_area, run
from zicht.publish import AreaMapping, onto_latest, trend_table
from zicht.stats import emerging_hotspot_analysis, h3_graph, smooth_rates

__all__ = ["YearsResult", "preflight_years", "run_checked", "run_years"]

#: Runs of one release: as computed, then with the small changes withheld (twice at most).
_ATTEMPTS = 3
#: Unit files that one table with a year column can be split from.
_SPLITTABLE = (".parquet", ".gpkg")

#: Hot-spot labels that say a cell's label is published (the checker's Gi* window rule held).
_PUBLISHED_LABEL = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95",
                    "cold_99")  # fmt: skip


@dataclass
class YearsResult:
    """What a run over several years produced.

    Attributes
    ----------
    years
        The years, in order.
    runs
        Each year's :class:`zicht.pipeline.RunResult`.
    trends
        Per published layer: the trend table (today's areas × indicators).
    emerging
        Per H3 cell: the emerging hot-spot category (published cells only), or None.
    boundary_changes
        Old codes onto today's, with shares and how they were found.
    history
        The keys registered in the release history, in order.
    withheld
        Per key, the features withheld so that the release passed the history check.
    paths
        Every file written, by role.
    """

    years: list[int]
    runs: dict[int, RunResult]
    trends: dict[str, pd.DataFrame]
    emerging: pd.DataFrame | None
    boundary_changes: pd.DataFrame
    history: list[str] = field(default_factory=list)
    withheld: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


# --- inputs ---------------------------------------------------------------------------------


def _year_configs(
    config: RunConfig, years: YearsConfig, split: Mapping[int, Path] | None = None
) -> dict[int, RunConfig]:
    out = {}
    for table in sorted(years.tables, key=lambda t: t.year):
        path = (split or {}).get(table.year, table.units)
        units = replace(config.inputs.units, source="file", path=path)
        inputs = replace(config.inputs, units=units)
        vintage = years.vintage_for(table.year)
        if vintage is not None:
            inputs = replace(inputs, buurten=vintage.boundary_input())
        out[table.year] = replace(config, inputs=inputs, title=f"{config.run_title} {table.year}")
    return out


def _read_column(path: Path, column: str) -> pd.Series | int:
    """Return the year column of a unit file, or its row count when no column is named."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        if not column:
            import pyarrow.parquet as pq

            return int(pq.read_metadata(path).num_rows)
        return pd.read_parquet(path, columns=[column])[column]
    if suffix in (".csv", ".txt"):
        frame = pd.read_csv(path, usecols=[column] if column else None)
        return frame[column] if column else len(frame)
    import pyogrio

    if not column:
        return int(pyogrio.read_info(path)["features"])
    return pyogrio.read_dataframe(path, columns=[column], read_geometry=False)[column]


def _shared(config: RunConfig, years: YearsConfig) -> dict[Path, list[int]]:
    """Return the unit files named by several years (one table with a year column)."""
    named: dict[Path, list[int]] = {}
    for table in years.tables:
        named.setdefault(config.inputs.resolve(table.units), []).append(table.year)
    return {path: sorted(ys) for path, ys in named.items() if len(ys) > 1}


def _table_problems(config: RunConfig, years: YearsConfig) -> list[str]:
    problems = []
    shared = _shared(config, years)
    for path, ys in shared.items():
        if not years.year_column:
            problems.append(
                f"years {ys}: one unit table {path} for several years needs [years] "
                "year_column, the column that says which year each row is of"
            )
        elif path.suffix.lower() not in _SPLITTABLE:
            problems.append(
                f"years {ys}: {path} is split by year only as GeoParquet or GeoPackage "
                f"({', '.join(_SPLITTABLE)}); give one file per year"
            )
    for table in years.tables:
        path = config.inputs.resolve(table.units)
        if not path.is_file():
            problems.append(f"year {table.year}: the unit table {path} does not exist")
            continue
        try:
            found = _read_column(path, years.year_column)
        except (KeyError, ValueError) as exc:
            problems.append(
                f"year {table.year}: {path} has no column {years.year_column!r} "
                f"([years] year_column): {exc}"
            )
            continue
        problems += _rows_problems(table.year, path, found, shared.get(path, [table.year]), years)
    return list(dict.fromkeys(problems))


def _rows_problems(
    year: int, path: Path, found: pd.Series | int, expected: list[int], years: YearsConfig
) -> list[str]:
    """Return a year without rows, or rows of years that no table of this file names."""
    if isinstance(found, int):
        return [f"year {year}: the unit table {path} holds no units"] if found == 0 else []
    values = pd.to_numeric(found, errors="coerce")
    if int((values == year).sum()) == 0:
        return [f"year {year}: the unit table {path} holds no units of {year}"]
    held = sorted({int(v) for v in values.dropna()})
    if set(held) - set(expected) or values.isna().any():
        return [
            f"year {year}: {path} holds rows of the years {held} in its column "
            f"{years.year_column!r}; every row must be of a year a [[years.tables]] names "
            f"for it ({expected})"
        ]
    return []


def _split_by_year(config: RunConfig, years: YearsConfig, folder: Path) -> dict[int, Path]:
    """Write each year's rows of a shared unit table to its own file (internal: unit level)."""
    out: dict[int, Path] = {}
    for path, ys in _shared(config, years).items():
        parquet = path.suffix.lower() == ".parquet"
        frame = gpd.read_parquet(path) if parquet else gpd.read_file(path)
        column = pd.to_numeric(frame[years.year_column], errors="coerce")
        folder.mkdir(parents=True, exist_ok=True)
        for year in ys:
            target = folder / f"{path.stem}_{year}{path.suffix}"
            part = frame[column == year]
            if parquet:
                part.to_parquet(target)
            else:
                part.to_file(target)
            out[year] = target
    return out


def _boundaries(configs: Mapping[int, RunConfig]) -> dict[int, gpd.GeoDataFrame]:
    """Return the buurten each year is joined to (read once per distinct file)."""
    seen: dict[str, gpd.GeoDataFrame] = {}
    out = {}
    for year, config in configs.items():
        key = str(config.inputs.resolve(config.inputs.buurten.path))
        if key not in seen:
            seen[key] = read_study_area(config)["buurt"][["code", "name", "geometry"]]
        out[year] = seen[key]
    return out


def _code_mapping(
    years: YearsConfig,
    configs: Mapping[int, RunConfig],
    buurten: Mapping[int, gpd.GeoDataFrame],
    changes: CodeChanges | None,
) -> tuple[dict[int, AreaMapping], pd.DataFrame]:
    """Per year, its buurt codes onto the latest year's; and the table of what changed."""
    last = max(buurten)
    newest = years.latest_vintage.vintage if years.latest_vintage else last
    latest = buurten[last].set_index("code")
    rows: list[dict[str, Any]] = []
    mappings: dict[int, AreaMapping] = {}
    problems: list[str] = []
    for year, frame in buurten.items():
        vintage = years.vintage_for(year)
        since = vintage.vintage if vintage else year
        old = frame.set_index("code")
        codes = [str(c) for c in old.index]
        lost = [c for c in codes if c not in latest.index]
        if lost and changes is None:
            problems.append(
                f"the buurten {lost[:5]} of {year} are not in the latest vintage ({last}); "
                "give [years] code_changes (old_code,new_code,year[,share])"
            )
            continue
        parts = []
        for code in codes:
            targets = changes.targets(code, since) if changes else [(code, 1.0)]
            parts += [(code, new, share) for new, share in targets]
        frame_map = pd.DataFrame(parts, columns=["old_code", "new_code", "share"])
        frame_map = _weigh_by_area(frame_map, old, latest)
        mappings[year] = AreaMapping(frame_map[["old_code", "new_code", "share"]])
        moved = frame_map[frame_map["old_code"] != frame_map["new_code"]]
        rows += [
            {"vintage": since, **r, "latest_vintage": newest} for r in moved.to_dict("records")
        ]
    if changes is not None:
        old_codes = {}
        for y, f in buurten.items():
            if y != last:
                v = years.vintage_for(y)
                old_codes[v.vintage if v else y] = {str(c) for c in f["code"]}
        problems += changes.gaps(old_codes, {str(c) for c in latest.index})
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise InputError(f"code changes between the boundary vintages:\n{listing}")
    columns = ["vintage", "old_code", "new_code", "share", "method", "latest_vintage"]
    table = pd.DataFrame(rows, columns=columns).drop_duplicates(subset=columns[:3])
    return mappings, table.reset_index(drop=True)


def _weigh_by_area(
    frame: pd.DataFrame, old: gpd.GeoDataFrame, latest: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Fill the shares the code-change table does not give with the areas' overlap."""
    frame = frame.assign(method=np.where(frame["share"].isna(), "area", "table"))
    frame.loc[frame["old_code"] == frame["new_code"], "method"] = "unchanged"
    todo = frame["share"].isna()
    if todo.any():
        a = old.geometry.reindex(frame.loc[todo, "old_code"]).to_numpy()
        b = latest.geometry.reindex(frame.loc[todo, "new_code"]).to_numpy()
        import shapely

        overlap = shapely.area(shapely.intersection(a, b))
        frame.loc[todo, "share"] = overlap
        sums = frame.loc[todo].groupby("old_code")["share"].transform("sum")
        frame.loc[todo, "share"] = frame.loc[todo, "share"] / sums.where(sums > 0)
    return frame


# --- after the runs -------------------------------------------------------------------------


def _by_addresses(
    mappings: dict[int, AreaMapping],
    table: pd.DataFrame,
    buurten: Mapping[int, gpd.GeoDataFrame],
    runs: Mapping[int, RunResult],
) -> tuple[dict[int, AreaMapping], pd.DataFrame]:
    """Share split buurten by their units instead of their area (``apportion = "addresses"``).

    The units of the first year on the latest vintage that lie inside an old buurt, counted
    per buurt of the latest vintage they were joined to; an old buurt without such units
    keeps its area share.
    """
    import shapely

    last = max(buurten)
    first = min(y for y in buurten if buurten[y] is buurten[last])
    units = pd.read_parquet(runs[first].paths["internal_units"], columns=["x", "y", "buurt_code"])
    olds = pd.concat([f.set_index("code").geometry for f in buurten.values()])
    olds = olds[~olds.index.duplicated()]
    table = table.copy()
    for old, rows in table[table["method"] == "area"].groupby("old_code"):
        inside = shapely.contains_xy(olds[old], units["x"].to_numpy(), units["y"].to_numpy())
        counts = units.loc[inside, "buurt_code"].value_counts().reindex(rows["new_code"])
        counts = counts.fillna(0)
        if counts.sum() == 0:
            continue
        table.loc[rows.index, "share"] = (counts / counts.sum()).to_numpy()
        table.loc[rows.index, "method"] = "addresses"
    shares = table.set_index(["old_code", "new_code"])["share"]
    out = {}
    for year, mapping in mappings.items():
        frame = mapping.frame.copy()
        keys = pd.MultiIndex.from_frame(frame[["old_code", "new_code"]])
        found = shares.reindex(keys).to_numpy()
        frame["share"] = np.where(np.isnan(found), frame["share"], found)
        out[year] = AreaMapping(frame)
    return out, table


def _value_decimals(config: RunConfig, columns: Mapping[str, str]) -> dict[str, int]:
    """Decimals of the trend values: a rate or share as published, a count whole, else 3."""
    by_kind = {"rate": config.rules.rate_decimals, "share": config.rules.rate_decimals}
    return {
        column: by_kind.get(kind, 0 if kind == "count" else 3) for column, kind in columns.items()
    }


def _value_columns(config: RunConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in config.indicators:
        if spec.counted:
            out[spec.value_column] = spec.kind
    return out


def _trends(
    config: RunConfig,
    years: YearsConfig,
    runs: Mapping[int, RunResult],
    mappings: Mapping[int, AreaMapping],
) -> dict[str, pd.DataFrame]:
    columns = _value_columns(config)
    out = {}
    for layer in config.map.layers:
        if layer not in ("h3", "buurt"):
            continue
        yearly = {}
        for year, result in runs.items():
            frame = pd.DataFrame(result.release.layers[layer].drop(columns="geometry"))
            if layer == "h3":
                mapping = AreaMapping.identity(frame["area_id"].astype(str))
            else:
                mapping = mappings[year]
            yearly[year] = onto_latest(frame, mapping, columns)
        table = trend_table(yearly, columns, min_years=years.trend_min_years,
                            alpha=config.stats.alpha,
                            value_decimals=_value_decimals(config, columns),
                            language=config.map.language)  # fmt: skip
        names = runs[max(runs)].release.layers[layer].set_index("area_id")["area_name"]
        table.insert(1, "area_name", table["area_id"].map(names.astype(str).to_dict()))
        out[layer] = table
    return out


def _cube(config: RunConfig, runs: Mapping[int, RunResult]) -> pd.DataFrame:
    """Return the yearly rates of the hot-spot indicator per H3 cell (from the unit files)."""
    spec = config.hotspot_spec()
    columns = {}
    for year, result in runs.items():
        numerators = dict(result.release.disclosure).get("numerators", {})
        units = pd.read_parquet(result.paths["internal_units"])
        cells = units["h3_cell"].astype(str)
        events = units[numerators[spec.count_column]].groupby(cells).sum()
        base_col = numerators.get(spec.base_column) if spec.denominator is not None else None
        base = units[base_col].groupby(cells).sum() if base_col else cells.value_counts()
        base = base.reindex(events.index).astype(float)
        per = 100.0 if spec.kind == "share" else float(spec.per)
        ok = base > 0
        method = config.stats.rate if config.stats.rate in ("eb_global", "raw") else "raw"
        rate = smooth_rates(events[ok], base[ok], method=method, per=per)
        overall = float(events[ok].sum() / base[ok].sum() * per)
        columns[year] = (rate, overall)
    cells_all = sorted(set().union(*(set(r.index) for r, _ in columns.values())))
    cube = pd.DataFrame(
        {y: r.reindex(cells_all).fillna(overall) for y, (r, overall) in columns.items()},
        index=cells_all,
    )
    return cube


def _emerging(config: RunConfig, years: YearsConfig, runs: Mapping[int, RunResult]) -> Any:
    import h3

    if "h3" not in config.map.layers or len(runs) < 3:
        return None
    cube = _cube(config, runs)
    ids = [h3.str_to_int(c) for c in cube.index]
    cube.index = ids
    result = emerging_hotspot_analysis(
        cube,
        h3_graph(ids, k=config.stats.k),
        time_steps=years.time_steps,
        correction=config.stats.correction,
        alpha=config.stats.alpha,
    )
    frame = result.frame.copy()
    frame.index = [h3.int_to_str(int(i)) for i in frame.index]
    # a category sums up the Gi* of every year: shown only where every year published the
    # cell's own hot-spot label (the checker's window rule held in every year)
    hidden_in = pd.DataFrame(
        {
            year: ~result_.release.layers["h3"]
            .set_index("area_id")["hotspot_label"]
            .reindex(frame.index)
            .isin(_PUBLISHED_LABEL)
            for year, result_ in runs.items()
        }
    )
    shown = ~hidden_in.any(axis=1).to_numpy()
    why = [
        text(
            "years",
            "note_label_hidden",
            config.map.language,
            years=", ".join(str(y) for y in row.index[row]),
        )
        for _, row in hidden_in.iterrows()
    ]
    out = pd.DataFrame(
        {
            "area_id": frame.index,
            "category": np.where(shown, frame["category"].astype(str), ""),
            "hot_years": np.where(shown, frame["hot_steps"], -1),
            "cold_years": np.where(shown, frame["cold_steps"], -1),
            "trend_tau": np.where(shown, frame["trend_tau"].round(2), np.nan),
            "trend_p": np.where(shown, frame["trend_p"].round(3), np.nan),
            "note": np.where(shown, "", why),
        }
    )
    out.attrs["settings"] = result.settings
    out.attrs["internal"] = frame
    return out


def run_checked(
    config: RunConfig, out_dir: str | Path, history: ReleaseHistory, key: str
) -> tuple[RunResult, HistoryEntry]:
    """Run once, checked against every release in the history before it is moved into place.

    The staged release is checked with :meth:`zicht.check.ReleaseHistory.check` (``zicht
    check --against`` every registered release, each with its own units). If that fails,
    the features whose units differ from an earlier release's by fewer than ``min_units``
    (:meth:`~zicht.check.ReleaseHistory.small_changes`) are withheld and the release is
    computed again, with the publisher's secondary protection, and checked again (at most
    three times). What passes is moved into ``out_dir`` and registered with what was
    withheld; what does not is refused and never lands.

    Parameters
    ----------
    config
        The run configuration.
    out_dir
        The release folder (``--out``).
    history
        The release history.
    key
        The release's name in the history (e.g. the year).

    Returns
    -------
    RunResult, HistoryEntry

    Raises
    ------
    zicht.check.ReleaseRefusedError
        The release fails the check against the history even with the small changes
        withheld; the reasons are in the message and in the history's ``refused.json``.
    """
    state: dict[str, Any] = {}

    def verify(release: Path, units: Path) -> None:
        report = history.check(release, units)
        state["report"] = report
        if not report.ok:
            state["changes"] = history.small_changes(release, units, config.rules.min_units)
            raise ReleaseRefusedError("refused by the release history", report)

    withheld: dict[str, dict[str, str]] = {}
    for _ in range(_ATTEMPTS):
        try:
            result = run(config, out_dir, withhold=withheld or None, then=verify)
        except ReleaseRefusedError:
            grown = {layer: dict(areas) for layer, areas in withheld.items()}
            for layer, areas in state["changes"].items():
                grown.setdefault(layer, {}).update(areas)
            if grown == withheld:
                break  # nothing more to withhold: refuse
            withheld = grown
            continue
        units = result.paths["internal_units"]
        entry = history.register(out_dir, units, key, report=state["report"], withheld=withheld)
        return result, entry
    history.refuse(history.next_key(key), Path(out_dir), state["report"])
    raise AssertionError("unreachable: refuse raises")  # pragma: no cover


# --- the run --------------------------------------------------------------------------------


def run_years(config: RunConfig, years: YearsConfig, out_dir: str | Path) -> YearsResult:
    """Run every year of ``[years]``, register each release, and write the trends.

    Parameters
    ----------
    config
        The settings every year shares (from :func:`zicht.config.load_years_config`).
    years
        The years: unit tables, boundary vintages, code changes, trend settings.
    out_dir
        Folder for the outputs: ``<year>/`` per year (with ``<year>_internal/`` beside it),
        ``trends/`` and, unless ``[years] history`` names another, ``history/``.

    Returns
    -------
    YearsResult

    Raises
    ------
    InputError
        A year without units, a table whose rows are of another year, a code-change table
        with a cycle or a gap (every problem listed at once, before anything runs).
    zicht.check.ReleaseRefusedError
        A year's release failed the check against the earlier releases even with its small
        changes withheld (:func:`run_checked`); it never lands, and the reasons are in the
        message and in the history's ``refused.json``.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    _, changes = _checked_inputs(config, years)
    split = _split_by_year(config, years, out / "units_by_year_internal")
    configs = _year_configs(config, years, split)
    buurten = _boundaries(configs)
    mappings, boundary_changes = _code_mapping(years, configs, buurten, changes)
    history_dir = out / "history" if str(years.history) in ("", ".") else Path(years.history)
    if not history_dir.is_absolute() and str(years.history) not in ("", "."):
        history_dir = Path(years.source).resolve().parent / history_dir
    history = ReleaseHistory(history_dir)
    runs: dict[int, RunResult] = {}
    keys = []
    withheld: dict[str, dict[str, dict[str, str]]] = {}
    for year, year_config in configs.items():
        runs[year], entry = run_checked(year_config, out / str(year), history, str(year))
        keys.append(entry.key)
        withheld[entry.key] = entry.withheld
    if years.apportion == "addresses":
        mappings, boundary_changes = _by_addresses(mappings, boundary_changes, buurten, runs)
    trends = _trends(config, years, runs, mappings)
    emerging = _emerging(config, years, runs)
    result = YearsResult(
        years=sorted(runs),
        runs=runs,
        trends=trends,
        emerging=emerging,
        boundary_changes=boundary_changes,
        history=keys,
        withheld=withheld,
    )
    _year_maps(config, result, out)
    result.paths = _write(result, config, years, out, time.perf_counter() - started)
    result.paths["history"] = history_dir
    return result


def _checked_inputs(
    config: RunConfig, years: YearsConfig
) -> tuple[dict[int, RunConfig], CodeChanges | None]:
    """Make the checks every multi-year run makes before its first year: tables, changes."""
    problems = _table_problems(config, years)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise InputError(f"{years.source or '[years]'}: the unit tables per year:\n{listing}")
    changes = None
    if str(years.code_changes) not in ("", "."):
        changes = read_code_changes(config.inputs.resolve(years.code_changes))
    return _year_configs(config, years), changes


def preflight_years(
    config: RunConfig, years: YearsConfig, out: Path | None = None
) -> dict[int, Preflight]:
    """Check a multi-year run's inputs without running it (``zicht validate`` on ``[years]``).

    The checks :func:`run_years` makes before its first year (each year's unit table, the
    code-change table, every old buurt code onto the latest vintage), then
    :func:`zicht.config.preflight` on each year's inputs as that year's run reads them.

    Parameters
    ----------
    config, years
        From :func:`zicht.config.load_years_config`.
    out
        The output folder the run would write, which no input may lie in.

    Returns
    -------
    dict of int to Preflight
        Per year, what the checks found.

    Raises
    ------
    ConfigError, InputError, SchemaError, CRSError, GeometryError
        Naming the year, key or file at fault.
    """
    configs, changes = _checked_inputs(config, years)
    _code_mapping(years, configs, _boundaries(configs), changes)
    found = {}
    for year, year_config in configs.items():
        try:
            found[year] = preflight(year_config, out)
        except ZichtError as exc:  # which year's inputs: the message alone does not say
            units = year_config.inputs.units.path
            raise type(exc)(f"year {year} ({units}): {exc}") from exc
    return found


def _year_maps(config: RunConfig, result: YearsResult, out: Path) -> None:
    """Write each year's map again with the year selector and every area's published series."""
    if config.map.pages == "gemeente":
        return  # one page per gemeente: no year selector yet
    options = config.map.options()
    tiles = None if config.map.tiles == "none" else config.map.tiles
    for year, run_ in result.runs.items():
        page = run_.paths.get("map")
        if page is None:
            continue
        payload = years_payload(
            result.years, year, result.trends, result.emerging, config.map.language
        )
        write_map(run_.release, page, tiles=tiles, options=options, years=payload)
        if run_.record is not None:  # the page changed: so does its SHA-256 in run_manifest
            listed = {
                role: path
                for role, path in run_.paths.items()
                if role != "run_manifest" and not role.startswith("internal_")
            }
            write_run_manifest(run_.record, listed, Path(page).parent)


def _write(
    result: YearsResult, config: RunConfig, years: YearsConfig, out: Path, seconds: float
) -> dict[str, Path]:
    folder = out / "trends"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"boundary_changes": folder / "boundary_changes.csv"}
    result.boundary_changes.to_csv(paths["boundary_changes"], index=False)
    for layer, table in result.trends.items():
        paths[f"trend_{layer}"] = folder / f"trend_{layer}.csv"
        table.to_csv(paths[f"trend_{layer}"], index=False)
    if result.emerging is not None:
        paths["emerging_h3"] = folder / "emerging_h3.csv"
        result.emerging.to_csv(paths["emerging_h3"], index=False)
    summary = _summary(result, config, years, seconds)
    paths["years"] = folder / "years.json"
    paths["years"].write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    paths["report"] = folder / "years_report.md"
    paths["report"].write_text(_report(summary), encoding="utf-8")
    return paths


def _summary(
    result: YearsResult, config: RunConfig, years: YearsConfig, seconds: float
) -> dict[str, Any]:
    trends = {}
    for layer, table in result.trends.items():
        counts = table["trend"].replace("", "not_tested").value_counts().to_dict()
        trends[layer] = {"areas": int(table["area_id"].nunique()), "trend": counts}
    emerging = None
    if result.emerging is not None:
        shown = result.emerging[result.emerging["category"] != ""]
        emerging = {
            "cells": len(result.emerging),
            "published": len(shown),
            "categories": shown["category"].value_counts().to_dict(),
            "settings": result.emerging.attrs.get("settings", {}),
        }
    return {
        "study_area": config.study_area,
        "synthetic": config.synthetic,
        "years": result.years,
        "releases": {str(y): str(r.paths.get("summary", "")) for y, r in result.runs.items()},
        "history": result.history,
        "withheld": result.withheld,
        "boundary_changes": result.boundary_changes.to_dict("records"),
        "trends": trends,
        "emerging": emerging,
        "trend_min_years": years.trend_min_years,
        "seconds": round(seconds, 1),
    }


def _report(summary: Mapping[str, Any]) -> str:
    lines = [f"# {text('years', 'report_title', area=summary['study_area'])}", ""]
    if summary["synthetic"]:
        lines += [f"**{text('common', 'synthetic_warning')}**", ""]
    lines.append(text("years", "report_years", years=", ".join(map(str, summary["years"]))))
    lines.append(text("years", "report_history", keys=", ".join(summary["history"])))
    held = {k: sum(len(v) for v in layers.values()) for k, layers in summary["withheld"].items()}
    if any(held.values()):
        shown = ", ".join(f"{k}: {n}" for k, n in held.items() if n)
        lines.append(text("years", "report_withheld", shown=shown))
    lines += ["", f"## {text('years', 'report_boundaries')}", ""]
    changes = summary["boundary_changes"]
    if not changes:
        lines.append(text("years", "report_no_boundary_change"))
    for c in changes:
        lines.append(
            "- "
            + text(
                "years",
                "report_boundary_change",
                old=c["old_code"],
                new=c["new_code"],
                share=f"{100 * float(c['share']):.0f}",
                vintage=c["vintage"],
                latest=c["latest_vintage"],
                method=text("years", f"share_{c['method']}"),
            )
        )
    lines += ["", f"## {text('years', 'report_trends')}", ""]
    for layer, info in summary["trends"].items():
        counts = ", ".join(
            f"{text('years', f'trend_{k}')}: {v}" for k, v in sorted(info["trend"].items())
        )
        lines.append(f"- {layer}: {info['areas']} — {counts}")
    if summary["emerging"]:
        lines += ["", f"## {text('years', 'report_emerging')}", ""]
        for category, n in sorted(summary["emerging"]["categories"].items()):
            lines.append(f"- {text('years', f'category_{category}')}: {n}")
    return "\n".join(lines) + "\n"
