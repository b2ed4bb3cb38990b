"""The documentation stays true to the code.

``docs/api.md`` is generated from the docstrings and must match them; every dotted
``zicht.…`` path and every repository file that the prose names must exist.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The prose a newcomer reads: the README, the guides and the worked examples' READMEs.
PROSE = sorted(
    [
        ROOT / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "examples").glob("*/README.md"),
        *[p for p in (ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md") if p.exists()],
    ]
)
DOTTED = re.compile(r"(?<![\w./-])zicht(?:\.[A-Za-z_]\w*)+(?!\w)(?<!\.toml)")
FILE = re.compile(r"(?<![\w.-])(?:src|tests|scripts|benchmarks|notebooks)/[\w./-]*\w(?![\w<])")
#: HTML comments are not read; the generated catalogue's names the function that wrote it.
COMMENT = re.compile(r"<!--.*?-->", re.S)


def _generate_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_docs", ROOT / "scripts/generate_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted``, then take the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj: object = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not f"{name}.".startswith(f"{exc.name}."):
                raise  # a module that exists failed to import: a real error
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


#: The changelog names what was, including the module paths that are gone.
HISTORY = ROOT / "CHANGELOG.md"


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    found = set()
    for path in (p for p in PROSE if p != HISTORY):
        for match in pattern.finditer(COMMENT.sub("", path.read_text(encoding="utf-8"))):
            found.add((str(path.relative_to(ROOT)), match.group(0).rstrip(".")))
    return sorted(found)


def test_the_api_reference_matches_the_docstrings():
    page = _generate_docs().api_page()
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert committed == page, "docs/api.md is out of date; run: make docs"


@pytest.mark.slow
def test_the_check_names_a_stale_page(tmp_path, monkeypatch, capsys):
    generate = _generate_docs()
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    assert generate.main(["--check"]) == 0
    with (tmp_path / "docs" / "api.md").open("a", encoding="utf-8") as page:
        page.write("a line written by hand\n")
    assert generate.main(["--check"]) == 1
    assert "docs/api.md" in capsys.readouterr().out


def test_every_face_name_is_in_the_api_reference():
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `zicht\.(\w+)`\n(.*?)(?=^## |\Z)", page, re.M | re.S))
    for family, text in sections.items():
        names = set(re.findall(r"^### `(\w+)`", text, re.M))
        assert names == set(importlib.import_module(f"zicht.{family}").__all__), family
    faces = {p.parent.name for p in (ROOT / "src" / "zicht").glob("*/__init__.pyi")}
    assert faces <= set(sections)


@pytest.mark.parametrize(("doc", "dotted"), _mentions(DOTTED))
def test_every_dotted_path_in_the_docs_resolves(doc, dotted):
    try:
        _resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{doc} names {dotted}, which does not exist ({exc})")


#: Stale paths left on purpose, each with its reason.
KNOWN_STALE = {
    ("src/zicht/indicators/_catalogue.py", "zicht.indicators.catalogue.indicator_catalogue"): (
        "the comment is written into every release's indicators.md, and this round must leave "
        "the releases byte-for-byte unchanged"
    ),
}


def _code_mentions() -> list[tuple[str, str]]:
    found = set()
    for path in (ROOT / "src" / "zicht").rglob("*.py"):
        for match in DOTTED.finditer(path.read_text(encoding="utf-8")):
            found.add((str(path.relative_to(ROOT)), match.group(0).rstrip(".")))
    return sorted(found - set(KNOWN_STALE))


@pytest.mark.parametrize(("module", "dotted"), _code_mentions())
def test_every_dotted_path_in_the_docstrings_resolves(module, dotted):
    try:
        _resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{module} names {dotted}, which does not exist ({exc})")


def test_the_docs_name_dotted_paths_at_all():
    # the pattern must find the paths the docs are full of, or the test above checks nothing
    assert len(_mentions(DOTTED)) > 30


@pytest.mark.parametrize(("doc", "path"), _mentions(FILE))
def test_every_repository_file_the_docs_name_exists(doc, path):
    assert (ROOT / path).exists(), f"{doc} names {path}, which does not exist"


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links() -> list[tuple[str, str]]:
    found = set()
    for path in PROSE:
        for target in LINK.findall(COMMENT.sub("", path.read_text(encoding="utf-8"))):
            if not re.match(r"[a-z]+:", target):
                found.add((str(path.relative_to(ROOT)), target))
    return sorted(found)


@pytest.mark.parametrize(("doc", "target"), _links())
def test_every_relative_link_in_the_docs_exists(doc, target):
    assert ((ROOT / doc).parent / target).exists(), f"{doc} links to {target}, which does not exist"


def _architecture_test() -> ModuleType:
    spec = importlib.util.spec_from_file_location("arch", ROOT / "tests/test_architecture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_architecture_page_gives_the_tested_layer_order():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## Layers", 1)[1]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    layers = [set(part.replace("|", " ").split()) for part in block.split("→")]
    assert layers == _architecture_test().LAYERS, (
        "docs/architecture.md and tests/test_architecture.py give different layer orders"
    )
