"""The inputs of a run, checked and read: what ``zicht validate`` and ``zicht run`` share.

Only what a run uses is read: the buurt layer and the unit table always; wijk and gemeente
boundaries when given (else dissolved from the buurten, their codes taken from the buurt
codes); parks and park areas when given. Every path is checked first, naming its key: a
file that does not exist, a folder, the unit table named as a context layer, a file in the
output folder. Layers of different vintages are reported by name and year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from zicht._errors import InputError
from zicht._validate import LayerReport, check_nesting
from zicht.config._extent import Extent, resolve_extent
from zicht.config._inputs import BoundaryInput
from zicht.config._run import RunConfig
from zicht.ingest import default_geodata_dir, read_boundaries, read_parks
from zicht.schemas import RD_NEW

__all__ = [
    "StudyInputs",
    "dissolve_from_buurten",
    "input_paths",
    "path_problems",
    "read_inputs",
]

#: Columns of the park layer the pipeline reads (an empty one when there are no parks).
_PARK_COLUMNS = ("park_id", "name", "location_trusted")
#: Name columns of the higher levels that CBS buurt files carry (wijk- en buurtkaart).
_PARENT_NAMES = {"wijk": ("wk_naam", "wijknaam"), "gemeente": ("gm_naam", "gemeentenaam")}


@dataclass
class StudyInputs:
    """The public layers of a run and what reading them found.

    Attributes
    ----------
    layers
        ``buurt``, ``wijk``, ``gemeente``, ``parks`` (inside the study area),
        ``all_parks`` and, with park areas, ``park``; all in EPSG:28992.
    reports
        One :class:`~zicht.ingest.LayerReport` per layer read or dissolved.
    notes
        Findings in words: vintages, nesting, how the extent was resolved.
    extent
        The resolved study area.
    """

    layers: dict[str, gpd.GeoDataFrame]
    reports: list[LayerReport]
    notes: list[str] = field(default_factory=list)
    extent: Extent = field(default_factory=lambda: Extent(None))


def input_paths(config: RunConfig) -> dict[str, Path]:
    """Every file the configuration will read, by its config key."""
    inputs = config.inputs
    paths: dict[str, Path] = {"[inputs.buurten] path": inputs.resolve(inputs.buurten.path)}
    for key, spec in (("wijken", inputs.wijken), ("gemeenten", inputs.gemeenten)):
        if spec.given:
            paths[f"[inputs.{key}] path"] = inputs.resolve(spec.path)
    if inputs.parks.given:
        paths["[inputs.parks] path"] = inputs.resolve(inputs.parks.path)
    if inputs.park_areas.enabled:
        paths["[inputs.park_areas] path"] = inputs.resolve(inputs.park_areas.path)
    if inputs.units.source == "file":
        paths["[inputs.units] path"] = inputs.resolve(inputs.units.path)
    if config.guard.enabled:
        paths["[guard] reference"] = inputs.resolve(config.guard.reference)
    return paths


def _is_url(path: Path) -> bool:
    return "://" in str(path) or str(path).startswith(("postgresql:", "postgres:"))


def path_problems(
    config: RunConfig, out: Path | None = None, *, public_only: bool = False
) -> list[str]:
    """Check every input path before anything is read; one problem per key at fault.

    Parameters
    ----------
    config
        The run configuration.
    out
        The output folder, if known: no input may lie in it.
    public_only
        Check the public layers only (the unit table and the reference are then only
        compared against, not required: a generator may not have written them yet).

    Returns
    -------
    list of str
        Problems, each naming its key, the path as written and as resolved.
    """
    paths = input_paths(config)
    units = paths.get("[inputs.units] path")
    problems: list[str] = []
    out_dir = out.resolve() if out is not None else None
    private = ("[inputs.units] path", "[guard] reference")
    for key, path in paths.items():
        if _is_url(path) or (public_only and key in private):
            continue
        where = f"{key} = {str(path)!r}"
        resolved = path.resolve()
        if not path.exists():
            problems.append(
                f"{where}: no such file (paths are relative to [inputs] geodata = "
                f"{str(config.inputs.geodata)!r})"
            )
        elif key != "[inputs.units] path" and units is not None and resolved == units.resolve():
            problems.append(
                f"{where} is the unit table ([inputs.units] path): a confidential unit file "
                'is never read as a context layer; name the right file, or "" for none'
            )
        elif path.is_dir() and not any(path.glob("**/*.parquet")):
            problems.append(f'{where} is a folder; name a file ("" or enabled = false: none)')
        elif out_dir is not None and (resolved == out_dir or out_dir in resolved.parents):
            problems.append(f"{where} lies in the output folder {out}; outputs are rewritten")
    return problems


def _read_level(
    config: RunConfig, level: str, spec: BoundaryInput, extent: Extent
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    return read_boundaries(
        config.inputs.resolve(spec.path),
        level=level,
        layer=spec.layer or None,
        code_column=spec.code_column,
        name_column=spec.name_column,
        assume_crs=spec.assume_crs or None,
        code_prefix=extent.prefixes(level),
    )


def dissolve_from_buurten(
    buurten: gpd.GeoDataFrame, level: str, source: str
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Dissolve wijk or gemeente boundaries from buurten, codes from the buurt codes.

    Parameters
    ----------
    buurten
        Buurt boundaries (``code``, ``name``, RD New), as read.
    level
        ``"wijk"`` or ``"gemeente"``.
    source
        The buurt file, named in the report.

    Returns
    -------
    tuple of (GeoDataFrame, LayerReport)
        ``code``, ``name`` (the ``WK_NAAM``/``GM_NAAM`` column of the buurt file when it
        has one, else the code) and the dissolved geometry.
    """
    head, stop = ("WK", 8) if level == "wijk" else ("GM", 6)
    codes = head + buurten["code"].astype("str").str.slice(2, stop)
    lower = {str(c).lower(): c for c in buurten.columns}
    name_col = next((lower[c] for c in _PARENT_NAMES[level] if c in lower), None)
    frame = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(),
            "name": (buurten[name_col] if name_col else codes).astype("str").to_numpy(),
        },
        geometry=buurten.geometry.to_numpy(),
        crs=RD_NEW,
    )
    out = frame.dissolve(by="code", aggfunc="first", as_index=False)[["code", "name", "geometry"]]
    report = LayerReport(layer=level, source=f"dissolved from the buurten ({source})", rows_read=0)
    report.notes.append(
        f"{len(out)} {level} areas dissolved from {len(buurten)} buurten, codes from the buurt "
        "codes" + ("" if name_col else "; no name column, the code is the name")
    )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=RD_NEW), report


