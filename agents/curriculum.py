"""The Curriculum agent: plans a chain of tasks and decides at each stage boundary.

It works from plain stage summaries (dicts) and its own LLM. Whenever the model gives no
usable answer (a failed call, no JSON, a choice that is not on offer), it follows the
configuration's choice and says so in the reason. When its model works with tool calls
(``agent_mode``), it may look things up with ``list_tasks`` and ``stage_summary`` before it answers,
within ``tool_rounds`` model calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog

from agents.llm.gateway import FATAL, LLMCallError, LLMGateway
from agents.llm.replay import ReplayExhaustedError
from agents.llm.tool_loop import converse
from agents.untrusted import program_block, system_prompt
from prompts import render
from tools.curriculum_tools import curriculum_tools

log = structlog.get_logger("curriculum")
MAX_STAGES = 4
REASON_CHARS = 500
CODE_CHARS = 3000
#: The tools whose results show what candidate programs wrote (a stage's errors), with their blocks' labels.
CANDIDATE_TEXT = {"stage_summary": "a finished stage's summary; its errors are as its programs reported them"}


@dataclass
class Curriculum:
    """The run's Curriculum agent: its gateway and its protocol's settings, fixed when the run opens."""

    gateway: LLMGateway
    profile: str
    tool_rounds: int

    async def propose_chain(self, **request) -> tuple[list[str], str, str]:
        """``propose_chain`` below with the run's settings: target, description, compatible, key."""
        return await propose_chain(
            self.gateway, profile=self.profile, tool_rounds=self.tool_rounds, **request
        )

    async def decide(self, **request) -> dict:
        """``decide`` below with the run's settings: target, plan, stages, choices, default, key, guidance."""
        return await decide(self.gateway, profile=self.profile, tool_rounds=self.tool_rounds, **request)


def first_json_object(text: str) -> dict | None:
    """The first JSON object in ``text`` (models wrap it in prose or code fences), else None."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
            if isinstance(value, dict):
                return value
        except json.JSONDecodeError:
            pass
        start = text.find("{", start + 1)
    return None


async def ask(
    gateway: LLMGateway, prompt: str, profile: str, key: str, stages: list[dict], tool_rounds: int
) -> tuple[dict | None, str]:
    """The model's JSON answer, or None and why there is none; with tool calls it may look up ``stages``."""
    tools = curriculum_tools(stages) if gateway.uses_tools("curriculum") else None
    system = system_prompt("curriculum_system", profile)
    system += render("curriculum_tools", profile) if tools else ""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
    try:
        if tools:
            run = await converse(
                gateway,
                "curriculum",
                messages,
                tools,
                key=key,
                max_rounds=tool_rounds,
                profile=profile,
                candidate_text=CANDIDATE_TEXT,
            )
            reply = run.reply
        else:
            reply = await gateway.complete("curriculum", messages, key=key)
    except (LLMCallError, ReplayExhaustedError) as exc:
        if isinstance(exc, LLMCallError) and exc.kind == FATAL:
            raise
        return None, f"the model gave no answer ({str(exc)[:200]})"
    answer = first_json_object(reply.text)
    return answer, "" if answer is not None else "the model's answer held no JSON object"


def describe_stage(stage: dict) -> str:
    """One finished stage for the prompt: budget, results and its best reward."""
    budget, best, final = stage["budget"], stage["best"], stage["final_eval"]
    lines = [
        f"Stage {stage['stage']} ({stage['task']}, attempt {stage['attempt']}): "
        f"{budget['iterations']} iterations "
        f"x {budget['samples']} samples, {budget['ppo']['max_epochs']} PPO epochs each; "
        f"success_to_advance {budget['success_to_advance']}.",
        "  trained candidates: "
        f"{sum(s['status'] == 'trained' for it in stage['iterations'] for s in it['samples'])}"
        f" of {sum(len(it['samples']) for it in stage['iterations'])}",
        f"  best policy fitness: {stage['fitness']}",
    ]
    if final:
        lines.append(f"  final evaluation: {final['fitness']} (mean {final['mean']})")
    if best and stage.get("best_code"):
        lines.append(f"  best reward:\n{program_block(stage['best_code'][:CODE_CHARS])}")
    return "\n".join(lines)


async def decide(
    gateway: LLMGateway,
    *,
    target: str,
    plan: list[str],
    stages: list[dict],
    choices: list[str],
    default: dict,
    profile: str,
    key: str,
    tool_rounds: int = 1,
    guidance: list[str] = (),
) -> dict:
    """A decision {action, reason, by} among ``choices`` for the stage that just ended (``stages[-1]``).

    ``guidance``: what the person following the run said to the Curriculum agent.
    """
    if len(choices) == 1:
        return default
    current = stages[-1]
    prompt = render(
        "curriculum_decide",
        profile,
        target=target,
        plan=" -> ".join(plan),
        stages="\n".join(describe_stage(s) for s in stages),
        number=current["stage"],
        task=current["task"],
        options=", ".join(choices),
        default=default["action"],
        default_reason=default["reason"],
        guidance="".join(f"\nThe person following this run says: {text[:REASON_CHARS]}" for text in guidance),
    )
    answer, why_not = await ask(gateway, prompt, profile, key, stages, tool_rounds)
    action = answer and answer.get("decision")
    if action in choices:
        reason = str(answer.get("reason") or "no reason given")[:REASON_CHARS]
        return {"action": action, "reason": reason, "by": "agent"}
    if answer is not None:
        why_not = f"the model chose {str(action)[:50]!r}, not one of {choices}"
    log.warning("curriculum.fallback", key=key, reason=why_not)
    return {**default, "reason": f"{why_not}; following the config: {default['reason']}"}


async def propose_chain(
    gateway: LLMGateway,
    *,
    target: str,
    description: str,
    compatible: dict[str, str],
    profile: str,
    key: str,
    tool_rounds: int = 1,
) -> tuple[list[str], str, str]:
    """A chain of tasks ending with ``target`` from ``compatible``
    ({task: description}), its reason and author."""
    if not compatible:
        return [target], f"no registered task shares {target}'s spaces", "config"
    prompt = render(
        "curriculum_plan",
        profile,
        target=target,
        description=description,
        max_stages=MAX_STAGES,
        tasks="\n".join(f"- {name}: {text}" for name, text in compatible.items()),
    )
    answer, why_not = await ask(gateway, prompt, profile, key, [], tool_rounds)
    chain = answer and answer.get("stages")
    allowed = set(compatible) | {target}
    if (
        isinstance(chain, list)
        and 0 < len(chain) <= MAX_STAGES
        and chain[-1] == target
        and len(set(chain)) == len(chain)
        and all(isinstance(t, str) and t in allowed for t in chain)
    ):
        return chain, str(answer.get("reason") or "no reason given")[:REASON_CHARS], "agent"
    if answer is not None:
        why_not = (
            f"the model proposed {str(chain)[:200]}, not a chain of the compatible tasks ending with {target}"
        )
    log.warning("curriculum.fallback", key=key, reason=why_not)
    return [target], f"{why_not}; following the config: {target} alone", "config"
