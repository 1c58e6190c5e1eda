"""The static policy a reward program must pass before any of it runs: an allow-list.

Reward code is tensor math over named state. The policy reads the program's syntax tree
and accepts only that: imports of torch and math (plus typing names for annotations),
functions and constants at module level, ``torch.<name>`` for tensor math, and no way
to reach the interpreter's internals (dunder or private names, frames, ``getattr``,
``eval``, ``open``, classes, decorators, ``global``, generators). Each rejection is one
line that names the construct and the fix, so a model can act on it.
"""

from __future__ import annotations

import ast
import importlib
import io
import tokenize
import unicodedata
from pathlib import Path

import torch

from sim.reward.library import NUMPY_CONSTANTS

MAX_SOURCE_BYTES = 64 * 1024
#: How deeply a program's syntax tree may nest (real rewards of IsaacGymEnvs and Eureka stay under 30).
MAX_AST_DEPTH = 80
#: Unicode categories refused anywhere in a program: control and format characters (bidi controls, tag
#: characters, zero-width marks), line and paragraph separators, private-use, surrogate and unassigned ones.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})

#: Modules reward code may import (typing only for annotations).
ALLOWED_MODULES = ("torch", "math", "typing", "numpy")
#: The modules in every reward program's namespace without an import (np: numpy's constants, as in Eureka).
GIVEN_MODULES = {"torch": "torch", "math": "math", "np": "numpy"}
#: Names that typing may provide, for annotations.
TYPING_NAMES = frozenset({"Tuple", "Dict", "List", "Optional", "Union", "Any", "Sequence", "Mapping"})
#: torch families that are not plain tensor math on the CPU/GPU at hand.
_TORCH_EXCLUDED_PREFIXES = (
    "cudnn_",
    "miopen_",
    "mkldnn_",
    "fbgemm_",
    "quantize",
    "quantized_",
    "fake_quantize",
    "sparse_",
    "from_",
    "empty_quantized",
)
#: torch's function names as reviewed for reward code; a name a newer torch adds stays refused until reviewed.
REVIEWED_FILE = Path(__file__).with_name("torch_reviewed.txt")
REVIEWED_TORCH = frozenset(
    line.strip()
    for line in REVIEWED_FILE.read_text().splitlines()
    if line.strip() and not line.startswith("#")
)
_UNINITIALISED = (
    "leaves memory uninitialised (its bytes reach errors and prompts): use torch.zeros or torch.zeros_like"
)
_RAW_MEMORY = "views or rewrites raw memory: use view, reshape, indexing or torch.tensor"
#: Reviewed torch functions reward code may not call, each with the fix.
TORCH_REFUSED = {
    **dict.fromkeys(("empty", "empty_like", "empty_strided", "empty_permuted"), _UNINITIALISED),
    **dict.fromkeys(
        (
            "frombuffer",
            "asarray",
            "as_strided",
            "as_strided_",
            "as_strided_copy",
            "as_strided_scatter",
            "resize_as_",
            "resize_as_sparse_",
        ),
        _RAW_MEMORY,
    ),
    **dict.fromkeys(
        ("sym_constrain_range", "sym_constrain_range_for_size"), "is compiler internals: use tensor math"
    ),
}


def torch_surface() -> frozenset[str]:
    """torch's public function names, the families that are not plain tensor math left out."""
    return frozenset(
        n for n in dir(torch._C._VariableFunctions) if not n.startswith(("_", *_TORCH_EXCLUDED_PREFIXES))
    )


