"""Fit a conversation into a model's context window, trimmed in a stated order; never send one that overflows.

A conversation is ``[system, task prompt, exchange*]``; an exchange is an assistant turn (a
program, or tool calls) and what answered it (feedback, or the tools' results). While the
prompt plus the answer budget is larger than the window, trimming goes in this order:

1. drop earlier exchanges, oldest first, keeping the latest one;
2. cut the middle of the latest feedback, keeping its head (the error or the statistics) and its tail
   (the instructions), down to ``MIN_FEEDBACK_CHARS``; a candidate block the cut runs through is closed
   before the cut and opened again after it (``agents/untrusted.py``);
3. shrink the answer budget, down to ``PROGRAM_ANSWER_TOKENS`` (room for a reward program);
4. drop the latest program (the feedback still names the error or the statistics; not tool calls,
   whose results need them);
5. shrink the answer budget, down to ``MIN_ANSWER_TOKENS``.

Tools bound to the call take prompt tokens too (``reserved``).

If it still does not fit, ``ContextOverflowError``: the request is not sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from agents.untrusted import cut_ends

#: The chat template's tokens around each message (role markers, separators), counted generously.
MESSAGE_OVERHEAD_TOKENS = 8
#: Characters per token assumed when the server cannot count: prompts measure ~4 on Qwen's tokenizer,
#: statistics full of digits ~2.5; 2.5 keeps the estimate on the safe side.
CHARS_PER_TOKEN = 2.5
PROGRAM_ANSWER_TOKENS = (
    512  # reward programs take ~208 tokens (median), ~339 (90th percentile): bench/RESULTS.md
)
MIN_ANSWER_TOKENS = 256
MIN_FEEDBACK_CHARS = 600
HEAD_SHARE = 2 / 3
TASK_PROMPT_MESSAGES = 2  # system + task prompt: never trimmed

TokenCounter = Callable[[list[dict]], Awaitable[int]]


class ContextOverflowError(ValueError):
    """The conversation does not fit the model's context even fully trimmed."""


async def estimate_tokens(messages: list[dict]) -> int:
    """A conservative token count for models whose server cannot count."""
    return sum(int(len(prompt_text(m)) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def prompt_text(message: dict) -> str:
    """The text a message puts in the prompt: its content and its tool calls."""
    calls = message.get("tool_calls")
    return message["content"] + (json.dumps(calls) if calls else "")


def exchanges(messages: list[dict]) -> list[int]:
    """Where each exchange after the task prompt starts: at each assistant turn."""
    return [i for i, m in enumerate(messages) if i >= TASK_PROMPT_MESSAGES and m["role"] == "assistant"]


@dataclass
class ContextWindow:
    """How many tokens a model takes (None: unknown, nothing is trimmed) and how to count them."""

    tokens: int | None
    count: TokenCounter = estimate_tokens
    source: str = "unknown"  # "server", "config" or "model": where the size came from


@dataclass
class Fitted:
    messages: list[dict]
    max_tokens: int
    prompt_tokens: int | None
    trimmed: list[str] = field(default_factory=list)  # the steps applied, in order


def cut_middle(text: str, keep_chars: int) -> str:
    """``text`` cut to about ``keep_chars``: its head and its tail around a marker saying how much went
    (outside any candidate block)."""
    if len(text) <= keep_chars:
        return text
    head_chars = int(keep_chars * HEAD_SHARE)
    head, tail = cut_ends(text, head_chars, keep_chars - head_chars)
    return f"{head}\n[... {len(text) - keep_chars} characters cut to fit the context ...]\n{tail}"


def shrink(max_tokens: int, excess: int, floor: int, trimmed: list[str]) -> int:
    """The answer budget lowered by ``excess`` tokens, but not below ``floor`` (nor raised)."""
    if excess <= 0 or max_tokens <= floor:
        return max_tokens
    smaller = max(floor, max_tokens - excess)
    trimmed.append(f"answer budget shrunk to {smaller} tokens")
    return smaller


async def fit(messages: list[dict], max_tokens: int, window: ContextWindow, reserved: int = 0) -> Fitted:
    """``messages`` and an answer budget that fit ``window`` (see the module docstring for the order)."""
    if window.tokens is None:
        return Fitted(list(messages), max_tokens, None)
    messages, trimmed = [dict(m) for m in messages], []
    prompt = await window.count(messages)  # recounted only when the messages change

    def excess() -> int:
        return prompt + reserved + max_tokens - window.tokens

    while excess() > 0 and len(starts := exchanges(messages)) > 1:
        del messages[TASK_PROMPT_MESSAGES : starts[1]]
        trimmed.append("dropped an earlier exchange")
        prompt = await window.count(messages)
    last = messages[-1]
    while excess() > 0 and len(messages) > TASK_PROMPT_MESSAGES:
        keep = max(MIN_FEEDBACK_CHARS, len(last["content"]) - int(excess() * CHARS_PER_TOKEN) - 100)
        shorter = cut_middle(last["content"], keep)
        if len(shorter) >= len(last["content"]):
            break
        last["content"] = shorter
        if trimmed[-1:] != ["cut the latest feedback"]:
            trimmed.append("cut the latest feedback")
        prompt = await window.count(messages)
    max_tokens = shrink(max_tokens, excess(), PROGRAM_ANSWER_TOKENS, trimmed)
    if (
        excess() > 0
        and len(messages) == TASK_PROMPT_MESSAGES + 2
        and not messages[TASK_PROMPT_MESSAGES].get("tool_calls")
    ):
        del messages[TASK_PROMPT_MESSAGES]
        trimmed.append("dropped the latest program")
        prompt = await window.count(messages)
    max_tokens = shrink(max_tokens, excess(), MIN_ANSWER_TOKENS, trimmed)
    if excess() > 0:
        raise ContextOverflowError(
            f"the prompt takes {prompt + reserved} tokens even trimmed; with at least {MIN_ANSWER_TOKENS} "
            "for the answer "
            f"it does not fit the model's context of {window.tokens} tokens ({window.source}); use a larger "
            "context (llm_context_tokens, the server's context size) or the small prompt profile"
        )
    return Fitted(messages, max_tokens, prompt, trimmed)
