"""Pull the reward program out of an LLM response, in linear time whatever the response holds."""

from __future__ import annotations

import ast

PYTHON_TAGS = ("python", "py", "python3")
#: Longer responses are not searched (a reward program is a few KB; this is a runaway generation).
MAX_RESPONSE_CHARS = 200_000


class NoCodeError(ValueError):
    """The response holds no Python code."""


def fenced_blocks(response: str) -> list[tuple[str, str]]:
    """(language tag, body) of each ``` fenced block, one pass over the lines;
    an unclosed block runs to the end."""
    blocks, tag, body = [], None, []
    # Lines end at line feeds only (a \r before one is dropped): str.splitlines would also end one at U+2028
    # and other separators, and a line an editor shows inside a comment would become code here. Kept in the
    # program, such a character is refused by the static policy (sim/reward/allow_list.py: check_text).
    for line in response.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if tag is None:
            if stripped.startswith("```"):
                tag, body = stripped[3:].strip().split(" ")[0].lower(), []
        elif stripped.startswith("```"):
            blocks.append((tag, "\n".join(body)))
            tag = None
        else:
            body.append(line)
    if tag is not None:
        blocks.append((tag, "\n".join(body)))
    return blocks


def _defines_function(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "def " in code
    return any(isinstance(node, ast.FunctionDef) for node in tree.body)


def extract_code(response: str) -> str:
    """The first fenced python block that defines a function (whole, helpers included).

    Falls back to any fenced block defining a function, then to the whole response if it
    parses as Python with a function.
    """
    if len(response) > MAX_RESPONSE_CHARS:
        raise NoCodeError(
            f"the response is {len(response)} characters long; a reward program is a few thousand"
        )
    blocks = fenced_blocks(response)
    ordered = [b for tag, b in blocks if tag in PYTHON_TAGS] + [
        b for tag, b in blocks if tag not in PYTHON_TAGS
    ]
    for body in ordered:
        if _defines_function(body):
            return body.strip() + "\n"
    if not blocks and _defines_function(response):
        try:
            ast.parse(response)
            return response.strip() + "\n"
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    raise NoCodeError("the response contains no Python code block defining a reward function")
