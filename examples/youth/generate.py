"""Generate the SYNTHETIC unit table of the youth example (gemeente Ede, GM0228).

Everything this script writes is **synthetic**: no record describes a real person, household
or address. It is generated from a fixed seed and shaped by real open data only:

* the number of young people (12–23 years) per wijk follows the real CBS 2022 key figures
  (``population`` × ``pop_15_24`` %, scaled from the 10 years 15–24 to the 12 years 12–23) in
  ``geodata/cbs/wijken_gemeenten_2022.gpkg`` (layer ``NLD_dist``);
* they live at synthetic residential addresses made by :func:`zicht.synthetic.synthesize_addresses`
  (dwellings per wijk follow CBS ``dwelling_total``, spread over the CBS 2014 buurten by their
  2024 population), one to three young people per household.

Attributes per person: ``age`` (12–23), ``school_dropout`` (voortijdig schoolverlaten; only
possible from age 16, so the indicator uses the 16–23 year olds as its denominator),
``household_debts`` (lives in a household with problematic debts; shared by the young people
of one household, more frequent in wijken with a larger CBS share of low incomes) and
``youth_care`` (receives youth care under the Jeugdwet; only up to age 17). There is no
protected attribute (no ethnicity, migration background, nationality, country of birth or
religion), not even synthetic.

What is planted, and why: for young people living within ``PLANTED_RADIUS_M`` of a point
inside one CBS 2014 buurt (``PLANTED_BUURT``, De Steinen in Ede-Veldhuizen) the odds of
school dropout are multiplied by ``PLANTED_ODDS``, so that the published, empirical-Bayes
smoothed dropout rate of that buurt stands out and Gi* finds a hot spot on the H3 cells
around it. A plant of a single small buurt (about 250 young people of 16–23) is too weak to
be told from chance on H3 cells: the global empirical-Bayes estimator then shrinks every cell
to the mean. ``CONTROL_BUURT`` (Elskamp, 2.5 km away, of similar size) gets no plant. A test
checks that the published output recovers the plant and not the control.

Usage::

    python examples/youth/generate.py [--out DIR] [--seed N]

writes ``DIR/units.parquet`` (GeoParquet, EPSG:28992, one point per person) and
``DIR/planted.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.config import load_config
from zicht.pipeline import read_study_area
from zicht.synthetic import synthesize_addresses

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
DEFAULT_SEED = 20250228

GEMEENTE = "GM0228"
PLANTED_BUURT = "BU02280303"  # De Steinen (Ede-Veldhuizen): the centre of the plant
CONTROL_BUURT = "BU02281101"  # Elskamp (Maandereng), 2.5 km away, similar size, no plant
#: Radius in metres, around a point inside the planted buurt, of the planted cluster.
PLANTED_RADIUS_M = 600.0
#: Odds ratio of school dropout inside the planted cluster.
PLANTED_ODDS = 8.0
#: Yearly dropout probability of a 16–23 year old without household debts, elsewhere.
BASE_DROPOUT = 0.025
#: Odds ratio of dropout for a young person in a household with problematic debts.
DEBT_ODDS = 2.0
#: Share of youth-care clients among 12–17 year olds (without debts).
BASE_YOUTH_CARE = 0.09
#: Years 12–23 against the 10 years of the CBS age group 15–24.
AGE_SCALE = 12 / 10

SYNTHETIC_LABEL = (
    "SYNTHETIC DATA (zicht example 'youth'): young people generated from a fixed seed; "
    "numbers per wijk follow real CBS 2022 key figures, but no record describes a real person."
)


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _households(
    addresses: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw the young people of every wijk into households at residential addresses."""
    homes = addresses[addresses["gebruiksdoel"] == "woonfunctie"]
    homes = homes[homes.geometry.notna() & ~homes.geometry.is_empty]
    homes = gpd.sjoin(homes, wijken[["code", "income_low", "geometry"]], predicate="within")
    rows: list[pd.DataFrame] = []
    for wijk in wijken.sort_values("code").itertuples():
        share = wijk.pop_15_24 if pd.notna(wijk.pop_15_24) else 12.0
        n_young = round(float(wijk.population) * share / 100.0 * AGE_SCALE)
        here = homes[homes["code"] == wijk.code].sort_values("address_id")
        if n_young == 0 or here.empty:
            continue
        # 1–3 young people per household; households at distinct addresses.
        sizes = rng.choice([1, 2, 3], size=n_young, p=[0.5, 0.38, 0.12])
        sizes = sizes[np.cumsum(sizes) <= n_young]
        if sizes.sum() < n_young:
            sizes = np.append(sizes, n_young - sizes.sum())
        n_hh = min(len(sizes), len(here))
        sizes = sizes[:n_hh]
        sizes[-1] += n_young - sizes.sum()
        picked = here.iloc[rng.choice(len(here), size=n_hh, replace=False)]
        rows.append(
            pd.DataFrame(
                {
                    "household": picked["address_id"].to_numpy(),
                    "size": sizes,
                    "x": picked.geometry.x.to_numpy(),
                    "y": picked.geometry.y.to_numpy(),
                    "wijk_code": wijk.code,
                    "income_low": float(wijk.income_low) if pd.notna(wijk.income_low) else np.nan,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def generate(out_dir: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict:
    """Write the synthetic persons and what was planted.

    Parameters
    ----------
    out_dir
        Folder for ``units.parquet`` and ``planted.json`` (created if needed).
    seed
        Seed of every random draw; the same seed gives the same files.

    Returns
    -------
    dict
        The content of ``planted.json`` (plant, control, rates, counts, paths).
    """
    rng = np.random.default_rng(seed)
    # the 2022 wijken and 2014 buurten of this example's config, as `zicht run` reads them
    config = load_config(HERE / "config.toml")
    area = read_study_area(config)
    wijken, buurten = area["wijk"], area["buurt"]
    population = pd.read_csv(config.inputs.resolve("cbs/buurt_population_2024.csv"))
    weights = population.set_index("nhood_id")["population"]
    no_parks = gpd.GeoDataFrame(
        {"park_id": pd.Series([], dtype="str"), "location_trusted": pd.Series([], dtype=bool)},
        geometry=gpd.GeoSeries([], crs=wijken.crs),
    )
    addresses = synthesize_addresses(
        wijken, no_parks, seed=seed, buurten=buurten, buurt_population=weights
    )
    households = _households(addresses, wijken, rng)

    # Household-level debts: more frequent where CBS counts more low incomes.
    low = households["income_low"].fillna(households["income_low"].median()).to_numpy()
    p_debt = _expit(_logit(0.07) + 0.06 * (low - 38.0))
    households["household_debts"] = rng.random(len(households)) < p_debt

    persons = households.loc[households.index.repeat(households["size"])].reset_index(drop=True)
    n = len(persons)
    age = rng.integers(12, 24, size=n)
    debts = persons["household_debts"].to_numpy(dtype=bool)
    points = gpd.points_from_xy(persons["x"], persons["y"], crs=wijken.crs)
    frame = gpd.GeoDataFrame({"age": age}, geometry=points, crs=wijken.crs)
    in_buurt = gpd.sjoin(
        frame[["geometry"]], buurten[["code", "geometry"]], predicate="within", how="left"
    )
    buurt_code = in_buurt.groupby(level=0)["code"].first().reindex(frame.index)
    centre = buurten.set_index("code").geometry[PLANTED_BUURT].representative_point()
    planted = (frame.distance(centre) <= PLANTED_RADIUS_M).to_numpy()
    in_planted_buurt = (buurt_code == PLANTED_BUURT).to_numpy()
    control = (buurt_code == CONTROL_BUURT).to_numpy()
    covered = buurt_code[planted].value_counts()

    eta = _logit(BASE_DROPOUT) + np.log(DEBT_ODDS) * debts + np.log(PLANTED_ODDS) * planted
    eligible = age >= 16
    dropout = eligible & (rng.random(n) < _expit(eta))
    eta_care = _logit(BASE_YOUTH_CARE) + np.log(1.8) * debts
    youth_care = (age <= 17) & (rng.random(n) < _expit(eta_care))

    frame = frame.assign(
        person_id=[f"SYNP{i:07d}" for i in range(n)],
        school_dropout=dropout,
        household_debts=debts,
        youth_care=youth_care,
        synthetic=np.ones(n, dtype=bool),
    )[
        [
            "person_id",
            "age",
            "school_dropout",
            "household_debts",
            "youth_care",
            "synthetic",
            "geometry",
        ]
    ]

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units_path = out_dir / "units.parquet"
    frame.to_parquet(units_path)

    def tally(mask: np.ndarray) -> dict[str, float | int]:
        base = int((mask & eligible).sum())
        cases = int((mask & dropout).sum())
        return {
            "persons": int(mask.sum()),
            "persons_16_23": base,
            "school_dropout": cases,
            "dropout_rate_pct": round(100.0 * cases / base, 2) if base else None,
        }

    names = buurten.set_index("code")["name"]
    info = {
        "synthetic": True,
        "note": SYNTHETIC_LABEL,
        "seed": seed,
        "gemeente": GEMEENTE,
        "units": units_path.name,
        "persons": n,
        "indicator": "school_dropout",
        "planted": {
            "what": "school dropout odds multiplied for persons living within radius_m of "
            "a point inside the buurt",
            "buurt_code": PLANTED_BUURT,
            "buurt_name": str(names.get(PLANTED_BUURT, "")),
            "point_rd": [round(centre.x, 1), round(centre.y, 1)],
            "radius_m": PLANTED_RADIUS_M,
            "odds_ratio": PLANTED_ODDS,
            "persons_per_buurt_in_radius": {str(k): int(v) for k, v in covered.items()},
            **tally(planted),
            "in_planted_buurt": tally(in_planted_buurt),
        },
        "control": {
            "what": "a buurt of similar size with nothing planted",
            "buurt_code": CONTROL_BUURT,
            "buurt_name": str(names.get(CONTROL_BUURT, "")),
            **tally(control),
        },
        "elsewhere": tally(~planted),  # outside the planted radius
        "household_debts_pct": round(100.0 * float(debts.mean()), 2),
        "youth_care_pct_12_17": round(100.0 * float(youth_care[age <= 17].mean()), 2),
    }
    (out_dir / "planted.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def main() -> None:
    """Command line: ``python examples/youth/generate.py [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args()
    info = generate(args.out, args.seed)
    p, c = info["planted"], info["control"]
    print(
        f"youth (SYNTHETIC): {info['persons']} persons in {GEMEENTE} -> {info['units']}; "
        f"planted dropout within {p['radius_m']:g} m of {p['buurt_code']} "
        f"{p['dropout_rate_pct']} % "
        f"({p['school_dropout']}/{p['persons_16_23']}), control {c['buurt_code']} "
        f"{c['dropout_rate_pct']} %, elsewhere {info['elsewhere']['dropout_rate_pct']} %"
    )


if __name__ == "__main__":
    main()
