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
