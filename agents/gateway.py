"""The one LLM gateway: concurrency cap, throttling, retries, usage and the call log.

Every agent call goes through ``LLMGateway.complete``. Calls are recorded to
``<run_dir>/llm_calls.jsonl`` (agent, key, messages, response, usage). A call with a
key that is already in the log (a resumed run) is answered from the log, so resuming
never pays twice for the same sample.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import structlog
from asyncio_throttle import Throttler
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import convert_to_messages

from agents.replay import CALLS_FILE, ReplayExhaustedError, drop_torn_tail, read_calls

log = structlog.get_logger("llm")
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
#: Parts of exception class names that mean "try again" in some provider's client (openai, anthropic,
#: httpx, requests, aiohttp, google-api-core, ...); matched along each exception's class hierarchy.
TRANSIENT_NAMES = ("Timeout", "TimedOut", "ConnectionError", "ConnectError", "ConnectorError",
                   "ServerDisconnected", "RemoteProtocolError", "RateLimit", "TooManyRequests",
                   "ServiceUnavailable", "InternalServerError", "Overloaded", "DeadlineExceeded",
                   "ResourceExhausted")  # fmt: skip


class LLMCallError(RuntimeError):
    """An LLM call that failed after all retries (``transient``) or can never succeed."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool = False


def _causes(exc: BaseException, depth: int = 5):
    """The exception and the ones it was raised from (providers wrap transport errors)."""
    while exc is not None and depth:
        yield exc
        exc, depth = exc.__cause__ or exc.__context__, depth - 1


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429 and 5xx are worth retrying, whatever the provider calls them."""
    for error in _causes(exc):
        if isinstance(error, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
            return True
        response = getattr(error, "response", None)
        status = getattr(error, "status_code", None) or getattr(response, "status_code", None)
        if status in RETRY_STATUS:
            return True
        if any(part in cls.__name__ for cls in type(error).__mro__ for part in TRANSIENT_NAMES):
            return True
    return False


class LLMGateway:
    """Shared by all agents: per-agent models, a concurrency cap, a rate throttle and retries."""

    def __init__(
        self,
        models: dict[str, BaseChatModel],
        run_dir: Path,
        *,
        max_concurrency: int = 4,
        requests_per_minute: float = 60,
        retries: int = 3,
        timeout_s: float = 600,
        backoff_s: float = 2.0,
    ):
        self.models = models
        self.log_path = Path(run_dir) / CALLS_FILE
        self.semaphore = asyncio.Semaphore(max_concurrency)
        self.throttler = Throttler(rate_limit=max(1, round(requests_per_minute)), period=60)
        self.retries, self.timeout_s, self.backoff_s = retries, timeout_s, backoff_s
        if self.log_path.exists():
            drop_torn_tail(self.log_path)
        self.recorded = {(r["agent"], r["key"]): r for r in self._existing_records() if r.get("key")}

    def _existing_records(self) -> list[dict]:
        return read_calls(self.log_path) if self.log_path.exists() else []

    def usage(self) -> dict[str, int]:
        """Totals over every call recorded in this run (including calls before a resume)."""
        records = self._existing_records()
        return {
            "calls": len(records),
            "prompt_tokens": sum(r.get("prompt_tokens", 0) for r in records),
            "completion_tokens": sum(r.get("completion_tokens", 0) for r in records),
        }

    async def complete(self, agent: str, messages: list[dict], key: str | None = None) -> Reply:
        """Send ``messages`` ([{role, content}]) to ``agent``'s model and return the text."""
        if key and (agent, key) in self.recorded:
            r = self.recorded[(agent, key)]
            return Reply(r["response"], r.get("prompt_tokens", 0), r.get("completion_tokens", 0), cached=True)
        model = self.models[agent]
        async with self.semaphore:
            for attempt in range(self.retries + 1):
                async with self.throttler:
                    started = time.perf_counter()
                    try:
                        message = await asyncio.wait_for(
                            model.ainvoke(convert_to_messages(messages)), self.timeout_s
                        )
                        break
                    except ReplayExhaustedError:
                        raise
                    except Exception as exc:
                        transient = is_retryable(exc)
                        if attempt == self.retries or not transient:
                            tries = f" after {attempt + 1} tries" if transient else ""
                            raise LLMCallError(
                                f"{agent} LLM call failed{tries}: {type(exc).__name__}: {exc}", transient
                            ) from exc
                        delay = self.backoff_s * 2**attempt * (0.5 + random.random())
                        log.warning(
                            "llm.retry",
                            agent=agent,
                            attempt=attempt + 1,
                            error=str(exc),
                            delay_s=round(delay, 1),
                        )
                await asyncio.sleep(delay)
        text = message.content if isinstance(message.content, str) else _join_content(message.content)
        usage = getattr(message, "usage_metadata", None) or {}
        reply = Reply(text, usage.get("input_tokens", 0), usage.get("output_tokens", 0))
        self._record(agent, key, messages, reply, time.perf_counter() - started)
        return reply

    def _record(self, agent: str, key: str | None, messages: list[dict], reply: Reply, wall_s: float) -> None:
        record = {
            "agent": agent, "key": key, "time": time.time(), "wall_s": round(wall_s, 3),
            "messages": messages, "response": reply.text,
            "prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
        }  # fmt: skip
        with open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        if key:
            self.recorded[(agent, key)] = record
        log.info(
            "llm.call",
            agent=agent,
            key=key,
            wall_s=round(wall_s, 2),
            completion_tokens=reply.completion_tokens,
        )


def _join_content(parts: list) -> str:
    return "".join(p if isinstance(p, str) else p.get("text", "") for p in parts)
