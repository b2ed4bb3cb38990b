"""Park and area boundaries: derive, validate, version, compare, and publish per park.

There is no single definition of a holiday park, and supplier boundaries are not uniform.
This module gives the people who define park boundaries a rule-based, traceable workflow:

1. :func:`derive_parks` proposes boundaries by a written :class:`DeriveRule` (clusters of
   recreational objects, outlined, snapped to parcels, minus public roads and water), typed by
   the TOP10NL rules (:class:`Typology`); every boundary records its type and the rule.
2. :func:`render_edit_map` writes an offline editor (Leaflet-Geoman) to adjust them, with
   trace layers from the shipped open data (:func:`edit_context`); its export keeps RD New.
3. :func:`validate_boundaries` checks a boundary file, listing every problem at once.
4. :func:`save_park_version` / :func:`load_park_version` keep versions in a GeoPackage
   (id, date, author, reason, parent), and the pipeline uses a chosen version.
5. :func:`diff_parks` compares two versions: parks added, removed, changed, area change,
   addresses and parcels moving in or out.
6. :func:`compare_boundaries` compares derived with registered boundaries (a gemeente's own
   file, TOP10NL functional areas): IoU per park, parks only in one set, a map.
7. :func:`publish_park_indicators` publishes per-park figures only where a park passes the
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
from zicht.parks._derive import is_rd
from zicht.parks._editor import EditContext, TraceLayer
from zicht.parks._objects import objects_from_bgt_buildings
from zicht.parks._synthetic import mix_in_scattered_recreation, synthesize_park_sites
from zicht.schemas import RD_NEW
from zicht.synthetic import synthesize_addresses

__all__ = [
    "VELUWE",
    "OtterloData",
    "ParkStudy",
    "edit_context",
    "netherlands_polygon",
    "read_gemeenten",
    "read_otterlo",
    "read_park_points",
    "synthetic_park_study",
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


#: The shipped open data the editor traces against: (catalogue key, file, layer, kind, snap,
#: style). All of it lies around Otterlo (gemeente Ede); elsewhere the layers are empty and the
#: editor says so.
_TRACE_FILES = (
    ("trace_parcels", "brk/otterlo_brk_perceel_sample.gpkg", None, "polygon", True,
     {"color": "#b15928", "weight": 1.5, "fill": False}),
    ("trace_buildings", "bgt/bgt_otterlo_pand.gpkg", None, "polygon", True,
     {"color": "#6a3d9a", "weight": 1, "fillOpacity": 0.25}),
    ("trace_fences", "bgt/bgt_otterlo_scheiding.gpkg", "scheiding", "line", True,
     {"color": "#e31a1c", "weight": 1.5}),
    ("trace_addresses", "bag/otterlo_bag_adrespunten.gpkg", "adrespunt", "point", True,
     {"color": "#1f78b4", "weight": 1, "fillOpacity": 0.8}),
    ("trace_roads", "bgt/bgt_otterlo_parks_context.gpkg", "wegdeel", "polygon", False,
     {"color": "#999", "weight": 0.5, "fillColor": "#ccc", "fillOpacity": 0.4}),
    ("trace_water", "bgt/bgt_otterlo_parks_context.gpkg", "waterdeel", "polygon", False,
     {"color": "#1f78b4", "weight": 0.5, "fillColor": "#a6cee3", "fillOpacity": 0.5}),
)  # fmt: skip


def _read_near(
    path: Path, layer: str | None, covered: shapely.Geometry, margin_m: float
) -> gpd.GeoDataFrame:
    """Read the current objects of a shipped layer within ``margin_m`` of ``covered``."""
    minx, miny, maxx, maxy = covered.bounds
    box = (minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
    frame = pyogrio.read_dataframe(path, layer=layer, bbox=box)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs)
    if not is_rd(frame.crs):
        frame = frame.to_crs(RD_NEW)
    if "eindRegistratie" in frame:
        frame = frame[frame["eindRegistratie"].isna()]
    return frame[frame.distance(covered) <= margin_m].reset_index(drop=True)


def edit_context(
    geodata: str | Path, parks: gpd.GeoDataFrame, *, margin_m: float = 1_500.0
) -> EditContext:
    """Gather what the park editor shows around ``parks`` from the shipped open data.

    Trace layers (within ``margin_m`` of the parks): the BRK parcels, BGT buildings, BGT fences
    and walls, BAG address points (public; never unit data), BGT roads and water; the CBS 2022
    gemeenten the parks lie in (a park outside them is reported in the page); the known park
    locations. Vertices snap to parcels, buildings, fences and address points.

    Parameters
    ----------
    geodata
        The ``geodata/`` folder.
    parks
        The boundaries to be edited, any declared CRS.
    margin_m
        How far around the parks trace data is taken.

    Returns
    -------
    EditContext
        For :func:`zicht.parks.render_edit_map`.

    Raises
    ------
    InputError
        If a shipped file is missing.
    """
    geodata = Path(geodata)
    rd = parks if is_rd(parks.crs) else parks.to_crs(RD_NEW)
    covered = shapely.union_all(rd.geometry.array) if len(rd) else shapely.Polygon()
    area = shapely.buffer(covered, margin_m)
    missing = [str(geodata / f[1]) for f in _TRACE_FILES if not (geodata / f[1]).is_file()]
    if missing:
        raise InputError(f"the editor's trace data lack {missing}")
    trace = []
    for label, file, layer, kind, snap, style in _TRACE_FILES:
        frame = _read_near(geodata / file, layer, covered, margin_m) if len(rd) else None
        trace.append(
            TraceLayer(
                label=label,
                frame=frame if frame is not None else gpd.GeoDataFrame(geometry=[], crs=RD_NEW),
                kind=kind,
                snap=snap,
                style=style,
            )
        )
    gemeenten = read_gemeenten(geodata)
    touched = gemeenten[gemeenten.intersects(covered)] if len(rd) else gemeenten.iloc[:0]
    points, _ = read_park_points(geodata)
    return EditContext(
        points=points[points.intersects(area)] if not area.is_empty else points,
        gemeenten=touched[["code", "name", "geometry"]].reset_index(drop=True),
        trace=tuple(trace),
    )
