"""The Coder agent: prompt from the task context, sample a reward program, validate, repair.

One call of ``write_candidate`` produces one candidate. A program that fails validation
goes straight back to the LLM as Eureka's execution-error feedback with a hint for the fix
(up to ``repair_attempts`` times; under the ``small`` profile, whose models do worse with the
error than without it, a fresh sample from the original prompt); it never takes a training slot.
A repair that repeats a failure starts the sample over from the original prompt. An answer cut
off by the token limit is reported truncated and asked for again, shorter. The repair
conversation carries the extracted program and the error, not the model's whole answer.

An LLM failure ends this sample only (``failed``, with the server's reason); only a fatal one
(authentication, unknown model, a server never reached) propagates and stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog

from agents.code_extraction import NoCodeError, extract_code
from agents.critic import error_feedback
from agents.gateway import FATAL, LLMCallError, LLMGateway
from prompts import render
from sim.base import BatchedTask
from tools.jobs import error_headline
from tools.reward_check import RewardCheckError, check_reward

log = structlog.get_logger("coder")
#: Prompt profiles whose models do not get further with error feedback, so a failed program is answered
#: with a fresh sample from the original prompt. The embedded model sent 21 of 49 programs it was shown
#: back verbatim; asked for a new program given only the error, 4 of 54 repairs passed (ShadowHand: 0 of
#: 16). Fresh samples recovered 15 of 24 failed samples over Cartpole, BallBalance, Quadcopter and
#: ShadowHand (README, "Execute rate").
RESAMPLING_PROFILES = {"small"}
TRUNCATED = "the answer was cut off at the answer budget of {tokens} tokens (llm_max_tokens) before it was complete"


def reward_signature(task: type[BatchedTask], profile: str) -> str:
    """An example signature (Eureka's {task_reward_signature_string}).

    ``paper``: the task's first state names and ``...``, as Eureka wrote it. Other profiles (small
    models) get every state name: they copied the ``...`` into their programs (a syntax error) or
    invented inputs in its place.
    """
    names = list(task.state_spec) if profile != "paper" else [*list(task.state_spec)[:2], "..."]
    args = ", ".join(n if n == "..." else f"{n}: torch.Tensor" for n in names)
    return f"def compute_reward({args}) -> tuple[torch.Tensor, dict[str, torch.Tensor]]"


def answer_start(task: type[BatchedTask]) -> str:
    """How the Coder's answer begins for a model that continues it: the task's whole signature, so the
    program's inputs are the state names (the embedded model invented inputs for ShadowHand otherwise)."""
    return f"```python\n{reward_signature(task, 'small')}:\n"


def initial_messages(task: type[BatchedTask], description: str, profile: str) -> list[dict]:
    """The first coder conversation: system prompt + task context."""
    tip = render("code_output_tip", profile)
    return [
        {"role": "system", "content": render("coder_system", profile, signature=reward_signature(task, profile))},
        {
            "role": "user",
            "content": render(
                "coder_user",
                profile,
                observation_code=task.observation_source().strip(),
                state_spec=task.describe_state(),
                description=description,
                code_output_tip=tip,
            ),  # fmt: skip
        },
    ]


def program_message(code: str | None) -> dict:
    """The assistant's turn as later rounds see it: the extracted program alone, not the whole answer."""
    return {"role": "assistant", "content": f"```python\n{code.strip()}\n```" if code else "(no reward function)"}


def prior_reward_messages(prior: dict, profile: str) -> list[dict]:
    """The Coder's starting point (Eureka's reward initialisation): the previous stage's best reward, or the
    task's human reward."""
    fitness = "unknown" if prior["fitness"] is None else f"{prior['fitness']:.2f}"
    template = "human_reward" if prior.get("origin") == "human" else "prior_reward"
    return [
        program_message(prior["code"]),
        {"role": "user", "content": render(template, profile, task=prior["task"], fitness=fitness,
                                           code_output_tip=render("code_output_tip", profile))},  # fmt: skip
    ]


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


