"""Person and company unit tables, study areas of several gemeenten, and the park layer."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zicht._errors import InputError, SchemaError
from zicht._strings import text as say
from zicht.check import check_release
from zicht.config import (
    InputsConfig,
    MapConfig,
    ParkAreasInput,
    RunConfig,
    StatsConfig,
    UnitsInput,
)
from zicht.export import internal_dir_for
from zicht.indicators import IndicatorSpec
from zicht.ingest import read_units
from zicht.pipeline import run
from zicht.publish import DisclosureRules

# Two points well inside Ede (RD New): the village of Otterlo and the centre of Ede.
OTTERLO = (181_300.0, 453_700.0)
EDE = (174_300.0, 449_600.0)


def _points(centre: tuple[float, float], n: int, rng: np.random.Generator, spread: float):
    xy = rng.normal(0.0, spread, size=(n, 2)) + np.asarray(centre)
    return shapely.points(xy)


def _config(units: Path, level: str, indicators, **kwargs) -> RunConfig:
    return RunConfig(
        inputs=replace(
            InputsConfig(),
            units=UnitsInput(source="file", level=level, path=units),
            park_areas=kwargs.pop("park_areas", ParkAreasInput()),
        ),
        indicators=tuple(indicators),
        stats=StatsConfig(permutations=99, indicator=indicators[0].id),
        **kwargs,
    )


def _check(out: Path) -> None:
    report = check_release(out, internal_dir_for(out) / "units.parquet")
    assert report.ok, report.to_text(limit=20)


@pytest.fixture(scope="module")
def company_run(tmp_path_factory):
    """120 companies around Ede centre, 40 around Otterlo; Otterlo has 2 with a conviction."""
    rng = np.random.default_rng(7)
    tmp = tmp_path_factory.mktemp("companies")
    ede = _points(EDE, 120, rng, 600.0)
    otterlo = _points(OTTERLO, 40, rng, 150.0)
    conviction = np.r_[rng.random(120) < 0.2, np.zeros(40, dtype=bool)]
    conviction[120:122] = True
    frame = gpd.GeoDataFrame(
        {
            "kvk": [f"K{i:04d}" for i in range(160)],
            "conviction": conviction,
        },
        geometry=np.r_[ede, otterlo],
        crs=28992,
    )
    frame.to_parquet(tmp / "companies.parquet")
    spec = IndicatorSpec("conviction", "Conviction", "conviction", unit_level="company")
    config = _config(
        tmp / "companies.parquet",
        "company",
        [spec],
        map=MapConfig(layers=("wijk", "gemeente")),
    )
    config = replace(
        config, inputs=replace(config.inputs, units=replace(config.inputs.units, id_column="kvk"))
    )
    result = run(config, tmp / "out")
    return result, tmp / "out"


def test_a_company_run_applies_the_company_rules_and_passes_the_check(company_run):
    result, out = company_run
    assert result.summary["units_in"] == 160
    wijk = gpd.read_file(out / "release.gpkg", layer="wijk")
    published = wijk[wijk["status"] == "published"]
    # The Otterlo wijk holds 40 companies, 2 of them convicted: the count rests on fewer
    # than 3 companies and is not published, although the wijk itself is.
    otterlo = published[published.contains(shapely.Point(OTTERLO))]
    assert len(otterlo) == 1
    assert otterlo["n_units"].iloc[0] >= 10
    assert otterlo["n_conviction"].isna().all()
    assert otterlo["rate_conviction_pct"].isna().all()
    # Ede centre has many convicted companies: published.
    centre = published[published.contains(shapely.Point(EDE))]
    assert centre["n_conviction"].notna().all()
    report = (out / "disclosure_report.md").read_text(encoding="utf-8")
    companies = say("disclosure", "companies", min_companies=3, n="|", pct="").split("(")[0]
    assert companies in report  # "- indicatoren op bedrijven: ten minste 3 bedrijven; …"
    units = pd.read_parquet(internal_dir_for(out) / "units.parquet")
    assert units["company_id"].str.startswith("K").all()
    _check(out)


def test_person_tables_are_validated_like_every_input(tmp_path):
    frame = gpd.GeoDataFrame(
        {"person_id": ["a", "b", "b"], "age": [17, -99999999, 20]},
        geometry=shapely.points([EDE, EDE, OTTERLO]),
        crs=28992,
    )
    frame.to_parquet(tmp_path / "dup.parquet")
    with pytest.raises(SchemaError, match="more than once"):
        read_units(tmp_path / "dup.parquet", "person")
    frame.assign(person_id=["a", "b", "c"]).to_parquet(tmp_path / "ok.parquet")
    persons, report = read_units(tmp_path / "ok.parquet", "person")
    assert report.sentinels == {"age": 1}
    assert persons["age"].isna().sum() == 1
    frame.assign(person_id=["a", "b", "c"]).set_crs(None, allow_override=True).to_parquet(
        tmp_path / "nocrs.parquet"
    )
    with pytest.raises(Exception, match="CRS"):
        read_units(tmp_path / "nocrs.parquet", "person")


def test_a_person_run_counts_persons(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    frame = gpd.GeoDataFrame(
        {"person_id": [f"p{i}" for i in range(n)], "dropout": rng.random(n) < 0.1},
        geometry=_points(EDE, n, rng, 900.0),
        crs=28992,
    )
    frame.to_parquet(tmp_path / "persons.parquet")
    spec = IndicatorSpec("dropout", "Dropout", "dropout", unit_level="person")
    config = _config(tmp_path / "persons.parquet", "person", [spec])
    units = replace(config.inputs.units, synthetic=True)
    config = replace(config, inputs=replace(config.inputs, units=units))
    result = run(config, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["synthetic"] is True
    # the note is the catalogue's (Dutch by default), naming the declared file and its level
    level = say("report", "level_person")
    note = say("report", "synthetic_declared", file="persons.parquet", level=level)
    assert manifest["metadata"]["synthetic_note"] == note
    html = (tmp_path / "out" / "risk_map.html").read_text(encoding="utf-8")
    assert "SYNTHETISCHE GEGEVENS" in html  # the map's synthetic warning, Dutch by default
    buurt = result.release.layers["buurt"]
    assert buurt.loc[buurt["status"] == "published", "n_units"].sum() > 0
    catalogue = (tmp_path / "out" / "indicators.md").read_text(encoding="utf-8")
    assert say("indicators", "plural_person") in catalogue
    _check(tmp_path / "out")


@pytest.mark.slow
def test_a_study_area_of_two_gemeenten_and_a_park_layer(tmp_path):
    """Units in Ede and Barneveld; a large and a small park; the small one is not shown."""
    rng = np.random.default_rng(11)
    big = shapely.Point(OTTERLO).buffer(300.0)
    small = shapely.Point(EDE).buffer(60.0)
    parks = gpd.GeoDataFrame(
        {"park_id": ["BIG", "SMALL"], "name": ["Big park", "Small park"]},
        geometry=[big, small],
        crs=28992,
    )
    parks.to_file(tmp_path / "parks.gpkg")
    barneveld = (170_000.0, 460_000.0)  # the village of Barneveld
    points = np.r_[
        _points(OTTERLO, 60, rng, 80.0),  # on the big park
        _points(EDE, 4, rng, 10.0),  # on the small park
        _points(EDE, 200, rng, 1_500.0),
        _points(barneveld, 200, rng, 800.0),
    ]
    n = len(points)
    frame = gpd.GeoDataFrame(
        {
            "address_id": [f"a{i}" for i in range(n)],
            "object_type": "verblijfsobject",
            "gebruiksdoel": "woonfunctie",
            "mismatch": np.r_[np.ones(30, bool), np.zeros(n - 30, bool)],
        },
        geometry=points,
        crs=28992,
    )
    frame.to_parquet(tmp_path / "units.parquet")
    spec = IndicatorSpec(
        "mismatch",
        "Mismatch",
        "mismatch",
        denominator={"column": "park_id", "missing": False},
    )
    config = _config(
        tmp_path / "units.parquet",
        "address",
        [spec],
        gemeente=("GM0228", "GM0203"),
        park_areas=ParkAreasInput(path=tmp_path / "parks.gpkg"),
        map=MapConfig(layers=("park", "gemeente")),
    )
    result = run(config, tmp_path / "out")
    assert result.summary["study_area"] == "GM0228+GM0203"
    park = gpd.read_file(tmp_path / "out" / "release.gpkg", layer="park").set_index("area_id")
    assert park.loc["BIG", "status"] == "published"
    assert park.loc["BIG", "rate_mismatch_pct"] == pytest.approx(50.0, abs=5.0)
    assert park.loc["SMALL", "status"] != "published"
    assert pd.isna(park.loc["SMALL", "n_units"])
    audit = pd.read_csv(internal_dir_for(tmp_path / "out") / "audit.csv")
    small = audit[(audit["layer"] == "park") & (audit["area_id"] == "SMALL")]
    assert small["reason"].str.contains("fewer than 10 units").all() and len(small) == 1
    gemeente = gpd.read_file(tmp_path / "out" / "release.gpkg", layer="gemeente")
    assert set(gemeente["area_id"]) == {"GM0228", "GM0203"}
    _check(tmp_path / "out")


def test_a_missing_gemeente_code_is_named(tmp_path):
    config = RunConfig(gemeente=("GM0228", "GM9999"), stats=StatsConfig(permutations=99))
    with pytest.raises(InputError, match="GM9999"):
        run(config, tmp_path / "out")


def test_park_areas_outside_the_study_area_are_refused(tmp_path):
    parks = gpd.GeoDataFrame(
        {"park_id": ["FAR"], "name": ["Far away"]},
        geometry=[shapely.Point(100_000, 400_000).buffer(100)],
        crs=28992,
    )
    parks.to_file(tmp_path / "parks.gpkg")
    config = RunConfig(
        inputs=replace(InputsConfig(), park_areas=ParkAreasInput(path=tmp_path / "parks.gpkg")),
        stats=StatsConfig(permutations=99),
        rules=DisclosureRules(),
    )
    with pytest.raises(InputError, match="none of the 1 park areas"):
        run(config, tmp_path / "out")


def test_zicht_check_finds_the_units_file_beside_the_release(company_run, tmp_path):
    from typer.testing import CliRunner

    from zicht.cli import app

    _, out = company_run
    result = CliRunner().invoke(app, ["check", str(out)])
    assert result.exit_code == 0, result.output
    assert "RESULT: PASS" in result.output
    lonely = tmp_path / "release"
    lonely.mkdir()
    result = CliRunner().invoke(app, ["check", str(lonely)])
    assert result.exit_code == 3
    assert "no --units given" in result.output


def test_a_hot_spot_test_on_rates_that_smoothing_flattens_says_so(tmp_path):
    """Every cell has exactly the same rate: EB gives every cell the mean; the run says so."""
    rng = np.random.default_rng(5)
    # 64 groups of 30 persons, 400 m apart (each in its own H3 cell), one dropout per group.
    gx, gy = np.meshgrid(np.arange(8) * 400.0, np.arange(8) * 400.0)
    centres = np.c_[gx.ravel(), gy.ravel()] + np.asarray(EDE) - 1_400.0
    xy = np.repeat(centres, 30, axis=0) + rng.normal(0.0, 5.0, size=(64 * 30, 2))
    n = len(xy)
    frame = gpd.GeoDataFrame(
        {"person_id": [f"p{i}" for i in range(n)], "dropout": np.arange(n) % 30 == 0},
        geometry=shapely.points(xy),
        crs=28992,
    )
    frame.to_parquet(tmp_path / "persons.parquet")
    spec = IndicatorSpec("dropout", "Dropout", "dropout", unit_level="person")
    config = _config(tmp_path / "persons.parquet", "person", [spec])
    with pytest.warns(UserWarning, match="vary no more than chance"):
        result = run(config, tmp_path / "out")
    assert "vary no more than chance" in result.release.metadata["hotspot"]["note"]
    # the report says it in its language (Dutch by default), the record keeps the English
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "verschillen niet meer dan toeval zou geven" in report


@pytest.mark.slow
def test_a_park_cut_by_a_buurt_boundary_is_published_whole(tmp_path):
    """Without a buurt layer regions do not stop at buurt boundaries; a park is one region."""
    from zicht.ingest import read_boundaries

    geodata = InputsConfig().geodata
    buurten, _ = read_boundaries(
        geodata / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
        code_prefix="BU0228",
    )
    home = buurten[buurten.contains(shapely.Point(EDE))].iloc[0]
    edge = home.geometry.boundary.interpolate(0.25, normalized=True)
    park = edge.buffer(200.0)
    assert buurten.intersects(park).sum() >= 2  # the park straddles a buurt boundary
    parks = gpd.GeoDataFrame({"park_id": ["CUT"], "name": ["Cut park"]}, geometry=[park], crs=28992)
    parks.to_file(tmp_path / "parks.gpkg")
    rng = np.random.default_rng(2)
    inside = shapely.points(rng.uniform(-140, 140, size=(400, 2)) + np.array([edge.x, edge.y]))
    inside = inside[shapely.contains(park, inside)][:120]
    around = _points(EDE, 300, rng, 1_500.0)
    points = np.r_[inside, around[~shapely.contains(park, around)]]
    n = len(points)
    frame = gpd.GeoDataFrame(
        {
            "address_id": [f"a{i}" for i in range(n)],
            "object_type": "verblijfsobject",
            "gebruiksdoel": "woonfunctie",
            "mismatch": np.arange(n) % 4 == 0,
        },
        geometry=points,
        crs=28992,
    )
    frame.to_parquet(tmp_path / "units.parquet")
    spec = IndicatorSpec("mismatch", "Mismatch", "mismatch")
    config = _config(
        tmp_path / "units.parquet",
        "address",
        [spec],
        park_areas=ParkAreasInput(path=tmp_path / "parks.gpkg"),
        map=MapConfig(layers=("park", "gemeente")),
        rules=DisclosureRules(min_units=50),
    )
    run(config, tmp_path / "out")
    park_layer = gpd.read_file(tmp_path / "out" / "release.gpkg", layer="park")
    row = park_layer.set_index("area_id").loc["CUT"]
    assert row["status"] == "published"
    assert row["n_units"] == 120
    assert row["rate_mismatch_pct"] == pytest.approx(25.0, abs=0.5)
    regions = pd.read_csv(tmp_path / "out" / "region.csv")
    assert (regions["n_units"] >= 50).all()
    _check(tmp_path / "out")


def test_the_study_area_is_read_as_the_run_reads_it():
    from zicht.config import DEMO_CONFIG_PATH
    from zicht.pipeline import read_study_area

    area = read_study_area(DEMO_CONFIG_PATH)
    assert set(area) >= {"gemeente", "wijk", "buurt", "parks", "all_parks"}
    assert area["gemeente"]["code"].tolist() == ["GM0228"]
    assert area["buurt"]["code"].str.startswith("BU0228").all()
    assert area["wijk"]["code"].str.startswith("WK0228").all()
    assert len(area["parks"]) < len(area["all_parks"])
    assert {f.crs.to_epsg() for f in area.values()} == {28992}
