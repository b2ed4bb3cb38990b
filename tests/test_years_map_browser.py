"""The map of a years run (issue 18 item 5), as an official uses it, in headless Chromium.

A tiny SYNTHETIC four-year run of Renkum: the same addresses every year, signals that grow in
one buurt, and one buurt that has too few addresses in 2022 to be published. On the 2021
page: change the year in the selector (the 2023 page opens on the same layer), click an
area and see the chart of its published values with its trend; the buurt hidden in 2022
has no value for 2022 in its chart, while its other years are there.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from map_browser_support import BROWSER_MARKS
from zicht.cli import app
from zicht.schemas import RD_NEW

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.slow,
]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "years" / "config.toml"
YEARS = (2020, 2021, 2022, 2023)


def _buurten() -> gpd.GeoDataFrame:
    from zicht.config import load_years_config
    from zicht.pipeline import read_study_area

    config, _ = load_years_config(EXAMPLE)
    frame = read_study_area(config)["buurt"].to_crs(RD_NEW)
    return frame.sort_values("code").reset_index(drop=True)


def _units(buurten: gpd.GeoDataFrame) -> tuple[dict[int, gpd.GeoDataFrame], str, str]:
    """60 addresses in each of four buurten; the fourth keeps 5 in 2022 (suppressed)."""
    rng = np.random.default_rng(18)
    chosen = buurten.iloc[:4]
    points, codes = [], []
    for code, shape in zip(chosen["code"], chosen.geometry, strict=True):
        found = shapely.points(
            rng.uniform(*shape.bounds[0::2], 4000), rng.uniform(*shape.bounds[1::2], 4000)
        )
        inside = found[shapely.contains(shape, found)][:60]
        points += list(inside)
        codes += [code] * len(inside)
    base = gpd.GeoDataFrame(
        {"address_id": [f"A{i:04d}" for i in range(len(points))], "buurt": codes},
        geometry=points,
        crs=RD_NEW,
    )
    hidden = str(chosen["code"].iloc[3])
    growing = str(chosen["code"].iloc[0])
    out = {}
    for step, year in enumerate(YEARS):
        frame = base.copy()
        order = frame.groupby("buurt").cumcount()
        # buurt 1 grows by 10 signals a year, the others keep 10
        grow = frame["buurt"] == chosen["code"].iloc[0]
        frame["signal"] = np.where(grow, order < 10 + 10 * step, order < 10)
        if year == 2022:
            frame = frame[(frame["buurt"] != hidden) | (order < 5)]
        out[year] = frame.drop(columns="buurt").reset_index(drop=True)
    return out, hidden, growing


@pytest.fixture(scope="module")
def run(tmp_path_factory):

    folder = tmp_path_factory.mktemp("years_map")
    units, hidden, growing = _units(_buurten())
    tables = ""
    for year, frame in units.items():
        frame.to_parquet(folder / f"u_{year}.parquet")
        tables += f'\n[[years.tables]]\nyear = {year}\nunits = "{folder}/u_{year}.parquet"\n'
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('geodata = "../../geodata"', f'geodata = "{ROOT / "geodata"}"')
    text = text.replace("permutations = 9999", "permutations = 99")
    text = text[: text.index("\n[years]\n") + 1] + "[years]\ntrend_min_years = 4\n" + tables
    config = folder / "config.toml"
    config.write_text(text, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, hidden, growing


def test_year_selector_and_panel_chart_show_published_values_only(run, browser):
    out, hidden, growing = run
    trend = pd.read_csv(out / "trends" / "trend_buurt.csv")
    row = trend[(trend["area_id"] == hidden) & trend["indicator"].str.startswith("rate_signal")]
    assert row["value_2022"].isna().all() and row["value_2021"].notna().all()
    # the rewritten pages still pass `zicht check`, each against the year before
    for year in YEARS[1:]:
        checked = CliRunner().invoke(
            app, ["check", str(out / str(year)), "--against", str(out / str(year - 1))]
        )
        assert checked.exit_code == 0, checked.output
    pages = {str(out / str(y) / "risk_map.html") for y in YEARS}
    blocked, errors = [], []

    def route(request):  # the yearly pages only: nothing else, no network
        url = request.request.url
        if url.startswith("file://") and unquote(urlparse(url).path) in pages:
            request.continue_()
        else:
            blocked.append(url)
            request.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 860}, offline=True)
    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((out / "2021" / "risk_map.html").as_uri())
        page.wait_for_function("window.zicht && window.zicht.years")
        buurt = page.evaluate(
            "Object.keys(zicht.config.themes).find(k => zicht.config.themes[k].data === 'a:buurt'"
            " && zicht.config.themes[k].col === 'rate_signal_eb_global_pct')"
        )
        page.select_option("#zicht-picker", "rate_signal_eb_global_pct")  # the indicator
        page.select_option("#zicht-level", "a:buurt")  # on the buurten
        assert page.evaluate("zicht.current()") == buurt
        page.select_option('[data-testid="year"]', "2023")
        page.wait_for_url("**/2023/risk_map.html#*")
        page.wait_for_function("window.zicht && window.zicht.years")
        assert page.evaluate("zicht.current()") == buurt  # the same layer in the other year
        assert page.locator('[data-testid="year"]').input_value() == "2023"
        k = page.evaluate(f"zicht.config.panel.areas['a:buurt'].i.indexOf({hidden!r})")
        page.evaluate(f"zicht.panel.show('a:buurt', {k}, true)")
        chart = page.locator('[data-testid="area-panel"] [data-testid="years-chart"]')
        chart.wait_for()
        assert chart.locator("svg circle").count() == 3
        shown = chart.locator(".zicht-year-value").evaluate_all("gs => gs.map(g => g.dataset.year)")
        assert shown == ["2020", "2021", "2023"]
        assert chart.locator('.zicht-year-hidden[data-year="2022"]').count() == 1
        assert "niet gepubliceerd" in chart.locator(".zicht-year-hidden title").text_content()
        assert "Trend (Mann-Kendall)" in chart.inner_text()
        # a real click on the growing buurt opens its chart with four values
        grow = page.evaluate(f"zicht.config.panel.areas['a:buurt'].i.indexOf({growing!r})")
        assert grow >= 0
        page.evaluate(f"zicht.panel.show('a:buurt', {grow}, true)")
        page.evaluate("zicht.panel.close()")
        box = page.evaluate(
            f"(() => {{ const b = zicht.layer().getLayers()[{grow}].getBounds().getCenter();"
            " const p = zicht.map.latLngToContainerPoint(b);"
            " const r = zicht.map.getContainer().getBoundingClientRect();"
            " return [r.left + p.x, r.top + p.y]; })()"
        )
        page.mouse.click(*box)
        chart.wait_for()
        assert chart.locator("svg circle").count() == 4
    finally:
        context.close()
    assert blocked == [] and errors == []
