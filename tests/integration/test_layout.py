"""The package's import graph: no cycles, and subpackages import only the layers below.

The data flow of the package (see CONTRIBUTING.md) is a stack of layers; a module may
import its own layer and the layers below it, never one above. Imports inside
``if TYPE_CHECKING:`` blocks are for type checkers only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "mlereg"

# bottom to top; the top-level __init__ (the public API) may import anything
LAYERS = [
    "exceptions",
    "linalg",
    "optim",
    "design",
    "report",
    "inference",
    "models",
    "distributions",
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the mlereg modules it imports (at any depth in its code)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_pkg = path.name == "__init__.py"
        package = name if is_pkg else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                bases = [a.name for a in node.names]
                subs: list[str] = []
            else:
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                bases = [base]
                subs = [f"{base}.{a.name}" for a in node.names]
            modules = [sub for sub in subs if sub in files]
            targets.update(modules)
            if not modules:  # names defined in the module (or package) itself
                targets.update(base for base in bases if base in files)
        # a module's parent packages are loaded before it in any case
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = {t for t in targets if t != name and t not in ancestors}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the top-level package: the public API
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def test_the_graph_is_read():
    graph = import_graph()
    assert "mlereg.linalg.threads" in graph["mlereg.linalg.blocks"]
    assert "mlereg.models.families" in graph["mlereg.models.singleindex"]
    assert "mlereg.models.base" in graph["mlereg.models.rowmodel"]


def test_no_import_cycles():
    assert _cycles(import_graph()) == []


def test_cycles_are_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_is_in_a_layer():
    unplaced = [m for m in import_graph() if m != "mlereg" and _layer(m) is None]
    assert unplaced == []


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_import_only_downwards(layer):
    graph = import_graph()
    upward = sorted(
        f"{m} -> {t}"
        for m, targets in graph.items()
        if _layer(m) == LAYERS.index(layer)
        for t in targets
        if (_layer(t) or 0) > LAYERS.index(layer) or t == "mlereg"
    )
    assert upward == []