def _vintage_notes(reports: list[LayerReport]) -> list[str]:
    years = {r.layer: (Path(r.source).name, r.year) for r in reports if r.year is not None}
    if len({y for _, y in years.values()}) <= 1:
        return []
    listing = ", ".join(f"{layer} {name} ({year})" for layer, (name, year) in years.items())
    return [
        f"the boundary layers are of different vintages: {listing}. Codes and boundaries "
        "change between years (gemeenten merge and are renumbered); use one year's layers, "
        "or leave out [inputs.wijken] and [inputs.gemeenten] to dissolve them from the buurten"
    ]


def _nesting_notes(layers: Mapping[str, gpd.GeoDataFrame], given: set[str]) -> list[str]:
    if not given:
        return []
    report = check_nesting(
        buurten=layers["buurt"],
        wijken=layers["wijk"] if "wijk" in given else None,
        gemeenten=layers["gemeente"] if "gemeente" in given else None,
        allow_mixed=True,
    )
    if not report.mixed:
        return []
    parts = []
    if report.buurt_without_wijk:
        parts.append(f"{report.buurt_without_wijk} buurt codes name a wijk the wijk layer lacks")
    if report.buurt_outside_wijk:
        parts.append(f"{report.buurt_outside_wijk} buurten lie outside the wijk their code names")
    if report.wijk_without_gemeente:
        parts.append(
            f"{report.wijk_without_gemeente} wijk codes name a gemeente the gemeente layer lacks"
        )
    examples = [e for v in report.examples.values() for e in v][:3]
    return [f"the buurten do not nest in the given layers: {'; '.join(parts)} (e.g. {examples})"]


def _no_parks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "park_id": pd.Series(dtype="str"),
            "name": pd.Series(dtype="str"),
            "location_trusted": pd.Series(dtype="bool"),
        },
        geometry=gpd.GeoSeries([], crs=RD_NEW),
        crs=RD_NEW,
    )


