"""A reward program's numbers as parameters: which literals an optimiser may set, and the program with others.

Any valid program parses into structure plus constants (the model's, a pasted one, an IsaacGymEnvs one with
``@torch.jit.script``); nothing new is asked of the model. A number is judged by where it stands, and a
number bound to a name (a module-level ``dist_reward_scale = 2.0``, a local, a parameter's default, an
argument of the program's own helper) by every use of that name: one structural use makes it structural.

Tunable, by role:
  weight (a factor of ``*``), offset (an operand of ``+``/``-``), scale (a numerator or divisor of ``/``),
  threshold (a side of a comparison: ``d < 0.02``, ``progress_buf > 20``), choice (a value ``torch.where``
  picks, a fill value, a value stored into a tensor), bound (a ``clamp``/``min``/``max`` limit), base (of
  ``**``), value (an argument of other tensor math, a returned number).

Structural, never changed:
  - indices: anything inside a subscript's brackets, or flowing there through a name (a comparison there is
    a boolean mask, ``r[d < 0.1] = 2.0``: its threshold stays tunable);
  - dimensions, sizes, counts and numerical guards: the keywords in STRUCTURAL_KEYWORDS (``dim``, ``axis``,
    ``keepdim``, ``eps`` ...), the arguments after the tensor of DIM_CALLS (``x.sum(-1)``, ``x.view(-1, 3)``,
    ``torch.cat(xs, 1)``), constructors' sizes (``torch.zeros(n, 3)``), STRUCTURAL_BUILTINS (``range(n)``,
    ``int(...)``, ``print(...)``) and a library helper's axis (``quat_axis(q, 2)``);
  - exponents: the right side of ``**`` and of ``pow`` in any form, and a norm's ``p``/``ord``;
  - a number written as an element of a tuple, list, set or dict (shapes, axes, index lists), or as an
    operand of integer arithmetic (``//``, ``%``, bit operations); a constant expression with a named
    constant (``math.pi / 2``, ``45 / 180 * np.pi``); annotations, assertions, string operations, unused
    names and ``if __name__ == "__main__"`` test code;
  - every 0: it has no log-scale range, and it is an origin, a floor or "nothing" (``clamp(x, min=0.0)``);
    so is a magnitude outside MAGNITUDES;
  - a 1 or -1 unless it is a weight (``1.0 * term``) or a choice (``torch.where(done, -1.0, 0.0)``).
    Elsewhere it is the unit a normaliser or a bound is built on: ``1.0 - x``, ``1 / (1 + d)``,
    ``x * (1.0 + bonus)``, ``clamp(x, -1.0, 1.0)``. A bonus written ``reward + 1.0`` stays with them: there
    a bonus and a normaliser's unit look alike, and changing a normaliser's unit changes what its term means.
Names are never constants (``math.pi``, ``np.inf``), nor are booleans and strings.

A known limit: geometry written as a product (the 2 of ``2 * asin(...)``, of ``1 - 2 * (x * x + y * y)``)
looks like a weight and is exposed. A constant keeps its sign (``-0.5`` is one constant of value -0.5 over
the literal ``0.5``) and its kind: an ``int`` literal stays an ``int``, so a step count stays a step count.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from sim.reward.allow_list import GIVEN_MODULES, SUBMODULES
from sim.reward.library import HELPERS

#: What a tunable number does in the program.
ROLES = frozenset({"weight", "offset", "scale", "threshold", "choice", "bound", "base", "value"})
#: The roles in which a 1 or -1 is a parameter rather than a normaliser's unit.
UNIT_ROLES = frozenset({"weight", "choice"})
#: Keyword arguments that name a dimension, a size, an order or a numerical guard, never a reward's scale.
STRUCTURAL_KEYWORDS = frozenset(
    {
        "dim",
        "dims",
        "axis",
        "keepdim",
        "p",
        "ord",
        "exponent",
        "dtype",
        "device",
        "size",
        "shape",
        "chunks",
        "sections",
        "split_size",
        "split_size_or_sections",
        "repeats",
        "num_classes",
        "diagonal",
        "start_dim",
        "end_dim",
        "dim0",
        "dim1",
        "k",
        "decimals",
        "eps",
        "index",
        "start",
        "end",
        "step",
        "steps",
        "length",
        "correction",
        "unbiased",
        "largest",
        "sorted",
        "num_samples",
    }
)
#: Tensor functions whose arguments after the tensor are dimensions, sizes, orders or indices.
DIM_CALLS = frozenset(
    {
        "sum",
        "mean",
        "nansum",
        "nanmean",
        "prod",
        "std",
        "var",
        "std_mean",
        "var_mean",
        "max",
        "min",
        "amax",
        "amin",
        "aminmax",
        "argmax",
        "argmin",
        "all",
        "any",
        "logsumexp",
        "softmax",
        "log_softmax",
        "softmin",
        "cumsum",
        "cumprod",
        "cummax",
        "cummin",
        "unsqueeze",
        "squeeze",
        "flatten",
        "unflatten",
        "view",
        "reshape",
        "repeat",
        "expand",
        "permute",
        "transpose",
        "swapaxes",
        "swapdims",
        "movedim",
        "moveaxis",
        "chunk",
        "split",
        "tensor_split",
        "narrow",
        "gather",
        "index_select",
        "roll",
        "flip",
        "unbind",
        "select",
        "topk",
        "kthvalue",
        "median",
        "nanmedian",
        "mode",
        "count_nonzero",
        "diff",
        "tile",
        "repeat_interleave",
        "size",
        "norm",
        "vector_norm",
        "matrix_norm",
        "normalize",
        "diagonal",
        "diag",
        "tril",
        "triu",
        "one_hot",
        "cross",
        "sort",
        "argsort",
        "cat",
        "concat",
        "concatenate",
        "stack",
        "unique",
        "cdist",
        "dist",
        "pairwise_distance",
        "cosine_similarity",
        "renorm",
        "pow",
        "float_power",
        "round",
        "tensordot",
        "broadcast_to",
        "new_zeros",
        "new_ones",
    }
)
EXPONENT_CALLS = frozenset({"pow", "float_power"})
#: Constructors whose positional arguments are sizes; ``FILL_AT``: where a constructor takes its fill value.
CONSTRUCTORS = frozenset(
    {
        "zeros",
        "ones",
        "empty",
        "rand",
        "randn",
        "randint",
        "arange",
        "eye",
        "linspace",
        "logspace",
        "full",
        "new_full",
    }
)
FILL_AT = {"full": 1, "new_full": 1}
CHOICE_CALLS = frozenset({"where", "full_like", "fill_", "masked_fill", "masked_fill_", "fill"})
BOUND_CALLS = frozenset({"clamp", "clip", "clamp_min", "clamp_max", "min", "max"})
#: Builtins whose numbers are counts, indices, digits or output: ``range(n)``, ``int(...)``, ``print(...)``.
STRUCTURAL_BUILTINS = frozenset(
    {
        "range",
        "len",
        "print",
        "slice",
        "enumerate",
        "int",
        "round",
        "isinstance",
        "str",
        "zip",
        "tuple",
        "list",
        "sorted",
        "reversed",
        "divmod",
    }
)
#: Named mathematical constants: a number combined with one is part of it.
MATH_CONSTANTS = frozenset({"pi", "tau", "e"})
#: Magnitudes a parameter may have (never 0: it has no log-scale range; nor an infinity).
MAGNITUDES = (1e-100, 1e100)
_LIMITS = ("min", "max")
_NUMBER_ROLES = {ast.Mult: "weight", ast.Add: "offset", ast.Sub: "offset", ast.Div: "scale"}
#: Structural only for a number that is itself the operand or the element: ``(x > 3.0) | done`` keeps its 3.0.
DIRECT_ONLY = frozenset({"container", "integer arithmetic"})
_PASS = ""  # a step that says nothing about the number's role (a sign, a keyword, a method call on it)
_UNARY_ROLES = {ast.USub: _PASS, ast.UAdd: _PASS, ast.Not: "value"}


@dataclass(frozen=True)
class Constant:
    """A tunable number: where its literal stands (line 1-based, columns 0-based characters, the literal
    without its sign), its signed value, what it does, and a stable key (the module-level name it is bound to,
    else ``L<line>C<col>``)."""

    key: str
    line: int
    col: int
    end_col: int
    text: str
    value: float
    kind: str  # "int" or "float"
    roles: tuple[str, ...]
    function: str | None  # the enclosing function; None at module level
    context: str  # the source line, for reports


class Range(NamedTuple):
    """Where an optimiser may move a constant: signed bounds (both negative for a negative constant: sample
    the magnitude on the log scale), integers only for an ``int`` constant."""

    low: float
    high: float
    log: bool
    integer: bool


def tunable_constants(source: str) -> list[Constant]:
    """The program's tunable constants in source order (SyntaxError for a program that does not parse)."""
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if not _is_main_guard(node)]
    program = _Program(tree)
    lines = _lines(source)
    found = []
    for node in ast.walk(tree):
        if not _is_number(node):
            continue
        signed, sign = _signed(node, program.parents)
        value = sign * node.value
        roles = program.roles(node)
        tunable = roles and roles <= ROLES and (abs(value) != 1 or roles <= UNIT_ROLES)
        if not tunable or not MAGNITUDES[0] < abs(value) < MAGNITUDES[1]:
            continue
        line = lines[node.lineno - 1]
        col, end_col = _char_col(line, node.col_offset), _char_col(line, node.end_col_offset)
        function = program.function_of(node)
        found.append(
            Constant(
                key=_module_name(signed, program.parents, tree) or f"L{node.lineno}C{col}",
                line=node.lineno,
                col=col,
                end_col=end_col,
                text=line[col:end_col],
                value=float(value),
                kind="int" if isinstance(node.value, int) else "float",
                roles=tuple(sorted(roles)),
                function=function.name if function else None,
                context=line.strip()[:100],
            )
        )
    return sorted(found, key=lambda c: (c.line, c.col))


