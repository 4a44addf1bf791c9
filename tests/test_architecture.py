"""The layer contracts of docs/architecture.md hold in src/zkvm, and nothing imports in a
circle (function-level imports included).  The contracts are in pyproject.toml
(``[tool.importlinter]``), checked with import-linter (scripts/setup.sh installs it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

grimp = pytest.importorskip("grimp")


def _cycles(package: str) -> list[list[str]]:
    """Strongly connected components (more than one module) of ``package``'s import
    graph, function-level imports included."""
    g = grimp.build_graph(package, include_external_packages=False)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for m in sorted(g.modules):
            if m not in index:
                visit(m)
    finally:
        sys.setrecursionlimit(limit)
    return out


def test_no_import_circles_in_src():
    assert _cycles("zkvm") == []


def test_no_import_circles_in_tests():
    assert _cycles("tests") == []


def test_layer_contracts():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter not installed (scripts/setup.sh installs it)")
    p = subprocess.run([exe, "--no-cache", str(REPO / "pyproject.toml")], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "broken" in p.stdout and "0 broken" in p.stdout
