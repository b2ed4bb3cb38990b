"""Generate the SYNTHETIC unit table of the holiday-parks example (Veluwe, seven gemeenten).

Nothing here describes a real address, household or person. The addresses are the synthetic
park study of ``zicht parks derive --source synthetic`` (:func:`zicht.parks.synthetic_park_study`
with the SAME seed): background dwellings and other uses from the CBS 2022 dwelling totals per
wijk, holiday homes scattered through the villages, and a planted park footprint at every
trusted real park location in ``geodata/parks/parks.json``. Because the addresses are the same,
the park boundaries that ``zicht parks derive`` draws from them contain these units.

To each address this script adds synthetic register attributes (all drawn from fixed seeds):

* ``expected_residents`` – what the object makes expected: a household size for a dwelling
  (``woonfunctie``), 0 for a recreational object (``logiesfunctie``) or a non-residential use;
* ``registered_residents`` – the (BRP-like) number of people registered at the address;
* ``registration_mismatch`` – registration that matters: anybody registered on an object where
  nobody is expected (permanent residence on a holiday home), or at least
  ``OVERCROWDING_MARGIN`` more registered than expected;
* ``problem_debts`` – the registered household has problematic debts;
* ``school_absence`` – a child of the registered household was reported for school absence.

**What is planted, and why.** One large park gets registration problems. It is drawn by the
seed (``seed + 11``) from the planted parks, in ``park_id`` order, that hold at least
``MIN_PLANTED_HOMES`` homes — twice the example's ``min_units``, so the park passes the minimum
of units on its own, whatever the derive rule leaves out at its edge — and whose addresses all
lie in one gemeente. zicht keeps every park whole as one region, and regions nest in the
published gemeenten, so such a park is published with its own values (a park that a gemeente
boundary cuts is published only if each part passes the rules). On the planted park a much
larger share of the holiday homes has people registered permanently, and the registered
households far more often have problematic debts. School absence is NOT planted there (it
stays at the rate of other park households), so the map can show that one signal rises
without the other. The park is picked at random by the seed: the pattern says nothing about
the real park of that name. ``planted.json`` names the park (id, name, location of its real
park point) and the planted effect sizes, so a test can check that zicht finds the park in
the published ``park`` layer.

Run ``zicht parks derive --source synthetic --seed S`` first (or let the make target do it);
``--seed`` here must be the same ``S`` (default 20240, the derive default).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.ingest import default_geodata_dir, read_boundaries
from zicht.parks import VELUWE, synthetic_park_study

#: The derive default; the unit table must be built from the same synthetic study.
DEFAULT_SEED = 20240
#: The study area: the seven Veluwe gemeenten of the holiday-park work.
GEMEENTEN = tuple(sorted(VELUWE))
DEFAULT_OUT = Path(__file__).resolve().parent / "data"
#: A planted park holds at least this many homes (twice the example's ``min_units``).
MIN_PLANTED_HOMES = 200
#: Registered residents at least this many above the expected count is a mismatch.
OVERCROWDING_MARGIN = 3

#: Household sizes of a dwelling (1..5 persons), roughly the Dutch distribution.
HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5])
HOUSEHOLD_P = np.array([0.38, 0.33, 0.12, 0.12, 0.05])

#: Synthetic probabilities. "park" means a unit of a planted park footprint, "planted" the
#: one park with registration problems.
P_DWELLING_EMPTY = 0.03  # nobody registered at a dwelling (moved, vacant)
P_DWELLING_OVERCROWDED = 0.012  # registered far above the expected household
P_NONRES_REGISTERED = 0.004  # somebody registered at an office, shop, workshop
P_HOLIDAY_REGISTERED = {"village": 0.04, "park": (0.03, 0.12), "planted": 0.45}
P_DEBTS = {"village": 0.05, "park": 0.10, "planted": 0.40}
P_SCHOOL_ABSENCE = {"village": 0.02, "park": 0.04, "planted": 0.04}


def _gemeenten_per_site(addresses: gpd.GeoDataFrame, geodata: Path) -> pd.Series:
    """Return, per planted park, how many gemeenten its addresses lie in.

    A unit's gemeente is the one its CBS buurt (2014, as zicht joins units) belongs to: the
    buurt code ``BUggggwwbb`` names it. Addresses outside every buurt are not counted.
    """
    buurten, _ = read_boundaries(
        geodata / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
    )
    on_site = addresses[addresses["park_id_planted"].notna()]
    joined = gpd.sjoin(on_site, buurten[["code", "geometry"]], predicate="within")
    gemeente = joined["code"].astype(str).str.slice(2, 6)
    return gemeente.groupby(joined["park_id_planted"].astype(str)).nunique()


def _pick_planted_park(
    sites: gpd.GeoDataFrame, points: gpd.GeoDataFrame, n_gemeenten: pd.Series, seed: int
) -> dict:
    """Choose the park with registration problems, by the seed, among the large ones.

    Eligible are the planted parks with at least ``MIN_PLANTED_HOMES`` homes whose addresses
    lie in one gemeente (``n_gemeenten``, per park id); one of them, in ``park_id`` order, is
    drawn with ``numpy.random.default_rng(seed)``.
    """
    in_one = sites["park_id"].astype(str).map(n_gemeenten).fillna(0).eq(1).to_numpy()
    eligible = sites["planted"].astype(bool) & (sites["n_homes"] >= MIN_PLANTED_HOMES) & in_one
    planted = sites[eligible]
    if planted.empty:
        raise SystemExit(
            f"no planted park holds {MIN_PLANTED_HOMES} homes in one gemeente of this study "
            "area; choose more gemeenten"
        )
    planted = planted.sort_values("park_id").reset_index(drop=True)
    row = planted.iloc[int(np.random.default_rng(seed).integers(0, len(planted)))]
    point = points.set_index("park_id").loc[row["park_id"]]
    geom = point.geometry
    lonlat = gpd.GeoSeries([geom], crs=28992).to_crs(4326).iloc[0]
    return {
        "park_id": str(row["park_id"]),
        "name": str(point["name"]),
        "place": str(point.get("place", "")),
        "point_rd": [round(geom.x, 1), round(geom.y, 1)],
        "point_wgs84": [round(lonlat.x, 6), round(lonlat.y, 6)],
        "footprint_area_m2": float(row["area_m2"]),
        "n_homes_planted": int(row["n_homes"]),
        "footprint": row.geometry,
    }


def _attributes(
    addresses: gpd.GeoDataFrame, planted_id: str, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Draw the register attributes of every address (synthetic)."""
    rng = np.random.default_rng(seed)
    n = len(addresses)
    use = addresses["gebruiksdoel"].astype("str").to_numpy()
    site = addresses["park_id_planted"].astype("object").to_numpy()
    on_site = pd.notna(site)
    on_planted = on_site & (site == planted_id)
    where = np.where(on_planted, "planted", np.where(on_site, "park", "village"))

    dwelling = use == "woonfunctie"
    holiday = use == "logiesfunctie"
    expected = np.where(dwelling, rng.choice(HOUSEHOLD_SIZES, size=n, p=HOUSEHOLD_P), 0)

    registered = expected.copy()
    registered[dwelling & (rng.random(n) < P_DWELLING_EMPTY)] = 0
    crowded = dwelling & (rng.random(n) < P_DWELLING_OVERCROWDED)
    registered[crowded] = expected[crowded] + rng.integers(OVERCROWDING_MARGIN, 8, n)[crowded]
    nonres = ~dwelling & ~holiday
    registered[nonres & (rng.random(n) < P_NONRES_REGISTERED)] = 1

    # Holiday homes: each park has its own share of permanent residents; the planted park a
    # much larger one.
    p_holiday = np.full(n, P_HOLIDAY_REGISTERED["village"])
    low, high = P_HOLIDAY_REGISTERED["park"]
    for park_id in sorted(set(site[on_site & ~on_planted])):
        p_holiday[site == park_id] = rng.uniform(low, high)
    p_holiday[on_planted] = P_HOLIDAY_REGISTERED["planted"]
    lives = holiday & (rng.random(n) < p_holiday)
    registered[lives] = rng.choice(HOUSEHOLD_SIZES, size=n, p=HOUSEHOLD_P)[lives]

    household = registered > 0
    p_debts = np.vectorize(P_DEBTS.get)(where)
    p_absence = np.vectorize(P_SCHOOL_ABSENCE.get)(where)
    # School absence needs a child: only households of two or more people.
    debts = household & (rng.random(n) < p_debts)
    absence = household & (registered >= 2) & (rng.random(n) < p_absence)
    mismatch = ((expected == 0) & household) | (registered >= expected + OVERCROWDING_MARGIN)
    table = pd.DataFrame(
        {
            "registered_residents": registered.astype("int64"),
            "expected_residents": expected.astype("int64"),
            "registration_mismatch": mismatch,
            "problem_debts": debts,
            "school_absence": absence,
        },
        index=addresses.index,
    )
    return table, where


