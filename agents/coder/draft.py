"""One candidate in the making: its outcome (``Draft``), its validation, and how a sample fails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from agents.llm.gateway import FATAL, LLMCallError
from sim.base import BatchedTask
from sim.isaac_names import reward_names
from tools.job_dir import check_dir
from tools.reward_check import RewardCheckError, check_reward
from tools.text import error_headline

log = structlog.get_logger("coder")
TRUNCATED = (
    "the answer was cut off at the answer budget of {tokens} tokens (llm_max_tokens) before it was complete"
)


@dataclass
class Draft:
    """The outcome of writing one candidate."""

    status: str  # "valid" | "invalid" | "llm_failed" (the LLM call failed: see llm_error)
    code: str | None
    response: str
    error: str | None
    reward_path: str | None
    attempts: int  # LLM calls made for it
    llm_error: str | None = None  # the failed call's kind: "unavailable" or "rejected"
    tool_calls: int = 0  # tools run (tools mode)
    duplicate_of: str | None = None  # the candidate whose program this one repeats (never trained twice)


def after_llm_failure(
    exc: LLMCallError, draft: Draft | None, key: str, calls: int, tool_calls: int = 0
) -> Draft:
    """The sample after its ``calls``-th LLM call failed; a fatal failure propagates
    (no later call can succeed).

    A failed repair leaves the sample what its last program was, with both reasons; a failed first
    call makes it ``llm_failed``.
    """
    if exc.kind == FATAL:
        raise exc
    log.warning("coder.llm_failed", key=key, call=calls, kind=exc.kind, error=str(exc)[:300])
    if draft is not None:
        draft.error = f"{draft.error}\n(the repair request failed: {exc})"
        return draft
    return Draft("llm_failed", None, "", str(exc), None, calls, llm_error=exc.kind, tool_calls=tool_calls)


class Programs(Protocol):
    """What a valid program is checked against before it may train: the search's record of the programs
    already tried (``graph/search/novelty.py: KnownPrograms``)."""

    #: A copy ends the sample at once (its slot is spent on the numbers of a program, not on the model).
    copy_ends_sample: bool

    def claim(self, code: str, behaviour: str | None = None) -> str | None:
        """None if ``code`` is new (it is claimed for this sample), else the error that says whose it is."""

    def repeated(self, error: str | None) -> str | None:
        """The candidate a sample's program repeats, when ``error`` is that refusal."""


async def validate(
    code: str, task: type[BatchedTask], path: Path, check_timeout_s: float, programs: Programs | None = None
) -> str | None:
    """Write the program to ``path`` and check it (static check, sandboxed dry run, and not a program already
    tried, given ``programs``): its error, or None."""
    path.write_text(code)
    try:
        checked = await check_reward(task.name, code, reward_names(task), check_dir(path), check_timeout_s)
    except RewardCheckError as exc:
        return str(exc)
    return programs.claim(code, checked.behaviour) if programs else None


class Failures:
    """The failed programs of one sample, to tell a model that fixes its program from one stuck on it.

    A model that answers an error with the same program, or with one that fails the same way, does
    not get further by being told again (measured with the embedded model: 1 repair in 24 helped);
    a fresh sample from the original prompt does.
    """

    def __init__(self) -> None:
        self.programs: set[str] = set()
        self.last_error: str | None = None
        self.last_copy: str | None = None

    def copying(self, duplicate_of: str | None) -> bool:
        """Record whose program an attempt repeated; True if the previous attempt repeated the same
        candidate's."""
        again = duplicate_of is not None and duplicate_of == self.last_copy
        self.last_copy = duplicate_of
        return again

    def stuck(self, code: str | None, error: str) -> bool:
        """Record a failure; True if it repeats a failed program or the previous failure's error."""
        program = "\n".join(line.rstrip() for line in (code or "").strip().splitlines())
        headline = error_headline(error)
        repeated = (bool(program) and program in self.programs) or headline == self.last_error
        self.programs.add(program)
        self.last_error = headline
        return repeated
