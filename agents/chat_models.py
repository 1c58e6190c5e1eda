"""Chat models from spec strings: ``provider:model``, an OpenAI-compatible ``base_url``, ``local``, ``replay:PATH``."""

from __future__ import annotations

import os
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from agents.gateway import LLMGateway
from agents.replay import CALLS_FILE, ReplayChatModel, read_calls


class LLMConfigError(ValueError):
    """An LLM spec that cannot be turned into a model (bad provider, missing key or package)."""


def make_chat_model(
    spec: str,
    *,
    agent: str,
    base_url: str | None = None,
    temperature: float | None = None,
    replay_start: int = 0,
) -> BaseChatModel:
    """A LangChain chat model from ``provider:model``, ``replay:PATH`` or ``local[:PATH.gguf]``."""
    if spec.startswith("replay:"):
        try:
            return ReplayChatModel.from_transcript(spec.removeprefix("replay:"), agent, start=replay_start)
        except (FileNotFoundError, ValueError) as exc:
            raise LLMConfigError(str(exc)) from exc
    if spec == "local" or spec.startswith("local:"):
        from agents.local_llm import local_chat_model
        from agents.local_model import LocalModelError

        try:
            return local_chat_model(
                spec.removeprefix("local").removeprefix(":") or None, temperature=temperature
            )
        except LocalModelError as exc:
            raise LLMConfigError(str(exc)) from exc
    from langchain.chat_models import init_chat_model

    kwargs = {} if temperature is None else {"temperature": temperature}
    if base_url:
        provider, _, model = spec.rpartition(":")
        kwargs.update(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "sk-no-key"))
        spec = f"{provider or 'openai'}:{model}"
    try:
        return init_chat_model(spec, **kwargs)
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]  # providers add paragraphs of help
        raise LLMConfigError(f"cannot use LLM {spec!r}: {type(exc).__name__}: {reason}") from exc


def make_models(specs: dict[str, str], run_dir: Path, *, base_url: str | None = None,
                temperature: float | None = None) -> dict[str, BaseChatModel]:  # fmt: skip
    """One model per agent (the same spec shares one instance); raises LLMConfigError, writes nothing.

    A replayed agent continues after the responses ``run_dir`` already used (a resumed run).
    """
    run_dir = Path(run_dir)
    done = read_calls(run_dir / CALLS_FILE) if (run_dir / CALLS_FILE).exists() else []
    models: dict[str, BaseChatModel] = {}
    shared: dict[str, BaseChatModel] = {}
    for agent, spec in specs.items():
        if spec.startswith("replay:"):  # each agent replays its own responses, after those already used
            used = sum(1 for r in done if r["agent"] == agent)
            models[agent] = make_chat_model(spec, agent=agent, replay_start=used)
            continue
        if spec not in shared:
            shared[spec] = make_chat_model(spec, agent=agent, base_url=base_url, temperature=temperature)
        models[agent] = shared[spec]
    return models


def build_gateway(specs: dict[str, str], run_dir: Path, *, base_url: str | None = None,
                  temperature: float | None = None, **limits) -> LLMGateway:  # fmt: skip
    """``make_models`` behind one gateway."""
    return LLMGateway(make_models(specs, run_dir, base_url=base_url, temperature=temperature), run_dir, **limits)
