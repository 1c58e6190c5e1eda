import json

import pytest

from agents.llm.chat_models import LLMConfigError, build_gateway, make_chat_model, make_models
from agents.llm.replay import ReplayExhaustedError
from graph.results.run_dir import LLM_CALLS_FILE, RunDir

PROMPT = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "reward?"}]


async def test_replay_answers_each_agent_in_order_then_stops_clearly(tmp_path):
    source = tmp_path / "old"
    source.mkdir()
    lines = [
        {"agent": "coder", "response": "c1"},
        {"agent": "critic", "response": "k1"},
        {"agent": "coder", "response": "c2"},
    ]
    (source / LLM_CALLS_FILE).write_text("".join(json.dumps(x) + "\n" for x in lines))
    run = tmp_path / "new"
    run.mkdir()
    gw = build_gateway(
        {a: f"replay:{RunDir(source).llm_calls}" for a in ("coder", "critic")}, run / "calls.jsonl"
    )
    assert (await gw.complete("coder", PROMPT)).text == "c1"
    assert (await gw.complete("critic", PROMPT)).text == "k1"
    assert (await gw.complete("coder", PROMPT)).text == "c2"
    with pytest.raises(ReplayExhaustedError, match="no more recorded coder responses"):
        await gw.complete("coder", PROMPT)
    # Resuming the new run continues after the responses it already used.
    resumed = build_gateway(
        {a: f"replay:{RunDir(source).llm_calls}" for a in ("coder", "critic")}, run / "calls.jsonl"
    )
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
    model = make_chat_model(
        "qwen2.5-coder:7b", agent="coder", base_url="http://127.0.0.1:9/v1", max_tokens=700
    )
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "qwen2.5-coder:7b" and "127.0.0.1:9" in str(model.openai_api_base)
    assert model.max_tokens == 700  # every model's answers are bounded
    assert (
        make_chat_model("openai:served", agent="coder", base_url="http://127.0.0.1:9/v1").model_name
        == "served"
    )


def test_a_server_that_cannot_be_reached_is_a_config_error_before_the_run(tmp_path):
    with pytest.raises(LLMConfigError, match="cannot reach the LLM server at http://127.0.0.1:9/v1"):
        make_models({"coder": "qwen2.5-coder"}, tmp_path / "calls.jsonl", base_url="http://127.0.0.1:9/v1")
