"""The dashboard for many gemeenten: an overview that links to one small page per gemeente."""

from __future__ import annotations

import itertools
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from test_maps import INDICATORS, METADATA, addresses_in, embedded_data, hex_cells
from zicht import ConfigError, InputError
from zicht.config import MapConfig
from zicht.maps import write_gemeente_pages, write_map
from zicht.publish import DisclosureRules, LayerInput, publish_release


def _areas(cells: gpd.GeoDataFrame, prefix: str, codes: list[str]) -> gpd.GeoDataFrame:
    """Vertical strips over the cells' extent, one per code."""
    xmin, ymin, xmax, ymax = cells.total_bounds
    cuts = np.linspace(xmin - 200, xmax + 200, len(codes) + 1)
    return gpd.GeoDataFrame(
        {"area_id": codes, "area_name": [f"{prefix} {c[-2:]}" for c in codes]},
        geometry=[shapely.box(a, ymin - 200, b, ymax + 200) for a, b in itertools.pairwise(cuts)],
        crs=28992,
    )


def _counted(areas: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    inside = gpd.sjoin(units, areas, predicate="within")
    counts = inside.groupby("area_id").agg(n_units=("vacant", "size"), n_vacant=("vacant", "sum"))
    frame = areas.merge(counts, left_on="area_id", right_index=True, how="left")
    frame = frame.fillna({"n_units": 0, "n_vacant": 0}).astype({"n_units": int, "n_vacant": int})
    frame["pct_vacant"] = 100 * frame["n_vacant"] / frame["n_units"].clip(lower=1)
    return frame


def _code(feature: dict) -> str:
    """The name a feature's tooltip leads with (a cell's id, an area's name)."""
    return re.sub(r"</?b>", "", feature["properties"]["h"]).split("<")[0].strip()


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """A release of two gemeenten with four wijken and H3 cells across both."""
    cells = hex_cells(6)
    units = addresses_in(cells, 3000, seed=5)
    cells = cells.assign(area_name=cells["area_id"])
    gemeenten = _areas(cells, "Gemeente", ["GM0001", "GM0002"])
    wijken = _areas(cells, "Wijk", ["WK000101", "WK000102", "WK000201", "WK000202"])
    release = publish_release(
        [
            LayerInput("h3", _counted(cells, units)),
            LayerInput("wijk", _counted(wijken, units)),
            LayerInput("gemeente", _counted(gemeenten, units)),
        ],
        INDICATORS,
        rules=DisclosureRules(min_units=10, rounding_base=5),
        metadata=METADATA | {"title": "Nederland", "map_layers": ["h3", "wijk", "gemeente"]},
        context={"buurt": _areas(cells, "Omtrek", ["BU00010001", "BU00020001"])},
    )
    out = tmp_path_factory.mktemp("national")
    paths = write_gemeente_pages(release, out)
    one_page = write_map(release, out / "one_page.html")
    return release, out, paths, one_page


def test_the_overview_draws_gemeenten_and_wijken_and_links_every_gemeente(national):
    _, out, paths, _ = national
    page = paths["map"].read_text(encoding="utf-8")
    assert paths["map"] == out / "risk_map.html"
    assert set(embedded_data(page)) == {"a:wijk", "a:gemeente"}  # no H3 layer of the country
    links = re.findall(r'href="(gemeenten/GM\d{4}\.html)"', page)
    assert sorted(links) == ["gemeenten/GM0001.html", "gemeenten/GM0002.html"]
    assert all((out / link).is_file() for link in links)
    assert "BU0001" not in page  # the country's buurt outlines stay on the gemeente pages


def test_every_published_cell_is_on_the_page_of_one_gemeente(national):
    release, _, paths, one_page = national
    seen: list[str] = []
    for code in ("GM0001", "GM0002"):
        page = paths[f"map_{code}"].read_text(encoding="utf-8")
        assert 'href="../risk_map.html"' in page
        own, other = f"BU{code[2:]}0001", "BU00010001" if code == "GM0002" else "BU00020001"
        assert own in page and other not in page  # the outlines of its own gemeente only
        data = embedded_data(page)
        assert [_code(f) for f in data["a:gemeente"]["features"]] == [f"Gemeente {code[-2:]}"]
        seen += [_code(f) for f in data["a:h3"]["features"]]
        # each page is smaller than the one page of everything
        assert paths[f"map_{code}"].stat().st_size < one_page.stat().st_size
    cells = release.layers["h3"]["area_id"].astype(str)
    assert sorted(seen) == sorted(cells)  # nothing lost, nothing twice


def test_pages_per_gemeente_need_the_gemeente_layer(national, tmp_path):
    release, *_ = national
    without = type(release).__new__(type(release))  # the same release without gemeenten
    without.__dict__.update(release.__dict__)
    object.__setattr__(without, "layers", {"h3": release.layers["h3"]})
    with pytest.raises(InputError, match="gemeente layer"):
        write_gemeente_pages(without, tmp_path)
    with pytest.raises(ConfigError, match=r"map\.pages"):
        MapConfig(layers=("h3", "buurt"), pages="gemeente")
