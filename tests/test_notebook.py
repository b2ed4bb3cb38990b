"""The walkthrough notebook: it uses only the curated API, and it runs from top to bottom."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "demo_walkthrough.ipynb"

#: Besides ``import zicht``, the notebook may import only these standard-library modules.
STDLIB = {"pathlib"}


def _code_cells() -> list[dict]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def test_the_notebook_imports_only_zicht():
    imported = set()
    for cell in _code_cells():
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    assert "zicht" in imported
    assert imported <= {"zicht", *STDLIB}, f"use the curated API instead of {imported - STDLIB}"


def test_the_committed_notebook_has_no_outputs():
    # `make notebook` writes the executed copy to out/; the committed one stays clean
    dirty = [i for i, c in enumerate(_code_cells()) if c["outputs"] or c["execution_count"]]
    assert not dirty, f"clear the outputs of code cells {dirty}"


@pytest.mark.slow
def test_the_notebook_runs_without_a_cell_error(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors
    out = tmp_path / "out" / "notebook"
    assert (out / "risk_map.html").exists()
    assert (out / "release.gpkg").stat().st_size > 0
    check = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "RESULT: PASS" in check