def after_llm_failure(exc: LLMCallError, draft: Draft | None, key: str, calls: int, tool_calls: int = 0) -> Draft:
    """The sample after its ``calls``-th LLM call failed; a fatal failure propagates (no later call can succeed).

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


async def validate(code: str, task: type[BatchedTask], path: Path, check_timeout_s: float) -> str | None:
    """Write the program to ``path`` and check it (static check, sandboxed dry run): its error, or None."""
    path.write_text(code)
    try:
        await check_reward(task.name, code, list(task.state_spec), path.parent / f"check_{path.stem}", check_timeout_s)
    except RewardCheckError as exc:
        return str(exc)
    return None


async def given_candidate(code: str, task: type[BatchedTask], key: str, work_dir: Path,
                          check_timeout_s: float) -> Draft:  # fmt: skip
    """A program the user pasted (/edit), validated like a Coder's; no LLM is called."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"{key.rsplit('/', 1)[-1]}_user.py"
    error = await validate(code, task, path, check_timeout_s)
    log.info("coder.user_candidate", key=key, status="invalid" if error else "valid", error=error_headline(error))
    return Draft("invalid" if error else "valid", code, "", error, str(path), 0)


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
) -> Draft:
    """Sample, extract and validate one reward program, repairing it from its own errors.

    ``key`` names the LLM calls (a resumed run answers them from the log) and, by its last
    part, the program files in ``work_dir``.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    conversation = list(messages)
    draft, failures = None, Failures()
    for attempt in range(repair_attempts + 1):
        try:
            reply = await gateway.complete("coder", conversation, key=f"{key}/attempt{attempt}",
                                           answer_start=answer_start(task))  # fmt: skip
        except LLMCallError as exc:
            return after_llm_failure(exc, draft, key, calls=attempt + 1)
        path = work_dir / f"{key.rsplit('/', 1)[-1]}_attempt{attempt}.py"
        code = None
        try:
            if reply.truncated:
                raise NoCodeError(TRUNCATED.format(tokens=reply.max_tokens))
            code = extract_code(reply.text)
            error = await validate(code, task, path, check_timeout_s)
        except NoCodeError as exc:
            error = str(exc)
        draft = Draft(
            "invalid" if error else "valid", code, reply.text, error, str(path) if code else None, attempt + 1
        )
        log.info("coder.candidate", key=key, attempt=attempt, status=draft.status, error=error_headline(error))
        if not error:
            return draft
        stuck = failures.stuck(code, error)
        if reply.truncated and not stuck:
            feedback = render("truncated_answer", profile, max_tokens=reply.max_tokens,
                              code_output_tip=render("code_output_tip", profile))  # fmt: skip
            conversation += [program_message(None), {"role": "user", "content": feedback}]
        elif stuck or profile in RESAMPLING_PROFILES:
            reason = "fresh sample" if profile in RESAMPLING_PROFILES else "the repair repeated a failure"
            log.info("coder.restart", key=key, attempt=attempt, reason=reason)
            conversation = list(messages)
        else:
            conversation += [program_message(code), {"role": "user", "content": error_feedback(error, profile, task)}]
    return draft


class Failures:
    """The failed programs of one sample, to tell a model that fixes its program from one stuck on it.

    A model that answers an error with the same program, or with one that fails the same way, does
    not get further by being told again (measured with the embedded model: 1 repair in 24 helped);
    a fresh sample from the original prompt does.
    """

    def __init__(self) -> None:
        self.programs: set[str] = set()
        self.last_error: str | None = None

    def stuck(self, code: str | None, error: str) -> bool:
        """Record a failure; True if it repeats a failed program or the previous failure's error."""
        program = "\n".join(line.rstrip() for line in (code or "").strip().splitlines())
        headline = error_headline(error)
        repeated = (bool(program) and program in self.programs) or headline == self.last_error
        self.programs.add(program)
        self.last_error = headline
        return repeated
