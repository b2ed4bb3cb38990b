"""Park and area boundaries: derive, validate, version, compare, and publish per park.

There is no single definition of a holiday park, and supplier boundaries are not uniform.
This module gives the people who define park boundaries a rule-based, traceable workflow:

1. :func:`derive_parks` proposes boundaries by a written :class:`DeriveRule` (clusters of
   recreational objects, outlined, snapped to parcels, minus public roads and water); every
   boundary records the rule that made it.
2. :func:`render_edit_map` writes an offline map with a drawing tool to adjust them.
3. :func:`validate_boundaries` checks a boundary file, listing every problem at once.
4. :func:`save_park_version` / :func:`load_park_version` keep versions in a GeoPackage
   (id, date, author, reason, parent), and the pipeline uses a chosen version.
5. :func:`diff_parks` compares two versions: parks added, removed, changed, area change,
   addresses and parcels moving in or out.
6. :func:`publish_park_indicators` publishes per-park figures only where a park passes the
   disclosure rules, and merges the others per gemeente.

:func:`synthetic_park_study` and :func:`evaluate_recovery` measure how well a rule recovers
parks planted with known footprints. The CLI is ``zicht parks …`` (:mod:`zicht.cli._parks`).

Examples
--------
>>> from zicht.parks import DeriveRule, derive_parks, save_park_version
>>> rule = DeriveRule(min_objects=20)
>>> result = derive_parks(addresses, rule, known_parks=points)  # doctest: +SKIP
>>> save_park_version("parks.gpkg", result.parks, author="an", reason="1st")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from zicht._errors import InputError
from zicht.ingest import read_boundaries, read_parks
from zicht.parks._derive import (
    OUTLINES,
    DeriveResult,
    DeriveRule,
    derive_parks,
    load_rule,
    objects_from_bgt_buildings,
    to_multipolygon,
)
from zicht.parks._diff import CHANGES, ParkDiff, diff_parks
from zicht.parks._html import render_diff_map, render_edit_map
from zicht.parks._indicators import (
    PARK_INDICATORS,
    assign_points_to_parks,
    park_indicator_table,
    park_layer_inputs,
    publish_park_indicators,
)
from zicht.parks._store import (
    LAYER_BOUNDARIES,
    LAYER_VERSIONS,
    STORE_COLUMNS,
    VersionInfo,
    boundaries_sha256,
    list_park_versions,
    load_park_version,
    read_boundary_file,
    save_park_version,
)
from zicht.parks._synthetic import (
    RecoveryReport,
    evaluate_recovery,
    mix_in_scattered_recreation,
    synthesize_park_sites,
    synthesize_registered_residents,
)
from zicht.parks._validate import (
    BOUNDARY_SOURCES,
    REQUIRED_COLUMNS,
    check_boundaries,
    validate_boundaries,
)
from zicht.schemas import RD_NEW
from zicht.synthetic import synthesize_addresses

__all__ = [
    "BOUNDARY_SOURCES",
    "CHANGES",
    "LAYER_BOUNDARIES",
    "LAYER_VERSIONS",
    "OUTLINES",
    "PARK_INDICATORS",
    "REQUIRED_COLUMNS",
    "STORE_COLUMNS",
    "VELUWE",
    "DeriveResult",
    "DeriveRule",
    "OtterloData",
    "ParkDiff",
    "ParkStudy",
    "RecoveryReport",
    "VersionInfo",
    "assign_points_to_parks",
    "boundaries_sha256",
    "check_boundaries",
    "derive_parks",
    "diff_parks",
    "evaluate_recovery",
    "list_park_versions",
    "load_park_version",
    "load_rule",
    "mix_in_scattered_recreation",
    "netherlands_polygon",
    "objects_from_bgt_buildings",
    "park_indicator_table",
    "park_layer_inputs",
    "publish_park_indicators",
    "read_boundary_file",
    "read_gemeenten",
    "read_otterlo",
    "read_park_points",
    "render_diff_map",
    "render_edit_map",
    "save_park_version",
    "synthesize_park_sites",
    "synthesize_registered_residents",
    "synthetic_park_study",
    "to_multipolygon",
    "validate_boundaries",
]

#: The Veluwe gemeenten of the holiday-park study.
VELUWE = {
    "GM0200": "Apeldoorn",
    "GM0203": "Barneveld",
    "GM0228": "Ede",
    "GM0232": "Epe",
    "GM0233": "Ermelo",
    "GM0273": "Putten",
    "GM0302": "Nunspeet",
}
_CBS_2022 = Path("cbs") / "wijken_gemeenten_2022.gpkg"


def read_gemeenten(geodata: str | Path, codes: list[str] | None = None) -> gpd.GeoDataFrame:
    """Read the CBS 2022 gemeenten (all, or ``codes``) from the shipped data.

    Parameters
    ----------
    geodata
        The ``geodata/`` folder.
    codes
        Gemeente codes to keep (``["GM0228"]``); all when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name`` and the CBS attributes, EPSG:28992.

    Raises
    ------
    InputError
        If a code is not a gemeente.
    """
    gemeenten, _ = read_boundaries(Path(geodata) / _CBS_2022, level="gemeente", layer="NLD_muni")
    if codes is None:
        return gemeenten
    unknown = sorted(set(codes) - set(gemeenten["code"]))
    if unknown:
        raise InputError(f"no gemeente has the code(s) {unknown}; e.g. GM0228 is Ede")
    return gemeenten[gemeenten["code"].isin(codes)].reset_index(drop=True)


def netherlands_polygon(geodata: str | Path, *, tolerance_m: float = 250.0) -> shapely.Geometry:
    """Return the Netherlands as one polygon (CBS provinces, widened by ``tolerance_m``).

    The CBS boundaries are simplified to whole metres and follow the coast, so parks on a
    beach or a lake shore are allowed ``tolerance_m`` of slack.
    """
    provinces = pyogrio.read_dataframe(Path(geodata) / _CBS_2022, layer="NLD_prov")
    provinces = provinces.to_crs(RD_NEW)
    return shapely.buffer(shapely.union_all(provinces.geometry.array), tolerance_m)


def read_park_points(geodata: str | Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read the 235 distinct shipped park points and say which are not trusted.

    Returns
    -------
    tuple of (GeoDataFrame, dict)
        The points (:func:`zicht.ingest.read_parks`) and a report: rows read, distinct
        parks, trusted, untrusted (only a place centre) with their ids and names.
    """
    points, report = read_parks(Path(geodata) / "parks" / "parks.json")
    untrusted = points[~points["location_trusted"]]
    return points, {
        "rows_read": report.rows_read,
        "parks": len(points),
        "trusted": int(points["location_trusted"].sum()),
        "untrusted": len(untrusted),
        "untrusted_parks": [
            f"{pid} {name} ({place})"
            for pid, name, place in zip(
                untrusted["park_id"], untrusted["name"], untrusted["place"], strict=True
            )
        ],
        "notes": report.notes,
    }


