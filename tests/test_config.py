from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from zicht import ConfigError, ProfilingError
from zicht.config import (
    DEMO_CONFIG_PATH,
    BoundaryInput,
    Link,
    RunConfig,
    StatsConfig,
    configuration_reference,
    load_config,
)
from zicht.config._reference import SECTIONS
from zicht.indicators import Component, IndicatorSpec


def test_defaults():
    config = RunConfig()
    assert config.gemeente == ("GM0228",)
    assert config.resolution == 9
    assert config.stats.correction == "fdr_bh"
    assert config.rules.min_units == 10
    assert (config.geodata / "cbs").is_dir()


def test_load_config_reads_tables(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("resolution = 8\n[stats]\npermutations = 99\n[rules]\nmin_units = 15\n")
    config = load_config(path)
    assert config.resolution == 8
    assert config.stats.permutations == 99
    assert config.rules.min_units == 15


def test_unknown_key_is_named_with_allowed_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[stats]\npermutation = 99\n")
    with pytest.raises(ConfigError, match=r"permutation.*allowed.*permutations"):
        load_config(path)


def test_wrong_value_names_allowed_values():
    with pytest.raises(ConfigError, match="fdr_bh"):
        StatsConfig(correction="holm")
    with pytest.raises(ConfigError, match="7 to 12"):
        RunConfig(resolution=14)


def test_bad_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("resolution = = 3")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


# --- the run configuration -------------------------------------------------------------------


ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_config_is_shipped_and_complete():
    config = load_config(DEMO_CONFIG_PATH)
    assert config.gemeente == ("GM0228",)
    assert [s.id for s in config.indicators] == [
        "registration_mismatch",
        "vacant",
        "industrial_density",
        "park_distance",
    ]
    assert {s.kind for s in config.indicators} == {"rate", "density", "proximity"}
    assert config.composite.enabled
    assert config.question.problem_owner
    assert config.inputs.units.source == "synthetic"
    assert config.geodata == DEMO_CONFIG_PATH.parent
    assert len(config.source_sha256) == 64
    assert all(s.follow_up and s.purpose for s in config.indicators)


def test_demo_config_is_the_old_name():
    assert RunConfig().seed == 20221


def test_nested_tables_keep_their_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[inputs]\ngeodata = "data"\n[inputs.buurten]\nlayer = "x"\n'
        '[question.ethics_review]\nstatus = "approved"\nby = "Ethische commissie"\n'
    )
    config = load_config(path)
    assert config.inputs.buurten.path == Path("cbs/Buurt_2014_layer_q1e3.json")
    assert config.inputs.buurten.layer == "x"
    assert config.inputs.geodata == (tmp_path / "data").resolve()
    assert config.inputs.resolve("a/b.gpkg") == (tmp_path / "data" / "a" / "b.gpkg").resolve()
    assert config.question.ethics_review.done
    assert not config.question.dpia.done


def test_every_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        """
resolution = 13
[stats]
permutation = 99
correction = "holm"
[map]
layers = ["h3", "districts"]
[[indicators]]
id = "vacant"
title = "Vacancy"
numerator = { column = "vacant", equal = true }
kind = "ratio"
"""
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    for text in (
        "'permutation'",
        "'holm'",
        "'districts'",
        "'equal'",
        "allowed: ['is', 'equals'",
    ):
        assert text in message, text


def test_wrong_types_and_values_name_the_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[stats]\npermutations = "many"\n[map]\ntiles = "google"\n'
        '[inputs.units]\nsource = "database"\n[register]\nstatus = "live"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "permutations must be an integer" in message
    assert "map.tiles = 'google'" in message and "'pdok'" in message
    assert "source = 'database'" in message and "'synthetic'" in message
    assert "register.status = 'live'" in message and "In ontwikkeling" in message


