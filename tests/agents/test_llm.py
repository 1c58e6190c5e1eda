import json

import pytest

from agents.llm import LLMCallError, LLMConfigError, LLMGateway, build_gateway, make_chat_model
from agents.replay import ReplayExhaustedError
from tests.fakes import HttpError, ScriptedChatModel

PROMPT = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "reward?"}]


def gateway(tmp_path, script, **kw):
    model = ScriptedChatModel(script=script, prompts=[])
    kw.setdefault("backoff_s", 0.001)
    return LLMGateway({"coder": model, "critic": model, "curriculum": model}, tmp_path, **kw), model


async def test_calls_are_recorded_with_agent_messages_response_and_usage(tmp_path):
    gw, _ = gateway(tmp_path, ["def r(): pass"])
    reply = await gw.complete("coder", PROMPT, key="it0-s0")
    assert reply.text == "def r(): pass" and not reply.cached
    record = json.loads((tmp_path / "llm_calls.jsonl").read_text())
    assert (
        record["agent"] == "coder" and record["messages"] == PROMPT and record["response"] == "def r(): pass"
    )
    assert gw.usage() == {"calls": 1, "prompt_tokens": 10, "completion_tokens": 5}


async def test_429_and_5xx_are_retried_then_succeed(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(429), HttpError(503), "ok"], retries=3)
    assert (await gw.complete("coder", PROMPT)).text == "ok"
    assert len(model.prompts) == 3


async def test_client_errors_are_not_retried(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(400), "never"], retries=3)
    with pytest.raises(LLMCallError, match="HTTP 400"):
        await gw.complete("coder", PROMPT)
    assert len(model.prompts) == 1


async def test_retries_give_up_after_the_limit(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(500)] * 3, retries=2)
    with pytest.raises(LLMCallError, match="coder LLM call failed"):
        await gw.complete("coder", PROMPT)
    assert len(model.prompts) == 3


async def test_a_resumed_run_answers_known_keys_from_its_log(tmp_path):
    gw, _ = gateway(tmp_path, ["first"])
    await gw.complete("coder", PROMPT, key="it0-s0/attempt0")
    resumed, model = gateway(tmp_path, [])  # a fresh gateway over the same run directory
    reply = await resumed.complete("coder", PROMPT, key="it0-s0/attempt0")
    assert reply.text == "first" and reply.cached and model.prompts == []


async def test_replay_answers_each_agent_in_order_then_stops_clearly(tmp_path):
    source = tmp_path / "old"
    source.mkdir()
    lines = [
        {"agent": "coder", "response": "c1"},
        {"agent": "critic", "response": "k1"},
        {"agent": "coder", "response": "c2"},
    ]
    (source / "llm_calls.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    run = tmp_path / "new"
    run.mkdir()
    gw = build_gateway({a: f"replay:{source}" for a in ("coder", "critic", "curriculum")}, run)
    assert (await gw.complete("coder", PROMPT)).text == "c1"
    assert (await gw.complete("critic", PROMPT)).text == "k1"
    assert (await gw.complete("coder", PROMPT)).text == "c2"
    with pytest.raises(ReplayExhaustedError, match="no more recorded coder responses"):
        await gw.complete("coder", PROMPT)
    # Resuming the new run continues after the responses it already used.
    resumed = build_gateway({a: f"replay:{source}" for a in ("coder", "critic", "curriculum")}, run)
    with pytest.raises(ReplayExhaustedError):
        await resumed.complete("coder", PROMPT)


def test_bad_specs_fail_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMConfigError, match="no LLM transcript"):
        make_chat_model(f"replay:{tmp_path}/missing.jsonl", agent="coder")
    with pytest.raises(LLMConfigError, match="openai:gpt-4o"):
        make_chat_model("openai:gpt-4o", agent="coder")
    with pytest.raises(LLMConfigError, match="nosuchprovider"):
        make_chat_model("nosuchprovider:model", agent="coder")


def test_base_url_builds_an_openai_compatible_client():
    model = make_chat_model("qwen2.5-coder", agent="coder", base_url="http://127.0.0.1:9/v1")
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "qwen2.5-coder" and "127.0.0.1:9" in str(model.openai_api_base)
