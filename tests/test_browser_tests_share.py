"""The map browser tests share one Chromium per module and one set of marks.

A test module that launches its own Chromium (``launch_chromium()``) or writes its own
``browser`` marks drifts from the launch flags and the skip reason the others use
(``tests/conftest.py``'s ``browser`` fixture, ``map_browser_support.BROWSER_MARKS``).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
#: The one place that launches Chromium for the tests.
LAUNCHERS = {"conftest.py"}
#: The map browser tests: every one uses the shared fixture and marks.
MAP_BROWSER_TESTS = ("test_maps_*browser.py", "test_years_map_browser.py")


def _calls(tree: ast.AST, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)
    ]


def test_no_test_module_launches_its_own_chromium() -> None:
    own = {}
    for path in sorted(TESTS.glob("*.py")):
        if path.name in LAUNCHERS:
            continue
        lines = _calls(ast.parse(path.read_text(encoding="utf-8")), "launch_chromium")
        if lines:
            own[path.name] = lines
    assert own == {}, f"use the `browser` fixture of tests/conftest.py instead: {own}"


def test_map_browser_tests_use_the_shared_marks() -> None:
    modules = sorted({p for pattern in MAP_BROWSER_TESTS for p in TESTS.glob(pattern)})
    assert len(modules) >= 5
    own = [
        p.name
        for p in modules
        if "BROWSER_MARKS" not in p.read_text(encoding="utf-8")
        or "browser_unavailable_reason" in p.read_text(encoding="utf-8")
    ]
    assert own == [], f"set pytestmark from map_browser_support.BROWSER_MARKS: {own}"