def test_map_language_is_dutch_by_default_english_on_request(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[map]\nlanguage = "en"\n')
    assert load_config(path).map.language == "en"
    path.write_text("[map]\n")
    assert load_config(path).map.language == "nl"
    path.write_text('[map]\nlanguage = "fr"\n')
    with pytest.raises(ConfigError, match=r"map.language = 'fr' is not allowed.*'nl', 'en'"):
        load_config(path)


def test_cross_checks_name_the_indicator(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        """
[stats]
indicator = "nope"
[[indicators]]
id = "vacant"
title = "Vacancy"
numerator = "vacant"
unit_level = "company"
[[composite.components]]
indicator = "vacant"
[[composite.components]]
indicator = "missing_one"
"""
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "stats.indicator = 'nope'" in message
    assert "['missing_one'] are not declared" in message
    assert "unit_level 'company'" in message


def test_a_config_with_a_protected_attribute_fails_with_the_rule(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        """
[[indicators]]
id = "x"
title = "X"
numerator = { column = "nationaliteit", not_equals = "NL" }
"""
    )
    with pytest.raises(ProfilingError, match=r"nationaliteit.*PG-NATIONALITY") as info:
        load_config(path)
    assert info.value.exit_code == 8


def test_unit_table_settings_are_checked():
    from zicht.config import UnitsInput

    with pytest.raises(ConfigError, match="needs a path"):
        UnitsInput(source="file")
    with pytest.raises(ConfigError, match="addresses only"):
        UnitsInput(level="parcel")
    with pytest.raises(ConfigError, match="'households'"):
        UnitsInput(source="file", level="households", path=Path("x.gpkg"))
    assert UnitsInput(source="file", level="company", path=Path("x.gpkg")).level == "company"


def test_a_study_area_of_several_gemeenten_is_a_list_of_codes(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('gemeente = ["GM0228", "GM0203"]\n')
    config = load_config(path)
    assert config.gemeente == ("GM0228", "GM0203")
    assert config.study_area == "GM0228+GM0203"
    path.write_text('gemeente = "GM0228"\n')
    assert load_config(path).gemeente == ("GM0228",)
    for bad in ('["GM0228", "GM0228"]', '["GM0228", "0203"]', "[]"):
        path.write_text(f"gemeente = {bad}\n")
        with pytest.raises(ConfigError, match="gemeente"):
            load_config(path)


def test_a_park_layer_needs_park_boundaries(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[map]\nlayers = ["park", "gemeente"]\n')
    with pytest.raises(ConfigError, match=r"park_areas"):
        load_config(path)


def test_every_key_is_in_the_reference_and_the_committed_page_is_current():
    page = configuration_reference()
    for _, cls, _ in SECTIONS:
        for f in fields(cls):
            if f.init and not f.metadata.get("internal"):
                assert f"| `{f.name}` |" in page, (cls.__name__, f.name)
    documented = {cls for _, cls, _ in SECTIONS}
    for cls in documented - {BoundaryInput, Link, IndicatorSpec, Component}:
        instance = cls()
        for f in fields(cls):
            nested = getattr(instance, f.name)
            if isinstance(nested, tuple) and nested:
                nested = nested[0]
            if is_dataclass(nested):
                assert type(nested) in documented, f"{cls.__name__}.{f.name} is not documented"
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == page, "docs/configuration.md is out of date; run: make docs"


def test_a_density_of_confidential_points_is_refused(tmp_path):
    path = tmp_path / "c.toml"
    body = """
[[indicators]]
id = "incidents_nearby"
title = "Incidents nearby"
numerator = "drug_incident"
kind = "density"
"""
    path.write_text(body)
    with pytest.raises(ConfigError, match=r"\['drug_incident'\] that are not declared public"):
        load_config(path)
    path.write_text('[inputs.units]\npublic_columns = ["drug_incident"]\n' + body)
    assert load_config(path).indicators[0].id == "incidents_nearby"
    # averaging over a confidential selection of units is refused too
    path.write_text(
        """
[[indicators]]
id = "park_distance"
title = "Distance to a park"
numerator = "location_trusted"
kind = "proximity"
features = "parks"
denominator = "convicted"
"""
    )
    with pytest.raises(ConfigError, match="convicted"):
        load_config(path)
