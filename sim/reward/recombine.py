"""Programs recombined by their components (R*-style module crossover), written out as one program.

Each parent keeps its code, renamed apart (``p0_``, ``p1_``, ...: every name it defines at module level). The
new entry calls each parent's and returns a weighted sum of their terms: each component the parent reported,
and its remainder (its total less its components, so a parent whose components do not add up to its total
loses nothing). Every weight starts at 1/len(parents), where the program's reward is the mean of its parents'
rewards; each weight is a literal of the new entry, so ``sim/reward/constants.py`` exposes it to an optimiser.
The program is plain Python: it is checked, trained, reported and replayed like any other.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from sim.reward.program import ENTRY_POINT, MAX_COMPONENTS, NAME_CHARS, RESERVED_NAMES, inspect_source


class RecombineError(ValueError):
    """The parents cannot be written out as one program (a name they share means different things)."""


@dataclass(frozen=True)
class Parent:
    """A trained program and the names of the components it reported."""

    source: str
    components: tuple[str, ...]


def recombine(parents: list[Parent]) -> str:
    """One program whose reward is the weighted sum of every parent's terms (weights 1/len(parents)).
    Raises RecombineError, or RewardProgramError for a parent that is not a valid program."""
    if len(parents) < 2:
        raise RecombineError("recombination needs at least two programs")
    imports: dict[str, tuple[str, set[str]]] = {}  # bound name -> (what it is bound to, import statements)
    bodies, calls, terms, params = [], [], [], []
    for k, parent in enumerate(parents):
        shape = inspect_source(parent.source)
        module, bound = renamed_apart(shape.tree, f"p{k}_", imports)
        bodies.append("\n\n".join(ast.unparse(node) for node in module.body))
        params += [p for p in shape.params if p not in params]
        entry = next(
            n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == bound[shape.entry]
        )
        calls.append(f"    total{k}, parts{k} = {entry.name}({call_args(entry, shape.params)})")
        terms += parent_terms(k, parent.components)
    if len(terms) > MAX_COMPONENTS:
        raise RecombineError(f"{len(terms)} terms: a reward may return at most {MAX_COMPONENTS}")
    weight = repr(round(1.0 / len(parents), 6))
    entry = "\n".join(
        [
            f"def {ENTRY_POINT}({', '.join(params)}):",
            *calls,
            "    terms = {",
            *(f"        {name!r}: {expression}," for name, expression in terms),
            "    }",
            "    reward = (",
            *(f"        {'+ ' if j else ''}{weight} * terms[{name!r}]" for j, (name, _) in enumerate(terms)),
            "    )",
            "    return reward, terms",
        ]
    )
    head = "\n".join(sorted(text for _, texts in imports.values() for text in texts))
    return "\n\n\n".join([head, *bodies, entry]) + "\n"


def parent_terms(k: int, components: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, expression) of parent ``k``'s terms: its components, then its remainder."""
    for component in components:
        if not (component.isascii() and component.isidentifier()) or component in RESERVED_NAMES:
            raise RecombineError(f"parent {k} reported a component name that is not a plain identifier")
    names = [f"p{k}_{c}" if len(c) + 3 <= NAME_CHARS else f"p{k}_term{j}" for j, c in enumerate(components)]
    remainder = f"p{k}_remainder"
    if remainder in names:
        raise RecombineError(f"parent {k} has a component named remainder")
    picked = [(name, f"parts{k}[{c!r}]") for name, c in zip(names, components, strict=True)]
    rest = f"total{k} - ({' + '.join(e for _, e in picked)})" if picked else f"total{k}"
    return [*picked, (remainder, rest)]


def call_args(entry: ast.FunctionDef, params: list[str]) -> str:
    """The arguments of the call to a parent's entry: its state inputs (positional, then keyword-only)."""
    kwonly = {a.arg for a in entry.args.kwonlyargs}
    return ", ".join([*(p for p in params if p not in kwonly), *(f"{p}={p}" for p in params if p in kwonly)])


def renamed_apart(
    tree: ast.Module, prefix: str, imports: dict[str, tuple[str, set[str]]]
) -> tuple[ast.Module, dict[str, str]]:
    """The parent's module without its imports (they join ``imports``, shared by all parents; a name bound to
    two things, or shadowing a builtin, is refused) and its docstrings, with every name it defines at module
    level prefixed; and {old name: new name}. ``tree`` is as ``inspect_source`` gives it: no test code."""
    body, defined = [], set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                name, target, text = import_binding(node, alias)
                known, texts = imports.setdefault(name, (target, set()))
                if known != target or name in dir(builtins):
                    raise RecombineError(f"the parents bind {name!r} to different things")
                texts.add(text)
        elif not isinstance(node, ast.Expr):  # docstrings (test code is gone: allow_list.enforce)
            body.append(node)
            defined |= module_level_names(node)
    bound = {name: prefix + name for name in defined}
    module = Renamer(bound).visit(ast.Module(body=body, type_ignores=[]))
    return ast.fix_missing_locations(module), bound


def import_binding(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> tuple[str, str, str]:
    """(the name an import binds, what it binds it to, the import statement for that name alone)."""
    if isinstance(node, ast.Import):
        target = alias.name if alias.asname else alias.name.split(".")[0]
        return (alias.asname or target), target, ast.unparse(ast.Import(names=[alias]))
    target = f"{'.' * node.level}{node.module or ''}:{alias.name}"
    text = ast.unparse(ast.ImportFrom(module=node.module, names=[alias], level=node.level))
    return alias.asname or alias.name, target, text


def module_level_names(node: ast.stmt) -> set[str]:
    """The names a module-level statement binds (the static policy allows functions and assignments)."""
    if isinstance(node, ast.FunctionDef):
        return {node.name}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


class Renamer(ast.NodeTransformer):
    """Renames module-level names, leaving a function's own parameters and locals of the same name alone."""

    def __init__(self, bound: dict[str, str]):
        self.bound = bound
        self.local: list[set[str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        if not self.local:
            node.name = self.bound.get(node.name, node.name)
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.visit(default)
        self.local.append(scope_names(node))
        node.body = [self.visit(statement) for statement in node.body]
        self.local.pop()
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        self.local.append({a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)})
        node.body = self.visit(node.body)
        self.local.pop()
        return node

    def visit_Global(self, node: ast.Global) -> ast.Global:
        node.names = [self.bound.get(name, name) for name in node.names]
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.bound and not any(node.id in scope for scope in self.local):
            node.id = self.bound[node.id]
        return node


def scope_names(fn: ast.FunctionDef) -> set[str]:
    """A function's parameters and the names it assigns (not declared global)."""
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    declared = {name for n in ast.walk(fn) if isinstance(n, ast.Global) for name in n.names}
    return names | (stored - declared)