def with_constants(source: str, values: dict[str, float]) -> str:
    """The same program, byte for byte, with other values for the constants named by key. A value keeps its
    constant's sign and kind (ValueError otherwise); a value equal to the original keeps its text."""
    constants = {c.key: c for c in tunable_constants(source)}
    unknown = sorted(set(values) - set(constants))
    if unknown:
        raise KeyError(f"no tunable constant {unknown[0]!r}; the program's: {', '.join(constants) or 'none'}")
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]
    edits = []
    for key, value in values.items():
        constant = constants[key]
        if value == constant.value:
            continue
        start = starts[constant.line - 1]
        edits.append((start + constant.col, start + constant.end_col, _literal(constant, value)))
    for begin, end, text in sorted(edits, reverse=True):
        source = source[:begin] + text + source[end:]
    return source


def search_space(constants: list[Constant], low: float = 0.01, high: float = 100.0) -> dict[str, Range]:
    """Log-scale ranges from ``low`` to ``high`` times each constant, keeping its sign; integers for ints."""
    space = {}
    for c in constants:
        small, large = abs(c.value) * low, abs(c.value) * high
        if c.kind == "int":
            small, large = max(1, math.ceil(small)), max(1, math.floor(large))
        bounds = (small, large) if c.value > 0 else (-large, -small)
        space[c.key] = Range(*bounds, log=True, integer=c.kind == "int")
    return space


