"""The one LLM gateway: context fitting, bounded answers, concurrency cap, throttling, retries, usage,
call log.

Every agent call goes through ``LLMGateway.complete``. The conversation is fitted into the
model's context window (``agents.llm.conversation``) and the answer is bounded by ``max_tokens``;
an answer cut off by that bound comes back marked ``truncated``. Calls are recorded to
``<run_dir>/llm_calls.jsonl`` (agent, key, messages sent, response, tool calls, usage, finish
reason), and so is every tool an agent ran (``record_tool``: name, arguments, result). A call
with a key that is already in the log (a resumed run) is answered from the log, so resuming
never pays twice for the same sample.

``complete(..., tools=[...])`` binds LangChain tools to the model for that call (for the models
whose provider supports tool calling: ``modes.supports_tools``); the reply carries the tool calls.

A failed call raises ``LLMCallError`` with a ``kind`` that says who it concerns:
``fatal`` (authentication, an unknown model, a server never reached: no later call can
succeed, the run stops), ``unavailable`` (timeouts, connection errors, 429 and 5xx after the
retries: the server may come back), ``rejected`` (this request only: a 4xx such as a
context overflow or a content filter, a malformed answer) or ``budget`` (``budget_usd`` is spent:
no new call is sent; calls already in flight finish).

Each call's cost comes from the price table (``agents.llm.pricing``) for the agent's model spec.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog
from asyncio_throttle import Throttler
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import convert_to_messages
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agents.llm.conversation import CHARS_PER_TOKEN, ContextOverflowError, ContextWindow, Fitted, fit
from agents.llm.modes import tool_agents
from agents.llm.pricing import PriceTable
from agents.llm.replay import (
    ReplayChatModel,
    ReplayExhaustedError,
    drop_torn_tail,
    model_calls,
    read_calls,
)

log = structlog.get_logger("llm")
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
#: Parts of exception class names that mean "try again" in some provider's client (openai, anthropic,
#: httpx, requests, aiohttp, google-api-core, ...); matched along each exception's class hierarchy.
TRANSIENT_NAMES = (
    "Timeout",
    "TimedOut",
    "ConnectionError",
    "ConnectError",
    "ConnectorError",
    "ServerDisconnected",
    "RemoteProtocolError",
    "RateLimit",
    "TooManyRequests",
    "ServiceUnavailable",
    "InternalServerError",
    "Overloaded",
    "DeadlineExceeded",
    "ResourceExhausted",
)


FATAL_STATUS = {401: "authentication failed", 403: "permission denied", 404: "unknown model or endpoint"}
#: Finish reasons that mean "cut off by the token limit" (OpenAI and llama.cpp, Anthropic, Google, Ollama).
LENGTH_REASONS = {"length", "max_tokens", "MAX_TOKENS"}
FATAL, UNAVAILABLE, REJECTED, BUDGET = "fatal", "unavailable", "rejected", "budget"
DEFAULT_MAX_TOKENS = 1024  # configs/run.yaml's llm_max_tokens
REACHABLE_TIMEOUT_S = 60  # asking whether a model answers again after an outage


class LLMCallError(RuntimeError):
    """A failed LLM call; ``kind`` is ``fatal``, ``unavailable``, ``rejected`` or ``budget``
    (see the module docstring)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool = False
    finish_reason: str | None = None
    truncated: bool = False  # cut off by the answer budget: the text is incomplete
    max_tokens: int | None = None
    tool_calls: list[dict] = field(default_factory=list)  # {id, name, args}
    invalid_tool_calls: list[dict] = field(default_factory=list)  # {id, name, args (raw text), error}


def _causes(exc: BaseException, depth: int = 5):
    """The exception and the ones it was raised from (providers wrap transport errors)."""
    while exc is not None and depth:
        yield exc
        exc, depth = exc.__cause__ or exc.__context__, depth - 1


def _status(error: BaseException) -> int | None:
    """The HTTP status one exception carries (on itself or on its response), if any."""
    status = getattr(error, "status_code", None) or getattr(
        getattr(error, "response", None), "status_code", None
    )
    return status if isinstance(status, int) else None


