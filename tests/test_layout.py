"""The layout keeps the pipeline's arrows pointing one way: readers (``syntax/``, ``documents/``)
never reach into the rules, the argv transformer or the run; every finding is made in ``rules/``."""

from __future__ import annotations

import ast
import pathlib

import pytest

from conftest import ROOT

PACKAGE = ROOT / "triton_docker_migrate"
READERS = sorted((PACKAGE / "documents").glob("*.py")) + sorted((PACKAGE / "syntax").rglob("*.py"))
#: modules a reader may not import (absolute names below the package)
FORBIDDEN = ("rules", "pipeline", "batch", "report", "cli", "verify", "writer", "suppress")


def _imported(path: pathlib.Path) -> set[str]:
    """Absolute module names (below the package) that ``path`` imports, wherever in the file."""
    return _imports_of(path.read_text(), list(path.relative_to(PACKAGE).parts[:-1]))


def _imports_of(source: str, package: list[str]) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else list(package)
                mod = ".".join(base + ([node.module] if node.module else []))
                names = [mod] + [f"{mod}.{a.name}" if mod else a.name for a in node.names]
            elif (node.module or "").startswith("triton_docker_migrate"):
                mod = node.module.removeprefix("triton_docker_migrate").lstrip(".")
                names = [mod] + [f"{mod}.{a.name}" for a in node.names]
            else:
                continue
            out.update(n.strip(".") for n in names)
        elif isinstance(node, ast.Import):
            out.update(a.name.removeprefix("triton_docker_migrate.") for a in node.names
                       if a.name.startswith("triton_docker_migrate"))
    return out


@pytest.mark.parametrize("path", READERS, ids=[str(p.relative_to(PACKAGE)) for p in READERS])
def test_readers_import_no_rule_and_no_stage_after_them(path):
    bad = sorted(m for m in _imported(path) if m.split(".")[0] in FORBIDDEN)
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize("path", READERS, ids=[str(p.relative_to(PACKAGE)) for p in READERS])
def test_readers_make_no_finding(path):
    """Findings and fixes are made in rules/ only: a reader exposes sites."""
    names = {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
    assert not names & {"Finding", "Fix", "Severity"}, path.relative_to(ROOT)


def test_the_check_finds_a_forbidden_import():
    """The test above can fail: it sees relative and absolute imports, also inside functions."""
    source = "def f():\n    from ..rules import argv\n    import triton_docker_migrate.pipeline\n"
    assert {"rules.argv", "pipeline"} <= _imports_of(source, ["documents"])
