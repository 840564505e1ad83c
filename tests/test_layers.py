"""The layering of ``bot/`` (docs/architecture.md), held against the imports in the code.

Every import counts, those under ``TYPE_CHECKING`` and inside functions too, read by the same
reader that draws the picture (``scripts/import_graph.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.import_graph import Import, cycles, layer_of, read_imports

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = read_imports(ROOT)

# layer → the layers (and libraries) it must never import
FORBIDDEN: dict[str, set[str]] = {
    "handlers": {"storage", "connectors", "sync", "tasks", "jobs", "notify", "SQLAlchemy"},
    "views": {"storage", "handlers", "tasks", "jobs", "notify", "web", "SQLAlchemy", "Slack SDK"},
    "services": {"views", "handlers", "web", "notify", "tasks", "Slack SDK"},
    "sync": {"services", "views", "handlers", "web", "notify", "tasks", "jobs", "Slack SDK"},
    "connectors": {
        "storage",
        "sync",
        "services",
        "views",
        "handlers",
        "web",
        "notify",
        "tasks",
        "jobs",
        "SQLAlchemy",
        "Slack SDK",
    },
    "storage": {
        "connectors",
        "sync",
        "services",
        "views",
        "handlers",
        "web",
        "notify",
        "tasks",
        "jobs",
        "Slack SDK",
    },
    "jobs": {"services", "sync", "storage", "views", "handlers", "notify", "tasks"},
}
ENTRY_POINTS = {"bot.__main__", "bot.serve"}


def _where(found: list[Import]) -> list[str]:
    return sorted(f"{i.path.relative_to(ROOT)}:{i.line} imports {i.target}" for i in found)


def test_the_reader_sees_the_whole_package() -> None:
    sources = {i.source for i in IMPORTS}
    assert {"bot.app", "bot.handlers.resync", "bot.storage.repos", "bot.sync.engine"} <= sources
    assert all(layer_of(s) for s in sources), [s for s in sources if not layer_of(s)]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_across_a_forbidden_direction(layer: str) -> None:
    crossing = [
        i for i in IMPORTS if layer_of(i.source) == layer and layer_of(i.target) in FORBIDDEN[layer]
    ]
    assert _where(crossing) == []


def test_only_the_entry_points_import_the_app() -> None:
    crossing = [i for i in IMPORTS if i.target == "bot.app" and i.source not in ENTRY_POINTS]
    assert _where(crossing) == []


def test_only_storage_writes_queries() -> None:
    crossing = [
        i
        for i in IMPORTS
        if layer_of(i.target) == "SQLAlchemy" and not i.source.startswith("bot.storage")
    ]
    assert _where(crossing) == []


def test_no_modules_import_each_other() -> None:
    assert cycles(IMPORTS) == []


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    """The reader sees an import hidden under TYPE_CHECKING inside a function."""
    package = tmp_path / "bot" / "views"
    package.mkdir(parents=True)
    (tmp_path / "bot" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "bad.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "def view():\n"
        "    if TYPE_CHECKING:\n"
        "        from bot.storage.models import Contact\n"
    )
    [found] = [i for i in read_imports(tmp_path) if i.target.startswith("bot")]
    assert (found.source, found.target, found.line) == ("bot.views.bad", "bot.storage.models", 4)
    assert layer_of(found.target) in FORBIDDEN["views"]