def status_of(exc: BaseException) -> int | None:
    """The HTTP status a provider's exception (or one it wraps) carries, if any."""
    return next((status for error in _causes(exc) if (status := _status(error)) is not None), None)


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429 and 5xx are worth retrying, whatever the provider calls them."""
    for error in _causes(exc):
        if isinstance(error, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
            return True
        if _status(error) in RETRY_STATUS:
            return True
        if any(part in cls.__name__ for cls in type(error).__mro__ for part in TRANSIENT_NAMES):
            return True
    return False


class LLMGateway:
    """Shared by all agents: per-agent models and context windows, a concurrency cap, a rate throttle,
    retries."""

    def __init__(
        self,
        models: dict[str, BaseChatModel],
        calls_file: Path,
        *,
        windows: dict[str, ContextWindow] | None = None,
        specs: dict[str, str] | None = None,
        prices: PriceTable | None = None,
        budget_usd: float | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        max_concurrency: int = 4,
        requests_per_minute: float = 60,
        retries: int = 3,
        timeout_s: float = 600,
        backoff_s: float = 2.0,
        agent_mode: str = "text",
    ):
        self.models = models
        self.agent_mode = agent_mode
        self.specs = dict(specs or {})  # agent -> model spec as given (prices are per spec)
        self.tool_agents = tool_agents(agent_mode, models, self.specs)  # raises AgentModeError
        self.windows = windows or {}
        self.prices, self.budget_usd = prices or PriceTable(()), budget_usd
        self.max_tokens = max_tokens
        self.log_path = Path(calls_file)  # every call is appended here (replayable)
        self.semaphore = asyncio.Semaphore(max_concurrency)
        self.throttler = Throttler(rate_limit=max(1, round(requests_per_minute)), period=60)
        self.retries, self.timeout_s, self.backoff_s = retries, timeout_s, backoff_s
        self.reached: set[str] = set()  # agents whose model has answered in this process
        if self.log_path.exists():
            drop_torn_tail(self.log_path)
        calls = self._model_calls()
        self.recorded = {(r["agent"], r["key"]): r for r in calls if r.get("key")}
        self.per_model: dict[str, dict] = {}  # model spec -> calls, tokens, cost over the run's records
        for r in calls:
            self._count(r)
        self.bound: dict[tuple, object] = {}  # (agent, tool names) -> the model with those tools bound

    def _model_calls(self) -> list[dict]:
        return model_calls(read_calls(self.log_path)) if self.log_path.exists() else []

    def _count(self, record: dict) -> None:
        add_call(self.per_model.setdefault(record.get("model", "unknown"), usage_entry()), record)

    def usage(self) -> dict:
        """Calls, tokens and cost in USD over every LLM call of this run (including calls before a resume),
        in total and per model spec; a cost is None where some call's model has no price."""
        total = usage_entry()
        for entry in self.per_model.values():
            add_call(total, entry, calls=entry["calls"])
        return {**total, "models": {model: dict(entry) for model, entry in self.per_model.items()}}

    def spent_usd(self) -> float:
        """What the priced calls of this run cost so far."""
        return sum(entry["cost_usd"] or 0.0 for entry in self.per_model.values())

    def budget_spent(self) -> bool:
        return self.budget_usd is not None and self.spent_usd() >= self.budget_usd

    def bind_tools(self, agent: str, tools: list[BaseTool] | None):
        """``agent``'s model with ``tools`` bound (once per set of tools),
        or the model itself without tools."""
        if not tools:
            return self.models[agent]
        names = (agent, tuple(t.name for t in tools))
        if names not in self.bound:
            self.bound[names] = self.models[agent].bind_tools(tools)
        return self.bound[names]

    def uses_tools(self, agent: str) -> bool:
        """Whether ``agent`` works with tool calls (``agent_mode`` against what its model supports)."""
        return agent in self.tool_agents

    def switch_model(self, agent: str, model: BaseChatModel, window: ContextWindow, spec: str) -> None:
        """Answer ``agent``'s next calls with ``model`` (priced as ``spec``);
        AgentModeError changes nothing."""
        models, specs = {**self.models, agent: model}, {**self.specs, agent: spec}
        self.tool_agents = tool_agents(self.agent_mode, models, specs)
        self.models[agent], self.windows[agent], self.specs[agent] = model, window, spec
        self.bound = {names: bound for names, bound in self.bound.items() if names[0] != agent}

    def continues_answers(self, agent: str) -> bool:
        """Whether ``agent``'s model continues a conversation's final assistant turn (llama.cpp does)."""
        return getattr(self.models[agent], "continues_assistant_turn", False)

    async def complete(
        self,
        agent: str,
        messages: list[dict],
        key: str | None = None,
        tools: list[BaseTool] | None = None,
        answer_start: str | None = None,
    ) -> Reply:
        """Send ``messages`` to ``agent``'s model (with ``tools`` bound), fitted to its context.

        A message is ``{role, content}``, plus ``tool_calls`` on an assistant turn and ``tool_call_id``
        on a tool result. ``answer_start``: a model that continues an assistant turn answers from this
        text on, and the reply (recorded whole) begins with it; other models ignore it.
        """
        if answer_start and self.continues_answers(agent):
            messages = [*messages, {"role": "assistant", "content": answer_start}]
        else:
            answer_start = None
        if key and (agent, key) in self.recorded:
            r = self.recorded[(agent, key)]
            return Reply(
                r["response"],
                r.get("prompt_tokens", 0),
                r.get("completion_tokens", 0),
                cached=True,
                finish_reason=r.get("finish_reason"),
                truncated=r.get("truncated", False),
                max_tokens=r.get("max_tokens"),
                tool_calls=r.get("tool_calls", []),
                invalid_tool_calls=r.get("invalid_tool_calls", []),
            )
        fitted = await self._fit(agent, messages, tools)
        if fitted.trimmed:
            log.info(
                "llm.trimmed", agent=agent, key=key, steps=fitted.trimmed, prompt_tokens=fitted.prompt_tokens
            )
        message, wall_s = await self._invoke(agent, fitted, model=self.bind_tools(agent, tools))
        self.reached.add(agent)
        text = message.content if isinstance(message.content, str) else _join_content(message.content)
        if answer_start and not text.startswith(answer_start):  # a server that returns the continuation alone
            text = answer_start + text
        usage = getattr(message, "usage_metadata", None) or {}
        finish = finish_reason(message)
        completion = usage.get("output_tokens", 0)
        reply = Reply(
            text,
            usage.get("input_tokens", 0),
            completion,
            finish_reason=finish,
            truncated=finish in LENGTH_REASONS or completion >= fitted.max_tokens,
            max_tokens=fitted.max_tokens,
            tool_calls=[
                {"id": c.get("id") or f"call{i}", "name": c["name"], "args": c["args"]}
                for i, c in enumerate(getattr(message, "tool_calls", []))
            ],
            invalid_tool_calls=[
                {k: c.get(k) for k in ("id", "name", "args", "error")}
                for c in getattr(message, "invalid_tool_calls", [])
            ],
        )
        self._record(agent, key, fitted, reply, wall_s, tools)
        return reply

    async def _fit(self, agent: str, messages: list[dict], tools: list[BaseTool] | None) -> Fitted:
        """``messages`` fitted to the agent's context window. A server that cannot be reached to count them is
        retried as a call is, and ends the same way (unavailable), never as a prompt that does not fit."""
        window, tries = self.windows.get(agent) or ContextWindow(None), 0
        while True:
            try:
                return await fit(messages, self.max_tokens, window, reserved=schema_tokens(tools or []))
            except ContextOverflowError as exc:
                raise LLMCallError(f"{agent}: not sent: {exc}", REJECTED) from exc
            except httpx.TransportError as exc:
                tries += 1
                if tries > self.retries:
                    raise self._call_error(agent, exc, tries) from exc
                await asyncio.sleep(self._retry_delay(agent, tries, exc))

    async def _invoke(self, agent: str, fitted: Fitted, timeout_s: float | None = None, model=None):
        """One model call with retries on transient errors; failures become ``LLMCallError`` of a kind."""
        model = model or self.models[agent]
        # A smaller budget than the model was built with is passed per call
        # (only a fitted context shrinks it).
        options = {"max_tokens": fitted.max_tokens} if fitted.max_tokens < self.max_tokens else {}
        async with self.semaphore:
            if self.budget_spent():  # checked in turn: calls waiting here see what the calls before them cost
                raise LLMCallError(
                    f"{agent}: not sent: the LLM budget of ${self.budget_usd:g} is spent "
                    f"(${self.spent_usd():.4f})",
                    BUDGET,
                )
            for attempt in range(self.retries + 1):
                async with self.throttler:
                    started = time.perf_counter()
                    try:
                        async with asyncio.timeout(timeout_s or self.timeout_s):  # wait_for can drop a Ctrl-C
                            message = await model.ainvoke(convert_to_messages(fitted.messages), **options)
                        return message, time.perf_counter() - started
                    except ReplayExhaustedError:
                        raise
                    except Exception as exc:
                        transient = is_retryable(exc)
                        if attempt == self.retries or not transient:
                            raise self._call_error(agent, exc, attempt + 1) from exc
                        delay = self._retry_delay(agent, attempt + 1, exc)
                await asyncio.sleep(delay)

    def _retry_delay(self, agent: str, tries: int, exc: BaseException) -> float:
        """Seconds to wait after the ``tries``-th failed attempt (exponential backoff with jitter), logged."""
        delay = self.backoff_s * 2 ** (tries - 1) * (0.5 + random.random())
        log.warning("llm.retry", agent=agent, attempt=tries, error=headline(exc), delay_s=round(delay, 1))
        return delay

    def _call_error(self, agent: str, exc: BaseException, tries: int) -> LLMCallError:
        status = status_of(exc)
        reason = f"{type(exc).__name__}: {headline(exc)}"
        if status in FATAL_STATUS:
            return LLMCallError(f"{agent} LLM: {FATAL_STATUS[status]} ({reason})", FATAL)
        if is_retryable(exc):
            if status is None and agent not in self.reached:
                return LLMCallError(f"{agent} LLM: cannot reach the model's server ({reason})", FATAL)
            return LLMCallError(f"{agent} LLM unavailable after {tries} tries ({reason})", UNAVAILABLE)
        return LLMCallError(f"{agent} LLM rejected the request ({reason})", REJECTED)

    async def reachable(self, agent: str) -> bool:
        """Whether ``agent``'s model answers a one-line request, asked with the gateway's retries and
        backoff."""
        if isinstance(self.models[agent], ReplayChatModel):
            return True  # a transcript has nothing to wait for (and a probe would use up a response)
        probe = Fitted([{"role": "user", "content": "Reply with OK."}], self.max_tokens, None)
        try:
            await self._invoke(agent, probe, timeout_s=min(self.timeout_s, REACHABLE_TIMEOUT_S))
        except LLMCallError as exc:
            log.warning("llm.unreachable", agent=agent, error=str(exc))
            return False
        return True

    def _record(
        self,
        agent: str,
        key: str | None,
        fitted: Fitted,
        reply: Reply,
        wall_s: float,
        tools: list[BaseTool] | None,
    ) -> None:
        spec = self.specs.get(agent, "unknown")
        record = {
            "agent": agent,
            "model": spec,
            "key": key,
            "time": time.time(),
            "wall_s": round(wall_s, 3),
            "messages": fitted.messages,
            "response": reply.text,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "cost_usd": self.prices.cost(spec, reply.prompt_tokens, reply.completion_tokens),
            "max_tokens": fitted.max_tokens,
            "finish_reason": reply.finish_reason,
            "truncated": reply.truncated,
            **({"trimmed": fitted.trimmed} if fitted.trimmed else {}),
            **(
                {
                    "tools": [t.name for t in tools],
                    "tool_calls": reply.tool_calls,
                    "invalid_tool_calls": reply.invalid_tool_calls,
                }
                if tools
                else {}
            ),
        }
        self._append(record)
        self._count(record)
        if key:
            self.recorded[(agent, key)] = record
        log.info(
            "llm.call",
            agent=agent,
            key=key,
            wall_s=round(wall_s, 2),
            completion_tokens=reply.completion_tokens,
            **({"truncated": True} if reply.truncated else {}),
            **({"tool_calls": [c["name"] for c in reply.tool_calls]} if reply.tool_calls else {}),
        )

    def record_tool(
        self, agent: str, key: str | None, name: str, args: dict, result: str, wall_s: float
    ) -> None:
        """Log one tool an agent ran: its name, arguments and the result the model was shown."""
        self._append(
            {
                "agent": agent,
                "key": key,
                "time": time.time(),
                "wall_s": round(wall_s, 3),
                "tool": name,
                "args": args,
                "result": result,
            }
        )
        log.info("tool.call", agent=agent, key=key, tool=name, wall_s=round(wall_s, 2))

    def _append(self, record: dict) -> None:
        with open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")


