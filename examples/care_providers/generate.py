"""Generate the SYNTHETIC unit table of the care-providers example (gemeente Apeldoorn, GM0200).

Everything this script writes is **synthetic**: no record describes a real company, director
or address. It is generated from a fixed seed and shaped by real open data only: the number
of care providers per CBS buurt follows its real 2024 population
(``geodata/cbs/buurt_population_2024.csv``, boundaries ``Buurt_2014_layer_q1e3.json``), and
every provider gets a business location inside its buurt, clustered like offices and
practices (:func:`zicht.synthetic.sample_points_in_polygon`).

One row per care provider (zorgaanbieder under the Wmo or the Jeugdwet) with:

* ``company_id`` — a synthetic id (``SYNC…``);
* ``conviction`` — the provider or one of its directors has a relevant conviction
  (synthetic; about 3 % of providers);
* ``clients`` and ``claims_keur`` — clients and claims in thousands of euros per year, used
  here only to derive the next column;
* ``claims_high`` — the provider's claims per client are above the 90th percentile of
  comparable providers nationally (the *sector norm*, computed here from a synthetic
  national reference sample);
* ``claims_excess_keur`` — the claims above what the sector norm allows for the provider's
  clients (thousands of euros, 0 at or below the norm): how much higher it claims than the
  sector. zicht publishes its sum and the claims per client per area as magnitudes, under
  the p% and dominance rules on the contributions of each provider.

What is planted, and why:

(a) ``PLANTED_BUURT`` (Componistenkwartier, Apeldoorn-Zuid): a cluster of ``PLANTED_N``
    extra providers within ``PLANTED_RADIUS_M`` of a point in the buurt,
    ``PLANTED_CONVICTED`` of them with a conviction and ``PLANTED_HIGH`` with claims far above
    the norm (``PLANTED_BOTH`` with both), so that the published shares of that buurt stand
    out, while ``CONTROL_BUURT`` (Matenhoeve, of similar size) shows the background rates;
(b) ``FEW_BUURT`` (Orden): exactly ``FEW_CONVICTED`` convicted providers among many, so
    that the company rule (at least ``min_companies`` = 3 contributing companies) keeps the
    conviction figure of that buurt unpublished while its other figures are published.

Usage::

    python examples/care_providers/generate.py [--out DIR] [--seed N]

writes ``DIR/units.parquet`` (GeoParquet, EPSG:28992, one point per provider) and
``DIR/planted.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zicht.config import load_config
from zicht.pipeline import read_study_area
from zicht.synthetic import sample_points_in_polygon

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
DEFAULT_SEED = 20250200

GEMEENTE = "GM0200"
#: Residents per care provider (Wmo and Jeugdwet together; synthetic, order of magnitude).
RESIDENTS_PER_PROVIDER = 300
#: Share of providers with a relevant conviction, background.
BASE_CONVICTION = 0.03

PLANTED_BUURT = "BU02000404"  # Componistenkwartier (wijk Zuid)
CONTROL_BUURT = "BU02000504"  # Matenhoeve (wijk Zuidoost): similar size, nothing planted
PLANTED_N = 14
PLANTED_CONVICTED = 8
PLANTED_HIGH = 9
PLANTED_BOTH = 6
PLANTED_RADIUS_M = 300.0

FEW_BUURT = "BU02000206"  # Orden (wijk West)
FEW_CONVICTED = 2

#: The sector norm: claims per client (thousand euros per year), lognormal.
NORM_MEDIAN_KEUR = 9.0
NORM_SIGMA = 0.45
NORM_PERCENTILE = 90.0

SYNTHETIC_LABEL = (
    "SYNTHETIC DATA (zicht example 'care_providers'): care providers generated from a fixed "
    "seed; numbers per buurt follow real CBS 2024 population, but no record describes a real "
    "company or person."
)


def _read_buurten() -> gpd.GeoDataFrame:
    """Return the CBS 2014 buurten of the study area (EPSG:28992) with their 2024 population.

    The buurten are those of this example's ``config.toml``, read as ``zicht run`` reads them.
    """
    config = load_config(HERE / "config.toml")
    buurten = read_study_area(config)["buurt"]
    population = pd.read_csv(config.inputs.resolve("cbs/buurt_population_2024.csv"))
    weights = population.set_index("nhood_id")["population"]
    buurten["population"] = buurten["code"].map(weights).fillna(0.0)
    return buurten.sort_values("code").reset_index(drop=True)


def _points_near(
    polygon: shapely.Geometry,
    centre: shapely.Point,
    n: int,
    radius_m: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw ``n`` points within ``radius_m`` of ``centre`` and inside ``polygon``."""
    out = np.empty((0, 2))
    while len(out) < n:
        r = radius_m * np.sqrt(rng.uniform(0, 1, 4 * n))
        theta = rng.uniform(0, 2 * np.pi, 4 * n)
        xy = np.column_stack([centre.x + r * np.cos(theta), centre.y + r * np.sin(theta)])
        out = np.vstack([out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return out[:n]


def generate(out_dir: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict:
    """Write the synthetic care providers and what was planted.

    Parameters
    ----------
    out_dir
        Folder for ``units.parquet`` and ``planted.json`` (created if needed).
    seed
        Seed of every random draw; the same seed gives the same files.

    Returns
    -------
    dict
        The content of ``planted.json`` (plants, control, sector norm, counts per buurt).
    """
    rng = np.random.default_rng(seed)
    buurten = _read_buurten()
    geoms = buurten.set_index("code").geometry

    # The sector norm from a synthetic national reference sample of comparable providers.
    reference = rng.lognormal(np.log(NORM_MEDIAN_KEUR), NORM_SIGMA, size=20_000)
    norm = float(np.percentile(reference, NORM_PERCENTILE))

    xy_parts: list[np.ndarray] = []
    buurt_parts: list[np.ndarray] = []
    for code, geom, population in zip(
        buurten["code"], buurten.geometry, buurten["population"], strict=True
    ):
        n = int(rng.poisson(float(population) / RESIDENTS_PER_PROVIDER))
        xy_parts.append(sample_points_in_polygon(geom, n, rng, n_clusters=2, spread_m=150.0))
        buurt_parts.append(np.full(n, code, dtype=object))
    n_background = sum(len(p) for p in xy_parts)

    # (a) the planted cluster in PLANTED_BUURT.
    centre = geoms[PLANTED_BUURT].representative_point()
    xy_parts.append(_points_near(geoms[PLANTED_BUURT], centre, PLANTED_N, PLANTED_RADIUS_M, rng))
    buurt_parts.append(np.full(PLANTED_N, PLANTED_BUURT, dtype=object))
    xy = np.vstack(xy_parts)
    buurt = np.concatenate(buurt_parts)
    n = len(xy)
    planted = np.arange(n) >= n_background

    clients = 1 + rng.negative_binomial(2, 2 / (2 + 24.0), size=n)
    per_client = rng.lognormal(np.log(NORM_MEDIAN_KEUR), NORM_SIGMA, size=n)
    conviction = rng.random(n) < BASE_CONVICTION
    # In the cluster: PLANTED_BOTH providers with both signals, the rest of each signal on
    # other providers, everyone else clean and at most at the norm.
    idx = rng.permutation(np.flatnonzero(planted))
    convicted = idx[:PLANTED_CONVICTED]
    high = np.concatenate(
        [
            idx[:PLANTED_BOTH],
            idx[PLANTED_CONVICTED : PLANTED_CONVICTED + PLANTED_HIGH - PLANTED_BOTH],
        ]
    )
    conviction[idx] = False
    conviction[convicted] = True
    per_client[idx] = np.minimum(per_client[idx], norm * 0.95)
    per_client[high] = norm * rng.uniform(1.8, 3.5, size=len(high))

    # (b) exactly FEW_CONVICTED convicted providers in FEW_BUURT.
    few = np.flatnonzero(buurt == FEW_BUURT)
    conviction[few] = False
    conviction[rng.choice(few, size=FEW_CONVICTED, replace=False)] = True

    claims_keur = np.maximum(1, np.round(clients * per_client)).astype("int64")
    claims_high = claims_keur / clients > norm
    claims_excess = np.maximum(0.0, claims_keur - norm * clients).round(1)

    frame = gpd.GeoDataFrame(
        {
            "company_id": [f"SYNC{i:06d}" for i in range(n)],
            "conviction": conviction,
            "clients": clients.astype("int64"),
            "claims_keur": claims_keur,
            "claims_high": claims_high,
            "claims_excess_keur": claims_excess,
            "synthetic": np.ones(n, dtype=bool),
        },
        geometry=gpd.GeoSeries(shapely.points(xy), crs=buurten.crs),
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units_path = out_dir / "units.parquet"
    frame.to_parquet(units_path)

    def tally(mask: np.ndarray) -> dict[str, float | int | None]:
        k = int(mask.sum())
        return {
            "providers": k,
            "conviction": int(conviction[mask].sum()),
            "claims_high": int(claims_high[mask].sum()),
            "conviction_and_claims_high": int((conviction & claims_high)[mask].sum()),
            "conviction_pct": round(100.0 * float(conviction[mask].mean()), 1) if k else None,
            "claims_high_pct": round(100.0 * float(claims_high[mask].mean()), 1) if k else None,
        }

    names = buurten.set_index("code")["name"]
    info = {
        "synthetic": True,
        "note": SYNTHETIC_LABEL,
        "seed": seed,
        "gemeente": GEMEENTE,
        "units": units_path.name,
        "providers": n,
        "sector_norm": {
            "what": f"P{NORM_PERCENTILE:g} of claims per client of a synthetic national "
            "reference sample (20,000 providers)",
            "claims_per_client_keur": round(norm, 2),
        },
        "planted": {
            "what": "extra providers, many with a conviction and claims far above the norm",
            "buurt_code": PLANTED_BUURT,
            "buurt_name": str(names[PLANTED_BUURT]),
            "point_rd": [round(centre.x, 1), round(centre.y, 1)],
            "radius_m": PLANTED_RADIUS_M,
            "cluster": tally(planted),
            "buurt": tally(buurt == PLANTED_BUURT),
        },
        "control": {
            "what": "a buurt of similar size with nothing planted",
            "buurt_code": CONTROL_BUURT,
            "buurt_name": str(names[CONTROL_BUURT]),
            "buurt": tally(buurt == CONTROL_BUURT),
        },
        "few_convicted": {
            "what": f"exactly {FEW_CONVICTED} convicted providers: below min_companies",
            "buurt_code": FEW_BUURT,
            "buurt_name": str(names[FEW_BUURT]),
            "buurt": tally(buurt == FEW_BUURT),
        },
        "all": tally(np.ones(n, dtype=bool)),
        "per_buurt": {str(c): tally(buurt == c) for c in buurten["code"]},
    }
    (out_dir / "planted.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def main() -> None:
    """Command line: ``python examples/care_providers/generate.py [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args()
    info = generate(args.out, args.seed)
    p, c, f = info["planted"]["buurt"], info["control"]["buurt"], info["few_convicted"]["buurt"]
    print(
        f"care_providers (SYNTHETIC): {info['providers']} providers in {GEMEENTE} -> "
        f"{info['units']}; planted {PLANTED_BUURT}: {p['conviction']}/{p['providers']} "
        f"convicted, {p['claims_high']} high claims; control {CONTROL_BUURT}: "
        f"{c['conviction']}/{c['providers']}; {FEW_BUURT}: {f['conviction']}/{f['providers']} "
        "convicted"
    )


if __name__ == "__main__":
    main()
