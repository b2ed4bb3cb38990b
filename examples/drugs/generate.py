"""Generate the SYNTHETIC unit data of the drugs example (gemeente Barneveld).

Everything this script writes is **synthetic**. The addresses come from
:func:`zicht.synthetic.synthesize_addresses`: their number per wijk follows the real CBS 2022
``dwelling_total`` of gemeente Barneveld (GM0203), spread over the real CBS 2014 buurten in
proportion to their real 2024 population. On top of that, three things are made up here:

* **scattered farmsteads** — in every rural buurt ("Buitengebied …") half of the dwellings
  are moved to uniformly scattered farmsteads, and each farmstead gets one or two sheds
  (``gebruiksdoel = "industriefunctie"``, as agricultural buildings with their own address
  often have in the BAG);
* **a business park** — 400 industrial and office objects on the real business park of
  Barneveld, Harselaar (buurten ``BU02035425`` Harselaar-West and ``BU02035426``
  Harselaar-Oost);
* **drug incidents** — ``drug_incident``: a registered drug-related incident at the address in
  the last three years (production or storage found, dumped drug waste). Background
  probabilities follow the place-based risk: 0.15 % for dwellings, 0.3 % for other objects,
  0.5 % on the business park, 0.8 % for remote sheds.

Two flags are *derived* the way an analyst would derive them from the BAG, from use and
location only: ``remote_shed`` (an industrial object with fewer than 15 other addresses
within 250 m: outside the built-up cores) and ``business_park`` (an industrial or office
object with at least 25 industrial objects within 250 m, making up at least half of the
addresses there).

One hot spot is **planted** so that a test can check that the pipeline finds it: within
1,500 m of the point of rural buurt Buitengebied Stroe (``BU02035960``) with the most remote
sheds around it, a remote shed has an incident with probability 30 % and any other address
3 %. ``planted.json`` records centre, radius, buurt, probabilities and realised counts, and a
control circle (Buitengebied Zwartebroek, west of the gemeente) where nothing is planted.

Run ``python examples/drugs/generate.py [--out DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from zicht.config import load_config
from zicht.indicators._compute import point_xy
from zicht.pipeline import read_study_area
from zicht.synthetic import SYNTHETIC_NOTE, sample_points_in_polygon, synthesize_addresses

GEMEENTE = "GM0203"
SEED = 20203
HERE = Path(__file__).resolve().parent

#: Share of the dwellings of a rural buurt that live on scattered farmsteads.
FARM_SHARE = 0.5
#: Range of sheds per farmstead, and their distance from the farmhouse in metres.
SHEDS_PER_FARM = (1, 2)
SHED_DISTANCE_M = (30.0, 120.0)
#: The business park (real location: Harselaar) and how many objects are placed on it.
BUSINESS_PARK_BUURTEN = ("BU02035425", "BU02035426")
BUSINESS_PARK_OBJECTS = 400
#: Rules that derive the risk-factor flags from use and location.
NEIGHBOUR_RADIUS_M = 250.0
REMOTE_MAX_NEIGHBOURS = 15
PARK_MIN_INDUSTRIAL = 25
PARK_MIN_INDUSTRIAL_SHARE = 0.5

#: Background probability of a drug incident, by kind of object.
P_DWELLING = 0.0015
P_OTHER = 0.003
P_BUSINESS_PARK = 0.005
P_REMOTE_SHED = 0.008
#: The plant: a rural buurt, a radius, and the probabilities inside it.
PLANT_BUURT = "BU02035960"
PLANT_RADIUS_M = 1500.0
PLANT_P_SHED = 0.30
PLANT_P_OTHER = 0.03
#: Control circle without a plant: Buitengebied Zwartebroek, west of the gemeente.
CONTROL_BUURT = "BU02036070"
CONTROL_RADIUS_M = 1500.0


def _read_geodata() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Series]:
    """Read the real wijken, buurten, parks and buurt population of the study area.

    The boundaries and park locations come from this example's ``config.toml``, read as
    ``zicht run`` reads them, so the units land on the areas the run publishes.
    """
    config = load_config(HERE / "config.toml")
    area = read_study_area(config)
    population = pd.read_csv(config.inputs.resolve("cbs/buurt_population_2024.csv"))
    population = population.set_index("nhood_id")["population"]
    return area["wijk"], area["buurt"], area["parks"], population


def _uniform_points(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        out = np.vstack([out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _farmsteads(
    addresses: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Move a share of rural dwellings to scattered farmsteads and place sheds beside them."""
    xy = point_xy(addresses)  # NaN where an address has no location
    located = np.isfinite(xy).all(axis=1)
    dwelling = addresses["gebruiksdoel"].astype("str").to_numpy() == "woonfunctie"
    sheds: list[np.ndarray] = []
    rural = buurten[buurten["name"].str.lower().str.startswith("buitengebied")]
    for _, polygon in sorted(zip(rural["code"], rural.geometry, strict=True)):
        inside = located & dwelling & shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
        idx = np.flatnonzero(inside)
        if len(idx) == 0:
            continue
        move = rng.choice(idx, size=round(FARM_SHARE * len(idx)), replace=False)
        farms = _uniform_points(polygon, len(move), rng)
        xy[move] = farms
        k = rng.integers(SHEDS_PER_FARM[0], SHEDS_PER_FARM[1] + 1, len(farms))
        base = np.repeat(farms, k, axis=0)
        r = rng.uniform(*SHED_DISTANCE_M, len(base))
        theta = rng.uniform(0, 2 * np.pi, len(base))
        shed = base + np.column_stack([r * np.cos(theta), r * np.sin(theta)])
        sheds.append(shed[shapely.contains_xy(polygon, shed[:, 0], shed[:, 1])])
    return xy, sheds


