"""The import graph of ``bot/``, read from the code with ``ast`` (nothing is imported or run).

    python scripts/import_graph.py                 # the layer graph as a Mermaid flowchart
    python scripts/import_graph.py --cycles        # module-level import cycles, one a line
    python scripts/import_graph.py --summary       # the few numbers docs/architecture.md quotes
    python scripts/import_graph.py --root DIR      # read another checkout (e.g. an old commit)

Every import counts, also those under ``if TYPE_CHECKING:`` and inside functions: a type hint
is a dependency too. ``tests/test_layers.py`` reads the same graph to hold the allowed
directions.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LAYERS", "Import", "cycles", "layer_of", "read_imports"]

# Longest prefix wins; the order is the drawing order, top to bottom.
LAYERS: dict[str, tuple[str, ...]] = {
    "entry": ("bot.__main__", "bot.serve"),
    "app": ("bot.app",),
    "handlers": ("bot.handlers", "bot.deps"),
    "web": ("bot.web", "bot.ops.routes"),
    "tasks": ("bot.tasks",),
    "jobs": ("bot.jobs", "bot.tasks.jobs"),  # where the Job descriptors live (lived)
    "notify": ("bot.notify",),
    "slack_install": ("bot.slack_install",),
    "views": ("bot.views",),
    "services": ("bot.services",),
    "sync": ("bot.sync",),
    "connectors": ("bot.connectors",),
    "storage": ("bot.storage",),
    "base": ("bot.settings", "bot.states", "bot.ops"),
}
# Libraries whose arrows the layering is about.
EXTERNAL: dict[str, tuple[str, ...]] = {
    "SQLAlchemy": ("sqlalchemy", "alembic"),
    "Slack SDK": ("slack_sdk", "slack_bolt"),
}


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the importing module, e.g. "bot.handlers.resync"
    target: str  # the module (or package) it names, e.g. "bot.services.resync"
    path: Path
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _python_files(root: Path) -> Iterator[Path]:
    for path in sorted((root / "bot").rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, is_package: bool, tree: ast.AST) -> Iterator[tuple[str, str, int]]:
    """(module named, name taken from it or "", line) of every import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            for alias in node.names:
                yield base, alias.name, node.lineno


def read_imports(root: Path) -> list[Import]:
    """Every import in ``root/bot`` (migrations aside), each naming the module of ``bot`` it
    reaches, or the library's top-level name."""
    files = {module_name(root, p): p for p in _python_files(root)}
    found = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        for base, name, line in _targets(module, path.name == "__init__.py", tree):
            found.append(Import(module, _known(base, name, files), path, line))
    return found


def _known(base: str, name: str, modules: dict[str, Path]) -> str:
    """``from bot import jobs`` → ``bot.jobs`` (a module); ``from bot.x import
    Name`` → ``bot.x``; a library → its top-level package."""
    if base != "bot" and not base.startswith("bot."):
        return base.split(".")[0]
    if name and f"{base}.{name}" in modules:
        return f"{base}.{name}"
    return base


def layer_of(module: str) -> str | None:
    best, length = None, -1
    for layer, prefixes in {**LAYERS, **EXTERNAL}.items():
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > length:
                best, length = layer, len(prefix)
    return best


def layer_edges(imports: Iterable[Import]) -> Counter[tuple[str, str]]:
    """(from layer, to layer) → how many module pairs import that way."""
    pairs = {(i.source, i.target) for i in imports}
    edges: Counter[tuple[str, str]] = Counter()
    for source, target in pairs:
        a, b = layer_of(source), layer_of(target)
        if a and b and a != b:
            edges[(a, b)] += 1
    return edges


def cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Groups of ``bot`` modules that import each other (strongly connected, 2 or more)."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.target.startswith("bot.") and i.target != i.source:
            graph.setdefault(i.source, set()).add(i.target)
            graph.setdefault(i.target, set())
    return [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            found.append(group)

    sys.setrecursionlimit(max(1000, 4 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def mermaid(imports: list[Import]) -> str:
    """The layers as a Mermaid flowchart; arrows say how many module pairs import that way,
    and the layers of a module-level cycle are drawn in red."""
    edges = layer_edges(imports)
    tangled = {layer_of(m) for group in cycles(imports) for m in group}
    names = [*LAYERS, *EXTERNAL]
    used = {n for edge in edges for n in edge}
    lines = ["flowchart TD"]
    for name in names:
        if name in used:
            shape = f"{_id(name)}[({name})]" if name in EXTERNAL else f"{_id(name)}[{name}]"
            lines.append(f"  {shape}")
    for (a, b), count in sorted(edges.items(), key=lambda e: (names.index(e[0][0]), e[0][1])):
        lines.append(f"  {_id(a)} -->|{count}| {_id(b)}")
    for name in sorted(t for t in tangled if t):
        lines.append(f"  style {_id(name)} stroke:#d33,stroke-width:3px")
    return "\n".join(lines)


def summary(imports: list[Import]) -> dict[str, int]:
    outside_storage = {
        i.source
        for i in imports
        if layer_of(i.target) == "SQLAlchemy" and not i.source.startswith("bot.storage")
    }
    app_users = {
        i.source for i in imports if i.target == "bot.app" and layer_of(i.source) != "entry"
    }
    groups = cycles(imports)
    return {
        "modules in import cycles": sum(len(g) for g in groups),
        "import cycles": len(groups),
        "modules outside storage importing SQLAlchemy": len(outside_storage),
        "modules besides the entry points importing bot.app": len(app_users),
    }


def _id(name: str) -> str:
    return name.replace(" ", "_")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--cycles", action="store_true", help="list module-level import cycles")
    parser.add_argument("--summary", action="store_true", help="count cycles and crossings")
    args = parser.parse_args(argv)
    imports = read_imports(args.root)
    if args.summary:
        for name, count in summary(imports).items():
            print(f"{count:4d}  {name}")
        return
    if args.cycles:
        for group in cycles(imports):
            print(f"{len(group)} modules: {', '.join(group)}")
        return
    print(mermaid(imports))


if __name__ == "__main__":
    main()