TORCH_MATH = frozenset(
    (torch_surface() & REVIEWED_TORCH) - set(TORCH_REFUSED)
    | {
        "norm",
        "einsum",
        "split",
        "meshgrid",
        "cdist",
        "tensordot",
        "broadcast_tensors",
        "atleast_1d",
        "atleast_2d",
        "unique",
        "block_diag",
        "cartesian_prod",
        "chain_matmul",
        "Tensor",
        "Size",
        "no_grad",
        "finfo",
        "iinfo",
        "device",
        "pi",
        "e",
        "inf",
        "nan",
        "float16",
        "float32",
        "float64",
        "bfloat16",
        "half",
        "float",
        "double",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "long",
        "int",
        "bool",
        "complex64",
        "tensor",
        "as_tensor",
        "is_tensor",
        "get_default_dtype",
    }
)
NN_FUNCTIONAL = frozenset(
    {
        "relu",
        "relu6",
        "elu",
        "selu",
        "celu",
        "gelu",
        "silu",
        "mish",
        "leaky_relu",
        "softplus",
        "softsign",
        "sigmoid",
        "tanh",
        "hardtanh",
        "hardsigmoid",
        "logsigmoid",
        "tanhshrink",
        "threshold",
        "softmax",
        "log_softmax",
        "softmin",
        "normalize",
        "cosine_similarity",
        "pairwise_distance",
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "one_hot",
        "pad",
    }
)
LINALG = frozenset(
    {
        "norm",
        "vector_norm",
        "matrix_norm",
        "cross",
        "det",
        "inv",
        "pinv",
        "solve",
        "cholesky",
        "qr",
        "svd",
        "eigh",
        "eigvalsh",
        "matmul",
        "vecdot",
        "diagonal",
    }
)
#: Attributes of each importable module that reward code may use; None: every public name.
MODULE_MEMBERS: dict[str, frozenset[str] | None] = {
    "math": None,
    "torch": TORCH_MATH | {"nn", "linalg"},
    "torch.nn": frozenset({"functional"}),
    "torch.nn.functional": NN_FUNCTIONAL,
    "torch.linalg": LINALG,
    "typing": TYPING_NAMES,
    "numpy": frozenset(vars(NUMPY_CONSTANTS)),  # its constants only
}
SUBMODULES = frozenset({"torch.nn", "torch.nn.functional", "torch.linalg"})

#: Builtins that reach the interpreter, the file system or the program's own namespaces.
FORBIDDEN_BUILTINS = frozenset(
    {
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "vars",
        "globals",
        "locals",
        "dir",
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "breakpoint",
        "input",
        "help",
        "exit",
        "quit",
        "memoryview",
        "type",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
    }
)
#: Tensor (or other object) attributes that leave tensor math: storage, raw memory, autograd, I/O.
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "numpy",
        "tofile",
        "data_ptr",
        "storage",
        "untyped_storage",
        "storage_type",
        "share_memory_",
        "pin_memory",
        "data",
        "set_",
        "resize_",
        "resize_as_",
        "register_hook",
        "register_post_accumulate_grad_hook",
        "backward",
        "grad",
        "grad_fn",
        "retain_grad",
        "apply_",
        "map_",
        "map2_",
        "to_dlpack",
        "format",
        "format_map",
        "mro",
        "load",
        "save",
        "new_empty",
        "new_empty_strided",
        "as_strided",
        "as_strided_",
        "as_strided_scatter",
    }
)
#: Prefixes of frame, traceback, generator, coroutine and code-object internals.
INTERNAL_PREFIXES = ("gi_", "f_", "tb_", "cr_", "ag_", "co_")
#: What reward code may call without importing (everything else is missing at run time).
SAFE_BUILTINS = (
    "abs",
    "all",
    "any",
    "bool",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "isinstance",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "pow",
    "print",
    "range",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "Exception",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "IndexError",
    "ZeroDivisionError",
    "AssertionError",
    "NotImplementedError",
    "ArithmeticError",
)


class RewardPolicyError(ValueError):
    """The program uses something reward code may not; the message names it and the fix."""


def _reject(node: ast.AST, message: str) -> RewardPolicyError:
    return RewardPolicyError(f"line {getattr(node, 'lineno', '?')}: {message}")


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":``: test code that never runs in a reward program."""
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the program binds somewhere (assignments, parameters, loops, imports, defs)."""
    return {name for _, name in _bindings(tree)}


def _bindings(tree: ast.AST):
    """(node, name) for every binding of a name outside imports: assignments, deletions, parameters (lambdas'
    too), defs, ``except ... as``, ``match`` captures and ``from ... import`` of a member."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node, node.id
        elif isinstance(node, ast.arg):
            yield node, node.arg
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, node.name
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node, node.name
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            yield node, node.name
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node, node.rest
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if f"{node.module}.{alias.name}" not in SUBMODULES:
                    yield node, alias.asname or alias.name


