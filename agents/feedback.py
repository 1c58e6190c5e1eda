"""Eureka's feedback text: the reflection from training statistics (optionally with an LLM analysis) and the
execution-error feedback for a program that could not be trained. What the program wrote (its component names,
its error) is in candidate blocks (``agents/untrusted.py``)."""

from __future__ import annotations

import structlog

from agents.error_hints import error_hint
from agents.llm.gateway import FATAL, LLMCallError, LLMGateway
from agents.untrusted import candidate_block, program_block, system_prompt
from prompts import render
from sim.base import BatchedTask
from tools.text import fmt

log = structlog.get_logger("critic")

#: How many evenly spaced epochs of each training curve the reflection shows (Eureka: 10).
SAMPLED_EPOCHS = 10


def eureka_number(value: float | None) -> str:
    """A number as Eureka's statistics block writes it (two decimals; nan when unknown)."""
    return fmt(value, ".2f", missing="nan")


def series_line(name: str, values: list[float | None]) -> str:
    """``name: ['1.00', ...], Max: x, Mean: y, Min: z`` over ~10 evenly spaced epochs."""
    freq = max(len(values) // SAMPLED_EPOCHS, 1)
    sampled = values[::freq]
    known = [v for v in values if v is not None]
    summary = (
        f", Max: {eureka_number(max(known))}, Mean: {eureka_number(sum(known) / len(known))}"
        f", Min: {eureka_number(min(known))}"
        if known
        else ""
    )
    return f"{name}: [{', '.join(repr(eureka_number(v)) for v in sampled)}]{summary}"


#: What the statistics' candidate block holds.
COMPONENTS = "the reward components as the program named them, with their values during training"


def statistics_block(result: dict) -> tuple[str, int]:
    """The statistics block and the epoch frequency it was sampled at; the components, named by the program,
    in a candidate block."""
    components = result.get("components", {})
    named = "\n".join(series_line(name, values) for name, values in components.items())
    lines = [candidate_block(named, COMPONENTS)] if components else []
    lines.append(series_line("task_score", result.get("fitness", [])))
    lines.append(series_line("episode_length", result.get("episode_length", [])))
    lines += scale_warnings(components)
    clean = (result.get("evaluation") or {}).get("fitness")
    if clean is not None:
        lines.append(f"task_score of the trained policy, measured without the reward: {eureka_number(clean)}")
    return "\n".join(lines), max(len(result.get("fitness", [])) // SAMPLED_EPOCHS, 1)


#: A per-step reward component beyond this size has left any sane scale (and can blow up the PPO update).
SANE_SCALE = 1e6


def scale_warnings(components: dict[str, list[float | None]]) -> list[str]:
    """A line for each component whose training figures were non-finite or beyond a sane scale; a component is
    named by its line in the candidate block (its name is the program's text)."""
    lines = []
    for line, values in enumerate(components.values(), 1):
        name = f"the component on line {line} of the block above"
        known = [v for v in values if v is not None]
        if len(known) < len(values):
            lines.append(
                f"Warning: {name} was NaN or infinite in {len(values) - len(known)} of {len(values)} epochs."
            )
        if known and max(abs(v) for v in known) > SANE_SCALE:
            lines.append(
                f"Warning: {name} reached {max(known, key=abs):.3g}, far beyond a sane reward scale "
                f"(|value| <= {SANE_SCALE:g}); bound it (torch.clamp, torch.tanh)."
            )
    return lines


def reflection(result: dict, profile: str, analysis: str | None = None) -> str:
    """Eureka's policy feedback for a trained candidate, plus the code-feedback guidance."""
    stats, freq = statistics_block(result)
    parts = [render("policy_feedback_header", profile, epoch_freq=freq).rstrip(), stats]
    if analysis:
        parts.append("Analysis of these statistics:\n" + analysis.strip())
    parts.append(render("policy_feedback_tips", profile).rstrip())
    parts.append(render("code_output_tip", profile).rstrip())
    return "\n".join(parts) + "\n"


#: What the execution-error feedback's candidate block holds.
ERROR = "the error the program ran into, as its check or its training reported it"


def error_feedback(error: str, profile: str, task: type[BatchedTask] | None = None) -> str:
    """Eureka's execution-error feedback for a program that could not be trained, with a hint for ``task``."""
    hint = error_hint(error, task) if task is not None else None
    return render(
        "execution_error",
        profile,
        traceback=candidate_block(error, ERROR),
        hint=f"Hint: {hint}.\n" if hint else "",
        code_output_tip=render("code_output_tip", profile),
    )


async def analyze(
    gateway: LLMGateway, description: str, code: str, result: dict, profile: str, key: str
) -> str | None:
    """An LLM-written analysis of the statistics (used when a critic LLM is configured).

    None when the call fails (the reflection then goes without it); a fatal failure propagates.
    """
    stats, _ = statistics_block(result)
    messages = [
        {"role": "system", "content": system_prompt("critic_system", profile)},
        {
            "role": "user",
            "content": render(
                "critic_user", profile, description=description, code=program_block(code), statistics=stats
            ),
        },
    ]
    try:
        reply = await gateway.complete("critic", messages, key=key)
    except LLMCallError as exc:
        if exc.kind == FATAL:
            raise
        log.warning("critic.llm_failed", key=key, kind=exc.kind, error=str(exc)[:300])
        return None
    return None if reply.truncated else reply.text