def generate(out_dir: Path, seed: int = SEED) -> dict:
    """Write ``units.parquet`` and ``planted.json`` to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed).
    seed
        Seed of every random draw; the same seed gives the same files.

    Returns
    -------
    dict
        The contents of ``planted.json`` plus ``units`` (rows written) and the paths.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wijken, buurten, parks, population = _read_geodata()
    addresses = synthesize_addresses(
        wijken, parks, seed=seed, buurten=buurten, buurt_population=population
    )
    rng = np.random.default_rng(seed + 1)

    xy, sheds = _farmsteads(addresses, buurten, rng)
    park_polygon = buurten[buurten["code"].isin(BUSINESS_PARK_BUURTEN)].geometry.union_all()
    park_xy = sample_points_in_polygon(
        park_polygon, BUSINESS_PARK_OBJECTS, rng, n_clusters=5, spread_m=200.0
    )
    park_use = rng.choice(
        ["industriefunctie", "kantoorfunctie"], size=len(park_xy), p=[0.85, 0.15]
    ).astype(object)
    shed_xy = np.vstack(sheds) if sheds else np.empty((0, 2))
    all_xy = np.vstack([xy, shed_xy, park_xy])
    use = np.concatenate(
        [
            addresses["gebruiksdoel"].astype("str").to_numpy(dtype=object),
            np.full(len(shed_xy), "industriefunctie", dtype=object),
            park_use,
        ]
    ).astype(str)
    n = len(all_xy)
    located = np.isfinite(all_xy).all(axis=1)

    # The risk-factor flags, derived from use and location only (as from the BAG).
    tree = cKDTree(all_xy[located])
    neighbours = np.zeros(n, dtype=np.int64)
    neighbours[located] = [
        len(hits) - 1 for hits in tree.query_ball_point(all_xy[located], NEIGHBOUR_RADIUS_M)
    ]
    industrial = use == "industriefunctie"
    ind_tree = cKDTree(all_xy[located & industrial])
    industrial_near = np.zeros(n, dtype=np.int64)
    industrial_near[located] = [
        len(hits) for hits in ind_tree.query_ball_point(all_xy[located], NEIGHBOUR_RADIUS_M)
    ]
    industrial_near -= industrial.astype(np.int64)  # not counting the object itself
    remote_shed = located & industrial & (neighbours < REMOTE_MAX_NEIGHBOURS)
    business_park = (
        located
        & np.isin(use, ["industriefunctie", "kantoorfunctie"])
        & (industrial_near >= PARK_MIN_INDUSTRIAL)
        & (industrial_near >= PARK_MIN_INDUSTRIAL_SHARE * np.maximum(neighbours, 1))
        & ~remote_shed
    )

    # The plant: the point of the rural buurt with the most remote sheds within the radius.
    polygon = buurten.loc[buurten["code"] == PLANT_BUURT].geometry.iloc[0]
    shed_pts = all_xy[remote_shed]
    in_buurt = shed_pts[shapely.contains_xy(polygon, shed_pts[:, 0], shed_pts[:, 1])]
    shed_tree = cKDTree(shed_pts)
    around = [len(h) for h in shed_tree.query_ball_point(in_buurt, PLANT_RADIUS_M)]
    centre = np.round(in_buurt[int(np.argmax(around))], -1)
    control_polygon = buurten.loc[buurten["code"] == CONTROL_BUURT].geometry.iloc[0]
    control_point = control_polygon.representative_point()
    control = np.round([control_point.x, control_point.y], -1)
    d = np.hypot(all_xy[:, 0] - centre[0], all_xy[:, 1] - centre[1])
    in_plant = located & (d <= PLANT_RADIUS_M)

    p = np.where(use == "woonfunctie", P_DWELLING, P_OTHER)
    p[business_park] = P_BUSINESS_PARK
    p[remote_shed] = P_REMOTE_SHED
    p[in_plant] = np.where(remote_shed[in_plant], PLANT_P_SHED, PLANT_P_OTHER)
    drug_incident = located & (rng.random(n) < p)

    geometry = np.array([None] * n, dtype=object)
    geometry[located] = shapely.points(all_xy[located])
    units = gpd.GeoDataFrame(
        {
            "address_id": [f"SYNDRG{i:08d}" for i in range(n)],
            "object_type": "verblijfsobject",
            "gebruiksdoel": use,
            "remote_shed": remote_shed,
            "business_park": business_park,
            "drug_incident": drug_incident,
            "synthetic": True,
        },
        geometry=gpd.GeoSeries(geometry, crs=28992),
    )
    units_path = out_dir / "units.parquet"
    units.to_parquet(units_path)

    def summary(mask: np.ndarray) -> dict[str, float | int]:
        return {
            "addresses": int(mask.sum()),
            "remote_sheds": int((mask & remote_shed).sum()),
            "drug_incidents": int((mask & drug_incident).sum()),
            "incident_rate_pct": round(100 * float(drug_incident[mask].mean()), 3),
        }

    planted = {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "gemeente": GEMEENTE,
        "seed": seed,
        "plant": {
            "buurt": PLANT_BUURT,
            "centre_rd": [float(centre[0]), float(centre[1])],
            "radius_m": PLANT_RADIUS_M,
            "p_incident_remote_shed": PLANT_P_SHED,
            "p_incident_other": PLANT_P_OTHER,
            "realised": summary(in_plant),
        },
        "control": {
            "buurt": CONTROL_BUURT,
            "centre_rd": [float(control[0]), float(control[1])],
            "radius_m": CONTROL_RADIUS_M,
            "realised": summary(
                located
                & (
                    np.hypot(all_xy[:, 0] - control[0], all_xy[:, 1] - control[1])
                    <= CONTROL_RADIUS_M
                )
            ),
        },
        "business_park": {
            "buurten": list(BUSINESS_PARK_BUURTEN),
            "objects": int(business_park.sum()),
        },
        "background": {
            "p_incident": {
                "dwelling": P_DWELLING,
                "other": P_OTHER,
                "business_park": P_BUSINESS_PARK,
                "remote_shed": P_REMOTE_SHED,
            },
            "realised": summary(located & ~in_plant),
        },
    }
    planted_path = out_dir / "planted.json"
    planted_path.write_text(json.dumps(planted, indent=2), encoding="utf-8")
    return {**planted, "units": n, "paths": [str(units_path), str(planted_path)]}


def main() -> None:
    """Command line: write the files and print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="output folder")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args()
    info = generate(args.out, args.seed)
    inside, outside = info["plant"]["realised"], info["background"]["realised"]
    print(
        f"SYNTHETIC drugs units for {GEMEENTE}: {info['units']} addresses "
        f"({outside['remote_sheds'] + inside['remote_sheds']} remote sheds, "
        f"{info['business_park']['objects']} on the business park) -> {args.out}/units.parquet; "
        f"planted {PLANT_RADIUS_M:.0f} m around {info['plant']['centre_rd']} in {PLANT_BUURT}: "
        f"{inside['drug_incidents']} incidents on {inside['addresses']} addresses "
        f"({inside['incident_rate_pct']} % vs {outside['incident_rate_pct']} % elsewhere)"
    )


if __name__ == "__main__":
    main()