@dataclass
class ParkStudy:
    """A synthetic study area with planted parks of known footprint.

    Attributes
    ----------
    addresses
        Synthetic addresses (background dwellings and other uses from CBS totals, scattered
        and patchy recreation in villages, and the planted park homes), EPSG:28992.
    sites
        The planted footprints (:func:`synthesize_park_sites`).
    points
        The real park points in the study area.
    gemeenten
        The gemeenten of the study area.
    settings
        Seeds and parameters, for the record.
    """

    addresses: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    gemeenten: gpd.GeoDataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def synthetic_park_study(
    geodata: str | Path,
    gemeenten: list[str] | None = None,
    *,
    seed: int = 20240,
    mixed_areas_per_gemeente: float = 2.0,
    national_margin_m: float = 2_000.0,
) -> ParkStudy:
    """Build a deterministic synthetic study: planted parks at real park locations.

    Background addresses follow the CBS 2022 dwelling totals per wijk
    (:func:`zicht.synthetic.synthesize_addresses`, without its disc-shaped parks); half a
    per cent of dwellings and a few village patches become recreational (decoys that are not
    parks); each trusted park point gets a planted footprint of varied shape
    (:func:`synthesize_park_sites`).

    Parameters
    ----------
    geodata
        The ``geodata/`` folder.
    gemeenten
        Gemeente codes of the study area (e.g. ``list(VELUWE)``); ``None`` for the whole
        country, where only wijken within ``national_margin_m`` of a trusted park get
        background addresses.
    seed
        Seed of every generator (background ``seed``, sites ``seed + 1``, decoys
        ``seed + 2``).
    mixed_areas_per_gemeente
        Village patches with 30 % recreation, per gemeente.
    national_margin_m
        See ``gemeenten``.

    Returns
    -------
    ParkStudy
        Addresses, planted sites, park points and gemeenten.
    """
    geodata = Path(geodata)
    points, _ = read_park_points(geodata)
    gem = read_gemeenten(geodata, gemeenten)
    wijken, _ = read_boundaries(geodata / _CBS_2022, level="wijk", layer="NLD_dist")
    area = shapely.union_all(gem.geometry.array)
    points = points[points.within(area)].reset_index(drop=True)
    if gemeenten is not None:
        wijken = wijken[wijken["code"].str.slice(2, 6).isin([c[2:] for c in gemeenten])]
    else:
        near = shapely.union_all(
            points[points["location_trusted"]].buffer(national_margin_m).geometry.array
        )
        wijken = wijken[wijken.intersects(near)]
    no_parks = points.iloc[:0]
    background = synthesize_addresses(wijken.reset_index(drop=True), no_parks, seed=seed)
    n_patches = round(mixed_areas_per_gemeente * len(gem))
    background = mix_in_scattered_recreation(background, n_mixed_areas=n_patches, seed=seed + 2)
    sites, homes = synthesize_park_sites(points, seed=seed + 1)
    homes["mixed_area"] = False
    addresses = pd.concat([background, homes], ignore_index=True)
    addresses["address_id"] = [f"SYN{i:08d}" for i in range(len(addresses))]
    addresses = gpd.GeoDataFrame(addresses, geometry="geometry", crs=RD_NEW)
    return ParkStudy(
        addresses=addresses,
        sites=sites,
        points=points,
        gemeenten=gem,
        settings={
            "seed": seed,
            "gemeenten": list(gem["code"]) if gemeenten is not None else "all (national)",
            "wijken": len(wijken),
            "mixed_areas": n_patches,
            "synthetic": True,
        },
    )