def usage_entry() -> dict:
    return {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}


def add_call(entry: dict, record: dict, calls: int = 1) -> None:
    """Add a call record's (or a usage entry's) tokens and cost to ``entry``;
    an unknown cost makes it unknown."""
    entry["calls"] += calls
    entry["prompt_tokens"] += record.get("prompt_tokens", 0)
    entry["completion_tokens"] += record.get("completion_tokens", 0)
    cost = record.get("cost_usd")
    entry["cost_usd"] = None if cost is None or entry["cost_usd"] is None else entry["cost_usd"] + cost


def schema_tokens(tools: list[BaseTool]) -> int:
    """About how many prompt tokens the tools' JSON schemas take (the chat template adds them)."""
    return int(sum(len(json.dumps(convert_to_openai_tool(t))) for t in tools) / CHARS_PER_TOKEN)


def finish_reason(message) -> str | None:
    """Why the model stopped, under whichever key its provider uses."""
    meta = getattr(message, "response_metadata", None) or {}
    value = meta.get("finish_reason") or meta.get("stop_reason") or meta.get("done_reason")
    return None if value is None else str(getattr(value, "name", value))


def headline(exc: BaseException) -> str:
    """The first line of an exception's message, bounded (servers answer with pages of HTML or JSON)."""
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _join_content(parts: list) -> str:
    return "".join(p if isinstance(p, str) else p.get("text", "") for p in parts)
