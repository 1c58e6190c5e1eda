"""Every run and job file name is spelled in one module, its owner: graph/results/run_dir.py (the run's),
tools/job_dir.py (a job folder's) and sim/rl/files.py (what PPO writes). Everything else asks them.

Every string literal and f-string piece of the source tree, bench/ and tests/ is read (ast). A piece
spells a name when a ``/``-separated part of it is the name (a folder name such as ``nn`` only in a
path: with a ``/`` in it, or beside a ``/`` operator or inside ``Path(...)``); an affix (``-seed``,
``_attempt``, ``check_``) when it is the piece, or in a part of a path (a prefix: at its start).
"""

import ast
from pathlib import Path

from graph.results.run_dir import EVAL_DIR, SUMMARY_FILE
from tools.job_dir import BEST_FILE, RESULT_FILE, SEED_SUFFIX, TRAIN_DIR

ROOT = Path(__file__).resolve().parent.parent
OWNERS = ("graph/results/run_dir.py", "tools/job_dir.py", "sim/rl/files.py")
SCANNED = ("agents", "graph", "tools", "sim", "bench", "tests")
#: Reward programs the hostile tests run: data to a sandbox, which cannot ask an owner.
NOT_SCANNED = ("tests/fixtures",)
#: Modules that spell an owned word for something else than a run's file.
OTHER_MEANINGS = {
    ("sim/rl/ppo_config.py", TRAIN_DIR): "the folder configs/train/",
    ("graph/nodes/stage.py", SEED_SUFFIX): "the board's label of a final evaluation",
    ("bench/integrity_cost.py", EVAL_DIR): "column headings (eval/loop, eval/job)",
}
PATH_CALLS = {"Path", "PurePath", "joinpath", "join", "glob", "rglob"}


def owned_names() -> dict[str, str]:
    """{name: its owner module} from the owners' module-level string constants."""
    names = {}
    for owner in OWNERS:
        for node in ast.parse((ROOT / owner).read_text()).body:
            if isinstance(node, ast.Assign):
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        assert value.value not in names, f"{value.value!r} has two owners"
                        names[value.value] = owner
    return names


def pieces(tree: ast.AST) -> list[tuple[str, bool]]:
    """(text, in a path) of every string literal and f-string piece without whitespace."""
    in_path = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            in_path |= {id(node.left), id(node.right)}
        elif isinstance(node, ast.Call):
            func = node.func
            if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) in PATH_CALLS:
                in_path |= {id(arg) for arg in node.args}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
            found += [(v.value, id(node) in in_path or "/" in v.value) for v in parts]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.value, id(node) in in_path or "/" in node.value))
    return [(text, path) for text, path in found if text and not any(c.isspace() for c in text)]


def spells(text: str, in_path: bool, name: str) -> bool:
    """Whether a literal or f-string piece spells ``name`` (see the module's docstring)."""
    parts = text.split("/")
    if name.startswith(("-", "_")):
        return text == name or (in_path and any(name in part for part in parts))
    if name.endswith("_"):
        return text == name or (in_path and any(part.startswith(name) for part in parts))
    if "." not in name and not in_path:
        return False
    return name in parts


def spellers(files: list[Path], names: dict[str, str]) -> dict[str, set[str]]:
    """{name: the modules that spell it} over ``files``."""
    found: dict[str, set[str]] = {name: set() for name in names}
    for path in files:
        module = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        for text, in_path in pieces(ast.parse(path.read_text(), str(path))):
            for name in names:
                if spells(text, in_path, name) and (module, name) not in OTHER_MEANINGS:
                    found[name].add(module)
    return found


def strays(files: list[Path]) -> list[str]:
    """Each owned name some module other than its owner spells, with those modules."""
    names = owned_names()
    return [
        f"{name!r} (owned by {names[name]}) is spelled in {sorted(modules - {names[name]})}"
        for name, modules in spellers(files, names).items()
        if modules - {names[name]}
    ]


def test_each_name_is_spelled_only_by_its_owner():
    files = [
        path
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not path.relative_to(ROOT).as_posix().startswith(NOT_SCANNED)
    ]
    assert strays(files) == []


def test_every_owner_is_read_and_no_name_has_two():
    names = owned_names()  # fails on a name two owners spell
    assert {names[SUMMARY_FILE], names[RESULT_FILE], names[SEED_SUFFIX], names[BEST_FILE]} == set(OWNERS)


def test_a_planted_name_is_found(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        'out = run / "nn" / f"{cid}-seed{n}"\n'
        'summary = "run/summary.json"\n'
        'program = folder / "attempt_0.py"\n'
    )
    found = " ".join(strays([planted]))
    for name in ("'nn'", "'-seed'", "'summary.json'", "'attempt_'"):
        assert f"{name} (owned by" in found


def test_a_word_that_is_no_path_is_not_a_name(tmp_path):
    other = tmp_path / "other.py"
    other.write_text('send({"type": "clip", "eval": "nn"})\n')
    assert strays([other]) == []