def _parks(
    config: RunConfig, layers: dict[str, gpd.GeoDataFrame], reports: list[LayerReport]
) -> None:
    inputs = config.inputs
    area = layers["gemeente"].geometry.union_all()
    if inputs.park_areas.enabled:
        spec = inputs.park_areas
        areas, r_areas = read_parks(
            inputs.resolve(spec.path),
            layer=spec.layer or None,
            id_column=spec.id_column,
            name_column=spec.name_column,
        )
        inside = areas[areas.intersects(area)]
        if inside.empty:
            raise InputError(
                f"[inputs.park_areas] path: none of the {len(areas)} park areas in "
                f"{r_areas.source} lies in the study area {config.study_area}"
            )
        layers["park"] = inside[["park_id", "name", "geometry"]].assign(
            code=inside["park_id"].astype("str")
        )
        reports.append(r_areas)
    if not inputs.parks.given:
        layers["all_parks"] = layers["parks"] = _no_parks()
        return
    parks, r_parks = read_parks(inputs.resolve(inputs.parks.path))
    # Every park (also across the border) is a feature for distances; the map shows those
    # inside the study area.
    layers["all_parks"] = parks
    layers["parks"] = parks[parks.within(area)].reset_index(drop=True)
    reports.append(r_parks)


def read_inputs(config: RunConfig) -> StudyInputs:
    """Read the public layers of a run: only what it uses, each checked.

    Parameters
    ----------
    config
        The run configuration.

    Returns
    -------
    StudyInputs
        The layers, their reports and the findings in words.

    Raises
    ------
    ConfigError
        If a path is missing, a folder, the unit table, naming its key.
    InputError, SchemaError, CRSError, GeometryError
        As the readers of :mod:`zicht.ingest`, naming the file.
    """
    from zicht.config._inputs import problems_error

    problems = path_problems(config, public_only=True)
    if problems:
        raise problems_error("inputs: ", problems)
    inputs = config.inputs
    gemeenten = None
    reports: list[LayerReport] = []
    if inputs.gemeenten.given:
        gemeenten, r_gem = _read_level(config, "gemeente", inputs.gemeenten, Extent(None))
        reports.append(r_gem)
    shipped = default_geodata_dir() / "cbs" / "wijken_gemeenten_2022.gpkg"
    extent = resolve_extent(config.gemeente, gemeenten, shipped=shipped)
    buurten, r_buurt = _read_level(config, "buurt", inputs.buurten, extent)
    layers: dict[str, gpd.GeoDataFrame] = {"buurt": buurten}
    given: set[str] = set()
    for level, spec in (("wijk", inputs.wijken), ("gemeente", inputs.gemeenten)):
        if level == "gemeente" and gemeenten is not None:
            prefixes = extent.prefixes("gemeente")
            keep = gemeenten["code"].str.startswith(prefixes) if prefixes else slice(None)
            layers[level] = gemeenten.loc[keep].reset_index(drop=True)
            given.add(level)
        elif spec.given:
            layers[level], report = _read_level(config, level, spec, extent)
            reports.append(report)
            given.add(level)
        else:
            layers[level], report = dissolve_from_buurten(buurten, level, r_buurt.source)
            reports.append(report)
    if extent.codes is not None:
        missing = sorted(set(extent.codes) - set(layers["gemeente"]["code"].astype("str")))
        if missing:
            where = "[inputs.gemeenten] path" if inputs.gemeenten.given else "the buurt codes"
            shown = missing if len(missing) <= 8 else [*missing[:8], f"… {len(missing)} in all"]
            province = f" ({extent.note})" if extent.note else ""
            raise InputError(
                f"gemeente = {list(config.gemeente)!r}{province}: {shown} not found in "
                f"{where}; check the CBS codes in the configuration, and the year of the "
                "boundaries (gemeenten merge and are renumbered)"
            )
    reports.insert(0, r_buurt)
    _parks(config, layers, reports)
    notes = ([extent.note] if extent.note else []) + _vintage_notes(reports)
    notes += _nesting_notes(layers, given)
    notes += [f"{r.layer}: {n}" for r in reports for n in r.notes if "overlap" in n]
    return StudyInputs(layers=layers, reports=reports, notes=notes, extent=extent)
