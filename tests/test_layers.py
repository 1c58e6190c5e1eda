"""The packages form one-way layers: graph -> agents -> tools -> sim -> (configs, prompts).

Every import statement in the source tree is read (ast, function-level imports included),
so a cycle or an upward import fails here before it can grow.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Each package and the project packages it must never import.
FORBIDDEN = {
    "configs": {"prompts", "sim", "tools", "agents", "graph"},
    "prompts": {"configs", "sim", "tools", "agents", "graph"},
    "sim": {"tools", "agents", "graph"},
    "tools": {"agents", "graph"},
    "agents": {"graph"},
    "graph": set(),
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in a file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def violations(package: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for imported, line in sorted(imported_packages(path))
        if imported in FORBIDDEN[package]
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package):
    assert (ROOT / package).is_dir()
    assert violations(package) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    bad = tmp_path / "sim" / "leak.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from tools.pool import DevicePool\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert violations("sim") == ["sim/leak.py:2 imports tools"]
