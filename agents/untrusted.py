"""Text a candidate reward program wrote, marked as such wherever it reaches a prompt.

Its code and comments, its component names, what it printed and the errors it ran into reach an LLM
only inside a candidate block, whose label says what the block holds::

    <<<candidate text: the reward program's code>>>
    ...
    <<<end of candidate text>>>

The text cannot close the block early: a run of three or more ``<`` (ASCII, small or fullwidth) becomes
``‹‹‹``. Each agent's system prompt says, once, that a block is data and never instructions.
"""

from __future__ import annotations

import re

from prompts import render
from tools.text import printable

OPEN = "<<<candidate text: {label}>>>"
CLOSE = "<<<end of candidate text>>>"
#: How a delimiter begins, as the candidate's text might forge it.
FORGED = re.compile(r"[<\ufe64\uff1c]{3,}")
#: A whole delimiter line of a prompt (candidate text holds none).
DELIMITER = re.compile(r"^<<<candidate text: .*>>>$|^<<<end of candidate text>>>$", re.MULTILINE)
#: The label of a block whose opening line a cut took away.
CONTINUED = "the rest of a block cut short to fit the context"


def candidate_block(text: str, label: str) -> str:
    """``text`` (printable, any delimiter in it broken) in a candidate block labelled ``label``."""
    body = FORGED.sub(lambda m: "\u2039" * len(m.group()), printable(text)).strip("\n")
    return f"{OPEN.format(label=label)}\n{body}\n{CLOSE}"


def program_block(code: str) -> str:
    """A reward program, fenced as Python, in a candidate block."""
    return candidate_block(f"```python\n{code.strip()}\n```", "the reward program's code")


def system_prompt(template: str, profile: str, **fields: object) -> str:
    """An agent's system prompt: ``template`` followed by the rule for candidate blocks."""
    rule = render("candidate_text_rule", profile, open=OPEN.format(label="..."), close=CLOSE)
    return render(template, profile, **fields).rstrip("\n") + "\n" + rule


def cut_ends(text: str, head_chars: int, tail_chars: int) -> tuple[str, str]:
    """At most the first ``head_chars`` and the last ``tail_chars`` characters of ``text`` (its middle cut),
    each holding whole blocks: a block the cut runs through is closed at the end of the head and opened again
    at the start of the tail, the delimiters taking the place of some of its text."""
    close, reopen = "\n" + CLOSE, OPEN.format(label=CONTINUED) + "\n"
    head, tail = text[:head_chars], text[len(text) - tail_chars :]
    if ends_inside(head):
        head = text[: max(head_chars - len(close), 0)]
        head += close if ends_inside(head) else ""
    if starts_inside(tail):
        tail = text[len(text) - max(tail_chars - len(reopen), 0) :]
        tail = (reopen if starts_inside(tail) else "") + tail
    return head, tail


def ends_inside(text: str) -> bool:
    """Whether ``text`` (the head of a prompt) ends inside a block."""
    delimiters = DELIMITER.findall(text)
    return bool(delimiters) and delimiters[-1] != CLOSE


def starts_inside(text: str) -> bool:
    """Whether ``text`` (the tail of a prompt) starts inside a block."""
    first = DELIMITER.search(text)
    return first is not None and first.group() == CLOSE
