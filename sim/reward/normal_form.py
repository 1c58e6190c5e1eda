"""A reward program's normal form: what it computes, without comments, docstrings, annotations, the imports
every program has anyway, ``@torch.jit.script``, test code or layout.

Two programs with the same normal form are the same program: training the second teaches nothing new.
"""

from __future__ import annotations

import ast
import hashlib

from sim.reward.allow_list import check_depth, is_main_guard, without_torchscript


def _drop_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    return body[1:] if is_doc else body


class _Normaliser(ast.NodeTransformer):
    def visit_Module(self, node: ast.Module) -> ast.Module:
        node.body = [s for s in _drop_docstring(node.body) if not (is_main_guard(s) or _is_given_import(s))]
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.body = _drop_docstring(node.body) or [ast.Pass()]
        node.returns = None
        return self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        return ast.Assign(targets=[node.target], value=node.value) if node.value else ast.Pass()


def _is_given_import(node: ast.stmt) -> bool:
    """``import torch`` / ``import math``: both are in every reward program's namespace anyway."""
    return isinstance(node, ast.Import) and all(
        a.name in ("torch", "math") and not a.asname for a in node.names
    )


def normal_form(source: str) -> str:
    """The program's syntax tree without comments, docstrings, annotations, test code or formatting.

    Raises SyntaxError, or RewardPolicyError for a tree too deep to walk (never a RecursionError)."""
    try:
        tree = ast.parse(source)
    except (RecursionError, MemoryError) as exc:
        raise SyntaxError("the program is nested too deeply to parse") from exc
    check_depth(tree)
    tree = _Normaliser().visit(without_torchscript(tree))
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def program_digest(source: str) -> str:
    """A short digest of the normal form: equal digests, the same program."""
    return hashlib.sha256(normal_form(source).encode()).hexdigest()[:16]
