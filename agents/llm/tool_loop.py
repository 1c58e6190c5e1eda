"""An agent's tool-calling conversation: ask, run the tools the model calls, show it the results, repeat.

The model's turns go through the gateway (recorded with their tool calls); each tool that runs is
recorded with its arguments and result. A conversation is bounded by ``max_rounds`` model calls;
before the last one the model is told to answer without tools. The result of a tool that shows what a
candidate program wrote is put in a candidate block (``agents/untrusted.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.tools import BaseTool
from pydantic import ValidationError

from agents.llm.gateway import LLMGateway, Reply
from agents.untrusted import candidate_block
from prompts import render
from tools.text import clip_text

#: What a tool result may put into the conversation.
TOOL_RESULT_CHARS = 6000


@dataclass
class ToolRun:
    reply: Reply  # the model's last turn
    messages: list[dict]  # the conversation, that turn included
    rounds: int  # model calls made
    tool_calls: int  # tools run
    answered: bool  # the last turn called no tool (or ``until`` was met)


def assistant_message(reply: Reply) -> dict:
    """The model's turn as the conversation keeps it: its text and the tool calls it made."""
    message = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    return message


async def run_tool(tools: dict[str, BaseTool], call: dict, candidate_text: dict[str, str]) -> str:
    """One tool call's result as the model sees it, in a candidate block labelled ``candidate_text[name]`` if
    it has one; a bad call is an error it can act on."""
    chosen = tools.get(call["name"])
    if chosen is None:
        return f"error: there is no tool {call['name']!r}; the tools are {', '.join(tools)}"
    try:
        result = clip_text(str(await chosen.ainvoke(call["args"])), TOOL_RESULT_CHARS)
    except ValidationError as exc:
        return f"error: bad arguments for {call['name']}: {clip_text(str(exc), 1000)}"
    except ValueError as exc:  # the tools' own "no such candidate"-style errors
        return f"error: {clip_text(str(exc), 1000)}"
    label = candidate_text.get(call["name"])
    return candidate_block(result, label) if label else result


async def converse(
    gateway: LLMGateway,
    agent: str,
    messages: list[dict],
    tools: list[BaseTool],
    *,
    key: str,
    max_rounds: int,
    profile: str,
    first_round: int = 0,
    until: Callable[[], bool] = lambda: False,
    candidate_text: dict[str, str] | None = None,
) -> ToolRun:
    """Talk with ``agent``'s model until it answers without a tool call, ``until()`` holds,
    or the rounds run out.

    Calls are keyed ``<key>/round<n>`` (counting from ``first_round``), so a resumed run answers
    them from the log. ``candidate_text``: the tools whose results show what a candidate program wrote, each
    with the label of its result's candidate block. LLM errors propagate (``LLMCallError``).
    """
    conversation, by_name, ran = list(messages), {t.name: t for t in tools}, 0
    for n in range(max_rounds):
        if n == max_rounds - 1 and n > 0:
            conversation.append({"role": "user", "content": render("tools_last_turn", profile)})
        round_key = f"{key}/round{first_round + n}"
        reply = await gateway.complete(agent, conversation, key=round_key, tools=tools)
        conversation.append(assistant_message(reply))
        if not reply.tool_calls and not reply.invalid_tool_calls:
            return ToolRun(reply, conversation, n + 1, ran, answered=True)
        for call in reply.tool_calls:
            started = time.perf_counter()
            result = await run_tool(by_name, call, candidate_text or {})
            gateway.record_tool(
                agent, round_key, call["name"], call["args"], result, time.perf_counter() - started
            )
            conversation.append({"role": "tool", "content": result, "tool_call_id": call["id"]})
            ran += 1
        if reply.invalid_tool_calls:
            unreadable = "; ".join(
                f"{c.get('name')}: {str(c.get('error'))[:200]}" for c in reply.invalid_tool_calls
            )
            conversation.append(
                {"role": "user", "content": render("tools_unreadable_call", profile, errors=unreadable)}
            )
        if until():
            return ToolRun(reply, conversation, n + 1, ran, answered=True)
    return ToolRun(reply, conversation, max_rounds, ran, answered=False)
