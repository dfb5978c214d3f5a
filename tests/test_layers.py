"""The package's layers, checked on its source: reading → evaluation → reporting → running.

Every ``import`` of a perfnb module (at module level or inside a function: both count) is
read with :mod:`ast`.  A module may import the shared modules, its own layer and the layers
before it, never a later one; and no two modules may import each other, directly or round a
longer loop.  A package's ``__init__`` importing its own submodules, and those importing
names from it, is how a package is built and not counted as a loop.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "perfnb"

# Order of the pipeline; the shared modules come first, the entry points (public API, notebook
# helpers, CLI) last: they may call everything.
LAYERS = {
    "shared": 0,      # perfnb.cells, errors, model, vocabulary, fsutil, textwidth, schemas,
                      # limits, textsafe
    "reading": 1,
    "evaluation": 2,
    "reporting": 3,
    "running": 4,
    "entry": 5,       # perfnb (the public API), notebook, panel, cli, commands
}
SHARED = {"perfnb.cells", "perfnb.errors", "perfnb.model", "perfnb.vocabulary", "perfnb.fsutil",
          "perfnb.textwidth", "perfnb.schemas", "perfnb.limits", "perfnb.textsafe"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    if module in SHARED or ".".join(parts[:2]) in SHARED:
        return LAYERS["shared"]
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return LAYERS["entry"]


def _resolve(name: str) -> str:
    """The perfnb module a dotted name stands for (a name imported from a package that is no
    module of its own stands for the package)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(module: str) -> set[str]:
    """The perfnb modules ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # perfnb's own metadata (__version__, __file__) is no layer's
            names = [f"{base}.{alias.name}" for alias in node.names
                     if not (base == "perfnb" and alias.name.startswith("__"))]
        else:
            continue
        for name in names:
            if name.startswith("perfnb."):  # a bare `import perfnb` is for perfnb.__file__
                target = _resolve(name)
                if target and target != module:
                    found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def _is_package_plumbing(a: str, b: str) -> bool:
    """A package and one of its own submodules (the package re-exports it, it imports from
    the package): not a loop between two modules."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_graph_sees_imports_inside_functions():
    # runner imports the evaluation layer only inside run_unit's helpers
    assert "perfnb.evaluation.evaluator" in GRAPH["perfnb.running.runner"]
    assert layer("perfnb.reading.values") < layer("perfnb.evaluation.scoring") \
        < layer("perfnb.reporting.narrative") < layer("perfnb.running.batch") < layer("perfnb.cli")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_later_layer(module):
    upward = sorted(target for target in GRAPH[module] if layer(target) > layer(module))
    assert not upward, f"{module} imports a later layer: {upward}"


def test_no_import_cycles():
    """Tarjan's strongly connected components over the import graph (package plumbing
    edges left out): any component of two or more modules is a loop."""
    graph = {m: {t for t in targets if not _is_package_plumbing(m, t)}
             for m, targets in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not loops, f"modules that import each other: {loops}"
