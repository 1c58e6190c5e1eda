"""The packages form one-way layers: graph -> agents -> tools -> sim -> (configs, prompts); inside them,
graph's nodes/ and results/ never import its entry points, and agents/llm/ never imports an agent.

Every import statement in the source tree is read (ast, function-level imports included),
so a cycle or an upward import fails here before it can grow. The tests mirror the tree.
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


#: Within a package: each folder and the modules of its package it must never import.
ENTRY_POINTS = {"graph.run", "graph.chat", "graph.bench", "graph.report", "graph.server"}
AGENTS = {
    "agents.coder",
    "agents.critic",
    "agents.curriculum",
    "agents.feedback",
    "agents.error_hints",
    "agents.code_extraction",
}
FORBIDDEN_INSIDE = {
    "graph/nodes": ENTRY_POINTS,
    "graph/results": ENTRY_POINTS,
    "graph/steering": ENTRY_POINTS,
    "agents/llm": AGENTS,
}
#: graph/'s own layers, top first: a module imports only from its own layer or below (the longest prefix
#: names a module's layer, so the durable inbox, its reader (with the parsing of a message) and the run's file
#: names sit at the bottom with the state, where the run's context can hold them).
GRAPH_LAYERS = [
    (*ENTRY_POINTS, "graph.build"),
    ("graph.nodes",),
    ("graph.steering",),
    ("graph.context",),
    ("graph.results",),
    ("graph.search",),
    (
        "graph.state",
        "graph.settings",
        "graph.training_gate",
        "graph.results.run_dir",
        "graph.steering.inbox",
        "graph.steering.commands",
        "graph.steering.reader",
    ),
]
#: The share of source modules with a test file at the mirrored path (tests/<dir>/test_<module>.py).
MIRRORED_SHARE = 0.9


def imported_modules(path: Path) -> set[tuple[str, int]]:
    """(module, line) of every absolute import in a file; ``from a.b import c`` gives a.b and a.b.c."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name, node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module, node.lineno))
            found |= {(f"{node.module}.{alias.name}", node.lineno) for alias in node.names}
    return found


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in a file."""
    return {(module.split(".")[0], line) for module, line in imported_modules(path)}


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


def inner_violations(folder: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for module, line in sorted(imported_modules(path))
        if any(module == m or module.startswith(f"{m}.") for m in FORBIDDEN_INSIDE[folder])
    ]


@pytest.mark.parametrize("folder", sorted(FORBIDDEN_INSIDE))
def test_no_folder_imports_what_sits_above_it_in_its_package(folder):
    assert (ROOT / folder).is_dir()
    assert inner_violations(folder) == []


def test_the_inner_check_sees_an_entry_point_imported_by_a_node(tmp_path, monkeypatch):
    bad = tmp_path / "graph" / "nodes" / "leak.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from graph import run\nfrom graph.run import main\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert inner_violations("graph/nodes") == [
        "graph/nodes/leak.py:1 imports graph.run",
        "graph/nodes/leak.py:2 imports graph.run",
        "graph/nodes/leak.py:2 imports graph.run.main",
    ]


def test_the_tests_mirror_the_source_tree():
    modules = [
        p.relative_to(ROOT)
        for package in FORBIDDEN
        for p in (ROOT / package).rglob("*.py")
        if p.name != "__init__.py" and "assets" not in p.parts
    ]
    unmirrored = [str(m) for m in modules if not (ROOT / "tests" / m.parent / f"test_{m.stem}.py").is_file()]
    assert 1 - len(unmirrored) / len(modules) >= MIRRORED_SHARE, unmirrored


def graph_layer(module: str) -> int | None:
    """The index of ``module``'s layer in GRAPH_LAYERS (by its longest matching prefix), or None."""
    matches = [
        (len(prefix), i)
        for i, layer in enumerate(GRAPH_LAYERS)
        for prefix in layer
        if module == prefix or module.startswith(f"{prefix}.")
    ]
    return max(matches)[1] if matches else None


def graph_violations() -> list[str]:
    found = []
    for path in sorted((ROOT / "graph").rglob("*.py")):
        own = graph_layer(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
        for module, line in sorted(imported_modules(path)):
            layer = graph_layer(module)
            if own is not None and layer is not None and layer < own:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_inside_graph_no_module_imports_a_layer_above_its_own():
    assert graph_violations() == []


def test_the_graph_check_sees_results_importing_a_node(tmp_path, monkeypatch):
    bad = tmp_path / "graph" / "results" / "leak.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from graph.results.run_dir import RunDir\nfrom graph.nodes.stage import rank_key\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert graph_violations() == [
        "graph/results/leak.py:2 imports graph.nodes.stage",
        "graph/results/leak.py:2 imports graph.nodes.stage.rank_key",
    ]