def _literal(constant: Constant, value: float) -> str:
    if not math.isfinite(value) or value == 0 or (value > 0) != (constant.value > 0):
        raise ValueError(f"{constant.key}: {value} does not keep the sign of {constant.value}")
    if constant.kind == "float":
        return repr(abs(float(value)))
    if value != int(value):
        raise ValueError(f"{constant.key} is an integer; got {value}")
    return str(abs(int(value)))


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in {getattr(n, "id", None) for n in ast.walk(node.test)}


def _module_name(signed: ast.expr, parents: dict, tree: ast.Module) -> str | None:
    """The name a module-level ``NAME = <number>`` binds."""
    holder = parents.get(signed)
    if holder not in tree.body or getattr(holder, "value", None) is not signed:
        return None
    targets = getattr(holder, "targets", [getattr(holder, "target", None)])
    return targets[0].id if len(targets) == 1 and isinstance(targets[0], ast.Name) else None


def _signed(node: ast.expr, parents: dict) -> tuple[ast.expr, int]:
    """The number with its unary signs, and the sign they give it."""
    sign = 1
    while isinstance(parents.get(node), ast.UnaryOp) and isinstance(parents[node].op, (ast.USub, ast.UAdd)):
        node = parents[node]
        sign *= -1 if isinstance(node.op, ast.USub) else 1
    return node, sign


