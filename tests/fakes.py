"""FAKES for unit tests only: scripted chat models standing in for a real LLM."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool


class HttpError(Exception):
    """FAKE provider error carrying an HTTP status, like openai.APIStatusError."""

    def __init__(self, status_code: int):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class APIConnectionError(Exception):
    """FAKE transport failure named like the openai and anthropic clients' own (no HTTP status)."""


class ScriptedChatModel(BaseChatModel):
    """FAKE LLM: returns (or raises) the scripted items in order and records the prompts and call options.

    An item is the answer's text, a whole AIMessage (to script a finish reason or tool calls), or an
    exception to raise. Tools bound with ``bind_tools`` arrive in the call options (``options[i]["tools"]``).
    """

    script: list[Any]
    prompts: list[list] = []
    options: list[dict] = []
    continues_assistant_turn: bool = False  # True: answers a final assistant turn with its continuation alone

    @property
    def _llm_type(self) -> str:
        return "fake-scripted"

    def bind_tools(self, tools, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.prompts.append(messages)
        self.options.append(kwargs)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        message = (
            item
            if isinstance(item, AIMessage)
            else AIMessage(
                content=item, usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
            )
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return self._generate(messages, stop=stop, **kwargs)


def cut_off(text: str, tokens: int) -> AIMessage:
    """FAKE answer that stopped at the token limit, as an OpenAI-compatible server reports it."""
    return AIMessage(
        content=text,
        response_metadata={"finish_reason": "length"},
        usage_metadata={"input_tokens": 10, "output_tokens": tokens, "total_tokens": 10 + tokens},
    )


def calls_tool(name: str, call_id: str = "call0", text: str = "", **args) -> AIMessage:
    """FAKE answer that calls one tool with ``args``."""
    return AIMessage(
        content=text,
        tool_calls=[{"id": call_id, "name": name, "args": args}],
        usage_metadata={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
    )
