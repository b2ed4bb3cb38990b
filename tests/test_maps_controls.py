"""The risk map's controls without a browser: what the picker offers and opens on (issue 15)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from test_maps import INDICATORS, METADATA, _h3_input, embedded_config, make_release
from zicht.maps import write_map
from zicht.publish import LayerInput, publish_release
from zicht.schemas import IndicatorMeta


@pytest.fixture(scope="module")
def small():
    return make_release(rings=2)[0]


def picker_options(page: str) -> list[tuple[str, str]]:
    """(level, indicator) of every theme the two pickers offer, in the order of the page."""
    settings = embedded_config(page)
    level = re.search(r'<select id="zicht-level"[^>]*>(.*?)</select>', page).group(1)
    titles = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', level))
    return [(titles[t["data"]], t["title"]) for t in settings["themes"].values()]


def test_a_theme_without_any_value_is_not_offered(small, tmp_path):
    frame = _h3_input(small)
    frame["empty_rate"] = np.nan  # e.g. a composite that no area could get
    indicators = [*INDICATORS, IndicatorMeta("empty_rate", "Nowhere a value", "%", "rate")]
    release = publish_release([LayerInput("h3", frame)], indicators, metadata=METADATA)
    page = write_map(release, tmp_path / "m.html").read_text(encoding="utf-8")
    titles = [title for _, title in picker_options(page)]
    assert "Vacancy rate (%)" in titles
    assert not any("Nowhere a value" in t for t in titles)
    assert all(
        t["title"] != "Nowhere a value (%)" for t in embedded_config(page)["themes"].values()
    )


def tiny_parks(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Three 40 m squares inside the cells: published, but a few pixels on the opening view."""
    centres = cells.geometry.centroid.iloc[[0, 5, 10]]
    return gpd.GeoDataFrame(
        {
            "area_id": ["P1", "P2", "P3"],
            "area_name": ["Park Een", "Park Twee", "Park Drie"],
            "n_units": [40, 50, 60],
            "n_vacant": [4, 10, 30],
            "pct_vacant": [10.0, 20.0, 50.0],
        },
        geometry=[shapely.box(p.x - 20, p.y - 20, p.x + 20, p.y + 20) for p in centres],
        crs=28992,
    )


def test_the_page_opens_on_a_geography_one_can_see(small, tmp_path):
    # As the holiday-parks example: parks asked for first, but they are specks on the map.
    h3_frame = _h3_input(small).drop(columns=["hotspot_label", "hotspot_q", "hotspot_z"])
    parks = tiny_parks(h3_frame)
    release = publish_release(
        [LayerInput("park", parks), LayerInput("h3", h3_frame)],
        INDICATORS,
        metadata=dict(METADATA, map_layers=["park", "h3"]),
    )
    page = write_map(release, tmp_path / "m.html").read_text(encoding="utf-8")
    settings = embedded_config(page)
    opening = settings["themes"][settings["initial"]]
    assert opening["data"] == "a:h3"
    assert opening["title"] == "Vacancy rate (%)"
    assert ("Vakantieparken", "Vacancy rate (%)") in picker_options(page)  # still offered
    selected = re.findall(r'<option value="([^"]+)" selected>', page)
    assert selected == [opening["col"], opening["data"]]  # the indicator, then its level


def test_search_and_panel_speak_the_pages_language(small, tmp_path):
    from zicht.maps import MapOptions

    english = write_map(small, tmp_path / "en.html", options=MapOptions(language="en"))
    dutch = write_map(small, tmp_path / "nl.html")
    for path, download, placeholder in (
        (dutch, "Download als CSV", "buurt of wijk: naam of code"),
        (english, "Download as CSV", "neighbourhood or district: name or code"),
    ):
        page = path.read_text(encoding="utf-8")
        words = embedded_config(page)["panel"]["words"]
        assert words["download"] == download
        assert f'placeholder="{placeholder}"' in page
        assert 'data-testid="search"' in page and 'data-testid="area-panel"' in page
