"""Shared fixtures: tiny literal layers in RD New, and the shipped data folder."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

pytest_plugins = ["postgis_fixtures"]

# CLI messages are checked as text: a wide console keeps rich from wrapping them.
os.environ.setdefault("COLUMNS", "250")

GEODATA = Path(__file__).resolve().parents[1] / "geodata"


def shipped_buurten(code_prefix: str | None = None) -> gpd.GeoDataFrame:
    """The shipped CBS buurten 2014 (``geodata/cbs``), those of ``code_prefix`` only if given."""
    from zicht.ingest._readers import read_boundaries

    buurten, _ = read_boundaries(
        GEODATA / "cbs" / "Buurt_2014_layer_q1e3.json",
        level="buurt",
        code_column="statcode",
        name_column="statnaam",
        assume_crs="EPSG:4326",
        code_prefix=code_prefix,
    )
    return buurten


@pytest.fixture
def geodata() -> Path:
    return GEODATA


@pytest.fixture
def two_buurten() -> gpd.GeoDataFrame:
    """Two 100 m squares sharing the edge x = 100 000, in one wijk of gemeente 9999."""
    return gpd.GeoDataFrame(
        {
            "code": ["BU99990101", "BU99990102"],
            "name": ["West", "Oost"],
        },
        geometry=[
            shapely.box(99_900, 450_000, 100_000, 450_100),
            shapely.box(100_000, 450_000, 100_100, 450_100),
        ],
        crs=28992,
    )


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory):
    """The shipped demo (``geodata/demo.toml``, what ``zicht demo`` runs), run once a session.

    Returns the folder of the release (``…/v1``; its unit file is ``…/v1_internal/units.parquet``)
    and the run's result. Tests only read it; one that changes files runs its own.
    """
    from zicht.config import DEMO_CONFIG_PATH, load_config
    from zicht.pipeline import run

    out = tmp_path_factory.mktemp("demo-release") / "v1"
    return out, run(load_config(DEMO_CONFIG_PATH), out)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through playwright, one per test module (a module may define its own)."""
    from zicht.maps._browser import launch_chromium

    with launch_chromium() as chromium:
        yield chromium