def generate(
    out_dir: Path = DEFAULT_OUT,
    seed: int = DEFAULT_SEED,
    gemeenten: tuple[str, ...] | list[str] = GEMEENTEN,
    geodata: Path | None = None,
) -> dict:
    """Write ``units.parquet`` and ``planted.json`` for the holiday-parks example.

    Parameters
    ----------
    out_dir
        Folder to write into (created if needed).
    seed
        Seed of the synthetic park study; must equal the ``--seed`` of
        ``zicht parks derive`` so that the derived boundaries contain these addresses. The
        register attributes use ``seed + 10``, the choice of the planted park ``seed + 11``.
    gemeenten
        Gemeente codes of the study area (default: the seven Veluwe gemeenten); a subset must
        match the ``--gemeente`` options of the derive step.
    geodata
        The shipped ``geodata/`` folder (default: the package's).

    Returns
    -------
    dict
        The content of ``planted.json`` plus ``units_path`` and ``n_units``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = sorted(str(c).upper() for c in gemeenten)
    geodata = Path(geodata or default_geodata_dir())
    study = synthetic_park_study(geodata, codes, seed=seed)
    addresses = study.addresses
    n_gemeenten = _gemeenten_per_site(addresses, geodata)
    park = _pick_planted_park(study.sites, study.points, n_gemeenten, seed + 11)
    attrs, where = _attributes(addresses, park["park_id"], seed + 10)

    units = gpd.GeoDataFrame(
        {
            "address_id": addresses["address_id"].astype("str"),
            "object_type": "verblijfsobject",
            "gebruiksdoel": addresses["gebruiksdoel"].astype("str"),
            **{c: attrs[c] for c in attrs.columns},
            "synthetic": True,
        },
        geometry=addresses.geometry,
        crs=28992,
    )
    units_path = out_dir / "units.parquet"
    units.to_parquet(units_path)

    def rate(column: str, group: str) -> float:
        mask = where == group
        return round(100.0 * float(attrs.loc[mask, column].mean()), 2) if mask.any() else 0.0

    park.pop("footprint")
    planted = {
        "synthetic": True,
        "description": (
            "SYNTHETIC data. One park, chosen by the seed, gets registration problems: "
            f"{P_HOLIDAY_REGISTERED['planted']:.0%} of its holiday homes with people "
            "registered permanently (other parks "
            f"{P_HOLIDAY_REGISTERED['park'][0]:.0%}–{P_HOLIDAY_REGISTERED['park'][1]:.0%}), "
            f"and problematic debts in {P_DEBTS['planted']:.0%} of its registered households "
            f"(other parks {P_DEBTS['park']:.0%}). School absence is not planted. The real "
            "park of that name has nothing to do with it."
        ),
        "seed": seed,
        "gemeenten": codes,
        "park": park,
        "effect": {
            "holiday_home_registered_share": {
                "planted": P_HOLIDAY_REGISTERED["planted"],
                "other_parks": list(P_HOLIDAY_REGISTERED["park"]),
                "outside_parks": P_HOLIDAY_REGISTERED["village"],
            },
            "problem_debts_per_household": P_DEBTS,
            "school_absence_per_household": P_SCHOOL_ABSENCE,
        },
        "realised_pct_of_addresses": {
            column: {group: rate(column, group) for group in ("planted", "park", "village")}
            for column in ("registration_mismatch", "problem_debts", "school_absence")
        },
        "parks_planted": int(study.sites["planted"].sum()),
    }
    (out_dir / "planted.json").write_text(
        json.dumps(planted, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    mism = planted["realised_pct_of_addresses"]["registration_mismatch"]
    print(
        f"holiday_parks (SYNTHETIC): {len(units):,} addresses in {len(codes)} gemeenten, "
        f"{planted['parks_planted']} parks; planted {park['park_id']} {park['name']}: "
        f"registration mismatch {mism['planted']:.1f} % of its addresses vs "
        f"{mism['park']:.1f} % on other parks -> {units_path}"
    )
    return {**planted, "units_path": str(units_path), "n_units": len(units)}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed (= derive --seed)")
    parser.add_argument(
        "--gemeente",
        action="append",
        default=None,
        help="gemeente code (repeat; default the seven Veluwe gemeenten; = derive --gemeente)",
    )
    args = parser.parse_args()
    generate(args.out, args.seed, tuple(args.gemeente) if args.gemeente else GEMEENTEN)


if __name__ == "__main__":
    main()
