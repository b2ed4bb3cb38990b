"""The profiling guard: protected attributes are refused, proxies are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zicht import ConfigError, InputError, ProfilingError
from zicht.guard import (
    PROTECTED_RULES,
    check_names,
    find_protected,
    normalise_name,
    read_reference_shares,
    screen_proxies,
)
from zicht.indicators import IndicatorSpec


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ethnicity", "PG-ETHNICITY"),
        ("Etniciteit", "PG-ETHNICITY"),
        ("ethnic_group", "PG-ETHNICITY"),
        ("ras", "PG-ETHNICITY"),
        ("herkomst", "PG-MIGRATION"),
        ("Migratie_Achtergrond", "PG-MIGRATION"),
        ("migratieachtergrond", "PG-MIGRATION"),
        ("migrationBackground", "PG-MIGRATION"),
        ("bewoner_herkomst_code", "PG-MIGRATION"),
        ("niet_westers", "PG-MIGRATION"),
        ("allochtoon", "PG-MIGRATION"),
        ("nationaliteit", "PG-NATIONALITY"),
        ("NATIONALITY", "PG-NATIONALITY"),
        ("dubbele_nationaliteit", "PG-NATIONALITY"),
        ("nationalité", "PG-NATIONALITY"),
        ("geboorteland", "PG-BIRTHCOUNTRY"),
        ("countryOfBirth", "PG-BIRTHCOUNTRY"),
        ("country_of_birth", "PG-BIRTHCOUNTRY"),
        ("religie", "PG-RELIGION"),
        ("Religion", "PG-RELIGION"),
        ("godsdienst", "PG-RELIGION"),
        ("geloof", "PG-RELIGION"),
        ("geslacht", "PG-OTHER"),
    ],
)
def test_protected_names_are_found_in_english_and_dutch(name, rule):
    found = find_protected(name)
    assert found is not None, name
    assert found.id == rule


@pytest.mark.parametrize(
    "name",
    [
        "vacant",
        "gebruiksdoel",
        "registration_mismatch",
        "terras_oppervlak",  # contains "ras", not as a word
        "grasland",
        "nationaal_park",
        "western_union_nearby",
        "geloofwaardigheid_score",
        "location_trusted",
        "politie_meldingen",
        "Distance to a holiday park",
        "zwart_geld_signaal",
    ],
)
def test_ordinary_names_are_not_refused(name):
    assert find_protected(name) is None, name


def test_land_van_herkomst_matches_with_any_separator():
    assert normalise_name("Land-van_Herkomst")[0] == "landvanherkomst"
    assert find_protected("LandVanHerkomst") is not None


def test_group_labels_are_refused_as_filter_values_only():
    assert find_protected("Marokkaans", literal=True).id == "PG-NATIONALITY"
    assert find_protected("niet-westers", literal=True).id == "PG-MIGRATION"
    assert find_protected("Marokkaans") is None  # a column called so is unusual, not refused
    assert find_protected("logiesfunctie", literal=True) is None


def test_every_rule_has_substrings_and_a_basis():
    for rule in PROTECTED_RULES:
        assert rule.substrings
        assert rule.basis


def test_check_names_lists_every_violation_with_rule_and_precedents():
    with pytest.raises(ProfilingError) as info:
        check_names(
            [("numerator column", "nationaliteit"), ("title", "Vacancy")],
            literals=[("numerator value", "Turks")],
        )
    message = str(info.value)
    assert "2 use(s)" in message
    assert "PG-NATIONALITY" in message
    assert "nationaliteit" in message and "Turks" in message
    assert "Toetsingskader risicoprofilering" in message
    assert "Autoriteit Persoonsgegevens" in message
    assert info.value.exit_code == 8
    assert isinstance(info.value, ConfigError)  # a profiling error is a config error


def test_an_indicator_on_a_protected_attribute_cannot_be_made():
    with pytest.raises(ProfilingError, match=r"numerator column 'herkomst'.*PG-MIGRATION"):
        IndicatorSpec("x", "X", {"column": "herkomst", "equals": "NL"})
    with pytest.raises(ProfilingError, match="denominator column 'geboorteland'"):
        IndicatorSpec("y", "Y", "vacant", denominator={"column": "geboorteland", "equals": "NL"})
    with pytest.raises(ProfilingError, match="numerator value 'Marokkaans'"):
        IndicatorSpec("z", "Z", {"column": "groep", "in": ["Marokkaans", "Turks"]})
    with pytest.raises(ProfilingError, match="title"):
        IndicatorSpec("w", "Share of residents by nationality", "vacant")
    nested = {"all": ["vacant", {"not": {"column": "religie", "equals": "x"}}]}
    with pytest.raises(ProfilingError, match="religie"):
        IndicatorSpec("v", "V", nested)


def test_proxy_screen_flags_strong_correlations_only():
    rng = np.random.default_rng(1)
    areas = [f"BU0228{i:04d}" for i in range(40)]
    share = rng.uniform(0, 60, 40)
    indicators = pd.DataFrame(
        {
            "proxy": share * 0.5 + rng.normal(0, 1, 40),
            "unrelated": rng.uniform(0, 10, 40),
        },
        index=areas,
    )
    indicators.iloc[3, 0] = np.nan  # a suppressed area is left out pairwise
    reference = pd.DataFrame({"share_group_pct": share}, index=areas)
    screen = screen_proxies(indicators, reference, threshold=0.5, min_areas=10, level="buurt")
    table = screen.table.set_index("indicator")
    assert table.loc["proxy", "flagged"]
    assert table.loc["proxy", "n_areas"] == 39
    assert table.loc["proxy", "rho"] > 0.9
    assert not table.loc["unrelated", "flagged"]
    assert screen.flagged["indicator"].tolist() == ["proxy"]
    assert screen.to_dict()["flagged"] == 1


def test_proxy_screen_needs_enough_areas():
    areas = [f"BU{i:08d}" for i in range(5)]
    values = pd.DataFrame({"a": range(5)}, index=areas, dtype=float)
    screen = screen_proxies(values, values.rename(columns={"a": "b"}), min_areas=10)
    assert np.isnan(screen.table["rho"]).all()
    assert not screen.table["flagged"].any()
    with pytest.raises(ConfigError, match="threshold"):
        screen_proxies(values, values, threshold=1.5)


def test_reference_shares_are_read_from_csv(tmp_path):
    path = tmp_path / "ref.csv"
    path.write_text("code;naam;pct_migratieachtergrond\nBU02280101;A;12,5\nBU02280102;B;30\n")
    frame = read_reference_shares(path, area_column="code")
    assert list(frame.columns) == ["pct_migratieachtergrond"]
    assert frame["pct_migratieachtergrond"].tolist() == [12.5, 30.0]
    assert frame.index.tolist() == ["BU02280101", "BU02280102"]
    with pytest.raises(InputError, match="area column"):
        read_reference_shares(path, area_column="buurt")


def test_proxy_screen_gives_no_flag_on_random_flags_with_a_sentinel_laden_reference(tmp_path):
    # CBS hides small groups' shares behind -99999999; read as numbers they line up with
    # small areas (where rates swing most) and fake a correlation. Removed, nothing is left.
    rng = np.random.default_rng(14)
    n = 120
    areas = [f"BU0228{i:04d}" for i in range(n)]
    size = rng.integers(5, 400, n)
    rate = rng.binomial(size, 0.1) / size * 100  # random flags: no link to any group
    share = rng.uniform(5, 40, n).round(1)
    secret = size < 60  # CBS suppresses the share where the buurt is small
    share_text = np.where(secret, "-99999999", share.astype(str))
    inhabitants = size * 3
    path = tmp_path / "kwb.csv"
    pd.DataFrame(
        {"gwb_code": areas, "share_migration_pct": share_text, "inhabitants": inhabitants}
    ).to_csv(path, index=False, sep=";")
    reference = read_reference_shares(path, area_column="gwb_code")
    assert reference.attrs["sentinels"] == {"share_migration_pct": int(secret.sum())}
    assert list(reference.columns) == ["share_migration_pct"]  # the count is left out
    assert reference["share_migration_pct"].isna().sum() == secret.sum()
    indicators = pd.DataFrame({"rate_vacant_pct": rate}, index=areas)
    screen = screen_proxies(indicators, reference, threshold=0.5, min_areas=10)
    row = screen.table.iloc[0]
    assert not screen.table["flagged"].any()
    assert row["n_areas"] == n - secret.sum()
    assert row["ci_low"] < row["rho"] < row["ci_high"]
    assert any("sentinels" in note for note in screen.notes)
    assert any("counts, not shares" in note for note in screen.notes)
    # and over many draws of random flags, never a flag
    for seed in range(20):
        draw = np.random.default_rng(seed)
        random_rate = draw.binomial(size, 0.02) / size * 100
        values = pd.DataFrame({"rate_x_pct": random_rate}, index=areas)
        assert not screen_proxies(values, reference, threshold=0.5).table["flagged"].any()


def test_a_reference_without_an_area_code_column_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "ref.csv"
    pd.DataFrame({"buurt": ["BU02280101", "BU02280102"], "share_pct": [1.0, 2.0]}).to_csv(
        path, index=False
    )
    with pytest.raises(InputError, match=r"set guard\.area_column = 'buurt'"):
        read_reference_shares(path, area_column="code")
    pd.DataFrame({"share_pct": [1.0, 2.0]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="cannot be matched to areas"):
        read_reference_shares(path, area_column="code")
