"""The Critic agent: it picks the elite of an iteration, writes its reflection,
and answers a person's questions.

It picks its protocol itself. With tool calls (``agent_mode``), given ``candidate_stats``, ``candidate_code``
and ``compare_candidates`` over the stage's candidates it looks at as much as it wants within ``tool_rounds``
model calls, then calls ``select_elite`` (id, reason, analysis, suggestions). With no usable choice (an LLM
failure, no call, an id not on offer) it falls back to the best clean fitness and says so. In text mode the
best clean fitness is the elite; a ``critic_llm`` adds an LLM analysis of its statistics. The
reflection is Eureka's statistics block plus that analysis (``agents/feedback.py``). What the
candidates' programs wrote (code, component names, errors) reaches it in candidate blocks
(``agents/untrusted.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import structlog
from langchain_core.tools import tool

from agents import feedback
from agents.llm.gateway import FATAL, LLMCallError, LLMGateway
from agents.llm.tool_loop import converse
from agents.untrusted import candidate_block, program_block, system_prompt
from prompts import render
from tools.critic_tools import critic_tools, outcome
from tools.text import clip_text

log = structlog.get_logger("critic")
#: What the Critic's own words may add to a prompt.
TEXT_CHARS = 2000
#: The candidates' outcomes (and, in text mode, the named candidates' details) given with a question.
TABLE_CHARS = 12_000
MAX_NAMED = 3
#: What the candidate blocks of the Critic's prompts hold; TOOL_RESULTS: of each tool's result.
OUTCOMES = "the candidates' outcomes; their component names and errors are as the programs wrote them"
CURVES = "a candidate's training curves, named as its program named them"
TOOL_RESULTS = {
    "candidate_stats": CURVES,
    "candidate_code": "a candidate's reward program",
    "compare_candidates": OUTCOMES,
}


@dataclass
class EliteChoice:
    candidate: str
    reason: str
    analysis: str  # analysis and suggestions, for the reflection


@dataclass
class Election:
    candidate: str
    reason: str
    feedback: str  # the reflection for the next iteration's Coder


@dataclass
class Critic:
    """The run's Critic: its gateway and its protocol's settings, fixed when the run opens
    (graph/context.py)."""

    gateway: LLMGateway
    profile: str
    tool_rounds: int
    #: Whether text mode asks an LLM for an analysis (a ``critic_llm`` is set) besides the statistics.
    analyze: bool

    async def elect(self, **election) -> Election:
        """``elect`` below with the run's settings: description, candidates, ranked, previous, iteration,
        stage."""
        return await elect(
            self.gateway, profile=self.profile, tool_rounds=self.tool_rounds, analyze=self.analyze, **election
        )

    async def answer(self, **question) -> str:
        """``answer_question`` below with the run's settings: question, description, candidates, key."""
        return await answer_question(
            self.gateway, profile=self.profile, tool_rounds=self.tool_rounds, **question
        )


async def elect(
    gateway: LLMGateway,
    *,
    description: str,
    candidates: list[dict],
    ranked: list[dict],
    previous: str | None,
    iteration: int,
    stage: str,
    profile: str,
    tool_rounds: int,
    analyze: bool,
) -> Election:
    """The elite among this iteration's trained candidates (``ranked``, best clean fitness first) and, in
    tools mode, the elite before (``previous``), with its reason and reflection."""
    chosen, reason, analysis = ranked[0], "the best clean fitness of the iteration", None
    if gateway.uses_tools("critic"):
        options = [c["id"] for c in ranked if c["status"] == "trained"] + ([previous] if previous else [])
        choice = await choose_elite(
            gateway,
            description=description,
            candidates=candidates,
            iteration=iteration,
            options=options,
            profile=profile,
            key=f"{stage}/it{iteration}/critic",
            tool_rounds=tool_rounds,
        )
        if choice:
            chosen = next(c for c in candidates if c["id"] == choice.candidate)
            reason, analysis = choice.reason, choice.analysis
        else:
            reason += " (the Critic made no usable choice)"
    elif analyze:
        analysis = await feedback.analyze(
            gateway,
            description,
            chosen["code"],
            chosen["result"],
            profile,
            key=f"{stage}/{chosen['id']}/analysis",
        )
    return Election(chosen["id"], reason, feedback.reflection(chosen["result"], profile, analysis))


