"""The static allow-list: what reward code may use, and one actionable line for what it may not."""

import ast

import pytest

from sim.reward.allow_list import (
    MAX_SOURCE_BYTES,
    REVIEWED_FILE,
    REVIEWED_TORCH,
    TORCH_MATH,
    TORCH_REFUSED,
    RewardPolicyError,
    check_text,
    enforce,
    safe_builtins,
    torch_surface,
)


def check(source: str) -> ast.Module:
    return enforce(ast.parse(source))


ACCEPTED = {
    "plain torch math": (
        "def compute_reward(x):\n"
        "    r = torch.exp(-x.abs()) * torch.clamp(x, -1, 1)\n    return r, {'r': r}\n"
    ),
    "imports and aliases": (
        "import torch\nimport math\nimport torch.nn.functional as F\nfrom torch import linalg\n"
        "from math import pi\n\n"
        "def compute_reward(x):\n    return F.relu(x) + linalg.vector_norm(x) * pi, {}\n"
    ),
    "typing annotations": (
        "from typing import Dict, Tuple\nfrom torch import Tensor\n\n"
        "def compute_reward(x: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:\n    return x, {}\n"
    ),
    "constants and docstring": (
        '"""A reward."""\nSCALE = 2.0 * math.pi\n\ndef compute_reward(x):\n    return SCALE * x, {}\n'
    ),
    "helpers, loops, comprehensions, lambdas": (
        "def helper(x, k=2):\n    return sum(x * i for i in range(k))\n\n"
        "def compute_reward(x):\n    sq = lambda t: t * t\n    parts = {f'p{i}': sq(x) for i in range(2)}\n"
        "    with torch.no_grad():\n        total = helper(x)\n    return total, parts\n"
    ),
    "test code under a main guard is dropped": (
        "def compute_reward(x):\n    return x, {}\n\n"
        "if __name__ == '__main__':\n    import os\n    os.system('x')\n"
    ),
    "a local variable named like a builtin": (
        "def compute_reward(x):\n    type = x * 2\n    return type, {}\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_ordinary_reward_code_passes(name):
    tree = check(ACCEPTED[name])
    assert not any(isinstance(n, ast.If) for n in tree.body)  # the main guard, if any, is gone


REJECTED = [
    ("import os\n", "line 1: import os is not allowed in reward code: use only torch and math"),
    (
        "def f(x):\n    return torch.frombuffer(b'\\n', dtype=torch.uint8)\n",
        "torch.frombuffer is not allowed in reward code: it views or rewrites raw memory",
    ),
    ("def f(x):\n    return torch.asarray(x)\n", "torch.asarray is not allowed"),
    (
        "def f(x):\n    return torch.empty(4)\n",
        "torch.empty is not allowed in reward code: it leaves memory "
        "uninitialised (its bytes reach errors and prompts): use torch.zeros",
    ),
    ("def f(x):\n    return torch.empty_like(x)\n", "use torch.zeros or torch.zeros_like"),
    ("from torch import empty_strided\n", "torch.empty_strided is not allowed"),
    ("def f(x):\n    return torch.as_strided(x, (9,), (1,))\n", "torch.as_strided is not allowed"),
    ("def f(x):\n    return x.new_empty(4)\n", ".new_empty is not allowed"),
    ("from subprocess import run\n", "import from subprocess is not allowed"),
    ("import torch.utils\n", "import torch.utils is not allowed"),
    ("def f(x):\n    import socket\n", "line 2: import socket is not allowed"),
    ("def f(x):\n    return x.__class__\n", "the attribute .__class__ is not allowed"),
    ("def f(x):\n    return x._version\n", "the attribute ._version is not allowed"),
    ("def f(x):\n    return __builtins__\n", "the name __builtins__ is not allowed"),
    ("def f(x):\n    return getattr(x, 'numpy')()\n", "getattr is not allowed"),
    ("def f(x):\n    return eval('1')\n", "eval is not allowed"),
    ("def f(x):\n    return open('/etc/passwd')\n", "open is not allowed"),
    ("def f(x):\n    g = (i for i in x)\n    return g.gi_frame\n", ".gi_frame is not allowed"),
    ("def f(x):\n    return x.numpy()\n", ".numpy is not allowed"),
    ("def f(x):\n    return x.data\n", ".data is not allowed"),
    ("def f(x):\n    return x.untyped_storage()\n", ".untyped_storage is not allowed"),
    ("def f(x):\n    return '{0.__class__}'.format(x)\n", ".format is not allowed"),
    ("def f(x):\n    return torch.load('p')\n", "torch.load is not allowed in reward code"),
    ("def f(x):\n    return torch.from_file('p')\n", "torch.from_file is not allowed"),
    ("def f(x):\n    return torch.degrees(x)\n", "torch.degrees does not exist"),
    ("def f(x):\n    return torch.nn.Linear(1, 1)\n", "torch.nn.Linear is not allowed"),
    (
        "def f(x):\n    t = torch\n    return t.load('p')\n",
        "the module torch can only be used as torch.<function>",
    ),
    ("def f(x):\n    torch.exp = torch.log\n", "assigning to .exp is not allowed"),
    ("def f(x):\n    math.pi = 3\n", "assigning to .pi is not allowed"),
    ("class R:\n    pass\n", "class definitions are not allowed"),
    (
        "@torch.no_grad()\ndef f(x):\n    return x\n",
        "decorators are not allowed in reward code: remove @torch.no_grad()",
    ),
    ("def f(x):\n    global y\n", "global statements are not allowed"),
    ("def f(x):\n    yield x\n", "yield is not allowed"),
    ("async def f(x):\n    return x\n", "async functions are not allowed"),
    ("for i in range(3):\n    pass\n", "a module-level for statement is not allowed"),
    ("print('hi')\n", "a module-level expr statement is not allowed"),
]


@pytest.mark.parametrize("source, message", REJECTED)
def test_everything_else_is_refused_in_one_line_naming_it(source, message):
    with pytest.raises(
        RewardPolicyError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ) as info:
        check(source)
    assert "\n" not in str(info.value) and str(info.value).startswith("line ")


def test_oversized_programs_are_refused_before_parsing():
    with pytest.raises(RewardPolicyError, match="reward code must stay under 64 KB"):
        check_text("#" * (MAX_SOURCE_BYTES + 1))


def test_the_runtime_builtins_are_an_allow_list_with_a_guarded_import():
    builtins = safe_builtins()
    assert "open" not in builtins and "getattr" not in builtins and "abs" in builtins
    assert builtins["__import__"]("math").pi > 3
    with pytest.raises(ImportError, match="import os is not allowed"):
        builtins["__import__"]("os")


def test_the_torch_surface_is_reviewed_name_by_name():
    """A torch upgrade that adds a function fails here until the name is reviewed (and listed in
    sim/reward/torch_reviewed.txt, or refused in TORCH_REFUSED); until then reward code cannot call it."""
    import re

    import torch

    reviewed = re.match(r"# torch (\S+):", REVIEWED_FILE.read_text()).group(1)
    installed = torch.__version__.split("+")[0]  # a CPU or CUDA build of one version: the same functions
    how = (
        f"sim/reward/torch_reviewed.txt was reviewed on torch {reviewed}; this is torch "
        f"{torch.__version__}. Install torch=={reviewed} (make install), or review torch {installed}: "
        "read each new name's documentation, list it in torch_reviewed.txt if it is plain tensor math "
        "(else also refuse it in TORCH_REFUSED with its fix), start the file with "
        f"'# torch {installed}:' and set the pin in pyproject.toml and the Makefile to it"
    )
    unreviewed = sorted(torch_surface() - REVIEWED_TORCH)
    assert unreviewed == [], f"review these torch functions for reward code: {unreviewed}. {how}"
    assert installed == reviewed, how
    assert not set(TORCH_REFUSED) & TORCH_MATH and set(TORCH_REFUSED) <= REVIEWED_TORCH
    assert {"zeros", "exp", "clamp", "where", "norm"} <= TORCH_MATH


def test_numpy_gives_its_constants_and_nothing_else():
    import pytest

    from sim.reward.allow_list import RewardPolicyError, enforce

    enforce(ast.parse("import numpy as np\nx = np.pi + np.e\n"))
    for program in (
        "import numpy as np\ny = np.load('x')\n",
        "y = np.clip(1, 0, 2)\n",
        "from numpy import load\n",
    ):
        with pytest.raises(
            RewardPolicyError, match="numpy gives its constants only|numpy.load is not allowed"
        ):
            enforce(ast.parse(program))


#: Ways to bind a module's name somewhere so that an unscoped policy stops checking ``torch.<x>`` everywhere,
#: while at run time the name still is the module (issue 36: each of these once reached torch.os).
REBINDINGS = {
    "a helper's parameter": "def helper(torch):\n    return torch\n",
    "a late import": "def f(x):\n    return x\n\nimport torch as math\n",
    "a comprehension variable": "def f(x):\n    return [torch for torch in x]\n",
    "a walrus target": "def f(x):\n    return (torch := x)\n",
    "a lambda argument": "def f(x):\n    g = lambda torch: torch\n    return g(x)\n",
    "a fullwidth parameter (NFKC folds it)": "def helper(\uff54\uff4f\uff52\uff43\uff48):\n    return 1\n",
    "a bare annotation": "torch: 'a module'\n",
    "a default argument": "def f(x, torch=torch):\n    return x\n",
    "a keyword-only argument": "def f(x, *, math=1):\n    return x\n",
    "a *args name": "def f(*torch):\n    return 1\n",
    "a for target": "def f(x):\n    for torch in x:\n        pass\n    return x\n",
    "a with target": "def f(x):\n    with x as torch:\n        pass\n    return x\n",
    "an except name": (
        "def f(x):\n    try:\n        pass\n    except Exception as torch:\n        pass\n    return x\n"
    ),
    "a match capture": "def f(x):\n    match x:\n        case torch:\n            pass\n    return x\n",
    "a del": "def f(x):\n    del torch\n    return x\n",
    "a function named like it": "def np(x):\n    return x\n",
    "a member imported under its name": "from torch import tensor as torch\n",
    "a second module under one name": "import math as F\nimport torch.nn.functional as F\n",
    "an alias rebound in another function": "import torch.nn.functional as F\n\ndef g(F):\n    return F\n",
    "a tuple unpacking": "def f(x):\n    a, torch = x, x\n    return a\n",
}


@pytest.mark.parametrize("name", sorted(REBINDINGS))
def test_no_scope_may_rebind_a_modules_name(name):
    escape = "\n\ndef compute_reward(x):\n    return torch.os.getcwd(), {}\n"
    with pytest.raises(RewardPolicyError) as info:
        check(REBINDINGS[name] + escape)
    message = str(info.value)
    assert "\n" not in message and (
        "cannot be rebound" in message or "already names the module" in message or "not ASCII" in message
    ), message


def test_the_module_check_holds_when_a_name_is_bound_elsewhere():
    """A program that binds unrelated names everywhere still has each torch.<x> checked."""
    with pytest.raises(RewardPolicyError, match="torch.os is not allowed|torch.os does not exist"):
        check(
            "def helper(t, k=2):\n    return [i for i in t]\n\n"
            "def compute_reward(x):\n    y = torch.os\n    return x, {}\n"
        )


HIDDEN_TEXT = {
    "a right-to-left override in a comment": (
        "def compute_reward(x):\n    # \u202e gnirts\n    return x, {}\n"
    ),
    "a tag character": "def compute_reward(x):\n    return x, {}  # \U000e0041\U000e0042\n",
    "a line separator hiding a line": (
        "def compute_reward(x):\n    total = x  # note\u2028total = -total\n    return total, {}\n"
    ),
    "a zero-width space in a string": "def compute_reward(x):\n    return x, {'a\u200b': x}\n",
    "a right-to-left mark": "def compute_reward(x):\n    return x, {}  # \u200f\n",
}


@pytest.mark.parametrize("name", sorted(HIDDEN_TEXT))
def test_characters_that_hide_or_reorder_text_are_refused_with_their_code_point(name):
    with pytest.raises(RewardPolicyError, match=r"line \d+: the character U\+[0-9A-F]{4,}") as info:
        check_text(HIDDEN_TEXT[name])
    assert "\n" not in str(info.value)


def test_non_ascii_identifiers_are_refused_and_plain_unicode_comments_are_not():
    bold = (
        "def \U0001d41c\U0001d428\U0001d426\U0001d429\U0001d42e\U0001d42d\U0001d41e_reward(x):\n"
        "    return -x, {}\n"
    )
    with pytest.raises(RewardPolicyError, match="line 5: the name .* is not ASCII"):
        check_text("def compute_reward(x):\n    return x, {}\n\n" + bold.replace("def", "\ndef"))
    with pytest.raises(RewardPolicyError, match="is not ASCII"):
        check_text("def compute_reward(x):\n    \u05d0 = x\n    return \u05d0, {}\n")
    check_text(
        "def compute_reward(x):\n    # angle in \u00b0, \u00b5m \u2014 fine\n"
        "    return x, {'a': x}  # caf\u00e9\n"
    )


def test_a_name_defined_twice_at_module_level_is_refused():
    with pytest.raises(RewardPolicyError, match="compute_reward is defined twice"):
        check("def compute_reward(x):\n    return x, {}\n\ndef compute_reward(x):\n    return -x, {}\n")
    with pytest.raises(RewardPolicyError, match="SCALE is defined twice"):
        check("SCALE = 1.0\nSCALE = 2.0\n")


def test_any_nesting_depth_is_a_one_line_refusal_never_a_crash():
    import sys

    from sim.reward.normal_form import program_digest

    deep = "def compute_reward(x):\n    return " + "-" * 485 + "x, {}\n"
    with pytest.raises(RewardPolicyError, match="nests expressions .* levels deep"):
        check(deep)
    for depth in (485, 2000, sys.getrecursionlimit() * 3):
        with pytest.raises((RewardPolicyError, SyntaxError, MemoryError)):
            program_digest("def compute_reward(x):\n    return " + "-" * depth + "x, {}\n")
