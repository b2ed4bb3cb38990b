"""The layering rule, read from the code's own imports (ast), and the size caps.

The stages are layers; a module may import its own layer and the layers below it, never one
above. ``docs/architecture.md`` explains the order; this test keeps it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "zicht"

#: Lowest first. A family (subpackage) or a module of the package's own top level.
LAYERS: list[set[str]] = [
    # shared contracts and helpers
    {"_errors", "_version", "_strings", "_escape", "_validate", "schemas", "_h3", "guard"},
    {"ingest"},  # sources → validated layers
    {"synthetic"},  # confidential unit data made up, deterministically
    {"index"},  # units → H3 cells and CBS codes
    {"stats"},  # weights, smoothing, hot spots, emerging hot spots
    {"indicators"},  # units → one row per area and indicator, composite
    {"publish", "check"},  # disclosure control; the independent checker beside it
    {"maps"},  # the dashboard page
    {"parks"},  # park boundaries: derive, edit, store, publish per park
    {"config"},  # the run configuration, parsed into the stages' own types
    {"export"},  # the release bundle, report and register draft
    # run(config) and its steps (join, statistics, publication, writing); area tables; years
    {"pipeline", "_run_join", "_run_stats", "_run_publish", "_run_write"}
    | {"_areas", "_years", "_provenance"},
    {"cli"},  # arguments → config → pipeline
    {"__init__", "__main__"},  # the curated top level
]
LAYER_OF = {name: i for i, layer in enumerate(LAYERS) for name in layer}

#: Names that a private module of one family may take from a private module of another,
#: each with its reason. Empty: every cross-family import goes through a face.
CROSS_FAMILY_PRIVATE: dict[tuple[str, str], str] = {}

MAX_MODULE_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``zicht…`` module that ``path`` imports (also inside functions), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _module_name(path)
    package = own if path.stem == "__init__" else own.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("zicht")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("zicht"):
                continue
            if node.module is None or target == "zicht":
                # ``from zicht import parks``: the names may be subpackages
                subs = [f"{target}.{a.name}" for a in node.names]
                found += [(s if _exists(s) else target, node.lineno) for s in subs]
            else:
                found.append((target, node.lineno))
    return found


def _exists(module: str) -> bool:
    path = SRC.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _family(module: str) -> str:
    """``zicht.publish._units`` → ``publish``; ``zicht`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.pyi")])


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _sources():
        if path.suffix == ".pyi":
            continue
        graph[_module_name(path)] = {t for t, _ in _imports(path) if t != _module_name(path)}
    return graph


def test_every_family_and_top_level_module_has_a_layer():
    families = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    unplaced = (families | modules) - set(LAYER_OF)
    assert not unplaced, f"give these a layer in tests/test_architecture.py: {sorted(unplaced)}"


def test_no_import_runs_against_the_layer_order():
    upward = []
    for path in _sources():
        source = _family(_module_name(path)) if path.parent != PACKAGE else path.stem
        for target, line in _imports(path):
            dest = _family(target)
            if LAYER_OF[dest] > LAYER_OF[source]:
                upward.append(f"{path.relative_to(SRC)}:{line} imports {target} ({dest} is above)")
    assert not upward, "\n".join(upward)


def test_the_checker_never_imports_publish():
    offending = [
        f"{p.relative_to(SRC)}:{line} {t}"
        for p in (PACKAGE / "check").rglob("*.py*")
        if p.suffix in (".py", ".pyi")  # not the __pycache__ a run leaves
        for t, line in _imports(p)
        if _family(t) == "publish"
    ]
    assert not offending, offending


def test_no_private_module_imports_its_own_face():
    offending = []
    for path in _sources():
        name = _module_name(path)
        if path.stem.startswith("__") or path.parent == PACKAGE:
            continue
        face = name.rpartition(".")[0]
        for target, line in _imports(path):
            if target == face:
                offending.append(f"{path.relative_to(SRC)}:{line} imports its face {face}")
    assert not offending, "\n".join(offending)


def test_families_meet_only_through_their_faces():
    offending = []
    for path in _sources():
        own = _family(_module_name(path))
        for target, line in _imports(path):
            parts = target.split(".")
            private = len(parts) > 2 and parts[2].startswith("_")
            if private and parts[1] != own and (own, target) not in CROSS_FAMILY_PRIVATE:
                offending.append(f"{path.relative_to(SRC)}:{line} imports {target}")
    assert not offending, "\n".join(offending)


def test_there_is_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_no_module_is_over_the_line_cap():
    long = {
        str(p.relative_to(SRC)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (over {MAX_MODULE_LINES} lines): {long}"
