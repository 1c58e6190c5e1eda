"""Chat models from spec strings: ``provider:model``, an OpenAI-compatible ``base_url``, ``local``,
``replay:PATH``.

Each agent gets its model and its context window: the smaller of the size the server reports
and the configured ``llm_context_tokens``, or whichever is known; the embedded model knows its own.
For an API model with neither, nothing is trimmed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from agents.llm.conversation import ContextWindow
from agents.llm.gateway import DEFAULT_MAX_TOKENS, LLMGateway, headline
from agents.llm.replay import ReplayChatModel, model_calls, read_calls
from agents.llm.servers import ServerError, probe


class LLMConfigError(ValueError):
    """An LLM spec that cannot be turned into a model (bad provider, missing key or package, server
    problem)."""


@dataclass
class AgentModels:
    """The chat model and the context window of each agent."""

    models: dict[str, BaseChatModel]
    windows: dict[str, ContextWindow]


def served_name(spec: str) -> str:
    """The model name to ask an OpenAI-compatible server for: the spec without a leading ``openai:``.

    Names keep their other colons: ``qwen2.5-coder:7b`` is one Ollama model.
    """
    return spec.removeprefix("openai:")


def make_chat_model(
    spec: str,
    *,
    agent: str,
    base_url: str | None = None,
    temperature: float | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    replay_start: int = 0,
) -> BaseChatModel:
    """A LangChain chat model from ``provider:model``, ``replay:PATH`` or ``local[:PATH.gguf]``."""
    if spec.startswith("replay:"):
        try:
            return ReplayChatModel.from_transcript(spec.removeprefix("replay:"), agent, start=replay_start)
        except (FileNotFoundError, ValueError) as exc:
            raise LLMConfigError(str(exc)) from exc
    if spec == "local" or spec.startswith("local:"):
        from agents.llm.local_llm import local_chat_model
        from agents.llm.local_model import LocalModelError

        try:
            return local_chat_model(
                spec.removeprefix("local").removeprefix(":") or None, max_tokens, temperature
            )
        except LocalModelError as exc:
            raise LLMConfigError(str(exc)) from exc
    from langchain.chat_models import init_chat_model

    kwargs = {"max_tokens": max_tokens, **({} if temperature is None else {"temperature": temperature})}
    if base_url:
        kwargs.update(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "sk-no-key"))
        spec = f"openai:{served_name(spec)}"
    try:
        return init_chat_model(spec, **kwargs)
    except Exception as exc:
        raise LLMConfigError(f"cannot use LLM {spec!r}: {type(exc).__name__}: {headline(exc)}") from exc


def context_window(spec: str, base_url: str | None, context_tokens: int | None) -> ContextWindow:
    """Where ``spec``'s context size comes from: the server, the config, or the embedded model."""
    if spec.startswith("replay:"):
        return ContextWindow(None)
    if spec == "local" or spec.startswith("local:"):
        from agents.llm.local_llm import CONTEXT_TOKENS

        return ContextWindow(CONTEXT_TOKENS, source="model")
    if base_url:
        try:
            info = probe(base_url, served_name(spec), os.environ.get("OPENAI_API_KEY"))
        except ServerError as exc:
            raise LLMConfigError(str(exc)) from exc
        if info.context_tokens and (context_tokens is None or info.context_tokens <= context_tokens):
            return ContextWindow(info.context_tokens, info.counter, "server")
        return ContextWindow(context_tokens, info.counter, "config")
    return ContextWindow(context_tokens, source="config")


def make_models(
    specs: dict[str, str],
    calls_file: Path,
    *,
    base_url: str | None = None,
    temperature: float | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    context_tokens: int | None = None,
) -> AgentModels:
    """One model per agent (the same spec shares one instance); raises LLMConfigError, writes nothing.

    A replayed agent continues after the responses its run's ``calls_file`` already used (a resumed run).
    """
    done = model_calls(read_calls(calls_file)) if Path(calls_file).exists() else []
    models: dict[str, BaseChatModel] = {}
    windows: dict[str, ContextWindow] = {}
    shared: dict[str, tuple[BaseChatModel, ContextWindow]] = {}
    for agent, spec in specs.items():
        if spec.startswith("replay:"):  # each agent replays its own responses, after those already used
            used = sum(1 for r in done if r["agent"] == agent)
            models[agent] = make_chat_model(spec, agent=agent, replay_start=used)
            windows[agent] = ContextWindow(None)
            continue
        if spec not in shared:
            model = make_chat_model(
                spec, agent=agent, base_url=base_url, temperature=temperature, max_tokens=max_tokens
            )
            shared[spec] = model, context_window(spec, base_url, context_tokens)
        models[agent], windows[agent] = shared[spec]
    return AgentModels(models, windows)


def build_gateway(
    specs: dict[str, str],
    calls_file: Path,
    *,
    base_url: str | None = None,
    temperature: float | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    context_tokens: int | None = None,
    **limits,
) -> LLMGateway:
    """``make_models`` behind one gateway."""
    built = make_models(
        specs,
        calls_file,
        base_url=base_url,
        temperature=temperature,
        max_tokens=max_tokens,
        context_tokens=context_tokens,
    )
    return LLMGateway(built.models, calls_file, windows=built.windows, max_tokens=max_tokens, **limits)
