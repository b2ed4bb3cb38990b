"""The code caps that ruff does not keep (see docs/exceptions.md).

* No function body over 80 lines (docstring excluded), unless named in ``EXCEPTIONS``
  with its reason; an exception that no longer exceeds the limit fails too, so the list
  cannot go stale.
* The EPSG code of RD New is written once, in ``zicht/schemas.py``: code uses
  ``RD_NEW`` / ``RD_NEW_EPSG``. Docstrings and comments may name ``EPSG:28992`` for the
  reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "zicht"
MAX_BODY_LINES = 80
RD_CODE = "28992"

#: ``"module:qualname"`` -> why the function is longer than the limit.
EXCEPTIONS: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _docstring(node: ast.AST) -> ast.Constant | None:
    body = getattr(node, "body", None)
    first = body[0] if isinstance(body, list) and body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first.value if isinstance(first.value.value, str) else None
    return None


def _functions(tree: ast.Module, module: str) -> list[tuple[str, ast.AST]]:
    """Every function and method with its dotted qualname (``outer.<locals>.inner``)."""
    out: list[tuple[str, ast.AST]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                out.append((f"{module}:{name}", child))
                visit(child, f"{name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body[1:] if _docstring(node) is not None else node.body
    if not body:
        return 0
    end = body[-1].end_lineno or body[-1].lineno
    return end - body[0].lineno + 1


def function_lengths() -> dict[str, int]:
    lengths = {}
    for path in _modules():
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for qualname, node in _functions(ast.parse(path.read_text(encoding="utf-8")), module):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            lengths[qualname] = body_lines(node)
    return lengths


def test_no_function_body_over_the_limit() -> None:
    too_long = {
        name: n
        for name, n in function_lengths().items()
        if n > MAX_BODY_LINES and name not in EXCEPTIONS
    }
    assert not too_long, (
        f"function bodies over {MAX_BODY_LINES} lines (split them, or name them with a "
        f"reason in EXCEPTIONS and docs/exceptions.md): {too_long}"
    )


def test_exceptions_are_not_stale() -> None:
    lengths = function_lengths()
    stale = {n: lengths.get(n) for n in EXCEPTIONS if lengths.get(n, 0) <= MAX_BODY_LINES}
    assert not stale, f"these exceptions no longer exceed the limit; remove them: {stale}"
    for name, why in EXCEPTIONS.items():
        assert why.strip(), f"{name} needs a reason"


def test_exceptions_are_documented() -> None:
    doc = (SRC.parents[1] / "docs" / "exceptions.md").read_text(encoding="utf-8")
    missing = [n for n in EXCEPTIONS if f"`{n}`" not in doc]
    assert not missing, f"list these length exceptions in docs/exceptions.md: {missing}"


def test_the_counter_counts_the_body_without_its_docstring() -> None:
    source = 'def f():\n    """Doc.\n\n    More.\n    """\n    a = 1\n\n    return a\n'
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert body_lines(node) == 3


def rd_literals(path: Path, root: Path = SRC.parent) -> list[str]:
    """Places where code (not a docstring or comment) writes the RD New EPSG code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(d) for n in ast.walk(tree) if (d := _docstring(n)) is not None}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docs:
            continue
        value = node.value
        if (type(value) is int and str(value) == RD_CODE) or (
            isinstance(value, str) and RD_CODE in value
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return sorted(found)


def test_rd_new_is_written_only_in_schemas() -> None:
    found = [hit for p in _modules() if p != SRC / "schemas.py" for hit in rd_literals(p)]
    assert not found, f"use zicht.schemas.RD_NEW / RD_NEW_EPSG instead of the literal: {found}"


def test_the_literal_finder_sees_numbers_and_messages(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        f'"""Module in EPSG:{RD_CODE}."""\n'
        f"CRS = {RD_CODE}\n"
        f'MESSAGE = f"convert it to EPSG:{RD_CODE} first, got {{CRS}}"\n'
        f"# a comment naming EPSG:{RD_CODE}\n"
        "OTHER = 4326\n"
    )
    assert rd_literals(probe, tmp_path) == ["probe.py:2", "probe.py:3"]
