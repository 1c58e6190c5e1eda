"""The Coder's text protocol (Eureka's): sample a reward program, validate, repair.

One call of ``write_candidate`` produces one candidate. A program that fails validation
goes straight back to the LLM as Eureka's execution-error feedback with a hint for the fix
(up to ``repair_attempts`` times; under the ``small`` profile, whose models do worse with the
error than without it, a fresh sample from the original prompt); it never takes a training slot.
A repair that repeats a failure starts the sample over from the original prompt. An answer cut
off by the token limit is reported truncated and asked for again, shorter. The repair
conversation carries the extracted program and the error, not the model's whole answer. Under the
``small`` profile, a sample whose fresh sample again repeats the program it was told was already tried
ends ``duplicate``: the model's next answers are mostly that program once more.

An LLM failure ends this sample only (``failed``, with the server's reason); only a fatal one
(authentication, unknown model, a server never reached) propagates and stops the run.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from agents.code_extraction import NoCodeError, extract_code
from agents.coder.draft import TRUNCATED, Draft, Failures, Programs, after_llm_failure, validate
from agents.coder.prompt import answer_start, program_message
from agents.feedback import error_feedback
from agents.llm.gateway import LLMCallError, LLMGateway
from prompts import render
from sim.base import BatchedTask
from tools.job_dir import ATTEMPT_PROGRAM, program_file
from tools.text import error_headline

log = structlog.get_logger("coder")
#: Prompt profiles whose models do not get further with error feedback, so a failed program is answered
#: with a fresh sample from the original prompt. The embedded model sent 21 of 49 programs it was shown
#: back verbatim; asked for a new program given only the error, 4 of 54 repairs passed (ShadowHand: 0 of
#: 16). Fresh samples recovered 15 of 24 failed samples over Cartpole, BallBalance, Quadcopter and
#: ShadowHand (docs/llms-and-agents.md; figures in bench/RESULTS.md).
#: A sample whose fresh sample repeats the candidate its previous attempt repeated ends there (``duplicate``):
#: after two such copies, 2 of the next 26 fresh samples were new valid programs (6 embedded-model runs).
RESAMPLING_PROFILES = {"small"}


async def write_candidate(
    gateway: LLMGateway,
    messages: list[dict],
    task: type[BatchedTask],
    key: str,
    work_dir: Path,
    *,
    profile: str,
    repair_attempts: int,
    check_timeout_s: float,
    programs: Programs | None = None,
) -> Draft:
    """Sample, extract and validate one reward program, repairing it from its own errors.

    ``key`` names the LLM calls (a resumed run answers them from the log); the program files go into
    ``work_dir``, the candidate's folder.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    conversation = list(messages)
    draft, failures = None, Failures()
    for attempt in range(repair_attempts + 1):
        try:
            reply = await gateway.complete(
                "coder", conversation, key=f"{key}/attempt{attempt}", answer_start=answer_start(task)
            )
        except LLMCallError as exc:
            return after_llm_failure(exc, draft, key, calls=attempt + 1)
        path = program_file(work_dir, ATTEMPT_PROGRAM, attempt)
        code = None
        try:
            if reply.truncated:
                raise NoCodeError(TRUNCATED.format(tokens=reply.max_tokens))
            code = extract_code(reply.text)
            error = await validate(code, task, path, check_timeout_s, programs)
        except NoCodeError as exc:
            error = str(exc)
        draft = Draft(
            "invalid" if error else "valid",
            code,
            reply.text,
            error,
            str(path) if code else None,
            attempt + 1,
            duplicate_of=programs and programs.repeated(error),
        )
        log.info(
            "coder.candidate", key=key, attempt=attempt, status=draft.status, error=error_headline(error)
        )
        if not error or (draft.duplicate_of and programs.copy_ends_sample):
            return draft
        stuck = failures.stuck(code, error)
        if failures.copying(draft.duplicate_of) and profile in RESAMPLING_PROFILES:
            log.info(
                "coder.give_up", key=key, attempt=attempt, reason=f"fresh samples repeat {draft.duplicate_of}"
            )
            return draft
        if reply.truncated and not stuck:
            feedback = render(
                "truncated_answer",
                profile,
                max_tokens=reply.max_tokens,
                code_output_tip=render("code_output_tip", profile),
            )
            conversation += [program_message(None), {"role": "user", "content": feedback}]
        elif stuck or profile in RESAMPLING_PROFILES:
            reason = "fresh sample" if profile in RESAMPLING_PROFILES else "the repair repeated a failure"
            log.info("coder.restart", key=key, attempt=attempt, reason=reason)
            conversation = list(messages)
        else:
            conversation += [
                program_message(code),
                {"role": "user", "content": error_feedback(error, profile, task)},
            ]
    return draft
