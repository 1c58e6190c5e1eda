"""The Coder agent: one call, ``write``, gives one candidate reward program, validated.

It picks its protocol itself: a program the user pasted (``/edit``) is only validated; otherwise
the tool protocol (``agents/coder/tools.py``) when its model works with tool calls under
``agent_mode``, else Eureka's text protocol (``agents/coder/text.py``). Its prompt is in
``agents/coder/prompt.py``; what a sample comes to, and how it is validated, in ``agents/coder/draft.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog

from agents.coder.draft import Draft, Programs, validate
from agents.coder.text import write_candidate
from agents.coder.tools import write_candidate_with_tools
from agents.llm.gateway import LLMGateway
from sim.base import BatchedTask
from tools.job_dir import USER_PROGRAM, program_file
from tools.text import error_headline

log = structlog.get_logger("coder")


@dataclass
class Coder:
    """The run's Coder: its gateway and its protocols' settings, fixed when the run opens
    (graph/context.py)."""

    gateway: LLMGateway
    profile: str
    check_timeout_s: float
    repair_attempts: int
    tool_rounds: int

    async def write(
        self,
        messages: list[dict],
        task: type[BatchedTask],
        key: str,
        work_dir: Path,
        *,
        code: str | None = None,
        programs: Programs | None = None,
    ) -> Draft:
        """``write`` below with the run's settings."""
        return await write(
            self.gateway,
            messages,
            task,
            key,
            work_dir,
            code=code,
            profile=self.profile,
            check_timeout_s=self.check_timeout_s,
            repair_attempts=self.repair_attempts,
            tool_rounds=self.tool_rounds,
            programs=programs,
        )


async def write(
    gateway: LLMGateway,
    messages: list[dict],
    task: type[BatchedTask],
    key: str,
    work_dir: Path,
    *,
    code: str | None,
    profile: str,
    check_timeout_s: float,
    repair_attempts: int,
    tool_rounds: int,
    programs: Programs | None = None,
) -> Draft:
    """One candidate: ``code`` (pasted by the user) validated, or a program the Coder writes and validates;
    given ``programs``, a program already tried is an error the Coder is told,
    within the sample's attempts."""
    if code is not None:
        return await given_candidate(code, task, key, work_dir, check_timeout_s)
    common = dict(profile=profile, check_timeout_s=check_timeout_s, programs=programs)
    if gateway.uses_tools("coder"):
        return await write_candidate_with_tools(
            gateway, messages, task, key, work_dir, tool_rounds=tool_rounds, **common
        )
    return await write_candidate(
        gateway, messages, task, key, work_dir, repair_attempts=repair_attempts, **common
    )


async def given_candidate(
    code: str, task: type[BatchedTask], key: str, work_dir: Path, check_timeout_s: float
) -> Draft:
    """A program the user pasted (/edit), validated like a Coder's; no LLM is called."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = program_file(work_dir, USER_PROGRAM)
    error = await validate(code, task, path, check_timeout_s)
    log.info(
        "coder.user_candidate", key=key, status="invalid" if error else "valid", error=error_headline(error)
    )
    return Draft("invalid" if error else "valid", code, "", error, str(path), 0)