def _module_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> module path for the whole program, whatever the scope: the modules every reward's
    namespace holds (torch, math, np) and every import of an allowed module. A name may name one module only,
    and nothing else may bind it, in any scope: so ``torch.<x>`` anywhere is checked as the module it really
    is."""
    names = dict(GIVEN_MODULES)

    def bind(node: ast.AST, name: str, module: str) -> None:
        if names.setdefault(name, module) != module:
            raise _reject(
                node,
                f"the name {name} already names the module {names[name]} in reward code; "
                f"import {module} under another name",
            )

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root not in ALLOWED_MODULES or (alias.name != root and alias.name not in SUBMODULES):
                    raise _reject(
                        node, f"import {alias.name} is not allowed in reward code: use only torch and math"
                    )
                bind(node, alias.asname or root, alias.name if alias.asname else root)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level or node.module not in MODULE_MEMBERS:
                raise _reject(
                    node,
                    f"import from {node.module or '.'} is not allowed in reward code: "
                    "use only torch and math",
                )
            for alias in node.names:
                if f"{node.module}.{alias.name}" in SUBMODULES:
                    bind(node, alias.asname or alias.name, f"{node.module}.{alias.name}")
    for node, name in _bindings(tree):
        if name in names:
            raise _reject(
                node,
                f"the name {name} is the module {names[name]} in reward code and cannot be "
                f"rebound (a variable, parameter or function): rename it",
            )
    return names


class _PolicyChecker(ast.NodeVisitor):
    def __init__(self, tree: ast.Module):
        self.bound = _bound_names(tree)
        self.modules = _module_names(tree)

    # ------------------------------------------------------------------ imports
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != "__future__":  # the module itself was checked with every import (_module_names)
            for alias in node.names:
                self._check_member(node, node.module, alias.name)

    # ------------------------------------------------------------- statements
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        raise _reject(node, "class definitions are not allowed in reward code: use functions")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            raise _reject(
                node,
                f"decorators are not allowed in reward code: remove @{ast.unparse(node.decorator_list[0])}",
            )
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        raise _reject(node, "async functions are not allowed in reward code: use plain functions")

    def visit_Global(self, node: ast.Global) -> None:
        raise _reject(node, "global statements are not allowed in reward code: return values instead")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        raise _reject(node, "nonlocal statements are not allowed in reward code: return values instead")

    def visit_Yield(self, node: ast.Yield) -> None:
        raise _reject(node, "yield is not allowed in reward code: return tensors")

    visit_YieldFrom = visit_Yield

    def visit_Await(self, node: ast.Await) -> None:
        raise _reject(node, "await is not allowed in reward code")

    # ------------------------------------------------------------ expressions
    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("__"):
            raise _reject(
                node, f"the name {node.id} is not allowed in reward code: dunder names are off limits"
            )
        if isinstance(node.ctx, ast.Load):
            if node.id in FORBIDDEN_BUILTINS and node.id not in self.bound:
                raise _reject(
                    node,
                    f"{node.id} is not allowed in reward code: use plain attribute access and tensor math",
                )
            if node.id in self.modules:
                module = self.modules[node.id]
                raise _reject(
                    node, f"the module {module} can only be used as {node.id}.<function> in reward code"
                )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            raise _reject(
                node, f"assigning to .{node.attr} is not allowed in reward code: use local variables"
            )
        module = self._module_of(node.value)
        if module is None:
            self._check_attribute_name(node)
            self.generic_visit(node)
            return
        self._check_member(node, module, node.attr)
        path = f"{module}.{node.attr}"
        if path in SUBMODULES and not isinstance(getattr(node, "parent", None), ast.Attribute):
            raise _reject(
                node, f"the module {path} can only be used as {ast.unparse(node)}.<function> in reward code"
            )

    # ---------------------------------------------------------------- helpers
    def _module_of(self, node: ast.expr) -> str | None:
        """The module path an expression names (``torch``, ``F``, ``torch.nn``), or None."""
        if isinstance(node, ast.Name) and node.id in self.modules:
            return self.modules[node.id]
        if isinstance(node, ast.Attribute):
            inner = self._module_of(node.value)
            if inner is not None:
                self._check_member(node, inner, node.attr)
                path = f"{inner}.{node.attr}"
                return path if path in SUBMODULES else None
        return None

    def _check_member(self, node: ast.AST, module: str, name: str) -> None:
        allowed = MODULE_MEMBERS[module]
        if not name.startswith("_") and not hasattr(importlib.import_module(module), name):
            raise _reject(node, f"{module}.{name} does not exist; use a function {module} has")
        if module == "torch" and name in TORCH_REFUSED:
            raise _reject(node, f"torch.{name} is not allowed in reward code: it {TORCH_REFUSED[name]}")
        if name.startswith("_") or (allowed is not None and name not in allowed):
            hint = (
                "torch's tensor math functions only"
                if module.startswith("torch")
                else "torch for math (numpy gives its constants only: np.pi, np.e, np.inf)"
                if module == "numpy"
                else f"the documented {module} names"
            )
            raise _reject(node, f"{module}.{name} is not allowed in reward code: use {hint}")

    def _check_attribute_name(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("_"):
            raise _reject(
                node,
                f"the attribute .{attr} is not allowed in reward code: names starting with _ are off limits",
            )
        if attr.startswith(INTERNAL_PREFIXES):
            raise _reject(
                node,
                f".{attr} is not allowed in reward code: "
                "frame, traceback and generator internals are off limits",
            )
        if attr in FORBIDDEN_ATTRIBUTES:
            raise _reject(node, f".{attr} is not allowed in reward code: stay within torch tensor math")


def _check_module_level(tree: ast.Module) -> None:
    """Only imports, functions and constants outside functions, and each module-level name defined once (a
    second ``compute_reward`` would run while a reader sees the first)."""
    first: dict[str, int] = {}
    for node in tree.body:
        names = (
            [node.name]
            if isinstance(node, ast.FunctionDef)
            else [
                t.id
                for t in getattr(node, "targets", [getattr(node, "target", None)])
                if isinstance(t, ast.Name)
            ]
        )
        for name in names:
            if name in first:
                raise _reject(
                    node,
                    f"{name} is defined twice (lines {first[name]} and {node.lineno}): keep one definition",
                )
            first[name] = node.lineno
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            continue
        kind = type(node).__name__.lower()
        raise _reject(
            node,
            f"a module-level {kind} statement is not allowed in reward code: "
            "only imports, functions and constants may sit outside functions",
        )


#: Decorators that change nothing a reward computes (Eureka's rewards carry them): dropped before the check.
TORCHSCRIPT_DECORATORS = frozenset({"torch.jit.script"})


def without_torchscript(tree: ast.AST) -> ast.AST:
    """``tree`` with ``@torch.jit.script`` dropped from every function: TorchScript is optional here, and
    the program runs as plain Python (every reward of IsaacGymEnvs and Eureka carries it)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            node.decorator_list = [
                d for d in node.decorator_list if ast.unparse(d) not in TORCHSCRIPT_DECORATORS
            ]
    return tree


