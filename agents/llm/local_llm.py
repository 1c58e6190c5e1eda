"""The embedded local LLM: llama.cpp (xllamacpp) in-process behind a LangChain chat model.

No server process, no port to manage and nothing to clean up: the model lives in this
process, is loaded once and shared by every agent, and requests are serialised (one
generation at a time is the fastest use of 2 CPU cores; parallel slots only add overhead).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import os
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages
from langchain_core.messages.tool import invalid_tool_call
from langchain_core.output_parsers.openai_tools import parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from agents.llm.local_model import LocalModelError, assemble

CONTEXT_TOKENS = 8192


def start_server(
    model_path: Path,
    threads: int,
    context_tokens: int,
    *,
    port: int = 0,
    alias: str | None = None,
    speculative: str | None = None,
):
    """A llama.cpp server (xllamacpp) for one GGUF model, one generation at a time, HTTP on loopback only;
    ``speculative`` names one of llama.cpp's draftless n-gram speculation types (``ngram_mod``, ...), off by
    default (bench/prompt_lookup.py measures it)."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise LocalModelError("the embedded LLM needs the [local] extra: pip install -e '.[local]'") from exc
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.n_ctx = context_tokens
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.hostnames = ["127.0.0.1"]  # its HTTP listener stays on loopback
    params.port = port
    if alias:
        params.model_alias = {alias}
    params.verbosity = -1
    if speculative:
        kind = xllamacpp.common_speculative_type.__members__.get(
            f"COMMON_SPECULATIVE_TYPE_{speculative.upper()}"
        )
        if kind is None:
            raise LocalModelError(f"llama.cpp has no speculation type {speculative!r}")
        params.speculative.types = [kind]
    return xllamacpp.Server(params)


class LocalServer:
    """One loaded GGUF model; ``complete`` takes and returns OpenAI chat-completion dicts."""

    _instances: dict[str, LocalServer] = {}
    _instances_lock = threading.Lock()

    def __init__(self, model_path: Path, threads: int):
        self.server = start_server(model_path, threads, CONTEXT_TOKENS)
        self.lock = threading.Lock()
        self.closing = False  # the process is exiting: a request still queued is not started

    @classmethod
    def shared(cls, model_path: Path) -> LocalServer:
        """The process-wide server for ``model_path`` (loaded on first use)."""
        key = str(model_path.resolve())
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(model_path, threads=os.cpu_count() or 1)
            return cls._instances[key]

    @classmethod
    def generating(cls) -> bool:
        """Whether a model is writing an answer now."""
        return any(server.lock.locked() for server in list(cls._instances.values()))

    @classmethod
    def close_all(cls) -> None:
        """At exit: start no queued request, and wait for the answer being written (an abandoned one, when the
        run stopped mid-answer); the interpreter's teardown would free the model under it and crash."""
        for server in list(cls._instances.values()):
            server.closing = True
            server.lock.acquire()  # kept: the process is ending

    def complete(self, request: dict) -> dict:
        with self.lock:
            if self.closing:
                raise RuntimeError("local LLM error: the process is exiting")
            response = self.server.handle_chat_completions(request)
        if not isinstance(response, dict) or "error" in response or not response.get("choices"):
            raise RuntimeError(
                f"local LLM error: {response.get('error') if isinstance(response, dict) else response}"
            )
        return response


atexit.register(LocalServer.close_all)


def exit_now(code: int) -> NoReturn:
    """Exit with ``code`` without waiting for an answer the embedded model is still writing for a stopped run
    (Ctrl-C mid-answer: llama.cpp cannot cancel it, and it can take a minute). Every other exit handler runs
    (Ray's shutdown, logging's flush); only the interpreter's teardown, which would free the model under the
    answer, is skipped."""
    if LocalServer.generating():
        atexit.unregister(LocalServer.close_all)
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


