"""A chat model that answers with responses recorded in an earlier run's transcript (its LLM calls file).

The file holds two kinds of records: LLM calls, and the tools agents ran (they have a ``tool``
field). Replay answers with the calls' responses, tool calls included; the tools themselves run
again, as in the original run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ReplayExhaustedError(RuntimeError):
    """The transcript has no more responses for this agent."""


def drop_torn_tail(path: Path) -> None:
    """Cut a last line that a kill left without its newline, so the next append starts a clean line."""
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def read_calls(path: Path) -> list[dict]:
    """Records of a transcript file; a torn last line is skipped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no LLM transcript at {path}")
    text = path.read_text()
    lines = text.splitlines()
    if not text.endswith("\n") and lines:
        lines.pop()  # torn by a kill in the middle of an append: that call is not recorded
    records = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg})") from exc
    return records


def model_calls(records: list[dict]) -> list[dict]:
    """The LLM calls among a transcript's records (not the tools that ran)."""
    return [r for r in records if "tool" not in r]


class ReplayChatModel(BaseChatModel):
    """Replays one agent's recorded responses (and why each ended) in order;
    fails clearly when they run out."""

    agent: str
    source: str
    responses: list[dict]  # {"response", "finish_reason", "tool_calls", "invalid_tool_calls"} in call order
    calls_tools: bool  # the recorded run gave this agent tools (or, if it never called it, any agent)
    position: int = 0

    @classmethod
    def from_transcript(cls, path: str | Path, agent: str, start: int = 0) -> ReplayChatModel:
        calls = model_calls(read_calls(Path(path)))
        own = [r for r in calls if r.get("agent") == agent]
        responses = [
            {
                "response": r["response"],
                "finish_reason": r.get("finish_reason"),
                "tool_calls": r.get("tool_calls", []),
                "invalid_tool_calls": r.get("invalid_tool_calls", []),
            }
            for r in own
        ]
        return cls(
            agent=agent,
            source=str(path),
            responses=responses,
            position=start,
            calls_tools=any(r.get("tools") for r in own or calls),
        )

    @property
    def _llm_type(self) -> str:
        return "replay"

    def bind_tools(self, tools, **kwargs: Any) -> ReplayChatModel:
        return self  # the recorded answers already hold the tool calls

    def _generate(
        self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any
    ) -> ChatResult:
        if self.position >= len(self.responses):
            raise ReplayExhaustedError(
                f"replay {self.source}: no more recorded {self.agent} responses "
                f"(all {len(self.responses)} used)"
            )
        recorded = self.responses[self.position]
        self.position += 1
        message = AIMessage(
            content=recorded["response"],
            response_metadata={"finish_reason": recorded["finish_reason"]},
            tool_calls=recorded["tool_calls"],
            invalid_tool_calls=recorded["invalid_tool_calls"],
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any
    ) -> ChatResult:
        # Take the next response in the event loop (not a thread pool) so call order is reply order.
        return self._generate(messages, stop=stop, **kwargs)
