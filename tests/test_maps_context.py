"""Where an area lies and the names on the map, without a browser (issue 15 item 3)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from zicht.maps._context import label_config, where_texts
from zicht.maps._layers import ContextLayer


def _context(name: str, ids, names, boxes) -> ContextLayer:
    geometry = gpd.GeoSeries([shapely.box(*b) for b in boxes], crs=28992)
    return ContextLayer(name, name, "area", tuple(ids), tuple(names), geometry, geometry.values)


CONTEXT = (
    _context(
        "buurt",
        ["BU1", "BU2"],
        ["Centrum", "<b>Oost</b>"],
        [(0, 0, 1000, 1000), (1000, 0, 1200, 200)],
    ),
    _context("gemeente", ["GM1"], ["Ede"], [(0, 0, 1200, 1000)]),
)


def test_a_cell_is_told_its_buurt_and_gemeente_escaped():
    cells = gpd.GeoSeries(
        [
            shapely.box(100, 100, 200, 200),
            shapely.box(1050, 50, 1150, 150),
            shapely.box(1210, 500, 1260, 550),  # 10 m outside every box: the nearest
            shapely.box(5000, 5000, 5100, 5100),  # far away: nothing
        ],
        crs=28992,
    )
    texts = where_texts("h3", cells, CONTEXT, "nl")
    assert texts[0] == "Buurt: Centrum · Gemeente: Ede"
    assert texts[1] == "Buurt: &lt;b&gt;Oost&lt;/b&gt; · Gemeente: Ede"
    assert texts[2] == "Buurt: Centrum · Gemeente: Ede"  # Centrum is the nearer buurt box
    assert texts[3] == ""
    # a buurt is told its gemeente, not itself
    assert where_texts("buurt", cells[:1], CONTEXT, "en") == ("Municipality: Ede",)


def test_a_smaller_area_or_longer_name_needs_a_closer_zoom():
    labels = {row[2]: row for row in label_config(CONTEXT)}
    assert set(labels) == {"Centrum", "<b>Oost</b>", "Ede"}  # raw text: set as text in the page
    centrum, oost, ede = labels["Centrum"], labels["<b>Oost</b>"], labels["Ede"]
    assert ede[3] < centrum[3] < oost[3]
    assert ede[4] < centrum[4]  # the gemeente's name gives way to the buurten
    assert 47.5 < centrum[0] < 48.5 and 3.0 < centrum[1] < 3.6  # WGS84 near RD (500, 500)