@dataclass
class OtterloData:
    """The real open data around Otterlo (gemeente Ede) that parks are derived from.

    Attributes
    ----------
    objects
        BGT buildings as objects with the recreational proxy
        (:func:`objects_from_bgt_buildings`).
    parcels
        BRK parcels (a sample of 11).
    roads
        BGT ``wegdeel`` carriageways (``function``).
    water
        BGT ``waterdeel``.
    """

    objects: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    water: gpd.GeoDataFrame


def read_otterlo(geodata: str | Path) -> OtterloData:
    """Read the shipped BGT and BRK extracts around Otterlo.

    Parameters
    ----------
    geodata
        The ``geodata/`` folder (``bgt/bgt_otterlo_pand.gpkg``,
        ``bgt/bgt_otterlo_parks_context.gpkg``, ``brk/otterlo_brk_perceel_sample.gpkg``).

    Returns
    -------
    OtterloData
        Objects, parcels, roads and water, EPSG:28992.

    Raises
    ------
    InputError
        If a file is missing.
    """
    geodata = Path(geodata)
    files = {
        "pand": geodata / "bgt" / "bgt_otterlo_pand.gpkg",
        "context": geodata / "bgt" / "bgt_otterlo_parks_context.gpkg",
        "parcels": geodata / "brk" / "otterlo_brk_perceel_sample.gpkg",
    }
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise InputError(f"the Otterlo extract lacks {missing}")

    def read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
        frame = pyogrio.read_dataframe(path, layer=layer)
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs).to_crs(RD_NEW)

    return OtterloData(
        objects=objects_from_bgt_buildings(read(files["pand"])),
        parcels=read(files["parcels"]),
        roads=read(files["context"], "wegdeel"),
        water=read(files["context"], "waterdeel"),
    )
