"""The national overview and its gemeente pages, written fast, show what the slow way showed.

`write_gemeente_pages` does the work of the whole country once (web geometry, the names of
where each feature lies, each feature's GeoJSON, labels, context) and each page only takes
its part. These tests build three gemeenten with buurten, wijken and H3 cells, and check
that each page shows per area exactly the values, classes, texts and statuses that a map of
that gemeente's part of the release, written on its own by `write_map`, shows; that the pages
link to each other; that a page is small; that buurt outlines are not embedded a second time
where the buurt layer is published; and that the release checker's map check passes.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from disclosure_fixtures import EDE, METAS, hexagons
from test_maps import embedded_config, embedded_data
from test_national_maps import _areas
from zicht.check._files import read_release
from zicht.check._map import check_maps
from zicht.check._report import CheckReport
from zicht.export import write_release
from zicht.maps import write_gemeente_pages, write_map
from zicht.publish import DisclosureRules, LayerInput, UnitTable, publish_release

pytestmark = pytest.mark.slow  # one release of three gemeenten for the module (~6 s)

GEMEENTEN = ["GM0001", "GM0002", "GM0003"]
BUURTEN = [f"BU000{g}000{b}" for g in (1, 2, 3) for b in (1, 2)]
WIJKEN = [f"WK000{g}0{w}" for g in (1, 2, 3) for w in (1, 2)]


def _units(cells: np.ndarray, strips: dict[str, gpd.GeoDataFrame], n: int) -> pd.DataFrame:
    """Seeded units in the cells, clustered, with the codes of the strips they lie in."""
    rng = np.random.default_rng(11)
    hexes = hexagons(cells)
    xmin, ymin, xmax, ymax = hexes.total_bounds
    centres = rng.uniform((xmin, ymin), (xmax, ymax), (6, 2))
    xy = centres[rng.integers(0, 6, n)] + rng.normal(0, (xmax - xmin) / 7, (n, 2))
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    frame = pd.DataFrame(
        {"h3_r9": [h3i.latlng_to_cell(a, o, 9) for a, o in zip(lat, lon, strict=True)]}
    )
    points = shapely.points(xy)
    for level, areas in strips.items():
        tree = shapely.STRtree(areas.geometry.to_numpy())
        where, which = tree.query(points, predicate="within")
        codes = np.full(n, None, dtype=object)
        codes[where] = areas["area_id"].to_numpy()[which]
        frame[f"{level}_code"] = codes
    frame = frame[frame["h3_r9"].isin(cells) & frame.notna().all(axis=1)].reset_index(drop=True)
    frame["h3_r9"] = frame["h3_r9"].astype("Int64")
    frame["unit_id"] = [f"U{i:05d}" for i in range(len(frame))]
    frame["vacant"] = rng.random(len(frame)) < 0.1
    frame["mismatch"] = rng.random(len(frame)) < 0.05
    return frame


@pytest.fixture(scope="module")
def country(tmp_path_factory):
    """Three gemeenten (two buurten and wijken each) and H3 cells, sparse in places."""
    cells = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(*EDE, 9), 7)), dtype=np.int64)
    hexes = hexagons(cells)
    strips = {
        "buurt": _areas(hexes, "Buurt", BUURTEN),
        "wijk": _areas(hexes, "Wijk", WIJKEN),
        "gemeente": _areas(hexes, "Gemeente", GEMEENTEN),
    }
    units = _units(cells, strips, 6000)
    release = publish_release(
        [LayerInput("h3", hexes)] + [LayerInput(k, v) for k, v in strips.items()],
        METAS,
        rules=DisclosureRules(min_units=10, rounding_base=5),
        units=UnitTable(units, unit_id="unit_id"),
        metadata={"run_id": "pages", "title": "Nederland", "hotspot": {"k": 1}}
        | {"map_layers": ["h3", "buurt", "wijk", "gemeente"], "created": "2025-01-02"},
        context=strips,
    )
    out = tmp_path_factory.mktemp("country")
    write_release(release, out)
    paths = write_gemeente_pages(release, out)
    return release, out, paths


def _ids(config: dict, key: str) -> list[str]:
    return [html.unescape(i) for i in config["panel"]["areas"][key]["i"]]


def content(page: str) -> dict:
    """What a page shows per area: each theme's value, text and class, and each feature's
    tooltip texts and status (not ``w``, where it lies, which the shared work names against
    the whole country's context), the legend and the title."""
    data, config = embedded_data(page), embedded_config(page)
    shown: dict = {}
    for theme in config["themes"].values():
        ids = _ids(config, theme["data"])
        key = (theme["data"], theme["col"], theme["kind"], theme["title"], tuple(theme["colours"]))
        values = zip(theme["v"], theme["t"], theme["c"], strict=True)
        shown[key] = dict(zip(ids, values, strict=True))
    for key, collection in data.items():
        if key.startswith("a:"):
            props = [
                json.dumps({k: v for k, v in f["properties"].items() if k != "w"}, sort_keys=True)
                for f in collection["features"]
            ]
            shown[key] = dict(zip(_ids(config, key), props, strict=True))
    shown["legend"] = re.search(r'<details class="zicht-legend".*?</details>', page, re.S)[0]
    shown["title"] = re.search(r"<title>(.*?)</title>", page)[1]
    return shown


def _inside(frame: gpd.GeoDataFrame, area) -> np.ndarray:
    return frame.geometry.representative_point().within(area).to_numpy()


def _slow_page(release, code: str, out: Path) -> Path:
    """The page of one gemeente written the straightforward way: its part, by write_map."""
    area = release.layers["gemeente"].set_index("area_id").geometry[code]
    keep = {name: _inside(f, area) for name, f in release.layers.items()}
    # a merged feature brings the region it is published through
    wanted = {
        str(r)
        for name, f in release.layers.items()
        if name != "region" and "region_id" in f
        for r in f.loc[keep[name], "region_id"].dropna()
    }
    regions = release.layers["region"]
    keep["region"] = keep["region"] | regions["area_id"].astype(str).isin(wanted).to_numpy()
    layers = {name: release.layers[name][k] for name, k in keep.items() if k.any()}
    context = {name: f[_inside(f, area)] for name, f in release.context.items()}
    name = release.layers["gemeente"].set_index("area_id")["area_name"][code]
    metadata = dict(release.metadata) | {"title": f"Nederland — {name}"}
    part = dataclasses.replace(release, layers=layers, context=context, metadata=metadata)
    return write_map(part, out / f"{code}.html")


def test_every_page_shows_per_area_what_the_page_written_alone_shows(country, tmp_path):
    release, _, paths = country
    assert set(paths) == {"map"} | {f"map_{code}" for code in GEMEENTEN}
    statuses = set(release.layers["h3"]["status"].astype(str))
    assert {"published", "merged"} <= statuses  # the case has cells merged into regions
    assert len(release.layers["region"])
    for code in GEMEENTEN:
        fast = content(paths[f"map_{code}"].read_text(encoding="utf-8"))
        slow = content(_slow_page(release, code, tmp_path).read_text(encoding="utf-8"))
        assert fast.keys() == slow.keys()
        for key in slow:
            assert fast[key] == slow[key], (code, key)
        assert len(fast["a:h3"]) > 10 and len(fast["a:buurt"]) == 2


def test_the_overview_and_the_pages_link_to_each_other(country):
    _, out, paths = country
    overview = paths["map"].read_text(encoding="utf-8")
    links = re.findall(r'href="(gemeenten/GM\d{4}\.html)"', overview)
    assert sorted(links) == [f"gemeenten/{code}.html" for code in GEMEENTEN]
    for link in links:
        page = (out / link).read_text(encoding="utf-8")
        assert 'href="../risk_map.html"' in page
        assert (out / link).resolve() == paths[f"map_{Path(link).stem}"].resolve()


def _data_bytes(page: str) -> int:
    return len(re.search(r"const data = (\{.*?\});\n  const config = ", page, re.DOTALL)[1])


def test_pages_are_small_and_draw_buurt_outlines_from_the_buurt_layer(country, tmp_path):
    release, _, paths = country
    whole = write_map(release, tmp_path / "one_page.html")
    whole_data = _data_bytes(whole.read_text(encoding="utf-8"))
    assert paths["map"].stat().st_size < whole.stat().st_size
    for code in GEMEENTEN:
        page = paths[f"map_{code}"].read_text(encoding="utf-8")
        # a third of the country's features, and no outline twice
        alone = _slow_page(release, code, tmp_path).read_text(encoding="utf-8")
        assert _data_bytes(page) < 0.45 * whole_data
        assert _data_bytes(page) < _data_bytes(alone)
        data, config = embedded_data(page), embedded_config(page)
        # the published buurten (and wijken, gemeenten) are the outlines: not embedded twice
        for level in ("buurt", "wijk", "gemeente"):
            assert f"c:{level}" not in data
            assert config["contexts"][f"c:{level}"]["data"] == f"a:{level}"
        own = {b for b in BUURTEN if b[2:6] == code[2:]}
        assert set(_ids(config, "a:buurt")) == own


def _map_check(folder: Path) -> tuple[list[str], list[str]]:
    report = CheckReport(release=str(folder))
    check_maps(read_release(folder, "", report), report)
    return [f"{v.where}: {v.detail}" for v in report.violations], report.tried


def test_the_overview_and_every_page_pass_the_map_check(country):
    _, out, _ = country
    problems, tried = _map_check(out)
    assert problems == []
    checked = sorted(t.split(":")[0] for t in tried)
    assert checked == [f"gemeenten/{code}.html" for code in GEMEENTEN] + ["risk_map.html"]


def test_a_changed_gemeente_page_fails_the_map_check(country, tmp_path):
    _, out, _ = country
    copy = tmp_path / "release"
    shutil.copytree(out, copy)
    page = copy / "gemeenten" / "GM0002.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace('href="../risk_map.html"', 'href="https://evil.example/"', 1), "utf-8"
    )
    problems, _ = _map_check(copy)
    assert len(problems) == 1
    assert problems[0].startswith("gemeenten/GM0002.html line ")
    assert "<a href='https://evil.example/'>: a link or resource" in problems[0]


def test_pages_written_by_worker_processes_are_the_same_bytes(country, tmp_path, monkeypatch):
    import zicht.maps._national as national

    release, _, paths = country
    monkeypatch.setattr(national, "_MIN_PAGES_FOR_WORKERS", 1)  # workers for three pages
    if national._workers(len(GEMEENTEN)) == 0:
        pytest.skip("one core (or no fork): the pages are written by this process")
    again = write_gemeente_pages(release, tmp_path)
    assert list(again) == list(paths)  # the same pages, in the same order
    for key, path in paths.items():
        assert again[key].read_bytes() == path.read_bytes(), key


def test_an_error_on_a_page_names_the_gemeente(country, tmp_path, monkeypatch):
    import zicht.maps._national as national

    release, *_ = country

    def broken(part, path, **kwargs):
        if path.stem == "GM0002":
            raise ValueError("a broken outline")
        return path

    monkeypatch.setattr(national, "write_page", broken)
    with pytest.raises(ValueError, match="a broken outline") as caught:
        write_gemeente_pages(release, tmp_path)
    assert caught.value.__notes__ == ["while writing the map page of gemeente GM0002 (Gemeente 02)"]
