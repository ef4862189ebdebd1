"""The package's shape: no import cycle, no streamlit in the core, modules and functions of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "marker"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

#: Files still being split by work in progress; the lead empties this list after merging it.
#: A name is a module path under marker/, or "module.py:function" for one function.
ALLOW_LARGE: frozenset[str] = frozenset()


def _modules() -> dict[str, Path]:
    """Module name (``marker.x``, ``marker.app.y``) -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    tree: ast.Module, *, lazy: bool = True, typing_only: bool = False
) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of a module.

    Args:
        lazy: also those inside functions (they run when the function is first called).
        typing_only: also those under ``if TYPE_CHECKING:`` (they never run, but say what a
            module's type hints depend on).
    """
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in (node.body if typing_only else []) + node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        if not top and not lazy:
            return
        inside = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            if inside and not lazy:
                continue
            visit(child, top and not inside)

    visit(tree, True)
    return found


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The marker modules an import statement loads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in known}
    if node.level:
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for _ in range(node.level - 1):
            package = package.rsplit(".", 1)[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    # "from . import analytics" and "from marker import calibrate" load submodules by name; the
    # package itself is then only their parent, always set up first, so it is no edge of its own.
    submodules = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    if base in known and len(submodules) < len(node.names):
        submodules.add(base)
    return submodules


def import_graph(*, lazy: bool = True, typing_only: bool = False) -> dict[str, set[str]]:
    """Module -> the marker modules it imports (see :func:`_imports` for the two switches)."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = _imports(tree, lazy=lazy, typing_only=typing_only)
        graph[name] = set().union(*(_targets(name, path, n, known) for n in nodes)) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_architecture_finds_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_architecture_the_import_graph_sees_relative_and_package_imports():
    graph = import_graph()
    assert "marker.records" in graph["marker.export"]  # from .records import ResultRecord
    assert "marker.analytics" in graph["marker.export"]  # from . import analytics


@pytest.mark.parametrize(
    ("lazy", "typing_only"),
    [(True, False), (False, True)],
    ids=["what-runs", "module-level-and-type-hints"],
)
def test_architecture_marker_has_no_import_cycle(lazy, typing_only):
    """No cycle among the imports that run, nor among the module-level ones with the type-hint ones.

    (Only the two together may meet: ``Feedback.to_text()`` imports :mod:`marker.render` when
    called, and render names Feedback in its type hints.)
    """
    cycle = find_cycle(import_graph(lazy=lazy, typing_only=typing_only))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_architecture_core_never_imports_streamlit():
    leaks = []
    for name, path in _modules().items():
        if name == "marker.app" or name.startswith("marker.app."):
            continue
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                leaks.append(f"{name} (line {node.lineno})")
    assert not leaks, "streamlit imported by the core: " + ", ".join(leaks)


def _sizes() -> tuple[list[str], list[str]]:
    big_modules, big_functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES and rel not in ALLOW_LARGE:
            big_modules.append(f"{rel}: {len(text.splitlines())} lines")
        if rel in ALLOW_LARGE:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and f"{rel}:{node.name}" not in ALLOW_LARGE:
                    big_functions.append(f"{rel}:{node.name}: {length} lines")
    return big_modules, big_functions


@pytest.mark.parametrize("kind", ["modules", "functions"])
def test_architecture_modules_and_functions_stay_readable(kind):
    big_modules, big_functions = _sizes()
    found = big_modules if kind == "modules" else big_functions
    limit = MAX_MODULE_LINES if kind == "modules" else MAX_FUNCTION_LINES
    assert not found, f"{kind} over {limit} lines (split them by job): " + "; ".join(found)