async def choose_elite(
    gateway: LLMGateway,
    *,
    description: str,
    candidates: list[dict],
    iteration: int,
    options: list[str],
    profile: str,
    key: str,
    tool_rounds: int,
) -> EliteChoice | None:
    """The Critic's elite among ``options`` (candidate ids) with its reason, or None
    (see the module docstring)."""
    chosen: list[EliteChoice] = []

    @tool
    def select_elite(candidate_id: str, reason: str, analysis: str, suggestions: str) -> str:
        """Your decision: the candidate the next iteration builds on, why, your analysis of its training
        statistics, and concrete suggestions for the next reward functions."""
        if candidate_id not in options:
            return f"error: {candidate_id!r} is not one of {options}; choose again"
        chosen.append(
            EliteChoice(
                candidate_id,
                reason.strip()[:TEXT_CHARS],
                f"{analysis.strip()}\nSuggestions: {suggestions.strip()}"[:TEXT_CHARS],
            )
        )
        return "recorded"

    this_iteration = [outcome(c) for c in candidates if c["iteration"] == iteration]
    table = candidate_block(json.dumps(this_iteration, indent=1), OUTCOMES)
    messages = [
        {"role": "system", "content": system_prompt("critic_tools_system", profile)},
        {
            "role": "user",
            "content": render(
                "critic_tools_user",
                profile,
                description=description,
                iteration=iteration,
                table=table,
                options=", ".join(options),
            ),
        },
    ]
    try:
        run = await converse(
            gateway,
            "critic",
            messages,
            [*critic_tools(candidates), select_elite],
            key=key,
            max_rounds=tool_rounds,
            profile=profile,
            until=lambda: bool(chosen),
            candidate_text=TOOL_RESULTS,
        )
    except LLMCallError as exc:
        if exc.kind == FATAL:
            raise
        log.warning("critic.llm_failed", key=key, error=str(exc)[:300])
        return None
    if not chosen:
        log.warning("critic.no_choice", key=key, rounds=run.rounds, tool_calls=run.tool_calls)
        return None
    log.info(
        "critic.elite", key=key, candidate=chosen[-1].candidate, rounds=run.rounds, tool_calls=run.tool_calls
    )
    return chosen[-1]


async def answer_question(
    gateway: LLMGateway,
    *,
    question: str,
    description: str,
    candidates: list[dict],
    profile: str,
    key: str,
    tool_rounds: int,
) -> str:
    """The Critic's answer to a person's question about the run (``@critic``), grounded in its candidates.

    With tools it reads what it needs; without, the prompt carries every candidate's outcome and
    the curves of the candidates the question names. Raises LLMCallError.
    """
    outcomes = "\n".join(json.dumps(outcome(c)) for c in candidates)[-TABLE_CHARS:]
    table = candidate_block(outcomes, OUTCOMES) if outcomes else "(none yet)"
    by_name = {t.name: t for t in critic_tools(candidates)}
    system = system_prompt("critic_chat_system", profile)
    if gateway.uses_tools("critic"):
        messages = [
            {"role": "system", "content": system + "\n" + render("critic_chat_tools", profile)},
            {
                "role": "user",
                "content": render(
                    "critic_chat_user",
                    profile,
                    description=description,
                    table=table,
                    details="",
                    question=question,
                ),
            },
        ]
        run = await converse(
            gateway,
            "critic",
            messages,
            list(by_name.values()),
            key=key,
            max_rounds=tool_rounds,
            profile=profile,
            candidate_text=TOOL_RESULTS,
        )
        text = run.reply.text
    else:
        named = sorted({c["id"] for c in candidates if mentions(question, c["id"])}, key=question.find)[
            :MAX_NAMED
        ]
        room = TABLE_CHARS // (2 * max(len(named), 1))  # for the curves and for the code of each

        def read(tool_name: str, cid: str) -> str:
            return clip_text(by_name[tool_name].invoke({"candidate_id": cid}), room)

        details = "".join(
            f"\nTraining curves of {cid}:\n{candidate_block(read('candidate_stats', cid), CURVES)}"
            f"\nReward code of {cid}:\n{program_block(read('candidate_code', cid))}\n"
            for cid in named
        )
        messages = [
            {"role": "system", "content": system},
            {
                "role": "user",
                "content": render(
                    "critic_chat_user",
                    profile,
                    description=description,
                    table=table,
                    details=details,
                    question=question,
                ),
            },
        ]
        text = (await gateway.complete("critic", messages, key=key)).text
    return text.strip()[:TEXT_CHARS] or "(the Critic gave no answer)"


def mentions(text: str, candidate: str) -> bool:
    """Whether ``text`` names ``candidate`` as a word of its own (it0-s1 is not in it0-s10)."""
    return re.search(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])", text) is not None
