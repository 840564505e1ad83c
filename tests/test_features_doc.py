"""docs/features.md cannot rot: every test it names exists with that CRM as its parameter, is a
strict xfail exactly where the table says xfail, and every test of the feature matrix is named
in it."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "features.md"
MATRIX = ROOT / "tests" / "scenarios" / "matrix"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)\[([\w-]+)\]`")


class Node(NamedTuple):
    path: str
    function: str
    param: str


def _marks(obj: Any) -> list[pytest.Mark]:
    return list(getattr(obj, "pytestmark", []))


def parameters(function: Any) -> dict[str, bool]:
    """Each ``crm`` parameter of a test function, and whether it is a strict xfail there."""
    marked = any(m.name == "xfail" and m.kwargs.get("strict") for m in _marks(function))
    found: dict[str, bool] = {}
    for mark in _marks(function):
        if mark.name != "parametrize" or mark.args[0] != "crm":
            continue
        for value in mark.args[1]:
            if isinstance(value, str):
                found[value] = marked
            else:  # pytest.param(...)
                xfail = any(m.name == "xfail" and m.kwargs.get("strict") for m in value.marks)
                found[value.values[0]] = marked or xfail
    return found


def function_of(node: Node) -> Any:
    module = importlib.import_module(node.path.removesuffix(".py").replace("/", "."))
    return getattr(module, node.function, None)


def named_in_doc() -> Iterator[tuple[Node, bool]]:
    """Each test named in the doc, and whether the table cell (or line) naming it says xfail."""
    for line in DOC.read_text().splitlines():
        for cell in line.split("|") if line.startswith("|") else [line]:
            for match in NODE.finditer(cell):
                yield Node(*match.groups()), "xfail" in cell


def matrix_tests() -> Iterator[Node]:
    for path in sorted(MATRIX.glob("test_*.py")):
        relative = path.relative_to(ROOT).as_posix()
        module = importlib.import_module(relative.removesuffix(".py").replace("/", "."))
        for name in dir(module):
            if name.startswith("test_"):
                for param in parameters(getattr(module, name)):
                    yield Node(relative, name, param)


def test_every_test_named_in_the_doc_exists_with_its_xfail_as_said() -> None:
    named = list(named_in_doc())
    assert named, "no test named in docs/features.md"
    for node, says_xfail in named:
        function = function_of(node)
        assert function is not None, f"{node.path}::{node.function} does not exist"
        params = parameters(function)
        assert node.param in params, f"{node} is not a parameter: {sorted(params)}"
        assert params[node.param] == says_xfail, (
            f"{node}: the doc says {'xfail' if says_xfail else 'passes'}, the test "
            f"{'is' if params[node.param] else 'is not'} a strict xfail"
        )


def test_every_matrix_test_is_in_the_doc() -> None:
    named = {node for node, _ in named_in_doc()}
    missing = [node for node in matrix_tests() if node not in named]
    assert not missing, f"not in docs/features.md: {missing}"
