"""Pull the reward program out of an LLM response."""

from __future__ import annotations

import ast
import re

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
JIT_DECORATOR = re.compile(r"^[ \t]*@torch\.jit\.script[ \t]*\n", re.MULTILINE)


class NoCodeError(ValueError):
    """The response holds no Python code."""


def _defines_function(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return "def " in code
    return any(isinstance(node, ast.FunctionDef) for node in tree.body)


def extract_code(response: str) -> str:
    """The first fenced python block that defines a function (whole, helpers included).

    Falls back to any fenced block defining a function, then to the whole response if it
    parses as Python with a function. ``@torch.jit.script`` is dropped: TorchScript is optional.
    """
    blocks = [(lang.lower(), body) for lang, body in FENCE.findall(response)]
    ordered = [b for lang, b in blocks if lang in ("python", "py", "python3")] + [
        b for lang, b in blocks if lang not in ("python", "py", "python3")
    ]
    for body in ordered:
        if _defines_function(body):
            return JIT_DECORATOR.sub("", body).strip() + "\n"
    if not blocks and _defines_function(response):
        try:
            ast.parse(response)
            return JIT_DECORATOR.sub("", response).strip() + "\n"
        except SyntaxError:
            pass
    raise NoCodeError("the response contains no Python code block defining a reward function")
