import pytest

from zicht import ConfigError
from zicht.config import DemoConfig, StatsConfig, load_config


def test_defaults():
    config = DemoConfig()
    assert config.gemeente == "GM0228"
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
        DemoConfig(resolution=14)


def test_bad_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("resolution = = 3")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)
