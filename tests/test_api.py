"""The curated top level (``import zicht``) and the fast start it promises.

``import zicht`` must give the names a notebook needs, each resolving to the object its
family's face exports, and must import nothing heavy: neither ``import zicht`` nor
``zicht --help`` nor a config error from ``zicht run`` may load numpy, pandas, scipy or
libpysal. The imports are checked in a fresh interpreter (the test process has them all
loaded already); the speed itself is measured by ``benchmarks/bench_start.py``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import zicht

SRC = Path(__file__).resolve().parents[1] / "src" / "zicht"

#: What a user must never wait for before the first line of help or the first config error.
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "libpysal",
    "esda",
    "geopandas",
    "shapely",
    "pyproj",
    "matplotlib",
    "folium",
)

#: The names the walkthrough notebook and the README use: the curated API must keep them.
NOTEBOOK_NAMES = {
    "read_boundaries",
    "read_units",
    "join_units",
    "gi_star",
    "local_moran",
    "h3_graph",
    "polygon_graph",
    "smooth_rates",
    "compute_indicators",
    "publish_release",
    "check_release",
    "write_map",
    "load_config",
    "run",
    "run_demo",
}


def _faces() -> list[str]:
    return sorted(p.parent.name for p in SRC.glob("*/__init__.pyi"))


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADED = f"""
import json, sys
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def test_every_top_level_name_resolves_and_is_listed():
    assert set(zicht.__all__) >= NOTEBOOK_NAMES
    listed = set(dir(zicht))
    missing = [n for n in zicht.__all__ if n not in listed]
    assert not missing, f"dir(zicht) lacks {missing}"
    for name in zicht.__all__:
        assert getattr(zicht, name) is not None, name


def test_top_level_names_are_the_faces_objects():
    # the top level re-exports, it never defines: each name is its family's own object
    assert zicht.gi_star is importlib.import_module("zicht.stats").gi_star
    assert zicht.read_units is importlib.import_module("zicht.ingest").read_units
    assert zicht.publish_release is importlib.import_module("zicht.publish").publish_release
    assert zicht.check_release is importlib.import_module("zicht.check").check_release
    assert zicht.run is importlib.import_module("zicht.pipeline").run
    assert issubclass(zicht.ConfigError, zicht.ZichtError)


def test_an_unknown_top_level_name_says_so():
    with pytest.raises(AttributeError, match="hotspots"):
        zicht.hotspots  # noqa: B018 - the old flat module is gone


@pytest.mark.parametrize("family", _faces())
def test_every_face_name_resolves(family):
    face = importlib.import_module(f"zicht.{family}")
    assert face.__all__, f"zicht.{family} exports nothing"
    assert set(face.__all__) <= set(dir(face))
    for name in face.__all__:
        assert getattr(face, name) is not None, f"zicht.{family}.{name}"


def test_import_zicht_loads_nothing_heavy():
    found = _fresh("import zicht; code = len(zicht.__all__)" + LOADED)
    assert found["heavy"] == []
    assert found["code"] == len(zicht.__all__)


def test_help_loads_nothing_heavy():
    code = (
        "from zicht.cli import app\n"
        "try:\n    app(['--help'], prog_name='zicht')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
    )
    found = _fresh(code + LOADED)
    assert found == {"code": 0, "heavy": []}


def test_a_config_error_is_reported_before_anything_heavy_loads(tmp_path):
    # the config a newcomer gets wrong: a misspelt top-level key
    bad = tmp_path / "run.toml"
    bad.write_text('title = "Ede"\ngemeente = "GM0228"\nstudy_area = "Ede"\n', encoding="utf-8")
    code = (
        "from zicht.cli import app\n"
        "try:\n"
        f"    app(['run', {str(bad)!r}, '--out', {str(tmp_path / 'out')!r}], prog_name='zicht')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
    )
    found = _fresh(code + LOADED)
    assert found == {"code": zicht.ConfigError.exit_code, "heavy": []}
    assert not (tmp_path / "out").exists()


def test_loading_the_shipped_configs_loads_nothing_heavy():
    root = Path(__file__).resolve().parents[1]
    paths = [root / "geodata" / "demo.toml", *sorted((root / "examples").glob("*/config.toml"))]
    code = (
        "from zicht.config import load_config, load_years_config\n"
        f"for p in {[str(p) for p in paths]!r}:\n"
        "    (load_years_config if p.endswith('/years/config.toml') else load_config)(p)\n"
        f"code = {len(paths)}\n"
    )
    found = _fresh(code + LOADED)
    assert found == {"code": len(paths), "heavy": []}