def enforce(tree: ast.Module) -> ast.Module:
    """Check ``tree`` against the policy (raises RewardPolicyError); drop ``if __name__`` test blocks and
    ``@torch.jit.script``."""
    without_torchscript(tree)
    tree.body = [node for node in tree.body if not is_main_guard(node)]
    check_depth(tree)
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child.parent = parent  # type: ignore[attr-defined]
    _PolicyChecker(tree).visit(tree)
    _check_module_level(tree)
    return tree


def check_text(source: str) -> None:
    """The program's text: under the size cap, no character that changes how it reads (bidi and other format
    controls, tag characters, line and paragraph separators, control characters), ASCII identifiers only
    (Python folds a fullwidth or bold ``torch`` into ``torch``, so a name could read as one thing and run as
    another)."""
    size = len(source.encode(errors="replace"))
    if size > MAX_SOURCE_BYTES:
        raise RewardPolicyError(
            f"the program is {size // 1024} KB; reward code must stay under {MAX_SOURCE_BYTES // 1024} KB"
        )
    for offset, char in enumerate(source):
        if unicodedata.category(char) in HIDDEN_CATEGORIES and char not in "\t\n\r":
            line = source.count("\n", 0, offset) + 1
            name = unicodedata.name(char, "unnamed").lower()
            raise RewardPolicyError(
                f"line {line}: the character U+{ord(char):04X} ({name}) is not allowed in reward "
                "code: it hides or reorders what the code says; remove it"
            )
    if source.isascii():
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return  # ast.parse reports it
    for token in tokens:
        if token.type == tokenize.NAME and not token.string.isascii():
            raise RewardPolicyError(
                f"line {token.start[0]}: the name {ascii(token.string)} is not ASCII; "
                "reward code uses ASCII names only"
            )


def ast_depth(tree: ast.AST) -> int:
    """How deeply ``tree``'s nodes nest, counted without recursion
    (so any depth is a number, never a crash)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def check_depth(tree: ast.AST) -> None:
    """Refuse a program nested deeper than MAX_AST_DEPTH: every later walk of its tree (the policy, its normal
    form) recurses, and a deep enough one would crash the caller."""
    depth = ast_depth(tree)
    if depth > MAX_AST_DEPTH:
        raise RewardPolicyError(
            f"the program nests expressions {depth} levels deep; reward code must stay under "
            f"{MAX_AST_DEPTH}: split long expressions into named steps"
        )


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` for reward code: the allowed modules only (the static policy checked the names)."""
    import importlib

    if level or name.split(".")[0] not in (*ALLOWED_MODULES, "__future__"):
        raise ImportError(f"import {name} is not allowed in reward code: use only torch and math")
    if name == "numpy":
        return NUMPY_CONSTANTS
    module = importlib.import_module(name)
    return module if fromlist else importlib.import_module(name.split(".")[0])


def safe_builtins() -> dict:
    """The builtins a reward program runs with (an allow-list; everything else is a NameError)."""
    import builtins

    return {"__import__": _guarded_import, **{name: getattr(builtins, name) for name in SAFE_BUILTINS}}