def _lines(source: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", source)


def _char_col(line: str, byte_col: int) -> int:
    """ast counts columns in UTF-8 bytes; text is indexed by characters."""
    return len(line.encode()[:byte_col].decode())


def _leaves(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return _leaves(node.left) + _leaves(node.right)
    return _leaves(node.operand) if isinstance(node, ast.UnaryOp) else [node]


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _local_names(fn: ast.FunctionDef) -> set[str]:
    """Parameters and names the function binds, not looking into nested functions."""
    args = fn.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a}
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            names.update([node.name] if isinstance(node, ast.FunctionDef) else [])
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


class _Link(NamedTuple):
    """A value flows to a name (``key``: scope, name, compared): every role of the name's uses counts
    (``full``: the value is the name's whole value), or only their structural ones."""

    full: bool
    key: tuple[ast.AST, str, bool]

    def roles(self, known: dict) -> set[str]:
        return known[self.key] if self.full else known[self.key] - ROLES


class _Program:
    """A parsed program, with what judging a number needs: parents, scopes, name uses, module aliases."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        self.helpers = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        self.locals = {f: _local_names(f) for f in functions}
        self.modules, self.imported = set(GIVEN_MODULES), set()
        for node in ast.walk(tree):
            for alias in getattr(node, "names", []) if isinstance(node, (ast.Import, ast.ImportFrom)) else []:
                name = alias.asname or alias.name.split(".")[0]
                submodule = isinstance(node, ast.ImportFrom) and f"{node.module}.{alias.name}" in SUBMODULES
                (self.modules if isinstance(node, ast.Import) or submodule else self.imported).add(name)
        self.solved: dict[tuple, set[str]] = {}  # (scope, name, compared) -> the roles of the name's uses
        self.uses: dict[tuple[ast.AST, str], list[ast.Name]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.uses.setdefault((self._binding_scope(node), node.id), []).append(node)

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        node = self.parents.get(node)
        while node is not None and not isinstance(node, ast.FunctionDef):
            node = self.parents.get(node)
        return node

    def _binding_scope(self, use: ast.Name) -> ast.AST:
        scope = self.function_of(use)
        while scope is not None and use.id not in self.locals[scope]:
            scope = self.function_of(scope)
        return scope or self.tree

    def _names_math_constant(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr in MATH_CONSTANTS and getattr(node.value, "id", None) in self.modules
        return isinstance(node, ast.Name) and node.id in MATH_CONSTANTS and node.id in self.imported

    def _in_math_constant(self, node: ast.expr) -> bool:
        """In an expression of numbers and a named constant alone: ``math.pi / 2``, ``45 / 180 * np.pi``."""
        top, parent = node, self.parents.get(node)
        while isinstance(parent, (ast.BinOp, ast.UnaryOp)) and all(
            _is_number(leaf) or self._names_math_constant(leaf) for leaf in _leaves(parent)
        ):
            top, parent = parent, self.parents.get(parent)
        return any(self._names_math_constant(leaf) for leaf in _leaves(top))

    def roles(self, number: ast.expr) -> set[str]:
        """The roles a number plays, or the reasons it is structural; none for a number nothing uses."""
        local, links = self._walk(number, compared=False)
        return local | self._linked(links)

    def _walk(self, node: ast.expr, compared: bool) -> tuple[set[str], list[_Link]]:
        """What ``node`` (a number or a name's use) does where it stands, and the names its value reaches."""
        if self._in_math_constant(node):
            return {"named constant"}, []
        child, direct, links = node, None, []
        while True:
            parent = self.parents[child]
            if isinstance(parent, ast.stmt):
                return self._statement(child, parent, direct, compared, links)
            if isinstance(parent, ast.arguments):
                scope, names = self.parents[parent], [self._defaulted(child, parent)]
                return self._bind(scope, names, direct, compared, links)
            step = self._step(child, parent, literal=_is_number(node))
            if isinstance(step, tuple):  # an argument of the program's own function: judged by its use there
                links.append(_Link(direct is None, (*step, compared)))
                if direct is None:
                    return set(), links
            elif step in DIRECT_ONLY:
                if direct is None:
                    return {step}, []
            elif step == "index" and compared:
                pass  # a boolean mask: the comparison's threshold is a parameter
            elif step and step not in ROLES:
                return {step}, []
            elif step:
                compared |= step == "threshold"
                direct = direct or step
            child = parent

    @staticmethod
    def _bind(scope, names, direct, compared, links) -> tuple[set[str], list[_Link]]:
        """A value bound to ``names``: all roles of their uses count, or (``direct`` known) the structural."""
        links += [_Link(direct is None, (scope, name, compared)) for name in names]
        return set() if direct is None else {direct}, links

    def _linked(self, links: list[_Link]) -> set[str]:
        self._solve([link.key for link in links if link.key not in self.solved])
        return set().union(*(link.roles(self.solved) for link in links))

    def _solve(self, keys: list[tuple]) -> None:
        """The roles of every name reachable from ``keys``: the least fixpoint over each name's uses."""
        summaries = {}
        while keys:
            key = keys.pop()
            if key in summaries or key in self.solved:
                continue
            walks = [self._walk(use, key[2]) for use in self.uses.get(key[:2], [])]
            local = set().union(*(roles for roles, _ in walks))
            summaries[key] = (local, [link for _, links in walks for link in links])
            keys += [link.key for link in summaries[key][1]]
        known = self.solved | {key: set(local) for key, (local, _) in summaries.items()}
        changed = True
        while changed:  # names found last go first: a chain of names settles in one pass
            changed = False
            for key, (_, links) in reversed(summaries.items()):
                new = set().union(*(link.roles(known) for link in links)) - known[key]
                known[key] |= new
                changed |= bool(new)
        self.solved = known

    @staticmethod
    def _defaulted(value: ast.expr, args: ast.arguments) -> str:
        positional = args.posonlyargs + args.args
        for i, default in enumerate(args.defaults):
            if default is value:
                return positional[len(positional) - len(args.defaults) + i].arg
        return next(a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is value)

    def _statement(self, child, stmt, direct, compared, links) -> tuple[set[str], list[_Link]]:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and child is stmt.value:
            targets = getattr(stmt, "targets", [getattr(stmt, "target", None)])
            if isinstance(stmt, ast.AugAssign):
                direct = direct or self._operator(stmt.op, right=True)
            stored = [n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            names = [n.id for n in stored if isinstance(n.ctx, ast.Store)]
            if direct is None and not all(isinstance(t, ast.Name) for t in targets):
                direct = "choice"  # stored into a tensor: x[mask] = 2.0
            return self._bind(self.function_of(stmt) or self.tree, names, direct, compared, links)
        if isinstance(stmt, (ast.FunctionDef, ast.AnnAssign)):
            return {"annotation"}, []
        if isinstance(stmt, (ast.Assert, ast.Raise, ast.Delete)):
            return {"assertion"}, []
        return {direct or "value"}, links

    @staticmethod
    def _operator(op: ast.operator, right: bool) -> str:
        if isinstance(op, ast.Pow):
            return "exponent" if right else "base"
        return _NUMBER_ROLES.get(type(op), "integer arithmetic")

    def _step(self, child: ast.AST, parent: ast.AST, literal: bool):
        """What ``parent`` makes of ``child``: a role, a structural reason, _PASS or (function, parameter)."""
        if isinstance(parent, ast.UnaryOp):
            return _UNARY_ROLES.get(type(parent.op), "integer arithmetic")
        if isinstance(parent, ast.BinOp):
            other = parent.right if child is parent.left else parent.left
            return "string" if _is_text(other) else self._operator(parent.op, child is parent.right)
        if isinstance(parent, ast.Compare):
            return "threshold"
        if isinstance(parent, ast.Subscript):
            return "index" if child is parent.slice else _PASS
        if isinstance(parent, ast.Slice):
            return "index"
        if isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            return "container" if literal else _PASS
        if isinstance(parent, ast.arg):
            return "annotation"
        if isinstance(parent, (ast.JoinedStr, ast.FormattedValue)):
            return "string"
        if isinstance(parent, ast.IfExp):
            return "value" if child is parent.test else "choice"
        if isinstance(parent, ast.keyword):
            return self._argument(self.parents[parent], parent.arg or "**", None)
        if isinstance(parent, ast.Call):
            if child is parent.func or child in parent.keywords:
                return _PASS
            return self._argument(parent, None, next(i for i, a in enumerate(parent.args) if a is child))
        return _PASS if isinstance(parent, (ast.Attribute, ast.Starred, ast.GeneratorExp)) else "value"

    def _callee(self, func: ast.expr) -> tuple[str | None, str]:
        """The called function's name and form: helper (the program's), library, builtin, module or method."""
        if isinstance(func, ast.Name):
            if func.id in self.helpers:
                return func.id, "helper"
            if func.id in self.imported:
                return func.id, "module"
            return func.id, "library" if func.id in HELPERS else "builtin"
        if not isinstance(func, ast.Attribute):
            return None, "method"
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        return func.attr, "module" if isinstance(root, ast.Name) and root.id in self.modules else "method"

    def _argument(self, call: ast.Call, keyword: str | None, position: int | None):
        """The role of a call's argument (by keyword, or by position among the positional arguments)."""
        name, form = self._callee(call.func)
        if form == "helper":
            params = self.helpers[name].args.posonlyargs + self.helpers[name].args.args
            if keyword is None and position >= len(params):
                return "varargs"
            return self.helpers[name], keyword or params[position].arg
        if form == "builtin" and name in STRUCTURAL_BUILTINS:
            return f"{name}()"
        if keyword is not None:
            return keyword if keyword in STRUCTURAL_KEYWORDS else "bound" if keyword in _LIMITS else "value"
        if form == "library":
            params = list(inspect.signature(HELPERS[name]).parameters)
            return "axis" if position < len(params) and params[position] in STRUCTURAL_KEYWORDS else "value"
        if form == "builtin":
            return "exponent" if name == "pow" and position == 1 else "bound" if name in _LIMITS else "value"
        if name in CONSTRUCTORS:
            return "choice" if FILL_AT.get(name) == position else "size"
        index = position - 1 if form == "module" else position
        if name in DIM_CALLS and index >= 0:
            return "exponent" if name in EXPONENT_CALLS else "dimension"
        return "choice" if name in CHOICE_CALLS else "bound" if name in BOUND_CALLS else "value"
