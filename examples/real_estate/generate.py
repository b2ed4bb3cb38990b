"""Generate the SYNTHETIC unit data of the real-estate example (gemeente Apeldoorn).

Everything this script writes is **synthetic**. The addresses come from
:func:`zicht.synthetic.synthesize_addresses`: their number per wijk follows the real CBS 2022
``dwelling_total`` of gemeente Apeldoorn (GM0200), spread over the real CBS buurten, plus
recreational homes around the real holiday-park locations. No record describes a real
address, owner or purchase.

Three flags per address are drawn from a fixed seed:

``vacant``
    long-term no registered resident (about 2.5 % of dwellings, more of offices and shops);
``purchased_recently``
    the object changed owner in the last two years (about 9 % of dwellings);
``purchase_unexplained``
    a recent purchase whose financing cannot be explained from the buyer's registered income
    or mortgage (about 3 % of recent purchases); only ever true where
    ``purchased_recently`` is true.

One hot spot is **planted** so that a test can check that the pipeline finds it: within a
compact circle (radius 600 m) around the densest residential point of buurt Zevenhuizen
(``BU02000701``), vacancy is 4 times and the share of unexplained purchases 7 times the
background, and recent purchases are 1.5 times as frequent. ``planted.json`` records the
centre, radius, buurt, the rates used and the rates realised inside and outside the circle,
and a control circle far away (Ugchelen, south-west) where nothing is planted.

Run ``python examples/real_estate/generate.py [--out DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from zicht.indicators._compute import point_xy
from zicht.pipeline import read_study_area
from zicht.synthetic import SYNTHETIC_NOTE, synthesize_addresses

GEMEENTE = "GM0200"
SEED = 20200
HERE = Path(__file__).resolve().parent

#: Buurt that holds the planted cluster (Zevenhuizen, a residential buurt of Apeldoorn-Noordoost).
PLANT_BUURT = "BU02000701"
PLANT_RADIUS_M = 600.0
#: Control circle where nothing is planted: Ugchelen, about 4.5 km south-west of the plant.
CONTROL_BUURT = "BU02000301"
CONTROL_RADIUS_M = 600.0

#: Background probabilities per use (dwellings; other uses where they differ).
P_VACANT = {"woonfunctie": 0.025, "kantoorfunctie": 0.08, "winkelfunctie": 0.06}
P_VACANT_OTHER = 0.04
P_PURCHASED = {"woonfunctie": 0.09}
P_PURCHASED_OTHER = 0.04
P_UNEXPLAINED = 0.03
#: Multipliers inside the planted circle.
PLANT_VACANT_X = 4.0
PLANT_PURCHASED_X = 1.5
PLANT_UNEXPLAINED_X = 7.0


def _densest_point(xy: np.ndarray, candidates: np.ndarray, radius: float) -> np.ndarray:
    """Return the candidate point with the most points of ``xy`` within ``radius``."""
    tree = cKDTree(xy)
    counts = np.array([len(tree.query_ball_point(p, radius)) for p in candidates])
    return candidates[int(np.argmax(counts))]


def _probability(use: np.ndarray, table: dict[str, float], other: float) -> np.ndarray:
    return np.array([table.get(u, other) for u in use], dtype=float)


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
    # the real boundaries and park locations of the study area, as `zicht run` reads them
    area = read_study_area(HERE / "config.toml")
    wijken, buurten, parks = area["wijk"], area["buurt"], area["parks"]
    addresses = synthesize_addresses(wijken, parks, seed=seed, buurten=buurten)
    rng = np.random.default_rng(seed + 1)

    xy = point_xy(addresses)  # NaN where an address has no location
    located = np.isfinite(xy).all(axis=1)
    use = addresses["gebruiksdoel"].astype("str").to_numpy()
    dwelling = use == "woonfunctie"

    def centre_in(code: str, radius: float) -> np.ndarray:
        polygon = buurten.loc[buurten["code"] == code].geometry.iloc[0]
        inside = located & dwelling & shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
        return np.round(_densest_point(xy[located & dwelling], xy[inside], radius), -1)

    centre = centre_in(PLANT_BUURT, PLANT_RADIUS_M)
    control = centre_in(CONTROL_BUURT, CONTROL_RADIUS_M)
    d_plant = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1])
    in_plant = located & (d_plant <= PLANT_RADIUS_M)

    p_vacant = _probability(use, P_VACANT, P_VACANT_OTHER)
    p_purchased = _probability(use, P_PURCHASED, P_PURCHASED_OTHER)
    p_unexplained = np.full(len(addresses), P_UNEXPLAINED)
    p_vacant[in_plant] *= PLANT_VACANT_X
    p_purchased[in_plant] *= PLANT_PURCHASED_X
    p_unexplained[in_plant] *= PLANT_UNEXPLAINED_X

    vacant = rng.random(len(addresses)) < p_vacant
    purchased = rng.random(len(addresses)) < p_purchased
    unexplained = purchased & (rng.random(len(addresses)) < p_unexplained)

    units = gpd.GeoDataFrame(
        {
            "address_id": addresses["address_id"].astype("str"),
            "object_type": "verblijfsobject",
            "gebruiksdoel": addresses["gebruiksdoel"].astype("str"),
            "vacant": vacant,
            "purchased_recently": purchased,
            "purchase_unexplained": unexplained,
            "synthetic": True,
        },
        geometry=addresses.geometry,
        crs=28992,
    )
    units_path = out_dir / "units.parquet"
    units.to_parquet(units_path)

    def rates(mask: np.ndarray) -> dict[str, float | int]:
        n_purchased = int(purchased[mask].sum())
        return {
            "addresses": int(mask.sum()),
            "vacant_pct": round(100 * float(vacant[mask].mean()), 2),
            "purchased_recently": n_purchased,
            "unexplained_among_purchases_pct": round(
                100 * float(unexplained[mask].sum()) / max(n_purchased, 1), 2
            ),
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
            "multipliers": {
                "vacant": PLANT_VACANT_X,
                "purchased_recently": PLANT_PURCHASED_X,
                "purchase_unexplained": PLANT_UNEXPLAINED_X,
            },
            "realised": rates(in_plant),
        },
        "control": {
            "buurt": CONTROL_BUURT,
            "centre_rd": [float(control[0]), float(control[1])],
            "radius_m": CONTROL_RADIUS_M,
        },
        "background": {
            "p_vacant": P_VACANT | {"other": P_VACANT_OTHER},
            "p_purchased_recently": P_PURCHASED | {"other": P_PURCHASED_OTHER},
            "p_unexplained_given_purchase": P_UNEXPLAINED,
            "realised": rates(located & ~in_plant),
        },
    }
    planted_path = out_dir / "planted.json"
    planted_path.write_text(json.dumps(planted, indent=2), encoding="utf-8")
    return {**planted, "units": len(units), "paths": [str(units_path), str(planted_path)]}


def main() -> None:
    """Command line: write the files and print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="output folder")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args()
    info = generate(args.out, args.seed)
    inside, outside = info["plant"]["realised"], info["background"]["realised"]
    print(
        f"SYNTHETIC real-estate units for {GEMEENTE}: {info['units']} addresses -> "
        f"{args.out}/units.parquet; planted {PLANT_RADIUS_M:.0f} m around "
        f"{info['plant']['centre_rd']} in {PLANT_BUURT}: vacancy {inside['vacant_pct']} % vs "
        f"{outside['vacant_pct']} %, unexplained purchases "
        f"{inside['unexplained_among_purchases_pct']} % vs "
        f"{outside['unexplained_among_purchases_pct']} %"
    )


if __name__ == "__main__":
    main()
