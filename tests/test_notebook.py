"""The walkthrough notebook runs from top to bottom (its code cells, in order)."""

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "demo_walkthrough.ipynb"


@pytest.mark.slow
def test_walkthrough_notebook_runs(tmp_path, monkeypatch):
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert len(code) >= 6
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for source in code:
        exec(compile(source, str(NOTEBOOK), "exec"), namespace)
    out = tmp_path / "out" / "notebook"
    assert (out / "risk_map.html").exists()
    assert namespace["report"].balanced
    assert (out / "release.gpkg").stat().st_size > 0
