import json

import pytest

from agents.gateway import LLMCallError, LLMGateway
from tests.fakes import APIConnectionError, HttpError, ScriptedChatModel

PROMPT = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "reward?"}]


def gateway(tmp_path, script, **kw):
    model = ScriptedChatModel(script=script, prompts=[])
    kw.setdefault("backoff_s", 0.001)
    return LLMGateway({"coder": model, "critic": model}, tmp_path, **kw), model


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


async def test_provider_connection_errors_are_retried_by_type_then_reported_transient(tmp_path):
    gw, model = gateway(tmp_path, [APIConnectionError("connection reset")] * 3, retries=2)
    with pytest.raises(LLMCallError, match="after 3 tries: APIConnectionError") as info:
        await gw.complete("coder", PROMPT)
    assert info.value.transient and len(model.prompts) == 3


async def test_a_wrapped_timeout_is_transient_and_a_bad_request_is_not(tmp_path):
    wrapped = RuntimeError("provider gave up")
    wrapped.__cause__ = TimeoutError("read timed out")
    gw, _ = gateway(tmp_path, [wrapped, HttpError(400)], retries=0)
    with pytest.raises(LLMCallError) as first:
        await gw.complete("coder", PROMPT)
    with pytest.raises(LLMCallError) as second:
        await gw.complete("coder", PROMPT)
    assert first.value.transient and not second.value.transient


async def test_a_call_log_torn_by_a_kill_is_repaired_on_resume(tmp_path):
    gw, _ = gateway(tmp_path, ["first"])
    await gw.complete("coder", PROMPT, key="it0-s0/attempt0")
    with open(tmp_path / "llm_calls.jsonl", "a") as f:
        f.write('{"agent": "coder", "key": "it0-s1/attempt0", "resp')  # killed mid-append
    resumed, model = gateway(tmp_path, ["second"])
    assert (await resumed.complete("coder", PROMPT, key="it0-s0/attempt0")).cached
    assert (await resumed.complete("coder", PROMPT, key="it0-s1/attempt0")).text == "second"
    lines = (tmp_path / "llm_calls.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["it0-s0/attempt0", "it0-s1/attempt0"]