class LocalChatModel(BaseChatModel):
    """A LangChain chat model over the shared in-process llama.cpp server."""

    model_path: str
    temperature: float = 1.0
    max_tokens: int  # the answer budget (``llm_max_tokens``); a call may pass a smaller one
    #: Whether ``--agent-mode auto`` gives this model tools. llama.cpp's jinja chat template renders
    #: them, but the embedded 1.5B model made no tool call in 20 tries of the Coder's tools prompt
    #: (bench/tool_calls.py, README): auto keeps it on the text protocol; ``--agent-mode tools`` still works.
    tools_by_default: bool = False
    #: llama.cpp continues a final assistant turn (and returns it whole): the Coder starts the answer with the
    #: task's signature, so the program's inputs are the task's state names.
    continues_assistant_turn: bool = True

    @property
    def _llm_type(self) -> str:
        return "llama.cpp-local"

    def bind_tools(self, tools, **kwargs: Any):
        """The model with OpenAI-style tool schemas in every request
        (llama.cpp's jinja template renders them)."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any
    ) -> ChatResult:
        request = {
            "messages": convert_to_openai_messages(messages),
            "temperature": self.temperature,
            "max_tokens": kwargs.get("max_tokens") or self.max_tokens,
            **({"stop": stop} if stop else {}),
            **({"tools": kwargs["tools"]} if kwargs.get("tools") else {}),
        }
        response = LocalServer.shared(Path(self.model_path)).complete(request)
        usage, choice = response.get("usage", {}), response["choices"][0]
        calls, invalid = tool_calls(choice["message"].get("tool_calls") or [])
        message = AIMessage(
            content=choice["message"].get("content") or "",
            tool_calls=calls,
            invalid_tool_calls=invalid,
            response_metadata={"finish_reason": choice.get("finish_reason")},
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any
    ) -> ChatResult:
        """``_generate`` on a daemon thread of its own: llama.cpp cannot cancel a generation, and a run
        stopped mid-answer (Ctrl-C) would otherwise wait for it, since asyncio waits for its executor's
        threads."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[ChatResult] = loop.create_future()

        def settle(result: ChatResult | None, error: BaseException | None) -> None:
            if answer.done():  # the caller was cancelled
                return
            if error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(result)

        def generate() -> None:
            try:
                outcome = (self._generate(messages, stop, **kwargs), None)
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                outcome = (None, exc)
            try:
                loop.call_soon_threadsafe(settle, *outcome)
            except RuntimeError:
                pass  # the caller's loop is closed: nobody waits for this answer any more

        context = contextvars.copy_context()  # as asyncio.to_thread does: the caller's context vars go along
        threading.Thread(target=context.run, args=(generate,), name="local-llm", daemon=True).start()
        return await answer


def tool_calls(raw_calls: list[dict]) -> tuple[list, list]:
    """The server's OpenAI-style tool calls parsed, and those whose arguments are not JSON."""
    calls, invalid = [], []
    for raw in raw_calls:
        try:
            parsed = parse_tool_call(raw, return_id=True)
            if parsed is None:
                raise TypeError("not a function call")
            calls.append(parsed)
        except (OutputParserException, KeyError, TypeError, AttributeError) as exc:
            function = (
                raw.get("function") if isinstance(raw, dict) and isinstance(raw.get("function"), dict) else {}
            )
            invalid.append(
                invalid_tool_call(
                    name=str(function.get("name")),
                    args=str(function.get("arguments")),
                    id=raw.get("id") if isinstance(raw, dict) else None,
                    error=str(exc)[:300],
                )
            )
    return calls, invalid


def local_chat_model(path: str | None, max_tokens: int, temperature: float | None = None) -> LocalChatModel:
    """``local`` -> the embedded, sha256-verified Qwen2.5-Coder; ``local:PATH.gguf`` -> that file."""
    if path:
        model_path = Path(path).expanduser()
        if not model_path.is_file():
            raise LocalModelError(f"no GGUF model file at {model_path}")
    else:
        model_path = assemble()
    return LocalChatModel(
        model_path=str(model_path),
        max_tokens=max_tokens,
        temperature=1.0 if temperature is None else temperature,
    )
