"""The synthetic label of a release is Dutch first, from the string catalogue.

A newcomer's run (tests/newcomer_fixtures: eight real Ede buurten, 600 SYNTHETIC units
declared synthetic) through the command line; the test reads the written manifest, summary
and report.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newcomer_fixtures import CONFIG, newcomer
from zicht._strings import text
from zicht.cli import app


def _run(tmp_path, config: str) -> dict:
    files = newcomer(tmp_path, config=config.replace("permutations = 99", "permutations = 0"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(files.config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {
        "manifest": manifest["metadata"]["synthetic_note"],
        "report": (out / "report.md").read_text(encoding="utf-8"),
    }


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_manifest_synthetic_note_speaks_the_map_language(tmp_path, language):
    config = CONFIG if language == "nl" else CONFIG + f'\n[map]\nlanguage = "{language}"\n'
    found = _run(tmp_path, config)
    expected = text(
        "report",
        "synthetic_declared",
        language,
        file="units.gpkg",
        level=text("report", "level_address", language),
    )
    assert found["manifest"] == expected
    opening = "SYNTHETISCHE GEGEVENS" if language == "nl" else "SYNTHETIC DATA"
    assert found["manifest"].startswith(opening)
    assert expected in found["report"]  # the same words the report opens with
