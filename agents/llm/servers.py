"""What an OpenAI-compatible server says about itself: the models it serves, their context, token counts.

Asked once before a run starts, so a wrong URL or model name fails in one line before any
work. The context size comes from llama.cpp (``meta.n_ctx`` in ``/v1/models``) or vLLM
(``max_model_len``); a llama.cpp server also counts tokens exactly (``/tokenize``).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from agents.llm.conversation import MESSAGE_OVERHEAD_TOKENS, TokenCounter, estimate_tokens, prompt_text

PROBE_TIMEOUT_S = 15


class ServerError(ValueError):
    """The server cannot be reached, refuses us, or does not serve the model."""


@dataclass
class ServerInfo:
    models: list[str]
    context_tokens: int | None  # the served context window of ``model``, when the server says
    counter: TokenCounter  # exact (the server's tokenizer) where it offers one, else an estimate


def _context_of(entry: dict) -> int | None:
    value = (
        (entry.get("meta") or {}).get("n_ctx") or entry.get("max_model_len") or entry.get("context_length")
    )
    return value if isinstance(value, int) and value > 0 else None


def probe(base_url: str, model: str, api_key: str | None) -> ServerInfo:
    """The server's models and ``model``'s context; ``ServerError`` names what is wrong."""
    base = base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise ServerError(f"cannot reach the LLM server at {base_url} ({type(exc).__name__}: {exc})") from exc
    if response.status_code in (401, 403):
        raise ServerError(f"the LLM server at {base_url} refused the API key (HTTP {response.status_code})")
    if response.status_code != 200:  # some servers do not list models: nothing to check against
        return ServerInfo([], None, estimate_tokens)
    try:
        entries = [e for e in response.json().get("data", []) if isinstance(e, dict) and "id" in e]
    except (ValueError, AttributeError):
        entries = []
    names = {name: e for e in entries for name in [e["id"], *(e.get("aliases") or [])]}
    if entries and model not in names:
        served = ", ".join(sorted({e["id"] for e in entries}))
        raise ServerError(f"the LLM server at {base_url} does not serve {model!r}; it serves: {served}")
    context = _context_of(names[model]) if model in names else None
    llama_cpp = any(e.get("owned_by") == "llamacpp" for e in entries)
    root = base.removesuffix("/v1")
    return ServerInfo(
        sorted(names), context, tokenizer_counter(root, headers) if llama_cpp else estimate_tokens
    )


def tokenizer_counter(root_url: str, headers: dict) -> TokenCounter:
    """Count a conversation's tokens with llama.cpp's ``/tokenize`` (an estimate if the server cannot; an
    unreachable server raises its httpx.TransportError: the call to the model would fail the same way)."""

    async def count(messages: list[dict]) -> int:
        try:
            async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, headers=headers) as client:
                total = 0
                for m in messages:
                    response = await client.post(f"{root_url}/tokenize", json={"content": prompt_text(m)})
                    response.raise_for_status()
                    total += len(response.json()["tokens"]) + MESSAGE_OVERHEAD_TOKENS
                return total
        except httpx.TransportError:
            raise
        except (httpx.HTTPError, ValueError, KeyError):
            return await estimate_tokens(messages)

    return count
