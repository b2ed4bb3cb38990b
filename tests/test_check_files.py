"""`zicht check` verifies every file a reader gets: hashes, the folder's contents, the map.

One tiny real run (a newcomer's eight Ede buurten, 600 SYNTHETIC units) is tampered with
the way the issue-20 reviewer did: a file deleted, a byte changed in each file, a file of
another release left behind, a script injected into the map, a tooltip changed to
"SECRET 7 of 243", a value changed. The tampering of the map is also done with every hash
recomputed, so that only the map check can catch it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from newcomer_fixtures import CONFIG, newcomer
from zicht.check import check_release
from zicht.check._files import read_release
from zicht.check._integrity import check_files
from zicht.check._map import check_maps
from zicht.check._report import CheckReport
from zicht.config import load_config
from zicht.export import file_sha256, internal_dir_for

pytestmark = pytest.mark.slow  # one real run for the module (~10 s), then seconds each


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    from zicht.pipeline import run

    folder = tmp_path_factory.mktemp("tiny")
    files = newcomer(folder, config=CONFIG.replace("permutations = 99", "permutations = 0"))
    config = load_config(files.config)
    run(replace(config), folder / "rel")
    return folder / "rel"


@pytest.fixture
def copy(release, tmp_path) -> Path:
    out = tmp_path / "rel"
    shutil.copytree(release, out)
    return out


def _units(release: Path) -> Path:
    return internal_dir_for(release) / "units.parquet"


def _files_report(folder: Path) -> CheckReport:
    report = CheckReport(release=str(folder))
    check_files(folder, report)
    return report


def _map_report(folder: Path) -> CheckReport:
    report = CheckReport(release=str(folder))
    check_maps(read_release(folder, "", report), report)
    return report


def _rehash(folder: Path) -> None:
    """Recompute every hash of run_manifest.json, as a careful forger would."""
    path = folder / "run_manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["files"].values():
        file = folder / entry["path"]
        entry["sha256"], entry["bytes"] = file_sha256(file), file.stat().st_size
    data["self_sha256"] = "0" * 64
    raw = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    own = hashlib.sha256(raw).hexdigest().encode()
    path.write_bytes(raw.replace(b'"self_sha256": "' + b"0" * 64, b'"self_sha256": "' + own))


def _edit_map(folder: Path, old: str | re.Pattern[str], new: str) -> None:
    page = folder / "risk_map.html"
    text = page.read_text(encoding="utf-8")
    changed = (
        re.sub(old, new, text, count=1)
        if isinstance(old, re.Pattern)
        else text.replace(old, new, 1)
    )
    assert changed != text, f"{old!r} is not in the map"
    page.write_text(changed, encoding="utf-8")
    _rehash(folder)


def _details(report: CheckReport) -> str:
    return "\n".join(f"{v.check} | {v.where} | {v.detail}" for v in report.violations)


def test_the_whole_release_passes_every_file_and_map_check(release):
    report = check_release(release, _units(release))
    assert report.ok, _details(report)
    assert any("SHA-256 hashes recomputed" in t for t in report.tried)
    assert any("shown values against the CSVs" in t for t in report.tried)


def test_a_deleted_file_fails_naming_it(copy):
    (copy / "release.gpkg").unlink()
    report = _files_report(copy)
    assert "release.gpkg | listed with its SHA-256 in the manifest, but missing" in _details(report)


def test_a_changed_byte_in_any_file_fails_naming_that_file(release, tmp_path):
    names = sorted(p.name for p in release.iterdir())
    assert len(names) >= 14, names
    for name in names:
        folder = tmp_path / name
        shutil.copytree(release, folder)
        raw = bytearray((folder / name).read_bytes())
        raw[len(raw) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(raw))
        report = _files_report(folder)
        assert not report.ok, f"a changed byte in {name} passed"
        assert any(v.where == name for v in report.violations), (name, _details(report))


def test_a_file_of_another_release_left_behind_fails(copy):
    (copy / "park.csv").write_text("area_id,status\nP1,published\n", encoding="utf-8")
    assert "park.csv | in the folder but in no manifest" in _details(_files_report(copy))


def test_an_injected_script_fails_also_with_every_hash_recomputed(release, copy):
    _edit_map(copy, "</body>", '<script>fetch("https://evil.example/")</script></body>')
    assert _files_report(copy).ok  # the forger recomputed the hashes
    details = _details(_map_report(copy))
    assert "script that the map writer does not emit" in details and "evil.example" in details
    checked = subprocess.run(
        [sys.executable, "-m", "zicht", "check", str(copy), "--units", str(_units(release))],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )
    assert checked.returncode != 0 and "evil.example" in checked.stdout, checked.stdout[-2000:]


def test_script_appended_to_the_page_script_fails(copy):
    _edit_map(
        copy,
        "return zichtMap(map, data, config);",
        'fetch("//evil.example/"); return zichtMap(map, data, config);',
    )
    assert "script that the map writer does not emit" in _details(_map_report(copy))


@pytest.mark.parametrize(
    "payload",
    [
        '<img src=x onerror="alert(1)">',
        '<a href="https://evil.example/">meer</a>',
        '<iframe srcdoc="x"></iframe>',
        '<span style="background:url(https://evil.example/p.png)">Centrum</span>',
        '<svg><use href="https://evil.example/s.svg#x"></use></svg>',
    ],
)
def test_an_injected_element_link_or_event_fails(copy, payload):
    _edit_map(copy, "</summary>", f"</summary>{payload}")
    assert "map page" in _details(_map_report(copy)), payload


def test_a_tooltip_changed_to_a_secret_fails(copy):
    _edit_map(
        copy, re.compile(r"(\\u003cb\\u003e)[^\\]+(\\u003c\\/b\\u003e)"), r"\1SECRET 7 of 243\2"
    )
    details = _details(_map_report(copy))
    assert "the word 'secret' is in no published file" in details, details


def test_an_html_tag_in_a_tooltip_fails(copy):
    _edit_map(copy, re.compile(r"\\u003cb\\u003e"), r"\\u003cimg src=x onerror=alert(1)\\u003e")
    details = _details(_map_report(copy))
    assert "element <img>" in details and "attribute src=" in details, details


def test_an_injected_context_label_fails(copy):
    """A label must be the name of a published area; any other is reported and parsed."""
    page = (copy / "risk_map.html").read_text(encoding="utf-8")
    label = re.search(r'"labels":\[\[[-\d.]+,[-\d.]+,"([^"]+)"', page)
    assert label is not None, "the map has no context labels"
    _edit_map(copy, f',"{label.group(1)}",', ',"\\u003cimg src=x onerror=alert(1)\\u003e",')
    details = _details(_map_report(copy))
    assert "the label '<img src=x onerror=alert(1)>' names no published area" in details, details
    assert "element <img>" in details and "attribute onerror=" in details, details


def test_a_label_renamed_to_another_word_fails_though_it_is_plain(copy):
    page = (copy / "risk_map.html").read_text(encoding="utf-8")
    label = re.search(r'"labels":\[\[[-\d.]+,[-\d.]+,"([^"]+)"', page)
    assert label is not None
    # a word of the release (every layer's status), but the name of no area
    _edit_map(copy, f',"{label.group(1)}",', ',"published",')
    details = _details(_map_report(copy))
    assert "the label 'published' names no published area" in details, details
    assert "is in no published file" not in details  # the word check alone would pass it


@pytest.mark.slow
def test_a_published_name_with_markup_is_a_label_drawn_as_text(tmp_path):
    """A buurt named "<b>Oud</b> & Nieuw" is published as it is; its label passes."""
    from newcomer_fixtures import buurten_2017, write_zipped_shapefile
    from zicht.pipeline import run

    files = newcomer(tmp_path, config=CONFIG.replace("permutations = 99", "permutations = 0"))
    buurten = buurten_2017()
    buurten.loc[0, "BU_NAAM"] = "<b>Oud</b> & Nieuw"
    write_zipped_shapefile(buurten.to_crs("EPSG:3857"), files.buurten_zip)
    run(load_config(files.config), tmp_path / "rel")
    assert "\\u003cb\\u003eOud" in (tmp_path / "rel" / "risk_map.html").read_text()
    report = _map_report(tmp_path / "rel")
    assert report.ok, _details(report)


def test_a_changed_value_on_the_map_fails(copy):
    page = (copy / "risk_map.html").read_text(encoding="utf-8")
    first = re.search(r'"v":\[(?:null,)*(\d+(?:\.\d+)?)', page)
    assert first is not None
    value = first.group(1)
    _edit_map(
        copy,
        re.compile(re.escape(first.group(0))),
        first.group(0)[: -len(value)] + str(float(value) + 1),
    )
    details = _details(_map_report(copy))
    assert f"shows {float(value) + 1}, the published value is" in details, details
