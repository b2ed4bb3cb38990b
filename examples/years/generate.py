"""Generate the SYNTHETIC units of the years example: Renkum (GM0274), 2020-2024.

Everything this script writes is **synthetic**. The addresses come from
:func:`zicht.synthetic.synthesize_addresses` (their number per wijk follows the real CBS
``dwelling_total`` of Renkum) and stay the same five years; only the flag ``signal`` (a
registered signal of subversive crime at the address in that year) changes:

* **background**: 2 % of the addresses outside the three zones below, the same addresses
  every year;
* **emerging** (a cell and its six neighbours): no signals in 2020 and 2021, then 25 %,
  35 % and 45 % of the addresses of every cell from 2022;
* **fading**: 85 %, 36 %, 32 %, 28 %, 24 % (a steep first fall: with ArcGIS's default
  Neighborhood Time Step of 1 the first year's Gi* window holds one year and the second's
  two, so a gentle fall would not give falling z-scores; the last year stays a hot spot);
* **staying**: 30 % every year.

Within a zone the flagged addresses of each cell (and buurt) are a prefix of one fixed
random order, and their number is a multiple of 5: from one year to the next a cell gains
or loses 0 or at least 5 signals, never 1 to 4 (a change of one or two units between two
releases could be read off their difference; see docs/years.md). The zones (cells wholly
inside one buurt) lie at least 4 cells apart, away from the split buurt.

**A boundary change**: the boundaries of vintage 2020 (used for 2020 and 2021) have two
adjacent real buurten of one wijk as one buurt with a made-up code; from vintage 2022 they
are the two real buurten. ``code_changes.csv`` maps the old code onto both (no share given:
the run weighs them by area and reports it).

Writes ``data/units_<year>.parquet``, ``data/buurten_2020.gpkg``, ``data/buurten_2022.gpkg``,
``data/code_changes.csv`` and ``data/planted.json``. Run
``python examples/years/generate.py [--out DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd

from zicht.config import load_years_config
from zicht.pipeline import read_study_area
from zicht.schemas import RD_NEW
from zicht.synthetic import SYNTHETIC_NOTE, synthesize_addresses

GEMEENTE = "GM0274"
SEED = 20274
HERE = Path(__file__).resolve().parent
YEARS = (2020, 2021, 2022, 2023, 2024)
SPLIT_YEAR = 2022
RESOLUTION = 9
P_BACKGROUND = 0.02
#: Share of a zone cell's addresses with a signal, per year.
ZONES = {
    "emerging": (0.0, 0.0, 0.25, 0.35, 0.45),
    "fading": (0.85, 0.36, 0.32, 0.28, 0.24),
    "staying": (0.30, 0.30, 0.30, 0.30, 0.30),
}
#: What the emerging hot-spot analysis is expected to find in each zone (ArcGIS's rules).
EXPECTED = {
    "emerging": ("consecutive_hot", "new_hot", "intensifying_hot"),
    "fading": ("diminishing_hot",),
    "staying": ("persistent_hot",),
}
MIN_CELL = 20
ZONE_SPACING = 4


def _study_area() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Series]:
    config, _ = load_years_config(HERE / "config.toml")
    area = read_study_area(config)
    population = pd.read_csv(config.inputs.resolve("cbs/buurt_population_2024.csv"))
    people = population.set_index("nhood_id")["population"]
    return area["wijk"], area["buurt"], area["parks"], people


def _cells(points: gpd.GeoSeries) -> np.ndarray:
    wgs = points.to_crs(4326)
    out = np.full(len(points), "", dtype=object)
    ok = ~(points.is_empty | points.isna()).to_numpy()
    pairs = zip(wgs.x[ok], wgs.y[ok], strict=True)
    out[ok] = [h3.latlng_to_cell(y, x, RESOLUTION) for x, y in pairs]
    return out


def _split_pair(buurten: gpd.GeoDataFrame, counts: pd.Series) -> tuple[str, str]:
    """Two touching buurten of one wijk, each with at least 60 addresses."""
    big = buurten[buurten["code"].map(counts).fillna(0) >= 60].sort_values("code")
    for a in big.itertuples():
        for b in big.itertuples():
            if a.code < b.code and a.code[:8] == b.code[:8] and a.geometry.touches(b.geometry):
                return str(a.code), str(b.code)
    raise SystemExit("no two touching buurten of one wijk with 60 addresses each")


def _zones(cells: pd.Series, buurt: pd.Series, avoid: set[str]) -> dict[str, list[str]]:
    """Three centres whose ring-1 disks are dense cells lying wholly in one buurt each.

    (A cell cut by a buurt boundary is published in pieces, and a small piece is merged
    into a region; a zone of whole cells is published as cells.)
    """
    counts = cells[cells != ""].value_counts()
    whole = buurt[cells != ""].groupby(cells[cells != ""]).nunique() == 1
    dense = set(counts[(counts >= MIN_CELL) & whole.reindex(counts.index)].index)
    dense -= avoid
    scores = {
        c: int(sum(counts.get(n, 0) for n in h3.grid_disk(c, 1)))
        for c in dense
        if all(n in dense for n in h3.grid_disk(c, 1))
    }
    chosen: list[str] = []
    for cell in sorted(scores, key=lambda c: (-scores[c], c)):
        if all(h3.grid_distance(cell, other) >= ZONE_SPACING for other in chosen):
            chosen.append(cell)
        if len(chosen) == len(ZONES):
            break
    if len(chosen) < len(ZONES):
        raise SystemExit(f"found only {len(chosen)} zone centres {ZONE_SPACING} cells apart")
    return {kind: sorted(h3.grid_disk(c, 1)) for kind, c in zip(ZONES, chosen, strict=True)}


def _round5(x: float) -> int:
    return int(5 * round(x / 5))


def _signals(
    groups: pd.Series, zone_of: pd.Series, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    """Return the signal flag of every address in every year."""
    n = len(groups)
    background = (rng.random(n) < P_BACKGROUND) & (zone_of == "").to_numpy()
    order = pd.Series(rng.permutation(n), index=groups.index)
    rank = order.groupby(groups.to_numpy()).rank(method="first").to_numpy() - 1
    size = groups.map(groups.value_counts()).to_numpy()
    quotas = {}
    for kind, shares in ZONES.items():
        mine = (zone_of == kind).to_numpy()
        per_year = [np.array([_round5(s * share) for s in size[mine]]) for share in shares]
        for t in range(1, len(YEARS)):
            # a fall (or rise) of the share is a fall of 5 or more in every cell, so that the
            # published rates fall every year in small cells too
            if shares[t] < shares[t - 1]:
                per_year[t] = np.maximum(np.minimum(per_year[t], per_year[t - 1] - 5), 0)
            elif shares[t] > shares[t - 1]:
                per_year[t] = np.maximum(per_year[t], per_year[t - 1] + 5)
        quotas[kind] = (mine, per_year)
    out = {}
    for t, year in enumerate(YEARS):
        flag = background.copy()
        for mine, per_year in quotas.values():
            flag[mine] = rank[mine] < per_year[t]
        out[year] = flag
    return out


def generate(out_dir: Path, seed: int = SEED) -> dict:
    """Write the five unit files, both boundary vintages, the code changes and planted.json.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed).
    seed
        Seed of every random draw; the same seed gives the same files.

    Returns
    -------
    dict
        The contents of ``planted.json`` plus the paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wijken, buurten, parks, population = _study_area()
    addresses = synthesize_addresses(
        wijken, parks, seed=seed, buurten=buurten, buurt_population=population
    ).to_crs(RD_NEW)
    located = ~(addresses.geometry.is_empty | addresses.geometry.isna())
    joined = gpd.sjoin(
        addresses[located], buurten[["code", "geometry"]], predicate="within", how="left"
    )
    buurt = pd.Series("", index=addresses.index, dtype=object)
    buurt.loc[joined.index] = joined["code"].fillna("").astype(str).to_numpy()
    cells = pd.Series(_cells(addresses.geometry), index=addresses.index)
    a, b = _split_pair(buurten, buurt.value_counts())
    avoid = set(cells[buurt.isin([a, b])])
    zones = _zones(cells, buurt, avoid)
    zone_of = pd.Series("", index=addresses.index, dtype=object)
    for kind, zone_cells in zones.items():
        zone_of[cells.isin(zone_cells) & (buurt != "")] = kind
    groups = cells + "|" + buurt
    signals = _signals(groups, zone_of, np.random.default_rng(seed + 1))

    old = f"{a[:8]}99"
    merged = buurten[buurten["code"].isin([a, b])]
    names = merged.set_index("code")["name"]
    vintage_2020 = pd.concat(
        [
            buurten[~buurten["code"].isin([a, b])][["code", "name", "geometry"]],
            gpd.GeoDataFrame(
                {"code": [old], "name": [f"{names[a]} en {names[b]}"]},
                geometry=[merged.geometry.union_all()],
                crs=buurten.crs,
            ),
        ],
        ignore_index=True,
    )
    paths = {
        "buurten_2020": out_dir / "buurten_2020.gpkg",
        "buurten_2022": out_dir / "buurten_2022.gpkg",
        "code_changes": out_dir / "code_changes.csv",
    }
    gpd.GeoDataFrame(vintage_2020, crs=buurten.crs).to_crs(RD_NEW).to_file(paths["buurten_2020"])
    buurten[["code", "name", "geometry"]].to_crs(RD_NEW).to_file(paths["buurten_2022"])
    pd.DataFrame({"old_code": [old, old], "new_code": [a, b], "year": [SPLIT_YEAR] * 2}).to_csv(
        paths["code_changes"], index=False
    )
    realised: dict[str, dict[str, float]] = {kind: {} for kind in ZONES}
    for year in YEARS:
        units = gpd.GeoDataFrame(
            {
                "address_id": addresses["address_id"].to_numpy(),
                "object_type": "verblijfsobject",
                "gebruiksdoel": addresses["gebruiksdoel"].astype(str).to_numpy(),
                "signal": signals[year],
                "jaar": year,
                "synthetic": True,
            },
            geometry=addresses.geometry.to_numpy(),
            crs=RD_NEW,
        )
        paths[f"units_{year}"] = out_dir / f"units_{year}.parquet"
        units.to_parquet(paths[f"units_{year}"])
        for kind in ZONES:
            mine = (zone_of == kind).to_numpy()
            realised[kind][str(year)] = round(100 * float(signals[year][mine].mean()), 1)
    outside = (zone_of == "").to_numpy()
    planted = {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "gemeente": GEMEENTE,
        "seed": seed,
        "years": list(YEARS),
        "resolution": RESOLUTION,
        "zones": {
            kind: {
                "centre": next(
                    c for c in zones[kind] if set(h3.grid_disk(c, 1)) == set(zones[kind])
                ),
                "cells": zones[kind],
                "planned_pct": [100 * s for s in ZONES[kind]],
                "realised_pct": realised[kind],
                "addresses": int((zone_of == kind).sum()),
                "expected": list(EXPECTED[kind]),
            }
            for kind in ZONES
        },
        "split": {"year": SPLIT_YEAR, "old_code": old, "new_codes": [a, b],
                  "addresses": {a: int((buurt == a).sum()), b: int((buurt == b).sum())}},
        "background_pct": round(100 * float(signals[YEARS[0]][outside].mean()), 2),
        "addresses": len(addresses),
    }  # fmt: skip
    paths["planted"] = out_dir / "planted.json"
    paths["planted"].write_text(json.dumps(planted, indent=2), encoding="utf-8")
    return {**planted, "paths": {k: str(v) for k, v in paths.items()}}


def main() -> None:
    """Command line: write the files and print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="output folder")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args()
    info = generate(args.out, args.seed)
    zones = ", ".join(
        f"{k} {z['centre']} ({z['addresses']} addresses, {list(z['realised_pct'].values())} %)"
        for k, z in info["zones"].items()
    )
    split = info["split"]
    print(
        f"SYNTHETIC years units for {GEMEENTE}: {info['addresses']} addresses x "
        f"{len(YEARS)} years -> {args.out}; zones: {zones}; buurt {split['old_code']} split "
        f"into {split['new_codes']} in {split['year']}"
    )


if __name__ == "__main__":
    main()
