"""The Coder's tool protocol: it writes a program, checks it in the sandbox, and fixes it before submitting.

Within one conversation of at most ``tool_rounds`` model calls the model may call
``check_reward`` (the dry run a run validates with), ``task_state`` and ``task_source``. Its
answer without a tool call is the submission: the program in it (or, if it has none, the
last program that passed ``check_reward``) is validated like any candidate; if it fails, the
error goes back into the same conversation while rounds remain. This replaces the text
protocol's separate repair round trip. A submission that repeats a failure (the same program,
or the previous submission's error) starts the conversation over, as the text protocol does.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from agents.code_extraction import NoCodeError, extract_code
from agents.coder.draft import TRUNCATED, Draft, Failures, Programs, after_llm_failure, validate
from agents.feedback import error_feedback
from agents.llm.gateway import LLMCallError, LLMGateway
from agents.llm.tool_loop import converse
from prompts import render
from sim.base import BatchedTask
from tools.coder_tools import coder_tools
from tools.job_dir import CHECKED_PROGRAM, ROUND_PROGRAM, TOOL_CHECKS_DIR, program_file
from tools.text import error_headline

log = structlog.get_logger("coder")
#: The tools whose results show what the program wrote (its component names, printed lines, errors).
CANDIDATE_TEXT = {"check_reward": "the dry run's report; its names and errors are the program's"}


def with_tools_prompt(messages: list[dict], profile: str) -> list[dict]:
    """The conversation with the tool protocol added to the system prompt."""
    system = {**messages[0], "content": messages[0]["content"] + render("coder_tools", profile)}
    return [system, *messages[1:]]


async def write_candidate_with_tools(
    gateway: LLMGateway,
    messages: list[dict],
    task: type[BatchedTask],
    key: str,
    work_dir: Path,
    *,
    profile: str,
    tool_rounds: int,
    check_timeout_s: float,
    programs: Programs | None = None,
) -> Draft:
    """One candidate from a tool-calling conversation (see the module docstring);
    LLM errors as in ``coder``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, str | None] = {}  # every program checked in the conversation -> None or its error
    tools = coder_tools(task, work_dir / TOOL_CHECKS_DIR, check_timeout_s, outcomes)
    first = with_tools_prompt(messages, profile)
    conversation, rounds, calls, draft, failures = first, 0, 0, None, Failures()
    while rounds < tool_rounds:
        try:
            run = await converse(
                gateway,
                "coder",
                conversation,
                tools,
                key=key,
                max_rounds=tool_rounds - rounds,
                profile=profile,
                first_round=rounds,
                candidate_text=CANDIDATE_TEXT,
            )
        except LLMCallError as exc:
            return after_llm_failure(exc, draft, key, calls=rounds + 1, tool_calls=calls)
        conversation, rounds, calls = run.messages, rounds + run.rounds, calls + run.tool_calls
        if not run.answered:
            break
        draft = await submission(
            run.reply,
            outcomes,
            task,
            program_file(work_dir, ROUND_PROGRAM, rounds - 1),
            check_timeout_s,
            rounds,
            calls,
            programs,
        )
        log.info(
            "coder.candidate",
            key=key,
            rounds=rounds,
            tool_calls=calls,
            status=draft.status,
            error=error_headline(draft.error),
        )
        if draft.status == "valid" or (draft.duplicate_of and programs.copy_ends_sample):
            return draft
        if failures.stuck(draft.code or run.reply.text, draft.error):
            log.info("coder.restart", key=key, rounds=rounds, reason="the submission repeated a failure")
            conversation = first
            continue
        conversation.append({"role": "user", "content": error_feedback(draft.error, profile, task)})
    if draft is not None:
        return draft
    if (checked := last_passed(outcomes)) is not None:  # it checked a working program but never submitted it
        path = program_file(work_dir, CHECKED_PROGRAM)
        path.write_text(checked)
        error = programs.claim(checked) if programs else None
        draft = Draft(
            "invalid" if error else "valid",
            checked,
            run.reply.text,
            error,
            str(path),
            rounds,
            tool_calls=calls,
            duplicate_of=programs and programs.repeated(error),
        )
    else:
        error = (
            f"no final answer within {tool_rounds} model calls (tool_rounds): the model kept calling tools"
        )
        draft = Draft("invalid", None, run.reply.text, error, None, rounds, tool_calls=calls)
    log.info(
        "coder.candidate", key=key, rounds=rounds, tool_calls=calls, status=draft.status, error=draft.error
    )
    return draft


def last_passed(outcomes: dict[str, str | None]) -> str | None:
    """The last program that passed ``check_reward`` in the conversation, if any."""
    return next((program for program, error in reversed(outcomes.items()) if error is None), None)


async def submission(
    reply,
    outcomes: dict[str, str | None],
    task: type[BatchedTask],
    path: Path,
    check_timeout_s: float,
    rounds: int,
    calls: int,
    programs: Programs | None,
) -> Draft:
    """Validate the program the model submitted (one already checked with ``check_reward`` keeps that
    verdict)."""
    code = error = None
    try:
        if reply.truncated:
            raise NoCodeError(TRUNCATED.format(tokens=reply.max_tokens))
        try:
            code = extract_code(reply.text)
        except NoCodeError:
            code = last_passed(outcomes)  # "the program above passes": the last one that passed check_reward
            if code is None:
                raise
        if code in outcomes:  # checked in the conversation already (the dry run is seeded: same verdict)
            path.write_text(code)
            error = outcomes[code] or (programs.claim(code) if programs else None)
        else:
            error = await validate(code, task, path, check_timeout_s, programs)
    except NoCodeError as exc:
        error = str(exc)
    return Draft(
        "invalid" if error else "valid",
        code,
        reply.text,
        error,
        str(path) if code else None,
        rounds,
        tool_calls=calls,
        duplicate_of=programs and programs.repeated(error),
    )
