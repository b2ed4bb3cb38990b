"""Every worked example is complete: config, README, generator, make target, gallery entry.

Each example's own test (``tests/test_example_<theme>.py``) runs it and checks the planted
pattern; this file checks that the set is whole and that the gallery shows every one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from example_support import english_words
from zicht.config import load_config
from zicht.config._years import load_years_config

ROOT = Path(__file__).resolve().parents[1]
THEMES = ("holiday_parks", "real_estate", "drugs", "care_providers", "youth")
#: The example over several years (docs/years.md): one release per year, no gallery picture.
YEARS = "years"


def test_the_examples_folder_holds_exactly_the_five_themes_and_the_years():
    found = sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir())
    assert found == sorted((*THEMES, YEARS))


def test_the_years_example_has_a_readme_a_generator_a_test_and_a_make_target():
    folder = ROOT / "examples" / YEARS
    text = (folder / "README.md").read_text(encoding="utf-8").lower()
    for needed in ("question", "problem owner", "indicator", "rule", "follow-up", "synthetic"):
        assert needed in text, f"{YEARS}/README.md does not mention {needed!r}"
    assert "make example-years" in text and "docs/years.md" in text
    assert "def generate(" in (folder / "generate.py").read_text(encoding="utf-8")
    assert (ROOT / "tests" / "test_example_years.py").is_file()
    assert "example-years:" in (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("theme", THEMES)
def test_an_example_has_a_valid_config_a_generator_and_a_test(theme):
    folder = ROOT / "examples" / theme
    config = load_config(folder / "config.toml")
    assert config.question.question.strip()
    assert config.question.problem_owner.strip()
    assert config.inputs.units.source == "file"
    # The unit table is the one the example's generator writes.
    assert config.inputs.resolve(config.inputs.units.path).resolve() == (
        folder / "data" / "units.parquet"
    )
    for spec in config.indicators:
        assert spec.purpose.strip(), f"{theme}: indicator {spec.id} has no purpose"
        assert spec.follow_up, f"{theme}: indicator {spec.id} has no follow-up steps"
    source = (folder / "generate.py").read_text(encoding="utf-8")
    assert "def generate(" in source
    assert "synthetic" in source.lower()
    assert (ROOT / "tests" / f"test_example_{theme}.py").is_file()


@pytest.mark.parametrize("theme", THEMES)
def test_an_example_readme_answers_the_questions_a_municipality_asks(theme):
    text = (ROOT / "examples" / theme / "README.md").read_text(encoding="utf-8").lower()
    for needed in ("question", "problem owner", "indicator", "rule", "follow-up", "synthetic"):
        assert needed in text, f"{theme}/README.md does not mention {needed!r}"
    assert f"make example-{theme}" in text


def test_make_examples_runs_every_theme():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^EXAMPLES\s*:=\s*(.+)$", makefile, flags=re.MULTILINE)
    assert listed is not None
    assert sorted(listed.group(1).split()) == sorted(THEMES)
    for theme in THEMES:
        assert f"example-{theme}" in makefile


def test_the_gallery_shows_every_example_with_its_picture():
    page = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    for theme in THEMES:
        for picture in (f"{theme}.png", f"{theme}_detail.png"):
            assert f"img/examples/{picture}" in page
            assert (ROOT / "docs" / "img" / "examples" / picture).stat().st_size > 10_000
        assert f"../examples/{theme}/README.md" in page


def _shown_texts(config) -> dict[str, str]:
    """What of a config reaches a reader of the map: titles, units, purposes, follow-up steps."""
    texts = {"title": config.title, "[map] title": config.map.title}
    if config.composite.components:
        texts["[composite] title"] = config.composite.title
    for spec in config.indicators:
        texts[f"{spec.id}.title"] = spec.title
        texts[f"{spec.id}.purpose"] = spec.purpose
        for i, step in enumerate(spec.follow_up):
            texts[f"{spec.id}.follow_up[{i}]"] = step
    for magnitude in config.magnitudes:
        texts[f"{magnitude.id}.title"] = magnitude.title
        texts[f"{magnitude.id}.unit"] = magnitude.unit
    return texts


@pytest.mark.parametrize("theme", (*THEMES, YEARS))
def test_an_example_speaks_dutch_on_its_map(theme):
    # The map's words come from the catalogue, Dutch by default; what the config writes
    # (titles, purposes, follow-up steps) passes as written, so it is written in Dutch.
    path = ROOT / "examples" / theme / "config.toml"
    config = load_years_config(path)[0] if theme == YEARS else load_config(path)
    english = {}
    for where, text in _shown_texts(config).items():
        found = english_words(text)
        if found:
            english[where] = found
    assert not english, english
